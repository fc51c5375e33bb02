"""``open_write``'s file object: streams parts as they fill, commits on close, aborts on error."""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Protocol

from codomyrmex_cloud.storage import deadline
from codomyrmex_cloud.storage.errors import StorageError
from codomyrmex_cloud.storage.types import ObjectInfo, ProgressCallback

logger = logging.getLogger("codomyrmex_cloud.storage")


class PartTarget(Protocol):
    """What a backend provides to stream one object: a single-request put, or a session of
    parts (S3 multipart upload, GCS resumable upload, Azure staged blocks, a local temp file)."""

    def put(self, data: bytes) -> ObjectInfo:
        """Write the whole object in one request (it fitted in one part)."""

    def upload_part(self, number: int, data: bytes) -> None:
        """Send part ``number`` (1, 2, ...; in order), starting the session on part 1."""

    def finish(self, number: int, data: bytes, total: int) -> ObjectInfo:
        """Send the last part (``number``, possibly empty) and commit ``total`` bytes."""

    def abort(self) -> None:
        """Discard every part sent; nothing is committed and nothing is left behind."""


class ObjectWriter(io.RawIOBase):
    """A write-only binary file that becomes one object when closed.

    Bytes are buffered up to ``part_size`` and sent as parts while you write (memory: about
    one part). ``close()`` (or leaving a ``with`` block normally) commits the object and sets
    :attr:`info`; an exception inside the ``with`` block, a failed part, or a writer dropped
    without ``close()`` aborts instead: the previous object, if any, stays as it was, and no
    multipart upload, resumable session or uncommitted block is left behind (on Azure, blocks
    staged for a key that already holds a blob are discarded by that blob's next write, or
    by the service after 7 days). An object that fits in one part is written with a single
    request.
    """

    def __init__(
        self,
        target: PartTarget,
        part_size: int,
        *,
        errors: Callable[[], contextlib.AbstractContextManager[None]],
        progress: ProgressCallback | None = None,
        deadline_seconds: float | None = None,
    ) -> None:
        self._target = target
        self._part_size = part_size
        self._errors = errors
        self._progress = progress
        self._deadline = deadline_seconds
        self._buffer = bytearray()
        self._parts = 0
        self._total = 0
        self._failed = False
        self._done = False
        self.info: ObjectInfo | None = None

    def writable(self) -> bool:
        """True: bytes can be written until the writer is closed."""
        return True

    def tell(self) -> int:
        """Bytes written so far (the position; writers such as pyarrow's ask for it)."""
        return self._total

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        """Buffer ``data``, sending every full part; returns the bytes accepted (all of them)."""
        if self.closed:
            raise ValueError("write to a closed ObjectWriter")
        if self._failed:
            raise StorageError("an earlier part of this upload failed; the upload was aborted")
        view = memoryview(data).cast("B")
        self._buffer += view
        self._total += len(view)
        # Keep at least one byte back: the last part is sent by finish() with the total,
        # which a GCS resumable upload needs to know on its final request.
        while len(self._buffer) > self._part_size:
            with memoryview(self._buffer) as whole:  # one copy of the part, not two
                part = bytes(whole[: self._part_size])
            del self._buffer[: self._part_size]
            self._send(part)
        if self._progress is not None:
            self._progress(self._total, None)
        return len(view)

    def _send(self, part: bytes) -> None:
        self._parts += 1
        try:
            with self._scope():
                self._target.upload_part(self._parts, part)
        except BaseException:
            self._failed = True
            self._abort()
            raise

    @contextlib.contextmanager
    def _scope(self) -> Iterator[None]:
        with deadline.scope(self._deadline), self._errors():
            yield

    def close(self) -> None:
        """Commit the object (once); a writer whose upload failed is closed without committing."""
        if self.closed:
            return
        try:
            if not self._failed and not self._done:
                self._commit()
        finally:
            super().close()

    def _commit(self) -> None:
        try:
            with self._scope():
                if self._parts == 0:
                    self.info = self._target.put(bytes(self._buffer))
                else:
                    self.info = self._target.finish(self._parts + 1, bytes(self._buffer), self._total)
        except BaseException:
            self._failed = True
            if self._parts:
                self._abort()
            raise
        finally:
            self._buffer = bytearray()
        self._done = True

    def abort(self) -> None:
        """Discard the upload: nothing is committed. Closing afterwards does nothing."""
        if not self.closed:
            self._failed = True
            self._abort()
            super().close()

    def _abort(self) -> None:
        if self._done:
            return
        self._done = True
        self._buffer = bytearray()
        try:
            with self._errors():
                self._target.abort()
        except StorageError as exc:  # the upload already failed; report, do not mask
            logger.warning("could not abort an upload: %s", exc)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self.abort()
        else:
            self.close()

    def __del__(self) -> None:
        # io's default would close() and so commit a half-written object: abort instead.
        if not getattr(self, "_done", True) and not self.closed:
            self.abort()
