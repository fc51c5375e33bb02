"""``AzureBlobClient``: the object-store contract on Azure Blob Storage (azure-storage-blob).

Configuration: a ``connection_string`` (or ``AZURE_STORAGE_CONNECTION_STRING``), or an
``account_url`` with a ``credential`` (account key, SAS, or an azure-identity credential),
or an ``account_url`` alone for anonymous access to public containers. "Buckets" are
containers.

- Requests: ``timeout`` seconds per request (connect and read); ``retry``
  (:class:`RetryPolicy`) is an azure-storage retry policy of ours whose backoff is the
  policy's, and which caps every attempt's timeouts at the time left before the operation's
  ``deadline`` and stops retrying when it passes. Proxies and a CA bundle pass through.
- Small objects: an upload is one Put Blob carrying its MD5 (stored as Content-MD5, and
  checked in transit); a download one GET (the SDK's first range covers up to 4 MiB).
- Large uploads stage blocks with ids unique to the upload (so concurrent uploads of one key
  never mix blocks) and commit them with the whole-blob MD5; an upload whose staged blocks
  were discarded by a concurrent commit restarts (when its source can be read again).
- Downloads are checked against the size and the Content-MD5. A large download into a file
  is ranged GETs of 4 MiB, ``max_concurrency`` at a time, pinned to the first response's
  etag (or version) and written in place; the MD5 is computed in order as the ranges land,
  while later ones are still arriving (:mod:`codomyrmex_cloud.storage.ranged`).
- ``close()`` (or leaving a ``with`` block) closes the service client's connections. The
  constructor installs the log redaction and registers the account key, SAS token (and its
  signature) and connection string it was given.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from codomyrmex_cloud.storage import deadline as deadlines
from codomyrmex_cloud.storage import ranged
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
from codomyrmex_cloud.storage.reader import ObjectReader
from codomyrmex_cloud.storage.retry import RetryPolicy, check_retry
from codomyrmex_cloud.storage.secrets import connection_string_secrets, protect, sas_signatures
from codomyrmex_cloud.storage.transfer import DownloadSink, Progress, UploadSource, read_full
from codomyrmex_cloud.storage.types import (
    CHUNK_SIZE,
    REQUEST_TIMEOUT,
    BucketInfo,
    CustomerKey,
    EncryptionScope,
    ObjectInfo,
    ObjectVersion,
    Page,
    PathLike,
    SignedMethod,
)

# azure-core's credential types, imported here so that AzureBlobClient's annotations resolve
# at runtime (typing.get_type_hints); this module loads on first use of AzureBlobClient, and
# without the azure extra it still imports (AzureBlobClient() names the extra).
try:
    from azure.core.credentials import AzureNamedKeyCredential, AzureSasCredential, TokenCredential

    #: What ``account_url`` accepts as a credential: an account key or SAS token string, a
    #: named-key or SAS credential, or an azure-identity token credential.
    AzureCredential = str | AzureNamedKeyCredential | AzureSasCredential | TokenCredential
except ImportError:  # pragma: no cover - only without the azure extra
    pass
if TYPE_CHECKING:
    from azure.storage.blob import BlobClient, BlobServiceClient

CONNECTION_STRING_ENV = "AZURE_STORAGE_CONNECTION_STRING"
#: The per-call option that carries the operation deadline to our retry policy (which removes
#: it before the transport sees it); it reaches requests the SDK sends from its own threads.
_DEADLINE_OPTION = "codomyrmex_deadline"
#: Read buffer of a copy streamed through the client (the SDK yields its own 4 MiB pieces).
_READ_BUFFER = 1024 * 1024
_MAX_SYNC_COPY = 256 * 1024 * 1024  # Copy Blob From URL's limit; above it, an async copy


def _import_azure() -> Any:
    try:
        from azure.storage import blob
    except ImportError as exc:
        raise ImportError("AzureBlobClient needs azure-storage-blob: pip install 'codomyrmex-cloud[azure]'") from exc
    return blob


def map_error(exc: BaseException, bucket: str | None, key: str | None) -> StorageError | None:
    """azure-core (and transport) exceptions as StorageErrors (the one mapping for Azure)."""
    from azure.core import exceptions as aex
    from requests import exceptions as rex
    from urllib3 import exceptions as u3

    where = f"{bucket}/{key}" if key else str(bucket)
    code = _error_code(exc)
    if isinstance(exc, aex.ResourceNotFoundError):
        cls = BucketNotFoundError if code == "ContainerNotFound" or not key else ObjectNotFoundError
        return cls(f"Azure: {where} not found ({code or 404})", bucket=bucket, key=key)
    if isinstance(exc, aex.ResourceModifiedError | aex.ResourceExistsError | aex.ResourceNotModifiedError):
        return PreconditionFailedError(f"Azure precondition failed for {where} ({code})", bucket=bucket, key=key)
    if isinstance(exc, aex.ClientAuthenticationError):
        return StoragePermissionError(f"Azure denied access to {where} ({code})", bucket=bucket, key=key)
    if isinstance(exc, aex.ServiceRequestTimeoutError | aex.ServiceResponseTimeoutError):
        return StorageTimeoutError(f"Azure did not answer in time for {where}", bucket=bucket, key=key)
    if isinstance(exc, aex.ServiceRequestError | aex.ServiceResponseError | aex.IncompleteReadError):
        inner = getattr(exc, "inner_exception", None)
        # urllib3's NewConnectionError (refused, reset) subclasses its ConnectTimeoutError.
        if isinstance(inner, rex.Timeout | u3.TimeoutError | TimeoutError) and not isinstance(
            inner, u3.NewConnectionError
        ):
            return StorageTimeoutError(f"Azure did not answer in time for {where}", bucket=bucket, key=key)
        return StorageConnectionError(f"cannot reach Azure for {where}: {type(exc).__name__}", bucket=bucket, key=key)
    if isinstance(exc, aex.HttpResponseError):
        status = getattr(exc, "status_code", None)
        if status == 403:
            return StoragePermissionError(f"Azure denied access to {where} ({code})", bucket=bucket, key=key)
        if status in (409, 412) and code in ("ConditionNotMet", "BlobAlreadyExists", "TargetConditionNotMet"):
            return PreconditionFailedError(f"Azure precondition failed for {where} ({code})", bucket=bucket, key=key)
        if status == 412:
            return PreconditionFailedError(f"Azure precondition failed for {where} ({code})", bucket=bucket, key=key)
        if code == "InvalidBlockList":  # another upload of the key committed first
            return PreconditionFailedError(
                f"Azure: another upload of {where} committed first and discarded this one's blocks",
                bucket=bucket,
                key=key,
            )
        if code in ("Md5Mismatch", "InvalidMd5", "Crc64Mismatch"):
            return IntegrityError(f"Azure checksum mismatch for {where}", bucket=bucket, key=key)
        if status in (400, 416):
            return InvalidArgumentError(f"Azure rejected the request for {where}: {code}", bucket=bucket, key=key)
        if status is not None and status >= 500:
            return StorageConnectionError(
                f"Azure answered {status} for {where} (after retries)", bucket=bucket, key=key
            )
        return StorageError(f"Azure error {status} {code} for {where}", bucket=bucket, key=key)
    if isinstance(exc, aex.DecodeError | aex.AzureError):
        return StorageConnectionError(f"Azure request failed for {where}: {type(exc).__name__}", bucket=bucket, key=key)
    if isinstance(exc, rex.Timeout | u3.TimeoutError | TimeoutError):
        return StorageTimeoutError(f"Azure did not answer in time for {where}", bucket=bucket, key=key)
    if isinstance(exc, rex.RequestException | u3.HTTPError | ConnectionError):
        return StorageConnectionError(f"cannot reach Azure for {where}: {type(exc).__name__}", bucket=bucket, key=key)
    if isinstance(exc, ValueError):  # the SDK's own argument checks (never with secrets)
        return InvalidArgumentError(f"Azure refused an argument for {where}: {exc}", bucket=bucket, key=key)
    return None


def _check_connection_string(value: object) -> None:
    """None, or ``Key=value;`` text on one line (a line break would reach a header)."""
    if value is None:
        return
    if not isinstance(value, str):
        raise InvalidArgumentError(
            f"connection_string: must be a str, not {type(value).__name__}", argument="connection_string"
        )
    if any(not ch.isprintable() for ch in value) or "=" not in value:
        raise InvalidArgumentError(
            "connection_string: not an Azure connection string: one line of Key=value; pairs (it holds a line "
            "break or control character, or no '=')",
            argument="connection_string",
        )


def _secret_parts(connection_string: str | None, credential: object) -> list[str]:
    """Every secret in a connection string and a credential: account keys, SAS tokens and
    their signatures (a token credential holds none of its own)."""
    parts = [connection_string or "", *connection_string_secrets(connection_string or "")]
    named_key = getattr(credential, "named_key", None)  # AzureNamedKeyCredential
    if named_key is not None:
        parts.append(named_key.key)
    sas = getattr(credential, "signature", None)  # AzureSasCredential
    text = credential if isinstance(credential, str) else sas if isinstance(sas, str) else None
    if text is not None:  # an account key or a SAS token
        parts += [text, *sas_signatures(text)]
    return parts


def _retry_policy(policy: RetryPolicy, timeout: float) -> Any:
    """azure-storage's retry policy, with our backoff and the operation deadline."""
    from azure.storage.blob import ExponentialRetry

    class DeadlineRetry(ExponentialRetry):
        def __init__(self) -> None:
            retries = policy.max_attempts - 1
            super().__init__(
                initial_backoff=0,
                increment_base=1,
                retry_total=retries,
                random_jitter_range=0,
                retry_connect=retries,
                retry_read=retries,
                retry_status=retries,
            )

        def configure_retries(self, request: Any) -> dict[str, Any]:
            settings: dict[str, Any] = super().configure_retries(request)
            expiry = request.context.options.pop(_DEADLINE_OPTION, None)
            settings["deadline"] = expiry if expiry is not None else deadlines.expiry()
            settings["pipeline_request"] = request
            self._cap(settings)
            return settings

        @staticmethod
        def _cap(settings: dict[str, Any]) -> None:
            if settings["deadline"] is None:
                return
            seconds = deadlines.request_timeout(timeout, settings["deadline"])
            options = settings["pipeline_request"].context.options
            options["connection_timeout"] = seconds
            options["read_timeout"] = seconds

        def increment(self, settings: dict[str, Any], request: Any, response: Any = None, error: Any = None) -> bool:
            left = deadlines.remaining(settings["deadline"]) if settings["deadline"] is not None else None
            if left is not None and left <= 0:
                return False
            if not super().increment(settings, request, response=response, error=error):
                return False
            if response is not None:
                # azure-storage moves on to the next attempt without closing the answer it
                # retries: a streamed one (a download's 5xx) kept its connection checked out
                # until garbage collection (an unclosed socket under the fault suite).
                with contextlib.suppress(Exception):
                    response.close()
            self._cap(settings)
            return True

        def get_backoff_time(self, settings: dict[str, Any]) -> float:
            delay = policy.backoff(max(settings["count"] - 1, 0))
            if settings["deadline"] is not None:
                delay = min(delay, max(deadlines.remaining(settings["deadline"]) or 0.0, 0.0))
            return delay

    return DeadlineRetry()


