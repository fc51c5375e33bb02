"""``S3Client``: the object-store contract on Amazon S3 and S3-compatible services (boto3).

Configuration follows boto3's own chain: credentials and region from arguments, a named
``profile``, the environment (``AWS_ACCESS_KEY_ID``, ``AWS_REGION``, ``AWS_ENDPOINT_URL`` ...)
or instance roles. ``endpoint_url`` points it at any S3-compatible service;
``anonymous=True`` reads public buckets without credentials.

- Requests: SigV4 always (also for signed URLs); ``timeout`` seconds per request (connect
  and read); ``retry`` (:class:`RetryPolicy`) replaces botocore's retry handler, keeping
  botocore's ``standard``-mode conditions; the operation ``deadline`` caps every request's
  read timeout at the time left (botocore's per-request ``read_timeout``) and refuses to
  start one after it.
- Small objects: an upload is one ``PutObject`` (``Content-MD5`` checked by S3) and a
  download one ``GetObject``; size, etag and checksums come from those responses.
- Large objects: uploads are multipart, ``max_concurrency`` parts in flight (a file's parts
  are read with ``pread``, so memory stays at a few buffers); every part carries its CRC32
  and the completion the whole object's, combined from the parts' (``FULL_OBJECT``), or,
  where the service does not check CRC32s, every part carries its MD5;
  downloads above ``multipart_threshold`` into a file fetch the rest of the object as
  parallel ranged GETs pinned to the first response's etag (or version), written in place
  and verified part by part as they arrive (:mod:`codomyrmex_cloud.storage.ranged`).
- Integrity: downloads are checked against the size and the MD5 ETag, S3's full-object
  CRC32, or the multipart ETag when the part size is known.
- One boto3 client is shared by every thread; it is rebuilt after ``fork`` and, when the
  client is pickled, in the receiving process (credentials are never pickled: they are
  re-resolved there by boto3's chain). ``close()`` (or leaving a ``with`` block) releases
  its pooled connections.
- The secret key and session token it is given or resolves are registered with the log
  redaction (:mod:`codomyrmex_cloud.log_redaction`), which the constructor installs.
"""

from __future__ import annotations

import base64
import concurrent.futures
import email.utils
import hashlib
import math
import os
import urllib.parse
import zlib
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from codomyrmex_cloud.storage import crc, ranged
from codomyrmex_cloud.storage import deadline as deadlines
from codomyrmex_cloud.storage import validation as v
from codomyrmex_cloud.storage.base import BaseStore
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
from codomyrmex_cloud.storage.retry import RetryPolicy, check_retry
from codomyrmex_cloud.storage.secrets import protect
from codomyrmex_cloud.storage.transfer import DownloadSink, FileSlice, Progress, UploadSource, read_full
from codomyrmex_cloud.storage.types import (
    CHUNK_SIZE,
    REQUEST_TIMEOUT,
    BucketInfo,
    CustomerKey,
    Encryption,
    KmsKey,
    ManagedKey,
    ObjectInfo,
    ObjectVersion,
    Page,
    PathLike,
    SignedMethod,
)
from codomyrmex_cloud.storage.writer import ObjectWriter

# The SDK's types, imported here (the client imports boto3 anyway) so that the public
# annotations resolve at runtime (typing.get_type_hints). This module loads on first use of
# S3Client; without the s3 extra it still imports, and S3Client() names the extra.
try:
    from botocore.config import Config
    from mypy_boto3_s3.client import S3Client as Boto3S3Client
except ImportError:  # pragma: no cover - only without the s3 extra
    pass
if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import PaginatorConfigTypeDef  # local variables only

_NOT_FOUND = {"NoSuchKey", "404", "NotFound", "NoSuchVersion"}
_PERMISSION = {
    "AccessDenied",
    "403",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "AllAccessDisabled",
    "InvalidToken",
}
_PRECONDITION = {"PreconditionFailed", "412", "ConditionalRequestConflict"}
_INTEGRITY = {"BadDigest", "InvalidDigest", "XAmzContentChecksumMismatch", "InvalidChecksum"}
_INVALID = {
    "InvalidBucketName",
    "KeyTooLongError",
    "InvalidArgument",
    "InvalidRequest",
    "InvalidStorageClass",
    "InvalidTag",
}
_MAX_COPY = 5 * 1024**3  # CopyObject's limit; above it, a multipart copy
_MAX_PARTS = 10_000
_READ_PIECE = 1024 * 1024  # bytes per read of a response body


def _import_boto3() -> Any:
    try:
        import boto3
    except ImportError as exc:
        raise ImportError("S3Client needs boto3: pip install 'codomyrmex-cloud[s3]'") from exc
    return boto3


def _code(exc: BaseException | None) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None) or {}
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return int(status) if status is not None else None


