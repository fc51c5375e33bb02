"""One transfer in a fresh interpreter: ``python -m benchmarks.storage_child '<json>'``.

The argument names the backend, the side (``ours``, ``raw`` for the SDK a user would call
instead, ``obstore``), the direction, the object key and the local file. The store or SDK
client is built first, with the defaults a user gets (configuration from the environment);
then the kernel's peak-RSS mark is reset (``/proc/self/clear_refs``), so the peak reported
afterwards (VmHWM minus the RSS at the reset) is the transfer's own growth, not the imports'.
Prints one JSON line: ``{"seconds": ..., "growth_mib": ...}``.

With ``"memory": true`` it instead traces allocations (tracemalloc) and prints where the
memory was held at the highest point: the profile of a transfer that missed the RSS goal.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from benchmarks.storage_servers import BUCKET, store


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} is not in /proc/self/status")


def _ours(backend: str, direction: str, key: str, path: str) -> Callable[[], object]:
    target = store(backend)
    if direction == "up":
        return lambda: target.upload(BUCKET, key, local_path=path)
    return lambda: target.download(BUCKET, key, local_path=path)


def _raw(backend: str, direction: str, key: str, path: str) -> Callable[[], object]:
    if backend == "s3":
        import boto3

        s3 = boto3.client("s3")  # TransferManager defaults: 8 MiB parts, 10 threads
        if direction == "up":
            return lambda: s3.upload_file(path, BUCKET, key)
        return lambda: s3.download_file(BUCKET, key, path)
    if backend == "gcs":
        from google.cloud import storage

        blob = storage.Client().bucket(BUCKET).blob(key)
        if direction == "up":
            return lambda: blob.upload_from_filename(path)
        return lambda: blob.download_to_filename(path)
    if backend == "azure":
        from azure.storage.blob import BlobServiceClient

        service = BlobServiceClient.from_connection_string(os.environ["AZURE_STORAGE_CONNECTION_STRING"])
        blob_client = service.get_blob_client(BUCKET, key)

        def up() -> None:
            with open(path, "rb") as source:
                blob_client.upload_blob(source, overwrite=True)

        def down() -> None:
            with open(path, "wb") as sink:
                blob_client.download_blob().readinto(sink)

        return up if direction == "up" else down
    # local: what a user does without a store is copy the file.
    copy = Path(os.environ["LOCAL_ROOT"]) / "plain-copy" / key
    copy.parent.mkdir(parents=True, exist_ok=True)
    if direction == "up":
        return lambda: shutil.copyfile(path, copy)
    return lambda: shutil.copyfile(copy, path)


def _obstore(direction: str, key: str, path: str) -> Callable[[], object]:
    import obstore
    from obstore.store import S3Store

    # Endpoint, region and credentials come from the AWS_* environment, as for boto3; plain
    # HTTP has to be allowed explicitly (loopback).
    s3 = S3Store(BUCKET, client_options={"allow_http": True})
    if direction == "up":
        return lambda: obstore.put(s3, key, Path(path))

    def down() -> None:
        with open(path, "wb") as sink:
            for chunk in obstore.get(s3, key).stream():
                sink.write(chunk)

    return down


def _held_at_peak(run: Callable[[], object]) -> str:
    """Run under tracemalloc, snapshotting whenever traced memory reaches a new high."""
    tracemalloc.start(10)
    best: list[tracemalloc.Snapshot] = []
    high = [0]
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.02):
            current, _ = tracemalloc.get_traced_memory()
            if current > high[0]:
                high[0] = current
                best[:] = [tracemalloc.take_snapshot()]

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        run()
    finally:
        done.set()
        watcher.join()
    _, peak = tracemalloc.get_traced_memory()
    lines = [f"tracemalloc: peak {peak / 2**20:.1f} MiB of Python allocations; held at the highest snapshot:"]
    if best:
        for stat in best[0].statistics("traceback")[:8]:
            lines.append(f"  {stat.size / 2**20:7.1f} MiB in {stat.count} blocks, allocated at:")
            lines += [f"      {frame}" for frame in stat.traceback.format(limit=4, most_recent_first=True)[:8]]
    return "\n".join(lines)


def main() -> None:
    spec = json.loads(sys.argv[1])
    backend, side, direction, key, path = (spec[k] for k in ("backend", "side", "direction", "key", "path"))
    if side == "ours":
        run = _ours(backend, direction, key, path)
    elif side == "obstore":
        run = _obstore(direction, key, path)
    else:
        run = _raw(backend, direction, key, path)
    if spec.get("memory"):
        print(_held_at_peak(run))
        return
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # reset VmHWM to the current RSS
    base = _status_kib("VmRSS")
    start = time.perf_counter()
    run()
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "growth_mib": (_status_kib("VmHWM") - base) / 1024}))


if __name__ == "__main__":
    main()
