"""Storage URLs: one string names a store, a bucket and a key (or prefix).

========================================  ==================================================
``s3://bucket/key``                       :class:`S3Client` (AWS or ``AWS_ENDPOINT_URL``)
``gs://bucket/key``                       :class:`GCSClient` (``STORAGE_EMULATOR_HOST``...)
``az://container/blob``                   :class:`AzureBlobClient`
``local://bucket/key``                    :class:`LocalStore` (the embedded default store)
``file:///path``, ``./path``, ``/path``   plain files on disk (:class:`FileSystemStore`)
========================================  ==================================================

A plain path means a normal file or folder, never a LocalStore bucket; ``local://`` names
the embedded store, rooted at ``StoreOptions.local_root``, else ``CODOMYRMEX_LOCAL_ROOT``,
else ``.codomyrmex-store``. Cloud keys are taken literally (no percent-decoding, as ``aws
s3`` and ``gsutil`` do); ``file://`` URLs are percent-decoded, as the URL standard says.
A key that is empty or ends in ``/`` names a prefix (a "folder").

Credentials never come from the URL: each client resolves them as its SDK does, or from
:class:`StoreOptions` (the command line's flags). Bad URLs raise ``InvalidArgumentError``
naming the argument, before any client is built or any request sent. Every store opened
here satisfies :class:`~codomyrmex_cloud.storage.protocol.ObjectStore`; close them when done
(``Stores`` is a context manager that closes every client it built).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Literal, Self, get_args
from urllib.parse import unquote, urlsplit

from codomyrmex_cloud.storage.errors import InvalidArgumentError, StoragePermissionError
from codomyrmex_cloud.storage.protocol import ObjectStore
from codomyrmex_cloud.storage.types import REQUEST_TIMEOUT

Scheme = Literal["s3", "gs", "az", "local", "file"]
CLOUD_SCHEMES: tuple[Scheme, ...] = ("s3", "gs", "az", "local")

#: Environment variable naming the root folder of ``local://`` URLs.
LOCAL_ROOT_ENV = "CODOMYRMEX_LOCAL_ROOT"
DEFAULT_LOCAL_ROOT = ".codomyrmex-store"

#: Azure's account variables (the names the Azure CLI reads), used when no connection
#: string is configured.
AZURE_ACCOUNT_ENV = "AZURE_STORAGE_ACCOUNT"
AZURE_KEY_ENV = "AZURE_STORAGE_KEY"
AZURE_SAS_ENV = "AZURE_STORAGE_SAS_TOKEN"
AZURE_CONNECTION_ENV = "AZURE_STORAGE_CONNECTION_STRING"


@dataclass(frozen=True)
class StorageURL:
    """A parsed storage URL.

    Attributes:
        scheme: ``s3``, ``gs``, ``az``, ``local`` or ``file``.
        bucket: Bucket or container; for ``file``, the folder keys are relative to
            (``.`` for a relative path, the root ``/`` for an absolute one).
        key: Object key, or a prefix when empty or ending in ``/``.
        text: The URL as given.
    """

    scheme: Scheme
    bucket: str
    key: str
    text: str = field(compare=False)

    @property
    def is_prefix(self) -> bool:
        """True when the URL names a prefix (a "folder") rather than one object."""
        return self.key == "" or self.key.endswith("/")

    @property
    def is_file(self) -> bool:
        """True for plain files on disk."""
        return self.scheme == "file"

    def local_path(self) -> Path:
        """The path on disk (``file`` URLs only)."""
        if not self.is_file:
            raise InvalidArgumentError(f"{self} is not a local path")
        return Path(self.bucket) / self.key if self.key else Path(self.bucket)

    def with_key(self, key: str) -> StorageURL:
        """The same bucket with another key."""
        return StorageURL(self.scheme, self.bucket, key, self.format(self.scheme, self.bucket, key))

    @staticmethod
    def format(scheme: Scheme, bucket: str, key: str) -> str:
        """The text form of a URL: ``scheme://bucket/key``, or a path for ``file``."""
        if scheme == "file":
            if bucket == ".":
                return key or "."
            return str(PurePosixPath(bucket) / key) if key else bucket
        return f"{scheme}://{bucket}/{key}"

    def __str__(self) -> str:
        return self.format(self.scheme, self.bucket, self.key)