def map_error(exc: BaseException, bucket: str | None, key: str | None) -> StorageError | None:
    """botocore/s3transfer/boto3 exceptions as StorageErrors (the one mapping for S3)."""
    from botocore import exceptions as bex

    where = f"{bucket}/{key}" if key else bucket or "the request"
    if isinstance(exc, bex.ClientError):
        code = _code(exc)
        status = _status(exc)
        message = f"S3 {code or status or 'error'} for {where}: {exc}"
        # Not found says so in our words: botocore's text for a HEAD is a bare "(404) Not Found".
        if code == "NoSuchBucket":
            return BucketNotFoundError(f"bucket {bucket!r} does not exist (S3 {code})", bucket=bucket, key=key)
        if code in _NOT_FOUND:
            return ObjectNotFoundError(f"{where} does not exist (S3 {code})", bucket=bucket, key=key)
        if code in _PERMISSION:
            return StoragePermissionError(message, bucket=bucket, key=key)
        if code in _PRECONDITION:
            return PreconditionFailedError(message, bucket=bucket, key=key)
        if code == "BucketNotEmpty":
            return BucketNotEmptyError(message, bucket=bucket, key=key)
        if code in _INTEGRITY:
            return IntegrityError(message, bucket=bucket, key=key)
        if code in _INVALID or code == "InvalidRange":
            return InvalidArgumentError(message, bucket=bucket, key=key)
        if code in ("RequestTimeout", "RequestTimeTooSkewed") or status == 408:
            return StorageTimeoutError(message, bucket=bucket, key=key)
        if status is not None and status >= 500:
            return StorageConnectionError(
                f"S3 answered {status} for {where} (after retries): {exc}", bucket=bucket, key=key
            )
        return StorageError(message, bucket=bucket, key=key)
    if isinstance(exc, bex.ConnectTimeoutError | bex.ReadTimeoutError | TimeoutError):
        return StorageTimeoutError(f"S3 did not answer in time for {where}: {exc}", bucket=bucket, key=key)
    if isinstance(exc, bex.FlexibleChecksumError):
        return IntegrityError(f"S3 checksum mismatch for {where}: {exc}", bucket=bucket, key=key)
    if isinstance(exc, bex.NoCredentialsError | bex.PartialCredentialsError | bex.NoAuthTokenError):
        return StoragePermissionError(f"no usable AWS credentials: {exc}", bucket=bucket, key=key)
    if isinstance(exc, bex.ParamValidationError):
        return InvalidArgumentError(str(exc), bucket=bucket, key=key)
    if isinstance(
        exc,
        bex.EndpointConnectionError
        | bex.ConnectionClosedError
        | bex.ConnectionError
        | bex.HTTPClientError
        | bex.ResponseStreamingError
        | bex.IncompleteReadError
        | ConnectionError,
    ):
        return StorageConnectionError(f"cannot reach S3 for {where}: {exc}", bucket=bucket, key=key)
    last = getattr(exc, "last_exception", None)  # s3transfer's RetriesExceededError
    if isinstance(last, BaseException):
        return map_error(last, bucket, key) or StorageConnectionError(
            f"S3 transfer failed for {where}: {exc}", bucket=bucket, key=key
        )
    if type(exc).__module__.startswith(("boto3", "s3transfer", "botocore")):
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, BaseException) and cause is not exc:
            mapped = map_error(cause, bucket, key)
            if mapped is not None:
                return mapped
        return StorageError(f"S3 transfer failed for {where}: {exc}", bucket=bucket, key=key)
    return None


class _RetryHandler:
    """botocore's ``needs-retry`` hook with our policy: botocore's ``standard`` conditions
    decide *whether*, :class:`RetryPolicy` decides *how often and how long*, and the
    operation deadline vetoes a retry whose backoff would cross it."""

    def __init__(self, policy: RetryPolicy) -> None:
        from botocore.retries import standard

        self._policy = policy
        self._conditions = standard.StandardRetryConditions(max_attempts=policy.max_attempts)
        self._adapter = standard.RetryEventAdapter()

    def __call__(self, **kwargs: Any) -> float | None:
        context = self._adapter.create_retry_context(**kwargs)
        if not self._conditions.is_retryable(context):
            return None
        delay = self._policy.backoff(context.attempt_number - 1)
        left = deadlines.remaining()
        if left is not None and delay >= left:
            return None
        return delay


def _check_credentials(access_key_id: object, secret_access_key: object, session_token: object) -> None:
    """Explicit credentials: sent in headers and signatures, so printable ASCII without
    whitespace, and a key id only with its secret (else boto3 would silently fall back to
    whatever credentials its chain finds)."""
    v.check_secret(access_key_id, "access_key_id")
    v.check_secret(secret_access_key, "secret_access_key")
    v.check_secret(session_token, "session_token")
    if (access_key_id is None) != (secret_access_key is None):
        missing = "secret_access_key" if secret_access_key is None else "access_key_id"
        raise InvalidArgumentError(
            f"{missing}: access_key_id and secret_access_key are given together", argument=missing
        )
    if session_token is not None and access_key_id is None:
        raise InvalidArgumentError(
            "session_token: a session token needs access_key_id and secret_access_key", argument="session_token"
        )


