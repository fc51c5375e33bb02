"""The storage servers the benchmarks talk to, started once per run on 127.0.0.1, and the
stores built on them with a user's defaults (configuration from the environment).

S3 is SeaweedFS (``weed mini``), a production object store: moto serves every ranged GET by
slicing the whole object, so its figures say nothing about real S3. GCS is fake-gcs-server,
Azure is Azurite (both the emulators the test suite uses).
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

from codomyrmex_cloud import AzureBlobClient, GCSClient, LocalStore, ObjectStore, S3Client
from codomyrmex_cloud.testing.emulators import Emulator, environment, start_azurite, start_fake_gcs, start_seaweedfs

BUCKET = "bench-bucket"
REMOTE = ("s3", "gcs", "azure")
SERVER_NAMES = {"s3": "SeaweedFS", "gcs": "fake-gcs-server", "azure": "Azurite", "local": "local disk"}


class Servers:
    """Starts each backend's server on first use; stops them all on exit."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self._emulators: dict[str, Emulator] = {}

    def __enter__(self) -> Servers:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        while self._emulators:
            _, emulator = self._emulators.popitem()
            emulator.stop()

    def env(self, backend: str) -> dict[str, str]:
        """The environment a user's job would have for ``backend`` (endpoint and credentials)."""
        if backend == "local":
            root = self.scratch / "local-root"
            LocalStore(root).create_bucket(BUCKET)
            return {"LOCAL_ROOT": str(root)}
        if backend not in self._emulators:
            start = {"s3": start_seaweedfs, "gcs": start_fake_gcs, "azure": start_azurite}[backend]
            self._emulators[backend] = start()
            with environment(self._emulators[backend].env):
                store(backend).create_bucket(BUCKET)
        return dict(self._emulators[backend].env)


def store(backend: str) -> ObjectStore:
    """Our store for ``backend`` as a user builds it: no arguments, the environment decides."""
    if backend == "s3":
        return S3Client()
    if backend == "gcs":
        return GCSClient()
    if backend == "azure":
        return AzureBlobClient()
    return LocalStore(os.environ["LOCAL_ROOT"])