def parse_url(text: str, *, argument: str = "url") -> StorageURL:
    """Parse a storage URL or local path.

    Args:
        text: ``s3://bucket/key``, ``gs://...``, ``az://container/blob``,
            ``local://bucket/key``, ``file:///path`` or a plain path.
        argument: The argument's name, used in error messages (``SRC``, ``dest`` ...).

    Raises:
        InvalidArgumentError: Empty, an unknown scheme, a cloud URL without a bucket, or a
            ``file://`` URL naming another host; the message names ``argument``.
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidArgumentError(f"{argument}: expected a storage URL or a path, got {text!r}", argument=argument)
    if "\x00" in text:
        raise InvalidArgumentError(f"{argument}: a URL or path cannot contain a NUL byte", argument=argument)
    scheme, sep, rest = text.partition("://")
    if not sep:
        named, colon, _ = text.partition(":")
        if colon and named.lower() in get_args(Scheme):
            # "s3:/bucket/key" is a mistyped URL far more often than a folder named "s3:".
            example = "file:///PATH" if named.lower() == "file" else f"{named.lower()}://BUCKET/KEY"
            raise InvalidArgumentError(
                f"{argument}: {text!r} is not a URL: {named + ':'!r} needs '//' ({example}); "
                f"for a local path write ./{text}",
                argument=argument,
            )
        return _file_url(text, text, argument)
    scheme = scheme.lower()
    if scheme == "file":
        parts = urlsplit(text)
        if parts.netloc not in ("", "localhost"):
            raise InvalidArgumentError(
                f"{argument}: file URLs must name this machine (file:///path), got {text!r}", argument=argument
            )
        return _file_url(unquote(parts.path), text, argument)
    if scheme not in get_args(Scheme):
        known = ", ".join(f"{s}://" for s in CLOUD_SCHEMES)
        raise InvalidArgumentError(
            f"{argument}: unknown scheme {scheme!r} in {text!r} (use {known}, file:// or a path)", argument=argument
        )
    bucket, _, key = rest.partition("/")
    if not bucket:
        raise InvalidArgumentError(
            f"{argument}: {text!r} names no bucket; write {scheme}://BUCKET/KEY", argument=argument
        )
    if any(ch.isspace() for ch in bucket):
        raise InvalidArgumentError(f"{argument}: bucket name {bucket!r} contains whitespace", argument=argument)
    return StorageURL(scheme, bucket, key, text)  # type: ignore[arg-type] # checked against Scheme above


def _file_url(path_text: str, text: str, argument: str) -> StorageURL:
    if not path_text:
        raise InvalidArgumentError(f"{argument}: {text!r} names no path", argument=argument)
    expanded = os.path.expanduser(path_text)
    trailing = expanded.endswith(("/", os.sep)) and len(expanded) > 1
    normal = os.path.normpath(expanded)
    if normal == ".." or normal.startswith(("../", ".." + os.sep)):
        normal = os.path.abspath(normal)  # outside the working folder: anchor it
    path = Path(normal)
    if path.is_absolute():
        bucket = path.anchor
        key = path.relative_to(path.anchor).as_posix()
    else:
        bucket = "."
        key = "" if normal == "." else path.as_posix()
    if key == ".":
        key = ""
    if trailing and key:
        key += "/"
    return StorageURL("file", bucket, key, text)


@dataclass(frozen=True)
class StoreOptions:
    """How to build each store; ``None`` leaves a setting to its SDK's own environment.

    Attributes:
        s3_endpoint_url: An S3-compatible endpoint (else ``AWS_ENDPOINT_URL`` or AWS).
        s3_region: AWS region (else ``AWS_REGION``/``AWS_DEFAULT_REGION``/profile).
        s3_profile: A named AWS profile.
        gcs_endpoint: A GCS endpoint such as an emulator (else ``STORAGE_EMULATOR_HOST``).
        gcs_project: GCP project (else the environment / application default credentials).
        azure_connection_string: Azure connection string (else
            ``AZURE_STORAGE_CONNECTION_STRING``). Never shown in a repr.
        azure_account_url: ``https://<account>.blob.core.windows.net`` (else derived from
            ``AZURE_STORAGE_ACCOUNT``). Never shown in a repr (its query may carry a SAS).
        azure_credential: Account key or SAS token for ``azure_account_url`` (else
            ``AZURE_STORAGE_KEY`` or ``AZURE_STORAGE_SAS_TOKEN``). Never shown in a repr.
        local_root: Root folder of ``local://`` URLs (else ``CODOMYRMEX_LOCAL_ROOT``, else
            ``.codomyrmex-store``).
        timeout: Seconds each request to a cloud may take to connect and between reads
            (else the stores' default, :data:`~codomyrmex_cloud.storage.types.REQUEST_TIMEOUT`).
    """

    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_profile: str | None = None
    gcs_endpoint: str | None = None
    gcs_project: str | None = None
    azure_connection_string: str | None = field(default=None, repr=False)
    azure_account_url: str | None = field(default=None, repr=False)
    azure_credential: str | None = field(default=None, repr=False)
    local_root: str | None = None
    timeout: float | None = None


class Stores:
    """Builds one client per kind of store on first use and hands the same one out again.

    Thread-safe: concurrent transfers share the clients (every store is thread-safe). Use it
    as a context manager (or call :meth:`close`) to close the clients it built.

    Args:
        options: How to build each store; defaults read the environment.
    """

    def __init__(self, options: StoreOptions | None = None) -> None:
        self.options = options or StoreOptions()
        self._stores: dict[Scheme, ObjectStore] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Stores(open={sorted(self._stores)})"

    def close(self) -> None:
        """Close every store built so far (their pooled connections); the next use of a
        scheme builds a new one."""
        with self._lock:
            built = list(self._stores.values())
            self._stores.clear()
        for store in built:
            store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def open(self, url: str | StorageURL, *, argument: str = "url") -> tuple[ObjectStore, str, str]:
        """The store, bucket and key (or prefix) a URL names.

        Raises:
            InvalidArgumentError: A malformed URL (the message names ``argument``).
            StoragePermissionError: No credentials for Azure could be found.
            ImportError: The cloud's SDK is not installed (the message names the extra).
        """
        parsed = url if isinstance(url, StorageURL) else parse_url(url, argument=argument)
        return self.store(parsed.scheme), parsed.bucket, parsed.key

    def store(self, scheme: Scheme) -> ObjectStore:
        """The (cached) store for a scheme."""
        with self._lock:
            if scheme not in self._stores:
                self._stores[scheme] = self._build(scheme)
            return self._stores[scheme]

    def _build(self, scheme: Scheme) -> ObjectStore:
        options = self.options
        if scheme == "file":
            from codomyrmex_cloud.storage.files import FileSystemStore

            return FileSystemStore()
        if scheme == "local":
            from codomyrmex_cloud.storage.local import LocalStore

            return LocalStore(options.local_root or os.environ.get(LOCAL_ROOT_ENV) or DEFAULT_LOCAL_ROOT)
        if scheme == "s3":
            from codomyrmex_cloud.storage.s3 import S3Client

            return S3Client(
                options.s3_region,
                endpoint_url=options.s3_endpoint_url,
                profile=options.s3_profile,
                timeout=_timeout(options),
            )
        if scheme == "gs":
            from codomyrmex_cloud.storage.gcs import GCSClient

            return GCSClient(options.gcs_project, endpoint=options.gcs_endpoint, timeout=_timeout(options))
        return _azure(options)


def _timeout(options: StoreOptions) -> float:
    return REQUEST_TIMEOUT if options.timeout is None else options.timeout


def _azure(options: StoreOptions) -> ObjectStore:
    from codomyrmex_cloud.storage.azure import AzureBlobClient

    connection = options.azure_connection_string or os.environ.get(AZURE_CONNECTION_ENV)
    if connection and not options.azure_account_url:
        return AzureBlobClient(connection, timeout=_timeout(options))
    account = os.environ.get(AZURE_ACCOUNT_ENV)
    account_url = options.azure_account_url or (f"https://{account}.blob.core.windows.net" if account else None)
    if account_url is None:
        raise StoragePermissionError(
            f"no Azure credentials: set {AZURE_CONNECTION_ENV}, or {AZURE_ACCOUNT_ENV} with {AZURE_KEY_ENV} "
            f"or {AZURE_SAS_ENV} (or pass --azure-connection-string)"
        )
    # A string credential is an account key or a SAS token; the SDK tells them apart and
    # takes the account name from the URL.
    credential = options.azure_credential or os.environ.get(AZURE_KEY_ENV) or os.environ.get(AZURE_SAS_ENV)
    return AzureBlobClient(account_url=account_url, credential=credential, timeout=_timeout(options))


def open_store(url: str, *, options: StoreOptions | None = None, argument: str = "url") -> tuple[ObjectStore, str, str]:
    """Open the store a URL names: ``(store, bucket, key_or_prefix)``.

    >>> store, bucket, key = open_store("s3://my-bucket/data/file.csv")  # doctest: +SKIP
    >>> with store:  # doctest: +SKIP
    ...     data = store.download(bucket, key)

    Each call builds a new client (close it when done); use :class:`Stores` to share clients
    between URLs.

    Raises:
        InvalidArgumentError: A malformed URL (the message names ``argument``).
        StoragePermissionError: No credentials for Azure could be found.
        ImportError: The cloud's SDK is not installed (the message names the extra).
    """
    return Stores(options).open(url, argument=argument)
