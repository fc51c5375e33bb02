"""The seed's Coda quick start, run verbatim in a fresh interpreter against the fake server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from codomyrmex_cloud import AzureBlobClient, GCSClient, S3Client
from codomyrmex_cloud.testing import FakeCoda, FakeCodaServer, seed_demo
from codomyrmex_cloud.testing.emulators import Emulator, environment

SEED = Path(__file__).resolve().parents[1] / "data" / "seed_cloud_module.md"


def quick_start(section: str) -> str:
    """The first python block after the ``### <section>`` heading of the seed document."""
    text = SEED.read_text()
    start = text.index(f"### {section}")
    match = re.search(r"```python\n(.*?)```", text[start:], re.DOTALL)
    assert match is not None
    return match.group(1)


@pytest.mark.parametrize("import_path", ["codomyrmex.cloud", "codomyrmex_cloud"])
def test_coda_quick_start_runs_as_written(import_path: str) -> None:
    code = quick_start("Coda.io")
    assert 'client = CodaClient(api_token="your-api-token")' in code
    if import_path != "codomyrmex.cloud":
        code = code.replace("from codomyrmex.cloud import", f"from {import_path} import")
    code += "\nprint('ROWS', [(r.name, r['Status']) for r in rows])\n"
    fake = FakeCoda(token="your-api-token")
    seed_demo(fake)
    with FakeCodaServer(fake) as server:
        env = {**os.environ, "CODA_BASE_URL": server.base_url}
        env.pop("CODA_API_TOKEN", None)
        done = subprocess.run(
            [sys.executable, "-c", code], check=False, env=env, capture_output=True, text=True, timeout=120
        )
    assert done.returncode == 0, done.stderr
    assert "Product Roadmap: doc-id" in done.stdout
    assert "ROWS [('Task 1', 'Active'), ('Task 3', 'Active'), ('Task 5', 'Active')]" in done.stdout


def run_snippet(code: str, env: dict[str, str], cwd: Path) -> str:
    full_env = {**os.environ, **env}
    command = [sys.executable, "-c", code]
    done = subprocess.run(command, check=False, env=full_env, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("import_path", ["codomyrmex.cloud", "codomyrmex_cloud"])
def test_storage_quick_starts_run_against_the_emulators(
    import_path: str,
    moto_server: Emulator,
    gcs_server: Emulator,
    azurite_server: Emulator,
    tmp_path: Path,
) -> None:
    # The buckets the snippets name exist (the seed assumes them); everything else is the
    # seed's code, configured by the environment only.
    with environment(moto_server.env), S3Client(region="us-east-1") as s3_store:
        s3_store.create_bucket("my-bucket")
    with environment(gcs_server.env), GCSClient(project="my-project") as gcs_store:
        gcs_store.create_bucket("my-bucket")
    with AzureBlobClient(azurite_server.env["AZURE_STORAGE_CONNECTION_STRING"]) as azure_store:
        azure_store.create_bucket("container")
    (tmp_path / "file.txt").write_text("seed file")

    def rename(code: str) -> str:
        return code.replace("from codomyrmex.cloud import", f"from {import_path} import")

    s3 = rename(quick_start("AWS S3")) + "\nprint('S3', [o.key for o in objects], open('downloaded.txt').read())\n"
    assert "S3 [] seed file" in run_snippet(s3, moto_server.env, tmp_path)  # nothing under data/ yet
    assert (tmp_path / "downloaded.txt").read_text() == "seed file"

    gcs = "import json\ndata = {'answer': 42}\n" + rename(quick_start("Google Cloud Storage"))
    out = run_snippet(gcs + "\nprint('GCS', json.loads(content))\n", gcs_server.env, tmp_path)
    assert "GCS {'answer': 42}" in out

    # The seed writes connection_string="..." as a placeholder for the user's own; a literal
    # "..." is refused (test_storage_extras), so the environment's connection string is used.
    azure = "content = b'seed bytes'\n" + rename(quick_start("Azure Blob Storage")).replace(
        'connection_string="..."', "connection_string=__import__('os').environ['AZURE_STORAGE_CONNECTION_STRING']"
    )
    assert "AZURE b'seed bytes'" in run_snippet(azure + "\nprint('AZURE', data)\n", azurite_server.env, tmp_path)
