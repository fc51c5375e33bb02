"""``make demo`` runs to completion: the command line through the seed's quick start."""

from __future__ import annotations

import os
import subprocess
import sys

EXPECTED_COMMANDS = [
    "$ codomyrmex-cloud coda docs",
    "$ codomyrmex-cloud coda rows 'Product Roadmap' Tasks --where Status=Active",
    "$ codomyrmex-cloud coda export 'Product Roadmap' Tasks local://exports/tasks.csv",
    "$ codomyrmex-cloud coda export 'Product Roadmap' Tasks s3://demo-bucket/tasks.csv",
    "$ codomyrmex-cloud cat s3://demo-bucket/tasks.csv",
    "$ codomyrmex-cloud coda import 'Product Roadmap' Tasks tasks.csv --key-column Name",
    "$ codomyrmex-cloud cp s3://demo-bucket/tasks.csv gs://demo-bucket/tasks.csv",
    "$ codomyrmex-cloud sync site az://demo-container/site --delete",
]


def test_the_demo_drives_the_command_line_end_to_end() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AZURE_", "CODA_", "STORAGE_EMULATOR"))}
    done = subprocess.run(
        [sys.executable, "-m", "codomyrmex_cloud.demo"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    positions = [out.index(command) for command in EXPECTED_COMMANDS]  # each printed ...
    assert positions == sorted(positions)  # ... in the quick start's order
    assert '{"Name": "Task 4", "Status": "Done", "Owner": "ada@example.com"}' in out  # the imported edit
    assert '{"Name": "Task 6", "Status": "Active", "Owner": "grace@example.com"}' in out
    assert "copied index.html (checksum)\n1 copied, 0 deleted, 2 unchanged" in out  # only the change
    assert "Active tasks: Task 3, Task 5, Task 6" in out  # the Python quick start, after the import
    assert "== Done" in out
