"""Coda benchmarks on the fake server (loopback), each against a peer in the same run.

- Reading 2,500 rows through ``table.rows()`` against a plain httpx loop over the same pages
  (the floor: no parsing into models, no limiter, no retries).
- A 10,000-row upsert: requests and wall time against the minimum Coda's write limit allows
  (10 writes per 6 s: 20 requests cannot finish before 6 s).
"""

from __future__ import annotations

import math
import time

import httpx

from codomyrmex_cloud import CodaClient, RateLimits
from codomyrmex_cloud.testing import FakeCoda, FakeCodaServer

TOKEN = "bench-token"


def _read(server: FakeCodaServer, doc_id: str) -> tuple[float, float]:
    with CodaClient(TOKEN, base_url=server.base_url) as coda:
        table = coda.doc(doc_id).table("Numbers")
        start = time.perf_counter()
        ours = sum(1 for _ in table.rows(limit=500))
        ours_s = time.perf_counter() - start
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=server.base_url, headers=headers) as plain:
        start = time.perf_counter()
        count, token = 0, None
        while True:
            params: dict[str, str | int] = {"limit": 500, "useColumnNames": "true"}
            if token:
                params["pageToken"] = token
            page = plain.get(f"/docs/{doc_id}/tables/Numbers/rows", params=params).json()
            count += len(page["items"])
            token = page.get("nextPageToken")
            if not token:
                break
        plain_s = time.perf_counter() - start
    assert ours == count == 2500
    return ours / ours_s, count / plain_s


def _upsert(server: FakeCodaServer, fake: FakeCoda) -> tuple[int, float, float]:
    doc = fake.add_doc("Bulk")
    doc.add_table("Items", ["Name", "Qty"])
    rows = [{"Name": f"item-{i}", "Qty": i} for i in range(10_000)]
    before = len(fake.log)
    with CodaClient(TOKEN, base_url=server.base_url) as coda:
        start = time.perf_counter()
        coda.upsert_rows(doc.id, "Items", rows, key_columns=["Name"])
        wall = time.perf_counter() - start
    requests = len(fake.log) - before
    limit = RateLimits().write
    minimum = (math.ceil(requests / limit.requests) - 1) * limit.seconds
    assert 429 not in fake.status_counts()
    return requests, wall, minimum


def main() -> None:
    fake = FakeCoda(token=TOKEN)
    doc = fake.add_doc("Bench")
    table = doc.add_table("Numbers", ["Name", "N"])
    for i in range(2500):
        table.add_row({"Name": f"r{i}", "N": i})
    with FakeCodaServer(fake) as server:
        ours, plain = _read(server, doc.id)
        print(
            f"coda read 2,500 rows: table.rows() {ours:,.0f} rows/s; plain httpx loop {plain:,.0f} rows/s "
            f"(ratio {ours / plain:.2f})"
        )
        requests, wall, minimum = _upsert(server, fake)
        print(
            f"coda upsert 10,000 rows: {requests} requests, {wall:.1f} s; rate-limit minimum {minimum:.1f} s "
            f"(ratio {wall / minimum:.2f}); 429s answered by the server: 0"
        )


if __name__ == "__main__":
    main()