class S3Client(BaseStore):
    """Amazon S3 (or an S3-compatible service) behind the shared storage contract.

    Args:
        region: AWS region; defaults to boto3's chain (``AWS_REGION``, profile, ...).
        endpoint_url: An S3-compatible endpoint; defaults to ``AWS_ENDPOINT_URL`` or AWS.
        profile: A named profile from the AWS config files.
        access_key_id: Explicit credentials (else boto3's credential chain).
        secret_access_key: Explicit credentials.
        session_token: Explicit temporary credentials.
        anonymous: Send unsigned requests (public buckets); no credentials are looked up.
        timeout: Seconds per request, for connecting and for each read.
        retry: A ``StorageRetryPolicy`` (default ``StorageRetryPolicy()``); anything else is refused.
        deadline: Default seconds per operation (None: bounded by ``timeout`` and ``retry``).
        multipart_threshold: Objects larger than this use multipart transfers.
        chunk_size: Part size of multipart transfers, and of streamed reads.
        max_concurrency: Parts in flight per transfer.
        proxies: Proxy URLs by scheme (``{"https": "http://proxy:3128"}``).
        ca_bundle: A CA bundle file to verify TLS with (``False`` disables verification).
        botocore_config: A ``botocore.config.Config`` for everything else (addressing style,
            user agent, client certificates, ...). Signature version, retries and timeouts
            come from this client's own arguments.

    Raises:
        ImportError: boto3 is not installed (``pip install 'codomyrmex-cloud[s3]'``).
    """

    _rules = v.S3
    _map_error = staticmethod(map_error)
    _min_part_size = 5 * 1024 * 1024

    def __init__(
        self,
        region: str | None = None,
        *,
        endpoint_url: str | None = None,
        profile: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        session_token: str | None = None,
        anonymous: bool = False,
        timeout: float = REQUEST_TIMEOUT,
        retry: RetryPolicy | None = None,
        deadline: float | None = None,
        multipart_threshold: int = CHUNK_SIZE,
        chunk_size: int = CHUNK_SIZE,
        max_concurrency: int = 8,
        proxies: Mapping[str, str] | None = None,
        ca_bundle: PathLike | bool | None = None,
        botocore_config: Config | None = None,
    ) -> None:
        _import_boto3()
        _check_credentials(access_key_id, secret_access_key, session_token)
        self._settings: dict[str, Any] = {
            # botocore's own region pattern, checked here so a bad one is refused by name.
            "region": v.check_word(region, "region", r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"),
            "endpoint_url": v.check_endpoint(endpoint_url, "endpoint_url"),
            "profile": v.check_word(profile, "profile", r"[^\s\[\]]+"),
            "anonymous": v.check_flag(anonymous, "anonymous"),
            "timeout": v.check_seconds(timeout, "timeout", allow_none=False),
            "retry": check_retry(retry),
            "deadline": v.check_seconds(deadline, "deadline"),
            "multipart_threshold": v.check_positive_int(multipart_threshold, "multipart_threshold"),
            "chunk_size": v.check_positive_int(chunk_size, "chunk_size"),
            "max_concurrency": v.check_positive_int(max_concurrency, "max_concurrency"),
            "proxies": v.check_proxies(proxies),
            "ca_bundle": str(ca_bundle) if isinstance(ca_bundle, str | os.PathLike) else ca_bundle,
            "botocore_config": botocore_config,
        }
        if self._settings["chunk_size"] < self._min_part_size:
            raise InvalidArgumentError("chunk_size: S3 parts are at least 5 MiB", argument="chunk_size")
        # Explicit credentials live only here: never pickled, never shown.
        self._secrets = {
            "aws_access_key_id": access_key_id,
            "aws_secret_access_key": secret_access_key,
            "aws_session_token": session_token,
        }
        self._configure()
        self._build()

    def _configure(self) -> None:
        s = self._settings
        self._timeout: float = s["timeout"]
        self._retry: RetryPolicy = s["retry"]
        self._default_deadline = s["deadline"]
        self._threshold: int = s["multipart_threshold"]
        self._chunk_size: int = s["chunk_size"]
        self._part_size = self._chunk_size
        self._max_concurrency: int = s["max_concurrency"]
        # Whether the service checks the CRC32 a part carries: None until an upload finds out.
        self._part_checksums: bool | None = None
        self._pid = -1

    def _build(self) -> None:
        boto3 = _import_boto3()
        import botocore
        import botocore.session
        from botocore.config import Config

        s = self._settings
        # Before the SDK logs anything: redaction installed, the given secrets registered.
        protect(self._secrets.get("aws_secret_access_key"), self._secrets.get("aws_session_token"))
        core = botocore.session.get_session()
        # ISO 8601 (listing bodies) and HTTP dates (headers) parsed by the standard library:
        # botocore's default goes through dateutil, 25-35 us per timestamp, which was half of
        # a listing's time.
        core.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=_parse_timestamp)
        session = boto3.session.Session(
            botocore_session=core, profile_name=s["profile"], region_name=s["region"], **self._secrets
        )
        ours = Config(
            signature_version=botocore.UNSIGNED if s["anonymous"] else "s3v4",
            retries={"mode": "standard", "max_attempts": self._retry.max_attempts},
            connect_timeout=self._timeout,
            read_timeout=self._timeout,
            max_pool_connections=max(10, self._max_concurrency * 2),
            # Compute and send checksums only where the operation requires them or we ask,
            # so S3-compatible services that lack the newer checksum headers keep working.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            proxies=s["proxies"],
        )
        config = s["botocore_config"].merge(ours) if s["botocore_config"] is not None else ours
        kwargs: dict[str, Any] = {"endpoint_url": s["endpoint_url"], "config": config}
        if s["ca_bundle"] is not None:
            kwargs["verify"] = s["ca_bundle"]
        client: Boto3S3Client = session.client("s3", **kwargs)
        resolved = session.get_credentials()  # already resolved by session.client: no lookup
        protect(getattr(resolved, "secret_key", None), getattr(resolved, "token", None))
        events = client.meta.events
        events.unregister("needs-retry.s3", unique_id="retry-config-s3")
        retry_handler: Any = _RetryHandler(self._retry)
        events.register("needs-retry.s3", retry_handler, unique_id="retry-config-s3")
        events.register("before-send.s3", self._before_send, unique_id="codomyrmex-deadline")
        self._client = client
        self.region: str | None = session.region_name
        self._pid = os.getpid()

    @property
    def client(self) -> Boto3S3Client:
        """The boto3 S3 client (rebuilt in a forked or unpickling process)."""
        if self._pid != os.getpid():
            self._build()
        return self._client

    def _close(self) -> None:
        if self._pid == os.getpid():  # after fork, the connections are the parent's
            self._client.close()

    def _before_send(self, request: Any, event_name: str = "", **kwargs: Any) -> None:
        left = deadlines.remaining()
        if left is None:
            return
        if left <= 0:
            raise deadlines.expired_error(f"S3 {event_name.rsplit('.', 1)[-1]}")
        request.context["read_timeout"] = min(self._timeout, left)

    def __repr__(self) -> str:
        return f"S3Client(region={self.region!r}, endpoint={self._settings['endpoint_url']!r})"

    def __getstate__(self) -> dict[str, Any]:
        return {"settings": self._settings}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._settings = state["settings"]
        self._secrets = {}  # re-resolved by boto3's chain in this process
        self._configure()
        self._build()

    # Request arguments ------------------------------------------------------------------

    @staticmethod
    def _write_args(opts: v.WriteOptions) -> dict[str, Any]:
        args: dict[str, Any] = {"ContentType": opts.content_type}
        if opts.metadata:
            args["Metadata"] = dict(opts.metadata)
        if opts.cache_control:
            args["CacheControl"] = opts.cache_control
        if opts.content_encoding:
            args["ContentEncoding"] = opts.content_encoding
        if opts.content_disposition:
            args["ContentDisposition"] = opts.content_disposition
        if opts.storage_class:
            args["StorageClass"] = opts.storage_class
        if opts.tags:
            args["Tagging"] = urllib.parse.urlencode(dict(opts.tags))
        args.update(_encryption_args(opts.encryption))
        return args

    @staticmethod
    def _read_args(bucket: str, key: str, opts: v.ReadOptions) -> dict[str, Any]:
        args: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if opts.version_id:
            args["VersionId"] = opts.version_id
        if opts.if_match:
            args["IfMatch"] = f'"{opts.if_match}"'
        if opts.customer_key is not None:
            args.update(_customer_key_args(opts.customer_key))
        return args

    @staticmethod
    def _conditions(opts: v.WriteOptions) -> dict[str, Any]:
        if opts.if_match:
            return {"IfMatch": f'"{opts.if_match}"'}
        if opts.create_only:
            return {"IfNoneMatch": "*"}
        return {}

    # Buckets ----------------------------------------------------------------------------

    def _create_bucket(self, bucket: str) -> None:
        args: dict[str, Any] = {"Bucket": bucket}
        if self.region and self.region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            self.client.create_bucket(**args)
        except Exception as exc:
            code = _code(exc)
            if code == "BucketAlreadyOwnedByYou":
                return
            if code == "BucketAlreadyExists" and self._bucket_exists(bucket):
                return  # some services answer so for a bucket you own
            raise

    def _delete_bucket(self, bucket: str, force: bool) -> None:
        if force:
            try:
                self._delete_everything(bucket)
            except BucketNotFoundError:
                return
        else:
            # Asked first: some S3-compatible servers (SeaweedFS) delete a non-empty bucket.
            try:
                listing = self.client.list_objects_v2(Bucket=bucket, MaxKeys=1)
            except Exception as exc:
                if _code(exc) == "NoSuchBucket":
                    return
                raise
            if listing.get("KeyCount", len(listing.get("Contents", []))):
                raise BucketNotEmptyError(f"bucket {bucket!r} is not empty", bucket=bucket)
        try:
            self.client.delete_bucket(Bucket=bucket)
        except Exception as exc:
            if _code(exc) == "NoSuchBucket":
                return
            raise

    def _delete_everything(self, bucket: str) -> None:
        """Every object and, in a versioned bucket, every version and delete marker."""
        with self._errors(bucket):
            batch: list[dict[str, str]] = []
            for objects, _ in self._list_versions(bucket, "", None):
                for version in objects:
                    item = {"Key": version.key}
                    if version.version_id and version.version_id != "null":
                        item["VersionId"] = version.version_id
                    batch.append(item)
                    if len(batch) == 1000:
                        self._delete_batch(bucket, batch)
                        batch = []
            if batch:
                self._delete_batch(bucket, batch)

    def _bucket_exists(self, bucket: str) -> bool:
        try:
            self.client.head_bucket(Bucket=bucket)
        except Exception as exc:
            if _code(exc) in ("404", "NoSuchBucket", "NotFound"):
                return False
            raise
        return True

    def _list_buckets(self, prefix: str) -> list[BucketInfo]:
        response = self.client.list_buckets()
        return [
            BucketInfo(b["Name"], b.get("CreationDate"))
            for b in response.get("Buckets", [])
            if b["Name"].startswith(prefix)
        ]

    # Writes -----------------------------------------------------------------------------

    def _put(self, bucket: str, key: str, source: UploadSource, opts: v.WriteOptions, progress: Progress) -> ObjectInfo:
        if source.size is not None and source.size <= self._threshold:
            body = source.data if source.data is not None else read_full(source.stream, source.size)
            info = self._put_object(bucket, key, body, opts)
            progress.add(len(body))
            return info
        if source.path is not None and source.size is not None:
            return self._put_file(bucket, key, source, opts, progress)
        # A stream of unknown or large size: sequential parts, one in memory at a time.
        writer = ObjectWriter(
            _S3Write(self, bucket, key, opts, self._chunk_size),
            self._chunk_size,
            errors=lambda: self._errors(bucket, key),
            progress=lambda done, _total: progress.add(done - progress.done),
        )
        with writer:
            while chunk := read_full(source.stream, self._chunk_size):
                writer.write(chunk)
        assert writer.info is not None
        return writer.info

    def _put_object(self, bucket: str, key: str, body: bytes, opts: v.WriteOptions) -> ObjectInfo:
        md5 = hashlib.md5(body, usedforsecurity=False)
        response = self.client.put_object(
            Bucket=bucket,
            Key=key,
            Body=body,
            ContentMD5=base64.b64encode(md5.digest()).decode(),
            **self._write_args(opts),
            **self._conditions(opts),
        )
        etag = response.get("ETag", "").strip('"') or None
        plain = opts.encryption is None or isinstance(opts.encryption, ManagedKey)
        return self._written(bucket, key, len(body), etag, response, opts, {"md5": md5.hexdigest()} if plain else {})

    def _written(
        self,
        bucket: str,
        key: str,
        size: int,
        etag: str | None,
        response: Mapping[str, Any],
        opts: v.WriteOptions,
        checksums: Mapping[str, str],
    ) -> ObjectInfo:
        headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        return ObjectInfo(
            bucket=bucket,
            key=key,
            size=size,
            etag=etag,
            last_modified=_date(headers.get("date")),
            content_type=opts.content_type,
            metadata=dict(opts.metadata),
            checksums=dict(checksums),
            version_id=response.get("VersionId"),
            storage_class=opts.storage_class or "STANDARD",
            cache_control=opts.cache_control,
            content_encoding=opts.content_encoding,
            content_disposition=opts.content_disposition,
        )

    def _put_file(
        self, bucket: str, key: str, source: UploadSource, opts: v.WriteOptions, progress: Progress
    ) -> ObjectInfo:
        size = source.size or 0
        part_size = max(self._chunk_size, math.ceil(size / _MAX_PARTS))
        target = _S3Write(self, bucket, key, opts, part_size)
        fd = source.stream.fileno()
        offsets = list(range(0, size, part_size))
        try:
            target.start()
            with deadlines.ContextThreadPool(self._max_concurrency) as pool:
                futures = [
                    pool.submit(
                        target.send_slice, n + 1, FileSlice(fd, offset, min(part_size, size - offset)), progress
                    )
                    for n, offset in enumerate(offsets)
                ]
                try:
                    for future in concurrent.futures.as_completed(futures):
                        future.result()
                except BaseException:
                    for future in futures:
                        future.cancel()
                    raise
            return target.complete(size)
        except BaseException:
            target.abort()
            raise

    def _writer(self, bucket: str, key: str, opts: v.WriteOptions, part_size: int) -> _S3Write:
        return _S3Write(self, bucket, key, opts, part_size)

    # Reads ------------------------------------------------------------------------------

    def _get(self, bucket: str, key: str, sink: DownloadSink, opts: v.ReadOptions) -> None:
        attempt = 0
        while True:
            response = self.client.get_object(**self._read_args(bucket, key, opts), ChecksumMode="ENABLED")
            info = self._info(bucket, key, response)
            sink.begin(info)
            body = response["Body"]
            try:
                parallel = sink.can_write_at and info.size > self._threshold and self._max_concurrency > 1
                if not parallel:
                    for chunk in body.iter_chunks(_READ_PIECE):
                        sink.write(chunk)
                    return
                self._get_parallel(bucket, key, info, body, sink, opts)
                return
            except Exception as exc:
                if not isinstance(map_error(exc, bucket, key), PreconditionFailedError) or opts.if_match:
                    raise
                self._restart_or_raise(attempt, bucket, key, exc)
                attempt += 1
            finally:
                body.close()

    def _get_parallel(
        self, bucket: str, key: str, info: ObjectInfo, body: Any, sink: DownloadSink, opts: v.ReadOptions
    ) -> None:
        """Part 1 from the response already open; the rest as ranged GETs pinned to its
        version (or etag), written in place and verified as they arrive (see ``ranged``)."""
        assert sink.info is not None
        pinned = self._read_args(
            bucket,
            key,
            v.ReadOptions(
                version_id=info.version_id or opts.version_id,
                if_match=None if info.version_id else info.etag,
                customer_key=opts.customer_key,
            ),
        )

        def fetch(start: int, end: int) -> Iterator[bytes]:
            response = self.client.get_object(**pinned, Range=f"bytes={start}-{end - 1}")
            return _body_chunks(response["Body"])

        ranged.download_parts(
            sink,
            fetch,
            part_size=ranged.part_size_for(dict(sink.info.checksums), self._chunk_size),
            concurrency=self._max_concurrency,
            first=_body_chunks(body),
        )

    def _open(
        self, bucket: str, key: str, start: int, end: int | None, opts: v.ReadOptions
    ) -> tuple[ObjectInfo | None, Iterator[bytes]]:
        args = self._read_args(bucket, key, opts)
        if start == 0 and end is None:
            args["ChecksumMode"] = "ENABLED"
        else:
            args["Range"] = f"bytes={start}-{'' if end is None else end - 1}"
        try:
            response = self.client.get_object(**args)
        except Exception as exc:
            if _code(exc) == "InvalidRange":
                return None, iter(())  # start is past the end: like data[start:end]
            raise
        return self._info(bucket, key, response), _body_chunks(response["Body"])

    def _stat(self, bucket: str, key: str, opts: v.ReadOptions, *, argument: str = "customer_key") -> ObjectInfo:
        try:
            head = self.client.head_object(**self._read_args(bucket, key, opts), ChecksumMode="ENABLED")
        except Exception as exc:
            # HEAD has no body, so a missing bucket and a missing key are both a bare 404.
            if _code(exc) in ("404", "NotFound") and not self._bucket_exists(bucket):
                raise BucketNotFoundError(f"S3: bucket {bucket!r} does not exist", bucket=bucket, key=key) from exc
            if _code(exc) == "400" and not opts.version_id:
                # ... and a bare 400 is what S3 answers a HEAD of an SSE-C object without its
                # key (or with a malformed one): without a version id, the one argument of a
                # HEAD it can be about.
                given = "the key given" if opts.customer_key is not None else "no key"
                raise InvalidArgumentError(
                    f"{argument}: S3 refused to describe {bucket}/{key} with {given} (400); an object written"
                    " with a CustomerKey is read with that key",
                    argument=argument,
                    bucket=bucket,
                    key=key,
                ) from exc
            raise
        return self._info(bucket, key, head)

    def _info(self, bucket: str, key: str, head: Mapping[str, Any]) -> ObjectInfo:
        return _info(bucket, key, head, (self._chunk_size, 8 * 1024 * 1024))

    # Deletes and copies -----------------------------------------------------------------

    def _delete(self, bucket: str, key: str, version_id: str | None) -> None:
        args: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if version_id:
            args["VersionId"] = version_id
        try:
            self.client.delete_object(**args)
        except Exception as exc:
            if _code(exc) != "NoSuchBucket":
                raise

    def _delete_keys(self, bucket: str, keys: list[str]) -> None:
        """1,000 keys per DeleteObjects request (S3's limit)."""
        for start in range(0, len(keys), 1000):
            try:
                self._delete_batch(bucket, [{"Key": k} for k in keys[start : start + 1000]])
            except Exception as exc:
                if _code(exc) == "NoSuchBucket":
                    return
                raise

    def _delete_batch(self, bucket: str, items: list[dict[str, str]]) -> None:
        response = self.client.delete_objects(Bucket=bucket, Delete={"Objects": items, "Quiet": True})  # type: ignore[typeddict-item]
        errors = [e for e in response.get("Errors", []) if e.get("Code") != "NoSuchKey"]
        if errors:
            first = errors[0]
            raise StorageError(
                f"{len(errors)} of {len(items)} deletes failed; first: {first.get('Key')}: {first.get('Message')}",
                bucket=bucket,
                key=first.get("Key"),
            )

    def _copy(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str, opts: v.CopyOptions) -> ObjectInfo:
        version_id = opts.source.version_id
        source = self._stat(src_bucket, src_key, opts.source, argument="source_customer_key")
        copy_source: dict[str, str] = {"Bucket": src_bucket, "Key": src_key}
        if version_id:
            copy_source["VersionId"] = version_id
        # S3 encrypts a copy as the request says (else by the bucket's default), never as
        # the source was: the destination's is stated here, the source's key as CopySource*.
        extra = _encryption_args(opts.encryption)
        if opts.source.customer_key is not None:
            extra.update(_customer_key_args(opts.source.customer_key, prefix="CopySourceSSECustomer"))
        written = v.ReadOptions(customer_key=opts.encryption if isinstance(opts.encryption, CustomerKey) else None)
        with self._errors(dst_bucket, dst_key):
            if source.size <= _MAX_COPY:
                # Not pinned to the stat'ed version (CopySourceIfMatch): S3 copies whichever
                # version is current, whole, and an overwrite in between must not fail the
                # copy (under steady overwrites a pinned copy failed again and again).
                response = self.client.copy_object(
                    CopySource=copy_source,  # type: ignore[arg-type]
                    Bucket=dst_bucket,
                    Key=dst_key,
                    **extra,
                )
                result = response.get("CopyObjectResult", {})
                etag = result.get("ETag", "").strip('"') or None
                if not version_id and (etag is None or etag != source.etag):
                    # Another version than the one stat'ed (or a multipart source, whose copy
                    # gets a new ETag): describe what was written from the copy itself.
                    return self._stat(dst_bucket, dst_key, written)
                # An SSE-KMS or SSE-C object's ETag is not its MD5, whatever the source's was.
                plain = opts.encryption is None or isinstance(opts.encryption, ManagedKey)
                checksums = {"md5": etag} if plain and etag and source.checksums.get("md5") == etag else {}
                return ObjectInfo(
                    bucket=dst_bucket,
                    key=dst_key,
                    size=source.size,
                    etag=etag,
                    last_modified=result.get("LastModified"),
                    content_type=source.content_type,
                    metadata=dict(source.metadata),
                    checksums=checksums,
                    version_id=response.get("VersionId"),
                    storage_class=source.storage_class,
                    cache_control=source.cache_control,
                    content_encoding=source.content_encoding,
                    content_disposition=source.content_disposition,
                )
            from boto3.s3.transfer import TransferConfig
            from s3transfer.manager import TransferManager

            config = TransferConfig(multipart_chunksize=self._chunk_size, max_concurrency=self._max_concurrency)
            with TransferManager(self.client, config, executor_cls=deadlines.ContextThreadPool) as manager:
                # s3transfer passes the CopySource* key on to its HeadObject of the source.
                manager.copy(copy_source, dst_bucket, dst_key, extra_args=extra).result()
            return self._stat(dst_bucket, dst_key, written)

    # Listings ---------------------------------------------------------------------------

    def _list(
        self, bucket: str, prefix: str, delimiter: str | None, page_size: int | None
    ) -> Iterator[Page[ObjectInfo]]:
        args: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
        if delimiter:
            args["Delimiter"] = delimiter
        config: PaginatorConfigTypeDef = {"PageSize": page_size} if page_size else {}
        for page in self.client.get_paginator("list_objects_v2").paginate(**args, PaginationConfig=config):
            objects = [
                ObjectInfo(
                    bucket=bucket,
                    key=item["Key"],
                    size=item["Size"],
                    etag=item.get("ETag", "").strip('"') or None,
                    last_modified=item.get("LastModified"),
                    storage_class=item.get("StorageClass"),
                )
                for item in page.get("Contents", [])
            ]
            yield objects, [p["Prefix"] for p in page.get("CommonPrefixes", [])]

    def _list_versions(self, bucket: str, prefix: str, page_size: int | None) -> Iterator[Page[ObjectVersion]]:
        config: PaginatorConfigTypeDef = {"PageSize": page_size} if page_size else {}
        for page in self.client.get_paginator("list_object_versions").paginate(
            Bucket=bucket, Prefix=prefix, PaginationConfig=config
        ):
            versions = [
                ObjectVersion(
                    bucket=bucket,
                    key=item["Key"],
                    size=item.get("Size", 0),
                    etag=item.get("ETag", "").strip('"') or None,
                    last_modified=item.get("LastModified"),
                    version_id=item.get("VersionId"),
                    storage_class=item.get("StorageClass"),
                    is_latest=bool(item.get("IsLatest")),
                )
                for item in page.get("Versions", [])
            ] + [
                ObjectVersion(
                    bucket=bucket,
                    key=item["Key"],
                    size=0,
                    last_modified=item.get("LastModified"),
                    version_id=item.get("VersionId"),
                    is_latest=bool(item.get("IsLatest")),
                    is_delete_marker=True,
                )
                for item in page.get("DeleteMarkers", [])
            ]
            # Key order, newest first within a key (latest, then by time).
            versions.sort(key=lambda o: (o.key, not o.is_latest, -(o.last_modified or _EPOCH).timestamp()))
            yield versions, []

    # Signed URLs and tags ---------------------------------------------------------------

    def signed_url(self, bucket: str, key: str, *, expires_in: int = 3600, method: SignedMethod = "GET") -> str:
        """A SigV4 presigned URL granting GET or PUT on one object for ``expires_in`` seconds.

        Raises:
            InvalidArgumentError: ``expires_in`` is not 1 second to 7 days (S3's maximum).
            UnsupportedOperationError: The client is anonymous (nothing to sign with).
        """
        bucket, key = self._names(bucket, key)
        seconds = v.check_expiry(expires_in)
        verb = v.check_method(method)
        if self._settings["anonymous"]:
            raise UnsupportedOperationError("an anonymous client cannot sign URLs", bucket=bucket, key=key)
        operation = {"GET": "get_object", "PUT": "put_object"}[verb]
        with self._operation(None, bucket, key):
            url: str = self.client.generate_presigned_url(
                operation, Params={"Bucket": bucket, "Key": key}, ExpiresIn=seconds
            )
        return url

    def get_tags(self, bucket: str, key: str, *, deadline: float | None = None) -> dict[str, str]:
        """The object's tags (one request)."""
        bucket, key = self._names(bucket, key)
        with self._operation(deadline, bucket, key):
            response = self.client.get_object_tagging(Bucket=bucket, Key=key)
        return {t["Key"]: t["Value"] for t in response.get("TagSet", [])}

    def set_tags(self, bucket: str, key: str, tags: Mapping[str, str], *, deadline: float | None = None) -> None:
        """Replace the object's tags (its bytes, etag and version stay the same)."""
        bucket, key = self._names(bucket, key)
        checked = v.check_tags(tags, self._rules)
        with self._operation(deadline, bucket, key):
            self.client.put_object_tagging(
                Bucket=bucket, Key=key, Tagging={"TagSet": [{"Key": k, "Value": val} for k, val in checked.items()]}
            )


