"""``GCSClient``: the object-store contract on Google Cloud Storage (google-cloud-storage).

Configuration follows the SDK: application default credentials and project, or explicit
``credentials``/``project``; ``STORAGE_EMULATOR_HOST`` (or ``endpoint``) points it at an
emulator such as fake-gcs-server, with anonymous credentials.

- Uploads are resumable above ``chunk_size`` (the SDK's machinery, memory bounded by one
  chunk) and carry a CRC32C the service verifies. Downloads are checked against the size,
  CRC32C and MD5 GCS reports, and pinned to the generation that was stat'ed, so a concurrent
  overwrite cannot produce a mix of two versions.
- Retries: the SDK's own policy. Reads use ``DEFAULT_RETRY``; writes use
  ``DEFAULT_RETRY_IF_GENERATION_SPECIFIED`` (google's ConditionalRetryPolicy), i.e. an upload
  is retried only when it carries a generation precondition that makes repeating it safe.
- ``ObjectInfo.etag`` is the object's *generation* (GCS preconditions compare generations),
  so ``upload(..., if_match=info.etag)`` means "only if nobody wrote since".
"""

from __future__ import annotations

import base64
import contextlib
import os
from collections.abc import Iterable, Iterator, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

from codomyrmex_cloud.storage.base import (
    CHUNK_SIZE,
    ObjectInfo,
    ObjectListing,
    PathLike,
    ProgressCallback,
    UploadData,
)
from codomyrmex_cloud.storage.common import BaseStore
from codomyrmex_cloud.storage.errors import (
    BucketNotEmptyError,
    BucketNotFoundError,
    IntegrityError,
    InvalidArgumentError,
    ObjectNotFoundError,
    PreconditionFailedError,
    StorageConnectionError,
    StorageError,
    StoragePermissionError,
    StorageTimeoutError,
    UnsupportedOperationError,
)
from codomyrmex_cloud.storage.transfer import CountingReader, check_names, check_page_size, upload_source

if TYPE_CHECKING:
    from google.auth.credentials import Credentials
    from google.cloud.storage import Blob, Bucket, Client


def _import_storage() -> Any:
    try:
        from google.cloud import storage
    except ImportError as exc:
        raise ImportError("GCSClient needs google-cloud-storage: pip install 'codomyrmex-cloud[gcs]'") from exc
    return storage


class _CountingWriter:
    """A write-only sink wrapper that reports download progress."""

    def __init__(self, sink: BinaryIO, total: int, progress: ProgressCallback | None) -> None:
        self._sink = sink
        self._total = total
        self._progress = progress
        self.done = 0

    def write(self, data: bytes) -> int:
        written = self._sink.write(data)
        self.done += len(data)
        if self._progress is not None:
            self._progress(self.done, self._total)
        return written

    def flush(self) -> None:
        self._sink.flush()


