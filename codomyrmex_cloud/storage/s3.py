"""``S3Client``: the object-store contract on Amazon S3 and S3-compatible services (boto3).

Configuration follows boto3's own chain: credentials and region from arguments, a named
``profile``, the environment (``AWS_ACCESS_KEY_ID``, ``AWS_REGION``, ``AWS_ENDPOINT_URL`` ...)
or instance roles. ``endpoint_url`` points it at any S3-compatible service.

- Transfers use s3transfer (boto3's managed transfer): multipart above ``multipart_threshold``,
  ``max_concurrency`` parts in flight, memory bounded by chunk size x concurrency.
- Integrity: uploads carry a CRC32 checksum S3 verifies (``ChecksumAlgorithm``); downloads are
  checked against the size, the MD5 ETag of single-part objects, and S3's full-object CRC32
  where S3 reports one. A mismatch raises IntegrityError and keeps nothing.
- Retries: botocore's ``standard`` mode (exponential backoff with jitter, throttling and
  transient errors), ``max_attempts`` in total; no second layer on top.
- One boto3 client is shared by every thread (boto3 clients are thread-safe; sessions are not,
  so the session is used only here in the constructor).
"""

from __future__ import annotations

import base64
import contextlib
import threading
from collections.abc import Iterable, Iterator, Mapping
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
)
from codomyrmex_cloud.storage.transfer import CountingReader, check_names, check_page_size, upload_source

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client as Boto3S3Client
    from mypy_boto3_s3.type_defs import HeadObjectOutputTypeDef, PaginatorConfigTypeDef

_NOT_FOUND = {"NoSuchKey", "404", "NotFound"}
_PERMISSION = {"AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled"}
_PRECONDITION = {"PreconditionFailed", "412", "ConditionalRequestConflict"}


def _import_boto3() -> Any:
    try:
        import boto3
    except ImportError as exc:
        raise ImportError("S3Client needs boto3: pip install 'codomyrmex-cloud[s3]'") from exc
    return boto3


class _Progress:
    """Turns s3transfer's per-thread byte increments into cumulative (done, total) calls."""

    def __init__(self, callback: ProgressCallback | None, total: int | None) -> None:
        self._callback = callback
        self._total = total
        self._done = 0
        self._lock = threading.Lock()

    def __call__(self, increment: int) -> None:
        if self._callback is None:
            return
        with self._lock:
            self._done += increment
            done = self._done
        self._callback(done, self._total)


