"""The values the storage contract speaks: object and bucket descriptions, listings, options.

Nothing here talks to a service; every store returns and accepts these types.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO, Generic, Literal, TypeVar

#: Called as ``progress(bytes_done, total_bytes)``; total is None when unknown.
ProgressCallback = Callable[[int, int | None], None]

#: What ``upload(data=...)`` accepts: bytes, text (UTF-8 encoded), or a readable binary file.
UploadData = bytes | bytearray | memoryview | str | BinaryIO

PathLike = str | os.PathLike[str]

#: Default streaming chunk: big enough for throughput, small enough to bound memory.
CHUNK_SIZE = 8 * 1024 * 1024

#: The cloud stores' default ``timeout=``: seconds per request, to connect and between reads.
REQUEST_TIMEOUT = 30.0

#: Storage classes (tiers) by service spelling. Each store accepts its own service's names:
#: S3 ``STANDARD`` ... ``GLACIER_IR``; GCS ``STANDARD``, ``NEARLINE``, ``COLDLINE``,
#: ``ARCHIVE``; Azure ``Hot``, ``Cool``, ``Cold``, ``Archive``; LocalStore records any of them.
StorageClass = Literal[
    "STANDARD",
    "REDUCED_REDUNDANCY",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER",
    "GLACIER_IR",
    "DEEP_ARCHIVE",
    "EXPRESS_ONEZONE",
    "NEARLINE",
    "COLDLINE",
    "ARCHIVE",
    "Hot",
    "Cool",
    "Cold",
    "Archive",
]

#: The HTTP methods a signed URL can grant.
SignedMethod = Literal["GET", "PUT"]


@dataclass(frozen=True)
class ObjectInfo:
    """What a store knows about one object.

    Attributes:
        bucket: Bucket or container.
        key: The object key, exactly as stored.
        size: Size in bytes.
        etag: The service's entity tag (quotes stripped); use it with ``if_match``. On GCS
            it is the object's generation, which is what GCS preconditions compare.
        last_modified: When the object was last written, if the response said.
        content_type: MIME type, if known.
        metadata: User metadata (string to string).
        checksums: Checksums the service reports, by algorithm (``md5``, ``crc32c``,
            ``crc32``, or ``s3-etag:<part size>`` for an S3 multipart ETag), as lowercase hex.
        version_id: The version this describes (S3 version id, GCS generation, Azure version
            id, LocalStore's write id); None where the service has no versions.
        storage_class: Storage class or access tier, if the response said.
        cache_control: ``Cache-Control`` stored with the object, if any.
        content_encoding: ``Content-Encoding`` stored with the object, if any.
        content_disposition: ``Content-Disposition`` stored with the object, if any.
    """

    bucket: str
    key: str
    size: int
    etag: str | None = None
    last_modified: datetime | None = None
    content_type: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    checksums: Mapping[str, str] = field(default_factory=dict)
    version_id: str | None = None
    storage_class: str | None = None
    cache_control: str | None = None
    content_encoding: str | None = None
    content_disposition: str | None = None


def listed_info(
    bucket: str,
    key: str,
    size: int,
    etag: str | None,
    last_modified: datetime | None,
    content_type: str | None,
    metadata: Mapping[str, str],
    checksums: Mapping[str, str],
    version_id: str | None,
    storage_class: str | None,
    cache_control: str | None,
    content_encoding: str | None,
    content_disposition: str | None,
) -> ObjectInfo:
    """An ObjectInfo from every one of its fields, made without the frozen dataclass's
    ``__init__`` (one ``object.__setattr__`` per field: 1.2 µs, 7x this), for listings that
    make thousands. Equal to ``ObjectInfo(...)`` with the same fields."""
    info = object.__new__(ObjectInfo)
    info.__dict__.update(
        bucket=bucket,
        key=key,
        size=size,
        etag=etag,
        last_modified=last_modified,
        content_type=content_type,
        metadata=metadata,
        checksums=checksums,
        version_id=version_id,
        storage_class=storage_class,
        cache_control=cache_control,
        content_encoding=content_encoding,
        content_disposition=content_disposition,
    )
    return info


@dataclass(frozen=True)
class ObjectVersion(ObjectInfo):
    """One version of an object, as ``list_versions`` reports it.

    Attributes:
        is_latest: True for the current version.
        is_delete_marker: True for an S3 delete marker (no data; ``size`` is 0).
    """

    is_latest: bool = True
    is_delete_marker: bool = False


@dataclass(frozen=True)
class BucketInfo:
    """A bucket (container) the credentials can see.

    Attributes:
        name: The bucket name.
        created: When it was created, if the service says.
    """

    name: str
    created: datetime | None = None


# Encryption ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ManagedKey:
    """Encrypt at rest with the service's own keys (S3 SSE-S3; GCS and Azure do so by default)."""


@dataclass(frozen=True)
class KmsKey:
    """Encrypt with a key held in the cloud's key service.

    Attributes:
        key_id: S3: the KMS key id or ARN (SSE-KMS). GCS: the Cloud KMS key resource name
            (CMEK, ``projects/.../cryptoKeys/...``).
    """

    key_id: str


@dataclass(frozen=True)
class EncryptionScope:
    """Azure: encrypt with a named encryption scope of the storage account.

    Attributes:
        name: The scope's name.
    """

    name: str


@dataclass(frozen=True, repr=False)
class CustomerKey:
    """Encrypt with a 256-bit key you hold (S3 SSE-C, GCS CSEK, Azure customer-provided key).

    The service never stores the key: pass the same ``CustomerKey`` to every read of the
    object. The key is never shown in ``repr`` or error messages.

    Attributes:
        key: The 32-byte AES-256 key.
    """

    key: bytes

    def __repr__(self) -> str:
        return "CustomerKey(<redacted>)"


#: What ``encryption=`` accepts; each store names the kinds its service has.
Encryption = ManagedKey | KmsKey | EncryptionScope | CustomerKey


# Listings ------------------------------------------------------------------------------

T = TypeVar("T", bound=ObjectInfo)

#: One page of a listing: the objects, and the common prefixes (with a delimiter).
Page = tuple[list[T], list[str]]


class Listing(Generic[T]):
    """Objects under a prefix, fetched page by page as you iterate.

    A listing can be iterated any number of times: each iteration walks again from the first
    page (so it sees objects written since). With a ``delimiter``, keys below the next
    delimiter are rolled up into ``prefixes`` (the "directories"): the prefixes seen by the
    last complete iteration, or, if none has completed yet, by a walk that reading
    ``prefixes`` runs first.
    """

    def __init__(self, pages: Callable[[], Iterator[Page[T]]]) -> None:
        self._walk = pages
        self._prefixes: list[str] | None = None

    def __iter__(self) -> Iterator[T]:
        seen: set[str] = set()
        prefixes: list[str] = []
        for objects, page_prefixes in self._walk():
            # Prefixes are unique by definition; some services repeat them on every page.
            for prefix in page_prefixes:
                if prefix not in seen:
                    seen.add(prefix)
                    prefixes.append(prefix)
            yield from objects
        self._prefixes = prefixes

    @property
    def prefixes(self) -> list[str]:
        """Common prefixes (with a delimiter), in the order the service returned them."""
        if self._prefixes is None:
            for _ in self:
                pass
        return list(self._prefixes or [])


class ObjectListing(Listing[ObjectInfo]):
    """What ``list_objects`` returns: re-iterable, lazily paged (see :class:`Listing`)."""


class VersionListing(Listing[ObjectVersion]):
    """What ``list_versions`` returns: every version, newest first per key (see :class:`Listing`)."""
