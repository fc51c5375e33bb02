"""The contract every object store satisfies, and the types it speaks.

``ObjectStore`` is a ``typing.Protocol``: ``S3Client``, ``GCSClient``, ``AzureBlobClient`` and
``LocalStore`` all satisfy it (a typing test proves it), so code written against one runs on
any. Buckets are S3/GCS buckets or Azure containers; keys are passed through exactly as given.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Literal, Protocol, overload, runtime_checkable

#: Called as ``progress(bytes_done, total_bytes)``; total is None when unknown.
ProgressCallback = Callable[[int, int | None], None]

#: What ``upload(data=...)`` accepts: bytes, text (UTF-8 encoded), or a binary file object.
UploadData = bytes | bytearray | memoryview | str | BinaryIO

PathLike = str | os.PathLike[str]

#: Default streaming chunk: big enough for throughput, small enough to bound memory.
CHUNK_SIZE = 8 * 1024 * 1024


@dataclass(frozen=True)
class ObjectInfo:
    """What a store knows about one object.

    Attributes:
        bucket: Bucket or container.
        key: The object key, exactly as stored.
        size: Size in bytes.
        etag: The service's entity tag (quotes stripped); use it with ``if_match``.
        last_modified: When the object was last written, if known.
        content_type: MIME type, if known.
        metadata: User metadata (string to string).
        checksums: Checksums the service reports, by algorithm (``md5``, ``crc32c``, ``crc32``,
            ``sha256``), as lowercase hex.
    """

    bucket: str
    key: str
    size: int
    etag: str | None = None
    last_modified: datetime | None = None
    content_type: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    checksums: Mapping[str, str] = field(default_factory=dict)


class ObjectListing(Iterable[ObjectInfo]):
    """Objects under a prefix, fetched page by page as you iterate.

    With a ``delimiter``, keys below the next delimiter are rolled up into ``prefixes``
    (the "directories"), which is complete once iteration has finished; reading it before
    that finishes the iteration first.
    """

    def __init__(self, pages: Iterator[tuple[list[ObjectInfo], list[str]]]) -> None:
        self._pages = pages
        self._prefixes: list[str] = []
        self._exhausted = False
        self._buffered: list[ObjectInfo] = []
        self._started = False

    def __iter__(self) -> Iterator[ObjectInfo]:
        if self._started:
            raise RuntimeError("an ObjectListing can be iterated once; call list_objects again")
        self._started = True
        yield from self._buffered
        seen: set[str] = set()
        for objects, prefixes in self._pages:
            # Prefixes are unique by definition; some services repeat them on every page.
            fresh = [p for p in prefixes if p not in seen]
            seen.update(fresh)
            self._prefixes.extend(fresh)
            yield from objects
        self._exhausted = True

    @property
    def prefixes(self) -> list[str]:
        """Common prefixes (with a delimiter), in the order the service returned them."""
        if not self._exhausted:
            if not self._started:
                self._buffered = list(self)
                self._started = False
            else:
                raise RuntimeError("finish iterating the listing before reading prefixes")
        return list(self._prefixes)


@runtime_checkable
class ObjectStore(Protocol):
    """Upload, download, list, stat, delete, copy: the same on every backend."""

    def upload(
        self,
        bucket: str,
        key: str,
        *,
        data: UploadData | None = None,
        local_path: PathLike | None = None,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        if_match: str | None = None,
        if_none_match: Literal["*"] | None = None,
        progress: ProgressCallback | None = None,
    ) -> ObjectInfo: ...

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
    ) -> bytes | Path: ...

    def iter_chunks(
        self,
        bucket: str,
        key: str,
        *,
        chunk_size: int = CHUNK_SIZE,
        start: int = 0,
        end: int | None = None,
    ) -> Iterator[bytes]: ...

    def open_read(self, bucket: str, key: str, *, chunk_size: int = CHUNK_SIZE) -> io.BufferedReader: ...

    def read_range(self, bucket: str, key: str, start: int, end: int) -> bytes: ...

    def list_objects(
        self, bucket: str, prefix: str = "", *, delimiter: str | None = None, page_size: int | None = None
    ) -> ObjectListing: ...

    def stat(self, bucket: str, key: str) -> ObjectInfo: ...

    def head(self, bucket: str, key: str) -> ObjectInfo: ...

    def exists(self, bucket: str, key: str) -> bool: ...

    def delete(self, bucket: str, key: str) -> None: ...

    def delete_many(self, bucket: str, keys: Iterable[str]) -> None: ...

    def copy(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str) -> ObjectInfo: ...

    def signed_url(self, bucket: str, key: str, *, expires_in: int = 3600, method: str = "GET") -> str: ...

    def create_bucket(self, bucket: str) -> None: ...

    def delete_bucket(self, bucket: str, *, force: bool = False) -> None: ...

    def bucket_exists(self, bucket: str) -> bool: ...
