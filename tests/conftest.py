"""Shared fixtures: the fake Coda API served on 127.0.0.1, and clients that validate every
request and response against Coda's spec."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

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
from codomyrmex_cloud.testing import FakeCoda, FakeCodaServer
from codomyrmex_cloud.testing.emulators import Emulator, start_azurite, start_fake_gcs, start_moto
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

STORES = ["local", "s3", "gcs", "azure"]
SMALL_CHUNK = 5 * 1024 * 1024  # S3's minimum part size; small enough to make tests multipart


@pytest.fixture(scope="session")
def moto_server() -> Iterator[Emulator]:
    emulator = start_moto()
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


def make_store(kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> ObjectStore:
    """A store of each kind; that each return type-checks as ObjectStore is the typing test."""
    if kind == "local":
        return LocalStore(tmp_path_factory.mktemp("store"))
    if kind == "s3":
        moto: Emulator = request.getfixturevalue("moto_server")
        return S3Client(
            region="us-east-1",
            endpoint_url=moto.url,
            access_key_id="testing",
            secret_access_key="testing",
            multipart_threshold=SMALL_CHUNK,
            chunk_size=SMALL_CHUNK,
        )
    if kind == "gcs":
        gcs: Emulator = request.getfixturevalue("gcs_server")
        return GCSClient(project="test", endpoint=gcs.url, chunk_size=1024 * 1024)
    azurite: Emulator = request.getfixturevalue("azurite_server")
    return AzureBlobClient(azurite.env["AZURE_STORAGE_CONNECTION_STRING"], chunk_size=1024 * 1024)


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> ObjectStore:
    return make_store(request.param, request, tmp_path_factory)


@pytest.fixture
def bucket(store: ObjectStore) -> Iterator[str]:
    name = f"t-{uuid.uuid4().hex[:20]}"
    store.create_bucket(name)
    yield name
    store.delete_bucket(name, force=True)
