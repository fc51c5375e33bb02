"""Shared fixtures: the fake Coda API served on 127.0.0.1, and clients that validate every
request and response against Coda's spec."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from codomyrmex_cloud import (
    AsyncCodaClient,
    AzureBlobClient,
    CodaClient,
    GCSClient,
    LocalStore,
    ObjectStore,
    S3Client,
)
from codomyrmex_cloud.storage.base import BaseStore
from codomyrmex_cloud.testing import FakeCoda, FakeCodaServer
from codomyrmex_cloud.testing.emulators import Emulator, start_azurite, start_fake_gcs, start_moto, start_seaweedfs
from tests.support.coda import TOKEN, SleepRecorder
from tests.support.spec_validation import AsyncValidatingTransport, ValidatingTransport


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fake() -> FakeCoda:
    return FakeCoda(token=TOKEN, mutation_polls=1)


@pytest.fixture
def server(fake: FakeCoda) -> Iterator[FakeCodaServer]:
    with FakeCodaServer(fake) as running:
        yield running


@pytest.fixture
def validating(server: FakeCodaServer) -> ValidatingTransport:
    return ValidatingTransport(httpx.HTTPTransport(), server.base_url)


@pytest.fixture
def slept() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def coda(server: FakeCodaServer, validating: ValidatingTransport, slept: SleepRecorder) -> Iterator[CodaClient]:
    with CodaClient(TOKEN, base_url=server.base_url, transport=validating, sleep=slept) as client:
        yield client
    assert validating.validated > 0


@pytest.fixture
async def acoda(server: FakeCodaServer, slept: SleepRecorder) -> AsyncIterator[AsyncCodaClient]:
    transport = AsyncValidatingTransport(httpx.AsyncHTTPTransport(), server.base_url)
    async with AsyncCodaClient(TOKEN, base_url=server.base_url, transport=transport, sleep=slept.asleep) as client:
        yield client
    assert transport.checker.validated > 0


# Storage ----------------------------------------------------------------------------------

#: Every store the conformance suite runs on: the local folder, S3 on moto and on SeaweedFS
#: (a production S3 server, where moto differs from real S3), GCS on fake-gcs-server and
#: Azure on Azurite.
STORES = ["local", "s3", "seaweedfs", "gcs", "azure"]
SMALL_CHUNK = 5 * 1024 * 1024  # S3's minimum part size; small enough to make tests multipart


@pytest.fixture(scope="session")
def moto_server() -> Iterator[Emulator]:
    emulator = start_moto()
    yield emulator
    emulator.stop()


@pytest.fixture(scope="session")
def seaweedfs_server() -> Iterator[Emulator]:
    emulator = start_seaweedfs()
    yield emulator
    emulator.stop()


@pytest.fixture(scope="session")
def gcs_server() -> Iterator[Emulator]:
    emulator = start_fake_gcs()
    yield emulator
    emulator.stop()


@pytest.fixture(scope="session")
def azurite_server() -> Iterator[Emulator]:
    emulator = start_azurite()
    yield emulator
    emulator.stop()


@dataclass
class Endpoint:
    """Where a store's service listens (an emulator, or a port for failure tests)."""

    url: str
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def at(cls, url: str) -> Endpoint:
        """An endpoint at ``url`` (the service root, as S3 and GCS take it) with the
        Azurite-style account (a path under it) any Azure store needs."""
        account = f"{url}/devstoreaccount1"
        return cls(
            url,
            {
                "AZURE_STORAGE_CONNECTION_STRING": "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
                f"AccountKey=ZmFrZQ==;BlobEndpoint={account};"
            },
        )


#: Stores built by ``store_for`` during the current test; closed after it (``_close_stores``).
_OPENED: list[BaseStore] = []


@pytest.fixture(autouse=True)
def _close_stores() -> Iterator[None]:
    """Close every store a test built with ``store_for`` once the test (and the teardown of
    its other fixtures, set up later) is done: no pooled socket outlives its test."""
    yield
    while _OPENED:
        _OPENED.pop().close()


def store_for(kind: str, emulator: Emulator | Endpoint | None, root: Path, **options: Any) -> BaseStore:
    """A store of each kind on ``emulator`` (a LocalStore in ``root`` for "local"), closed
    after the test.

    ``options`` go to the constructor (timeouts, retries, deadlines ...).
    """
    store = _build_store(kind, emulator, root, **options)
    _OPENED.append(store)
    return store


def _build_store(kind: str, emulator: Emulator | Endpoint | None, root: Path, **options: Any) -> BaseStore:
    if kind == "local":
        return LocalStore(root, **options)
    assert emulator is not None
    if kind in ("s3", "seaweedfs"):
        return S3Client(
            region="us-east-1",
            endpoint_url=emulator.url,
            access_key_id="testing",
            secret_access_key="testing",
            multipart_threshold=SMALL_CHUNK,
            chunk_size=SMALL_CHUNK,
            **options,
        )
    if kind == "gcs":
        return GCSClient(project="test", endpoint=emulator.url, chunk_size=1024 * 1024, **options)
    return AzureBlobClient(emulator.env["AZURE_STORAGE_CONNECTION_STRING"], chunk_size=1024 * 1024, **options)


EMULATOR_FIXTURES = {
    "s3": "moto_server",
    "seaweedfs": "seaweedfs_server",
    "gcs": "gcs_server",
    "azure": "azurite_server",
}


def emulator_for(kind: str, request: pytest.FixtureRequest) -> Emulator | None:
    """The session emulator behind a store kind (None for "local")."""
    name = EMULATOR_FIXTURES.get(kind)
    return request.getfixturevalue(name) if name else None


def make_store(kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> ObjectStore:
    """A store of each kind; that each return type-checks as ObjectStore is the typing test."""
    return store_for(kind, emulator_for(kind, request), tmp_path_factory.mktemp("store"))


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> ObjectStore:
    return make_store(request.param, request, tmp_path_factory)


@pytest.fixture
def store_kind(store: ObjectStore, request: pytest.FixtureRequest) -> str:
    """Which of STORES ``store`` is."""
    kind: str = request.node.callspec.params["store"]
    return kind


@pytest.fixture
def bucket(store: ObjectStore) -> Iterator[str]:
    name = f"t-{uuid.uuid4().hex[:20]}"
    store.create_bucket(name)
    yield name
    store.delete_bucket(name, force=True)
