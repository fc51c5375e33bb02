"""Every Python example of the README runs, as written, against the fake Coda server and the
storage emulators: the README cannot promise what the code does not do.

Each block runs as a script in a fresh interpreter, in a folder holding the files the
examples name (``./file.txt``), with the environment a user's job would have: a Coda token and
base URL, and each SDK's own variables pointing at an emulator (``AWS_ENDPOINT_URL``,
``STORAGE_EMULATOR_HOST``, ``AZURE_STORAGE_CONNECTION_STRING``). The ids the examples use
(doc ``doc-id`` with a ``Tasks`` table, bucket ``my-bucket``, container ``container``)
exist there, as they would in the user's account.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from codomyrmex_cloud import AzureBlobClient, GCSClient, S3Client
from codomyrmex_cloud.testing import FakeCoda, FakeCodaServer, seed_demo
from codomyrmex_cloud.testing.emulators import Emulator, environment

README = Path(__file__).resolve().parents[2] / "README.md"
TOKEN = "readme-token-never-printed"


def python_blocks() -> list[tuple[str, str]]:
    """(the heading it is under, code) of every ```python block of the README."""
    text = README.read_text()
    blocks = []
    for match in re.finditer(r"```python\n(.*?)```", text, re.DOTALL):
        headings = re.findall(r"^#+ (.+)$", text[: match.start()], re.MULTILINE)
        blocks.append((headings[-1] if headings else "top", match.group(1)))
    return blocks


BLOCKS = python_blocks()


def test_the_readme_has_the_examples_the_issue_asks_for() -> None:
    headings = {heading for heading, _ in BLOCKS}
    assert {"Quick start", "Testing your own code with the fake Coda", "Clients in worker processes"} <= headings
    assert len(BLOCKS) >= 6


@pytest.fixture(scope="module")
def coda_url() -> Iterator[str]:
    fake = FakeCoda(token=TOKEN, mutation_polls=1)
    seed_demo(fake)
    doc = fake.add_doc("Roadmap", doc_id="doc-id")
    tasks = doc.add_table("Tasks", ["Name", "Status", "Owner"])
    for name, status in [("Ship", "Active"), ("Write docs", "Active"), ("Plan", "Done")]:
        tasks.add_row({"Name": name, "Status": status, "Owner": "ada@example.com"})
    with FakeCodaServer(fake) as server:
        yield server.base_url


@pytest.fixture(scope="module")
def user_environment(
    coda_url: str, moto_server: Emulator, gcs_server: Emulator, azurite_server: Emulator
) -> dict[str, str]:
    env = {
        "CODA_API_TOKEN": TOKEN,
        "CODA_BASE_URL": coda_url,
        **moto_server.env,
        **gcs_server.env,
        **azurite_server.env,
    }
    with environment(env):  # the buckets the examples use, made as the user would have
        with S3Client(region="us-east-1") as s3:
            s3.create_bucket("my-bucket")
        with GCSClient(project="my-project") as gcs:
            gcs.create_bucket("my-bucket")
        with AzureBlobClient() as azure:
            azure.create_bucket("container")
    return env


@pytest.mark.parametrize(("heading", "code"), BLOCKS, ids=[f"{n}-{h}" for n, (h, _) in enumerate(BLOCKS)])
def test_every_python_example_runs(heading: str, code: str, user_environment: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("hello from the README\n")
    script = tmp_path / "example.py"
    script.write_text(code)
    env = {**os.environ, **user_environment}
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"the example under {heading!r} failed:\n{done.stdout}\n{done.stderr[-3000:]}"
    assert TOKEN not in done.stdout + done.stderr
