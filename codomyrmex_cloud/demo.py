"""``make demo``: the product end to end on the embedded defaults, no account and no network.

It starts the fake Coda API (with the seed's sample doc) and the storage emulators (S3,
GCS and Azure) on 127.0.0.1, then drives the ``codomyrmex-cloud`` command line through the
seed's quick start, printing each command before running it: list docs, read filtered
rows, export a table to CSV in the local store and to an S3 bucket, read it back with
``cat``, import an edited CSV with ``--key-column``, show the changed rows, copy a file
from S3 to GCS, and sync a folder to Azure. Finally it runs the seed's quick start in
Python against the same servers. Every server is stopped when it ends.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from codomyrmex_cloud.testing import FakeCoda, FakeCodaServer, seed_demo
from codomyrmex_cloud.testing.emulators import Emulator, environment, start_azurite, start_fake_gcs, start_moto

DEMO_TOKEN = "your-api-token"  # noqa: S105 - the seed's placeholder, accepted by the fake only
DOC = "Product Roadmap"
#: Seconds any one command may take before the demo gives up on it.
COMMAND_TIMEOUT = 300


class DemoFailed(RuntimeError):
    """A command of the demo exited with an error."""


class CommandLine:
    """Runs the installed ``codomyrmex-cloud`` entry point in a subprocess, printing each command."""

    def __init__(self, env: Mapping[str, str], cwd: Path) -> None:
        self.env = {**os.environ, **env}
        self.cwd = cwd
        script = shutil.which("codomyrmex-cloud", path=str(Path(sys.executable).parent))
        self.entry = [script] if script else [sys.executable, "-m", "codomyrmex_cloud"]

    def __call__(self, *args: str) -> None:
        print(f"\n$ {shlex.join(['codomyrmex-cloud', *args])}", flush=True)
        done = subprocess.run([*self.entry, *args], env=self.env, cwd=self.cwd, check=False, timeout=COMMAND_TIMEOUT)
        if done.returncode != 0:
            raise DemoFailed(f"`codomyrmex-cloud {shlex.join(args)}` exited with {done.returncode}")


def say(text: str) -> None:
    """A narration line between commands."""
    print(f"\n# {text}", flush=True)


def edit_tasks(path: Path) -> None:
    """What a person would do in a spreadsheet: finish two tasks and add one."""
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["Name"] in ("Task 1", "Task 4"):
            row["Status"] = "Done"
    rows.append({"Name": "Task 6", "Status": "Active", "Owner": "grace@example.com"})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue())


def command_line_tour(run: CommandLine, emulators: Mapping[str, Emulator], work: Path) -> None:
    """The seed's quick start, driven through the command line."""
    say("Who am I, and which docs can I see?")
    run("coda", "whoami")
    run("coda", "docs")
    run("coda", "tables", DOC)
    say("Read filtered rows (DOC and TABLE take names or ids)")
    run("coda", "rows", DOC, "Tasks", "--where", "Status=Active")

    say("Export the table to CSV in the local store (local://), then read it back")
    run("mb", "local://exports")
    run("coda", "export", DOC, "Tasks", "local://exports/tasks.csv")
    run("cat", "local://exports/tasks.csv")

    if "s3" not in emulators:
        say("S3 emulator not available: skipping the cloud steps")
        return
    say("The same export into an S3 bucket (the moto emulator), read back with cat")
    run("mb", "s3://demo-bucket")
    run("coda", "export", DOC, "Tasks", "s3://demo-bucket/tasks.csv")
    run("cat", "s3://demo-bucket/tasks.csv")

    say("Edit it as a spreadsheet would (Task 1 and Task 4 done, Task 6 added), import it with a key column")
    run("cp", "s3://demo-bucket/tasks.csv", "tasks.csv")
    edit_tasks(work / "tasks.csv")
    run("coda", "import", DOC, "Tasks", "tasks.csv", "--key-column", "Name")
    say("The changed rows")
    run("coda", "rows", DOC, "Tasks", "--where", "Status=Done")
    run("coda", "rows", DOC, "Tasks", "--where", "Name=Task 6")

    if "gcs" in emulators:
        say("Copy a file across two clouds: S3 to GCS, streamed through this machine")
        run("mb", "gs://demo-bucket")
        run("cp", "s3://demo-bucket/tasks.csv", "gs://demo-bucket/tasks.csv")
        run("stat", "gs://demo-bucket/tasks.csv")

    if "azure" in emulators:
        say("Sync a folder to Azure, change one file (same size), sync again: only the change is copied")
        site = work / "site"
        site.mkdir()
        for name, text in {"index.html": "<h1>Tasks</h1>", "app.js": "console.log('hi')", "style.css": "h1{}"}.items():
            (site / name).write_text(text)
        run("mb", "az://demo-container")
        run("sync", "site", "az://demo-container/site")
        (site / "index.html").write_text("<h1>Done!</h1>")  # same size: found by checksum
        run("sync", "site", "az://demo-container/site", "--delete")
        run("ls", "--long", "az://demo-container/site/")


# The seed's quick start in Python (as the seed document writes it) ------------------------


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


def cloud_quick_starts(emulators: Mapping[str, Emulator], root: Path) -> None:
    """The seed's S3, GCS and Azure quick starts, configured by the environment only."""
    from codomyrmex.cloud import AzureBlobClient, GCSClient, S3Client

    data = {"answer": 42}
    content = b"hello from Azurite"
    home = Path.cwd()
    os.chdir(root)
    try:
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
    finally:
        os.chdir(home)


@contextlib.contextmanager
def running_emulators() -> Iterator[dict[str, Emulator]]:
    """Start moto (S3), fake-gcs-server (GCS) and Azurite (Azure); skip any that cannot start."""
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; return the exit status (0 when every command succeeded)."""
    fake = FakeCoda(token=DEMO_TOKEN)
    seed_demo(fake)
    with (
        FakeCodaServer(fake) as server,
        tempfile.TemporaryDirectory(prefix="codomyrmex-demo-") as tmp,
    ):
        root = Path(tmp)
        work = root / "work"
        work.mkdir()
        print(f"== Starting the fake Coda API ({server.base_url}) and the storage emulators on 127.0.0.1", flush=True)
        with running_emulators() as emulators:
            env = {"CODA_API_TOKEN": DEMO_TOKEN, "CODA_BASE_URL": server.base_url}
            env["CODOMYRMEX_LOCAL_ROOT"] = str(root / "local-store")
            for emulator in emulators.values():
                env.update(emulator.env)
            print("== The command line, through the seed's quick start", flush=True)
            try:
                command_line_tour(CommandLine(env, work), emulators, work)
            except DemoFailed as exc:
                print(f"\ndemo failed: {exc}", file=sys.stderr)
                return 1
            print("\n== The seed's quick start in Python, against the same servers", flush=True)
            with environment({"CODA_BASE_URL": server.base_url}):
                coda_quick_start()
            local_quick_start(root)
            cloud_quick_starts(emulators, root)
    print("\n== Done: every server was local and has been stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
