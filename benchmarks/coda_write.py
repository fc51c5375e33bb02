"""Upserting 10,000 rows on loopback against the fake enforcing Coda's limits (20 ms latency).

Ours (``coda.upsert_rows(..., key_columns=)`` with defaults) is compared with the floor Coda's
write limit sets for the requests it sends: 10 writes per 6 s, so R requests cannot finish
before (ceil(R / 10) - 1) x 6 s plus one round trip. Every run gets a fresh server (empty
table, empty rate windows) and a fresh client. codaio does the same job in the same run with
its ``Table.upsert_rows`` (it sends one request for all rows; the fake accepts any body up to
Coda's 2 MiB limit). When ours fits in one write window the floor is a round trip, which says
nothing about the work; the goal is then codaio's time for the same job.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks.coda_fake import LATENCY_S, SlowCoda, coda_environment, codaio_client, serve
from benchmarks.options import Options
from benchmarks.profiling import cprofile
from benchmarks.stats import Figure, Goal, Run, measure, seconds_of
from codomyrmex_cloud import CodaClient, RateLimits

ROWS = 10_000
KEY = "Name"


@dataclass
class Traffic:
    """What the server saw from one run: write requests and 429 answers."""

    writes: int = 0
    throttled: int = 0


def _rows() -> list[dict[str, str | int]]:
    return [{"Name": f"item-{i}", "Qty": i} for i in range(ROWS)]


#: Prepares a job on a server (client built, table looked up) and returns the part to time.
Job = Callable[[contextlib.ExitStack, str, str], Callable[[], object]]


def _on_fresh_server(job: Job, traffic: list[Traffic]) -> Run:
    fake = SlowCoda()  # Coda's published limits, enforced with 429 + Retry-After
    doc = fake.add_doc("Bulk")
    table = doc.add_table("Items", ["Name", "Qty"])
    with serve(fake) as base_url, coda_environment(base_url), contextlib.ExitStack() as stack:
        upsert = job(stack, doc.id, table.id)
        before = len(fake.log)
        start = time.perf_counter()
        upsert()
        elapsed = time.perf_counter() - start
        log = fake.log[before:]
    if len(table.rows) != ROWS:
        raise RuntimeError(f"the table holds {len(table.rows)} rows after the upsert, expected {ROWS}")
    traffic.append(Traffic(sum(1 for m, _, _ in log if m == "POST"), sum(1 for _, _, s in log if s == 429)))
    return Run(elapsed)


def _ours(stack: contextlib.ExitStack, doc_id: str, table_id: str) -> Callable[[], object]:
    coda = stack.enter_context(CodaClient())
    rows = _rows()
    return lambda: coda.upsert_rows(doc_id, table_id, rows, key_columns=[KEY])


def _codaio(stack: contextlib.ExitStack, doc_id: str, table_id: str) -> Callable[[], object]:
    from codaio import Cell, Document

    table = Document(doc_id, coda=codaio_client()).get_table(table_id)
    cells = [[Cell(name, value) for name, value in row.items()] for row in _rows()]
    return lambda: table.upsert_rows(cells, key_columns=[KEY])


def floor_seconds(requests: int, limits: RateLimits | None = None) -> float:
    """The least time ``requests`` writes can take under Coda's write limit, plus one round trip."""
    write = (limits or RateLimits()).write
    return (math.ceil(requests / write.requests) - 1) * write.seconds + LATENCY_S


def run(options: Options) -> list[Figure]:
    ours_traffic: list[Traffic] = []
    codaio_traffic: list[Traffic] = []
    runs = measure(
        {
            "ours": lambda: _on_fresh_server(_ours, ours_traffic),
            "codaio": lambda: _on_fresh_server(_codaio, codaio_traffic),
        },
        runs=options.slow_runs,
    )
    writes = max(t.writes for t in ours_traffic)
    floor = floor_seconds(writes)
    ours = seconds_of(runs["ours"])
    one_window = writes <= RateLimits().write.requests
    against_floor = Figure(
        group="coda",
        name=f"Coda upsert {ROWS:,} rows, loopback, Coda's limits enforced",
        ours_label="coda.upsert_rows(key_columns=)",
        peer_label=f"rate-limit floor for {writes} requests",
        ours=ours,
        peer=[floor] * len(ours),
        goal=None if one_window else Goal("<= 1.10x the floor, no 429", 1.10),
    )
    throttled = sum(t.throttled for t in ours_traffic)
    against_floor.notes.append(
        f"ours: {writes} write requests ({-(-ROWS // writes)} rows each), 429 answers over all runs: {throttled}"
    )
    if throttled:
        against_floor.disqualified = f"the server answered {throttled} request(s) with 429"
    against_codaio = Figure(
        group="coda",
        name=f"Coda upsert {ROWS:,} rows, loopback, Coda's limits enforced",
        ours_label="coda.upsert_rows(key_columns=)",
        peer_label="codaio Table.upsert_rows",
        ours=ours,
        peer=seconds_of(runs["codaio"]),
        goal=Goal("<= 1.10x codaio, no 429 (one write window)", 1.10) if one_window else None,
    )
    codaio_writes = max(t.writes for t in codaio_traffic)
    against_codaio.notes.append(
        f"codaio: {codaio_writes} write request(s), 429 answers: {sum(t.throttled for t in codaio_traffic)}"
    )
    if throttled:
        against_codaio.disqualified = against_floor.disqualified
    if against_floor.verdict is False or against_codaio.verdict is False:
        profile = cprofile(lambda: _on_fresh_server(_ours, []))
        (against_floor if against_floor.verdict is False else against_codaio).profile = profile
    return [against_floor, against_codaio]
