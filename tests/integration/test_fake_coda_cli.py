"""``python -m codomyrmex_cloud.testing.fake_coda`` serves the fake API on loopback."""

from __future__ import annotations

import subprocess
import sys

from codomyrmex_cloud import CodaClient


def test_the_fake_runs_as_a_loopback_server() -> None:
    command = [sys.executable, "-m", "codomyrmex_cloud.testing.fake_coda", "--token", "cli-token", "--seed", "demo"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as server:
        try:
            assert server.stdout is not None
            line = server.stdout.readline()  # printed once it is listening
            assert line.startswith("fake Coda API at http://127.0.0.1:")
            base_url = line.split(" at ", 1)[1].strip()
            with CodaClient("cli-token", base_url=base_url) as coda:
                rows = coda.list_rows("doc-id", "grid-xxx", where={"Status": "Active"})
                assert [r.name for r in rows] == ["Task 1", "Task 3", "Task 5"]
        finally:
            server.terminate()
