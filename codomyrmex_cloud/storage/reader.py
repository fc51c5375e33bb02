"""``open_read``'s file object: seekable, streaming, and pinned to the version it opened."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

from codomyrmex_cloud.storage.errors import ObjectNotFoundError, PreconditionFailedError
from codomyrmex_cloud.storage.types import ObjectInfo


class ObjectReader(io.RawIOBase):
    """A read-only, seekable binary file over one version of an object.

    Reading streams from one response; seeking ends that response and the next read opens a
    ranged one at the new position, pinned to the version first opened (its version id, or
    its etag), so a file never mixes two versions: if the object was overwritten since,
    the read raises :class:`PreconditionFailedError`. ``open_read`` wraps it in an
    ``io.BufferedReader``; ``reader.raw.info`` describes the version being read.
    """

    def __init__(
        self,
        info: ObjectInfo,
        first: Iterator[bytes],
        open_at: Callable[[int], Iterator[bytes]],
    ) -> None:
        self.info = info
        self._chunks: Iterator[bytes] | None = first
        self._open_at = open_at
        self._pending = b""
        self._position = 0

    def readable(self) -> bool:
        """True: the object can be read."""
        return True

    def seekable(self) -> bool:
        """True: any position can be read (a ranged request pinned to this version)."""
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        """Fill ``buffer`` from the current position; 0 at the end of the object."""
        if self.closed:
            raise ValueError("I/O operation on closed file")
        if self._position >= self.info.size:
            return 0
        if self._chunks is None:
            try:
                self._chunks = self._open_at(self._position)
            except (ObjectNotFoundError, PreconditionFailedError) as exc:
                raise PreconditionFailedError(
                    f"{self.info.bucket}/{self.info.key} was replaced or deleted since it was opened",
                    bucket=self.info.bucket,
                    key=self.info.key,
                ) from exc
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        self._position += size
        return size

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move to ``offset`` (from the start, the current position or the end); no request yet."""
        if self.closed:
            raise ValueError("I/O operation on closed file")
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.info.size}.get(whence)
        if base is None:
            raise ValueError(f"invalid whence ({whence})")
        target = base + offset
        if target < 0:
            raise ValueError(f"negative seek position {target}")
        if target != self._position:
            self._release()
            self._position = target
        return self._position

    def tell(self) -> int:
        """The current position."""
        return self._position

    def _release(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()  # ends the generator: the HTTP response behind it is released
        self._chunks = None
        self._pending = b""

    def close(self) -> None:
        """Release the open response (if any) and close."""
        if not self.closed:
            self._release()
        super().close()


def rechunk(chunks: Iterator[bytes], chunk_size: int) -> Iterator[bytes]:
    """Re-cut a stream of arbitrary pieces into ``chunk_size`` pieces (the last may be short)."""
    buffer = bytearray()
    try:
        for chunk in chunks:
            if not buffer and len(chunk) == chunk_size:
                yield bytes(chunk)
                continue
            buffer += chunk
            while len(buffer) >= chunk_size:
                with memoryview(buffer) as whole:  # one copy of the piece, not two
                    piece = bytes(whole[:chunk_size])
                del buffer[:chunk_size]
                yield piece
        if buffer:
            yield bytes(buffer)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
