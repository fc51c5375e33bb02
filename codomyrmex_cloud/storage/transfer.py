"""Transfer pieces every backend shares: upload sources, checksums, progress, and download
sinks that verify what they receive (the files they write are in :mod:`staging`)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from codomyrmex_cloud.storage import deadline as deadlines
from codomyrmex_cloud.storage.errors import IntegrityError, InvalidArgumentError
from codomyrmex_cloud.storage.types import ObjectInfo, PathLike, ProgressCallback, UploadData
from codomyrmex_cloud.storage.validation import check_callback, check_upload_path


class _Hasher(Protocol):
    def update(self, data: bytes, /) -> object: ...

    def digest(self) -> bytes: ...


class Crc32:
    """zlib's CRC-32 with the hashlib interface (S3's ``CRC32`` checksum)."""

    def __init__(self) -> None:
        self.value = 0

    def update(self, data: bytes) -> None:
        self.value = zlib.crc32(data, self.value)

    def digest(self) -> bytes:
        return self.value.to_bytes(4, "big")

    def hexdigest(self) -> str:
        return self.digest().hex()


class MultipartEtag:
    """S3's ETag of a multipart object: md5 of the concatenated part md5s, then ``-<parts>``.

    Lets a download of a multipart object be verified end to end when the part size is
    known (the algorithm name ``s3-etag:<part size>`` carries it).
    """

    def __init__(self, part_size: int) -> None:
        self._part_size = part_size
        self._part = hashlib.md5(usedforsecurity=False)
        self._in_part = 0
        self._digests: list[bytes] = []

    def update(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            take = min(len(view), self._part_size - self._in_part)
            self._part.update(view[:take])
            self._in_part += take
            view = view[take:]
            if self._in_part == self._part_size:
                self._digests.append(self._part.digest())
                self._part = hashlib.md5(usedforsecurity=False)
                self._in_part = 0

    def hexdigest(self) -> str:
        digests = self._digests + ([self._part.digest()] if self._in_part else [])
        whole = hashlib.md5(b"".join(digests), usedforsecurity=False).hexdigest()
        return f"{whole}-{len(digests)}"

    def digest(self) -> bytes:
        return self.hexdigest().encode()


def crc32c_hasher() -> _Hasher | None:
    """A CRC32C hasher (google-crc32c ships with the gcs extra), or None without it."""
    try:
        import google_crc32c
    except ImportError:  # pragma: no cover - only without the gcs extra
        return None
    hasher: _Hasher = google_crc32c.Checksum()  # type: ignore[no-untyped-call]
    return hasher


class Digests:
    """Running checksums over a byte stream, for whichever algorithms a service reports."""

    def __init__(self, algorithms: set[str]) -> None:
        self._hashers: dict[str, _Hasher] = {}
        if "md5" in algorithms:
            self._hashers["md5"] = hashlib.md5(usedforsecurity=False)
        if "crc32" in algorithms:
            self._hashers["crc32"] = Crc32()
        for name in algorithms:
            if name.startswith("s3-etag:"):
                self._hashers[name] = MultipartEtag(int(name.split(":", 1)[1]))
        if "crc32c" in algorithms:
            hasher = crc32c_hasher()
            if hasher is not None:
                self._hashers["crc32c"] = hasher
        self.size = 0

    def update(self, chunk: bytes) -> None:
        self.size += len(chunk)
        for hasher in self._hashers.values():
            hasher.update(chunk)

    def hexdigests(self) -> dict[str, str]:
        return {
            name: h.hexdigest() if isinstance(h, MultipartEtag) else h.digest().hex()
            for name, h in self._hashers.items()
        }

    @classmethod
    def of_file(cls, path: Path, algorithms: set[str]) -> Digests:
        digests = cls(algorithms)
        with path.open("rb") as handle:
            while chunk := handle.read(1024 * 1024):
                digests.update(chunk)
        return digests


#: Checksum algorithms by preference, cheapest first: one checksum the service reports is
#: enough to catch corruption (and to compare two objects).
CHECKSUM_PREFERENCE = ("crc32c", "crc32", "md5")


def verification_algorithms(info: ObjectInfo) -> set[str]:
    """The one algorithm to check a download of ``info`` with (none if the service has none)."""
    for name in CHECKSUM_PREFERENCE:
        if name in info.checksums:
            return {name}
    return {name for name in info.checksums if name.startswith("s3-etag:")}


def verify(info: ObjectInfo, digests: Digests) -> None:
    """Raise IntegrityError unless size and every checksum both sides know agree."""
    if digests.size != info.size:
        raise IntegrityError(
            f"received {digests.size} bytes, the service reports {info.size}", bucket=info.bucket, key=info.key
        )
    ours = digests.hexdigests()
    for algorithm, expected in info.checksums.items():
        got = ours.get(algorithm)
        if got is not None and got != expected.lower():
            raise IntegrityError(
                f"{algorithm} mismatch: received {got}, the service reports {expected}",
                bucket=info.bucket,
                key=info.key,
            )


def pread_chunks(fd: int, start: int, stop: int, chunk_size: int) -> Iterator[bytes]:
    """Bytes ``[start, stop)`` of an open file, ``chunk_size`` at a time, with ``os.pread``
    (no shared position); closes ``fd`` when done, also if the reader stops early."""
    try:
        position = start
        while position < stop:
            chunk = os.pread(fd, min(chunk_size, stop - position), position)
            if not chunk:
                return
            position += len(chunk)
            yield chunk
    finally:
        os.close(fd)


# Uploads -------------------------------------------------------------------------------


class CountingReader(io.RawIOBase):
    """A read-only file wrapper that reports progress and feeds hashers as bytes pass."""

    def __init__(
        self,
        raw: BinaryIO,
        total: int | None,
        progress: ProgressCallback | None = None,
        hashers: tuple[_Hasher, ...] = (),
    ) -> None:
        self._raw = raw
        self.total = total
        self.done = 0
        self._origin = raw.tell() if _seekable(raw) else 0
        self._progress = progress
        self._hashers = hashers

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        chunk = self._raw.read(-1 if size is None else size)
        if chunk:
            self._account(chunk)
        return chunk

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        chunk = self._raw.read(len(buffer))
        buffer[: len(chunk)] = chunk
        if chunk:
            self._account(chunk)
        return len(chunk)

    def _account(self, chunk: bytes) -> None:
        self.done += len(chunk)
        for hasher in self._hashers:
            hasher.update(chunk)
        if self._progress is not None:
            self._progress(self.done, self.total)

    # Seeking is passed through when the source can seek (and nothing is hashed), so an SDK
    # can rewind and resend a failed request; progress then restarts from the new position.
    def seekable(self) -> bool:
        return _seekable(self._raw) and not self._hashers

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if not self.seekable():
            raise io.UnsupportedOperation("seek")
        position = self._raw.seek(offset + (self._origin if whence == io.SEEK_SET else 0), whence)
        self.done = position - self._origin
        return self.done

    def tell(self) -> int:
        return self.done


def _seekable(stream: object) -> bool:
    try:
        return bool(stream.seekable())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return False


@dataclass
class UploadSource:
    """One upload's bytes: a readable binary stream, and what is known about it.

    Attributes:
        stream: Readable, positioned at the first byte to send.
        size: Bytes that will be read, if known (files and seekable streams).
        path: The local file, when uploading by name (parts can then be read in parallel).
        data: The whole payload, when it is already in memory.
    """

    stream: BinaryIO
    size: int | None
    path: Path | None = None
    data: bytes | None = None


@contextlib.contextmanager
def upload_source(data: UploadData | None, local_path: PathLike | None) -> Iterator[UploadSource]:
    """Open exactly one of ``data`` or ``local_path`` as an :class:`UploadSource`.

    Raises:
        InvalidArgumentError: Neither or both given; a missing or non-regular file; ``data``
            of the wrong type, a text stream, or a stream not open for reading.
    """
    if (data is None) == (local_path is None):
        raise InvalidArgumentError("data/local_path: pass exactly one of data= or local_path=", argument="data")
    if local_path is not None:
        path = check_upload_path(local_path)
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise InvalidArgumentError(
                f"local_path: cannot read {str(path)!r}: {exc.strerror}", argument="local_path"
            ) from exc
        with handle:
            yield UploadSource(handle, os.fstat(handle.fileno()).st_size, path=path)
        return
    if isinstance(data, str):
        data = data.encode("utf-8")
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        yield UploadSource(io.BytesIO(raw), len(raw), data=raw)
        return
    yield UploadSource(check_stream(data), _remaining_size(data))  # type: ignore[arg-type]


def check_stream(data: object) -> BinaryIO:
    """``data`` if it is a binary stream open for reading, else refuse it by name."""
    if isinstance(data, io.TextIOBase):
        raise InvalidArgumentError("data: a text stream; open the file in binary mode ('rb')", argument="data")
    read = getattr(data, "read", None)
    if not callable(read):
        raise InvalidArgumentError(
            f"data: must be bytes, str or a binary file object, not {type(data).__name__}", argument="data"
        )
    readable = getattr(data, "readable", None)
    try:
        if callable(readable) and not readable():
            raise InvalidArgumentError("data: the stream is not open for reading", argument="data")
    except ValueError as exc:  # a closed file
        raise InvalidArgumentError(f"data: {exc}", argument="data") from exc
    mode = getattr(data, "mode", "")
    if isinstance(mode, str) and mode and "b" not in mode:
        raise InvalidArgumentError(f"data: opened in text mode {mode!r}; use binary mode", argument="data")
    return data  # type: ignore[return-value]


def _remaining_size(stream: BinaryIO) -> int | None:
    """Bytes left in a seekable stream, or None for pipes and sockets."""
    try:
        if not stream.seekable():
            return None
        position = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(position)
        return end - position
    except (OSError, AttributeError, ValueError):
        return None


def read_full(stream: BinaryIO, size: int) -> bytes:
    """Read up to ``size`` bytes, looping over short reads (pipes, sockets)."""
    parts: list[bytes] = []
    left = size
    while left > 0:
        chunk = stream.read(left)
        if not chunk:
            break
        if not isinstance(chunk, bytes | bytearray | memoryview):
            raise InvalidArgumentError(f"data: read() returned {type(chunk).__name__}, not bytes", argument="data")
        parts.append(bytes(chunk))
        left -= len(chunk)
    return b"".join(parts)


class FileSlice(io.RawIOBase):
    """``length`` bytes of a file from ``offset``, as a seekable stream with its own position.

    Each part of a parallel upload reads its slice with ``os.pread``, so parts share one
    file descriptor without sharing a position, and an SDK can rewind a part to resend it.
    """

    def __init__(self, fd: int, offset: int, length: int) -> None:
        self._fd = fd
        self._offset = offset
        self._length = length
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        # One pread, no copy (RawIOBase.read would read into a buffer, then copy it out):
        # the SDK reads every part twice (to sign or checksum it, then to send it).
        left = self._length - self._position
        want = left if size is None or size < 0 else min(size, left)
        if want <= 0:
            return b""
        chunk = os.pread(self._fd, want, self._offset + self._position)
        self._position += len(chunk)
        return chunk

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        want = min(len(buffer), self._length - self._position)
        if want <= 0:
            return 0
        with memoryview(buffer) as view:
            got = os.preadv(self._fd, [view[:want]], self._offset + self._position)
        self._position += got
        return got

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._length}[whence]
        self._position = max(0, min(self._length, base + offset))
        return self._position

    def tell(self) -> int:
        return self._position

    def __len__(self) -> int:
        return self._length

    def pieces(self, size: int = 256 * 1024) -> Iterator[memoryview]:
        """The slice's bytes, ``size`` at a time, in one reused buffer (each piece is valid
        until the next is read; the stream's position is kept)."""
        buffer = memoryview(bytearray(min(size, self._length) or 1))
        done = 0
        while done < self._length:
            got = os.preadv(self._fd, [buffer[: min(len(buffer), self._length - done)]], self._offset + done)
            if not got:
                return
            done += got
            yield buffer[:got]

    def crc32(self) -> int:
        """The slice's CRC-32 (zlib's; S3's ``CRC32``)."""
        value = 0
        for piece in self.pieces():
            value = zlib.crc32(piece, value)
        return value

    def md5(self) -> bytes:
        """The slice's MD5 digest (for ``Content-MD5``)."""
        md5 = hashlib.md5(usedforsecurity=False)
        for piece in self.pieces():
            md5.update(piece)
        return md5.digest()


