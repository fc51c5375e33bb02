"""codomyrmex-cloud: a typed SDK for Coda and object storage.

Public names load on first use (PEP 562): ``import codomyrmex_cloud`` imports neither the
generated Coda models (over a second for all of them) nor boto3, google-cloud-storage or
azure-storage-blob. Type checkers see the real imports below.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# name -> module that defines it; the single source of truth for the public API.
_EXPORTS: dict[str, str] = {
    "CodaClient": "codomyrmex_cloud.coda.client",
    "AsyncCodaClient": "codomyrmex_cloud.coda.aclient",
    "Doc": "codomyrmex_cloud.coda.facade",
    "Page": "codomyrmex_cloud.coda.facade",
    "Table": "codomyrmex_cloud.coda.facade",
    "Column": "codomyrmex_cloud.coda.facade",
    "Row": "codomyrmex_cloud.coda.facade",
    "AsyncDoc": "codomyrmex_cloud.coda.facade",
    "AsyncPage": "codomyrmex_cloud.coda.facade",
    "AsyncTable": "codomyrmex_cloud.coda.facade",
    "AsyncColumn": "codomyrmex_cloud.coda.facade",
    "AsyncRow": "codomyrmex_cloud.coda.facade",
    "DocList": "codomyrmex_cloud.coda.facade",
    "PageList": "codomyrmex_cloud.coda.facade",
    "TableList": "codomyrmex_cloud.coda.facade",
    "ColumnList": "codomyrmex_cloud.coda.facade",
    "RowList": "codomyrmex_cloud.coda.facade",
    "Formula": "codomyrmex_cloud.coda.models",
    "Control": "codomyrmex_cloud.coda.models",
    "Permission": "codomyrmex_cloud.coda.models",
    "SharingMetadata": "codomyrmex_cloud.coda.models",
    "RowEdit": "codomyrmex_cloud.coda.models",
    "AclSettings": "codomyrmex_cloud.coda.models",
    "User": "codomyrmex_cloud.coda.models",
    "ApiLink": "codomyrmex_cloud.coda.models",
    "MutationStatus": "codomyrmex_cloud.coda.models",
    "Paginated": "codomyrmex_cloud.coda.paging",
    "AsyncPaginated": "codomyrmex_cloud.coda.paging",
    "Mutation": "codomyrmex_cloud.coda.mutations",
    "AsyncMutation": "codomyrmex_cloud.coda.mutations",
    "RateLimits": "codomyrmex_cloud.coda.ratelimit",
    "Limit": "codomyrmex_cloud.coda.ratelimit",
    "RetryPolicy": "codomyrmex_cloud.coda.retry",
    "CodaError": "codomyrmex_cloud.coda.errors",
    "CodaAPIError": "codomyrmex_cloud.coda.errors",
    "CodaAuthenticationError": "codomyrmex_cloud.coda.errors",
    "CodaForbiddenError": "codomyrmex_cloud.coda.errors",
    "CodaNotFoundError": "codomyrmex_cloud.coda.errors",
    "CodaGoneError": "codomyrmex_cloud.coda.errors",
    "CodaRateLimitError": "codomyrmex_cloud.coda.errors",
    "CodaValidationError": "codomyrmex_cloud.coda.errors",
    "CodaServerError": "codomyrmex_cloud.coda.errors",
    "CodaConnectionError": "codomyrmex_cloud.coda.errors",
    "CodaTimeoutError": "codomyrmex_cloud.coda.errors",
    "CodaMutationError": "codomyrmex_cloud.coda.errors",
    "CodaPartialWriteError": "codomyrmex_cloud.coda.errors",
    "CodaPaginationError": "codomyrmex_cloud.coda.errors",
    "CodaConfigurationError": "codomyrmex_cloud.coda.errors",
    "S3Client": "codomyrmex_cloud.storage",
    "GCSClient": "codomyrmex_cloud.storage",
    "AzureBlobClient": "codomyrmex_cloud.storage",
    "LocalStore": "codomyrmex_cloud.storage",
    "ObjectStore": "codomyrmex_cloud.storage",
    "ObjectInfo": "codomyrmex_cloud.storage",
    "ObjectListing": "codomyrmex_cloud.storage",
    "ProgressCallback": "codomyrmex_cloud.storage",
    "StorageError": "codomyrmex_cloud.storage",
    "ObjectNotFoundError": "codomyrmex_cloud.storage",
    "BucketNotFoundError": "codomyrmex_cloud.storage",
    "BucketNotEmptyError": "codomyrmex_cloud.storage",
    "StoragePermissionError": "codomyrmex_cloud.storage",
    "PreconditionFailedError": "codomyrmex_cloud.storage",
    "IntegrityError": "codomyrmex_cloud.storage",
    "InvalidArgumentError": "codomyrmex_cloud.storage",
    "UnsupportedOperationError": "codomyrmex_cloud.storage",
    "StorageConnectionError": "codomyrmex_cloud.storage",
    "StorageTimeoutError": "codomyrmex_cloud.storage",
}

__all__ = [
    "__version__",
    "CodaClient",
    "AsyncCodaClient",
    "Doc",
    "Page",
    "Table",
    "Column",
    "Row",
    "AsyncDoc",
    "AsyncPage",
    "AsyncTable",
    "AsyncColumn",
    "AsyncRow",
    "DocList",
    "PageList",
    "TableList",
    "ColumnList",
    "RowList",
    "Formula",
    "Control",
    "Permission",
    "SharingMetadata",
    "RowEdit",
    "AclSettings",
    "User",
    "ApiLink",
    "MutationStatus",
    "Paginated",
    "AsyncPaginated",
    "Mutation",
    "AsyncMutation",
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
    "CodaConnectionError",
    "CodaTimeoutError",
    "CodaMutationError",
    "CodaPartialWriteError",
    "CodaPaginationError",
    "CodaConfigurationError",
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
]

if TYPE_CHECKING:
    from codomyrmex_cloud.coda.aclient import AsyncCodaClient as AsyncCodaClient
    from codomyrmex_cloud.coda.client import CodaClient as CodaClient
    from codomyrmex_cloud.coda.errors import CodaAPIError as CodaAPIError
    from codomyrmex_cloud.coda.errors import CodaAuthenticationError as CodaAuthenticationError
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
    from codomyrmex_cloud.coda.errors import CodaServerError as CodaServerError
    from codomyrmex_cloud.coda.errors import CodaTimeoutError as CodaTimeoutError
    from codomyrmex_cloud.coda.errors import CodaValidationError as CodaValidationError
    from codomyrmex_cloud.coda.facade import AsyncColumn as AsyncColumn
    from codomyrmex_cloud.coda.facade import AsyncDoc as AsyncDoc
    from codomyrmex_cloud.coda.facade import AsyncPage as AsyncPage
    from codomyrmex_cloud.coda.facade import AsyncRow as AsyncRow
    from codomyrmex_cloud.coda.facade import AsyncTable as AsyncTable
    from codomyrmex_cloud.coda.facade import Column as Column
    from codomyrmex_cloud.coda.facade import ColumnList as ColumnList
    from codomyrmex_cloud.coda.facade import Doc as Doc
    from codomyrmex_cloud.coda.facade import DocList as DocList
    from codomyrmex_cloud.coda.facade import Page as Page
    from codomyrmex_cloud.coda.facade import PageList as PageList
    from codomyrmex_cloud.coda.facade import Row as Row
    from codomyrmex_cloud.coda.facade import RowList as RowList
    from codomyrmex_cloud.coda.facade import Table as Table
    from codomyrmex_cloud.coda.facade import TableList as TableList
    from codomyrmex_cloud.coda.models import AclSettings as AclSettings
    from codomyrmex_cloud.coda.models import ApiLink as ApiLink
    from codomyrmex_cloud.coda.models import Control as Control
    from codomyrmex_cloud.coda.models import Formula as Formula
    from codomyrmex_cloud.coda.models import MutationStatus as MutationStatus
    from codomyrmex_cloud.coda.models import Permission as Permission
    from codomyrmex_cloud.coda.models import RowEdit as RowEdit
    from codomyrmex_cloud.coda.models import SharingMetadata as SharingMetadata
    from codomyrmex_cloud.coda.models import User as User
    from codomyrmex_cloud.coda.mutations import AsyncMutation as AsyncMutation
    from codomyrmex_cloud.coda.mutations import Mutation as Mutation
    from codomyrmex_cloud.coda.paging import AsyncPaginated as AsyncPaginated
    from codomyrmex_cloud.coda.paging import Paginated as Paginated
    from codomyrmex_cloud.coda.ratelimit import Limit as Limit
    from codomyrmex_cloud.coda.ratelimit import RateLimits as RateLimits
    from codomyrmex_cloud.coda.retry import RetryPolicy as RetryPolicy
    from codomyrmex_cloud.storage import AzureBlobClient as AzureBlobClient
    from codomyrmex_cloud.storage import BucketNotEmptyError as BucketNotEmptyError
    from codomyrmex_cloud.storage import BucketNotFoundError as BucketNotFoundError
    from codomyrmex_cloud.storage import GCSClient as GCSClient
    from codomyrmex_cloud.storage import IntegrityError as IntegrityError
    from codomyrmex_cloud.storage import InvalidArgumentError as InvalidArgumentError
    from codomyrmex_cloud.storage import LocalStore as LocalStore
    from codomyrmex_cloud.storage import ObjectInfo as ObjectInfo
    from codomyrmex_cloud.storage import ObjectListing as ObjectListing
    from codomyrmex_cloud.storage import ObjectNotFoundError as ObjectNotFoundError
    from codomyrmex_cloud.storage import ObjectStore as ObjectStore
    from codomyrmex_cloud.storage import PreconditionFailedError as PreconditionFailedError
    from codomyrmex_cloud.storage import ProgressCallback as ProgressCallback
    from codomyrmex_cloud.storage import S3Client as S3Client
    from codomyrmex_cloud.storage import StorageConnectionError as StorageConnectionError
    from codomyrmex_cloud.storage import StorageError as StorageError
    from codomyrmex_cloud.storage import StoragePermissionError as StoragePermissionError
    from codomyrmex_cloud.storage import StorageTimeoutError as StorageTimeoutError
    from codomyrmex_cloud.storage import UnsupportedOperationError as UnsupportedOperationError


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
