"""The async storage API: every store's operations as coroutines.

``AsyncStore(store)`` wraps any store; ``AsyncS3Client(...)``, ``AsyncGCSClient(...)``,
``AsyncAzureBlobClient(...)`` and ``AsyncLocalStore(...)`` take the same arguments as the
sync clients. Each coroutine runs the sync store's method in a worker thread (anyio's), so
the two share everything but the waiting: the same validation (a bad argument is refused
before anything is sent), error mapping, retries, timeouts and deadlines. Three of the four
SDKs have no async API of their own (boto3, google-cloud-storage, and azure's needs aiohttp),
and the transfers already run their parts on threads, so a thread per call costs little
next to a request. The method signatures are the sync ones (derived, not copied).
``async with AsyncS3Client(...) as s3:`` closes the store's connections on exit
(``await s3.close()`` does so explicitly).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Concatenate, Generic, ParamSpec, Self, TypeVar, overload

import anyio.to_thread

from codomyrmex_cloud.storage.azure import AzureBlobClient
from codomyrmex_cloud.storage.base import BaseStore
from codomyrmex_cloud.storage.gcs import GCSClient
from codomyrmex_cloud.storage.local import LocalStore
from codomyrmex_cloud.storage.s3 import S3Client
from codomyrmex_cloud.storage.types import (
    CHUNK_SIZE,
    CustomerKey,
    Listing,
    ObjectInfo,
    ObjectVersion,
    Page,
    PathLike,
    ProgressCallback,
)

P = ParamSpec("P")
R = TypeVar("R")
S_co = TypeVar("S_co", bound=BaseStore, covariant=True)
T = TypeVar("T", bound=ObjectInfo)


async def _in_thread(call: Callable[[], R]) -> R:
    return await anyio.to_thread.run_sync(call)


class _Offloaded(Generic[P, R]):
    """A sync store method, offered as a coroutine with the same parameters."""

    def __init__(self, method: Callable[Concatenate[Any, P], R]) -> None:
        self._method = method
        self._name = method.__name__
        self.__doc__ = method.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, instance: None, owner: type) -> Callable[Concatenate[Any, P], Awaitable[R]]: ...

    @overload
    def __get__(self, instance: AsyncStore[Any], owner: type) -> Callable[P, Awaitable[R]]: ...

    def __get__(self, instance: AsyncStore[Any] | None, owner: type) -> Callable[..., Awaitable[R]]:
        method = self._method
        if instance is None:

            @functools.wraps(method)
            async def unbound(store: AsyncStore[Any], *args: Any, **kwargs: Any) -> R:
                return await _in_thread(functools.partial(getattr(store.sync, method.__name__), *args, **kwargs))

            return unbound
        bound = getattr(instance.sync, method.__name__)

        @functools.wraps(method)
        async def call(*args: Any, **kwargs: Any) -> R:
            return await _in_thread(functools.partial(bound, *args, **kwargs))

        return call


class AsyncListing(Generic[T]):
    """A listing read with ``async for``; each page is fetched in a worker thread, and each
    ``async for`` walks again from the first page."""

    def __init__(self, listing: Listing[T]) -> None:
        self._listing = listing

    async def __aiter__(self) -> AsyncIterator[T]:
        pages: Iterator[Page[T]] = self._listing._walk()
        seen: list[str] = []
        while True:
            page = await _in_thread(functools.partial(next, pages, None))
            if page is None:
                break
            objects, prefixes = page
            seen.extend(p for p in prefixes if p not in seen)
            for item in objects:
                yield item
        self._listing._prefixes = seen

    async def prefixes(self) -> list[str]:
        """Common prefixes (with a delimiter); walks the listing first if needed."""
        if self._listing._prefixes is None:
            async for _ in self:
                pass
        return list(self._listing._prefixes or [])


class AsyncStore(Generic[S_co]):
    """Any store's operations as coroutines (see the module docstring).

    Args:
        store: The sync store to run; available as :attr:`sync`.
    """

    def __init__(self, store: S_co) -> None:
        self.sync = store

    def __repr__(self) -> str:
        return f"AsyncStore({self.sync!r})"

    async def close(self) -> None:
        """Release the store's pooled connections (:meth:`BaseStore.close
        <codomyrmex_cloud.storage.base.BaseStore.close>`, in a worker thread)."""
        await _in_thread(self.sync.close)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    upload = _Offloaded(BaseStore.upload)
    read_range = _Offloaded(BaseStore.read_range)
    stat = _Offloaded(BaseStore.stat)
    head = _Offloaded(BaseStore.head)
    exists = _Offloaded(BaseStore.exists)
    delete = _Offloaded(BaseStore.delete)
    delete_many = _Offloaded(BaseStore.delete_many)
    copy = _Offloaded(BaseStore.copy)
    create_bucket = _Offloaded(BaseStore.create_bucket)
    delete_bucket = _Offloaded(BaseStore.delete_bucket)
    bucket_exists = _Offloaded(BaseStore.bucket_exists)
    list_buckets = _Offloaded(BaseStore.list_buckets)

    @overload
    async def download(
        self,
        bucket: str,
        key: str,
        *,
        progress: ProgressCallback | None = None,
        version_id: str | None = None,
        if_match: str | None = None,
        customer_key: CustomerKey | None = None,
        deadline: float | None = None,
    ) -> bytes: ...

    @overload
    async def download(
        self,
        bucket: str,
        key: str,
        *,
        local_path: PathLike,
        progress: ProgressCallback | None = None,
        version_id: str | None = None,
        if_match: str | None = None,
        customer_key: CustomerKey | None = None,
        deadline: float | None = None,
    ) -> Path: ...

    async def download(self, bucket: str, key: str, **options: Any) -> bytes | Path:
        """:meth:`BaseStore.download <codomyrmex_cloud.storage.base.BaseStore.download>` as a coroutine."""
        result: bytes | Path = await _in_thread(functools.partial(self.sync.download, bucket, key, **options))
        return result

    def list_objects(
        self,
        bucket: str,
        prefix: str = "",
        *,
        delimiter: str | None = None,
        page_size: int | None = None,
        deadline: float | None = None,
    ) -> AsyncListing[ObjectInfo]:
        """Objects under ``prefix``, for ``async for``; arguments are checked now, pages
        are fetched as you iterate."""
        return AsyncListing(
            self.sync.list_objects(bucket, prefix, delimiter=delimiter, page_size=page_size, deadline=deadline)
        )

    def list_versions(
        self, bucket: str, prefix: str = "", *, page_size: int | None = None, deadline: float | None = None
    ) -> AsyncListing[ObjectVersion]:
        """Every version under ``prefix``, for ``async for``."""
        return AsyncListing(self.sync.list_versions(bucket, prefix, page_size=page_size, deadline=deadline))

    async def iter_chunks(
        self,
        bucket: str,
        key: str,
        *,
        chunk_size: int = CHUNK_SIZE,
        start: int = 0,
        end: int | None = None,
        version_id: str | None = None,
        if_match: str | None = None,
        customer_key: CustomerKey | None = None,
    ) -> AsyncIterator[bytes]:
        """The object's bytes in pieces of ``chunk_size``, for ``async for``."""
        chunks = await _in_thread(
            functools.partial(
                self.sync.iter_chunks,
                bucket,
                key,
                chunk_size=chunk_size,
                start=start,
                end=end,
                version_id=version_id,
                if_match=if_match,
                customer_key=customer_key,
            )
        )
        try:
            while (chunk := await _in_thread(functools.partial(next, chunks, None))) is not None:
                yield chunk
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                await _in_thread(close)

    async def run(self, function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run any other sync call in a worker thread, e.g. ``await s.run(s.sync.signed_url, b, k)``."""
        return await _in_thread(functools.partial(function, *args, **kwargs))


def _async_factory(cls: Callable[P, S_co], name: str) -> Callable[P, AsyncStore[S_co]]:
    def make(*args: P.args, **kwargs: P.kwargs) -> AsyncStore[S_co]:
        return AsyncStore(cls(*args, **kwargs))

    make.__name__ = make.__qualname__ = name
    make.__doc__ = f"An :class:`AsyncStore` over a ``{getattr(cls, '__name__', cls)}`` built from the same arguments."
    return make


#: ``AsyncS3Client(...)``: an AsyncStore over ``S3Client(...)`` (the same arguments).
AsyncS3Client = _async_factory(S3Client, "AsyncS3Client")
#: ``AsyncGCSClient(...)``: an AsyncStore over ``GCSClient(...)``.
AsyncGCSClient = _async_factory(GCSClient, "AsyncGCSClient")
#: ``AsyncAzureBlobClient(...)``: an AsyncStore over ``AzureBlobClient(...)``.
AsyncAzureBlobClient = _async_factory(AzureBlobClient, "AsyncAzureBlobClient")
#: ``AsyncLocalStore(...)``: an AsyncStore over ``LocalStore(...)``.
AsyncLocalStore = _async_factory(LocalStore, "AsyncLocalStore")

#: The async contract: what every ``AsyncStore`` offers, whatever store it wraps.
AsyncObjectStore = AsyncStore[BaseStore]
