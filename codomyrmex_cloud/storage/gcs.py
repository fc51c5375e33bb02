"""``GCSClient``: the object-store contract on Google Cloud Storage (google-cloud-storage).

Configuration follows the SDK: application default credentials and project, or explicit
``credentials``/``project``; ``STORAGE_EMULATOR_HOST`` (or ``endpoint``) points it at an
emulator such as fake-gcs-server, with anonymous credentials (so does ``anonymous=True``,
for public buckets).

- Requests go through one HTTP session of ours (the SDK's documented ``_http`` hook): each
  request's timeout is ``timeout``, capped at the time left before the operation's
  ``deadline``; proxies and a CA bundle are set on it.
- Retries: ``retry`` (:class:`RetryPolicy`) becomes an ``google.api_core`` ``Retry`` with
  google's own predicate (``google.cloud.storage.retry._should_retry``) and an attempt
  count; writes are retried only with a generation precondition, as google's
  ``ConditionalRetryPolicy`` does.
- Small uploads are one multipart request carrying a CRC32C the service verifies. A larger
  file (or bytes) is one streamed request of a resumable session that states the object's
  CRC32C when it starts (GCS refuses other bytes; the answer is checked too), resumed from
  what the service has after a failure; memory stays at a 1 MiB piece. Streams of unknown
  size go in ``chunk_size`` pieces. ``open_write`` streams a resumable session (abort:
  DELETE it).
- Downloads are one streaming GET (one generation, whatever writes happen meanwhile),
  checked against the size, CRC32C and MD5 in its ``x-goog-hash`` header.
- ``ObjectInfo.etag`` is the object's *generation* (GCS preconditions compare generations),
  so ``upload(..., if_match=info.etag)`` means "only if nobody wrote since".
- ``close()`` (or leaving a ``with`` block) closes the HTTP session. The constructor installs
  the log redaction and registers the OAuth tokens and client secret its credentials hold.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

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
from codomyrmex_cloud.storage.transfer import (
    CountingReader,
    DownloadSink,
    Progress,
    StreamedBody,
    UploadSource,
    crc32c_hasher,
)
from codomyrmex_cloud.storage.types import (
    CHUNK_SIZE,
    REQUEST_TIMEOUT,
    BucketInfo,
    CustomerKey,
    KmsKey,
    ObjectInfo,
    ObjectVersion,
    Page,
    PathLike,
    SignedMethod,
    listed_info,
)

# google-auth's Credentials, imported here so that GCSClient's annotations resolve at runtime
# (typing.get_type_hints); this module loads on first use of GCSClient, and without the gcs
# extra it still imports (GCSClient() names the extra). The rest is for type checkers only.
with contextlib.suppress(ImportError):  # only without the gcs extra
    from google.auth.credentials import Credentials
if TYPE_CHECKING:
    import requests
    from google.cloud.storage import Blob, Client

_DEFAULT_ENDPOINT = "https://storage.googleapis.com"
_READ_PIECE = 1024 * 1024


def _import_storage() -> Any:
    try:
        from google.cloud import storage
    except ImportError as exc:
        raise ImportError("GCSClient needs google-cloud-storage: pip install 'codomyrmex-cloud[gcs]'") from exc
    return storage


def map_error(exc: BaseException, bucket: str | None, key: str | None) -> StorageError | None:
    """google-cloud-storage, api_core, auth and requests exceptions as StorageErrors (the one
    mapping for GCS)."""
    from google.api_core import exceptions as gex
    from google.auth import exceptions as auth_ex
    from requests import exceptions as rex
    from urllib3 import exceptions as u3

    where = f"{bucket}/{key}" if key else str(bucket)
    if isinstance(exc, gex.RetryError):
        cause = exc.cause
        mapped = map_error(cause, bucket, key) if isinstance(cause, BaseException) else None
        if isinstance(mapped, StorageConnectionError):
            return type(mapped)(f"GCS: gave up retrying {where}: {mapped}", bucket=bucket, key=key)
        return StorageTimeoutError(f"GCS: retries for {where} ran out of time: {exc}", bucket=bucket, key=key)
    if isinstance(exc, gex.NotFound):
        message = str(getattr(exc, "message", exc))
        bucket_missing = key is None or "bucket" in message.lower()
        cls = BucketNotFoundError if bucket_missing else ObjectNotFoundError
        return cls(f"GCS: {where} not found: {message}", bucket=bucket, key=key)
    if isinstance(exc, gex.Forbidden | gex.Unauthorized | auth_ex.DefaultCredentialsError | auth_ex.RefreshError):
        return StoragePermissionError(f"GCS denied access to {where}: {exc}", bucket=bucket, key=key)
    if isinstance(exc, gex.PreconditionFailed):
        return PreconditionFailedError(f"GCS precondition failed for {where}", bucket=bucket, key=key)
    if type(exc).__name__ == "DataCorruption":  # google.resumable_media / storage._media
        return IntegrityError(f"GCS checksum mismatch for {where}: {exc}", bucket=bucket, key=key)
    if isinstance(exc, gex.BadRequest | gex.RequestRangeNotSatisfiable):
        return InvalidArgumentError(f"GCS rejected the request for {where}: {exc}", bucket=bucket, key=key)
    timeout = rex.Timeout | gex.DeadlineExceeded | gex.GatewayTimeout | u3.TimeoutError | TimeoutError
    # urllib3's NewConnectionError (refused, reset) subclasses its ConnectTimeoutError.
    if isinstance(exc, timeout) and not isinstance(exc, u3.NewConnectionError):
        return StorageTimeoutError(f"GCS did not answer in time for {where}: {exc}", bucket=bucket, key=key)
    if isinstance(
        exc,
        rex.ConnectionError
        | rex.ChunkedEncodingError
        | gex.ServiceUnavailable
        | gex.InternalServerError
        | gex.BadGateway
        | u3.HTTPError
        | auth_ex.TransportError
        | ConnectionError,
    ):
        return StorageConnectionError(f"cannot reach GCS for {where}: {exc}", bucket=bucket, key=key)
    if isinstance(exc, gex.GoogleAPICallError):
        return StorageError(f"GCS error for {where}: {exc}", bucket=bucket, key=key)
    if isinstance(exc, rex.RequestException):
        return StorageConnectionError(f"GCS request failed for {where}: {exc}", bucket=bucket, key=key)
    return None


def _session_class() -> Any:
    from google.auth.transport.requests import AuthorizedSession

    class DeadlineSession(AuthorizedSession):
        """The SDK's session, with every request's timeout capped by the operation deadline."""

        request_timeout: float = 60.0

        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            timeout = kwargs.get("timeout")
            limit = timeout if isinstance(timeout, int | float) and timeout > 0 else self.request_timeout
            capped = deadlines.request_timeout(min(limit, self.request_timeout))
            kwargs["timeout"] = (capped, capped)
            return super().request(method, url, *args, **kwargs)  # type: ignore[no-untyped-call]

    return DeadlineSession


class GCSClient(BaseStore):
    """Google Cloud Storage behind the shared storage contract.

    Args:
        project: GCP project (defaults to the environment / ADC).
        credentials: google-auth credentials (defaults to application default credentials;
            never pickled: a pickled client resolves them again where it is loaded).
        endpoint: API endpoint, e.g. an emulator's ``http://127.0.0.1:4443`` (defaults to
            ``STORAGE_EMULATOR_HOST`` or Google's).
        anonymous: Send unauthenticated requests (public buckets).
        chunk_size: Objects larger than this are resumable uploads; the chunk of a stream of
            unknown size and ``open_write``'s part size (a multiple of 256 KiB).
        timeout: Seconds per request, for connecting and for each read.
        retry: A ``StorageRetryPolicy`` (default ``StorageRetryPolicy()``); anything else is refused.
        deadline: Default seconds per operation (None: bounded by ``timeout`` and ``retry``).
        proxies: Proxy URLs by scheme (``{"https": "http://proxy:3128"}``).
        ca_bundle: A CA bundle file to verify TLS with (``False`` disables verification).

    Raises:
        ImportError: google-cloud-storage is not installed.
    """

    _rules = v.GCS
    _map_error = staticmethod(map_error)

    def __init__(
        self,
        project: str | None = None,
        *,
        credentials: Credentials | None = None,
        endpoint: str | None = None,
        anonymous: bool = False,
        chunk_size: int = CHUNK_SIZE,
        timeout: float = REQUEST_TIMEOUT,
        retry: RetryPolicy | None = None,
        deadline: float | None = None,
        proxies: Mapping[str, str] | None = None,
        ca_bundle: PathLike | bool | None = None,
    ) -> None:
        _import_storage()
        size = v.check_positive_int(chunk_size, "chunk_size")
        assert size is not None
        if size % (256 * 1024):
            raise InvalidArgumentError(
                "chunk_size: must be a multiple of 256 KiB (a GCS requirement)", argument="chunk_size"
            )
        self._settings: dict[str, Any] = {
            "project": v.check_word(project, "project", r"[A-Za-z0-9][A-Za-z0-9._:-]*"),
            "endpoint": v.check_endpoint(endpoint, "endpoint"),
            "anonymous": v.check_flag(anonymous, "anonymous"),
            "chunk_size": size,
            "timeout": v.check_seconds(timeout, "timeout", allow_none=False),
            "retry": check_retry(retry),
            "deadline": v.check_seconds(deadline, "deadline"),
            "proxies": v.check_proxies(proxies),
            "ca_bundle": str(ca_bundle) if isinstance(ca_bundle, str | os.PathLike) else ca_bundle,
        }
        self._credentials = credentials
        self._configure()
        with self._errors():
            self._build()

    def _configure(self) -> None:
        s = self._settings
        self._chunk_size: int = s["chunk_size"]
        self._part_size = self._chunk_size
        self._timeout: float = s["timeout"]
        self._retry_policy: RetryPolicy = s["retry"]
        self._default_deadline = s["deadline"]
        self._pid = -1

    def _build(self) -> None:
        storage = _import_storage()
        protect()  # before the SDK logs anything
        s = self._settings
        endpoint = s["endpoint"] or os.environ.get("STORAGE_EMULATOR_HOST")
        project = s["project"]
        credentials = self._credentials
        if credentials is None and (s["anonymous"] or endpoint):
            from google.auth.credentials import AnonymousCredentials

            credentials = AnonymousCredentials()  # type: ignore[no-untyped-call] # emulators take none
            project = project or "anonymous"
        elif credentials is None:
            import google.auth

            credentials, default_project = google.auth.default(scopes=storage.Client.SCOPE)
            project = project or default_project
        # Whatever the credentials already hold; tokens fetched later are masked by pattern.
        protect(*(getattr(credentials, name, None) for name in ("token", "refresh_token", "client_secret")))
        session = _session_class()(credentials)
        session.request_timeout = self._timeout
        if s["proxies"]:
            session.proxies.update(s["proxies"])
        if s["ca_bundle"] is not None:
            session.verify = s["ca_bundle"]
        options = {"api_endpoint": endpoint} if endpoint else None
        self.client: Client = storage.Client(
            project=project, credentials=credentials, _http=session, client_options=options
        )
        # google-cloud-storage >= 3.5 fetches each bucket's metadata on a background thread to
        # label OpenTelemetry spans: one request per bucket that no deadline bounds and no
        # retry policy governs. We send no spans, so switch it off for this client.
        if getattr(self.client, "_bucket_metadata_cache", None) is not None:
            self.client._bucket_metadata_cache = None
        self._session = session
        self._base = (endpoint or _DEFAULT_ENDPOINT).rstrip("/")
        if "://" not in self._base:
            self._base = "http://" + self._base
        self._pid = os.getpid()

    def _sdk(self) -> Client:
        if self._pid != os.getpid():
            self._build()
        return self.client

    def _close(self) -> None:
        if self._pid == os.getpid():  # after fork, the connections are the parent's
            self.client.close()  # closes our session (the client's ``_http``)
            self._session.close()

    def __repr__(self) -> str:
        return f"GCSClient(project={self.client.project!r})"

    def __getstate__(self) -> dict[str, Any]:
        return {"settings": self._settings}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._settings = state["settings"]
        self._credentials = None  # resolved again (ADC, or anonymous for an emulator) here
        self._configure()
        self._build()

    # Retries ----------------------------------------------------------------------------

    def _retry(self, *, safe: bool = True) -> Any:
        """An api_core ``Retry`` for one operation (None for a write that is unsafe to repeat)."""
        if not safe:
            return None
        from google.api_core.retry import Retry
        from google.cloud.storage.retry import _should_retry

        policy = self._retry_policy
        failures = [0]

        def predicate(exc: Exception) -> bool:
            failures[0] += 1
            left = deadlines.remaining()
            if failures[0] >= policy.max_attempts or (left is not None and left <= 0):
                return False
            return bool(_should_retry(exc))

        left = deadlines.remaining()
        return Retry(
            predicate=predicate,
            initial=max(policy.backoff_base, 0.001),
            maximum=max(policy.backoff_max, 0.001),
            multiplier=2.0,
            timeout=max(left, 0.001) if left is not None else None,
        )

    def _blob(self, bucket: str, key: str, *, generation: int | None = None, **options: Any) -> Blob:
        return self._sdk().bucket(bucket).blob(key, generation=generation, **options)

    @staticmethod
    def _generation(value: str | None, bucket: str, key: str) -> int | None:
        if value is None:
            return None
        if not value.isdigit():
            raise PreconditionFailedError(f"{value!r} is not a generation of {bucket}/{key}", bucket=bucket, key=key)
        return int(value)

    # Buckets ----------------------------------------------------------------------------

    def _create_bucket(self, bucket: str) -> None:
        from google.api_core import exceptions as gex

        try:
            self._sdk().create_bucket(bucket, timeout=self._timeout, retry=self._retry())
        except gex.Conflict:
            if not self._bucket_exists(bucket):
                raise

    def _delete_bucket(self, bucket: str, force: bool) -> None:
        from google.api_core import exceptions as gex

        if not self._bucket_exists(bucket):
            return
        client = self._sdk()
        if force:
            blobs = list(client.list_blobs(bucket, versions=True, timeout=self._timeout, retry=self._retry()))
            for blob in blobs:
                self._blob(bucket, blob.name, generation=blob.generation).delete(
                    timeout=self._timeout, retry=self._retry()
                )
        elif next(iter(client.list_blobs(bucket, max_results=1, timeout=self._timeout)), None) is not None:
            raise BucketNotEmptyError(f"bucket {bucket!r} is not empty", bucket=bucket)
        try:
            client.bucket(bucket).delete(timeout=self._timeout, retry=self._retry())
        except gex.NotFound:
            return
        except gex.Conflict as exc:
            raise BucketNotEmptyError(f"bucket {bucket!r} is not empty", bucket=bucket) from exc

    def _bucket_exists(self, bucket: str) -> bool:
        return bool(self._sdk().bucket(bucket).exists(timeout=self._timeout, retry=self._retry()))

    def _list_buckets(self, prefix: str) -> list[BucketInfo]:
        buckets = self._sdk().list_buckets(prefix=prefix or None, timeout=self._timeout, retry=self._retry())
        # Filtered here too: fake-gcs-server ignores the prefix.
        return [BucketInfo(b.name, b.time_created) for b in buckets if b.name.startswith(prefix)]

    # Writes -----------------------------------------------------------------------------

    def _configured_blob(self, bucket: str, key: str, opts: v.WriteOptions, *, plain: bool = False) -> Blob:
        """A Blob that writes with ``opts``; with ``plain``, only its encryption (a rewrite
        target, which takes the rest from its source)."""
        options: dict[str, Any] = {}
        if isinstance(opts.encryption, KmsKey):
            options["kms_key_name"] = opts.encryption.key_id
        elif isinstance(opts.encryption, CustomerKey):
            options["encryption_key"] = opts.encryption.key
        blob = self._blob(bucket, key, **options)
        if plain:
            return blob
        if opts.metadata:
            blob.metadata = dict(opts.metadata)
        blob.content_type = opts.content_type
        blob.cache_control = opts.cache_control
        blob.content_encoding = opts.content_encoding
        blob.content_disposition = opts.content_disposition
        if opts.storage_class:
            blob.storage_class = opts.storage_class
        return blob

    def _precondition(self, opts: v.WriteOptions, bucket: str, key: str) -> int | None:
        if opts.create_only:
            return 0  # GCS: "only if no live object exists"
        return self._generation(opts.if_match, bucket, key)

    def _put(self, bucket: str, key: str, source: UploadSource, opts: v.WriteOptions, progress: Progress) -> ObjectInfo:
        rereadable = source.path is not None or source.data is not None
        if source.size is not None and source.size > self._chunk_size and rereadable:
            # One streamed request, not chunk after chunk: each chunk of a resumable upload
            # is a round trip that waits for the service to store it.
            return _GCSWrite(self, bucket, key, opts).put_whole(source, progress)
        blob = self._configured_blob(bucket, key, opts)
        if source.size is None or source.size > self._chunk_size:
            blob.chunk_size = self._chunk_size  # resumable, one chunk in memory
        generation = self._precondition(opts, bucket, key)
        reader = CountingReader(source.stream, source.size, lambda done, _total: progress.add(done - progress.done))
        blob.upload_from_file(
            reader,
            size=source.size,
            content_type=opts.content_type,
            if_generation_match=generation,
            checksum="crc32c",
            timeout=self._timeout,
            retry=self._retry(safe=generation is not None),
        )
        return _info(bucket, blob)

    def _writer(self, bucket: str, key: str, opts: v.WriteOptions, part_size: int) -> _GCSWrite:
        return _GCSWrite(self, bucket, key, opts)

    # Reads ------------------------------------------------------------------------------

    def _media(self, bucket: str, key: str, opts: v.ReadOptions, byte_range: str | None) -> requests.Response:
        """One streaming media GET (retried until the response starts)."""
        from google.api_core import exceptions as gex

        params: dict[str, str] = {"alt": "media"}
        if opts.version_id:
            params["generation"] = opts.version_id
        if opts.if_match:
            generation = self._generation(opts.if_match, bucket, key)
            params["ifGenerationMatch"] = str(generation)
        url = (
            f"{self._base}/download/storage/v1/b/{urllib.parse.quote(bucket, safe='')}"
            f"/o/{urllib.parse.quote(key, safe='')}?{urllib.parse.urlencode(params)}"
        )
        # Ask for the stored bytes as they are (no decompressive transcoding): the checksums
        # GCS reports are of those bytes.
        headers = {"Accept-Encoding": "gzip"}
        if byte_range:
            headers["Range"] = byte_range
        if opts.customer_key is not None:
            headers.update(_customer_key_headers(opts.customer_key))
        self._sdk()

        def send() -> requests.Response:
            response: requests.Response = self._session.get(url, headers=headers, stream=True)
            if response.status_code >= 400 and response.status_code != 416:
                try:
                    raise gex.from_http_response(response)  # type: ignore[no-untyped-call]
                finally:
                    response.close()
            return response

        result: requests.Response = self._retry()(send)()
        return result

    def _missing(self, exc: BaseException, bucket: str, key: str) -> BaseException:
        """A 404 from a media GET: tell a missing bucket from a missing object."""
        from google.api_core import exceptions as gex

        if isinstance(exc, gex.NotFound) and not self._bucket_exists(bucket):
            return BucketNotFoundError(f"GCS: bucket {bucket!r} not found", bucket=bucket, key=key)
        if isinstance(exc, gex.NotFound):
            return ObjectNotFoundError(f"GCS: {bucket}/{key} not found", bucket=bucket, key=key)
        return exc

    def _get(self, bucket: str, key: str, sink: DownloadSink, opts: v.ReadOptions) -> None:
        try:
            response = self._media(bucket, key, opts, None)
        except Exception as exc:
            raise self._missing(exc, bucket, key) from exc
        with response:
            sink.begin(self._checked(_info_from_headers(bucket, key, response.headers), opts))
            for chunk in response.raw.stream(_READ_PIECE, decode_content=False):
                sink.write(chunk)

    def _open(
        self, bucket: str, key: str, start: int, end: int | None, opts: v.ReadOptions
    ) -> tuple[ObjectInfo | None, Iterator[bytes]]:
        whole = start == 0 and end is None
        byte_range = None if whole else f"bytes={start}-{'' if end is None else end - 1}"
        try:
            response = self._media(bucket, key, opts, byte_range)
        except Exception as exc:
            raise self._missing(exc, bucket, key) from exc
        if response.status_code == 416:
            response.close()
            return None, iter(())  # start is past the end: like data[start:end]
        try:
            info = self._checked(_info_from_headers(bucket, key, response.headers), opts)
        except PreconditionFailedError:
            response.close()
            raise
        return info, _stream(response)

    @staticmethod
    def _checked(info: ObjectInfo, opts: v.ReadOptions) -> ObjectInfo:
        """``if_match`` checked on the response too: not every GCS-compatible server honours
        ``ifGenerationMatch`` on media downloads (fake-gcs-server ignores it)."""
        if opts.if_match is not None and info.etag != opts.if_match:
            raise PreconditionFailedError(
                f"GCS: {info.bucket}/{info.key} is generation {info.etag}, not {opts.if_match}",
                bucket=info.bucket,
                key=info.key,
            )
        return info

    def _stat(self, bucket: str, key: str, opts: v.ReadOptions) -> ObjectInfo:
        client = self._sdk()
        blob = client.bucket(bucket).get_blob(
            key,
            generation=self._generation(opts.version_id, bucket, key) if opts.version_id else None,
            encryption_key=opts.customer_key.key if opts.customer_key else None,
            timeout=self._timeout,
            retry=self._retry(),
        )
        if blob is None:
            if not self._bucket_exists(bucket):
                raise BucketNotFoundError(f"GCS: bucket {bucket!r} not found", bucket=bucket, key=key)
            raise ObjectNotFoundError(f"GCS: {bucket}/{key} not found", bucket=bucket, key=key)
        return _info(bucket, blob)

    # Deletes and copies -----------------------------------------------------------------

    def _delete(self, bucket: str, key: str, version_id: str | None) -> None:
        from google.api_core import exceptions as gex

        generation = self._generation(version_id, bucket, key) if version_id else None
        try:
            self._blob(bucket, key, generation=generation).delete(timeout=self._timeout, retry=self._retry())
        except gex.NotFound:
            return  # already gone, or no such bucket

    def _copy(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str, opts: v.CopyOptions) -> ObjectInfo:
        version_id = opts.source.version_id
        self._stat(src_bucket, src_key, opts.source)
        generation = self._generation(version_id, src_bucket, src_key) if version_id else None
        source_key = opts.source.customer_key
        # The SDK's rewrite sends the source blob's key as x-goog-copy-source-encryption-*,
        # the target's as x-goog-encryption-* (or its KMS key as destinationKmsKeyName), on
        # every request of the rewrite.
        source = self._blob(
            src_bucket, src_key, generation=generation, encryption_key=source_key.key if source_key else None
        )
        target = self._configured_blob(dst_bucket, dst_key, v.WriteOptions(encryption=opts.encryption), plain=True)
        with self._errors(dst_bucket, dst_key):
            token, _, _ = target.rewrite(source, timeout=self._timeout, retry=self._retry())
            while token is not None:
                token, _, _ = target.rewrite(source, token=token, timeout=self._timeout, retry=self._retry())
        return _info(dst_bucket, target)

    # Listings ---------------------------------------------------------------------------

    def _list(
        self, bucket: str, prefix: str, delimiter: str | None, page_size: int | None
    ) -> Iterator[Page[ObjectInfo]]:
        iterator = self._sdk().list_blobs(
            bucket,
            prefix=prefix or None,
            delimiter=delimiter,
            page_size=page_size,
            timeout=self._timeout,
            retry=self._retry(),
        )
        # Items straight from the JSON to ObjectInfo: no Blob object per item, and the date
        # parsed by datetime.fromisoformat instead of google's strptime.
        iterator.item_to_value = lambda _iterator, item: _info_from_resource(bucket, item)
        for page in iterator.pages:
            yield list(page), sorted(page.prefixes)

    def _list_versions(self, bucket: str, prefix: str, page_size: int | None) -> Iterator[Page[ObjectVersion]]:
        iterator = self._sdk().list_blobs(
            bucket,
            prefix=prefix or None,
            versions=True,
            page_size=page_size,
            timeout=self._timeout,
            retry=self._retry(),
        )
        for page in iterator.pages:
            versions = []
            for blob in page:
                base = _info(bucket, blob)
                fields = {f: getattr(base, f) for f in base.__dataclass_fields__}
                versions.append(ObjectVersion(**fields, is_latest=blob.time_deleted is None))
            versions.sort(key=lambda o: (o.key, not o.is_latest, -int(o.version_id or 0)))
            yield versions, []

    # Signed URLs ------------------------------------------------------------------------

    def signed_url(self, bucket: str, key: str, *, expires_in: int = 3600, method: SignedMethod = "GET") -> str:
        """A V4 signed URL (GCS's maximum is 7 days); needs credentials that can sign.

        Raises:
            InvalidArgumentError: ``expires_in`` is not 1 second to 7 days.
            UnsupportedOperationError: These credentials cannot sign (anonymous, or a user
                account without a private key).
        """
        bucket, key = self._names(bucket, key)
        seconds = v.check_expiry(expires_in)
        verb = v.check_method(method)
        blob = self._blob(bucket, key)
        try:
            with self._operation(None, bucket, key):
                url: str = blob.generate_signed_url(version="v4", expiration=timedelta(seconds=seconds), method=verb)
        except AttributeError as exc:  # the SDK's way of saying "these credentials cannot sign"
            raise UnsupportedOperationError(
                f"these credentials cannot sign URLs: {exc}", bucket=bucket, key=key
            ) from exc
        return url


class _GCSWrite:
    """One resumable upload session (``open_write``): chunks PUT in order; abort DELETEs it."""

    def __init__(self, store: GCSClient, bucket: str, key: str, opts: v.WriteOptions) -> None:
        self._store = store
        self._bucket = bucket
        self._key = key
        self._opts = opts
        self._session_url: str | None = None
        self._offset = 0
        self._crc = crc32c_hasher()

    def put(self, data: bytes) -> ObjectInfo:
        import io

        blob = self._store._configured_blob(self._bucket, self._key, self._opts)
        generation = self._store._precondition(self._opts, self._bucket, self._key)
        blob.upload_from_file(
            io.BytesIO(data),
            size=len(data),
            content_type=self._opts.content_type,
            if_generation_match=generation,
            checksum="crc32c",
            timeout=self._store._timeout,
            retry=self._store._retry(safe=generation is not None),
        )
        return _info(self._bucket, blob)

    def _start(self, size: int | None = None, crc32c: bytes | None = None) -> str:
        blob = self._store._configured_blob(self._bucket, self._key, self._opts)
        if crc32c is not None:
            blob.crc32c = base64.b64encode(crc32c).decode()  # GCS checks the bytes against it
        url: str = blob.create_resumable_upload_session(
            content_type=self._opts.content_type,
            size=size,
            timeout=self._store._timeout,
            checksum=None,
            if_generation_match=self._store._precondition(self._opts, self._bucket, self._key),
            retry=self._store._retry(),
        )
        return url

    def _headers(self, first: int, last: int | None, total: int | None) -> dict[str, str]:
        span = "*" if last is None else f"{first}-{last}"
        headers = {"Content-Range": f"bytes {span}/{'*' if total is None else total}"}
        if isinstance(self._opts.encryption, CustomerKey):
            headers.update(_customer_key_headers(self._opts.encryption))
        return headers

    def _raise(self, response: Any) -> None:
        from google.api_core import exceptions as gex

        raise gex.from_http_response(response)  # type: ignore[no-untyped-call]

    def _put_range(self, length: int, body: Callable[[int], Any], total: int | None) -> Any:
        """PUT ``length`` bytes at the current offset (``body(skip)`` is the request body
        from ``skip`` bytes into them); after a failure ask the service what it has and
        resend the rest (up to the retry policy's attempts, within the deadline)."""
        import time

        import requests

        assert self._session_url is not None
        policy = self._store._retry_policy
        start = self._offset
        failure: BaseException | None = None
        for attempt in range(policy.max_attempts):
            if attempt:
                delay = policy.backoff(attempt - 1)
                left = deadlines.remaining()
                if left is not None and delay >= left:
                    break
                time.sleep(delay)
                status = self._store._session.put(self._session_url, headers=self._headers(0, None, total), data=b"")
                if status.status_code in (200, 201):
                    return status  # the last request did arrive
                if status.status_code != 308:
                    self._raise(status)
                ranges = status.headers.get("Range")
                self._offset = int(ranges.rsplit("-", 1)[1]) + 1 if ranges else 0
            skip = self._offset - start
            last = self._offset + (length - skip) - 1 if length > skip else None
            try:
                response = self._store._session.put(
                    self._session_url, headers=self._headers(self._offset, last, total), data=body(skip)
                )
            except (requests.RequestException, ConnectionError) as exc:
                failure = exc
                continue
            if response.status_code in (200, 201):
                self._offset = start + length
                return response
            if response.status_code == 308 and total is None:
                ranges = response.headers.get("Range")
                self._offset = int(ranges.rsplit("-", 1)[1]) + 1 if ranges else 0
                if self._offset >= start + length:
                    return response
                continue
            if response.status_code < 500 and response.status_code != 429:
                self._raise(response)
            failure = StorageConnectionError(f"GCS answered {response.status_code}")
        raise StorageConnectionError(
            f"GCS resumable upload of {self._bucket}/{self._key} failed: {failure}",
            bucket=self._bucket,
            key=self._key,
        ) from failure

    def put_whole(self, source: UploadSource, progress: Progress) -> ObjectInfo:
        """The whole object in one streamed request (a file read piece by piece, or bytes),
        its CRC32C stated when the session starts so GCS refuses other bytes; resumed from
        what the service has after a failure."""
        assert source.size is not None
        size = source.size
        read_at = _reader(source)
        checksum = crc32c_hasher()
        if checksum is not None:
            for position in range(0, size, _READ_PIECE):
                checksum.update(bytes(read_at(position, min(_READ_PIECE, size - position))))
            self._crc = checksum
        self._session_url = self._start(size, checksum.digest() if checksum is not None else None)
        try:
            response = self._put_range(
                size, lambda skip: StreamedBody(read_at, skip, size, progress, f"upload of {self._key}"), size
            )
        except BaseException:
            self.abort()
            raise
        return self._finished(response)

    def upload_part(self, number: int, data: bytes) -> None:
        if self._session_url is None:
            self._session_url = self._start()
        if self._crc is not None:
            self._crc.update(data)
        self._put_range(len(data), lambda skip: data[skip:], None)

    def finish(self, number: int, data: bytes, total: int) -> ObjectInfo:
        if self._crc is not None:
            self._crc.update(data)
        return self._finished(self._put_range(len(data), lambda skip: data[skip:], total))

    def _finished(self, response: Any) -> ObjectInfo:
        self._session_url = None
        resource = response.json()
        info = _info_from_resource(self._bucket, resource)
        if self._crc is not None and info.checksums.get("crc32c") not in (None, self._crc.digest().hex()):
            raise IntegrityError(
                f"GCS stored a CRC32C that does not match what was sent for {self._bucket}/{self._key}",
                bucket=self._bucket,
                key=self._key,
            )
        return info

    def abort(self) -> None:
        if self._session_url is None:
            return
        url, self._session_url = self._session_url, None
        with deadlines.suspended():
            self._store._session.delete(url)  # 499: the session and its bytes are gone


def _customer_key_headers(key: CustomerKey) -> dict[str, str]:
    return {
        "x-goog-encryption-algorithm": "AES256",
        "x-goog-encryption-key": base64.b64encode(key.key).decode(),
        "x-goog-encryption-key-sha256": base64.b64encode(hashlib.sha256(key.key).digest()).decode(),
    }


def _reader(source: UploadSource) -> Callable[[int, int], bytes | memoryview]:
    """``read_at(position, size)`` over a file (``pread``, no shared position) or bytes."""
    if source.data is not None:
        view = memoryview(source.data)
        return lambda position, size: view[position : position + size]
    fd = source.stream.fileno()
    origin = source.stream.tell()
    return lambda position, size: os.pread(fd, size, origin + position)


def _stream(response: requests.Response) -> Iterator[bytes]:
    with response:
        yield from response.raw.stream(_READ_PIECE, decode_content=False)


def _parse_hashes(value: str | None) -> dict[str, str]:
    checksums: dict[str, str] = {}
    for part in (value or "").split(","):
        name, _, encoded = part.strip().partition("=")
        if name in ("crc32c", "md5") and encoded:
            checksums[name] = base64.b64decode(encoded).hex()
    return checksums


def _http_date(value: str | None) -> datetime | None:
    import email.utils

    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def _info_from_headers(bucket: str, key: str, headers: Mapping[str, str]) -> ObjectInfo:
    """ObjectInfo from a media GET's headers (``x-goog-*``)."""
    length = headers.get("x-goog-stored-content-length") or headers.get("Content-Length") or "0"
    content_range = headers.get("Content-Range")
    if content_range and "/" in content_range and not content_range.endswith("/*"):
        length = content_range.rsplit("/", 1)[1]
    metadata = {
        name[len("x-goog-meta-") :].lower(): value
        for name, value in headers.items()
        if name.lower().startswith("x-goog-meta-")
    }
    encoding = headers.get("x-goog-stored-content-encoding")
    generation = headers.get("x-goog-generation")
    return ObjectInfo(
        bucket=bucket,
        key=key,
        size=int(length),
        etag=generation,
        last_modified=_http_date(headers.get("Last-Modified")),
        content_type=headers.get("Content-Type"),
        metadata=metadata,
        checksums=_parse_hashes(headers.get("x-goog-hash")),
        version_id=generation,
        storage_class=headers.get("x-goog-storage-class"),
        cache_control=headers.get("Cache-Control"),
        content_encoding=None if encoding in (None, "identity") else encoding,
        content_disposition=headers.get("Content-Disposition"),
    )


def _info_from_resource(bucket: str, resource: Mapping[str, Any]) -> ObjectInfo:
    """ObjectInfo from the JSON API's object resource (listings, a resumable upload's answer).

    Listings call this for every item, so it avoids the slower general helpers:
    ``binascii`` rather than ``base64`` and ``fromisoformat`` (which reads the ``Z``)."""
    checksums: dict[str, str] = {}
    crc32c = resource.get("crc32c")
    if crc32c:
        checksums["crc32c"] = binascii.a2b_base64(crc32c).hex()
    md5 = resource.get("md5Hash")
    if md5:
        checksums["md5"] = binascii.a2b_base64(md5).hex()
    generation = resource.get("generation")
    if generation is not None:
        generation = str(generation)
    updated = resource.get("updated")
    return listed_info(
        bucket=bucket,
        key=str(resource.get("name", "")),
        size=int(resource.get("size") or 0),
        etag=generation,
        last_modified=datetime.fromisoformat(updated) if isinstance(updated, str) else None,
        content_type=resource.get("contentType"),
        metadata=dict(resource.get("metadata") or {}),
        checksums=checksums,
        version_id=generation,
        storage_class=resource.get("storageClass"),
        cache_control=resource.get("cacheControl"),
        content_encoding=resource.get("contentEncoding"),
        content_disposition=resource.get("contentDisposition"),
    )


def _info(bucket: str, blob: Blob) -> ObjectInfo:
    checksums: dict[str, str] = {}
    if blob.crc32c:
        checksums["crc32c"] = base64.b64decode(blob.crc32c).hex()
    if blob.md5_hash:
        checksums["md5"] = base64.b64decode(blob.md5_hash).hex()
    generation = str(blob.generation) if blob.generation is not None else None
    return ObjectInfo(
        bucket=bucket,
        key=blob.name or "",
        size=int(blob.size or 0),
        etag=generation,
        last_modified=blob.updated,
        content_type=blob.content_type,
        metadata=dict(blob.metadata or {}),
        checksums=checksums,
        version_id=generation,
        storage_class=blob.storage_class,
        cache_control=blob.cache_control,
        content_encoding=blob.content_encoding,
        content_disposition=blob.content_disposition,
    )
