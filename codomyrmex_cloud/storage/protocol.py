"""The contract every object store satisfies, and the capabilities some add.

``ObjectStore`` is what ``S3Client``, ``GCSClient``, ``AzureBlobClient``, ``LocalStore`` and
``FileSystemStore`` all honour (a typing test proves it), so code written against it runs on
any; each is also a context manager whose ``close()`` releases its connections. Operations
only some services have are small capability protocols, after obspec's ``Get``/``Put``/
``Copy``: :class:`SignsURLs` (the three clouds), :class:`TaggedStore` (S3, Azure, local).
Every method validates its arguments before sending anything; see
:class:`codomyrmex_cloud.storage.base.BaseStore` for the full documentation.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Literal, Protocol, Self, overload, runtime_checkable

from codomyrmex_cloud.storage.types import (
    CHUNK_SIZE,
    BucketInfo,
    CustomerKey,
    Encryption,
    ObjectInfo,
    ObjectListing,
    PathLike,
    ProgressCallback,
    SignedMethod,
    StorageClass,
    UploadData,
    VersionListing,
)
from codomyrmex_cloud.storage.writer import ObjectWriter


@runtime_checkable
class ObjectStore(Protocol):
    """Upload, download, stream, list, stat, delete, copy, buckets: the same on every backend."""

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
        cache_control: str | None = None,
        content_encoding: str | None = None,
        content_disposition: str | None = None,
        storage_class: StorageClass | None = None,
        tags: Mapping[str, str] | None = None,
        encryption: Encryption | None = None,
        deadline: float | None = None,
    ) -> ObjectInfo:
        """Upload bytes, text (UTF-8), a readable binary file, or the file at ``local_path``."""

    def open_write(
        self,
        bucket: str,
        key: str,
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        if_match: str | None = None,
        if_none_match: Literal["*"] | None = None,
        cache_control: str | None = None,
        content_encoding: str | None = None,
        content_disposition: str | None = None,
        storage_class: StorageClass | None = None,
        tags: Mapping[str, str] | None = None,
        encryption: Encryption | None = None,
        part_size: int | None = None,
        progress: ProgressCallback | None = None,
        deadline: float | None = None,
    ) -> ObjectWriter:
        """A binary file that streams to ``key`` and becomes the object when closed."""

    @overload
    def download(
        self,
        bucket: str,
        key: str,
        *,
        progress: ProgressCallback | None = None,
        version_id: str | None = None,
        if_match: str | None = None,
        customer_key: CustomerKey | None = None,
        deadline: float | None = None,
    ) -> bytes: ...

    @overload
    def download(
        self,
        bucket: str,
        key: str,
        *,
        local_path: PathLike,
        progress: ProgressCallback | None = None,
        version_id: str | None = None,
        if_match: str | None = None,
        customer_key: CustomerKey | None = None,
        deadline: float | None = None,
    ) -> Path: ...

    def download(
        self,
        bucket: str,
        key: str,
        *,
        local_path: PathLike | None = None,
        progress: ProgressCallback | None = None,
        version_id: str | None = None,
        if_match: str | None = None,
        customer_key: CustomerKey | None = None,
        deadline: float | None = None,
    ) -> bytes | Path:
        """Download an object, verified against the size and checksum its response reports."""

    def iter_chunks(
        self,
        bucket: str,
        key: str,
        *,
        chunk_size: int = CHUNK_SIZE,
        start: int = 0,
        end: int | None = None,
        version_id: str | None = None,
        if_match: str | None = None,
        customer_key: CustomerKey | None = None,
    ) -> Iterator[bytes]:
        """Stream bytes ``[start, end)`` in pieces of ``chunk_size`` (one request; memory: a chunk)."""

    def open_read(
        self,
        bucket: str,
        key: str,
        *,
        chunk_size: int = CHUNK_SIZE,
        version_id: str | None = None,
        if_match: str | None = None,
        customer_key: CustomerKey | None = None,
    ) -> io.BufferedReader:
        """A seekable binary file over the object (memory: one chunk). Use it as a context manager."""

    def read_range(
        self,
        bucket: str,
        key: str,
        start: int,
        end: int,
        *,
        version_id: str | None = None,
        if_match: str | None = None,
        customer_key: CustomerKey | None = None,
        deadline: float | None = None,
    ) -> bytes:
        """Bytes ``start`` to ``end`` (exclusive), exactly like ``data[start:end]``."""

    def stat(
        self,
        bucket: str,
        key: str,
        *,
        version_id: str | None = None,
        customer_key: CustomerKey | None = None,
        deadline: float | None = None,
    ) -> ObjectInfo:
        """Describe an object (one request)."""

    def head(
        self,
        bucket: str,
        key: str,
        *,
        version_id: str | None = None,
        customer_key: CustomerKey | None = None,
        deadline: float | None = None,
    ) -> ObjectInfo:
        """The same as :meth:`stat` (S3's name for it)."""

    def exists(
        self,
        bucket: str,
        key: str,
        *,
        version_id: str | None = None,
        customer_key: CustomerKey | None = None,
        deadline: float | None = None,
    ) -> bool:
        """True if the object exists; False for a missing object or bucket."""

    def delete(self, bucket: str, key: str, *, version_id: str | None = None, deadline: float | None = None) -> None:
        """Delete an object (or one version of it); one already gone is not an error."""

    def delete_many(self, bucket: str, keys: Iterable[str], *, deadline: float | None = None) -> None:
        """Delete every key (batched where the service allows); keys already gone are fine."""

    def copy(
        self,
        src_bucket: str,
        src_key: str,
        dst_bucket: str,
        dst_key: str,
        *,
        version_id: str | None = None,
        source_customer_key: CustomerKey | None = None,
        encryption: Encryption | None = None,
        deadline: float | None = None,
    ) -> ObjectInfo:
        """Copy within this store, server-side; metadata and content headers are kept.

        ``source_customer_key`` is the key the source was written with; the destination gets
        ``encryption``, else that same key, else the bucket's default."""

    def list_objects(
        self,
        bucket: str,
        prefix: str = "",
        *,
        delimiter: str | None = None,
        page_size: int | None = None,
        deadline: float | None = None,
    ) -> ObjectListing:
        """Objects under ``prefix`` in key order, fetched ``page_size`` at a time."""

    def list_versions(
        self, bucket: str, prefix: str = "", *, page_size: int | None = None, deadline: float | None = None
    ) -> VersionListing:
        """Every version of every object under ``prefix`` (current ones have ``is_latest``)."""

    def create_bucket(self, bucket: str, *, deadline: float | None = None) -> None:
        """Create a bucket; one that already exists and is yours is not an error."""

    def delete_bucket(self, bucket: str, *, force: bool = False, deadline: float | None = None) -> None:
        """Delete a bucket (with ``force``, its objects first); one already gone is not an error."""

    def bucket_exists(self, bucket: str, *, deadline: float | None = None) -> bool:
        """True if the bucket exists (and these credentials can see it)."""

    def list_buckets(self, *, prefix: str = "", deadline: float | None = None) -> list[BucketInfo]:
        """The buckets these credentials can see whose names start with ``prefix``, by name."""

    def close(self) -> None:
        """Release the store's pooled connections; closing again does nothing."""

    def __enter__(self) -> Self:
        """The store itself: ``with S3Client(...) as s3:`` closes it on exit."""

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the store."""


@runtime_checkable
class SignsURLs(Protocol):
    """Stores that can hand out pre-signed URLs (S3 SigV4, GCS V4, Azure SAS)."""

    def signed_url(
        self,
        bucket: str,
        key: str,
        *,
        expires_in: int = 3600,
        method: SignedMethod = "GET",
    ) -> str:
        """A URL granting ``method`` on one object for ``expires_in`` seconds (1 s to 7 days)."""


@runtime_checkable
class TaggedStore(Protocol):
    """Stores with object tags (S3 object tags, Azure blob index tags, LocalStore)."""

    def get_tags(self, bucket: str, key: str, *, deadline: float | None = None) -> dict[str, str]:
        """The object's tags."""

    def set_tags(self, bucket: str, key: str, tags: Mapping[str, str], *, deadline: float | None = None) -> None:
        """Replace the object's tags."""