class _S3Write:
    """One multipart upload (``open_write`` and large uploads); an abort removes every part.

    Each part carries its CRC32 (``x-amz-checksum-crc32``), which S3 checks, and the upload
    is declared ``FULL_OBJECT`` CRC32: the completion states the whole object's CRC32,
    combined from the parts' (S3 checks it too), so a download can verify the object with a
    checksum as cheap as its parts'. A service that does not answer with the part's CRC32 did
    not check it: that part is sent again with its ``Content-MD5`` (which every S3-compatible
    service checks), and the store sends MD5s from then on.
    """

    def __init__(self, store: S3Client, bucket: str, key: str, opts: v.WriteOptions, part_size: int) -> None:
        self._store = store
        self._bucket = bucket
        self._key = key
        self._opts = opts
        self._part_size = part_size
        self._upload_id: str | None = None
        self._parts: dict[int, str] = {}
        self._crcs: dict[int, tuple[int, int]] = {}
        self._full_crc = False  # the upload was declared FULL_OBJECT CRC32

    def start(self) -> None:
        args = self._store._write_args(self._opts)
        if self._store._part_checksums is not False:
            try:
                response = self._store.client.create_multipart_upload(
                    Bucket=self._bucket, Key=self._key, ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT", **args
                )
            except Exception as exc:
                if _code(exc) not in ("InvalidArgument", "InvalidRequest", "NotImplemented"):
                    raise
                self._store._part_checksums = False  # a service without flexible checksums
            else:
                self._upload_id = response["UploadId"]
                self._full_crc = True
                return
        response = self._store.client.create_multipart_upload(Bucket=self._bucket, Key=self._key, **args)
        self._upload_id = response["UploadId"]

    def _send(self, number: int, body: Any, length: int, crc: int, md5: Callable[[], bytes]) -> None:
        assert self._upload_id is not None
        args: dict[str, Any] = {
            "Bucket": self._bucket,
            "Key": self._key,
            "UploadId": self._upload_id,
            "PartNumber": number,
            "Body": body,
            "ContentLength": length,
        }
        if isinstance(self._opts.encryption, CustomerKey):
            args.update(_customer_key_args(self._opts.encryption))
        self._crcs[number] = (crc, length)
        if self._full_crc and self._store._part_checksums is not False:
            ours = _b64_crc(crc)
            response = self._store.client.upload_part(**args, ChecksumCRC32=ours)
            echoed = response.get("ChecksumCRC32")
            if echoed is not None:
                if echoed != ours:  # pragma: no cover - S3 refuses a mismatch itself (BadDigest)
                    raise IntegrityError(
                        f"S3 stored part {number} with CRC32 {echoed}, sent {ours}", bucket=self._bucket, key=self._key
                    )
                self._store._part_checksums = True
                self._parts[number] = response["ETag"]
                return
            self._store._part_checksums = False  # not checked: send it again, with its MD5
            if hasattr(body, "seek"):
                body.seek(0)
        response = self._store.client.upload_part(**args, ContentMD5=base64.b64encode(md5()).decode())
        self._parts[number] = response["ETag"]

    def send_slice(self, number: int, part: FileSlice, progress: Progress) -> None:
        self._send(number, part, len(part), part.crc32(), part.md5)
        progress.add(len(part))

    def complete(self, total: int) -> ObjectInfo:
        assert self._upload_id is not None
        parts = [{"ETag": etag, "PartNumber": n} for n, etag in sorted(self._parts.items())]
        full: dict[str, Any] = {}
        ours = None
        if self._full_crc:
            ours = _b64_crc(crc.combine_all(self._crcs[n] for n in sorted(self._crcs)))
            full = {"ChecksumCRC32": ours, "ChecksumType": "FULL_OBJECT"}
        response = self._store.client.complete_multipart_upload(
            Bucket=self._bucket,
            Key=self._key,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": parts},  # type: ignore[typeddict-item]
            **full,
            **self._store._conditions(self._opts),
        )
        self._upload_id = None
        etag = response.get("ETag", "").strip('"') or None
        checksums = (
            {f"s3-etag:{self._part_size}": etag} if etag and "-" in etag and self._opts.encryption is None else {}
        )
        stored = response.get("ChecksumCRC32")
        if stored is not None and ours is not None and "-" not in stored:
            if stored != ours:  # pragma: no cover - S3 refuses a mismatch itself (BadDigest)
                raise IntegrityError(
                    f"S3 stored CRC32 {stored}, the parts sent make {ours}", bucket=self._bucket, key=self._key
                )
            checksums["crc32"] = base64.b64decode(stored).hex()
        return self._store._written(self._bucket, self._key, total, etag, response, self._opts, checksums)

    # PartTarget -------------------------------------------------------------------------

    def put(self, data: bytes) -> ObjectInfo:
        return self._store._put_object(self._bucket, self._key, data, self._opts)

    def upload_part(self, number: int, data: bytes) -> None:
        if self._upload_id is None:
            self.start()
        self._send(number, data, len(data), zlib.crc32(data), lambda: hashlib.md5(data, usedforsecurity=False).digest())

    def finish(self, number: int, data: bytes, total: int) -> ObjectInfo:
        if data:
            self.upload_part(number, data)
        return self.complete(total)

    def abort(self) -> None:
        if self._upload_id is None:
            return
        upload_id, self._upload_id = self._upload_id, None
        with deadlines.suspended():
            self._store.client.abort_multipart_upload(Bucket=self._bucket, Key=self._key, UploadId=upload_id)


