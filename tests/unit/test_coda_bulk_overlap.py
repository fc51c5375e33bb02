"""Bulk writes send batches side by side where that cannot change the outcome, and report a
failure exactly: which rows Coda accepted, which may have been applied, which were not.

The transports here answer in-process; a batch that must overlap another waits on an event
or a barrier that only the other batch's arrival releases (with a timeout, so a client that
does not overlap fails instead of hanging)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from codomyrmex_cloud import (
    AsyncCodaClient,
    CodaClient,
    CodaForbiddenError,
    CodaPartialWriteError,
    CodaServerError,
    Limit,
    RateLimits,
)
from codomyrmex_cloud.coda.bulk import in_order, may_have_applied, plan, row_json, upsert_key
from codomyrmex_cloud.coda.errors import (
    CodaConnectionError,
    CodaNotFoundError,
    CodaResponseError,
    CodaTimeoutError,
    refused,
)
from codomyrmex_cloud.testing import FakeCoda
from tests.support.coda import SleepRecorder

BASE = "https://coda.test/apis/v1"
WAIT = 10.0  # seconds a batch waits for the batch it must overlap before the test fails


def names(request: httpx.Request) -> list[str]:
    body = json.loads(request.content)
    if "rowIds" in body:
        return list(body["rowIds"])
    return [next(c["value"] for c in row["cells"] if c["column"] == "Name") for row in body["rows"]]


def accepted(request: httpx.Request) -> httpx.Response:
    """Coda's 202 for a row write (upsert or delete)."""
    rows = names(request)
    if request.method == "DELETE":
        return httpx.Response(202, json={"requestId": f"req-{rows[0]}", "rowIds": rows})
    return httpx.Response(202, json={"requestId": f"req-{rows[0]}", "addedRowIds": [f"i-{n}" for n in rows]})


