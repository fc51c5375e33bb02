"""``BaseStore``: the public storage API, written once over a few backend primitives.

Every public method here does the same three things in the same order on every store:

1. validate every argument (:mod:`codomyrmex_cloud.storage.validation`) and prepare local
   files, so bad input is refused by name before any request is sent or file touched;
2. open the operation's deadline (:mod:`codomyrmex_cloud.storage.deadline`);
3. call the backend's primitive inside ``_errors``, which maps the SDK's exceptions with the
   backend's single ``map_error`` function.

A backend implements the underscore primitives (``_put``, ``_get``, ``_open``, ``_stat``,
...), which receive validated arguments and never re-check them, and ``_close`` if it holds
connections. Every store is a context manager: ``with S3Client(...) as s3:`` closes it.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Literal, Self, overload

from codomyrmex_cloud.storage import deadline as deadlines
from codomyrmex_cloud.storage import validation as v
from codomyrmex_cloud.storage.errors import (
    BucketNotFoundError,
    InvalidArgumentError,
    ObjectNotFoundError,
    StorageError,
)
from codomyrmex_cloud.storage.reader import ObjectReader, rechunk
from codomyrmex_cloud.storage.staging import atomic_file
from codomyrmex_cloud.storage.transfer import DownloadSink, Progress, UploadSource, upload_source
from codomyrmex_cloud.storage.types import (
    CHUNK_SIZE,
    BucketInfo,
    CustomerKey,
    Encryption,
    ObjectInfo,
    ObjectListing,
    ObjectVersion,
    Page,
    PathLike,
    ProgressCallback,
    StorageClass,
    UploadData,
    VersionListing,
)
from codomyrmex_cloud.storage.writer import ObjectWriter, PartTarget

logger = logging.getLogger("codomyrmex_cloud.storage")

#: How often a download restarts when the object is overwritten while it is being read.
RESTARTS_ON_CHANGE = 1


class BaseStore(ABC):
    """Shared half of every store; see :class:`codomyrmex_cloud.storage.ObjectStore`."""

    #: The service's naming and option rules (validation.S3, GCS, AZURE or PORTABLE).
    _rules: ClassVar[v.Rules]
    #: The operation deadline used when a call passes none (seconds, or None).
    _default_deadline: float | None = None

    # Error mapping ---------------------------------------------------------------------

    @staticmethod
    @abstractmethod
    def _map_error(exc: BaseException, bucket: str | None, key: str | None) -> StorageError | None:
        """The backend's ``map_error``: an SDK exception as a StorageError, or None."""

    @contextlib.contextmanager
    def _errors(self, bucket: str | None = None, key: str | None = None) -> Iterator[None]:
        try:
            yield
        except StorageError:
            raise
        except Exception as exc:
            mapped = self._map_error(exc, bucket, key)
            if mapped is None:
                raise
            raise mapped from exc

    @contextlib.contextmanager
    def _operation(self, seconds: object, bucket: str | None = None, key: str | None = None) -> Iterator[None]:
        with deadlines.scope(self._deadline_for(seconds)), self._errors(bucket, key):
            yield

    def _deadline_for(self, seconds: object) -> float | None:
        checked = v.check_seconds(seconds, "deadline")
        return self._default_deadline if checked is None else checked

    def _bucket(self, bucket: object, *, creating: bool = False) -> str:
        return v.check_bucket(bucket, self._rules, creating=creating)

    def _names(self, bucket: object, key: object) -> tuple[str, str]:
        name = self._bucket(bucket)
        return name, v.check_key(key, bucket=name, file=self._rules.folders)

    # Connections -----------------------------------------------------------------------

    def close(self) -> None:
        """Release the store's pooled connections (the SDK client's HTTP sessions).

        Call it when done with the store, or use the store as a context manager (``with
        S3Client(...) as s3:``). Closing again does nothing. A closed store still works: a
        later call opens new connections (as the SDKs' own clients do).
        """
        self._close()

    def _close(self) -> None:
        """Close the backend's connections; stores without any (local ones) have nothing to do."""
        return None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # Primitives every backend implements ----------------------------------------------

    @abstractmethod
    def _put(self, bucket: str, key: str, source: UploadSource, opts: v.WriteOptions, progress: Progress) -> ObjectInfo:
        """Write ``source`` as the object; return what the write's own response says."""

    @abstractmethod
    def _get(self, bucket: str, key: str, sink: DownloadSink, opts: v.ReadOptions) -> None:
        """Fill ``sink``: ``sink.begin(info)`` from the first response, then the bytes.

        One complete version: if the object is overwritten mid-transfer, start again (up to
        ``RESTARTS_ON_CHANGE`` times) with ``sink.begin`` on the newer version.
        """

    @abstractmethod
    def _open(
        self, bucket: str, key: str, start: int, end: int | None, opts: v.ReadOptions
    ) -> tuple[ObjectInfo | None, Iterator[bytes]]:
        """One streaming request for bytes ``[start, end)``; ``(None, empty)`` past the end."""

    @abstractmethod
    def _stat(self, bucket: str, key: str, opts: v.ReadOptions) -> ObjectInfo:
        """One object's description; BucketNotFoundError for a missing bucket."""

    @abstractmethod
    def _delete(self, bucket: str, key: str, version_id: str | None) -> None:
        """Delete; an object already gone is not an error."""

    def _delete_keys(self, bucket: str, keys: list[str]) -> None:
        """Delete every key (already validated); backends batch where the service can."""
        for key in keys:
            self._delete(bucket, key, None)

    @abstractmethod
    def _copy(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str, opts: v.CopyOptions) -> ObjectInfo:
        """Server-side copy: the source read with ``opts.source`` (its version and customer
        key), the destination written with ``opts.encryption`` (None: the bucket's default);
        errors about the source name the source."""

    @abstractmethod
    def _list(
        self, bucket: str, prefix: str, delimiter: str | None, page_size: int | None
    ) -> Iterator[Page[ObjectInfo]]:
        """Pages of a listing, one request per page."""

    @abstractmethod
    def _list_versions(self, bucket: str, prefix: str, page_size: int | None) -> Iterator[Page[ObjectVersion]]:
        """Pages of every version under ``prefix``."""

    @abstractmethod
    def _create_bucket(self, bucket: str) -> None: ...

    @abstractmethod
    def _delete_bucket(self, bucket: str, force: bool) -> None: ...

    @abstractmethod
    def _bucket_exists(self, bucket: str) -> bool: ...

    @abstractmethod
    def _list_buckets(self, prefix: str) -> list[BucketInfo]: ...

    @abstractmethod
    def _writer(self, bucket: str, key: str, opts: v.WriteOptions, part_size: int) -> PartTarget:
        """The backend's streaming upload session for ``open_write``."""

    #: Default and minimum ``open_write`` part size (GCS needs multiples of 256 KiB, S3 at
    #: least 5 MiB for every part but the last).
    _part_size: int = CHUNK_SIZE
    _min_part_size: int = 256 * 1024

    # Objects: writes -------------------------------------------------------------------

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
        """Upload bytes, text (UTF-8), a readable binary file, or the file at ``local_path``.

        Small objects take one request; large ones stream as parts (memory stays bounded).
        The returned :class:`ObjectInfo` is what the write's own response said.

        Args:
            bucket: Bucket (container) name.
            key: Object key (see the key rule in :mod:`~codomyrmex_cloud.storage.validation`).
            data: The bytes, text or binary file object to store.
            local_path: A file to store (instead of ``data``).
            content_type: MIME type (default ``application/octet-stream``).
            metadata: User metadata, stored and returned unchanged.
            if_match: Write only if the current object has this etag.
            if_none_match: ``"*"``: write only if no object exists at ``key``.
            progress: Called as ``progress(bytes_done, total)``.
            cache_control: ``Cache-Control`` to serve the object with.
            content_encoding: ``Content-Encoding`` (e.g. ``gzip``) the bytes already have.
            content_disposition: ``Content-Disposition`` to serve the object with.
            storage_class: The service's storage class or tier.
            tags: Object tags (S3, Azure, LocalStore).
            encryption: Server-side encryption (see :data:`~codomyrmex_cloud.storage.Encryption`).
            deadline: Seconds the whole operation may take, retries included.

        Returns:
            The stored object's description.

        Raises:
            InvalidArgumentError: A bad argument (named in the message), before any request.
            PreconditionFailedError: ``if_match``/``if_none_match`` did not hold.
            BucketNotFoundError: No such bucket.
            StorageTimeoutError: The deadline passed or the service stopped answering.
        """
        bucket, key = self._names(bucket, key)
        opts = v.write_options(
            self._rules,
            content_type=content_type,
            metadata=metadata,
            if_match=if_match,
            if_none_match=if_none_match,
            cache_control=cache_control,
            content_encoding=content_encoding,
            content_disposition=content_disposition,
            storage_class=storage_class,
            tags=tags,
            encryption=encryption,
        )
        seconds = self._deadline_for(deadline)
        with upload_source(data, local_path) as source, self._operation(seconds, bucket, key):
            return self._put(bucket, key, source, opts, Progress(progress, source.size))

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
        """A binary file that streams to ``key`` and becomes the object when closed.

        Use it as a context manager: leaving the block normally commits; an exception aborts
        (nothing is committed, no parts are left behind). See :class:`ObjectWriter`.

        Args:
            bucket: Bucket (container) name.
            key: Object key.
            content_type: As for :meth:`upload` (so are the other write options).
            metadata: User metadata.
            if_match: Commit only if the current object has this etag.
            if_none_match: ``"*"``: commit only if no object exists at ``key``.
            cache_control: ``Cache-Control``.
            content_encoding: ``Content-Encoding``.
            content_disposition: ``Content-Disposition``.
            storage_class: Storage class or tier.
            tags: Object tags.
            encryption: Server-side encryption.
            part_size: Bytes per part (memory is about one part); the store's default if None.
            progress: Called as ``progress(bytes_written, None)``.
            deadline: Seconds each part's request (and the commit) may take, retries included.

        Returns:
            An :class:`ObjectWriter`; its ``info`` is set once committed.
        """
        bucket, key = self._names(bucket, key)
        opts = v.write_options(
            self._rules,
            content_type=content_type,
            metadata=metadata,
            if_match=if_match,
            if_none_match=if_none_match,
            cache_control=cache_control,
            content_encoding=content_encoding,
            content_disposition=content_disposition,
            storage_class=storage_class,
            tags=tags,
            encryption=encryption,
        )
        size = v.check_positive_int(part_size, "part_size", allow_none=True) or self._part_size
        if size < self._min_part_size or size % (256 * 1024 if self._rules is v.GCS else 1):
            raise InvalidArgumentError(
                f"part_size: at least {self._min_part_size} bytes"
                + (" and a multiple of 256 KiB" if self._rules is v.GCS else ""),
                argument="part_size",
            )
        v.check_callback(progress)
        seconds = self._deadline_for(deadline)
        with self._errors(bucket, key):
            target = self._writer(bucket, key, opts, size)
        return ObjectWriter(
            target,
            size,
            errors=lambda: self._errors(bucket, key),
            progress=progress,
            deadline_seconds=seconds,
        )

    # Objects: reads --------------------------------------------------------------------

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
        """Download an object, verified against the size and checksum its response reports.

        One complete version: the one current when the download started, or, if it is
        overwritten mid-transfer, the newer one (the download restarts once). Without
        ``local_path`` the bytes are returned. With it, the object is written to a temporary
        file beside ``local_path`` (created before any request, so an unusable path fails
        first) and renamed over it only once complete and verified: on any failure an
        existing file is untouched and nothing partial remains. The temporary file is
        private (``0600``); the file renamed into place has the mode ``open(local_path,
        "wb")`` would give it (a replaced file's own, else ``0666`` less the umask).

        Args:
            bucket: Bucket (container) name.
            key: Object key.
            local_path: Write the object to this file instead of returning it.
            progress: Called as ``progress(bytes_done, total)``.
            version_id: Read this version instead of the current one.
            if_match: Read only if the object has this etag (else PreconditionFailedError).
            customer_key: The key the object was encrypted with, for ``CustomerKey`` objects.
            deadline: Seconds the whole download may take, retries included.

        Returns:
            The bytes, or the ``Path`` written.

        Raises:
            ObjectNotFoundError: No such object (also a FileNotFoundError).
            BucketNotFoundError: No such bucket.
            IntegrityError: Size or checksum mismatch; nothing is kept.
            InvalidArgumentError: ``local_path`` is a directory or its folder is missing.
            StoragePermissionError: The folder of ``local_path`` is not writable.
            StorageTimeoutError: The deadline passed or the service stopped answering.
        """
        bucket, key = self._names(bucket, key)
        opts = v.read_options(self._rules, version_id=version_id, if_match=if_match, customer_key=customer_key)
        seconds = self._deadline_for(deadline)
        if local_path is None:
            buffer = io.BytesIO()
            with self._operation(seconds, bucket, key):
                sink = DownloadSink(buffer, progress)
                self._get(bucket, key, sink, opts)
                sink.finish()
            return buffer.getvalue()
        path = v.check_download_path(local_path)
        with atomic_file(path) as (handle, temp), self._operation(seconds, bucket, key):
            sink = DownloadSink(handle, progress, temp)
            self._get(bucket, key, sink, opts)
            sink.finish()
        return Path(local_path)

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
        """Stream bytes ``[start, end)`` in pieces of ``chunk_size`` (one request; memory: a chunk).

        The request is sent (and a missing object reported) when this is called; the bytes
        arrive as you iterate, each read bounded by the store's request ``timeout``. Past the
        end of the object, it yields what exists (nothing when ``start`` is past the end).
        """
        bucket, key = self._names(bucket, key)
        first, last = v.check_range(start, end)
        size = v.check_positive_int(chunk_size, "chunk_size")
        assert size is not None
        opts = v.read_options(self._rules, version_id=version_id, if_match=if_match, customer_key=customer_key)
        if last is not None and last == first:
            return iter(())
        with self._operation(None, bucket, key):
            _, chunks = self._open(bucket, key, first, last, opts)
        return rechunk(self._mapped(chunks, bucket, key), size)

    def _mapped(self, chunks: Iterator[bytes], bucket: str, key: str) -> Iterator[bytes]:
        try:
            with self._errors(bucket, key):
                yield from chunks
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

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
        """A seekable binary file over the object (memory: one chunk). Use it as a context manager.

        It reads the version current when opened; seeking issues a ranged request pinned to
        that version, and raises PreconditionFailedError if it has been replaced since. See
        :class:`~codomyrmex_cloud.storage.reader.ObjectReader` (``file.raw.info`` describes
        the version).
        """
        bucket, key = self._names(bucket, key)
        size = v.check_positive_int(chunk_size, "chunk_size")
        assert size is not None
        opts = v.read_options(self._rules, version_id=version_id, if_match=if_match, customer_key=customer_key)
        with self._operation(None, bucket, key):
            info, first = self._open(bucket, key, 0, None, opts)
        assert info is not None
        pinned = v.ReadOptions(
            version_id=info.version_id or opts.version_id,
            if_match=None if info.version_id else (info.etag or opts.if_match),
            customer_key=opts.customer_key,
        )

        def open_at(position: int) -> Iterator[bytes]:
            with self._operation(None, bucket, key):
                _, chunks = self._open(bucket, key, position, None, pinned)
            return rechunk(self._mapped(chunks, bucket, key), size)

        reader = ObjectReader(info, rechunk(self._mapped(first, bucket, key), size), open_at)
        return io.BufferedReader(reader)

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
        """Bytes ``start`` to ``end`` (exclusive), exactly like ``data[start:end]``.

        Past the end of the object it returns what exists: ``b""`` when ``start`` is at or
        past the end (the same on every store).
        """
        bucket, key = self._names(bucket, key)
        first, last = v.check_range(start, end)
        if last is None:
            raise InvalidArgumentError("end: must be an int", argument="end")
        opts = v.read_options(self._rules, version_id=version_id, if_match=if_match, customer_key=customer_key)
        if last == first:
            return b""
        with self._operation(deadline, bucket, key):
            _, chunks = self._open(bucket, key, first, last, opts)
            return b"".join(chunks)

    def stat(
        self,
        bucket: str,
        key: str,
        *,
        version_id: str | None = None,
        customer_key: CustomerKey | None = None,
        deadline: float | None = None,
    ) -> ObjectInfo:
        """Describe an object (one request).

        Raises:
            ObjectNotFoundError: No such object.
            BucketNotFoundError: No such bucket (the same on every store).
        """
        bucket, key = self._names(bucket, key)
        opts = v.read_options(self._rules, version_id=version_id, customer_key=customer_key)
        with self._operation(deadline, bucket, key):
            return self._stat(bucket, key, opts)

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
        return self.stat(bucket, key, version_id=version_id, customer_key=customer_key, deadline=deadline)

    def exists(
        self,
        bucket: str,
        key: str,
        *,
        version_id: str | None = None,
        customer_key: CustomerKey | None = None,
        deadline: float | None = None,
    ) -> bool:
        """True if the object exists; False for a missing object or bucket.

        A service that cannot be reached raises StorageConnectionError (or
        StorageTimeoutError): it does not answer False.
        """
        try:
            self.stat(bucket, key, version_id=version_id, customer_key=customer_key, deadline=deadline)
        except (ObjectNotFoundError, BucketNotFoundError):
            return False
        return True

    # Objects: deletes and copies -------------------------------------------------------

    def delete(self, bucket: str, key: str, *, version_id: str | None = None, deadline: float | None = None) -> None:
        """Delete an object (or one version of it); one already gone is not an error."""
        bucket, key = self._names(bucket, key)
        version = v.check_version_id(version_id, self._rules)
        with self._operation(deadline, bucket, key):
            self._delete(bucket, key, version)

    def delete_many(self, bucket: str, keys: Iterable[str], *, deadline: float | None = None) -> None:
        """Delete every key (batched where the service allows); keys already gone are fine.

        The whole batch is validated before the first delete is sent.
        """
        bucket = self._bucket(bucket)
        checked = v.check_keys(keys, bucket=bucket, file=self._rules.folders)
        with self._operation(deadline, bucket):
            self._delete_keys(bucket, checked)

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

        What the destination is encrypted with, the same on every store:

        - ``encryption`` given: that (the kinds and refusals of :meth:`upload`).
        - ``encryption`` None and ``source_customer_key`` given: the same ``CustomerKey``
          (read the copy with the key you read the source with). The services do not do
          this by themselves: S3 and GCS would store the copy under the bucket's default
          encryption, and Azure's copy operations take no customer key at all.
        - Neither: the destination bucket's default, as the service decides it (S3: the
          bucket's default encryption, SSE-S3 unless configured; GCS: the bucket's default
          KMS key, else Google-managed; Azure: the container's or account's default scope).
          A source's ``KmsKey`` or ``EncryptionScope`` is not carried over.

        Per service: S3 sends ``CopySourceSSECustomer*`` for the source key and the
        ``SSECustomer*``/``ServerSideEncryption``/``SSEKMSKeyId`` of ``encryption`` (on
        ``CopyObject``, or on every ``UploadPartCopy`` of a copy over 5 GiB); GCS sends
        ``x-goog-copy-source-encryption-*`` and ``x-goog-encryption-*`` or
        ``destinationKmsKeyName`` on every ``rewrite`` request. Azure copies server-side
        (Copy Blob From URL, with ``x-ms-encryption-scope`` for an ``EncryptionScope``)
        unless a customer key is involved (as source key or destination) or an
        ``EncryptionScope`` blob is over 256 MiB (the asynchronous Copy Blob takes no scope):
        then this store streams it, a ranged download with the source key into a block
        upload with the destination's encryption (memory: about ``chunk_size`` times
        ``max_concurrency``), checked against the source's MD5 where it has one.

        Args:
            src_bucket: Source bucket.
            src_key: Source key.
            dst_bucket: Destination bucket.
            dst_key: Destination key.
            version_id: Copy this version of the source.
            source_customer_key: The ``CustomerKey`` the source was written with.
            encryption: The destination's server-side encryption (see above).
            deadline: Seconds the whole copy may take.

        Returns:
            The destination's description.

        Raises:
            InvalidArgumentError: A bad argument (named in the message), before any request.
            UnsupportedOperationError: An encryption kind this service lacks, before any request.
            ObjectNotFoundError: The source does not exist (the error names the source).
        """
        file = self._rules.folders
        src_bucket = v.check_bucket(src_bucket, self._rules, argument="src_bucket")
        src_key = v.check_key(src_key, argument="src_key", bucket=src_bucket, file=file)
        dst_bucket = v.check_bucket(dst_bucket, self._rules, argument="dst_bucket")
        dst_key = v.check_key(dst_key, argument="dst_key", bucket=dst_bucket, file=file)
        opts = v.copy_options(
            self._rules, version_id=version_id, source_customer_key=source_customer_key, encryption=encryption
        )
        with self._operation(deadline, src_bucket, src_key):
            return self._copy(src_bucket, src_key, dst_bucket, dst_key, opts)

    # Listings --------------------------------------------------------------------------

    def list_objects(
        self,
        bucket: str,
        prefix: str = "",
        *,
        delimiter: str | None = None,
        page_size: int | None = None,
        deadline: float | None = None,
    ) -> ObjectListing:
        """Objects under ``prefix`` in key order, fetched ``page_size`` at a time.

        Nothing is sent until you iterate; each iteration walks again from the first page,
        and ``deadline`` bounds each walk. A missing bucket raises BucketNotFoundError when
        iteration starts.
        """
        bucket = self._bucket(bucket)
        text = v.check_prefix(prefix)
        delim = v.check_delimiter(delimiter)
        size = v.check_positive_int(page_size, "page_size", allow_none=True)
        seconds = self._deadline_for(deadline)
        return ObjectListing(self._walk(lambda: self._list(bucket, text, delim, size), seconds, bucket))

    def list_versions(
        self, bucket: str, prefix: str = "", *, page_size: int | None = None, deadline: float | None = None
    ) -> VersionListing:
        """Every version of every object under ``prefix`` (current ones have ``is_latest``).

        On a bucket without versioning (and on LocalStore) that is one version per object.
        """
        bucket = self._bucket(bucket)
        text = v.check_prefix(prefix)
        size = v.check_positive_int(page_size, "page_size", allow_none=True)
        seconds = self._deadline_for(deadline)
        return VersionListing(self._walk(lambda: self._list_versions(bucket, text, size), seconds, bucket))

    def _walk(
        self, pages: Callable[[], Iterator[Page[Any]]], seconds: float | None, bucket: str
    ) -> Callable[[], Iterator[Page[Any]]]:
        def walk() -> Iterator[Page[Any]]:
            with deadlines.scope(seconds) as expiry:
                iterator = pages()
            while True:
                with deadlines.at(expiry), self._errors(bucket):
                    page = next(iterator, None)
                if page is None:
                    return
                yield page

        return walk

    # Buckets ---------------------------------------------------------------------------

    def create_bucket(self, bucket: str, *, deadline: float | None = None) -> None:
        """Create a bucket; one that already exists and is yours is not an error.

        The name must be one the service accepts for a new bucket (LocalStore: one every
        cloud accepts).
        """
        bucket = self._bucket(bucket, creating=True)
        with self._operation(deadline, bucket):
            self._create_bucket(bucket)

    def delete_bucket(self, bucket: str, *, force: bool = False, deadline: float | None = None) -> None:
        """Delete a bucket (with ``force``, its objects first); one already gone is not an error.

        Raises:
            BucketNotEmptyError: It holds objects and ``force`` is False.
        """
        bucket = self._bucket(bucket)
        if not isinstance(force, bool):
            raise InvalidArgumentError("force: must be a bool", argument="force")
        with self._operation(deadline, bucket):
            self._delete_bucket(bucket, force)

    def bucket_exists(self, bucket: str, *, deadline: float | None = None) -> bool:
        """True if the bucket exists (and these credentials can see it)."""
        bucket = self._bucket(bucket)
        with self._operation(deadline, bucket):
            return self._bucket_exists(bucket)

    def list_buckets(self, *, prefix: str = "", deadline: float | None = None) -> list[BucketInfo]:
        """The buckets these credentials can see whose names start with ``prefix``, by name."""
        text = v.check_prefix(prefix)
        with self._operation(deadline):
            return sorted(self._list_buckets(text), key=lambda b: b.name)

    # Helpers for backends --------------------------------------------------------------

    def _restart_or_raise(self, attempt: int, bucket: str, key: str, exc: BaseException) -> None:
        """Log a restart after a mid-transfer overwrite, or re-raise once restarts are used up."""
        if attempt >= RESTARTS_ON_CHANGE:
            raise exc
        logger.info("%s/%s changed during the download; restarting on the newer version", bucket, key)


def pid_guard(store: object) -> bool:
    """True when ``store`` was built in another process (after ``fork``): rebuild its clients."""
    return getattr(store, "_pid", None) != os.getpid()
