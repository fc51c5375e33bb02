"""Reading 2,500 rows on the path a user takes: ``CodaClient()`` defaults, then ``table.rows()``.

- In-process: every side reads recorded answers from memory (:class:`Replay`), so the figure
  is the client's own cost. Peer: a plain httpx loop over 500-row pages calling ``.json()``.
- Loopback: the fake Coda server answering each request 20 ms late. Peers: the same httpx
  loop, and codaio's ``Document(...).get_table(...).rows()`` (its default path).

Each run builds its client (untimed; ours therefore starts with a fresh rate limiter, as a
job does) and times listing the rows and reading one cell of each. The loopback server does
not enforce Coda's rate limits (codaio has no limiter and would fail on the first 429); ours
keeps its own client-side limiter, as on its default path.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from benchmarks.coda_fake import (
    ROWS,
    TOKEN,
    Replay,
    Seeded,
    SlowCoda,
    coda_environment,
    codaio_client,
    seed_table,
    serve,
)
from benchmarks.options import Options
from benchmarks.profiling import cprofile
from benchmarks.stats import Figure, Goal, Run, measure, seconds_of
from codomyrmex_cloud import CodaClient, RateLimits
from codomyrmex_cloud.testing import FakeCoda
from codomyrmex_cloud.testing.coda_limits import FakeLimits

PEER_PAGE = 500


def _ours(seeded: Seeded, transport: httpx.BaseTransport | None = None) -> Run:
    client = CodaClient(transport=transport) if transport else CodaClient()
    with client as coda:
        table = coda.get_doc(seeded.doc_id).table(seeded.table_id)
        start = time.perf_counter()
        count, last = 0, None
        for row in table.rows():
            count += 1
            last = row["N"]
        elapsed = time.perf_counter() - start
    _check(count, last)
    return Run(elapsed)


def _plain(seeded: Seeded, base_url: str, transport: httpx.BaseTransport | None = None) -> Run:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=base_url, headers=headers, transport=transport) as client:
        start = time.perf_counter()
        count, last, token = 0, None, None
        while True:
            params: dict[str, str | int] = {"limit": PEER_PAGE, "useColumnNames": "true"}
            if token:
                params["pageToken"] = token
            page = client.get(f"/docs/{seeded.doc_id}/tables/{seeded.table_id}/rows", params=params).json()
            for item in page["items"]:
                count += 1
                last = item["values"]["N"]
            token = page.get("nextPageToken")
            if not token:
                break
        elapsed = time.perf_counter() - start
    _check(count, last)
    return Run(elapsed)


def _codaio(seeded: Seeded) -> Run:
    from codaio import Document

    doc = Document(seeded.doc_id, coda=codaio_client())
    table = doc.get_table(seeded.table_id)
    start = time.perf_counter()
    count, last = 0, None
    for row in table.rows():  # values arrive as (column id, value) pairs, decoded eagerly
        count += 1
        last = row.values[3][1]
    elapsed = time.perf_counter() - start
    _check(count, last)
    return Run(elapsed)


def _check(count: int, last: object) -> None:
    if count != ROWS or last != ROWS - 1:
        raise RuntimeError(f"read {count} rows ending in N={last!r}, expected {ROWS} ending in {ROWS - 1}")


def in_process(options: Options) -> list[Figure]:
    fake = FakeCoda(token=TOKEN, rate_limits=FakeLimits.off())
    seeded = seed_table(fake)
    transport = Replay(fake).transport()
    with coda_environment(FakeCoda.BASE_URL):
        runs = measure(
            {
                "ours": lambda: _ours(seeded, transport),
                "plain": lambda: _plain(seeded, FakeCoda.BASE_URL, transport),
            },
            runs=options.runs,
        )
        figure = Figure(
            group="coda",
            name=f"Coda read {ROWS:,} rows, in-process replay",
            ours_label="CodaClient() + table.rows()",
            peer_label=f"httpx loop + .json(), {PEER_PAGE}-row pages",
            ours=seconds_of(runs["ours"]),
            peer=seconds_of(runs["plain"]),
            goal=Goal("<= 1.25x plain httpx", 1.25),
        )
        if figure.verdict is False:
            figure.profile = cprofile(lambda: _ours(seeded, transport))
    return [figure]


def loopback(options: Options) -> list[Figure]:
    fake = SlowCoda(rate_limits=RateLimits.disabled())
    seeded = seed_table(fake)
    with serve(fake) as base_url, coda_environment(base_url):
        runs = measure(
            {
                "ours": lambda: _ours(seeded),
                "plain": lambda: _plain(seeded, base_url),
                "codaio": lambda: _codaio(seeded),
            },
            runs=options.runs,
        )
        name = f"Coda read {ROWS:,} rows, loopback, 20 ms latency"
        against_plain = Figure(
            group="coda",
            name=name,
            ours_label="CodaClient() + table.rows()",
            peer_label=f"httpx loop + .json(), {PEER_PAGE}-row pages",
            ours=seconds_of(runs["ours"]),
            peer=seconds_of(runs["plain"]),
        )
        against_codaio = Figure(
            group="coda",
            name=name,
            ours_label="CodaClient() + table.rows()",
            peer_label="codaio Document().get_table().rows()",
            ours=seconds_of(runs["ours"]),
            peer=seconds_of(runs["codaio"]),
            goal=Goal("faster than codaio (< 1.0x)", 1.0, strict=True),
        )
        requests = _requests_per_read(fake, seeded)
        against_plain.notes.append(requests)
        if against_codaio.verdict is False:
            against_codaio.profile = cprofile(lambda: _ours(seeded))
    return [against_plain, against_codaio]


def _requests_per_read(fake: FakeCoda, seeded: Seeded) -> str:
    """How many row-page requests one read of each side makes (from the fake's request log)."""
    counts = []
    reads: tuple[Callable[[], Run], ...] = (lambda: _ours(seeded), lambda: _codaio(seeded))
    for read in reads:
        before = len(fake.log)
        read()
        counts.append(sum(1 for _, path, _ in fake.log[before:] if path.endswith("/rows")))
    return f"row-page requests per read: ours {counts[0]}, httpx loop {-(-ROWS // PEER_PAGE)}, codaio {counts[1]}"


def run(options: Options) -> list[Figure]:
    return [*in_process(options), *loopback(options)]
