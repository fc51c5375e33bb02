"""Streams between the SDKs' uploads and our code: writing a new object as a file.

:func:`open_writer` returns a binary file that streams what is written into a new object
and commits it on close (or discards it on error); the exporter writes CSV, JSONL and
Parquet into it. :func:`full_reads` wraps a raw stream so that the SDKs' uploads can read
it safely.
"""

from __future__ import annotations

import contextlib
import io
import mimetypes
import queue
import threading
from collections.abc import Mapping
from types import TracebackType
from typing import BinaryIO

from codomyrmex_cloud.storage.base import ObjectInfo, ObjectStore
from codomyrmex_cloud.storage.errors import StorageError

#: Bytes gathered before a chunk is handed to an uploading thread, and the read buffer of
#: streams handed to ``upload``.
_WRITE_CHUNK = 1024 * 1024
#: Marks the end of what an ObjectWriter's writer wrote.
_END = b""


def full_reads(raw: io.RawIOBase) -> BinaryIO:
    """A buffered reader over ``raw``: ``read(n)`` returns n bytes until the end.

    The SDKs take a short read from a stream of unknown size as its end (google's resumable
    upload) or as a part (s3transfer, which then fails on a part below 5 MiB), so a raw
    stream must never be handed to ``upload`` directly.
    """
    return io.BufferedReader(raw, buffer_size=_WRITE_CHUNK)


# Writing a new object as a stream ---------------------------------------------------------


class UploadAbortedError(StorageError):
    """Raised into an upload whose writer was aborted, so the store discards it."""


class _QueueReader(io.RawIOBase):
    """The uploading thread's side of an :class:`ObjectWriter`."""

    def __init__(self, chunks: queue.Queue[bytes | BaseException]) -> None:
        self._chunks = chunks
        self._pending = b""
        self._ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        while not self._pending:
            if self._ended:
                return 0
            item = self._chunks.get()
            if isinstance(item, BaseException):
                raise item
            if item == _END:
                self._ended = True
                return 0
            self._pending = item
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


class ObjectWriter(io.RawIOBase):
    """A writable binary file that streams into a new object; see :func:`open_writer`.

    A background thread runs the store's ``upload(data=...)`` while you write; at most a
    few MiB wait between the two (``write`` blocks while the upload catches up). ``close()``
    commits and returns once the store has the object (``info`` then describes it);
    ``abort()`` discards it. Used as a context manager, an exception aborts.
    """

    def __init__(
        self,
        store: ObjectStore,
        bucket: str,
        key: str,
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        queue_chunks: int = 4,
    ) -> None:
        super().__init__()
        self.bucket, self.key = bucket, key
        self.info: ObjectInfo | None = None
        self._chunks: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=queue_chunks)
        self._buffer = bytearray()
        self._written = 0
        self._error: BaseException | None = None
        self._aborted = False

        def upload() -> None:
            try:
                self.info = store.upload(
                    bucket,
                    key,
                    data=full_reads(_QueueReader(self._chunks)),
                    content_type=content_type or mimetypes.guess_type(key)[0],
                    metadata=metadata,
                )
            except BaseException as exc:  # handed to the writing thread in _put/close
                self._error = exc

        self._thread = threading.Thread(target=upload, name=f"upload-{key}", daemon=True)
        self._thread.start()

    def writable(self) -> bool:
        return True

    def tell(self) -> int:
        """Bytes written so far (pyarrow's writers ask)."""
        return self._written

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        """Queue ``data`` for the upload; blocks while the upload is behind by a few MiB.

        Raises:
            StorageError: The upload has already failed.
        """
        if self.closed:
            raise ValueError("write to a closed ObjectWriter")
        view = bytes(data)
        self._buffer += view
        self._written += len(view)
        if len(self._buffer) >= _WRITE_CHUNK:
            self._put(bytes(self._buffer))
            self._buffer.clear()
        return len(view)

    def _put(self, item: bytes | BaseException) -> None:
        while True:
            if self._error is not None and not self._aborted:
                raise self._failure()
            try:
                self._chunks.put(item, timeout=0.2)
                return
            except queue.Full:
                if not self._thread.is_alive():
                    if self._aborted:
                        return
                    raise self._failure() from None

    def _failure(self) -> StorageError:
        error = self._error
        if isinstance(error, StorageError):
            return error
        return StorageError(f"upload of {self.bucket}/{self.key} failed: {error}", bucket=self.bucket, key=self.key)

    def close(self) -> None:
        """Finish the upload and wait for the store to commit it.

        Raises:
            StorageError: The upload failed (nothing was committed).
        """
        if self.closed:
            return
        try:
            if self._buffer:
                self._put(bytes(self._buffer))
                self._buffer.clear()
            self._put(_END)
            self._thread.join()
        finally:
            super().close()
        if self._error is not None:
            raise self._failure() from self._error

    def abort(self) -> None:
        """Discard the object: the upload fails and the store keeps nothing."""
        if self.closed:
            return
        self._aborted = True
        try:
            with contextlib.suppress(StorageError):
                self._put(UploadAbortedError(f"upload of {self.bucket}/{self.key} aborted", key=self.key))
            self._thread.join()
        finally:
            super().close()

    def __enter__(self) -> ObjectWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if error is not None:
            self.abort()
        else:
            self.close()


def open_writer(
    store: ObjectStore,
    bucket: str,
    key: str,
    *,
    content_type: str | None = None,
    metadata: Mapping[str, str] | None = None,
) -> ObjectWriter:
    """A binary file that streams what you write into ``bucket/key`` of ``store``.

    The object appears only when the writer is closed without error; use it as a context
    manager so that an exception aborts the upload instead. Memory stays at a few MiB plus
    the store's own upload buffer, whatever the size written.

    >>> with open_writer(store, "bucket", "big.csv") as out:  # doctest: +SKIP
    ...     out.write(b"a,b\\n")
    """
    return ObjectWriter(store, bucket, key, content_type=content_type, metadata=metadata)
