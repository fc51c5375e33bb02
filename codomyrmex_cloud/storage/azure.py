"""``AzureBlobClient``: the object-store contract on Azure Blob Storage (azure-storage-blob).

Configuration: a ``connection_string`` (or ``AZURE_STORAGE_CONNECTION_STRING``), or an
``account_url`` with a ``credential`` (account key, SAS, or an azure-identity credential).
"Buckets" are containers.

- Transfers use the SDK's block machinery: blocks of ``chunk_size``, ``max_concurrency`` in
  flight, memory bounded by their product.
- Integrity: every block carries a transactional MD5 the service checks
  (``validate_content``), and the whole blob's MD5 is stored as its Content-MD5, so every
  later download is checked end to end against it (and against the size).
- Retries: azure-core's exponential retry policy (``retry_total`` attempts), configured on
  the client; no second layer.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
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
    from azure.core.credentials import AzureNamedKeyCredential, AzureSasCredential, TokenCredential
    from azure.storage.blob import BlobClient, BlobServiceClient, ContainerClient

    #: What ``account_url`` accepts as a credential: an account key or SAS token string, a
    #: named-key or SAS credential, or an azure-identity token credential.
    AzureCredential = str | AzureNamedKeyCredential | AzureSasCredential | TokenCredential

CONNECTION_STRING_ENV = "AZURE_STORAGE_CONNECTION_STRING"


def _import_azure() -> Any:
    try:
        from azure.storage import blob
    except ImportError as exc:
        raise ImportError("AzureBlobClient needs azure-storage-blob: pip install 'codomyrmex-cloud[azure]'") from exc
    return blob


class AzureBlobClient(BaseStore):
    """Azure Blob Storage behind the shared storage contract.

    Args:
        connection_string: An account connection string; defaults to
            ``AZURE_STORAGE_CONNECTION_STRING`` when no ``account_url`` is given.
        account_url: ``https://<account>.blob.core.windows.net`` (or an emulator's URL).
        credential: Account key, SAS token or azure-identity credential for ``account_url``.
        chunk_size: Block size for uploads and chunk size for downloads.
        max_concurrency: Blocks in flight per transfer.
        retry_total: Attempts azure-core's retry policy may make per request.

    Raises:
        ImportError: azure-storage-blob is not installed.
        InvalidArgumentError: Neither a connection string nor an account URL is available.
    """

    def __init__(
        self,
        connection_string: str | None = None,
        *,
        account_url: str | None = None,
        credential: AzureCredential | None = None,
        chunk_size: int = CHUNK_SIZE,
        max_concurrency: int = 4,
        retry_total: int = 5,
    ) -> None:
        blob = _import_azure()
        options: dict[str, Any] = {
            "max_block_size": chunk_size,
            "max_single_put_size": chunk_size,
            # Parallel GET buffers are chunk x concurrency (and copied once by the SDK): 4 MiB
            # keeps a download's memory well under 64 MiB at the default concurrency.
            "max_chunk_get_size": min(chunk_size, 4 * 1024 * 1024),
            "max_single_get_size": min(chunk_size, 4 * 1024 * 1024),
            "retry_total": retry_total,
        }
        if connection_string is None and account_url is None:
            connection_string = os.environ.get(CONNECTION_STRING_ENV)
        with self._errors():
            if connection_string:
                service = blob.BlobServiceClient.from_connection_string(connection_string, **options)
            elif account_url:
                service = blob.BlobServiceClient(account_url, credential=credential, **options)
            else:
                raise InvalidArgumentError(f"pass connection_string= or account_url= (or set {CONNECTION_STRING_ENV})")
        self.service: BlobServiceClient = service
        self._max_concurrency = max_concurrency
        self._chunk_size = chunk_size

    def __repr__(self) -> str:  # never the connection string: it holds the account key
        return f"AzureBlobClient(account={self.service.account_name!r})"

    # Errors: the one place azure-core's exceptions become ours --------------------------

    @contextlib.contextmanager
    def _errors(self, bucket: str | None = None, key: str | None = None) -> Iterator[None]:
        from azure.core import exceptions as aex

        where = f"{bucket}/{key}" if key else str(bucket)
        try:
            yield
        except aex.ResourceNotFoundError as exc:
            code = str(getattr(exc, "error_code", "") or "")
            cls = BucketNotFoundError if code == "ContainerNotFound" or not key else ObjectNotFoundError
            raise cls(f"Azure: {where} not found ({code})", bucket=bucket, key=key) from exc
        except (aex.ResourceModifiedError, aex.ResourceExistsError) as exc:
            raise PreconditionFailedError(f"Azure precondition failed for {where}", bucket=bucket, key=key) from exc
        except aex.ClientAuthenticationError as exc:
            raise StoragePermissionError(f"Azure denied access to {where}: {exc.message}", bucket=bucket) from exc
        except (aex.ServiceRequestTimeoutError, aex.ServiceResponseTimeoutError) as exc:
            raise StorageTimeoutError(f"Azure did not answer in time for {where}", bucket=bucket, key=key) from exc
        except (aex.ServiceRequestError, aex.ServiceResponseError) as exc:
            raise StorageConnectionError(f"cannot reach Azure for {where}: {exc}", bucket=bucket, key=key) from exc
        except aex.HttpResponseError as exc:
            status = getattr(exc, "status_code", None)
            code = str(getattr(exc, "error_code", "") or "")
            if status == 403:
                raise StoragePermissionError(f"Azure denied access to {where}", bucket=bucket, key=key) from exc
            if status == 412:
                raise PreconditionFailedError(f"Azure precondition failed for {where}", bucket=bucket, key=key) from exc
            if code in ("Md5Mismatch", "InvalidMd5", "Crc64Mismatch"):
                raise IntegrityError(f"Azure checksum mismatch for {where}", bucket=bucket, key=key) from exc
            if status == 400:
                raise InvalidArgumentError(f"Azure rejected the request for {where}: {code}", bucket=bucket) from exc
            raise StorageError(f"Azure error {status} {code} for {where}", bucket=bucket, key=key) from exc
        except ValueError as exc:  # the SDK's own argument checks
            raise InvalidArgumentError(f"Azure: {exc}", bucket=bucket, key=key) from exc

    def _container(self, bucket: str) -> ContainerClient:
        check_names(bucket)
        return self.service.get_container_client(bucket)

    def _blob(self, bucket: str, key: str) -> BlobClient:
        check_names(bucket, key)
        return self.service.get_blob_client(bucket, key)

    # Containers -------------------------------------------------------------------------

    def create_bucket(self, bucket: str) -> None:
        """Create a container; one that already exists is not an error."""
        from azure.core.exceptions import ResourceExistsError

        try:
            with self._errors(bucket):
                self._container(bucket).create_container()
        except PreconditionFailedError as exc:  # _errors' mapping of ResourceExistsError
            if not isinstance(exc.__cause__, ResourceExistsError):
                raise

    def delete_bucket(self, bucket: str, *, force: bool = False) -> None:
        if not self.bucket_exists(bucket):
            return
        container = self._container(bucket)
        if not force:
            with self._errors(bucket):
                if next(iter(container.list_blobs(results_per_page=1)), None) is not None:
                    raise BucketNotEmptyError(f"container {bucket!r} is not empty", bucket=bucket)
        with contextlib.suppress(BucketNotFoundError), self._errors(bucket):
            container.delete_container()  # Azure deletes the blobs with the container

    def bucket_exists(self, bucket: str) -> bool:
        with self._errors(bucket):
            return bool(self._container(bucket).exists())

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
        """Upload in blocks with transactional MD5s, then record the whole-blob MD5."""
        from azure.core import MatchConditions
        from azure.storage.blob import ContentSettings

        blob = self._blob(bucket, key)
        if if_none_match not in (None, "*"):
            raise InvalidArgumentError('if_none_match accepts only "*"', bucket=bucket, key=key)
        conditions: dict[str, Any] = {"overwrite": if_none_match is None}
        if if_match is not None:
            conditions.update(etag=if_match, match_condition=MatchConditions.IfNotModified)
        md5 = hashlib.md5(usedforsecurity=False)
        with upload_source(data, local_path) as (stream, size), self._errors(bucket, key):
            reader = CountingReader(stream, size, None, (md5,))
            result = blob.upload_blob(
                reader,
                length=size,
                metadata=dict(metadata or {}),
                content_settings=ContentSettings(content_type=content_type or "application/octet-stream"),
                max_concurrency=self._max_concurrency,
                validate_content=True,
                progress_hook=progress,
                **conditions,
            )
            # Azure stores a Content-MD5 only for single-request uploads; set it for block
            # uploads too, guarded by the etag we just wrote so a racing writer is not labelled.
            blob.set_http_headers(
                content_settings=ContentSettings(
                    content_type=content_type or "application/octet-stream", content_md5=bytearray(md5.digest())
                ),
                etag=result["etag"],
                match_condition=MatchConditions.IfNotModified,
            )
        return self.stat(bucket, key)

    def _download_into(self, info: ObjectInfo, sink: BinaryIO, progress: ProgressCallback | None) -> None:
        from azure.core import MatchConditions

        with self._errors(info.bucket, info.key):
            downloader = self._blob(info.bucket, info.key).download_blob(
                max_concurrency=self._max_concurrency,
                etag=info.etag,
                match_condition=MatchConditions.IfNotModified,
                progress_hook=progress,
            )
            downloader.readinto(sink)

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
        length = None if end is None else end - start
        with self._errors(bucket, key):
            downloader = blob.download_blob(offset=start, length=length, max_concurrency=1)
        return self._rechunk(downloader.chunks(), chunk_size, bucket, key)

    def _rechunk(self, chunks: Iterator[bytes], chunk_size: int, bucket: str, key: str) -> Iterator[bytes]:
        buffer = b""
        with self._errors(bucket, key):
            for chunk in chunks:
                buffer += chunk
                while len(buffer) >= chunk_size:
                    yield buffer[:chunk_size]
                    buffer = buffer[chunk_size:]
        if buffer:
            yield buffer

    def list_objects(
        self, bucket: str, prefix: str = "", *, delimiter: str | None = None, page_size: int | None = None
    ) -> ObjectListing:
        """Objects under ``prefix``, fetched ``page_size`` at a time (the service default if None)."""
        check_page_size(page_size)
        from azure.storage.blob import BlobPrefix, BlobProperties

        container = self._container(bucket)
        if delimiter == "":
            raise InvalidArgumentError("delimiter must be None or a non-empty string", bucket=bucket)

        def pages() -> Iterator[tuple[list[ObjectInfo], list[str]]]:
            with self._errors(bucket):
                items: Iterable[Iterable[BlobProperties | BlobPrefix]] = (
                    container.walk_blobs(
                        name_starts_with=prefix or None, delimiter=delimiter, results_per_page=page_size
                    ).by_page()
                    if delimiter
                    else container.list_blobs(name_starts_with=prefix or None, results_per_page=page_size).by_page()
                )
                for page in items:
                    objects: list[ObjectInfo] = []
                    prefixes: list[str] = []
                    for item in page:
                        if isinstance(item, BlobPrefix):
                            prefixes.append(item.name)
                        else:
                            objects.append(_info(bucket, item))
                    yield objects, prefixes

        return ObjectListing(pages())

    def stat(self, bucket: str, key: str) -> ObjectInfo:
        with self._errors(bucket, key):
            properties = self._blob(bucket, key).get_blob_properties()
        return _info(bucket, properties)

    def delete(self, bucket: str, key: str) -> None:
        """Delete a blob; one already gone (or in a missing container) is not an error."""
        with contextlib.suppress(ObjectNotFoundError, BucketNotFoundError), self._errors(bucket, key):
            self._blob(bucket, key).delete_blob()

    def copy(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str) -> ObjectInfo:
        """Server-side copy; waits for Azure's asynchronous copy to finish."""
        source = self._blob(src_bucket, src_key)
        target = self._blob(dst_bucket, dst_key)
        source_url = source.url
        if self.service.credential is not None and hasattr(self.service.credential, "account_key"):
            source_url = self.signed_url(src_bucket, src_key, expires_in=3600)
        with self._errors(dst_bucket, dst_key):
            target.start_copy_from_url(source_url, requires_sync=True)
        return self.stat(dst_bucket, dst_key)

    def signed_url(self, bucket: str, key: str, *, expires_in: int = 3600, method: str = "GET") -> str:
        """A SAS URL for GET (read) or PUT (create/write); needs the account key."""
        from azure.storage.blob import BlobSasPermissions, generate_blob_sas

        check_names(bucket, key)
        permissions = {"GET": BlobSasPermissions(read=True), "PUT": BlobSasPermissions(create=True, write=True)}
        if method.upper() not in permissions:
            raise InvalidArgumentError(f"signed URLs support GET and PUT, not {method}", bucket=bucket, key=key)
        account_key = getattr(self.service.credential, "account_key", None)
        if not account_key:
            raise UnsupportedOperationError("SAS URLs need the account key", bucket=bucket, key=key)
        sas = generate_blob_sas(
            account_name=self.service.account_name or "",
            container_name=bucket,
            blob_name=key,
            account_key=account_key,
            permission=permissions[method.upper()],
            expiry=datetime.now(UTC) + timedelta(seconds=expires_in),
        )
        return f"{self._blob(bucket, key).url}?{sas}"


def _info(bucket: str, properties: Any) -> ObjectInfo:
    """ObjectInfo from azure's ``BlobProperties``."""
    settings = properties.content_settings
    checksums: dict[str, str] = {}
    if settings is not None and settings.content_md5:
        checksums["md5"] = bytes(settings.content_md5).hex()
    return ObjectInfo(
        bucket=bucket,
        key=properties.name,
        size=int(properties.size or 0),
        etag=(properties.etag or "").strip('"') or None,
        last_modified=properties.last_modified,
        content_type=settings.content_type if settings is not None else None,
        metadata=dict(properties.metadata or {}),
        checksums=checksums,
    )
