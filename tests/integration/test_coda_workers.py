"""Clients in worker processes: one pickled ``CodaClient`` shared by a spawn pool, and a client
used before ``os.fork()`` and then in the child, against the fake Coda server on loopback."""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import select
import signal
import warnings
from typing import Any

import pytest

from codomyrmex_cloud import CodaClient, Limit, RateLimits
from codomyrmex_cloud.testing import FakeCoda, FakeCodaServer, seed_demo
from tests.support.coda import TOKEN, SleepRecorder

TASKS = ["Task 1", "Task 2", "Task 3", "Task 4", "Task 5"]


def read_status(client: CodaClient, row: str) -> tuple[int, str, object]:
    """Runs in a spawned worker: the client arrives pickled, its token from the environment."""
    return os.getpid(), row, client.get_row("doc-id", "grid-xxx", row)["Status"]


def test_a_spawn_pool_shares_one_pickled_client(
    monkeypatch: pytest.MonkeyPatch, fake: FakeCoda, server: FakeCodaServer
) -> None:
    seed_demo(fake)
    monkeypatch.setenv("CODA_API_TOKEN", TOKEN)  # spawned workers inherit the environment
    with CodaClient(base_url=server.base_url) as client:
        assert TOKEN.encode() not in pickle.dumps(client)
        context = multiprocessing.get_context("spawn")
        with context.Pool(2) as pool:
            results = pool.starmap_async(read_status, [(client, row) for row in TASKS]).get(timeout=120)
    assert [(row, status) for _, row, status in results] == [
        ("Task 1", "Active"),
        ("Task 2", "Done"),
        ("Task 3", "Active"),
        ("Task 4", "Blocked"),
        ("Task 5", "Active"),
    ]
    assert os.getpid() not in {pid for pid, _, _ in results}
    row_reads = [status for method, path, status in fake.log if method == "GET" and "/rows/" in path]
    assert row_reads == [200] * len(TASKS)  # the fake refuses a missing or wrong token with 401


def run_in_child(work: Any) -> dict[str, Any]:
    """Fork; run ``work()`` in the child and return what it returned (as JSON) to the parent."""
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns when a process with threads (the server's) forks; the child here
        # only sends requests and exits.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 1
        try:
            os.close(read_end)
            os.write(write_end, json.dumps(work()).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], 60)
        if not ready:
            os.kill(pid, signal.SIGKILL)
            pytest.fail("the forked child did not answer within 60 s")
        chunks = []
        while chunk := os.read(read_end, 65536):
            chunks.append(chunk)
    finally:
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    result: dict[str, Any] = json.loads(b"".join(chunks))
    return result


@pytest.mark.skipif(not hasattr(os, "fork"), reason="this platform has no os.fork")
def test_a_client_used_before_fork_works_in_the_child(fake: FakeCoda, server: FakeCodaServer) -> None:
    seed_demo(fake)
    slept = SleepRecorder()
    # Two reads per minute: the parent uses up the window, so a limiter inherited by the child
    # would make its first request wait about a minute (recorded by the injected sleep).
    limits = RateLimits(read=Limit(2, 60.0))
    with CodaClient(TOKEN, base_url=server.base_url, rate_limits=limits, sleep=slept) as client:
        client.whoami()
        client.get_row("doc-id", "grid-xxx", "Task 1")
        parent_ports = set(server.peers)
        assert slept.calls == []

        def in_child() -> dict[str, Any]:
            status = client.get_row("doc-id", "grid-xxx", "Task 2")["Status"]
            return {"status": status, "slept": slept.calls}

        child = run_in_child(in_child)
        assert child == {"status": "Done", "slept": []}  # no wait: the child has a fresh limiter
        child_ports = set(server.peers) - parent_ports
        assert len(child_ports) == 1, "the child's request came on a connection of its own"

        assert client.whoami().login_id == "ada@example.com"  # the parent's client still works
        assert len(slept.calls) == 1 and slept.calls[0] > 50  # and its own window is still full
    assert [status for _, _, status in fake.log] == [200, 200, 200, 200]