class S3Client(BaseStore):
    """Amazon S3 (or an S3-compatible service) behind the shared storage contract.

    Args:
        region: AWS region; defaults to boto3's chain (``AWS_REGION``, profile, ...).
        endpoint_url: An S3-compatible endpoint; defaults to ``AWS_ENDPOINT_URL`` or AWS.
        profile: A named profile from the AWS config files.
        access_key_id: Explicit credentials (else boto3's credential chain).
        secret_access_key: Explicit credentials.
        session_token: Explicit temporary credentials.
        max_attempts: Total attempts per request in botocore's standard retry mode.
        multipart_threshold: Objects at least this large use multipart transfers.
        chunk_size: Part size of multipart transfers, and of streamed reads.
        max_concurrency: Parts in flight per transfer.

    Raises:
        ImportError: boto3 is not installed (``pip install 'codomyrmex-cloud[s3]'``).
    """

    def __init__(
        self,
        region: str | None = None,
        *,
        endpoint_url: str | None = None,
        profile: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        session_token: str | None = None,
        max_attempts: int = 5,
        multipart_threshold: int = CHUNK_SIZE,
        chunk_size: int = CHUNK_SIZE,
        max_concurrency: int = 8,
    ) -> None:
        boto3 = _import_boto3()
        from boto3.s3.transfer import TransferConfig
        from botocore.config import Config

        session = boto3.session.Session(
            profile_name=profile,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            aws_session_token=session_token,
        )
        config = Config(
            retries={"mode": "standard", "max_attempts": max_attempts},
            max_pool_connections=max(10, max_concurrency * 2),
            # Compute and send checksums only where the operation requires them or we ask
            # (ChecksumAlgorithm on uploads), so S3-compatible services that lack the newer
            # checksum headers keep working.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        self.client: Boto3S3Client = session.client("s3", endpoint_url=endpoint_url, config=config)
        self.region = session.region_name
        self._transfer = TransferConfig(
            multipart_threshold=multipart_threshold,
            multipart_chunksize=chunk_size,
            max_concurrency=max_concurrency,
            # Downloaded chunks waiting for the writer thread: 16 x 256 KiB instead of the
            # default 100, which let a fast network fill 25 MiB while the disk caught up.
            max_io_queue=16,
        )
        self._chunk_size = chunk_size

    def __repr__(self) -> str:
        return f"S3Client(region={self.region!r}, endpoint={self.client.meta.endpoint_url!r})"

    # Errors: the one place botocore's exceptions become ours ----------------------------

    @contextlib.contextmanager
    def _errors(self, bucket: str | None = None, key: str | None = None) -> Iterator[None]:
        from botocore import exceptions as bex

        try:
            yield
        except bex.ClientError as exc:
            raise _translate(exc, bucket, key) from exc
        except (bex.ConnectTimeoutError, bex.ReadTimeoutError) as exc:
            raise StorageTimeoutError(f"S3 did not answer in time: {exc}", bucket=bucket, key=key) from exc
        except (bex.EndpointConnectionError, bex.ConnectionClosedError, bex.ConnectionError) as exc:
            raise StorageConnectionError(f"cannot reach S3: {exc}", bucket=bucket, key=key) from exc
        except bex.FlexibleChecksumError as exc:
            raise IntegrityError(f"S3 checksum mismatch: {exc}", bucket=bucket, key=key) from exc
        except (bex.NoCredentialsError, bex.PartialCredentialsError) as exc:
            raise StoragePermissionError(f"no usable AWS credentials: {exc}", bucket=bucket, key=key) from exc
        except bex.ParamValidationError as exc:
            raise InvalidArgumentError(str(exc), bucket=bucket, key=key) from exc

    # Buckets ----------------------------------------------------------------------------

    def create_bucket(self, bucket: str) -> None:
        """Create a bucket in the client's region; one you already own is not an error."""
        check_names(bucket)
        args: dict[str, Any] = {"Bucket": bucket}
        if self.region and self.region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            with self._errors(bucket):
                self.client.create_bucket(**args)
        except StorageError as exc:
            if _code(exc.__cause__) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise

    def delete_bucket(self, bucket: str, *, force: bool = False) -> None:
        """Delete a bucket (with ``force``, its objects first); one already gone is not an error."""
        check_names(bucket)
        if force:
            with contextlib.suppress(BucketNotFoundError):
                self.delete_many(bucket, (o.key for o in self.list_objects(bucket)))
        try:
            with self._errors(bucket):
                self.client.delete_bucket(Bucket=bucket)
        except BucketNotFoundError:
            return

    def bucket_exists(self, bucket: str) -> bool:
        check_names(bucket)
        try:
            with self._errors(bucket):
                self.client.head_bucket(Bucket=bucket)
        except (BucketNotFoundError, ObjectNotFoundError):
            return False
        return True

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
        """Upload from bytes, text, a binary file or ``local_path``; see :class:`ObjectStore`."""
        check_names(bucket, key)
        if if_none_match not in (None, "*"):
            raise InvalidArgumentError('if_none_match accepts only "*"', bucket=bucket, key=key)
        extra: dict[str, Any] = {"ChecksumAlgorithm": "CRC32"}
        if content_type:
            extra["ContentType"] = content_type
        if metadata:
            extra["Metadata"] = dict(metadata)
        with upload_source(data, local_path) as (stream, size), self._errors(bucket, key):
            if if_match is not None or if_none_match is not None:
                # Conditions exist on PutObject, not in s3transfer: one request (up to 5 GiB).
                conditions: dict[str, Any] = {"IfMatch": if_match} if if_match else {"IfNoneMatch": "*"}
                self.client.put_object(Bucket=bucket, Key=key, Body=stream, **extra, **conditions)
                if progress is not None:
                    progress(size or 0, size)
            elif local_path is not None:
                # By name, s3transfer reads each part from its own file handle as it sends it:
                # memory stays at a few I/O chunks however large the file.
                self.client.upload_file(
                    str(local_path),
                    bucket,
                    key,
                    ExtraArgs=extra,
                    Callback=_Progress(progress, size),
                    Config=self._transfer,
                )
            else:
                # A file object is read part by part into memory (chunk size x concurrency).
                counted = CountingReader(stream, size)  # so a non-seekable stream also works
                self.client.upload_fileobj(
                    counted,  # type: ignore[arg-type]
                    bucket,
                    key,
                    ExtraArgs=extra,
                    Callback=_Progress(progress, size),
                    Config=self._transfer,
                )
        return self.stat(bucket, key)

    def _download_into(self, info: ObjectInfo, sink: BinaryIO, progress: ProgressCallback | None) -> None:
        # Parallel ranged GETs write parts out of order, so verification re-reads the file.
        with self._errors(info.bucket, info.key):
            self.client.download_fileobj(
                info.bucket, info.key, sink, Callback=_Progress(progress, info.size), Config=self._transfer
            )

    def iter_chunks(
        self,
        bucket: str,
        key: str,
        *,
        chunk_size: int = CHUNK_SIZE,
        start: int = 0,
        end: int | None = None,
    ) -> Iterator[bytes]:
        check_names(bucket, key)
        self._check_range(start, end, chunk_size)
        if end is not None and end == start:
            return iter(())
        byte_range = f"bytes={start}-{'' if end is None else end - 1}"
        with self._errors(bucket, key):
            if start == 0 and end is None:
                response = self.client.get_object(Bucket=bucket, Key=key)
            else:
                response = self.client.get_object(Bucket=bucket, Key=key, Range=byte_range)
        return self._stream(response["Body"], chunk_size, bucket, key)

    def _stream(self, body: Any, chunk_size: int, bucket: str, key: str) -> Iterator[bytes]:
        with contextlib.closing(body), self._errors(bucket, key):
            yield from body.iter_chunks(chunk_size)

    def list_objects(
        self, bucket: str, prefix: str = "", *, delimiter: str | None = None, page_size: int | None = None
    ) -> ObjectListing:
        """Objects under ``prefix``, fetched ``page_size`` at a time (the service default if None)."""
        check_page_size(page_size)
        check_names(bucket)
        if delimiter == "":
            raise InvalidArgumentError("delimiter must be None or a non-empty string", bucket=bucket)
        args: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
        if delimiter:
            args["Delimiter"] = delimiter

        def pages() -> Iterator[tuple[list[ObjectInfo], list[str]]]:
            paginator = self.client.get_paginator("list_objects_v2")
            with self._errors(bucket):
                config: PaginatorConfigTypeDef = {"PageSize": page_size} if page_size else {}
                for page in paginator.paginate(**args, PaginationConfig=config):
                    objects = [
                        ObjectInfo(
                            bucket=bucket,
                            key=item["Key"],
                            size=item["Size"],
                            etag=item.get("ETag", "").strip('"') or None,
                            last_modified=item.get("LastModified"),
                        )
                        for item in page.get("Contents", [])
                    ]
                    yield objects, [p["Prefix"] for p in page.get("CommonPrefixes", [])]

        return ObjectListing(pages())

    def stat(self, bucket: str, key: str) -> ObjectInfo:
        check_names(bucket, key)
        with self._errors(bucket, key):
            head = self.client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        return _info(bucket, key, head, (self._chunk_size, 8 * 1024 * 1024))

    def delete(self, bucket: str, key: str) -> None:
        """Delete an object; one already gone is not an error (S3 answers 204 either way)."""
        check_names(bucket, key)
        with self._errors(bucket, key):
            self.client.delete_object(Bucket=bucket, Key=key)

    def delete_many(self, bucket: str, keys: Iterable[str]) -> None:
        """Delete keys 1,000 per request (S3's DeleteObjects limit); missing keys are fine."""
        check_names(bucket)
        batch: list[str] = []
        for key in keys:
            check_names(bucket, key)
            batch.append(key)
            if len(batch) == 1000:
                self._delete_batch(bucket, batch)
                batch = []
        if batch:
            self._delete_batch(bucket, batch)

    def _delete_batch(self, bucket: str, keys: list[str]) -> None:
        with self._errors(bucket):
            response = self.client.delete_objects(
                Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True}
            )
        errors = [e for e in response.get("Errors", []) if e.get("Code") != "NoSuchKey"]
        if errors:
            first = errors[0]
            raise StorageError(
                f"{len(errors)} of {len(keys)} deletes failed; first: {first.get('Key')}: {first.get('Message')}",
                bucket=bucket,
                key=first.get("Key"),
            )

    def copy(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str) -> ObjectInfo:
        """Server-side copy (multipart for large objects); metadata is kept."""
        check_names(src_bucket, src_key)
        check_names(dst_bucket, dst_key)
        with self._errors(src_bucket, src_key):
            self.client.copy({"Bucket": src_bucket, "Key": src_key}, dst_bucket, dst_key, Config=self._transfer)
        return self.stat(dst_bucket, dst_key)

    def signed_url(self, bucket: str, key: str, *, expires_in: int = 3600, method: str = "GET") -> str:
        """A presigned URL for GET or PUT of one object, valid ``expires_in`` seconds."""
        check_names(bucket, key)
        operations = {"GET": "get_object", "PUT": "put_object"}
        if method.upper() not in operations:
            raise InvalidArgumentError(f"signed URLs support GET and PUT, not {method}", bucket=bucket, key=key)
        with self._errors(bucket, key):
            url: str = self.client.generate_presigned_url(
                operations[method.upper()], Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_in
            )
        return url