class AzureBlobClient(BaseStore):
    """Azure Blob Storage behind the shared storage contract.

    Args:
        connection_string: An account connection string; defaults to
            ``AZURE_STORAGE_CONNECTION_STRING`` when no ``account_url`` is given.
        account_url: ``https://<account>.blob.core.windows.net`` (or an emulator's URL).
        credential: Account key, SAS token or azure-identity credential for ``account_url``
            (none: anonymous access to public containers).
        chunk_size: Block size for uploads and ``open_write``; larger uploads stage blocks.
        max_concurrency: Blocks in flight per transfer.
        timeout: Seconds per request, for connecting and for each read.
        retry: A ``StorageRetryPolicy`` (default ``StorageRetryPolicy()``); anything else is refused.
        deadline: Default seconds per operation (None: bounded by ``timeout`` and ``retry``).
        proxies: Proxy URLs by scheme (``{"https": "http://proxy:3128"}``).
        ca_bundle: A CA bundle file to verify TLS with (``False`` disables verification).

    Connection strings and credentials are never pickled: a pickled client, loaded in another
    process, takes its credentials from ``AZURE_STORAGE_CONNECTION_STRING`` there.

    Raises:
        ImportError: azure-storage-blob is not installed.
        InvalidArgumentError: Neither a connection string nor an account URL is available.
    """

    _rules = v.AZURE
    _map_error = staticmethod(map_error)

    def __init__(
        self,
        connection_string: str | None = None,
        *,
        account_url: str | None = None,
        credential: AzureCredential | None = None,
        chunk_size: int = CHUNK_SIZE,
        max_concurrency: int = 4,
        timeout: float = REQUEST_TIMEOUT,
        retry: RetryPolicy | None = None,
        deadline: float | None = None,
        proxies: Mapping[str, str] | None = None,
        ca_bundle: PathLike | bool | None = None,
    ) -> None:
        _import_azure()
        if connection_string is None and account_url is None:
            connection_string = os.environ.get(CONNECTION_STRING_ENV)
        if not connection_string and not account_url:
            raise InvalidArgumentError(
                f"connection_string: pass connection_string= or account_url= (or set {CONNECTION_STRING_ENV})",
                argument="connection_string",
            )
        _check_connection_string(connection_string)
        if isinstance(credential, str):
            v.check_secret(credential, "credential")
        # A path names the account on emulators; a query may carry a SAS, which is a secret:
        # kept with the other secrets (never in a repr, a log line or a pickle), not the URL.
        account_url = v.check_endpoint(account_url, "account_url", path=True, query=True)
        url_sas = None
        if account_url is not None and "?" in account_url:
            account_url, url_sas = account_url.split("?", 1)
        self._settings: dict[str, Any] = {
            "account_url": account_url,
            "anonymous": connection_string is None and credential is None and url_sas is None,
            "chunk_size": v.check_positive_int(chunk_size, "chunk_size"),
            "max_concurrency": v.check_positive_int(max_concurrency, "max_concurrency"),
            "timeout": v.check_seconds(timeout, "timeout", allow_none=False),
            "retry": check_retry(retry),
            "deadline": v.check_seconds(deadline, "deadline"),
            "proxies": v.check_proxies(proxies),
            "ca_bundle": str(ca_bundle) if isinstance(ca_bundle, str | os.PathLike) else ca_bundle,
        }
        self._secrets: dict[str, Any] = {
            "connection_string": connection_string,
            "credential": credential,
            "url_sas": url_sas,
        }
        self._configure()
        self._build()

    def _configure(self) -> None:
        s = self._settings
        self._chunk_size: int = s["chunk_size"]
        self._part_size = self._chunk_size
        self._max_concurrency: int = s["max_concurrency"]
        # Bytes per GET (the SDK reads each response whole): 4 MiB keeps a download's
        # memory at a few of them whatever the concurrency.
        self._get_size = min(self._chunk_size, 4 * 1024 * 1024)
        self._timeout: float = s["timeout"]
        self._default_deadline = s["deadline"]
        self._pid = -1

    def _build(self) -> None:
        blob = _import_azure()
        s = self._settings
        options: dict[str, Any] = {
            "max_block_size": self._chunk_size,
            "max_single_put_size": self._chunk_size,
            # Parallel GET buffers are chunk x concurrency (and copied once by the SDK): 4 MiB
            # keeps a download's memory well under 64 MiB at the default concurrency.
            "max_chunk_get_size": self._get_size,
            "max_single_get_size": self._get_size,
            "retry_policy": _retry_policy(s["retry"], self._timeout),
            "connection_timeout": self._timeout,
            "read_timeout": self._timeout,
        }
        if s["proxies"]:
            options["proxies"] = s["proxies"]
        if s["ca_bundle"] is not None:
            options["connection_verify"] = s["ca_bundle"]
        connection_string = self._secrets.get("connection_string")
        url_sas = self._secrets.get("url_sas")
        protect(*_secret_parts(connection_string, self._secrets.get("credential")))  # before the SDK logs
        protect(*_secret_parts(None, url_sas))
        argument = "connection_string" if connection_string else "credential"
        try:
            if connection_string:
                service = blob.BlobServiceClient.from_connection_string(connection_string, **options)
            else:
                account_url = f"{s['account_url']}?{url_sas}" if url_sas else s["account_url"]
                service = blob.BlobServiceClient(account_url, credential=self._secrets.get("credential"), **options)
        except (ValueError, TypeError) as exc:
            # The SDK's own checks of the connection string or credential (its messages
            # never hold the secret); named after what was given.
            raise InvalidArgumentError(f"{argument}: Azure refused it: {exc}", argument=argument) from None
        self.service: BlobServiceClient = service
        protect(getattr(service.credential, "account_key", None))  # as the SDK resolved it
        if s["account_url"] is None:
            s["account_url"] = service.url.split("?", 1)[0]  # not secret: where, not how
        self._pid = os.getpid()

    def _sdk(self) -> BlobServiceClient:
        if self._pid != os.getpid():
            self._build()
        return self.service

    def _close(self) -> None:
        if self._pid == os.getpid():  # after fork, the connections are the parent's
            self.service.close()
            # azure-core's transport cannot be reopened once closed (unlike boto3's and
            # google's sessions): the next call builds a new service client.
            self._pid = -1

    def __repr__(self) -> str:  # never the connection string: it holds the account key
        return f"AzureBlobClient(account={self.service.account_name!r})"

    def __getstate__(self) -> dict[str, Any]:
        return {"settings": self._settings}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._settings = state["settings"]
        self._secrets = {"connection_string": None, "credential": None, "url_sas": None}
        if not self._settings["anonymous"]:
            connection_string = os.environ.get(CONNECTION_STRING_ENV)
            if not connection_string:
                raise StoragePermissionError(
                    f"an unpickled AzureBlobClient takes its credentials from {CONNECTION_STRING_ENV}, "
                    "which is not set in this process"
                )
            self._secrets["connection_string"] = connection_string
        self._configure()
        self._build()

    def _call(self) -> dict[str, Any]:
        """Per-call options: the operation deadline, for requests sent from SDK threads."""
        expiry = deadlines.expiry()
        return {_DEADLINE_OPTION: expiry} if expiry is not None else {}

    def _blob(self, bucket: str, key: str) -> BlobClient:
        return self._sdk().get_blob_client(bucket, key)

    @staticmethod
    def _encryption(opts_encryption: Any) -> dict[str, Any]:
        if isinstance(opts_encryption, CustomerKey):
            from azure.storage.blob import CustomerProvidedEncryptionKey

            return {
                "cpk": CustomerProvidedEncryptionKey(
                    base64.b64encode(opts_encryption.key).decode(),
                    base64.b64encode(hashlib.sha256(opts_encryption.key).digest()).decode(),
                )
            }
        if isinstance(opts_encryption, EncryptionScope):
            return {"encryption_scope": opts_encryption.name}
        return {}

    def _check_customer_key(self, value: object, argument: str, bucket: str, key: str) -> None:
        """Refuse a CustomerKey on an ``http://`` endpoint (an emulator) before any request:
        Azure takes customer-provided keys only over HTTPS, and azure-storage-blob would
        refuse it with a bare ValueError that names no argument."""
        scheme = str(self._sdk().scheme).lower()
        if isinstance(value, CustomerKey) and scheme != "https":
            raise InvalidArgumentError(
                f"{argument}: Azure accepts a CustomerKey only over HTTPS, and this client's endpoint is {scheme}",
                argument=argument,
                bucket=bucket,
                key=key,
            )

    def _read_options(self, opts: v.ReadOptions) -> dict[str, Any]:
        from azure.core import MatchConditions

        args: dict[str, Any] = {**self._call(), **self._encryption(opts.customer_key)}
        if opts.version_id:
            args["version_id"] = opts.version_id
        if opts.if_match:
            args.update(etag=f'"{opts.if_match}"', match_condition=MatchConditions.IfNotModified)
        return args

    def _write_options(self, opts: v.WriteOptions, md5: bytes | None) -> dict[str, Any]:
        from azure.core import MatchConditions
        from azure.storage.blob import ContentSettings

        args: dict[str, Any] = {
            **self._call(),
            **self._encryption(opts.encryption),
            "content_settings": ContentSettings(
                content_type=opts.content_type,
                content_encoding=opts.content_encoding,
                cache_control=opts.cache_control,
                content_disposition=opts.content_disposition,
                content_md5=bytearray(md5) if md5 is not None else None,
            ),
            "metadata": dict(opts.metadata),
        }
        if opts.tags:
            args["tags"] = dict(opts.tags)
        if opts.storage_class:
            from azure.storage.blob import StandardBlobTier

            args["standard_blob_tier"] = StandardBlobTier(opts.storage_class)
        if opts.if_match:
            args.update(etag=f'"{opts.if_match}"', match_condition=MatchConditions.IfNotModified)
        elif opts.create_only:
            args["match_condition"] = MatchConditions.IfMissing
        return args

    # Containers -------------------------------------------------------------------------

    def _create_bucket(self, bucket: str) -> None:
        from azure.core.exceptions import ResourceExistsError

        with contextlib.suppress(ResourceExistsError):
            self._sdk().get_container_client(bucket).create_container(**self._call())

    def _delete_bucket(self, bucket: str, force: bool) -> None:
        from azure.core.exceptions import ResourceNotFoundError

        container = self._sdk().get_container_client(bucket)
        if not container.exists(**self._call()):
            return
        if not force and next(iter(container.list_blobs(results_per_page=1, **self._call())), None) is not None:
            raise BucketNotEmptyError(f"container {bucket!r} is not empty", bucket=bucket)
        with contextlib.suppress(ResourceNotFoundError):
            container.delete_container(**self._call())  # Azure deletes the blobs with the container

    def _bucket_exists(self, bucket: str) -> bool:
        return bool(self._sdk().get_container_client(bucket).exists(**self._call()))

    def _list_buckets(self, prefix: str) -> list[BucketInfo]:
        containers = self._sdk().list_containers(name_starts_with=prefix or None, **self._call())
        return [BucketInfo(c.name, c.last_modified) for c in containers if c.name.startswith(prefix)]

    # Writes -----------------------------------------------------------------------------

    def _put(self, bucket: str, key: str, source: UploadSource, opts: v.WriteOptions, progress: Progress) -> ObjectInfo:
        self._check_customer_key(opts.encryption, "encryption", bucket, key)
        if source.size is not None and source.size <= self._chunk_size:
            body = source.data if source.data is not None else read_full(source.stream, source.size)
            info = self._put_bytes(bucket, key, body, opts)
            progress.add(len(body))
            return info
        rereadable = source.path is not None or source.data is not None
        origin = source.stream.tell() if rereadable else 0
        for attempt in range(3):
            try:
                with self._errors(bucket, key):
                    return self._put_blocks(bucket, key, source, opts, progress)
            except PreconditionFailedError as exc:
                # Another upload of this key committed first, which discarded our staged
                # blocks (Azure keeps only the committed list): stage again, last writer wins.
                if not (rereadable and _invalid_block_list(exc) and attempt < 2):
                    raise
                source.stream.seek(origin)
                progress.reset(source.size)
        raise AssertionError("unreachable")  # pragma: no cover

    def _put_bytes(self, bucket: str, key: str, body: bytes, opts: v.WriteOptions) -> ObjectInfo:
        md5 = hashlib.md5(body, usedforsecurity=False).digest()
        with self._errors(bucket, key):
            response = self._blob(bucket, key).upload_blob(
                body,
                length=len(body),
                overwrite=not opts.create_only,
                validate_content=True,
                **self._write_options(opts, md5),
            )
        return self._written(bucket, key, len(body), md5, response, opts)

    def _written(
        self, bucket: str, key: str, size: int, md5: bytes, response: Mapping[str, Any], opts: v.WriteOptions
    ) -> ObjectInfo:
        return ObjectInfo(
            bucket=bucket,
            key=key,
            size=size,
            etag=(response.get("etag") or "").strip('"') or None,
            last_modified=response.get("last_modified"),
            content_type=opts.content_type,
            metadata=dict(opts.metadata),
            checksums={"md5": md5.hex()},
            version_id=response.get("version_id"),
            storage_class=opts.storage_class,
            cache_control=opts.cache_control,
            content_encoding=opts.content_encoding,
            content_disposition=opts.content_disposition,
        )

    def _put_blocks(
        self, bucket: str, key: str, source: UploadSource, opts: v.WriteOptions, progress: Progress
    ) -> ObjectInfo:
        """Blocks read in order (hashed for the whole-blob MD5), staged ``max_concurrency`` at
        a time, committed together."""
        target = _AzureWrite(self, bucket, key, opts)
        slots = threading.Semaphore(self._max_concurrency)
        number = 0
        try:
            with deadlines.ContextThreadPool(self._max_concurrency) as pool:
                futures = []
                while True:
                    slots.acquire()
                    block = read_full(source.stream, self._chunk_size)
                    if not block:
                        slots.release()
                        break
                    number += 1
                    block_id = target.take(number, block)

                    def stage(block_id: str = block_id, block: bytes = block) -> None:
                        try:
                            target.stage(block_id, block)
                            progress.add(len(block))
                        finally:
                            slots.release()

                    futures.append(pool.submit(stage))
                    if any(f.done() and f.exception() for f in futures):
                        break
                for future in futures:
                    future.result()
            return target.commit(progress.done if source.size is None else source.size)
        except BaseException:
            target.abort()
            raise

    def _writer(self, bucket: str, key: str, opts: v.WriteOptions, part_size: int) -> _AzureWrite:
        self._check_customer_key(opts.encryption, "encryption", bucket, key)
        return _AzureWrite(self, bucket, key, opts)

    # Reads ------------------------------------------------------------------------------

    def _get(self, bucket: str, key: str, sink: DownloadSink, opts: v.ReadOptions) -> None:
        self._check_customer_key(opts.customer_key, "customer_key", bucket, key)
        attempt = 0
        while True:
            # decompress=False: the stored bytes (what Content-MD5 describes), never transcoded.
            # The first GET covers up to max_single_get_size and describes the whole blob.
            downloader = self._blob(bucket, key).download_blob(
                max_concurrency=1, decompress=False, **self._read_options(opts)
            )
            info = _info(bucket, downloader.properties)
            sink.begin(info)
            try:
                if sink.can_write_at and self._max_concurrency > 1 and info.size > self._get_size:
                    self._get_parallel(bucket, key, info, downloader.chunks(), sink, opts)
                else:
                    for chunk in downloader.chunks():
                        sink.write(chunk)
                return
            except Exception as exc:
                # Later ranges are pinned to the first one's etag: an overwrite in between is
                # a 412, and the download restarts on the newer version.
                if not isinstance(map_error(exc, bucket, key), PreconditionFailedError) or opts.if_match:
                    raise
                self._restart_or_raise(attempt, bucket, key, exc)
                attempt += 1

    def _get_parallel(
        self, bucket: str, key: str, info: ObjectInfo, first: Iterator[bytes], sink: DownloadSink, opts: v.ReadOptions
    ) -> None:
        """The first range from the response already read; the rest as ranged GETs of one
        SDK chunk each, pinned to the first one's version (or etag), written in place and
        hashed in order while later ranges arrive (see ``ranged``)."""
        pinned = v.ReadOptions(
            version_id=info.version_id or opts.version_id,
            if_match=None if info.version_id else info.etag,
            customer_key=opts.customer_key,
        )
        blob = self._blob(bucket, key)

        def fetch(start: int, end: int) -> Iterator[bytes]:
            downloader = blob.download_blob(
                offset=start, length=end - start, max_concurrency=1, decompress=False, **self._read_options(pinned)
            )
            return downloader.chunks()

        ranged.download_parts(sink, fetch, part_size=self._get_size, concurrency=self._max_concurrency, first=first)

    def _open(
        self, bucket: str, key: str, start: int, end: int | None, opts: v.ReadOptions
    ) -> tuple[ObjectInfo | None, Iterator[bytes]]:
        from azure.core.exceptions import HttpResponseError

        self._check_customer_key(opts.customer_key, "customer_key", bucket, key)
        length = None if end is None else end - start
        try:
            downloader = self._blob(bucket, key).download_blob(
                offset=start if start or length is not None else None,
                length=length,
                max_concurrency=1,
                decompress=False,
                **self._read_options(opts),
            )
        except HttpResponseError as exc:
            if getattr(exc, "status_code", None) == 416:
                return None, iter(())  # start is past the end: like data[start:end]
            raise
        return _info(bucket, downloader.properties), downloader.chunks()

    def _stat(self, bucket: str, key: str, opts: v.ReadOptions) -> ObjectInfo:
        self._check_customer_key(opts.customer_key, "customer_key", bucket, key)
        options = self._read_options(opts)
        options.pop("etag", None)
        options.pop("match_condition", None)
        return _info(bucket, self._blob(bucket, key).get_blob_properties(**options))

    # Deletes and copies -----------------------------------------------------------------

    def _delete(self, bucket: str, key: str, version_id: str | None) -> None:
        from azure.core.exceptions import ResourceNotFoundError

        options: dict[str, Any] = self._call()
        if version_id:
            options["version_id"] = version_id
        else:
            options["delete_snapshots"] = "include"
        with contextlib.suppress(ResourceNotFoundError):
            self._blob(bucket, key).delete_blob(**options)

    def _copy(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str, opts: v.CopyOptions) -> ObjectInfo:
        # Both keys checked before any request (Azure takes them only over HTTPS).
        self._check_customer_key(opts.source.customer_key, "source_customer_key", src_bucket, src_key)
        self._check_customer_key(opts.encryption, "encryption", dst_bucket, dst_key)
        version_id = opts.source.version_id
        source = self._stat(src_bucket, src_key, opts.source)  # errors name the source
        scope = opts.encryption.name if isinstance(opts.encryption, EncryptionScope) else None
        customer = opts.source.customer_key is not None or isinstance(opts.encryption, CustomerKey)
        if customer or (scope is not None and source.size > _MAX_SYNC_COPY):
            # Copy Blob and Copy Blob From URL take no customer-provided key (source or
            # destination; azure-sdk-for-python#17840), and the asynchronous Copy Blob no
            # encryption scope: the bytes pass through this client instead.
            return self._copy_streamed(src_bucket, src_key, dst_bucket, dst_key, source, opts)
        source_url = self._blob(src_bucket, src_key).url
        account_key = getattr(self._sdk().credential, "account_key", None)
        if account_key:
            source_url = self._source_sas(src_bucket, src_key, account_key, version_id)
        elif version_id:
            source_url += ("&" if "?" in source_url else "?") + f"versionid={version_id}"
        target = self._blob(dst_bucket, dst_key)
        with self._errors(dst_bucket, dst_key):
            if source.size <= _MAX_SYNC_COPY:
                scoped: dict[str, Any] = {"encryption_scope": scope} if scope else {}
                response: Mapping[str, Any] = target.start_copy_from_url(
                    source_url, requires_sync=True, **scoped, **self._call()
                )
                return ObjectInfo(
                    bucket=dst_bucket,
                    key=dst_key,
                    size=source.size,
                    etag=(response.get("etag") or "").strip('"') or None,
                    last_modified=response.get("last_modified"),
                    content_type=source.content_type,
                    metadata=dict(source.metadata),
                    checksums=dict(source.checksums),
                    version_id=response.get("version_id"),
                    storage_class=source.storage_class,
                    cache_control=source.cache_control,
                    content_encoding=source.content_encoding,
                    content_disposition=source.content_disposition,
                )
            target.start_copy_from_url(source_url, **self._call())
            while True:  # an asynchronous server-side copy: wait for it, within the deadline
                properties = target.get_blob_properties(**self._call())
                status = properties.copy.status
                if status == "success":
                    return _info(dst_bucket, properties)
                if status in ("failed", "aborted"):
                    raise StorageError(f"Azure copy to {dst_bucket}/{dst_key} {status}", bucket=dst_bucket, key=dst_key)
                left = deadlines.remaining()
                if left is not None and left <= 0:
                    target.abort_copy(properties)
                    raise deadlines.expired_error(f"copy to {dst_bucket}/{dst_key}")
                time.sleep(0.5 if left is None else min(0.5, left))

    def _copy_streamed(
        self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str, source: ObjectInfo, opts: v.CopyOptions
    ) -> ObjectInfo:
        """Copy through this client: the source read with its key (one streaming GET, pinned
        to the version stat'ed), written as an upload with the destination's encryption and
        the source's content headers and metadata; memory is about ``chunk_size`` times
        ``max_concurrency``. A source with an MD5 must match the bytes written."""
        pinned = v.ReadOptions(
            version_id=source.version_id or opts.source.version_id,
            if_match=None if source.version_id else source.etag,
            customer_key=opts.source.customer_key,
        )
        write = v.WriteOptions(
            content_type=source.content_type or "application/octet-stream",
            metadata=dict(source.metadata),
            cache_control=source.cache_control,
            content_encoding=source.content_encoding,
            content_disposition=source.content_disposition,
            encryption=opts.encryption,
        )

        def read_from(position: int) -> tuple[ObjectInfo | None, Iterator[bytes]]:
            # Errors while reading name the source, not the destination being written.
            with self._errors(src_bucket, src_key):
                info, chunks = self._open(src_bucket, src_key, position, None, pinned)
            return info, self._mapped(chunks, src_bucket, src_key)

        info, first = read_from(0)
        reader = io.BufferedReader(
            ObjectReader(info or source, first, lambda position: read_from(position)[1]), buffer_size=_READ_BUFFER
        )
        upload = UploadSource(reader, source.size)
        with reader, self._errors(dst_bucket, dst_key):
            written = self._put(dst_bucket, dst_key, upload, write, Progress(None, source.size))
        expected = source.checksums.get("md5")
        if expected is not None and written.checksums.get("md5") != expected:
            self._delete(dst_bucket, dst_key, None)
            raise IntegrityError(
                f"Azure: the copy of {src_bucket}/{src_key} read bytes with MD5 {written.checksums.get('md5')}, "
                f"the source has {expected}; the copy was deleted",
                bucket=dst_bucket,
                key=dst_key,
            )
        return written

    def _source_sas(self, bucket: str, key: str, account_key: str, version_id: str | None) -> str:
        from azure.storage.blob import BlobSasPermissions, generate_blob_sas

        sas = generate_blob_sas(
            account_name=self._sdk().account_name or "",
            container_name=bucket,
            blob_name=key,
            account_key=account_key,
            permission=BlobSasPermissions(read=True),
            expiry=datetime.now(UTC) + timedelta(hours=1),
            version_id=version_id,
        )
        return f"{self._blob(bucket, key).url}?{sas}"

    # Listings ---------------------------------------------------------------------------

    def _list(
        self, bucket: str, prefix: str, delimiter: str | None, page_size: int | None
    ) -> Iterator[Page[ObjectInfo]]:
        from azure.storage.blob import BlobPrefix

        container = self._sdk().get_container_client(bucket)
        pages = (
            container.walk_blobs(
                name_starts_with=prefix or None, delimiter=delimiter, results_per_page=page_size, **self._call()
            )
            if delimiter
            else container.list_blobs(name_starts_with=prefix or None, results_per_page=page_size, **self._call())
        ).by_page()
        for page in pages:
            objects: list[ObjectInfo] = []
            prefixes: list[str] = []
            for item in page:
                if isinstance(item, BlobPrefix):
                    prefixes.append(item.name)
                else:
                    objects.append(_info(bucket, item))
            yield objects, prefixes

    def _list_versions(self, bucket: str, prefix: str, page_size: int | None) -> Iterator[Page[ObjectVersion]]:
        container = self._sdk().get_container_client(bucket)
        pages = container.list_blobs(
            name_starts_with=prefix or None, include=["versions"], results_per_page=page_size, **self._call()
        ).by_page()
        for page in pages:
            versions = []
            for item in page:
                base = _info(bucket, item)
                fields = {f: getattr(base, f) for f in base.__dataclass_fields__}
                current = getattr(item, "is_current_version", None)
                versions.append(ObjectVersion(**fields, is_latest=current is not False))
            versions.sort(key=lambda o: (o.key, not o.is_latest, o.version_id or ""))
            yield versions, []

    # Signed URLs and tags ---------------------------------------------------------------

    def signed_url(self, bucket: str, key: str, *, expires_in: int = 3600, method: SignedMethod = "GET") -> str:
        """A SAS URL granting GET (read) or PUT (create, write), 1 second to 7 days; needs
        the account key.

        Raises:
            InvalidArgumentError: ``expires_in`` is not 1 second to 7 days.
            UnsupportedOperationError: The client has no account key to sign with.
        """
        from azure.storage.blob import BlobSasPermissions, generate_blob_sas

        bucket, key = self._names(bucket, key)
        seconds = v.check_expiry(expires_in)
        verb = v.check_method(method)
        permissions = {"GET": BlobSasPermissions(read=True), "PUT": BlobSasPermissions(create=True, write=True)}
        account_key = getattr(self._sdk().credential, "account_key", None)
        if not account_key:
            raise UnsupportedOperationError("SAS URLs need the account key", bucket=bucket, key=key)
        sas = generate_blob_sas(
            account_name=self._sdk().account_name or "",
            container_name=bucket,
            blob_name=key,
            account_key=account_key,
            permission=permissions[verb],
            expiry=datetime.now(UTC) + timedelta(seconds=seconds),
        )
        return f"{self._blob(bucket, key).url}?{sas}"

    def get_tags(self, bucket: str, key: str, *, deadline: float | None = None) -> dict[str, str]:
        """The blob's index tags (one request)."""
        bucket, key = self._names(bucket, key)
        with self._operation(deadline, bucket, key):
            return dict(self._blob(bucket, key).get_blob_tags(**self._call()))

    def set_tags(self, bucket: str, key: str, tags: Mapping[str, str], *, deadline: float | None = None) -> None:
        """Replace the blob's index tags (its bytes and etag stay the same)."""
        bucket, key = self._names(bucket, key)
        checked = v.check_tags(tags, self._rules)
        with self._operation(deadline, bucket, key):
            self._blob(bucket, key).set_blob_tags(checked, **self._call())


