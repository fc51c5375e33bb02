"""Streamed copies, trees, syncs and writers between the real emulators (moto, fake-gcs-server,
Azurite) and local stores: multi-part sizes, every direction, verified bytes."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from codomyrmex_cloud import AzureBlobClient, GCSClient, LocalStore, ObjectStore, S3Client
from codomyrmex_cloud.storage import CustomerKey, InvalidArgumentError, ManagedKey, UnsupportedOperationError
from codomyrmex_cloud.storage.files import FileSystemStore
from codomyrmex_cloud.storage.tree import copy_object, copy_tree, plan_sync, run_sync
from codomyrmex_cloud.testing.emulators import Emulator
from tests.conftest import make_store

PART = 5 * 1024 * 1024  # S3's smallest part: large objects below become multipart
BIG = 12 * 1024 * 1024 + 123


@pytest.fixture
def stores(
    moto_server: Emulator, gcs_server: Emulator, azurite_server: Emulator, tmp_path: Path
) -> Iterator[dict[str, tuple[ObjectStore, str]]]:
    """One store of each kind with a fresh bucket: ``{kind: (store, bucket)}``."""
    name = f"tree-{uuid.uuid4().hex[:16]}"
    made: dict[str, ObjectStore] = {
        "local": LocalStore(tmp_path / "local"),
        "s3": S3Client(
            region="us-east-1",
            endpoint_url=moto_server.url,
            access_key_id="testing",
            secret_access_key="testing",
            multipart_threshold=PART,
            chunk_size=PART,
        ),
        "gcs": GCSClient(project="test", endpoint=gcs_server.url, chunk_size=1024 * 1024),
        "azure": AzureBlobClient(azurite_server.env["AZURE_STORAGE_CONNECTION_STRING"], chunk_size=1024 * 1024),
    }
    for store in made.values():
        store.create_bucket(name)
    made_files: dict[str, tuple[ObjectStore, str]] = {"files": (FileSystemStore(), str(tmp_path / "files"))}
    yield {kind: (store, name) for kind, store in made.items()} | made_files
    for store in made.values():
        with store:
            store.delete_bucket(name, force=True)


@pytest.mark.parametrize(
    ("src", "dst"),
    [
        ("files", "s3"),
        ("s3", "gcs"),
        ("gcs", "azure"),
        ("azure", "local"),
        ("local", "s3"),
        ("s3", "s3"),
        ("azure", "files"),
    ],
)
def test_copy_object_between_stores(stores: dict[str, tuple[ObjectStore, str]], src: str, dst: str) -> None:
    data = os.urandom(BIG)
    src_store, src_bucket = stores[src]
    dst_store, dst_bucket = stores[dst]
    src_store.upload(src_bucket, "in/big.bin", data=data, content_type="application/x-test")
    done: list[int] = []
    info = copy_object(
        src_store, src_bucket, "in/big.bin", dst_store, dst_bucket, "out/big.bin", progress=lambda d, t: done.append(d)
    )
    assert info.size == BIG and done[-1] == BIG
    assert dst_store.download(dst_bucket, "out/big.bin") == data


def test_trees_and_sync_between_clouds(stores: dict[str, tuple[ObjectStore, str]]) -> None:
    s3, s3_bucket = stores["s3"]
    gcs, gcs_bucket = stores["gcs"]
    azure, azure_bucket = stores["azure"]
    files = {f"dir{i % 2}/f{i}": os.urandom(10_000 + i) for i in range(10)}
    for key, data in files.items():
        s3.upload(s3_bucket, f"src/{key}", data=data)
    result = copy_tree(s3, s3_bucket, "src", gcs, gcs_bucket, "copy/", jobs=4)
    assert result.files == 10
    assert {o.key: gcs.download(gcs_bucket, o.key) for o in gcs.list_objects(gcs_bucket, "copy/")} == {
        f"copy/{k}": v for k, v in files.items()
    }
    # Same size, other bytes: S3 (from a stat) and GCS (from the listing) both report MD5.
    s3.upload(s3_bucket, "src/dir0/f0", data=os.urandom(10_000))
    plan = plan_sync(s3, s3_bucket, "src", gcs, gcs_bucket, "copy", delete=True)
    assert [(a.op, a.key, a.reason) for a in plan.actions] == [("copy", "dir0/f0", "checksum")]
    assert plan.unverified == 0
    run_sync(plan, s3, s3_bucket, "src", gcs, gcs_bucket, "copy")
    assert gcs.download(gcs_bucket, "copy/dir0/f0") == s3.download(s3_bucket, "src/dir0/f0")
    # GCS to Azure, then nothing left to do.
    first = plan_sync(gcs, gcs_bucket, "copy", azure, azure_bucket, "mirror")
    run_sync(first, gcs, gcs_bucket, "copy", azure, azure_bucket, "mirror", jobs=3)
    again = plan_sync(gcs, gcs_bucket, "copy", azure, azure_bucket, "mirror")
    assert (again.actions, again.unchanged, again.unverified) == ((), 10, 0)


@pytest.mark.parametrize("kind", ["s3", "gcs", "azure", "local", "files"])
def test_open_write_streams_into_each_store(stores: dict[str, tuple[ObjectStore, str]], kind: str) -> None:
    store, bucket = stores[kind]
    chunk = os.urandom(1024 * 1024)
    with store.open_write(bucket, "written.bin") as out:
        for _ in range(11):
            out.write(chunk)
    assert store.stat(bucket, "written.bin").size == 11 * len(chunk)
    assert store.download(bucket, "written.bin") == chunk * 11
    with pytest.raises(RuntimeError), store.open_write(bucket, "aborted.bin") as out:
        for _ in range(7):
            out.write(chunk)
        raise RuntimeError("abort")
    assert not store.exists(bucket, "aborted.bin")


def test_copy_object_reads_and_writes_customer_keys(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    """SeaweedFS enforces SSE-C: a streamed copy reads the source with its key and writes the
    destination with ``encryption``, else the same key; a local destination gets the bytes."""
    s3 = make_store("seaweedfs", request, tmp_path_factory)
    local = LocalStore(tmp_path / "local")
    bucket = f"t-{uuid.uuid4().hex[:20]}"
    s3.create_bucket(bucket)
    local.create_bucket(bucket)
    key = CustomerKey(os.urandom(32))
    data = os.urandom(3 * 1024 * 1024 + 7)
    s3.upload(bucket, "secret", data=data, encryption=key)
    # Within one store but streamed (the metadata is replaced): the same key by default.
    copy_object(s3, bucket, "secret", s3, bucket, "streamed", metadata={"by": "tree"}, source_customer_key=key)
    assert s3.download(bucket, "streamed", customer_key=key) == data
    with pytest.raises(InvalidArgumentError):
        s3.download(bucket, "streamed")
    copy_object(s3, bucket, "secret", local, bucket, "plain", source_customer_key=key)
    assert local.download(bucket, "plain") == data
    copy_object(local, bucket, "plain", s3, bucket, "back", encryption=key)
    assert s3.download(bucket, "back", customer_key=key) == data
    with pytest.raises(InvalidArgumentError, match=r"^source_customer_key: "):
        copy_object(s3, bucket, "secret", local, bucket, "x", source_customer_key=b"k" * 32)  # type: ignore[arg-type]
    with pytest.raises(UnsupportedOperationError, match=r"^encryption: "):
        copy_object(s3, bucket, "secret", local, bucket, "x", source_customer_key=key, encryption=ManagedKey())
    assert not local.exists(bucket, "x")
    s3.delete_bucket(bucket, force=True)
