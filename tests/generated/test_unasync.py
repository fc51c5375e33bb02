"""``scripts/unasync.py --check`` (run by ``make check-generated``) catches what it must.

Each test runs the script on a temporary copy of what it reads (the package with the async
source and the generated sync twin, the script itself and the ruff settings), so the worktree
is never touched.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CODA = Path("codomyrmex_cloud") / "coda"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    # The whole package: ruff sorts imports by which modules it finds first-party.
    ignore = shutil.ignore_patterns("__pycache__", "unasync-*")
    shutil.copytree(ROOT / "codomyrmex_cloud", tmp_path / "codomyrmex_cloud", ignore=ignore)
    (tmp_path / "scripts").mkdir()
    for name in ("__init__.py", "unasync.py"):
        shutil.copy(ROOT / "scripts" / name, tmp_path / "scripts" / name)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")  # ruff's settings
    return tmp_path


def check(tree: Path) -> subprocess.CompletedProcess[str]:
    # -m from the copy's root: ``scripts.unasync`` resolves its paths from its own location.
    return subprocess.run(
        [sys.executable, "-m", "scripts.unasync", "--check"], cwd=tree, capture_output=True, text=True, check=False
    )


def test_an_untouched_copy_passes(tree: Path) -> None:
    done = check(tree)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "up to date" in done.stdout


def test_a_hand_edit_to_a_generated_sync_file_fails(tree: Path) -> None:
    client = tree / CODA / "_sync" / "client.py"
    text = client.read_text()
    edited = text.replace('"""The user the token belongs to."""', '"""The user the token belongs to (edited)."""')
    assert edited != text
    client.write_text(edited)
    done = check(tree)
    assert done.returncode == 1
    assert "client.py" in done.stdout and "differs" in done.stdout


def test_a_file_added_by_hand_to_the_sync_folder_fails(tree: Path) -> None:
    (tree / CODA / "_sync" / "extra.py").write_text('"""Not generated."""\n')
    done = check(tree)
    assert done.returncode == 1 and "extra.py" in done.stdout


def test_an_unused_substitution_fails(tree: Path) -> None:
    script = tree / "scripts" / "unasync.py"
    text = script.read_text()
    anchor = '    ("__aiter__", "__iter__"),\n'
    assert anchor in text
    script.write_text(text.replace(anchor, anchor + '    ("never_in_any_async_module", "x"),\n'))
    done = check(tree)
    assert done.returncode == 1
    assert "never used" in done.stderr and "never_in_any_async_module" in done.stderr