class StreamedBody:
    """A request body that requests/urllib3 send piece by piece, read on demand.

    ``len()`` gives the Content-Length; iterating yields 1 MiB pieces from ``read_at``
    (without a ``read`` method, urllib3 sends the pieces as they are instead of 16 KiB
    blocks), reports progress, and stops the request once the operation's deadline passes
    (the per-request timeout bounds each socket operation, not a long upload).
    """

    def __init__(
        self,
        read_at: Callable[[int, int], bytes | memoryview],
        start: int,
        stop: int,
        progress: Progress | None = None,
        what: str = "upload",
    ) -> None:
        self._read_at = read_at
        self._start = start
        self._stop = stop
        self._progress = progress
        self._what = what

    def __len__(self) -> int:
        return self._stop - self._start

    def __iter__(self) -> Iterator[bytes | memoryview]:
        position = self._start
        if self._progress is not None:
            self._progress.add(position - self._progress.done)  # a resumed upload restarts here
        while position < self._stop:
            left = deadlines.remaining()
            if left is not None and left <= 0:
                raise deadlines.expired_error(self._what)
            piece = self._read_at(position, min(_BODY_PIECE, self._stop - position))
            if not piece:
                raise InvalidArgumentError(
                    f"data: the source ended at {position} of {self._stop} bytes", argument="data"
                )
            yield piece
            position += len(piece)
            if self._progress is not None:
                self._progress.add(len(piece))


