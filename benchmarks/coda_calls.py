"""Per-call cost of ``get_doc`` and ``get_row`` against the same GET with plain httpx.

In-process (:class:`Replay`), so the figure is each client's own cost per call: building the
request, the transport stack, the limiter's bookkeeping, parsing. Each run makes ``CALLS``
calls on one client built just before (untimed). Clients of one token and API root share one
limiter in a process (Coda's budget is per token), so each run's client gets a token of its
own (the replay answers from memory whatever the token): its ``CALLS`` reads stay inside
Coda's read limit and the limiter never waits, as in a fresh process.
"""

from __future__ import annotations

import itertools
import time

import httpx

from benchmarks.coda_fake import TOKEN, Replay, coda_environment, seed_table
from benchmarks.options import Options
from benchmarks.profiling import cprofile
from benchmarks.stats import Figure, Goal, Run, measure, seconds_of
from codomyrmex_cloud import CodaClient
from codomyrmex_cloud.testing import FakeCoda
from codomyrmex_cloud.testing.coda_limits import FakeLimits

CALLS = 50
_runs = itertools.count()


def _fresh_client(transport: httpx.BaseTransport) -> CodaClient:
    """A client whose limiter no earlier run has used (see the module docstring)."""
    return CodaClient(f"{TOKEN}-run-{next(_runs)}", transport=transport)


def run(options: Options) -> list[Figure]:
    fake = FakeCoda(token=TOKEN, rate_limits=FakeLimits.off())
    seeded = seed_table(fake)
    transport = Replay(fake).transport()
    rows = seeded.row_ids[:CALLS]
    headers = {"Authorization": f"Bearer {TOKEN}"}
    rows_path = f"/docs/{seeded.doc_id}/tables/{seeded.table_id}/rows"

    def ours_doc() -> Run:
        with _fresh_client(transport) as coda:
            start = time.perf_counter()
            for _ in range(CALLS):
                _same(coda.get_doc(seeded.doc_id).name, "Bench")
            return Run(time.perf_counter() - start)

    def plain_doc() -> Run:
        with httpx.Client(base_url=FakeCoda.BASE_URL, headers=headers, transport=transport) as client:
            start = time.perf_counter()
            for _ in range(CALLS):
                _same(client.get(f"/docs/{seeded.doc_id}").json()["name"], "Bench")
            return Run(time.perf_counter() - start)

    def ours_row() -> Run:
        with _fresh_client(transport) as coda:
            start = time.perf_counter()
            for index, row_id in enumerate(rows):
                _same(coda.get_row(seeded.doc_id, seeded.table_id, row_id)["N"], index)
            return Run(time.perf_counter() - start)

    def plain_row() -> Run:
        with httpx.Client(base_url=FakeCoda.BASE_URL, headers=headers, transport=transport) as client:
            start = time.perf_counter()
            for index, row_id in enumerate(rows):
                answer = client.get(f"{rows_path}/{row_id}", params={"useColumnNames": "true"}).json()
                _same(answer["values"]["N"], index)
            return Run(time.perf_counter() - start)

    figures = []
    with coda_environment(FakeCoda.BASE_URL):
        with CodaClient(TOKEN, transport=transport) as primer:  # records the answers the runs replay
            primer.get_doc(seeded.doc_id)
            for row_id in rows:
                primer.get_row(seeded.doc_id, seeded.table_id, row_id)
        for name, ours, plain, call in (
            ("get_doc", ours_doc, plain_doc, "coda.get_doc(id)"),
            ("get_row", ours_row, plain_row, "coda.get_row(doc, table, row)"),
        ):
            runs = measure({"ours": ours, "plain": plain}, runs=options.short_runs)
            figure = Figure(
                group="coda",
                name=f"Coda {name}, per call, in-process replay",
                ours_label=call,
                peer_label="httpx client.get().json()",
                ours=seconds_of(runs["ours"], per=CALLS),
                peer=seconds_of(runs["plain"], per=CALLS),
                goal=Goal("<= 1.5x plain httpx", 1.5),
            )
            if figure.verdict is False:
                figure.profile = cprofile(ours)
            figures.append(figure)
    return figures


def _same(value: object, expected: object) -> None:
    if value != expected:
        raise RuntimeError(f"read {value!r}, expected {expected!r}")
