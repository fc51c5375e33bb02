"""Stores handed to worker processes: pickled as configuration only (never a credential), and
usable after ``spawn`` and after ``fork``."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import urllib.parse
import uuid
from pathlib import Path

import pytest

from codomyrmex_cloud import ObjectStore
from codomyrmex_cloud.storage import AzureBlobClient, S3Client, StoragePermissionError
from codomyrmex_cloud.testing.emulators import AZURITE_KEY
from tests.conftest import STORES, emulator_for, store_for

SECRET = "testing-secret-never-pickled"


def upload_and_read(task: tuple[ObjectStore, str, str, bytes]) -> tuple[int, bytes]:
    """Runs in a worker process: the store arrives pickled."""
    store, bucket, key, data = task
    store.upload(bucket, key, data=data)
    return os.getpid(), store.download(bucket, key)


@pytest.fixture
def stores(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, ObjectStore]:
    """One store of each kind; credentials only in the constructor and in the environment a
    worker process inherits (as a deployment would provide them)."""
    built: dict[str, ObjectStore] = {}
    for kind in STORES:
        emulator = emulator_for(kind, request)
        if kind in ("s3", "seaweedfs"):
            monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
            monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        if kind == "azure":
            assert emulator is not None
            monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", emulator.env["AZURE_STORAGE_CONNECTION_STRING"])
        built[kind] = store_for(kind, emulator, tmp_path / "local")
    return built


def test_pickles_hold_configuration_and_no_secret(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    moto = emulator_for("s3", request)
    assert moto is not None
    explicit = S3Client(
        region="us-east-1",
        endpoint_url=moto.url,
        access_key_id="AKIDEXAMPLE",
        secret_access_key=SECRET,
    )
    azure = store_for("azure", emulator_for("azure", request), tmp_path)
    with explicit:
        for store, secret in ((explicit, SECRET), (explicit, "AKIDEXAMPLE"), (azure, AZURITE_KEY)):
            data = pickle.dumps(store)
            assert secret.encode() not in data
            assert secret not in repr(store)


def test_uploads_from_a_spawned_pool_with_one_pickled_store_each(stores: dict[str, ObjectStore]) -> None:
    tasks = []
    for kind, store in stores.items():
        bucket = f"t-{uuid.uuid4().hex[:20]}"
        store.create_bucket(bucket)
        tasks += [(store, bucket, f"{kind}/{n}", f"{kind}-{n}".encode() * 100) for n in range(3)]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.map(upload_and_read, tasks)
    assert {pid for pid, _ in results}.isdisjoint({os.getpid()})
    assert [data for _, data in results] == [task[3] for task in tasks]
    for store, bucket, key, data in tasks:  # written by the workers, read here
        assert store.download(bucket, key) == data
    for store, bucket in {(t[0], t[1]) for t in tasks}:
        store.delete_bucket(bucket, force=True)


def test_a_store_keeps_working_after_fork(stores: dict[str, ObjectStore]) -> None:
    buckets = {}
    for kind, store in stores.items():
        buckets[kind] = f"t-{uuid.uuid4().hex[:20]}"
        store.create_bucket(buckets[kind])
        store.upload(buckets[kind], "warm", data=b"the parent's pool is warm")
    with multiprocessing.get_context("fork").Pool(1) as pool:
        results = pool.map(upload_and_read, [(s, buckets[k], "forked", k.encode()) for k, s in stores.items()])
    assert [data for _, data in results] == [k.encode() for k in stores]
    for kind, store in stores.items():  # and the parent's own connections still work
        assert store.download(buckets[kind], "forked") == kind.encode()
        store.delete_bucket(buckets[kind], force=True)


def test_a_sas_in_the_account_url_works_and_is_never_pickled_or_shown(request: pytest.FixtureRequest) -> None:
    from datetime import UTC, datetime, timedelta

    from azure.storage.blob import AccountSasPermissions, ResourceTypes, generate_account_sas

    azurite = emulator_for("azure", request)
    assert azurite is not None
    sas = generate_account_sas(
        "devstoreaccount1",
        AZURITE_KEY,
        ResourceTypes(service=True, container=True, object=True),
        AccountSasPermissions(read=True, write=True, list=True, create=True, delete=True),
        expiry=datetime.now(UTC) + timedelta(hours=1),
    )
    signature = next(part.split("=", 1)[1] for part in sas.split("&") if part.startswith("sig="))
    with AzureBlobClient(account_url=f"{azurite.url}?{sas}") as azure:
        bucket = f"sas-{uuid.uuid4().hex[:12]}"
        azure.create_bucket(bucket)
        azure.upload(bucket, "k", data=b"through the URL's SAS")
        assert azure.download(bucket, "k") == b"through the URL's SAS"
        pickled = pickle.dumps(azure)
        for text in (signature, urllib.parse.unquote(signature)):
            assert text.encode() not in pickled and text not in repr(azure)
        azure.delete_bucket(bucket, force=True)


def test_an_unpickled_azure_client_without_credentials_says_where_they_come_from(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    azure = store_for("azure", emulator_for("azure", request), tmp_path)
    assert isinstance(azure, AzureBlobClient)
    data = pickle.dumps(azure)
    monkeypatch.delenv("AZURE_STORAGE_CONNECTION_STRING", raising=False)
    with pytest.raises(StoragePermissionError, match="AZURE_STORAGE_CONNECTION_STRING"):
        pickle.loads(data)  # noqa: S301 - our own pickle
