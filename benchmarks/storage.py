"""Storage throughput and peak memory: our clients against the raw SDKs, same run, same data.

Every transfer runs in a fresh interpreter; just before it starts (imports and client loaded)
the kernel's peak-RSS mark is reset (``/proc/self/clear_refs``), so the figure reported, peak
RSS (VmHWM) minus the RSS at that moment, is the transfer's own growth. The emulators run on
127.0.0.1.

    python -m benchmarks.storage                      # 256 MiB, ours and the raw SDKs
    python -m benchmarks.storage --size-mib 1024 --only ours   # the 1 GiB memory check
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from codomyrmex_cloud.testing.emulators import Emulator, start_azurite, start_fake_gcs, start_moto

CHILD = r"""
import json, os, sys, time
backend, side, direction, path, out, env = sys.argv[1:7]
os.environ.update(json.loads(env))
bucket, key = "bench-bucket", "bench/object.bin"
def status_kib(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
conn = os.environ.get("AZURE_STORAGE_CONNECTION_STRING")
if side == "ours":
    from codomyrmex_cloud import AzureBlobClient, GCSClient, LocalStore, S3Client
    store = {"s3": lambda: S3Client(region="us-east-1"), "gcs": lambda: GCSClient(project="bench"),
             "azure": lambda: AzureBlobClient(conn), "local": lambda: LocalStore(os.environ["LOCAL_ROOT"])}[backend]()
    store.create_bucket(bucket)
    run = {"up": lambda: store.upload(bucket, key, local_path=path),
           "down": lambda: store.download(bucket, key, local_path=out)}[direction]
elif backend == "s3":
    import boto3
    from boto3.s3.transfer import TransferConfig
    client = boto3.client("s3", region_name="us-east-1")
    config = TransferConfig(multipart_chunksize=8 * 1024 * 1024, max_concurrency=8)
    run = {"up": lambda: client.upload_file(path, bucket, key, Config=config),
           "down": lambda: client.download_file(bucket, key, out, Config=config)}[direction]
elif backend == "gcs":
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage
    blob = storage.Client(project="bench", credentials=AnonymousCredentials()).bucket(bucket).blob(
        key, chunk_size=8 * 1024 * 1024)
    run = {"up": lambda: blob.upload_from_filename(path), "down": lambda: blob.download_to_filename(out)}[direction]
elif backend == "azure":
    from azure.storage.blob import BlobServiceClient
    blob = BlobServiceClient.from_connection_string(conn, max_block_size=8 * 1024 * 1024,
        max_single_put_size=8 * 1024 * 1024).get_blob_client(bucket, key)
    def up():
        with open(path, "rb") as f:
            blob.upload_blob(f, overwrite=True, max_concurrency=4)
    def down():
        with open(out, "wb") as f:
            blob.download_blob(max_concurrency=4).readinto(f)
    run = {"up": up, "down": down}[direction]
else:
    import shutil
    target = os.path.join(os.environ["LOCAL_ROOT"], "raw-copy.bin")
    run = {"up": lambda: shutil.copyfile(path, target), "down": lambda: shutil.copyfile(target, out)}[direction]
# Reset the kernel's peak-RSS mark (VmHWM) so the peak is the transfer's, not the imports'.
with open("/proc/self/clear_refs", "w") as clear:
    clear.write("5")
base = status_kib("VmRSS")
start = time.perf_counter()
run()
elapsed = time.perf_counter() - start
peak = status_kib("VmHWM")
print(json.dumps({"seconds": elapsed, "growth_mib": (peak - base) / 1024, "peak_mib": peak / 1024}))
"""

BACKENDS = ("local", "s3", "gcs", "azure")


def _measure(backend: str, side: str, direction: str, path: Path, out: Path, env: dict[str, str]) -> dict[str, float]:
    command = [sys.executable, "-c", CHILD, backend, side, direction, str(path), str(out), json.dumps(env)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{backend}/{side}/{direction} failed:\n{done.stderr[-2000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _prepare_bucket(backend: str, env: dict[str, str]) -> None:
    """Create the bench bucket for the raw-SDK runs (ours creates it itself)."""
    code = (
        "import json,os,sys; os.environ.update(json.loads(sys.argv[1]));"
        "from codomyrmex_cloud import S3Client, GCSClient, AzureBlobClient;"
        f"b = {{'s3': lambda: S3Client(region='us-east-1'), 'gcs': lambda: GCSClient(project='bench'),"
        f" 'azure': lambda: AzureBlobClient()}}['{backend}']();"
        "b.create_bucket('bench-bucket')"
    )
    subprocess.run([sys.executable, "-c", code, json.dumps(env)], check=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument("--only", choices=["ours", "both"], default="both")
    parser.add_argument("--backends", default=",".join(BACKENDS))
    args = parser.parse_args(argv)
    backends = args.backends.split(",")
    emulators: dict[str, Emulator] = {}
    try:
        if "s3" in backends:
            emulators["s3"] = start_moto()
        if "gcs" in backends:
            emulators["gcs"] = start_fake_gcs()
        if "azure" in backends:
            emulators["azure"] = start_azurite()
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            source = Path(tmp) / "source.bin"
            with source.open("wb") as handle:
                for _ in range(args.size_mib):
                    handle.write(os.urandom(1024 * 1024))
            print(f"storage {args.size_mib} MiB: MiB/s and peak RSS growth (MiB), ours vs the raw SDK")
            for backend in backends:
                env = dict(emulators[backend].env) if backend in emulators else {}
                env["LOCAL_ROOT"] = str(Path(tmp) / "local-root")
                Path(env["LOCAL_ROOT"]).mkdir(exist_ok=True)
                if backend != "local" and args.only == "both":
                    _prepare_bucket(backend, env)
                sides = ["ours"] if args.only == "ours" else ["ours", "raw"]
                for direction in ("up", "down"):
                    row = []
                    for side in sides:
                        out = Path(tmp) / f"out-{backend}-{side}.bin"
                        result = _measure(backend, side, direction, source, out, env)
                        rate = args.size_mib / result["seconds"]
                        row.append((side, rate, result["growth_mib"]))
                        out.unlink(missing_ok=True)
                    text = "; ".join(f"{s} {r:6.1f} MiB/s, +{g:5.1f} MiB" for s, r, g in row)
                    ratio = f" (throughput ratio {row[0][1] / row[1][1]:.2f})" if len(row) == 2 else ""
                    print(f"  {backend:5} {direction:4}: {text}{ratio}")
    finally:
        for emulator in emulators.values():
            emulator.stop()


if __name__ == "__main__":
    main()