def _error_code(exc: BaseException | None) -> str:
    """The service's error code (the SDK gives a ``StorageErrorCode`` enum or a header string)."""
    code = getattr(exc, "error_code", None)
    return str(getattr(code, "value", code) or "")


def _invalid_block_list(exc: BaseException) -> bool:
    return _error_code(exc.__cause__) == "InvalidBlockList"


#: Metadata of the empty blob an abort commits (to discard staged blocks) and then deletes.
_ABORT_MARKER = "codomyrmex_aborted_upload"


class _AzureWrite:
    """One staged-block upload (``open_write`` and large uploads), with block ids unique to
    it; commit writes the whole-blob MD5."""

    def __init__(self, store: AzureBlobClient, bucket: str, key: str, opts: v.WriteOptions) -> None:
        self._store = store
        self._bucket = bucket
        self._key = key
        self._opts = opts
        self._prefix = uuid.uuid4().hex
        self._ids: list[str] = []
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._staged = False

    def take(self, number: int, data: bytes) -> str:
        """The id of block ``number`` (blocks are hashed in order here)."""
        self._md5.update(data)
        block_id = base64.b64encode(f"{self._prefix}{number:010d}".encode()).decode()
        self._ids.append(block_id)
        return block_id

    def stage(self, block_id: str, data: bytes) -> None:
        self._staged = True
        self._store._blob(self._bucket, self._key).stage_block(
            block_id,
            data,
            length=len(data),
            validate_content=True,
            **self._store._call(),
            **self._store._encryption(self._opts.encryption),
        )

    def commit(self, total: int) -> ObjectInfo:
        from azure.storage.blob import BlobBlock

        md5 = self._md5.digest()
        response = self._store._blob(self._bucket, self._key).commit_block_list(
            [BlobBlock(block_id=block_id) for block_id in self._ids],
            **self._store._write_options(self._opts, md5),
        )
        self._staged = False
        return self._store._written(self._bucket, self._key, total, md5, response, self._opts)

    # PartTarget -------------------------------------------------------------------------

    def put(self, data: bytes) -> ObjectInfo:
        return self._store._put_bytes(self._bucket, self._key, data, self._opts)

    def upload_part(self, number: int, data: bytes) -> None:
        self.stage(self.take(number, data), data)

    def finish(self, number: int, data: bytes, total: int) -> ObjectInfo:
        if data:
            self.upload_part(number, data)
        return self.commit(total)

    def abort(self) -> None:
        """Discard staged blocks: where no blob is committed at the key, commit an empty block
        list only-if-absent and delete it (a commit discards every uncommitted block); a blob
        that exists is left alone, and Azure discards the blocks at its next write or after
        7 days."""
        if not self._staged:
            return
        self._staged = False
        from azure.core import MatchConditions
        from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError

        blob = self._store._blob(self._bucket, self._key)
        # The placeholder carries this upload's id: if the commit was applied but its answer
        # lost, the retry finds a blob "already there", and only the id tells our empty
        # placeholder (to delete) from another writer's blob (to leave alone).
        marker = {_ABORT_MARKER: self._prefix}
        with deadlines.suspended():
            try:
                placeholder: Mapping[str, Any] = blob.commit_block_list(
                    [], metadata=marker, match_condition=MatchConditions.IfMissing
                )
                etag = placeholder["etag"]
            except (ResourceExistsError, ResourceModifiedError):
                try:
                    found = blob.get_blob_properties()
                except ResourceNotFoundError:
                    return
                if dict(found.metadata or {}) != marker or found.size:
                    return  # another writer's blob
                etag = found.etag
            with contextlib.suppress(ResourceNotFoundError, ResourceModifiedError):
                blob.delete_blob(etag=etag, match_condition=MatchConditions.IfNotModified)


def _info(bucket: str, properties: Any) -> ObjectInfo:
    """ObjectInfo from azure's ``BlobProperties``."""
    settings = properties.content_settings
    checksums: dict[str, str] = {}
    if settings is not None and settings.content_md5:
        checksums["md5"] = bytes(settings.content_md5).hex()
    tier = getattr(properties, "blob_tier", None)
    tier = getattr(tier, "value", tier)
    return ObjectInfo(
        bucket=bucket,
        key=properties.name,
        size=int(properties.size or 0),
        etag=(properties.etag or "").strip('"') or None,
        last_modified=properties.last_modified,
        content_type=settings.content_type if settings is not None else None,
        metadata=dict(properties.metadata or {}),
        checksums=checksums,
        version_id=getattr(properties, "version_id", None),
        storage_class=str(tier) if tier else None,
        cache_control=settings.cache_control if settings is not None else None,
        content_encoding=settings.content_encoding if settings is not None else None,
        content_disposition=settings.content_disposition if settings is not None else None,
    )
