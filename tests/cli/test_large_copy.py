"""A 200 MiB object through the command line: local → S3 → GCS → local, byte for byte,
with the cloud-to-cloud leg streamed (its memory stays far below the object's size)."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

from codomyrmex_cloud import GCSClient, S3Client
from codomyrmex_cloud.testing.emulators import Emulator
from tests.support.cli import CLI

SIZE = 200 * 1024 * 1024
#: Peak memory allowed to the process streaming S3 → GCS: the interpreter with three SDKs
#: loaded plus a few chunk buffers, well below the 200 MiB it would need to hold the object.
STREAMING_PEAK = 160 * 1024 * 1024


def write_random(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as out:
        remaining = size
        while remaining:
            chunk = os.urandom(min(remaining, 8 * 1024 * 1024))
            digest.update(chunk)
            out.write(chunk)
            remaining -= len(chunk)
    return digest.hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(8 * 1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def test_200_mib_local_to_s3_to_gcs_to_local(
    cli: CLI, seaweedfs_server: Emulator, gcs_server: Emulator, workdir: Path, tmp_path: Path
) -> None:
    expected = write_random(workdir / "big.bin", SIZE)
    bucket = f"big-{uuid.uuid4().hex[:12]}"
    with (
        S3Client(
            region="us-east-1", endpoint_url=seaweedfs_server.url, access_key_id="testing", secret_access_key="testing"
        ) as s3,
        GCSClient(project="test", endpoint=gcs_server.url) as gcs,
    ):
        s3.create_bucket(bucket)
        gcs.create_bucket(bucket)
        seaweed = {**seaweedfs_server.env}  # SeaweedFS instead of moto: moto is slow on large objects
        try:
            cli.run("cp", "big.bin", f"s3://{bucket}/big.bin", env=seaweed)
            assert s3.stat(bucket, "big.bin").size == SIZE

            cli.env.update(seaweed)
            streamed, peak = cli.run_measured(
                "cp", f"s3://{bucket}/big.bin", f"gs://{bucket}/big.bin", scratch=tmp_path
            )
            assert streamed.code == 0, str(streamed)
            assert peak < STREAMING_PEAK, f"peak memory {peak / 2**20:.0f} MiB: the object was not streamed"
            assert gcs.stat(bucket, "big.bin").size == SIZE

            cli.run("cp", f"gs://{bucket}/big.bin", "back.bin")
            assert sha256_of(workdir / "back.bin") == expected
        finally:
            s3.delete_bucket(bucket, force=True)
            gcs.delete_bucket(bucket, force=True)
