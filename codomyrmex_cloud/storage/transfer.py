"""Pieces every backend shares: argument checks, upload sources, progress, checksums, and
atomic downloads to a local file."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from codomyrmex_cloud.storage.base import ObjectInfo, PathLike, ProgressCallback, UploadData
from codomyrmex_cloud.storage.errors import IntegrityError, InvalidArgumentError


def check_names(bucket: str, key: str | None = None) -> None:
    """Refuse empty or non-string names before anything is sent."""
    if not isinstance(bucket, str) or not bucket:
        raise InvalidArgumentError(f"bucket must be a non-empty string, got {bucket!r}", bucket=None)
    if key is not None and (not isinstance(key, str) or not key):
        raise InvalidArgumentError(f"key must be a non-empty string, got {key!r}", bucket=bucket)


def check_page_size(page_size: int | None) -> None:
    if page_size is not None and (not isinstance(page_size, int) or page_size < 1):
        raise InvalidArgumentError(f"page_size must be a positive integer, got {page_size!r}")


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
        self._origin = raw.tell() if getattr(raw, "seekable", lambda: False)() else 0
        self._progress = progress
        self._hashers = hashers

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size)
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

    # Seeking is passed through when the source can seek, so an SDK can rewind and resend a
    # failed chunk; progress then restarts from the new position.
    def seekable(self) -> bool:
        return bool(getattr(self._raw, "seekable", lambda: False)()) and not self._hashers

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if not self.seekable():
            raise io.UnsupportedOperation("seek")
        position = self._raw.seek(offset, whence)
        self.done = position - self._origin
        return position - self._origin

    def tell(self) -> int:
        return self.done


@contextlib.contextmanager
def upload_source(data: UploadData | None, local_path: PathLike | None) -> Iterator[tuple[BinaryIO, int | None]]:
    """Open exactly one of ``data`` or ``local_path`` as a binary stream with its size."""
    if (data is None) == (local_path is None):
        raise InvalidArgumentError("pass exactly one of data= or local_path=")
    if local_path is not None:
        path = Path(local_path)
        if not path.exists():
            raise InvalidArgumentError(f"local_path {str(path)!r} does not exist")
        if not path.is_file():
            raise InvalidArgumentError(f"local_path {str(path)!r} is not a regular file")
        with path.open("rb") as handle:
            yield handle, path.stat().st_size
        return
    if isinstance(data, str):
        data = data.encode("utf-8")
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        yield io.BytesIO(raw), len(raw)
        return
    if data is not None and hasattr(data, "read"):
        yield data, _remaining_size(data)
        return
    raise InvalidArgumentError(f"data must be bytes, str or a binary file object, not {type(data).__name__}")


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
            try:
                import google_crc32c  # ships with the gcs extra
            except ImportError:  # pragma: no cover - only without the gcs extra
                pass
            else:
                self._hashers["crc32c"] = google_crc32c.Checksum()  # type: ignore[no-untyped-call]
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


# Cheapest first: one checksum the service reports is enough to catch corruption.
_PREFERENCE = ("crc32c", "crc32", "md5")


def verification_algorithms(info: ObjectInfo) -> set[str]:
    """The one algorithm to check a download of ``info`` with (none if the service has none)."""
    for name in _PREFERENCE:
        if name in info.checksums:
            return {name}
    return {name for name in info.checksums if name.startswith("s3-etag:")}


class HashingSink:
    """Wraps a download target written front to back: hashes and counts as bytes arrive."""

    def __init__(self, sink: BinaryIO, digests: Digests) -> None:
        self._sink = sink
        self.digests = digests

    def write(self, data: bytes) -> int:
        self.digests.update(bytes(data))
        return self._sink.write(data)

    def flush(self) -> None:
        self._sink.flush()


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


@contextlib.contextmanager
def atomic_file(target: PathLike) -> Iterator[tuple[BinaryIO, Path]]:
    """Write to a temporary file beside ``target`` and rename it over ``target`` on success.

    On any exception the temporary file is removed and an existing ``target`` is untouched.
    """
    path = Path(target)
    if path.is_dir():
        raise InvalidArgumentError(f"local_path {str(path)!r} is a directory")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InvalidArgumentError(f"the folder of local_path {str(path)!r} does not exist")
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "w+b") as handle:
            yield handle, temp
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


class ChunkReader(io.RawIOBase):
    """A read-only binary file over an iterator of chunks (what ``open_read`` returns)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()  # ends the generator: the HTTP response behind it is released
        super().close()
