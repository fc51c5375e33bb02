"""Fixtures for the command-line tests: the fake Coda API on loopback, the storage
emulators, and a runner of the real entry point configured for them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from codomyrmex_cloud import AzureBlobClient, GCSClient, ObjectStore, S3Client
from codomyrmex_cloud.testing import FakeCoda, FakeCodaServer, seed_demo
from codomyrmex_cloud.testing.coda_limits import FakeLimits
from codomyrmex_cloud.testing.emulators import Emulator
from tests.support.cli import CLI

CODA_TOKEN = "tok-cli-s3cr3t-never-printed"


@pytest.fixture
def coda_fake() -> FakeCoda:
    # Coda's limits are enforced by the client in each process (tested in the Coda suite);
    # here every command is a new process, and looking a doc up by name lists docs, which
    # Coda allows 4 times in 6 s: the fake's own enforcement would make these tests wait.
    fake = FakeCoda(token=CODA_TOKEN, mutation_polls=1, rate_limits=FakeLimits.off())
    seed_demo(fake)
    return fake


@pytest.fixture
def coda_server(coda_fake: FakeCoda) -> Iterator[FakeCodaServer]:
    with FakeCodaServer(coda_fake) as running:
        yield running


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path


@pytest.fixture
def cli(
    coda_server: FakeCodaServer,
    moto_server: Emulator,
    gcs_server: Emulator,
    azurite_server: Emulator,
    workdir: Path,
    tmp_path: Path,
) -> CLI:
    """The command, configured by the environment only (as a user's shell would be)."""
    env = {
        "CODA_API_TOKEN": CODA_TOKEN,
        "CODA_BASE_URL": coda_server.base_url,
        "CODOMYRMEX_LOCAL_ROOT": str(tmp_path / "local-store"),
        **moto_server.env,
        **gcs_server.env,
        **azurite_server.env,
    }
    return CLI(env, workdir)


@pytest.fixture
def buckets(moto_server: Emulator, gcs_server: Emulator, azurite_server: Emulator) -> Iterator[dict[str, str]]:
    """One fresh bucket per cloud: ``{"s3": "s3://name", "gs": ..., "az": ...}``."""
    name = f"cli-{uuid.uuid4().hex[:16]}"
    s3 = S3Client(
        region="us-east-1", endpoint_url=moto_server.url, access_key_id="testing", secret_access_key="testing"
    )
    gcs = GCSClient(project="test", endpoint=gcs_server.url)
    azure = AzureBlobClient(azurite_server.env["AZURE_STORAGE_CONNECTION_STRING"])
    stores: dict[str, ObjectStore] = {"s3": s3, "gs": gcs, "az": azure}
    for store in stores.values():
        store.create_bucket(name)
    yield {scheme: f"{scheme}://{name}" for scheme in stores}
    for store in stores.values():
        with store:
            store.delete_bucket(name, force=True)
