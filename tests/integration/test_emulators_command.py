"""``python -m codomyrmex_cloud.testing.emulators``: starts emulators for a shell, prints the
``export`` lines that point the SDKs at them, and stops them on SIGTERM or Ctrl-C."""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
import urllib.request

from codomyrmex_cloud import S3Client


def test_it_prints_exports_that_reach_a_running_emulator_and_stops_on_sigterm() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "codomyrmex_cloud.testing.emulators", "moto"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as process:
        try:
            _check_it_serves_and_stops(process)
        finally:
            if process.poll() is None:
                process.kill()


def _check_it_serves_and_stops(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    env: dict[str, str] = {}
    for line in process.stdout:  # the last line says it is running
        if line.startswith("export "):
            key, _, value = line.removeprefix("export ").strip().partition("=")
            env[key] = shlex.split(value)[0]
        if line.startswith("# running"):
            break
    assert set(env) == {"AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"}
    store = S3Client(
        endpoint_url=env["AWS_ENDPOINT_URL"],
        access_key_id=env["AWS_ACCESS_KEY_ID"],
        secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region=env["AWS_DEFAULT_REGION"],
    )
    store.create_bucket("from-the-shell")
    assert store.upload("from-the-shell", "k", data=b"x").size == 1
    store.close()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    try:
        urllib.request.urlopen(env["AWS_ENDPOINT_URL"], timeout=5)  # noqa: S310 - loopback
    except OSError:
        pass  # refused: the emulator stopped with the command
    else:
        raise AssertionError("the emulator still answers after the command stopped")


def test_unknown_names_and_two_s3_emulators_are_usage_errors() -> None:
    for names in (["nope"], ["moto", "seaweedfs"]):
        done = subprocess.run(
            [sys.executable, "-m", "codomyrmex_cloud.testing.emulators", *names],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2 and "usage:" in done.stderr and done.stdout == ""
