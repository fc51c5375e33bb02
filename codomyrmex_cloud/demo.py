"""``make demo``: the seed's quick starts on the embedded defaults, no account and no network.

Coda runs against the fake Coda API (``codomyrmex_cloud.testing``) served on 127.0.0.1.
Storage runs on the local store, then on the S3/GCS/Azure emulators when they are installed
(``make setup`` installs them), each started on 127.0.0.1 and stopped afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from codomyrmex_cloud.testing import FakeCoda, FakeCodaServer, seed_demo
from codomyrmex_cloud.testing.emulators import Emulator, environment, start_azurite, start_fake_gcs, start_moto


def coda_quick_start() -> None:
    """The seed's Coda quick start, as written, then the façade on the same doc."""
    from codomyrmex.cloud import CodaClient

    client = CodaClient(api_token="your-api-token")  # noqa: S106 - the seed's placeholder

    # List all docs
    docs = client.list_docs()
    for doc in docs.items:
        print(f"{doc.name}: {doc.id}")

    # Get a specific doc
    doc = client.get_doc("doc-id")

    # List tables in doc
    tables = client.list_tables(doc.id)

    # Query rows
    rows = client.list_rows(doc_id=doc.id, table_id="grid-xxx", query='Status = "Active"')
    print("Active tasks:", ", ".join(row.name for row in rows))

    tasks = doc.table("Tasks")
    mutation = tasks.upsert([{"Name": "Task 2", "Status": "Active"}], key_columns=["Name"], wait=True)
    print(f"Upserted Task 2 (requests {list(mutation.request_ids)}); now active:")
    for row in tasks.rows(where={"Status": "Active"}):
        print(f"  {row.name:8} {row['Owner']}")
    print(f"Tables: {[t.name for t in tables]}; formulas: {[f.name for f in doc.formulas()]}")


def local_quick_start(root: Path) -> None:
    """The storage quick start on the embedded default: a local folder."""
    from codomyrmex.cloud import LocalStore

    store = LocalStore(root / "store")
    store.create_bucket("my-bucket")
    (root / "file.txt").write_text("hello from the local store")
    store.upload("my-bucket", "path/to/file.txt", local_path=root / "file.txt")
    store.download("my-bucket", "path/to/file.txt", local_path=root / "downloaded.txt")
    store.upload("my-bucket", "data/file.json", data=json.dumps({"answer": 42}), content_type="application/json")
    objects = store.list_objects("my-bucket", prefix="data/")
    print("  objects under data/:", [(o.key, o.size) for o in objects])
    print("  downloaded:", (root / "downloaded.txt").read_text())


def cloud_quick_starts(emulators: dict[str, Emulator], root: Path) -> None:
    """The seed's S3, GCS and Azure quick starts, configured by the environment only."""
    from codomyrmex.cloud import AzureBlobClient, GCSClient, S3Client

    data = {"answer": 42}
    content = b"hello from Azurite"
    os.chdir(root)
    if "s3" in emulators:
        with environment(emulators["s3"].env):
            s3 = S3Client(region="us-east-1")
            s3.create_bucket("my-bucket")
            s3.upload("my-bucket", "path/to/file.txt", local_path="./file.txt")
            s3.download("my-bucket", "path/to/file.txt", local_path="./downloaded.txt")
            objects = s3.list_objects("my-bucket", prefix="path/")
            print("  S3 (moto):", [o.key for o in objects], Path("downloaded.txt").read_text())
    if "gcs" in emulators:
        with environment(emulators["gcs"].env):
            gcs = GCSClient(project="my-project")
            gcs.create_bucket("my-bucket")
            gcs.upload("my-bucket", "data/file.json", data=json.dumps(data))
            print("  GCS (fake-gcs-server):", json.loads(gcs.download("my-bucket", "data/file.json")))
    if "azure" in emulators:
        with environment(emulators["azure"].env):
            azure = AzureBlobClient(connection_string=os.environ["AZURE_STORAGE_CONNECTION_STRING"])
            azure.create_bucket("container")
            azure.upload("container", "blob-name", data=content)
            print("  Azure (Azurite):", azure.download("container", "blob-name"))


@contextlib.contextmanager
def running_emulators() -> Iterator[dict[str, Emulator]]:
    started: dict[str, Emulator] = {}
    for name, start in (("s3", start_moto), ("gcs", start_fake_gcs), ("azure", start_azurite)):
        try:
            started[name] = start()
        except (RuntimeError, OSError) as exc:
            print(f"  ({name} emulator not available: {str(exc).splitlines()[0]})")
    try:
        yield started
    finally:
        for emulator in started.values():
            emulator.stop()


def main() -> None:
    fake = FakeCoda(token="your-api-token")  # noqa: S106 - matches the seed's placeholder
    seed_demo(fake)
    with FakeCodaServer(fake) as server:
        os.environ["CODA_BASE_URL"] = server.base_url
        print(f"== Coda (fake Coda API at {server.base_url})")
        coda_quick_start()
    with tempfile.TemporaryDirectory(prefix="codomyrmex-demo-") as tmp:
        root = Path(tmp)
        print(f"== Storage: local store in {root / 'store'}")
        local_quick_start(root)
        print("== Storage: S3, GCS and Azure emulators on 127.0.0.1")
        home = Path.cwd()
        with running_emulators() as emulators:
            try:
                cloud_quick_starts(emulators, root)
            finally:
                os.chdir(home)


if __name__ == "__main__":
    main()
