"""Running the real ``codomyrmex-cloud`` entry point in a subprocess, as a user's shell would."""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: Variables that would point a run at real accounts; every run starts without them.
_CLEARED_PREFIXES = ("AWS_", "AZURE_", "GOOGLE_", "CODA_", "STORAGE_EMULATOR_HOST", "CODOMYRMEX_", "GCLOUD_")
#: Seconds one command may take before the test fails.
TIMEOUT = 180
#: Runs argv[2:], writes its peak RSS (KiB) to argv[1], exits with its exit code.
_MEASURE = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[2:])\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "open(sys.argv[1], 'w').write(str(usage.ru_maxrss))\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def entry_point() -> list[str]:
    """The installed console script beside this interpreter."""
    script = shutil.which("codomyrmex-cloud", path=str(Path(sys.executable).parent))
    assert script is not None, "the codomyrmex-cloud console script is not installed (pip install -e .)"
    return [script]


@dataclass
class Result:
    """What one run printed and how it ended."""

    args: tuple[str, ...]
    code: int
    stdout: bytes
    stderr: str

    @property
    def out(self) -> str:
        return self.stdout.decode("utf-8")

    def lines(self) -> list[str]:
        return self.out.splitlines()

    def __str__(self) -> str:
        command = f"codomyrmex-cloud {' '.join(self.args)} -> {self.code}"
        return f"{command}\nstdout: {self.out[-2000:]}\nstderr: {self.stderr[-3000:]}"


class CLI:
    """Runs ``codomyrmex-cloud`` with a clean environment plus ``env``, in ``cwd``."""

    def __init__(self, env: Mapping[str, str], cwd: Path) -> None:
        base = {k: v for k, v in os.environ.items() if not k.startswith(_CLEARED_PREFIXES)}
        self.env = {**base, **env}
        self.cwd = cwd

    def run(
        self, *args: str, stdin: bytes | None = None, env: Mapping[str, str] | None = None, expect: int | None = 0
    ) -> Result:
        """Run one command (stdin is empty, not a terminal, unless given); check its exit code."""
        done = subprocess.run(
            [*entry_point(), *args],
            input=stdin if stdin is not None else b"",
            capture_output=True,
            env={**self.env, **(env or {})},
            cwd=self.cwd,
            timeout=TIMEOUT,
            check=False,
        )
        result = Result(tuple(args), done.returncode, done.stdout, done.stderr.decode("utf-8", "replace"))
        if expect is not None:
            assert result.code == expect, str(result)
        return result

    def run_measured(self, *args: str, scratch: Path) -> tuple[Result, int]:
        """Run one command and return its result and its own peak resident memory, in bytes.

        Linux carries a process's peak RSS across fork and exec, so a child of this (large)
        test process would report this process's peak; a small wrapper process starts the
        command instead and reports the command's ``ru_maxrss``.
        """
        out_path, err_path, peak_path = scratch / "measured.out", scratch / "measured.err", scratch / "peak"
        with out_path.open("wb") as out, err_path.open("wb") as err:
            done = subprocess.run(
                [sys.executable, "-c", _MEASURE, str(peak_path), *entry_point(), *args],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=self.env,
                cwd=self.cwd,
                timeout=TIMEOUT,
                check=False,
            )
        result = Result(tuple(args), done.returncode, out_path.read_bytes(), err_path.read_text())
        return result, int(peak_path.read_text()) * 1024  # ru_maxrss is in KiB on Linux

    def run_in_terminal(self, *args: str, answer: bytes = b"", env: Mapping[str, str] | None = None) -> Result:
        """Run one command with stdin, stdout and stderr on a pseudo-terminal.

        ``answer`` is typed once the command asks a question (its output ends in ``: ``).
        Returns everything the terminal showed as ``stdout`` (stderr is empty).
        """
        import pty

        controller, terminal = pty.openpty()
        process = subprocess.Popen(
            [*entry_point(), *args],
            stdin=terminal,
            stdout=terminal,
            stderr=terminal,
            env={**self.env, "TERM": "xterm-256color", "COLUMNS": "120", **(env or {})},
            cwd=self.cwd,
            close_fds=True,
        )
        os.close(terminal)
        shown = bytearray()
        answered = not answer
        deadline = time.monotonic() + TIMEOUT
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([controller], [], [], 0.5)
                if ready:
                    try:
                        chunk = os.read(controller, 65536)
                    except OSError:  # the terminal closed: the process has ended
                        break
                    if not chunk:
                        break
                    shown += chunk
                    if not answered and shown.rstrip().endswith(b":"):
                        os.write(controller, answer)
                        answered = True
                elif process.poll() is not None:
                    break
            else:
                process.send_signal(signal.SIGKILL)
                raise AssertionError(f"{args} did not finish; it showed {bytes(shown)[-2000:]!r}")
            code = process.wait(timeout=TIMEOUT)
        finally:
            os.close(controller)
        return Result(tuple(args), code, bytes(shown), "")