def _b64_crc(value: int) -> str:
    return base64.b64encode(value.to_bytes(4, "big")).decode()


def _customer_key_args(key: CustomerKey, prefix: str = "SSECustomer") -> dict[str, Any]:
    # botocore base64-encodes the key and adds its MD5 (SSECustomerKeyMD5, or
    # CopySourceSSECustomerKeyMD5) itself.
    return {f"{prefix}Algorithm": "AES256", f"{prefix}Key": key.key}


def _encryption_args(encryption: Encryption | None) -> dict[str, Any]:
    """The request parameters that write an object with ``encryption`` (none: the bucket's default)."""
    if isinstance(encryption, ManagedKey):
        return {"ServerSideEncryption": "AES256"}
    if isinstance(encryption, KmsKey):
        return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": encryption.key_id}
    if isinstance(encryption, CustomerKey):
        return _customer_key_args(encryption)
    return {}


def _body_chunks(body: Any) -> Iterator[bytes]:
    with body:
        yield from body.iter_chunks(_READ_PIECE)


_EPOCH = datetime(1970, 1, 1).astimezone()


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def _parse_timestamp(value: Any) -> datetime:
    """A timestamp in a botocore response: ISO 8601 or an HTTP date with the standard library,
    anything else (epoch seconds, unusual forms) with botocore's own parser."""
    if isinstance(value, str):
        parsed: datetime | None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = _date(value) if value.endswith(" GMT") else None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    from botocore.utils import parse_timestamp

    result: datetime = parse_timestamp(value)
    return result