def client(handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> CodaClient:
    kwargs.setdefault("rate_limits", RateLimits.disabled())
    return CodaClient("t", base_url=BASE, transport=httpx.MockTransport(handler), **kwargs)


class InFlight:
    """How many requests a handler is serving at once, and the most ever."""

    def __init__(self) -> None:
        self.now = self.most = 0
        self.lock = threading.Lock()

    def __enter__(self) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.now -= 1


# The plan ---------------------------------------------------------------------------------


def edits(*keys: object) -> list[dict[str, Any]]:
    return [row_json({"Name": key}) if key is not None else row_json({"c-name01": "x"}) for key in keys]


def test_disjoint_upserts_may_overlap_inserts_keep_their_order() -> None:
    chunks = [edits("a", "b"), edits("c"), edits("d")]
    assert [b.after for b in plan(chunks, None)] == [frozenset()] * 3
    assert [set(b.after) for b in plan(chunks, in_order)] == [set(), {0}, {0, 1}]
    upsert = plan(chunks, upsert_key(["Name"]))
    assert [b.after for b in upsert] == [frozenset()] * 3
    assert [b.rows for b in upsert] == [range(0, 2), range(2, 3), range(3, 4)]


def test_a_batch_sharing_a_key_follows_the_batch_that_wrote_it_last() -> None:
    # Keys compare loosely, erring towards "the same row": 1, 1.0, " 1" and "1" are one key.
    chunks = [edits("a", 1), edits("b"), edits(" 1.0", "c"), edits("A ")]
    assert [set(b.after) for b in plan(chunks, upsert_key(["Name"]))] == [set(), set(), {0}, {0}]


def test_a_row_without_the_key_column_as_named_orders_its_batch_against_all() -> None:
    chunks = [edits("a"), edits("b", None), edits("c"), edits("d")]
    assert [set(b.after) for b in plan(chunks, upsert_key(["Name"]))] == [set(), {0}, {1}, {1}]


def test_which_failures_may_have_been_applied() -> None:
    assert not may_have_applied(CodaForbiddenError("x", status_code=403))
    assert not may_have_applied(CodaNotFoundError("x", status_code=404))
    assert not may_have_applied(refused("local"))  # status_code=None: never sent
    assert may_have_applied(CodaServerError("x", status_code=500))
    assert may_have_applied(CodaResponseError("x", status_code=202))  # accepted, answer unreadable
    assert may_have_applied(CodaTimeoutError("read timeout"))
    never_connected = CodaConnectionError("refused")
    never_connected.__cause__ = httpx.ConnectError("refused")
    assert not may_have_applied(never_connected)


# Overlap ----------------------------------------------------------------------------------


def test_disjoint_upsert_batches_leave_together() -> None:
    barrier = threading.Barrier(3, timeout=WAIT)  # released only when all three are in flight

    def handler(request: httpx.Request) -> httpx.Response:
        barrier.wait()
        return accepted(request)

    with client(handler) as coda:
        mutation = coda.upsert_rows(
            "d", "t", [{"Name": f"r{i}"} for i in range(1100)], key_columns=["Name"], batch_rows=500
        )
    assert mutation.request_ids == ("req-r0", "req-r500", "req-r1000")  # the rows' order, whatever the finish
    assert mutation.added_row_ids == tuple(f"i-r{i}" for i in range(1100))


@pytest.mark.anyio
async def test_async_disjoint_upsert_batches_leave_together() -> None:
    barrier = asyncio.Barrier(3)

    async def handler(request: httpx.Request) -> httpx.Response:
        async with asyncio.timeout(WAIT):
            await barrier.wait()
        return accepted(request)

    transport = httpx.MockTransport(handler)
    rows = [{"Name": f"r{i}"} for i in range(1100)]
    async with AsyncCodaClient("t", base_url=BASE, transport=transport, rate_limits=RateLimits.disabled()) as coda:
        mutation = await coda.upsert_rows("d", "t", rows, key_columns=["Name"], batch_rows=500)
    assert mutation.request_ids == ("req-r0", "req-r500", "req-r1000")


def test_insert_batches_go_one_after_another_in_the_callers_order() -> None:
    flight = InFlight()
    arrived: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        with flight:
            arrived.append(names(request)[0])
            return accepted(request)

    with client(handler) as coda:
        mutation = coda.insert_rows("d", "t", [{"Name": f"r{i}"} for i in range(1100)], batch_rows=500)
    assert flight.most == 1 and arrived == ["r0", "r500", "r1000"]
    assert mutation.added_row_ids == tuple(f"i-r{i}" for i in range(1100))


@pytest.mark.anyio
async def test_async_insert_batches_go_one_after_another_in_the_callers_order() -> None:
    flight = InFlight()
    arrived: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        with flight:
            arrived.append(names(request)[0])
            await asyncio.sleep(0)  # let another batch start, if the client would send one
            return accepted(request)

    transport = httpx.MockTransport(handler)
    async with AsyncCodaClient("t", base_url=BASE, transport=transport, rate_limits=RateLimits.disabled()) as coda:
        await coda.insert_rows("d", "t", [{"Name": f"r{i}"} for i in range(1100)], batch_rows=500)
    assert flight.most == 1 and arrived == ["r0", "r500", "r1000"]


def test_an_upsert_batch_sharing_a_key_waits_for_the_earlier_one() -> None:
    events: list[str] = []
    lock = threading.Lock()
    second_arrived = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        rows = names(request)
        batch = 2 if len(rows) == 100 else 0 if rows[0] == "r0" else 1
        with lock:
            events.append(f"{batch} arrived")
        if batch == 0:
            assert second_arrived.wait(WAIT), "batch 1 shares no key with batch 0: it must overlap it"
        if batch == 1:
            second_arrived.set()
        with lock:
            events.append(f"{batch} answered")
        return accepted(request)

    rows = [{"Name": f"r{i}"} for i in range(1100)]
    rows[1000] = {"Name": "R0 "}  # the row batch 0 writes: batch 2 must reach Coda after it
    with client(handler) as coda:
        coda.upsert_rows("d", "t", rows, key_columns=["Name"], batch_rows=500)
    assert events.index("1 arrived") < events.index("0 answered") < events.index("2 arrived")


def test_rows_naming_the_key_column_otherwise_are_sent_one_batch_at_a_time() -> None:
    flight = InFlight()

    def handler(request: httpx.Request) -> httpx.Response:
        with flight:
            body = json.loads(request.content)
            first = body["rows"][0]["cells"][0]["value"]
            return httpx.Response(202, json={"requestId": f"req-{first}", "addedRowIds": []})

    rows: list[dict[str, object]] = [{"Name": f"r{i}"} for i in range(1100)]
    rows[600] = {"c-name01": "r600"}  # perhaps the same column, by id: cannot tell what it writes
    with client(handler) as coda:
        mutation = coda.upsert_rows("d", "t", rows, key_columns=["Name"], batch_rows=500)  # type: ignore[arg-type]
    assert flight.most == 1 and len(mutation.request_ids) == 3


def test_no_more_batches_in_flight_than_the_write_window() -> None:
    flight = InFlight()
    slept = SleepRecorder()

    def handler(request: httpx.Request) -> httpx.Response:
        with flight:
            return accepted(request)

    limits = RateLimits(write=Limit(2, 6.0))
    with client(handler, rate_limits=limits, sleep=slept) as coda:
        coda.upsert_rows("d", "t", [{"Name": f"r{i}"} for i in range(1500)], key_columns=["Name"], batch_rows=500)
    assert flight.most <= 2
    assert slept.calls and max(slept.calls) > 5.0  # the third waited for the window


def test_delete_batches_overlap() -> None:
    barrier = threading.Barrier(2, timeout=WAIT)

    def handler(request: httpx.Request) -> httpx.Response:
        barrier.wait()
        return accepted(request)

    with client(handler) as coda:
        mutation = coda.delete_rows("d", "t", [f"i-{n}" for n in range(600)], batch_rows=500)
    assert mutation.row_ids == tuple(f"i-{n}" for n in range(600))


# Failures ---------------------------------------------------------------------------------


def covered(error: CodaPartialWriteError) -> dict[str, list[int]]:
    return {
        "accepted": [i for span in error.accepted_rows for i in span],
        "maybe": [i for span in error.maybe_applied_rows for i in span],
        "not": [i for span in error.not_applied_rows for i in span],
    }


def test_a_5xx_after_applying_is_reported_as_maybe_applied() -> None:
    fake = FakeCoda(token="t")
    table = fake.add_doc("D", doc_id="d").add_table("T", ["Name"])
    fake.fail_next(500, match="POST", after_apply=True, skip=1)  # the 2nd batch: applied, then 500
    progress: list[int] = []
    with (
        CodaClient(
            "t", base_url=FakeCoda.BASE_URL, transport=fake.transport(), rate_limits=RateLimits.disabled()
        ) as coda,
        pytest.raises(CodaPartialWriteError) as caught,
    ):
        coda.insert_rows(
            "d",
            table.id,
            [{"Name": f"r{i}"} for i in range(1200)],
            progress=lambda d, t: progress.append(d),
            batch_rows=500,
        )
    error = caught.value
    assert isinstance(error.__cause__, CodaServerError)  # an insert is never repeated after a 5xx
    spans = covered(error)
    assert sorted(spans["accepted"] + spans["maybe"] + spans["not"]) == list(range(1200))
    assert spans["maybe"] == list(range(500, 1000)) and spans["not"] == list(range(1000, 1200))
    written = [int(row.values[table.columns[0].id][1:]) for row in table.rows]
    assert written == list(range(1000))  # the failed batch was in fact applied: "maybe" was right
    assert progress == sorted(set(progress)) and progress[-1] == error.rows_accepted == len(spans["accepted"])


def test_a_single_failed_batch_raises_its_own_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"message": "read-only doc"})

    with client(handler) as coda, pytest.raises(CodaForbiddenError):
        coda.insert_rows(
            "d", "t", [{"Name": f"r{i}"} for i in range(1200)], batch_rows=500
        )  # every batch refused: nothing written


def test_batches_after_a_failure_are_not_sent() -> None:
    sent: list[str] = []
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        rows = names(request)
        with lock:
            sent.append(rows[0])
        if rows[0] == "r0":
            return httpx.Response(403, json={"message": "no"})
        return accepted(request)

    limits = RateLimits(write=Limit(1, 6.0))  # one at a time: the first fails before the rest leave
    with client(handler, rate_limits=limits) as coda, pytest.raises(CodaForbiddenError):
        coda.insert_rows("d", "t", [{"Name": f"r{i}"} for i in range(1200)], batch_rows=500)
    assert sent == ["r0"]
