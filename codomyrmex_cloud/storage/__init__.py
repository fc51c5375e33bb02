"""Object storage behind one contract: S3, GCS, Azure Blob and a local folder.

Importing this package loads no cloud SDK; each client imports its SDK when constructed.
"""

from codomyrmex_cloud.storage.azure import AzureBlobClient
from codomyrmex_cloud.storage.base import ObjectInfo, ObjectListing, ObjectStore, ProgressCallback
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
from codomyrmex_cloud.storage.gcs import GCSClient
from codomyrmex_cloud.storage.local import LocalStore
from codomyrmex_cloud.storage.s3 import S3Client

__all__ = [
    "AzureBlobClient",
    "BucketNotEmptyError",
    "BucketNotFoundError",
    "GCSClient",
    "IntegrityError",
    "InvalidArgumentError",
    "LocalStore",
    "ObjectInfo",
    "ObjectListing",
    "ObjectNotFoundError",
    "ObjectStore",
    "PreconditionFailedError",
    "ProgressCallback",
    "S3Client",
    "StorageConnectionError",
    "StorageError",
    "StoragePermissionError",
    "StorageTimeoutError",
    "UnsupportedOperationError",
]