def _info(bucket: str, key: str, head: Mapping[str, Any], part_sizes: tuple[int, ...] = ()) -> ObjectInfo:
    etag = head.get("ETag", "").strip('"') or None
    encrypted = bool(head.get("SSEKMSKeyId") or head.get("SSECustomerAlgorithm"))
    size = int(head["ContentLength"])
    content_range = head.get("ContentRange")
    if content_range and "/" in content_range and not content_range.endswith("/*"):
        size = int(content_range.rsplit("/", 1)[1])
    checksums: dict[str, str] = {}
    if etag and "-" not in etag and not encrypted and len(etag) == 32:
        checksums["md5"] = etag  # a single-part, unencrypted object's ETag is its MD5
    crc = head.get("ChecksumCRC32")
    single_part = etag is not None and "-" not in etag
    # A multipart object's CRC32 is by default COMPOSITE (a checksum of part checksums), which
    # no whole-file CRC can be compared with; trust it only when S3 says it is FULL_OBJECT,
    # or when the object is single-part (some S3-compatible services omit ChecksumType).
    if crc and "-" not in crc and not content_range and (head.get("ChecksumType") == "FULL_OBJECT" or single_part):
        checksums["crc32"] = base64.b64decode(crc).hex()
    if etag and "-" in etag and not encrypted:
        # A multipart ETag is verifiable when we can tell the part size: the ones used here
        # by default or as configured, checked against the part count.
        parts = int(etag.rsplit("-", 1)[1])
        for part_size in part_sizes:
            if part_size > 0 and -(-size // part_size) == parts:
                checksums[f"s3-etag:{part_size}"] = etag
                break
    return ObjectInfo(
        bucket=bucket,
        key=key,
        size=size,
        etag=etag,
        last_modified=head.get("LastModified"),
        content_type=head.get("ContentType"),
        metadata=dict(head.get("Metadata", {})),
        checksums=checksums,
        version_id=head.get("VersionId"),
        storage_class=head.get("StorageClass") or "STANDARD",
        cache_control=head.get("CacheControl"),
        content_encoding=head.get("ContentEncoding"),
        content_disposition=head.get("ContentDisposition"),
    )
