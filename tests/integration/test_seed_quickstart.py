"""The seed's Coda quick start, run verbatim in a fresh interpreter against the fake server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from codomyrmex_cloud.testing import FakeCoda, FakeCodaServer, seed_demo

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
