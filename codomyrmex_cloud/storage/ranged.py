"""Parallel ranged downloads into a file: positional writes, verified as the parts arrive.

A large download into a file is split into parts of ``part_size`` bytes, each fetched by its
own ranged GET (pinned by the backend to the version of the first response) in a pool of
``concurrency`` threads and written where it belongs with ``os.pwrite`` into a file
preallocated to the object's size. Nothing is queued between threads, and memory is one
read buffer per thread, whatever the object's size. Written parts are flushed to disk while
later ones arrive, so the atomic file's final ``fsync`` is short.

Verification uses the checksum the service reported for the whole object (the sink's
``info.checksums``), computed without reading the file again wherever the checksum allows:

- ``crc32c`` / ``crc32``: each part's CRC is computed in its own thread and the parts' CRCs
  are combined in order (:mod:`codomyrmex_cloud.storage.crc`);
- ``s3-etag:<part size>``: parts of exactly that size, each MD5'd in its own thread, give
  S3's multipart ETag (``md5(part md5s)-<parts>``);
- ``md5`` of the whole object (Azure's Content-MD5, a single-part S3 ETag): MD5 cannot be
  combined, so parts are hashed in order as soon as every part before them has landed,
  reading them back from the page cache while later parts are still arriving;
- none: the size alone.

The first failing part stops the others (at their next chunk) and its error is raised; the
file is then discarded by the caller's atomic file.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
import threading
import zlib
from collections.abc import Callable, Iterator
from typing import Protocol

from codomyrmex_cloud.storage import crc
from codomyrmex_cloud.storage import deadline as deadlines
from codomyrmex_cloud.storage.errors import IntegrityError
from codomyrmex_cloud.storage.transfer import DownloadSink, crc32c_hasher

#: Bytes hashed per step when parts are read back in order.
_REREAD = 1024 * 1024
#: Written bytes after which a finished part's thread flushes them to disk (``fdatasync``),
#: so the final ``fsync`` of the atomic file does not write the whole object at the end.
_FLUSH_EVERY = 32 * 1024 * 1024

#: ``fetch(start, end)``: one streaming GET of bytes ``[start, end)``; its iterator closes the
#: response when exhausted or closed.
Fetch = Callable[[int, int], Iterator[bytes]]


class _Stopped(Exception):
    """Another part failed: this one stops at its next chunk."""


class _PartHasher(Protocol):
    """Hashes one part as its chunks arrive."""

    def __call__(self, data: bytes, /) -> None: ...

    def digest(self) -> object: ...


class _Check:
    """Size only: what is left when the service reported no checksum."""

    name = "size"

    def part(self) -> _PartHasher | None:
        """A hasher fed each chunk of one part, or None when parts need no hashing."""
        return None

    def part_done(self, index: int, digest: object) -> None:
        """Part ``index`` is complete (``digest`` is what its hasher produced)."""

    def result(self) -> str | None:
        """The whole object's checksum (hex), or None for size only."""
        return None


class _CombinedCrc(_Check):
    """Per-part CRC-32 or CRC-32C, combined in part order."""

    def __init__(self, name: str, part_size: int) -> None:
        self.name = name
        self._poly = crc.CRC32C_POLY if name == "crc32c" else crc.CRC32_POLY
        self._part_size = part_size
        self._crcs: dict[int, tuple[int, int]] = {}

    def part(self) -> _PartHasher:
        return _CrcRunner(self.name)

    def part_done(self, index: int, digest: object) -> None:
        assert isinstance(digest, tuple)
        self._crcs[index] = digest

    def result(self) -> str:
        value = crc.combine_all((self._crcs[n] for n in range(len(self._crcs))), self._poly)
        return value.to_bytes(4, "big").hex()


