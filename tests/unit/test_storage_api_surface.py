"""The public storage API as documented: annotations resolve at runtime, every public method
has a docstring, every store satisfies the contract it claims, and the async twins offer
the sync signatures."""

from __future__ import annotations

import inspect
import typing
from pathlib import Path

import pytest

from codomyrmex_cloud import storage
from codomyrmex_cloud.storage import (
    AsyncStore,
    AzureBlobClient,
    GCSClient,
    LocalStore,
    ObjectInfo,
    ObjectStore,
    S3Client,
    SignsURLs,
    TaggedStore,
)
from codomyrmex_cloud.storage.base import BaseStore
from tests.support.public_api import PublicApi, module_of

PUBLIC_CLASSES = [getattr(storage, name) for name in storage.__all__ if inspect.isclass(getattr(storage, name))]


def public_methods(cls: type) -> list[tuple[str, object]]:
    return [
        (name, member)
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") and (inspect.isfunction(member) or inspect.ismethod(member))
    ]


@pytest.mark.parametrize("cls", PUBLIC_CLASSES, ids=lambda c: c.__name__)
def test_public_methods_are_documented(cls: type) -> None:
    for name, method in public_methods(cls):
        assert (method.__doc__ or "").strip(), f"{cls.__name__}.{name} has no docstring"


def test_type_hints_resolve_on_every_public_function_method_and_property() -> None:
    # The storage half of codomyrmex_cloud.__all__, walked as the Coda half is; building the
    # walk resolved every hint, this names what it reached and resolves each again.
    api = PublicApi(lambda obj: module_of(obj).startswith("codomyrmex_cloud.storage"))
    members = api.targets()
    expected = {"S3Client.__init__", "S3Client.client", "GCSClient.__init__", "AzureBlobClient.__init__"}
    expected |= {"FileSystemStore.upload", "ObjectWriter.write", "open_store", "copy_object", "AsyncS3Client"}
    assert expected <= members.keys()
    assert {S3Client, GCSClient, AzureBlobClient, LocalStore, AsyncStore, ObjectInfo} <= set(api.classes)
    for target in members.values():
        typing.get_type_hints(target)


def test_factories_resolve_too() -> None:
    for factory in (
        storage.AsyncS3Client,
        storage.AsyncGCSClient,
        storage.AsyncAzureBlobClient,
        storage.AsyncLocalStore,
    ):
        assert factory.__doc__ and "AsyncStore" in factory.__doc__


def test_capabilities_are_claimed_only_where_honoured(tmp_path: Path) -> None:
    for cls in (S3Client, GCSClient, AzureBlobClient, LocalStore):
        assert issubclass(cls, BaseStore)
    assert {c.__name__ for c in (S3Client, GCSClient, AzureBlobClient) if hasattr(c, "signed_url")} == {
        "S3Client",
        "GCSClient",
        "AzureBlobClient",
    }
    local = LocalStore(tmp_path)
    assert isinstance(local, ObjectStore) and isinstance(local, TaggedStore) and not isinstance(local, SignsURLs)
    assert not hasattr(GCSClient, "get_tags")


def test_async_methods_take_the_sync_parameters() -> None:
    for name in ("upload", "stat", "exists", "delete", "delete_many", "copy", "read_range", "list_buckets"):
        sync = inspect.signature(getattr(BaseStore, name))
        twin = inspect.signature(getattr(AsyncStore, name))
        assert list(twin.parameters)[1:] == list(sync.parameters)[1:], name
        assert inspect.iscoroutinefunction(getattr(AsyncStore, name))


async def typed_async_use(store: AsyncStore[LocalStore], folder: Path) -> tuple[bytes, Path]:
    """Checked by mypy --strict: the async twins keep the sync types (overloads included)."""
    info: ObjectInfo = await store.upload("typed", "k", data=b"abc", metadata={"k": "v"})
    as_bytes: bytes = await store.download("typed", "k")
    as_path: Path = await store.download("typed", "k", local_path=folder / "k")
    exists: bool = await store.exists("typed", "k")
    assert info.size == 3 and exists
    return as_bytes, as_path


@pytest.mark.anyio
async def test_the_async_twins_are_typed_like_the_sync_ones(tmp_path: Path) -> None:
    store = storage.AsyncLocalStore(tmp_path / "root")
    await store.create_bucket("typed")
    as_bytes, as_path = await typed_async_use(store, tmp_path)
    assert as_bytes == b"abc" and as_path.read_bytes() == b"abc"