class GCSClient(BaseStore):
    """Google Cloud Storage behind the shared storage contract.

    Args:
        project: GCP project (defaults to the environment / ADC).
        credentials: google-auth credentials (defaults to application default credentials).
        endpoint: API endpoint, e.g. an emulator's ``http://127.0.0.1:4443`` (defaults to
            ``STORAGE_EMULATOR_HOST`` or Google's).
        chunk_size: Resumable-upload chunk and streamed-read size (a multiple of 256 KiB).
        timeout: Seconds per HTTP request.

    Raises:
        ImportError: google-cloud-storage is not installed.
    """

    def __init__(
        self,
        project: str | None = None,
        *,
        credentials: Credentials | None = None,
        endpoint: str | None = None,
        chunk_size: int = CHUNK_SIZE,
        timeout: float = 60.0,
    ) -> None:
        storage = _import_storage()
        from google.cloud.storage import retry

        if chunk_size % (256 * 1024):
            raise InvalidArgumentError("chunk_size must be a multiple of 256 KiB (a GCS requirement)")
        options = {"api_endpoint": endpoint} if endpoint else None
        if credentials is None and (endpoint or os.environ.get("STORAGE_EMULATOR_HOST")):
            from google.auth.credentials import AnonymousCredentials

            credentials = AnonymousCredentials()  # type: ignore[no-untyped-call] # emulators take none
            project = project or "emulator"
        with self._errors():
            self.client: Client = storage.Client(project=project, credentials=credentials, client_options=options)
        self._chunk_size = chunk_size
        self._timeout = timeout
        self._read_retry = retry.DEFAULT_RETRY
        self._write_retry = retry.DEFAULT_RETRY_IF_GENERATION_SPECIFIED

    def __repr__(self) -> str:
        return f"GCSClient(project={self.client.project!r})"

    # Errors: the one place google's exceptions become ours ------------------------------

    @contextlib.contextmanager
    def _errors(self, bucket: str | None = None, key: str | None = None) -> Iterator[None]:
        from google.api_core import exceptions as gex
        from google.auth import exceptions as auth_ex
        from google.resumable_media import DataCorruption
        from requests import exceptions as rex

        where = f"{bucket}/{key}" if key else str(bucket)
        try:
            yield
        except gex.NotFound as exc:
            cls = ObjectNotFoundError if key and "bucket" not in str(exc).lower() else BucketNotFoundError
            raise cls(f"GCS: {where} not found: {exc.message}", bucket=bucket, key=key) from exc
        except (gex.Forbidden, gex.Unauthorized, auth_ex.DefaultCredentialsError) as exc:
            raise StoragePermissionError(f"GCS denied access to {where}: {exc}", bucket=bucket, key=key) from exc
        except gex.PreconditionFailed as exc:
            raise PreconditionFailedError(f"GCS precondition failed for {where}", bucket=bucket, key=key) from exc
        except DataCorruption as exc:
            raise IntegrityError(f"GCS checksum mismatch for {where}: {exc}", bucket=bucket, key=key) from exc
        except (gex.BadRequest, gex.RequestRangeNotSatisfiable) as exc:
            raise InvalidArgumentError(f"GCS rejected the request for {where}: {exc}", bucket=bucket, key=key) from exc
        except (rex.Timeout, gex.DeadlineExceeded) as exc:
            raise StorageTimeoutError(f"GCS did not answer in time for {where}", bucket=bucket, key=key) from exc
        except (rex.ConnectionError, gex.ServiceUnavailable) as exc:
            raise StorageConnectionError(f"cannot reach GCS for {where}: {exc}", bucket=bucket, key=key) from exc
        except gex.GoogleAPICallError as exc:
            raise StorageError(f"GCS error for {where}: {exc}", bucket=bucket, key=key) from exc

    def _bucket(self, bucket: str) -> Bucket:
        check_names(bucket)
        return self.client.bucket(bucket)

    def _blob(self, bucket: str, key: str, generation: int | None = None) -> Blob:
        check_names(bucket, key)
        return self.client.bucket(bucket).blob(key, chunk_size=self._chunk_size, generation=generation)

    # Buckets ----------------------------------------------------------------------------

    def create_bucket(self, bucket: str) -> None:
        """Create a bucket; one that already exists and is yours is not an error."""
        from google.api_core import exceptions as gex

        try:
            with self._errors(bucket):
                self.client.create_bucket(self._bucket(bucket), timeout=self._timeout)
        except StorageError as exc:
            if not (isinstance(exc.__cause__, gex.Conflict) and self.bucket_exists(bucket)):
                raise

    def delete_bucket(self, bucket: str, *, force: bool = False) -> None:
        from google.api_core import exceptions as gex

        if not self.bucket_exists(bucket):
            return
        if force:
            self.delete_many(bucket, (o.key for o in self.list_objects(bucket)))
        elif next(iter(self.client.list_blobs(bucket, max_results=1)), None) is not None:
            raise BucketNotEmptyError(f"bucket {bucket!r} is not empty", bucket=bucket)
        try:
            with self._errors(bucket):
                self._bucket(bucket).delete(timeout=self._timeout, retry=self._read_retry)
        except BucketNotFoundError:
            return
        except StorageError as exc:
            if isinstance(exc.__cause__, gex.Conflict):
                raise BucketNotEmptyError(f"bucket {bucket!r} is not empty", bucket=bucket) from exc
            raise

    def bucket_exists(self, bucket: str) -> bool:
        with self._errors(bucket):
            return bool(self._bucket(bucket).exists(timeout=self._timeout, retry=self._read_retry))

    # Objects ----------------------------------------------------------------------------

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
    ) -> ObjectInfo:
        """Upload (resumable above ``chunk_size``, CRC32C-checked); see :class:`ObjectStore`."""
        blob = self._blob(bucket, key)
        if if_none_match not in (None, "*"):
            raise InvalidArgumentError('if_none_match accepts only "*"', bucket=bucket, key=key)
        generation: int | None = None
        if if_none_match == "*":
            generation = 0  # GCS: "only if no live object exists"
        elif if_match is not None:
            if not if_match.isdigit():
                raise PreconditionFailedError(f"{if_match!r} is not a generation of {bucket}/{key}", bucket=bucket)
            generation = int(if_match)
        if metadata:
            blob.metadata = dict(metadata)
        with upload_source(data, local_path) as (stream, size), self._errors(bucket, key):
            reader = CountingReader(stream, size, progress)
            blob.upload_from_file(
                reader,
                size=size,
                content_type=content_type,
                if_generation_match=generation,
                checksum="crc32c",
                timeout=self._timeout,
                retry=self._write_retry,
            )
        return _info(bucket, blob)

    _sequential_download = True

    def _download_into(self, info: ObjectInfo, sink: BinaryIO, progress: ProgressCallback | None) -> None:
        generation = int(info.etag) if info.etag else None  # stat's generation: pin the version
        blob = self._blob(info.bucket, info.key, generation=generation)
        writer = _CountingWriter(sink, info.size, progress)
        with self._errors(info.bucket, info.key):
            # BaseStore.download hashes the bytes as they arrive and checks them once.
            blob.download_to_file(writer, checksum=None, timeout=self._timeout, retry=self._read_retry)

    def iter_chunks(
        self,
        bucket: str,
        key: str,
        *,
        chunk_size: int = CHUNK_SIZE,
        start: int = 0,
        end: int | None = None,
    ) -> Iterator[bytes]:
        self._check_range(start, end, chunk_size)
        blob = self._blob(bucket, key)
        with self._errors(bucket, key):
            blob.reload(timeout=self._timeout, retry=self._read_retry)
        return self._chunks(blob, bucket, key, chunk_size, start, end)

    def _chunks(
        self, blob: Blob, bucket: str, key: str, chunk_size: int, start: int, end: int | None
    ) -> Iterator[bytes]:
        size = blob.size or 0
        stop = size if end is None else min(end, size)
        position = start
        pinned = self._blob(bucket, key, generation=blob.generation)
        while position < stop:
            last = min(position + chunk_size, stop) - 1
            with self._errors(bucket, key):
                chunk = pinned.download_as_bytes(
                    start=position, end=last, checksum=None, timeout=self._timeout, retry=self._read_retry
                )
            if not chunk:
                return
            position += len(chunk)
            yield chunk

    def list_objects(
        self, bucket: str, prefix: str = "", *, delimiter: str | None = None, page_size: int | None = None
    ) -> ObjectListing:
        """Objects under ``prefix``, fetched ``page_size`` at a time (the service default if None)."""
        check_page_size(page_size)
        check_names(bucket)
        if delimiter == "":
            raise InvalidArgumentError("delimiter must be None or a non-empty string", bucket=bucket)

        def pages() -> Iterator[tuple[list[ObjectInfo], list[str]]]:
            with self._errors(bucket):
                iterator = self.client.list_blobs(
                    bucket,
                    prefix=prefix or None,
                    delimiter=delimiter,
                    page_size=page_size,
                    timeout=self._timeout,
                    retry=self._read_retry,
                )
                for page in iterator.pages:
                    yield [_info(bucket, blob) for blob in page], sorted(page.prefixes)

        return ObjectListing(pages())

    def stat(self, bucket: str, key: str) -> ObjectInfo:
        check_names(bucket, key)
        with self._errors(bucket, key):
            blob = self.client.bucket(bucket).get_blob(key, timeout=self._timeout, retry=self._read_retry)
            if blob is None:
                if not self.bucket_exists(bucket):
                    raise BucketNotFoundError(f"GCS: bucket {bucket} not found", bucket=bucket, key=key)
                raise ObjectNotFoundError(f"GCS: {bucket}/{key} not found", bucket=bucket, key=key)
        return _info(bucket, blob)

    def delete(self, bucket: str, key: str) -> None:
        """Delete an object; one already gone (or in a missing bucket) is not an error."""
        with contextlib.suppress(ObjectNotFoundError, BucketNotFoundError), self._errors(bucket, key):
            self._blob(bucket, key).delete(timeout=self._timeout, retry=self._read_retry)

    def delete_many(self, bucket: str, keys: Iterable[str]) -> None:
        """Delete keys in batches of 100 (the JSON API's batch limit); missing keys are fine."""
        batch: list[str] = []
        for key in keys:
            check_names(bucket, key)
            batch.append(key)
            if len(batch) == 100:
                self._delete_batch(bucket, batch)
                batch = []
        if batch:
            self._delete_batch(bucket, batch)

    def _delete_batch(self, bucket: str, keys: list[str]) -> None:
        blobs = [self._blob(bucket, key) for key in keys]
        with self._errors(bucket):
            self._bucket(bucket).delete_blobs(blobs, on_error=lambda blob: None, timeout=self._timeout)

    def copy(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str) -> ObjectInfo:
        """Server-side copy with GCS rewrite (resumed until done, any size)."""
        source = self._blob(src_bucket, src_key)
        target = self._blob(dst_bucket, dst_key)
        with self._errors(src_bucket, src_key):
            token, _, _ = target.rewrite(source, timeout=self._timeout, retry=self._read_retry)
            while token is not None:
                token, _, _ = target.rewrite(source, token=token, timeout=self._timeout, retry=self._read_retry)
        return self.stat(dst_bucket, dst_key)

    def signed_url(self, bucket: str, key: str, *, expires_in: int = 3600, method: str = "GET") -> str:
        """A V4 signed URL; needs credentials that can sign (a service account key)."""
        if method.upper() not in ("GET", "PUT"):
            raise InvalidArgumentError(f"signed URLs support GET and PUT, not {method}", bucket=bucket, key=key)
        blob = self._blob(bucket, key)
        try:
            with self._errors(bucket, key):
                url: str = blob.generate_signed_url(
                    version="v4", expiration=timedelta(seconds=expires_in), method=method.upper()
                )
        except AttributeError as exc:  # the SDK's way of saying "these credentials cannot sign"
            raise UnsupportedOperationError(
                f"these credentials cannot sign URLs: {exc}", bucket=bucket, key=key
            ) from exc
        return url


def _info(bucket: str, blob: Blob) -> ObjectInfo:
    checksums: dict[str, str] = {}
    if blob.crc32c:
        checksums["crc32c"] = base64.b64decode(blob.crc32c).hex()
    if blob.md5_hash:
        checksums["md5"] = base64.b64decode(blob.md5_hash).hex()
    return ObjectInfo(
        bucket=bucket,
        key=blob.name or "",
        size=int(blob.size or 0),
        etag=str(blob.generation) if blob.generation is not None else None,
        last_modified=blob.updated,
        content_type=blob.content_type,
        metadata=dict(blob.metadata or {}),
        checksums=checksums,
    )
