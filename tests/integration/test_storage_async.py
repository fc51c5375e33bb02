"""The async storage API on every store: the sync code's validation, errors and results,
awaited."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codomyrmex_cloud import InvalidArgumentError, ObjectNotFoundError, ObjectStore, StorageConnectionError
from codomyrmex_cloud.storage import AsyncLocalStore, AsyncS3Client, AsyncStore, GCSClient, SignsURLs
from codomyrmex_cloud.storage.base import BaseStore
from codomyrmex_cloud.testing.emulators import free_port

pytestmark = pytest.mark.anyio


async def test_the_async_api_round_trips(store: ObjectStore, bucket: str, tmp_path: Path) -> None:
    assert isinstance(store, BaseStore)
    astore = AsyncStore(store)
    payload = os.urandom(300_000)
    info = await astore.upload(bucket, "a/one.bin", data=payload, metadata={"k": "v"})
    assert info.size == len(payload)
    assert await astore.download(bucket, "a/one.bin") == payload
    path = await astore.download(bucket, "a/one.bin", local_path=tmp_path / "one.bin")
    assert path.read_bytes() == payload
    assert await astore.read_range(bucket, "a/one.bin", 10, 20) == payload[10:20]
    chunks = [chunk async for chunk in astore.iter_chunks(bucket, "a/one.bin", chunk_size=100_000)]
    assert b"".join(chunks) == payload and len(chunks) == 3
    await astore.upload(bucket, "a/two.bin", data=b"2")
    await astore.copy(bucket, "a/two.bin", bucket, "b/three.bin")
    listing = astore.list_objects(bucket, "a/")
    assert [o.key async for o in listing] == ["a/one.bin", "a/two.bin"]
    assert [o.key async for o in listing] == ["a/one.bin", "a/two.bin"]  # walks again
    root = astore.list_objects(bucket, delimiter="/")
    assert await root.prefixes() == ["a/", "b/"]
    assert (await astore.stat(bucket, "b/three.bin")).size == 1
    assert await astore.exists(bucket, "b/three.bin")
    await astore.delete_many(bucket, ["a/two.bin", "b/three.bin"])
    assert not await astore.exists(bucket, "a/two.bin")
    with pytest.raises(ObjectNotFoundError):
        await astore.download(bucket, "absent")
    if isinstance(store, SignsURLs) and not isinstance(store, GCSClient):  # fake-gcs: anonymous
        assert (await astore.run(store.signed_url, bucket, "a/one.bin", expires_in=60)).startswith("http")


async def test_async_validation_is_the_sync_one(tmp_path: Path) -> None:
    local = AsyncLocalStore(tmp_path / "root")
    await local.create_bucket("bkt")
    with pytest.raises(InvalidArgumentError, match="key"):
        await local.upload("bkt", "a/../b", data=b"x")
    with pytest.raises(InvalidArgumentError, match=r"^source_customer_key: "):
        await local.copy("bkt", "a", "bkt", "b", source_customer_key=b"k" * 32)  # type: ignore[arg-type]
    async with AsyncS3Client(
        region="us-east-1",
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        access_key_id="k",
        secret_access_key="s",
        retry=None,
    ) as offline:
        with pytest.raises(InvalidArgumentError, match="metadata"):
            await offline.upload("bkt", "k", data=b"x", metadata={"a b": "v"})  # refused before sending
        with pytest.raises(StorageConnectionError):
            await offline.stat("bkt", "k")
