"""Every error class ends with its exit code and one line on stderr; secrets never show."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from codomyrmex_cloud.testing import FakeCoda
from codomyrmex_cloud.testing.emulators import AZURITE_KEY, Emulator, free_port
from tests.cli.conftest import CODA_TOKEN
from tests.support.cli import CLI

DOC = "doc-id"


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("coda", "rows"), 2, "Missing argument 'DOC'"),
        (("cp", "s3://", "x"), 2, "SRC: 's3://' names no bucket"),
        (("cp", "s3:/bucket/x", "out"), 2, "SRC: 's3:/bucket/x' is not a URL: 's3:' needs '//'"),
        (("ls", "ftp://host/x"), 2, "unknown scheme 'ftp'"),
        (("coda", "rows", DOC, "Tasks", "--where", "Status"), 2, "expected COLUMN=VALUE"),
        (("coda", "rows", DOC, "Tasks", "--query", "Status = Active"), 2, "not JSON"),
        (("coda", "export", DOC, "Tasks", "out.txt", "--format", "xml"), 2, "'xml' is not one of"),
        (("cat", "."), 2, "is a folder or prefix"),
        (("coda", "rows", "nope-doc", "Tasks"), 4, "no doc with the id or name 'nope-doc'"),
        (("coda", "rows", DOC, "Nope"), 4, "Table Nope not found"),
        (("cat", "missing.txt"), 4, "does not exist"),
        (("coda", "tables", " "), 2, "DOC must be an id or a name"),
        (("sync", "no-such-folder", "out"), 4, "SRC 'no-such-folder' does not exist"),
        (("coda", "rows", DOC, ""), 2, "TABLE must be an id or a name"),
        (("--coda-token", "", "coda", "whoami"), 3, "no Coda API token"),
        (("cat", "local://no-bucket/x"), 4, "does not exist"),
        (("coda", "rows", DOC, "Tasks", "--max", "0"), 2, "Invalid value for '--max': 0 is not in the range x>=1"),
        (("coda", "export", DOC, "Tasks", "-", "--max", "0"), 2, "Invalid value for '--max'"),
    ],
)
def test_usage_and_not_found(cli: CLI, args: tuple[str, ...], code: int, says: str) -> None:
    failed = cli.run(*args, expect=code)
    line = one_error_line(failed.stderr)
    assert line.startswith("codomyrmex-cloud") and says in line, line
    assert failed.stdout == b""


def test_messages_say_only_what_applies(cli: CLI, workdir: Path) -> None:
    stat = one_error_line(cli.run("stat", ".", expect=2).stderr)
    assert "name one object" in stat and "--recursive" not in stat  # stat has no --recursive
    cp = one_error_line(cli.run("cp", ".", "elsewhere", expect=2).stderr)
    assert "(or use --recursive)" in cp
    token = one_error_line(cli.run("--coda-token", "", "coda", "whoami", expect=3).stderr)
    assert token.count("CODA_API_TOKEN") == 1  # the hint is not repeated after the message
    assert cli.run("mb", "made").stdout.decode().strip() == "created ./made"
    assert cli.run("mb", "made").stdout.decode().strip() == "./made exists already"


def test_an_empty_doc_or_table_sends_nothing(cli: CLI, coda_fake: FakeCoda) -> None:
    before = len(coda_fake.log)
    cli.run("coda", "tables", "", expect=2)
    cli.run("coda", "rows", DOC, "  ", expect=2)
    assert len(coda_fake.log) == before


def test_cloud_not_found(cli: CLI, buckets: dict[str, str]) -> None:
    for scheme in ("s3", "gs", "az"):
        line = one_error_line(cli.run("cat", f"{buckets[scheme]}/missing", expect=4).stderr)
        assert "/missing" in line and "`ls URL` lists what exists" in line
    assert one_error_line(cli.run("ls", "s3://no-such-bucket-here/", expect=4).stderr)


def test_authentication_and_permission(cli: CLI, azurite_server: Emulator) -> None:
    line = one_error_line(cli.run("coda", "docs", env={"CODA_API_TOKEN": "wrong-token"}, expect=3).stderr)
    assert "401" in line and "CODA_API_TOKEN" in line
    line = one_error_line(cli.run("coda", "docs", env={"CODA_API_TOKEN": ""}, expect=3).stderr)
    assert "no Coda API token" in line
    coda_fake_doc_is_read_only = cli.run("coda", "whoami")  # the token itself works
    assert coda_fake_doc_is_read_only.code == 0
    wrong_key = azurite_server.env["AZURE_STORAGE_CONNECTION_STRING"].replace(AZURITE_KEY, "d3Jvbmcga2V5" * 7 + "==")
    line = one_error_line(
        cli.run("ls", "az://anything/", env={"AZURE_STORAGE_CONNECTION_STRING": wrong_key}, expect=3).stderr
    )
    assert "Azure" in line
    no_azure = cli.run("ls", "az://anything/", env={"AZURE_STORAGE_CONNECTION_STRING": ""}, expect=3)
    assert "AZURE_STORAGE_CONNECTION_STRING" in one_error_line(no_azure.stderr)


def test_forbidden_write_is_a_permission_error(cli: CLI, coda_fake: FakeCoda, workdir: Path) -> None:
    coda_fake.add_doc("Read only", doc_id="ro-doc", read_only=True).add_table("T", ["Name"])
    (workdir / "rows.csv").write_text("Name\nx\n")
    assert "403" in one_error_line(cli.run("coda", "import", "ro-doc", "T", "rows.csv", expect=3).stderr)


def test_conflict(cli: CLI, workdir: Path, buckets: dict[str, str]) -> None:
    (workdir / "a.txt").write_text("a")
    cli.run("cp", "a.txt", f"{buckets['s3']}/a.txt")
    line = one_error_line(cli.run("cp", "a.txt", f"{buckets['s3']}/a.txt", "--no-overwrite", expect=5).stderr)
    assert "look again" in line


def test_rate_limited_after_retries(cli: CLI, coda_fake: FakeCoda) -> None:
    coda_fake.fail_next(429, times=10, retry_after=0.01)
    line = one_error_line(cli.run("--retries", "1", "coda", "docs", expect=6).stderr)
    assert "429" in line and "retry" in line
    assert coda_fake.status_counts()[429] == 2  # the first try and one retry


def test_other_failures_exit_1(cli: CLI) -> None:
    dead = f"http://127.0.0.1:{free_port()}/apis/v1"
    line = one_error_line(cli.run("--retries", "0", "coda", "docs", env={"CODA_BASE_URL": dead}, expect=1).stderr)
    assert "CODA_BASE_URL" in line


def test_debug_shows_a_traceback_and_request_lines_but_never_a_secret(
    cli: CLI, azurite_server: Emulator, buckets: dict[str, str], workdir: Path
) -> None:
    secrets = {
        "CODA_API_TOKEN": CODA_TOKEN,
        "AWS_SECRET_ACCESS_KEY": "testing",  # moto's; too short to be told from a word, so also:
        "AWS_SESSION_TOKEN": "session-token-s3cr3t-value",
    }
    (workdir / "f.txt").write_text("x")
    runs = [
        cli.run("--debug", "coda", "rows", DOC, "Tasks", env=secrets),
        cli.run("--debug", "coda", "rows", DOC, "Nope", env=secrets, expect=4),
        cli.run("coda", "docs", "--debug", env={**secrets, "CODA_API_TOKEN": "wrong-" + CODA_TOKEN}, expect=3),
        cli.run("--debug", "cp", "f.txt", f"{buckets['az']}/f.txt", env=secrets),
        cli.run("--debug", "cp", "f.txt", f"{buckets['s3']}/f.txt", env=secrets),
        cli.run(
            "--debug",
            "--coda-token",
            CODA_TOKEN,
            "--azure-connection-string",
            azurite_server.env["AZURE_STORAGE_CONNECTION_STRING"],
            "ls",
            "az://no-such-container/",
            env=secrets,
            expect=4,
        ),
    ]
    assert "Traceback" in runs[1].stderr and "CodaNotFoundError" in runs[1].stderr
    assert "HTTP Request: GET" in runs[0].stderr  # request lines are logged
    assert "configuration: coda token set" in runs[0].stderr
    for result in runs:
        shown = result.out + result.stderr
        for secret in (
            CODA_TOKEN,
            "session-token-s3cr3t-value",
            AZURITE_KEY,
            azurite_server.env["AZURE_STORAGE_CONNECTION_STRING"],
        ):
            assert secret not in shown, f"{result.args} printed a secret"


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port whose server accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


def test_timeout_bounds_a_server_that_never_answers(cli: CLI, silent_port: int) -> None:
    silent = f"http://127.0.0.1:{silent_port}"
    coda = one_error_line(
        cli.run(
            "--timeout", "0.5", "--retries", "0", "coda", "docs", env={"CODA_BASE_URL": f"{silent}/apis/v1"}, expect=1
        ).stderr
    )
    assert "did not answer" in coda or "timed out" in coda, coda
    env = {
        "AWS_ENDPOINT_URL": silent,
        "AWS_ACCESS_KEY_ID": "k",
        "AWS_SECRET_ACCESS_KEY": "s",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    s3 = one_error_line(cli.run("--timeout", "0.5", "cat", "s3://bucket/key", env=env, expect=1).stderr)
    assert "did not answer in time" in s3, s3


@pytest.mark.parametrize("value", ["0", "-1", "nan", "soon"])
def test_timeout_must_be_positive_seconds(cli: CLI, value: str) -> None:
    line = one_error_line(cli.run("--timeout", value, "coda", "docs", expect=2).stderr)
    assert "'--timeout'" in line
