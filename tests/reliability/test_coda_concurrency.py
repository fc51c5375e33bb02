"""One Coda client shared by many threads (sync) or tasks (async), against a fake Coda server
that enforces Coda's published rate limits (reads 100 / 6 s, writes 10 / 6 s).

Each workload is sized to need two windows of writes and two of reads, so the client's shared
limiter must hold requests back: every call succeeds, every read returns what was written, and
the server's own log (the moment each request arrived, when Coda counts it) shows no 429 and
no window over a limit. The run takes about one window (6 s) per test.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from codomyrmex_cloud import AsyncCodaClient, CodaClient
from codomyrmex_cloud.testing import FakeCoda, FakeCodaServer
from codomyrmex_cloud.testing.coda_limits import FakeLimits
from codomyrmex_cloud.testing.coda_state import TableState
from tests.support.coda import TOKEN

SEEDED = 40  # rows present before the run, read (never written) by the workers


@dataclass
class World:
    server: FakeCodaServer
    doc_id: str
    table: TableState

    @property
    def fake(self) -> FakeCoda:
        return self.server.fake

    def values(self) -> dict[str, str]:
        key, value = self.table.columns[0].id, self.table.columns[1].id
        return {str(row.values[key]): str(row.values[value]) for row in self.table.rows}


@pytest.fixture
def world() -> Iterator[World]:
    fake = FakeCoda(token=TOKEN, rate_limits=FakeLimits())  # Coda's limits, enforced
    doc = fake.add_doc("Concurrency")
    table = doc.add_table("Items", ["Key", "Value"])
    for i in range(SEEDED):
        table.add_row({"Key": f"seed{i}", "Value": f"s{i}"})
    with FakeCodaServer(fake) as server:
        yield World(server, doc.id, table)


def check_server_saw_no_window_over_its_limits(fake: FakeCoda, *, writes: int, reads: int) -> None:
    """From the fake's log: no 429, and for every limit, no sliding window holding more
    requests than it allows (a window ends at each arrival, as the fake counts it)."""
    assert [entry for entry in fake.log if entry[2] == 429] == []
    arrivals: dict[str, list[float]] = {}
    for (method, path, _), at in zip(fake.log, fake.arrivals, strict=True):
        for name in fake.rate_limits.windows_for(method, path):
            arrivals.setdefault(name, []).append(at)
    counted = {name: len(times) for name, times in arrivals.items()}
    assert counted.get("write", 0) == writes and counted.get("read", 0) == reads, counted
    for name, times in arrivals.items():
        window = getattr(fake.rate_limits, name)
        times.sort()
        start = 0
        for end, at in enumerate(times):
            while times[start] <= at - window.seconds:
                start += 1
            assert end - start + 1 <= window.requests, f"{end - start + 1} {name} requests within {window.seconds} s"


def test_one_client_shared_by_16_threads(world: World) -> None:
    threads = 16
    second_writers = 4  # 16 upserts + 4 updates: 20 writes, two windows of 10
    start = threading.Barrier(threads)
    reads_per_thread = 10

    def work(i: int, client: CodaClient) -> list[str]:
        start.wait()
        seen: list[str] = []
        client.upsert_rows(world.doc_id, "Items", [{"Key": f"t{i}", "Value": f"v{i}-1"}], key_columns=["Key"])
        seen.append(str(client.get_row(world.doc_id, "Items", f"t{i}")["Value"]))
        if i < second_writers:
            client.update_row(world.doc_id, "Items", f"t{i}", {"Value": f"v{i}-2"})
            seen.append(str(client.get_row(world.doc_id, "Items", f"t{i}")["Value"]))
        for j in range(reads_per_thread - len(seen)):
            seed = (i * 7 + j) % SEEDED
            rows = list(client.list_rows(world.doc_id, "Items", where={"Key": f"seed{seed}"}))
            seen.extend(f"{row['Key']}={row['Value']}" for row in rows)
        return seen

    with CodaClient(TOKEN, base_url=world.server.base_url) as client, ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(lambda i: work(i, client), range(threads)))  # re-raises any error

    for i, seen in enumerate(results):
        own = [f"v{i}-1"] + ([f"v{i}-2"] if i < second_writers else [])
        assert seen[: len(own)] == own, f"thread {i} read back {seen[: len(own)]}"
        expected = [f"seed{(i * 7 + j) % SEEDED}=s{(i * 7 + j) % SEEDED}" for j in range(reads_per_thread - len(own))]
        assert seen[len(own) :] == expected, f"thread {i} read {seen[len(own) :]}"
    final = world.values()
    assert len(world.table.rows) == SEEDED + threads
    assert {k: v for k, v in final.items() if k.startswith("t")} == {
        f"t{i}": f"v{i}-2" if i < second_writers else f"v{i}-1" for i in range(threads)
    }
    check_server_saw_no_window_over_its_limits(
        world.fake, writes=threads + second_writers, reads=threads * reads_per_thread
    )


@pytest.mark.anyio
async def test_one_async_client_shared_by_64_tasks(world: World) -> None:
    tasks = 64
    writers = 20  # 20 upserts: two windows of 10
    reads_per_reader = 3
    go = asyncio.Event()

    async def work(i: int, client: AsyncCodaClient) -> list[str]:
        await go.wait()
        if i < writers:
            await client.upsert_rows(world.doc_id, "Items", [{"Key": f"a{i}", "Value": f"w{i}"}], key_columns=["Key"])
            return [str((await client.get_row(world.doc_id, "Items", f"a{i}"))["Value"])]
        seen: list[str] = []
        for j in range(reads_per_reader):
            seed = (i * 5 + j) % SEEDED
            async for row in client.list_rows(world.doc_id, "Items", where={"Key": f"seed{seed}"}):
                seen.append(f"{row['Key']}={row['Value']}")
        return seen

    async with AsyncCodaClient(TOKEN, base_url=world.server.base_url) as client:
        running = [asyncio.create_task(work(i, client)) for i in range(tasks)]
        go.set()
        results = await asyncio.gather(*running)  # re-raises any error

    for i, seen in enumerate(results):
        if i < writers:
            assert seen == [f"w{i}"], f"task {i} read back {seen}"
        else:
            assert seen == [f"seed{(i * 5 + j) % SEEDED}=s{(i * 5 + j) % SEEDED}" for j in range(reads_per_reader)]
    assert {k: v for k, v in world.values().items() if k.startswith("a")} == {f"a{i}": f"w{i}" for i in range(writers)}
    assert len(world.table.rows) == SEEDED + writers
    reads = writers + (tasks - writers) * reads_per_reader
    check_server_saw_no_window_over_its_limits(world.fake, writes=writers, reads=reads)