_BODY_PIECE = 1024 * 1024


class Progress:
    """Thread-safe cumulative progress: parts report increments, the callback sees totals."""

    def __init__(self, callback: ProgressCallback | None, total: int | None) -> None:
        check_callback(callback)  # before any request: not after the first bytes were sent
        self._callback = callback
        self.total = total
        self.done = 0
        self._lock = threading.Lock()

    def add(self, increment: int) -> None:
        if not increment:
            return
        with self._lock:
            self.done += increment
            if self._callback is not None:
                self._callback(self.done, self.total)

    def reset(self, total: int | None) -> None:
        with self._lock:
            self.done = 0
            self.total = total


# Downloads -----------------------------------------------------------------------------


class DownloadSink:
    """Where a download's bytes go: checked for size and checksum against the response.

    A backend calls :meth:`begin` with what the first response said about the object, then
    either writes front to back (:meth:`write`, hashed as the bytes arrive), or, for parallel
    parts into a file, takes the file's descriptor (:meth:`positional`), writes at offsets
    and reports the parts verified (:meth:`parts_verified`; see
    :mod:`codomyrmex_cloud.storage.ranged`). :meth:`begin` again restarts from nothing (the
    object changed mid-transfer).
    """

    def __init__(self, handle: BinaryIO, progress: ProgressCallback | None, path: Path | None = None) -> None:
        self._handle = handle
        self._path = path
        self.progress = Progress(progress, None)
        self.info: ObjectInfo | None = None
        self._digests = Digests(set())
        self._positional = False
        self._verified: int | None = None

    @property
    def can_write_at(self) -> bool:
        """True when parts may be written at offsets (a real file)."""
        return self._path is not None

    def begin(self, info: ObjectInfo) -> None:
        """Start (or restart) receiving the object ``info`` describes."""
        self.info = info
        self._digests = Digests(verification_algorithms(info))
        self._positional = False
        self._verified = None
        self._handle.seek(0)
        self._handle.truncate()
        self.progress.reset(info.size)

    def write(self, data: bytes) -> None:
        """Append ``data`` (front to back)."""
        self._handle.write(data)
        self._digests.update(data)
        self.progress.add(len(data))

    def positional(self, size: int) -> int:
        """The file's descriptor, for ``os.pwrite`` from many threads, with the file
        preallocated to ``size`` bytes (so parallel writes do not extend it piece by piece)."""
        assert self._path is not None
        self._positional = True
        self._handle.flush()
        fd = self._handle.fileno()
        try:
            os.posix_fallocate(fd, 0, size)
        except (AttributeError, OSError):  # not every file system allocates ahead
            os.ftruncate(fd, size)
        return fd

    def parts_verified(self, received: int) -> None:
        """The backend wrote ``received`` bytes at offsets and checked them against the
        service's checksum as they arrived, so :meth:`finish` need not read the file again."""
        self._verified = received

    def finish(self) -> ObjectInfo:
        """Verify everything received against ``info``; return ``info``."""
        if self.info is None:
            raise RuntimeError("DownloadSink.finish() before begin()")
        self._handle.flush()
        if self._positional and self._verified is not None:
            if self._verified != self.info.size:
                raise IntegrityError(
                    f"received {self._verified} bytes, the service reports {self.info.size}",
                    bucket=self.info.bucket,
                    key=self.info.key,
                )
            return self.info
        if self._positional and self._path is not None:
            digests = Digests.of_file(self._path, verification_algorithms(self.info))
        else:
            digests = self._digests
        verify(self.info, digests)
        return self.info
