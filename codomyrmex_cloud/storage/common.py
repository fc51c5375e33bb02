"""Behaviour shared by every backend, written once against a few primitives.

A backend implements ``_download_into`` (its SDK's fastest way to fill a file object),
``iter_chunks``, ``stat`` and the rest of the contract; this class turns them into
``download`` to bytes or to an atomic local file with size and checksum verification,
``exists``, ``read_range`` and a default ``delete_many``.
"""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, overload

from codomyrmex_cloud.storage.base import CHUNK_SIZE, ObjectInfo, PathLike, ProgressCallback
from codomyrmex_cloud.storage.errors import InvalidArgumentError, ObjectNotFoundError
from codomyrmex_cloud.storage.transfer import (
    ChunkReader,
    Digests,
    HashingSink,
    atomic_file,
    check_names,
    verification_algorithms,
    verify,
)


class BaseStore(ABC):
    """Shared half of every store; see :class:`codomyrmex_cloud.storage.ObjectStore`."""

    #: True when ``_download_into`` writes the sink front to back (no seeking), so the
    #: checksum can be computed as bytes arrive instead of re-reading the file afterwards.
    _sequential_download = False

    @abstractmethod
    def stat(self, bucket: str, key: str) -> ObjectInfo: ...

    @abstractmethod
    def iter_chunks(
        self,
        bucket: str,
        key: str,
        *,
        chunk_size: int = CHUNK_SIZE,
        start: int = 0,
        end: int | None = None,
    ) -> Iterator[bytes]: ...

    @abstractmethod
    def delete(self, bucket: str, key: str) -> None: ...

    @abstractmethod
    def _download_into(self, info: ObjectInfo, sink: BinaryIO, progress: ProgressCallback | None) -> None:
        """Write the object ``info`` describes into ``sink`` (seekable, positioned at 0).

        Implementations pin the download to that version where the service allows it, so a
        concurrent overwrite fails (or is caught by verification) instead of mixing versions.
        """

    @overload
    def download(self, bucket: str, key: str, *, progress: ProgressCallback | None = None) -> bytes: ...

    @overload
    def download(
        self, bucket: str, key: str, *, local_path: PathLike, progress: ProgressCallback | None = None
    ) -> Path: ...

    def download(
        self,
        bucket: str,
        key: str,
        *,
        local_path: PathLike | None = None,
        progress: ProgressCallback | None = None,
    ) -> bytes | Path:
        """Download an object, verified against the size and checksums the service reports.

        Without ``local_path`` the bytes are returned. With it, the object is written to a
        temporary file beside ``local_path`` and renamed over it only once complete and
        verified: on any failure an existing file is untouched and nothing partial remains.

        Raises:
            ObjectNotFoundError: No such object (also a FileNotFoundError).
            IntegrityError: Size or checksum mismatch; nothing is kept.
            InvalidArgumentError: ``local_path`` is a directory or its folder is missing.
        """
        check_names(bucket, key)
        info = self.stat(bucket, key)
        algorithms = verification_algorithms(info)
        if local_path is None:
            buffer = io.BytesIO()
            self._download_into(info, buffer, progress)
            data = buffer.getvalue()
            digests = Digests(algorithms)
            digests.update(data)
            verify(info, digests)
            return data
        with atomic_file(local_path) as (handle, temp):
            if self._sequential_download:
                sink = HashingSink(handle, Digests(algorithms))
                self._download_into(info, sink, progress)  # type: ignore[arg-type]
                digests = sink.digests
            else:
                self._download_into(info, handle, progress)
                handle.flush()
                digests = Digests.of_file(temp, algorithms)
            verify(info, digests)
        return Path(local_path)

    def open_read(self, bucket: str, key: str, *, chunk_size: int = CHUNK_SIZE) -> io.BufferedReader:
        """A binary file streaming the object (memory: one chunk). Use it as a context manager."""
        return io.BufferedReader(ChunkReader(self.iter_chunks(bucket, key, chunk_size=chunk_size)))

    def exists(self, bucket: str, key: str) -> bool:
        """True if the object exists (False for a missing object or bucket)."""
        try:
            self.stat(bucket, key)
        except ObjectNotFoundError:
            return False
        except FileNotFoundError:  # BucketNotFoundError
            return False
        return True

    def head(self, bucket: str, key: str) -> ObjectInfo:
        """The same as :meth:`stat` (S3's name for it)."""
        return self.stat(bucket, key)

    def read_range(self, bucket: str, key: str, start: int, end: int) -> bytes:
        """Bytes ``start`` to ``end`` (exclusive), like ``data[start:end]``."""
        if start < 0 or end < start:
            raise InvalidArgumentError(f"bad range [{start}, {end})", bucket=bucket, key=key)
        if end == start:
            return b""
        return b"".join(self.iter_chunks(bucket, key, start=start, end=end))

    def delete_many(self, bucket: str, keys: Iterable[str]) -> None:
        """Delete every key; keys already gone are not an error."""
        for key in keys:
            self.delete(bucket, key)

    @staticmethod
    def _check_range(start: int, end: int | None, chunk_size: int) -> None:
        if start < 0 or (end is not None and end < start) or chunk_size <= 0:
            raise InvalidArgumentError(f"bad range or chunk size: start={start} end={end} chunk={chunk_size}")