def _code(exc: BaseException | None) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _translate(exc: Exception, bucket: str | None, key: str | None) -> StorageError:
    code = _code(exc)
    where = f"{bucket}/{key}" if key else f"{bucket}"
    message = f"S3 {code or 'error'} for {where}: {exc}"
    if code == "NoSuchBucket":
        return BucketNotFoundError(message, bucket=bucket, key=key)
    if code in _NOT_FOUND:
        return ObjectNotFoundError(message, bucket=bucket, key=key)
    if code in _PERMISSION:
        return StoragePermissionError(message, bucket=bucket, key=key)
    if code in _PRECONDITION:
        return PreconditionFailedError(message, bucket=bucket, key=key)
    if code == "BucketNotEmpty":
        return BucketNotEmptyError(message, bucket=bucket, key=key)
    if code in ("BadDigest", "InvalidDigest", "XAmzContentChecksumMismatch"):
        return IntegrityError(message, bucket=bucket, key=key)
    if code in ("InvalidBucketName", "KeyTooLongError", "InvalidArgument", "InvalidRange"):
        return InvalidArgumentError(message, bucket=bucket, key=key)
    return StorageError(message, bucket=bucket, key=key)


def _info(bucket: str, key: str, head: HeadObjectOutputTypeDef, part_sizes: tuple[int, ...] = ()) -> ObjectInfo:
    etag = head.get("ETag", "").strip('"') or None
    checksums: dict[str, str] = {}
    if etag and "-" not in etag and not head.get("SSEKMSKeyId") and len(etag) == 32:
        checksums["md5"] = etag  # a single-part, non-KMS object's ETag is its MD5
    crc = head.get("ChecksumCRC32")
    single_part = etag is not None and "-" not in etag
    # A multipart object's CRC32 is by default COMPOSITE (a checksum of part checksums), which
    # no whole-file CRC can be compared with; trust it only when S3 says it is FULL_OBJECT,
    # or when the object is single-part (some S3-compatible services omit ChecksumType).
    if crc and "-" not in crc and (head.get("ChecksumType") == "FULL_OBJECT" or single_part):
        checksums["crc32"] = base64.b64decode(crc).hex()
    if etag and "-" in etag and not head.get("SSEKMSKeyId"):
        # A multipart ETag is verifiable when we can tell the part size: the ones s3transfer
        # uses by default or as configured here, checked against the part count.
        parts = int(etag.rsplit("-", 1)[1])
        size = head["ContentLength"]
        for part_size in part_sizes:
            if part_size > 0 and -(-size // part_size) == parts:
                checksums[f"s3-etag:{part_size}"] = etag
                break
    return ObjectInfo(
        bucket=bucket,
        key=key,
        size=head["ContentLength"],
        etag=etag,
        last_modified=head.get("LastModified"),
        content_type=head.get("ContentType"),
        metadata=dict(head.get("Metadata", {})),
        checksums=checksums,
    )
