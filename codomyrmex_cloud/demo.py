"""``make demo``: the seed's quick starts on the embedded defaults, no account and no network.

Coda runs against the fake Coda API (``codomyrmex_cloud.testing``) served on 127.0.0.1.
"""

from __future__ import annotations

import os

from codomyrmex_cloud.testing import FakeCoda, FakeCodaServer, seed_demo


def coda_quick_start() -> None:
    """The seed's Coda quick start, as written, then the façade on the same doc."""
    from codomyrmex.cloud import CodaClient

    client = CodaClient(api_token="your-api-token")  # noqa: S106 - the seed's placeholder

    # List all docs
    docs = client.list_docs()
    for doc in docs.items:
        print(f"{doc.name}: {doc.id}")

    # Get a specific doc
    doc = client.get_doc("doc-id")

    # List tables in doc
    tables = client.list_tables(doc.id)

    # Query rows
    rows = client.list_rows(doc_id=doc.id, table_id="grid-xxx", query='Status = "Active"')
    print("Active tasks:", ", ".join(row.name for row in rows))

    tasks = doc.table("Tasks")
    mutation = tasks.upsert([{"Name": "Task 2", "Status": "Active"}], key_columns=["Name"], wait=True)
    print(f"Upserted Task 2 (requests {list(mutation.request_ids)}); now active:")
    for row in tasks.rows(where={"Status": "Active"}):
        print(f"  {row.name:8} {row['Owner']}")
    print(f"Tables: {[t.name for t in tables]}; formulas: {[f.name for f in doc.formulas()]}")


def main() -> None:
    fake = FakeCoda(token="your-api-token")  # noqa: S106 - matches the seed's placeholder
    seed_demo(fake)
    with FakeCodaServer(fake) as server:
        os.environ["CODA_BASE_URL"] = server.base_url
        print(f"== Coda (fake Coda API at {server.base_url})")
        coda_quick_start()


if __name__ == "__main__":
    main()
