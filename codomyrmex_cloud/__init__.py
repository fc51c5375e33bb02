"""codomyrmex-cloud: a typed SDK for Coda and object storage.

Public names load on first use (PEP 562): ``import codomyrmex_cloud`` imports neither the
generated Coda models (over a second for all of them) nor boto3, google-cloud-storage or
azure-storage-blob. Type checkers see the real imports below.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# module -> the public names it defines: the single source of the lazy map and of __all__.
# The TYPE_CHECKING imports below repeat them for type checkers (a test keeps all three equal).
_PUBLIC: dict[str, tuple[str, ...]] = {
    "codomyrmex_cloud.coda._sync": ("CodaClient", "Doc", "Page", "Table", "Column", "Row", "Paginated", "Mutation"),
    "codomyrmex_cloud.coda._async": (
        "AsyncCodaClient",
        "AsyncDoc",
        "AsyncPage",
        "AsyncTable",
        "AsyncColumn",
        "AsyncRow",
        "AsyncPaginated",
        "AsyncMutation",
    ),
    "codomyrmex_cloud.coda.lists": ("DocList", "PageList", "TableList", "ColumnList", "RowList"),
    "codomyrmex_cloud.coda.cells": ("CellValue", "CellInput"),
    "codomyrmex_cloud.coda.models": (
        "Formula",
        "Control",
        "Permission",
        "SharingMetadata",
        "RowEdit",
        "AclSettings",
        "User",
        "ApiLink",
        "MutationStatus",
        "ColumnFormat",
        "PrincipalSearch",
    ),
    "codomyrmex_cloud.coda.ratelimit": ("RateLimits", "Limit"),
    "codomyrmex_cloud.coda.retry": ("RetryPolicy",),
    "codomyrmex_cloud.coda.errors": (
        "CodaError",
        "CodaAPIError",
        "CodaAuthenticationError",
        "CodaForbiddenError",
        "CodaNotFoundError",
        "CodaGoneError",
        "CodaRateLimitError",
        "CodaValidationError",
        "CodaServerError",
        "CodaResponseError",
        "CodaConnectionError",
        "CodaTimeoutError",
        "CodaMutationError",
        "CodaPartialWriteError",
        "CodaPaginationError",
        "CodaConfigurationError",
        "CodaClosedError",
    ),
    "codomyrmex_cloud.storage": (
        "S3Client",
        "GCSClient",
        "AzureBlobClient",
        "LocalStore",
        "ObjectStore",
        "ObjectInfo",
        "ObjectListing",
        "ProgressCallback",
        "StorageError",
        "ObjectNotFoundError",
        "BucketNotFoundError",
        "BucketNotEmptyError",
        "StoragePermissionError",
        "PreconditionFailedError",
        "IntegrityError",
        "InvalidArgumentError",
        "UnsupportedOperationError",
        "StorageConnectionError",
        "StorageTimeoutError",
        "AsyncS3Client",
        "AsyncGCSClient",
        "AsyncAzureBlobClient",
        "AsyncLocalStore",
        "AsyncStore",
        "AsyncObjectStore",
        "FileSystemStore",
        "SignsURLs",
        "TaggedStore",
        "ObjectReader",
        "ObjectWriter",
        "ObjectVersion",
        "VersionListing",
        "BucketInfo",
        "StorageRetryPolicy",
        "Encryption",
        "ManagedKey",
        "KmsKey",
        "CustomerKey",
        "EncryptionScope",
        "StorageClass",
    ),
    "codomyrmex_cloud.coda.calls": (
        "ValueFormatName",
        "SortByName",
        "TableTypeName",
        "AccessName",
        "InsertionModeName",
        "ExportFormatName",
    ),
    "codomyrmex_cloud.storage.urls": (
        "open_store",
        "StorageURL",
        "StoreOptions",
    ),
    "codomyrmex_cloud.storage.tree": (
        "copy_object",
        "move",
        "copy_tree",
        "upload_dir",
        "download_dir",
        "plan_sync",
        "run_sync",
        "SyncPlan",
        "SyncAction",
        "SyncResult",
        "TreeResult",
        "TransferError",
    ),
    "codomyrmex_cloud.bridge": (
        "export_table",
        "import_rows",
        "ExportResult",
        "ImportResult",
        "ExportFormat",
        "ImportFormat",
        "BridgeError",
    ),
    "codomyrmex_cloud.log_redaction": (
        "install_log_redaction",
        "register_secret",
    ),
}

# name -> module that defines it (what __getattr__ imports on first use).
_EXPORTS: dict[str, str] = {name: module for module, names in _PUBLIC.items() for name in names}

# Spelled out (not computed) so type checkers read it; tests keep it equal to _EXPORTS.
__all__ = [
    "__version__",
    "CodaClient",
    "Doc",
    "Page",
    "Table",
    "Column",
    "Row",
    "Paginated",
    "Mutation",
    "AsyncCodaClient",
    "AsyncDoc",
    "AsyncPage",
    "AsyncTable",
    "AsyncColumn",
    "AsyncRow",
    "AsyncPaginated",
    "AsyncMutation",
    "DocList",
    "PageList",
    "TableList",
    "ColumnList",
    "RowList",
    "CellValue",
    "CellInput",
    "Formula",
    "Control",
    "Permission",
    "SharingMetadata",
    "RowEdit",
    "AclSettings",
    "User",
    "ApiLink",
    "MutationStatus",
    "ColumnFormat",
    "PrincipalSearch",
    "RateLimits",
    "Limit",
    "RetryPolicy",
    "CodaError",
    "CodaAPIError",
    "CodaAuthenticationError",
    "CodaForbiddenError",
    "CodaNotFoundError",
    "CodaGoneError",
    "CodaRateLimitError",
    "CodaValidationError",
    "CodaServerError",
    "CodaResponseError",
    "CodaConnectionError",
    "CodaTimeoutError",
    "CodaMutationError",
    "CodaPartialWriteError",
    "CodaPaginationError",
    "CodaConfigurationError",
    "CodaClosedError",
    "S3Client",
    "GCSClient",
    "AzureBlobClient",
    "LocalStore",
    "ObjectStore",
    "ObjectInfo",
    "ObjectListing",
    "ProgressCallback",
    "StorageError",
    "ObjectNotFoundError",
    "BucketNotFoundError",
    "BucketNotEmptyError",
    "StoragePermissionError",
    "PreconditionFailedError",
    "IntegrityError",
    "InvalidArgumentError",
    "UnsupportedOperationError",
    "StorageConnectionError",
    "StorageTimeoutError",
    "AsyncS3Client",
    "AsyncGCSClient",
    "AsyncAzureBlobClient",
    "AsyncLocalStore",
    "AsyncStore",
    "AsyncObjectStore",
    "FileSystemStore",
    "SignsURLs",
    "TaggedStore",
    "ObjectReader",
    "ObjectWriter",
    "ObjectVersion",
    "VersionListing",
    "BucketInfo",
    "StorageRetryPolicy",
    "Encryption",
    "ManagedKey",
    "KmsKey",
    "CustomerKey",
    "EncryptionScope",
    "StorageClass",
    "ValueFormatName",
    "SortByName",
    "TableTypeName",
    "AccessName",
    "InsertionModeName",
    "ExportFormatName",
    "open_store",
    "StorageURL",
    "StoreOptions",
    "copy_object",
    "move",
    "copy_tree",
    "upload_dir",
    "download_dir",
    "plan_sync",
    "run_sync",
    "SyncPlan",
    "SyncAction",
    "SyncResult",
    "TreeResult",
    "TransferError",
    "export_table",
    "import_rows",
    "ExportResult",
    "ImportResult",
    "ExportFormat",
    "ImportFormat",
    "BridgeError",
    "install_log_redaction",
    "register_secret",
]

if TYPE_CHECKING:
    from codomyrmex_cloud.bridge import BridgeError as BridgeError
    from codomyrmex_cloud.bridge import ExportFormat as ExportFormat
    from codomyrmex_cloud.bridge import ExportResult as ExportResult
    from codomyrmex_cloud.bridge import ImportFormat as ImportFormat
    from codomyrmex_cloud.bridge import ImportResult as ImportResult
    from codomyrmex_cloud.bridge import export_table as export_table
    from codomyrmex_cloud.bridge import import_rows as import_rows
    from codomyrmex_cloud.coda._async import AsyncCodaClient as AsyncCodaClient
    from codomyrmex_cloud.coda._async import AsyncColumn as AsyncColumn
    from codomyrmex_cloud.coda._async import AsyncDoc as AsyncDoc
    from codomyrmex_cloud.coda._async import AsyncMutation as AsyncMutation
    from codomyrmex_cloud.coda._async import AsyncPage as AsyncPage
    from codomyrmex_cloud.coda._async import AsyncPaginated as AsyncPaginated
    from codomyrmex_cloud.coda._async import AsyncRow as AsyncRow
    from codomyrmex_cloud.coda._async import AsyncTable as AsyncTable
    from codomyrmex_cloud.coda._sync import CodaClient as CodaClient
    from codomyrmex_cloud.coda._sync import Column as Column
    from codomyrmex_cloud.coda._sync import Doc as Doc
    from codomyrmex_cloud.coda._sync import Mutation as Mutation
    from codomyrmex_cloud.coda._sync import Page as Page
    from codomyrmex_cloud.coda._sync import Paginated as Paginated
    from codomyrmex_cloud.coda._sync import Row as Row
    from codomyrmex_cloud.coda._sync import Table as Table
    from codomyrmex_cloud.coda.calls import AccessName as AccessName
    from codomyrmex_cloud.coda.calls import ExportFormatName as ExportFormatName
    from codomyrmex_cloud.coda.calls import InsertionModeName as InsertionModeName
    from codomyrmex_cloud.coda.calls import SortByName as SortByName
    from codomyrmex_cloud.coda.calls import TableTypeName as TableTypeName
    from codomyrmex_cloud.coda.calls import ValueFormatName as ValueFormatName
    from codomyrmex_cloud.coda.cells import CellInput as CellInput
    from codomyrmex_cloud.coda.cells import CellValue as CellValue
    from codomyrmex_cloud.coda.errors import CodaAPIError as CodaAPIError
    from codomyrmex_cloud.coda.errors import CodaAuthenticationError as CodaAuthenticationError
    from codomyrmex_cloud.coda.errors import CodaClosedError as CodaClosedError
    from codomyrmex_cloud.coda.errors import CodaConfigurationError as CodaConfigurationError
    from codomyrmex_cloud.coda.errors import CodaConnectionError as CodaConnectionError
    from codomyrmex_cloud.coda.errors import CodaError as CodaError
    from codomyrmex_cloud.coda.errors import CodaForbiddenError as CodaForbiddenError
    from codomyrmex_cloud.coda.errors import CodaGoneError as CodaGoneError
    from codomyrmex_cloud.coda.errors import CodaMutationError as CodaMutationError
    from codomyrmex_cloud.coda.errors import CodaNotFoundError as CodaNotFoundError
    from codomyrmex_cloud.coda.errors import CodaPaginationError as CodaPaginationError
    from codomyrmex_cloud.coda.errors import CodaPartialWriteError as CodaPartialWriteError
    from codomyrmex_cloud.coda.errors import CodaRateLimitError as CodaRateLimitError
    from codomyrmex_cloud.coda.errors import CodaResponseError as CodaResponseError
    from codomyrmex_cloud.coda.errors import CodaServerError as CodaServerError
    from codomyrmex_cloud.coda.errors import CodaTimeoutError as CodaTimeoutError
    from codomyrmex_cloud.coda.errors import CodaValidationError as CodaValidationError
    from codomyrmex_cloud.coda.lists import ColumnList as ColumnList
    from codomyrmex_cloud.coda.lists import DocList as DocList
    from codomyrmex_cloud.coda.lists import PageList as PageList
    from codomyrmex_cloud.coda.lists import RowList as RowList
    from codomyrmex_cloud.coda.lists import TableList as TableList
    from codomyrmex_cloud.coda.models import AclSettings as AclSettings
    from codomyrmex_cloud.coda.models import ApiLink as ApiLink
    from codomyrmex_cloud.coda.models import ColumnFormat as ColumnFormat
    from codomyrmex_cloud.coda.models import Control as Control
    from codomyrmex_cloud.coda.models import Formula as Formula
    from codomyrmex_cloud.coda.models import MutationStatus as MutationStatus
    from codomyrmex_cloud.coda.models import Permission as Permission
    from codomyrmex_cloud.coda.models import PrincipalSearch as PrincipalSearch
    from codomyrmex_cloud.coda.models import RowEdit as RowEdit
    from codomyrmex_cloud.coda.models import SharingMetadata as SharingMetadata
    from codomyrmex_cloud.coda.models import User as User
    from codomyrmex_cloud.coda.ratelimit import Limit as Limit
    from codomyrmex_cloud.coda.ratelimit import RateLimits as RateLimits
    from codomyrmex_cloud.coda.retry import RetryPolicy as RetryPolicy
    from codomyrmex_cloud.log_redaction import install_log_redaction as install_log_redaction
    from codomyrmex_cloud.log_redaction import register_secret as register_secret
    from codomyrmex_cloud.storage import AsyncAzureBlobClient as AsyncAzureBlobClient
    from codomyrmex_cloud.storage import AsyncGCSClient as AsyncGCSClient
    from codomyrmex_cloud.storage import AsyncLocalStore as AsyncLocalStore
    from codomyrmex_cloud.storage import AsyncObjectStore as AsyncObjectStore
    from codomyrmex_cloud.storage import AsyncS3Client as AsyncS3Client
    from codomyrmex_cloud.storage import AsyncStore as AsyncStore
    from codomyrmex_cloud.storage import AzureBlobClient as AzureBlobClient
    from codomyrmex_cloud.storage import BucketInfo as BucketInfo
    from codomyrmex_cloud.storage import BucketNotEmptyError as BucketNotEmptyError
    from codomyrmex_cloud.storage import BucketNotFoundError as BucketNotFoundError
    from codomyrmex_cloud.storage import CustomerKey as CustomerKey
    from codomyrmex_cloud.storage import Encryption as Encryption
    from codomyrmex_cloud.storage import EncryptionScope as EncryptionScope
    from codomyrmex_cloud.storage import FileSystemStore as FileSystemStore
    from codomyrmex_cloud.storage import GCSClient as GCSClient
    from codomyrmex_cloud.storage import IntegrityError as IntegrityError
    from codomyrmex_cloud.storage import InvalidArgumentError as InvalidArgumentError
    from codomyrmex_cloud.storage import KmsKey as KmsKey
    from codomyrmex_cloud.storage import LocalStore as LocalStore
    from codomyrmex_cloud.storage import ManagedKey as ManagedKey
    from codomyrmex_cloud.storage import ObjectInfo as ObjectInfo
    from codomyrmex_cloud.storage import ObjectListing as ObjectListing
    from codomyrmex_cloud.storage import ObjectNotFoundError as ObjectNotFoundError
    from codomyrmex_cloud.storage import ObjectReader as ObjectReader
    from codomyrmex_cloud.storage import ObjectStore as ObjectStore
    from codomyrmex_cloud.storage import ObjectVersion as ObjectVersion
    from codomyrmex_cloud.storage import ObjectWriter as ObjectWriter
    from codomyrmex_cloud.storage import PreconditionFailedError as PreconditionFailedError
    from codomyrmex_cloud.storage import ProgressCallback as ProgressCallback
    from codomyrmex_cloud.storage import S3Client as S3Client
    from codomyrmex_cloud.storage import SignsURLs as SignsURLs
    from codomyrmex_cloud.storage import StorageClass as StorageClass
    from codomyrmex_cloud.storage import StorageConnectionError as StorageConnectionError
    from codomyrmex_cloud.storage import StorageError as StorageError
    from codomyrmex_cloud.storage import StoragePermissionError as StoragePermissionError
    from codomyrmex_cloud.storage import StorageRetryPolicy as StorageRetryPolicy
    from codomyrmex_cloud.storage import StorageTimeoutError as StorageTimeoutError
    from codomyrmex_cloud.storage import TaggedStore as TaggedStore
    from codomyrmex_cloud.storage import UnsupportedOperationError as UnsupportedOperationError
    from codomyrmex_cloud.storage import VersionListing as VersionListing
    from codomyrmex_cloud.storage.tree import SyncAction as SyncAction
    from codomyrmex_cloud.storage.tree import SyncPlan as SyncPlan
    from codomyrmex_cloud.storage.tree import SyncResult as SyncResult
    from codomyrmex_cloud.storage.tree import TransferError as TransferError
    from codomyrmex_cloud.storage.tree import TreeResult as TreeResult
    from codomyrmex_cloud.storage.tree import copy_object as copy_object
    from codomyrmex_cloud.storage.tree import copy_tree as copy_tree
    from codomyrmex_cloud.storage.tree import download_dir as download_dir
    from codomyrmex_cloud.storage.tree import move as move
    from codomyrmex_cloud.storage.tree import plan_sync as plan_sync
    from codomyrmex_cloud.storage.tree import run_sync as run_sync
    from codomyrmex_cloud.storage.tree import upload_dir as upload_dir
    from codomyrmex_cloud.storage.urls import StorageURL as StorageURL
    from codomyrmex_cloud.storage.urls import StoreOptions as StoreOptions
    from codomyrmex_cloud.storage.urls import open_store as open_store


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