class _CrcRunner:
    """A running CRC of one part (zlib's CRC-32 or google-crc32c), with its length."""

    def __init__(self, name: str) -> None:
        self._crc32c = crc32c_hasher() if name == "crc32c" else None
        self._value = 0
        self.length = 0

    def __call__(self, data: bytes, /) -> None:
        self.length += len(data)
        if self._crc32c is not None:
            self._crc32c.update(data)
        else:
            self._value = zlib.crc32(data, self._value)

    def digest(self) -> tuple[int, int]:
        value = int.from_bytes(self._crc32c.digest(), "big") if self._crc32c is not None else self._value
        return value, self.length


class _MultipartEtag(_Check):
    """S3's multipart ETag from the MD5 of each part (parts of the upload's part size)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._md5s: dict[int, bytes] = {}

    def part(self) -> _PartHasher:
        return _Md5Runner()

    def part_done(self, index: int, digest: object) -> None:
        assert isinstance(digest, bytes)
        self._md5s[index] = digest

    def result(self) -> str:
        joined = b"".join(self._md5s[n] for n in range(len(self._md5s)))
        return f"{hashlib.md5(joined, usedforsecurity=False).hexdigest()}-{len(self._md5s)}"


class _Md5Runner:
    def __init__(self) -> None:
        self._md5 = hashlib.md5(usedforsecurity=False)

    def __call__(self, data: bytes, /) -> None:
        self._md5.update(data)

    def digest(self) -> bytes:
        return self._md5.digest()


class _InOrderMd5(_Check):
    """The whole object's MD5, hashed part after part as soon as every earlier part is in.

    The thread whose part completes the run of finished parts reads them back (they are in
    the page cache) and hashes them, while the other threads keep downloading.
    """

    name = "md5"

    def __init__(self, fd: int, part_size: int, size: int) -> None:
        self._fd = fd
        self._part_size = part_size
        self._size = size
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._lock = threading.Lock()
        self._done: set[int] = set()
        self._next = 0
        self._busy = False

    def part_done(self, index: int, digest: object) -> None:
        with self._lock:
            self._done.add(index)
            if self._busy:
                return  # the thread hashing now will reach this part
            self._busy = True
        while True:
            with self._lock:
                if self._next not in self._done:
                    self._busy = False
                    return
                current = self._next
            self._hash_part(current)
            with self._lock:
                self._done.discard(current)
                self._next = current + 1

    def _hash_part(self, index: int) -> None:
        position = index * self._part_size
        stop = min(position + self._part_size, self._size)
        while position < stop:
            data = os.pread(self._fd, min(_REREAD, stop - position), position)
            if not data:
                raise IntegrityError(f"the file ends at {position} bytes while verifying it")
            self._md5.update(data)
            position += len(data)

    def result(self) -> str:
        with self._lock:
            busy = self._busy
        if busy or self._next * self._part_size < self._size:
            # Unreachable when every part completed; a safety net, not a code path.
            raise IntegrityError("md5: not every part was hashed")  # pragma: no cover
        return self._md5.hexdigest()


def part_size_for(checksums: dict[str, str], default: int) -> int:
    """The part size a download of an object with ``checksums`` uses: the upload's part size
    when only its S3 multipart ETag can verify it (checked part by part), else ``default``."""
    if "crc32c" in checksums or "crc32" in checksums or "md5" in checksums:
        return default
    for name in checksums:
        if name.startswith("s3-etag:"):
            return int(name.split(":", 1)[1])
    return default


def _check_for(checksums: dict[str, str], part_size: int, fd: int, size: int) -> _Check:
    for name in ("crc32c", "crc32"):
        if name in checksums and (name != "crc32c" or crc32c_hasher() is not None):
            return _CombinedCrc(name, part_size)
    etag = f"s3-etag:{part_size}"
    if etag in checksums and "md5" not in checksums:
        return _MultipartEtag(etag)
    if "md5" in checksums:
        return _InOrderMd5(fd, part_size, size)
    return _Check()


def download_parts(
    sink: DownloadSink,
    fetch: Fetch,
    *,
    part_size: int,
    concurrency: int,
    first: Iterator[bytes] | None = None,
) -> None:
    """Fill ``sink`` (begun, on a real file) with parallel ranged GETs, and verify it.

    Args:
        sink: The download's sink, after ``begin(info)``; ``info`` gives the size and the
            checksums to verify against.
        fetch: Opens one ranged GET (see :data:`Fetch`).
        part_size: Bytes per part (the multipart ETag's part size when that verifies it).
        concurrency: Parts in flight.
        first: A stream already open at byte 0 (the response that described the object);
            the first part is read from it, and it is closed after.

    Raises:
        IntegrityError: A part came back short or long, or the checksum does not match.
    """
    try:
        _Download(sink, fetch, part_size, first).run(concurrency)
    finally:
        _close(first)


class _Download:
    """One parallel download: parts written in place, each hashed by the thread that got it."""

    def __init__(self, sink: DownloadSink, fetch: Fetch, part_size: int, first: Iterator[bytes] | None) -> None:
        assert sink.info is not None
        self._sink = sink
        self._info = sink.info
        self._fetch = fetch
        self._part_size = part_size
        self._first = first
        self._size = sink.info.size
        self._fd = sink.positional(self._size)
        self._check = _check_for(dict(sink.info.checksums), part_size, self._fd, self._size)
        self._stop = threading.Event()
        self._flush_lock = threading.Lock()
        self._unflushed = 0
        self._flushing = False

    def run(self, concurrency: int) -> None:
        count = -(-self._size // self._part_size)
        with deadlines.ContextThreadPool(max(1, min(concurrency, count))) as pool:
            futures = [pool.submit(self._part, index) for index in range(count)]
            try:
                for future in concurrent.futures.as_completed(futures):
                    future.result()
            except BaseException:
                # Parts still running stop at their next chunk; the pool waits for them, so
                # nothing writes into the file once this returns.
                self._stop.set()
                for future in futures:
                    future.cancel()
                raise
        expected = self._info.checksums.get(self._check.name)
        got = self._check.result()
        if expected is not None and got is not None and got != expected.lower():
            raise IntegrityError(
                f"{self._check.name} mismatch: received {got}, the service reports {expected}",
                bucket=self._info.bucket,
                key=self._info.key,
            )
        self._sink.parts_verified(self._size)

    def _part(self, index: int) -> None:
        start = index * self._part_size
        end = min(start + self._part_size, self._size)
        if self._stop.is_set():
            raise _Stopped
        chunks = self._first if index == 0 and self._first is not None else self._fetch(start, end)
        hasher = self._check.part()
        offset = start
        try:
            for received in chunks:
                if self._stop.is_set():
                    raise _Stopped
                # Only the first response runs past its part.
                chunk = received if len(received) <= end - offset else received[: end - offset]
                _pwrite_all(self._fd, chunk, offset)
                if hasher is not None:
                    hasher(chunk)
                offset += len(chunk)
                self._sink.progress.add(len(chunk))
                if offset >= end:
                    break
        finally:
            _close(chunks)
        if offset != end:
            raise IntegrityError(
                f"part at {start}: received {offset - start} bytes of {end - start}",
                bucket=self._info.bucket,
                key=self._info.key,
            )
        self._check.part_done(index, hasher.digest() if hasher is not None else None)
        self._flush(end - start)

    def _flush(self, written: int) -> None:
        """Flush what is written so far once enough has piled up (one thread at a time, while
        the others keep downloading), so the final ``fsync`` has little left to write."""
        with self._flush_lock:
            self._unflushed += written
            if self._flushing or self._unflushed < _FLUSH_EVERY:
                return
            self._flushing = True
            self._unflushed = 0
        try:
            os.fdatasync(self._fd)
        finally:
            with self._flush_lock:
                self._flushing = False


def _close(chunks: object) -> None:
    close = getattr(chunks, "close", None)
    if close is not None:
        close()


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    written = os.pwrite(fd, data, offset)
    if written < len(data):  # rare (a signal, a full disk): write the rest without copying
        view = memoryview(data)
        while written < len(view):
            written += os.pwrite(fd, view[written:], offset + written)
