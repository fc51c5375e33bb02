"""Object storage behind one contract: S3, GCS, Azure Blob and a local folder.

Importing this package loads no cloud SDK: the cloud clients and the async API load on first
use (PEP 562), and a client's module then imports its SDK's types (so ``typing.get_type_hints``
resolves its annotations); without the SDK, the import still works and constructing the
client names the extra to install.

Modules: ``protocol`` (the contract and capability protocols), ``base`` (``BaseStore``, the
public API written once), ``validation`` (every argument check), ``types`` (values),
``errors`` (the exception tree), ``retry`` and ``deadline`` (bounded failures), ``reader``
and ``writer`` (``open_read``/``open_write`` files), ``transfer`` (sources, sinks,
checksums), ``staging`` (writes through a temporary file beside their target), ``aio`` (the
async API), ``secrets`` (log redaction of the credentials a client is given), and one module
per backend (``files`` holds ``FileSystemStore``, plain files on disk). ``urls`` (stores
from URLs) and ``tree`` (copies between stores, trees, sync) build on the contract.
"""

import importlib
from typing import TYPE_CHECKING

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
from codomyrmex_cloud.storage.files import FileSystemStore
from codomyrmex_cloud.storage.local import LocalStore
from codomyrmex_cloud.storage.protocol import ObjectStore, SignsURLs, TaggedStore
from codomyrmex_cloud.storage.reader import ObjectReader
from codomyrmex_cloud.storage.retry import RetryPolicy
from codomyrmex_cloud.storage.types import (
    BucketInfo,
    CustomerKey,
    Encryption,
    EncryptionScope,
    KmsKey,
    ManagedKey,
    ObjectInfo,
    ObjectListing,
    ObjectVersion,
    ProgressCallback,
    StorageClass,
    VersionListing,
)
from codomyrmex_cloud.storage.writer import ObjectWriter

if TYPE_CHECKING:
    from codomyrmex_cloud.storage.aio import (
        AsyncAzureBlobClient,
        AsyncGCSClient,
        AsyncLocalStore,
        AsyncObjectStore,
        AsyncS3Client,
        AsyncStore,
    )
    from codomyrmex_cloud.storage.azure import AzureBlobClient
    from codomyrmex_cloud.storage.gcs import GCSClient
    from codomyrmex_cloud.storage.s3 import S3Client

#: Names loaded on first use, and the module that defines each (the TYPE_CHECKING imports
#: above repeat them for type checkers; a test keeps the two equal).
_LAZY: dict[str, str] = {
    "S3Client": "codomyrmex_cloud.storage.s3",
    "GCSClient": "codomyrmex_cloud.storage.gcs",
    "AzureBlobClient": "codomyrmex_cloud.storage.azure",
    **dict.fromkeys(
        (
            "AsyncAzureBlobClient",
            "AsyncGCSClient",
            "AsyncLocalStore",
            "AsyncObjectStore",
            "AsyncS3Client",
            "AsyncStore",
        ),
        "codomyrmex_cloud.storage.aio",
    ),
}

#: ``RetryPolicy`` under the name the top-level package exports it as (the Coda client has
#: its own ``RetryPolicy``).
StorageRetryPolicy = RetryPolicy

__all__ = [
    "AsyncAzureBlobClient",
    "AsyncGCSClient",
    "AsyncLocalStore",
    "AsyncObjectStore",
    "AsyncS3Client",
    "AsyncStore",
    "AzureBlobClient",
    "BucketInfo",
    "BucketNotEmptyError",
    "BucketNotFoundError",
    "CustomerKey",
    "Encryption",
    "EncryptionScope",
    "FileSystemStore",
    "GCSClient",
    "IntegrityError",
    "InvalidArgumentError",
    "KmsKey",
    "LocalStore",
    "ManagedKey",
    "ObjectInfo",
    "ObjectListing",
    "ObjectNotFoundError",
    "ObjectReader",
    "ObjectStore",
    "ObjectVersion",
    "ObjectWriter",
    "PreconditionFailedError",
    "ProgressCallback",
    "RetryPolicy",
    "S3Client",
    "SignsURLs",
    "StorageClass",
    "StorageConnectionError",
    "StorageError",
    "StoragePermissionError",
    "StorageRetryPolicy",
    "StorageTimeoutError",
    "TaggedStore",
    "UnsupportedOperationError",
    "VersionListing",
]


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
