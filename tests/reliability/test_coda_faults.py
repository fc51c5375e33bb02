"""Coda bulk writes through injected network faults: nothing lost, nothing duplicated.

The client talks to the fake Coda server through the fault proxy, using only the public API;
the assertions read the fake's table, the server's own truth. Each test is parametrised by
the proxy's seed: a failure names it, and ``FaultSchedule.seeded(seed, RATE)`` replays it
(the assertion message lists every fault injected). ``make test`` runs a few seeds;
``make test-reliability`` runs the ``reliability_full`` ones as well.

A failing seeded run names its seed and the proxy's decisions, so it can be replayed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from codomyrmex_cloud import (
    AsyncCodaClient,
    CodaClient,
    CodaError,
    CodaPartialWriteError,
    RateLimits,
    RetryPolicy,
)
from codomyrmex_cloud.testing import FakeCoda, FakeCodaServer
from codomyrmex_cloud.testing.coda_limits import FakeLimits
from codomyrmex_cloud.testing.coda_state import TableState
from tests.support.coda import TOKEN, SleepRecorder
from tests.support.fault_proxy import Fault, FaultProxy, FaultSchedule

ROWS = 5000
RATE = 0.2
DEFAULT_SEEDS = range(5)
FULL_SEEDS = range(5, 65)
SEEDS = [*DEFAULT_SEEDS, *(pytest.param(seed, marks=pytest.mark.reliability_full) for seed in FULL_SEEDS)]
ASYNC_SEEDS = [*range(2), *(pytest.param(seed, marks=pytest.mark.reliability_full) for seed in range(2, 22))]

# A stall lasts until the client gives up, so this is what each stall costs the run.
TIMEOUT = 1.0

StartProxy = Callable[[str, FaultSchedule], FaultProxy]
MakeWorld = Callable[[FaultSchedule], "World"]


@dataclass
class World:
    """A fake Coda doc with one table, served on loopback behind a fault proxy."""

    fake: FakeCoda
    doc_id: str
    table: TableState
    proxy: FaultProxy
    base_url: str

    # Backoff and Retry-After waits are recorded, not slept: the faults are what is tested.

    def client(self, seed: int | str) -> CodaClient:
        return CodaClient(
            TOKEN,
            base_url=self.base_url,
            timeout=TIMEOUT,
            retry=RetryPolicy(max_retries=8, max_connection_retries=8, jitter=random.Random(seed).random),
            rate_limits=RateLimits.disabled(),
            sleep=SleepRecorder(),
        )

    def async_client(self, seed: int | str) -> AsyncCodaClient:
        return AsyncCodaClient(
            TOKEN,
            base_url=self.base_url,
            timeout=TIMEOUT,
            retry=RetryPolicy(max_retries=8, max_connection_retries=8, jitter=random.Random(seed).random),
            rate_limits=RateLimits.disabled(),
            sleep=SleepRecorder().asleep,
        )

    def keys(self) -> list[str]:
        """The Key column of every row of the table, in order."""
        key = self.table.columns[0].id
        return [str(row.values[key]) for row in self.table.rows]

    def values(self) -> dict[str, str]:
        key, value = self.table.columns[0].id, self.table.columns[1].id
        return {str(row.values[key]): str(row.values[value]) for row in self.table.rows}

    def applied_inserts(self) -> int:
        """Row writes the server accepted (whatever the client heard back)."""
        path = f"/docs/{self.doc_id}/tables/{self.table.id}/rows"
        return sum(
            1 for method, logged, status in self.fake.log if method == "POST" and logged == path and status == 202
        )


@pytest.fixture(scope="module")
def coda_server() -> Iterator[FakeCodaServer]:
    """One server for the module (each test works in a doc of its own)."""
    with FakeCodaServer(FakeCoda(token=TOKEN, rate_limits=FakeLimits.off())) as server:
        yield server


@pytest.fixture
def world(coda_server: FakeCodaServer, fault_proxy: StartProxy) -> MakeWorld:
    def make(schedule: FaultSchedule) -> World:
        doc = coda_server.fake.add_doc("Reliability")
        table = doc.add_table("Items", ["Key", "Value"])
        proxy = fault_proxy(coda_server.base_url, schedule)
        return World(coda_server.fake, doc.id, table, proxy, proxy.rebase(coda_server.base_url))

    return make


def key(i: int) -> str:
    return f"k{i:05d}"


# Upsert with key columns: may be replayed, so it must end exact -------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_upsert_through_faults_ends_with_exactly_the_expected_rows(seed: int, world: MakeWorld) -> None:
    w = world(FaultSchedule.seeded(seed, RATE))
    for i in range(0, ROWS, 2):  # half the keys exist already: the upsert updates and adds
        w.table.add_row({"Key": key(i), "Value": "old"})
    rows = [{"Key": key(i), "Value": f"new-{i}"} for i in range(ROWS)]
    with w.client(seed) as client:
        client.upsert_rows(w.doc_id, w.table.id, rows, key_columns=["Key"], batch_rows=500)
        listed = {str(r["Key"]): str(r["Value"]) for r in client.list_rows(w.doc_id, w.table.id)}
    note = w.proxy.replay_note()
    keys = w.keys()
    assert len(keys) == len(set(keys)) == ROWS, f"duplicates or missing rows; {note}"
    assert w.values() == {key(i): f"new-{i}" for i in range(ROWS)}, note
    assert listed == w.values(), f"the client read back something else; {note}"


@pytest.mark.anyio
@pytest.mark.parametrize("seed", ASYNC_SEEDS)
async def test_async_upsert_through_faults_ends_with_exactly_the_expected_rows(seed: int, world: MakeWorld) -> None:
    w = world(FaultSchedule.seeded(f"async-{seed}", RATE))
    rows = [{"Key": key(i), "Value": f"v{i}"} for i in range(ROWS)]
    async with w.async_client(seed) as client:
        await client.upsert_rows(w.doc_id, w.table.id, rows, key_columns=["Key"], batch_rows=500)
    assert w.values() == {key(i): f"v{i}" for i in range(ROWS)}, w.proxy.replay_note()
    assert len(w.table.rows) == ROWS, w.proxy.replay_note()


# Insert without key columns: must never be replayed ---------------------------------------


def check_insert_outcome(w: World, error: CodaError | None, progress: list[int]) -> None:
    """The table is consistent with what the client said happened."""
    note = w.proxy.replay_note()
    keys = w.keys()
    expected = [key(i) for i in range(ROWS)]
    # Never a duplicate, never a gap, never a row of a batch after the one that failed.
    assert len(keys) == len(set(keys)), f"duplicated rows; {note}"
    assert keys == expected[: len(keys)], f"rows out of order or missing in the middle; {note}"
    if error is None:
        assert len(keys) == ROWS and progress[-1] == ROWS, note
        return
    accepted = error.rows_accepted if isinstance(error, CodaPartialWriteError) else 0
    accepted_requests = len(error.request_ids) if isinstance(error, CodaPartialWriteError) else 0
    assert accepted == (progress[-1] if progress else 0), f"error and progress disagree; {note}"
    assert len(keys) >= accepted, f"rows the error reports accepted are missing; {note}"
    # At most one batch beyond those reported: the failed one, applied once, not replayed.
    assert w.applied_inserts() - accepted_requests in (0, 1), f"a batch was sent again; {note}"
    if len(keys) > accepted:  # the failed batch was applied: the error must say it may have been
        assert isinstance(error, CodaPartialWriteError), f"{type(error).__name__}: {error}; {note}"
        maybe = [i for span in error.maybe_applied_rows for i in span]
        assert list(range(accepted, len(keys))) == maybe[: len(keys) - accepted], f"{error}; {note}"


@pytest.mark.parametrize("seed", SEEDS)
def test_insert_through_faults_never_duplicates(seed: int, world: MakeWorld) -> None:
    w = world(FaultSchedule.seeded(seed, RATE))
    rows = [{"Key": key(i), "Value": f"v{i}"} for i in range(ROWS)]
    progress: list[int] = []
    error: CodaError | None = None
    with w.client(seed) as client:
        try:
            client.insert_rows(
                w.doc_id, w.table.id, rows, progress=lambda sent, _: progress.append(sent), batch_rows=500
            )
        except CodaError as exc:
            error = exc
    check_insert_outcome(w, error, progress)


@pytest.mark.anyio
@pytest.mark.parametrize("seed", ASYNC_SEEDS)
async def test_async_insert_through_faults_never_duplicates(seed: int, world: MakeWorld) -> None:
    w = world(FaultSchedule.seeded(f"async-{seed}", RATE))
    rows = [{"Key": key(i), "Value": f"v{i}"} for i in range(ROWS)]
    progress: list[int] = []
    error: CodaError | None = None
    async with w.async_client(seed) as client:
        try:
            await client.insert_rows(
                w.doc_id, w.table.id, rows, progress=lambda sent, _: progress.append(sent), batch_rows=500
            )
        except CodaError as exc:
            error = exc
    check_insert_outcome(w, error, progress)


# Each fault kind once, where it hurts most: deterministic, and the defects pinned ----------


@pytest.mark.parametrize("fault", [f for f in Fault if f is not Fault.CLOSE_MID_BODY])
def test_upsert_survives_each_fault_on_a_batch(fault: Fault, world: MakeWorld) -> None:
    w = world(FaultSchedule.scripted({1: fault, 2: fault}))
    rows = [{"Key": key(i), "Value": f"v{i}"} for i in range(1200)]  # three batches
    with w.client(fault.value) as client:
        client.upsert_rows(w.doc_id, w.table.id, rows, key_columns=["Key"], batch_rows=500)
    assert w.values() == {key(i): f"v{i}" for i in range(1200)} and len(w.table.rows) == 1200
    assert w.proxy.stats().faults == {fault: 2}


def test_upsert_survives_a_response_cut_mid_body(world: MakeWorld) -> None:
    w = world(FaultSchedule.scripted({1: Fault.CLOSE_MID_BODY}))
    rows = [{"Key": key(i), "Value": f"v{i}"} for i in range(1200)]
    with w.client("cut") as client:
        client.upsert_rows(w.doc_id, w.table.id, rows, key_columns=["Key"], batch_rows=500)
    assert len(w.table.rows) == 1200


def test_reading_rows_survives_a_response_cut_mid_body(world: MakeWorld) -> None:
    w = world(FaultSchedule.scripted({0: Fault.CLOSE_MID_BODY}))
    for i in range(10):
        w.table.add_row({"Key": key(i), "Value": "v"})
    with w.client("cut-read") as client:
        assert len(list(client.list_rows(w.doc_id, w.table.id))) == 10


@pytest.mark.parametrize("fault", [Fault.RESET_BEFORE, Fault.HTTP_503, Fault.STALL])
def test_insert_fails_loudly_when_a_batch_fails_unapplied(fault: Fault, world: MakeWorld) -> None:
    w = world(FaultSchedule.scripted({2: fault}))
    rows = [{"Key": key(i), "Value": f"v{i}"} for i in range(1200)]
    with w.client(fault.value) as client, pytest.raises(CodaPartialWriteError) as caught:
        client.insert_rows(w.doc_id, w.table.id, rows, batch_rows=500)
    assert caught.value.rows_accepted == 1000 and len(caught.value.request_ids) == 2
    assert w.keys() == [key(i) for i in range(1000)] and w.applied_inserts() == 2


@pytest.mark.parametrize("fault", [Fault.RESET_AFTER, Fault.HTTP_500_AFTER_APPLY])
def test_insert_error_says_the_failed_batch_may_have_been_applied(fault: Fault, world: MakeWorld) -> None:
    w = world(FaultSchedule.scripted({2: fault}))
    rows = [{"Key": key(i), "Value": f"v{i}"} for i in range(1200)]
    with w.client(fault.value) as client, pytest.raises(CodaPartialWriteError) as caught:
        client.insert_rows(w.doc_id, w.table.id, rows, batch_rows=500)
    assert w.keys() == [key(i) for i in range(1200)] and w.applied_inserts() == 3  # not replayed
    assert caught.value.rows_accepted == 1000
    assert "may have been applied" in str(caught.value)


def test_insert_whose_first_batch_may_have_been_applied_is_a_partial_write(world: MakeWorld) -> None:
    w = world(FaultSchedule.scripted({0: Fault.RESET_AFTER}))
    rows = [{"Key": key(i), "Value": f"v{i}"} for i in range(1200)]
    with w.client("first") as client, pytest.raises(CodaError) as caught:
        client.insert_rows(w.doc_id, w.table.id, rows, batch_rows=500)
    assert w.keys() == [key(i) for i in range(500)] and w.applied_inserts() == 1  # not replayed
    assert isinstance(caught.value, CodaPartialWriteError), repr(caught.value)
