"""On a terminal the command shows tables, progress bars and questions; piped, it does not."""

from __future__ import annotations

import os
import re
from pathlib import Path

from codomyrmex_cloud.testing import FakeCoda
from tests.support.cli import CLI

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def plain(text: str) -> str:
    """What a person reads: the terminal's text without its colour and cursor codes."""
    return ANSI.sub("", text)


def test_rows_are_a_table_on_a_terminal_and_json_lines_when_piped(cli: CLI) -> None:
    shown = cli.run_in_terminal("coda", "rows", "doc-id", "Tasks")
    assert shown.code == 0, shown
    assert "Name" in shown.out and "Task 4" in shown.out and "│" in shown.out and "{" not in shown.out
    piped = cli.run("coda", "rows", "doc-id", "Tasks")
    assert piped.lines()[0].startswith('{"Name": "Task 1"')


def test_progress_bars_on_a_terminal_only(cli: CLI, workdir: Path) -> None:
    (workdir / "big.bin").write_bytes(os.urandom(6 * 1024 * 1024))
    cli.run("mb", "local://bars")
    shown = cli.run_in_terminal("cp", "big.bin", "local://bars/big.bin")
    assert shown.code == 0, shown
    states = [line for line in re.split(r"[\r\n]+", plain(shown.out)) if line.startswith("big.bin")]
    assert "100%" in states[-1] and "6.3/6.3 MB" in states[-1], states  # the bar's last state
    exported = cli.run_in_terminal("coda", "export", "doc-id", "Tasks", "tasks.csv")
    assert "export Tasks" in plain(exported.out) and "5/5" in plain(exported.out)

    quiet = cli.run_in_terminal("cp", "--quiet", "big.bin", "local://bars/again.bin")
    assert quiet.code == 0 and "100%" not in quiet.out and "copied" not in quiet.out
    piped = cli.run("cp", "big.bin", "local://bars/piped.bin")
    assert piped.stderr == "" and piped.lines() == ["copied big.bin to local://bars/piped.bin"]


def test_rm_recursive_and_delete_rows_ask_on_a_terminal(cli: CLI, workdir: Path, coda_fake: FakeCoda) -> None:
    (workdir / "f.txt").write_text("x")
    cli.run("mb", "local://ask")
    cli.run("cp", "f.txt", "local://ask/dir/f.txt")
    declined = cli.run_in_terminal("rm", "-r", "local://ask/dir", answer=b"n\r")
    assert "Delete 1 objects under local://ask/dir/? [y/N]" in declined.out and "nothing deleted" in declined.out
    assert cli.run("ls", "-r", "local://ask/dir").lines() == ["local://ask/dir/f.txt"]
    accepted = cli.run_in_terminal("rm", "-r", "local://ask/dir", answer=b"y\r")
    assert "deleted 1 objects under local://ask/dir/" in accepted.out
    assert cli.run("ls", "-r", "local://ask/dir").lines() == []

    asked = cli.run_in_terminal("coda", "delete-rows", "doc-id", "Tasks", "--where", "Status=Blocked", answer=b"y\r")
    assert "Delete 1 rows from Tasks? [y/N]" in asked.out and "deleted 1 rows" in asked.out
    table = coda_fake.docs["doc-id"].table("Tasks")
    assert table is not None and len(table.rows) == 4
