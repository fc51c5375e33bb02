"""AsyncCodaClient: the same surface as CodaClient, on the same fake server."""

from __future__ import annotations

import asyncio

import pytest

from codomyrmex_cloud import (
    AsyncCodaClient,
    AsyncDoc,
    AsyncPaginated,
    AsyncRow,
    CodaClient,
    CodaGoneError,
    CodaNotFoundError,
    CodaServerError,
    CodaValidationError,
)
from codomyrmex_cloud.testing import FakeCoda, seed_demo

pytestmark = pytest.mark.anyio


async def test_seed_flow_async(acoda: AsyncCodaClient, fake: FakeCoda) -> None:
    seed_demo(fake)
    docs = await acoda.list_docs()
    assert isinstance(docs, AsyncPaginated)
    assert {d.name async for d in docs} == {"Product Roadmap", "Team Wiki"}
    doc = await acoda.get_doc("doc-id")
    assert isinstance(doc, AsyncDoc)
    tables = await acoda.list_tables(doc.id)
    rows = await acoda.list_rows(doc_id=doc.id, table_id=tables.items[0].id, query='Status = "Active"')
    assert [r.name async for r in rows] == ["Task 1", "Task 3", "Task 5"]
    table = await doc.table("Tasks")
    assert [c.name async for c in await table.columns()] == ["Name", "Status", "Owner"]
    row = await table.row("Task 2")
    assert isinstance(row, AsyncRow) and row["Status"] == "Done"


async def test_async_writes_wait_and_errors(acoda: AsyncCodaClient, fake: FakeCoda) -> None:
    seed_demo(fake)
    table = await (await acoda.get_doc("doc-id")).table("Tasks")
    mutation = await table.insert([{"Name": "Async", "Status": "Active"}], wait=True)
    assert len(mutation.row_ids) == 1
    row = await table.row("Async")
    await row.update({"Status": "Done"}, wait=True)
    assert (await table.row(row.id))["Status"] == "Done"
    await table.upsert([{"Name": "Async", "Status": "Blocked"}], key_columns=["Name"], wait=True)
    assert [r["Status"] async for r in await table.rows(where={"Name": "Async"})] == ["Blocked"]
    await row.delete(wait=True)
    with pytest.raises(CodaNotFoundError):
        await table.row(row.id)
    with pytest.raises(CodaValidationError):
        await acoda.list_rows("doc-id", "grid-xxx", query="Status = Active")
    fake.fail_next(500, match="POST /docs/doc-id/tables", after_apply=True)
    with pytest.raises(CodaServerError):
        await acoda.insert_rows("doc-id", "grid-xxx", [{"Name": "Once"}])
    await acoda.delete_doc("doc-id")
    with pytest.raises(CodaGoneError):
        await acoda.get_doc("doc-id")


async def test_async_pages_across_tasks_share_one_limiter(acoda: AsyncCodaClient, fake: FakeCoda) -> None:
    doc = fake.add_doc("Big")
    table = doc.add_table("Numbers", ["Name", "N"])
    for i in range(300):
        table.add_row({"Name": f"r{i}", "N": i})

    async def read_all() -> list[object]:
        return [r["N"] async for r in await acoda.list_rows(doc.id, "Numbers", limit=50)]

    results = await asyncio.gather(*(read_all() for _ in range(4)))
    assert all(result == list(range(300)) for result in results)


def test_sync_and_async_clients_have_the_same_public_methods() -> None:
    def public(cls: type) -> set[str]:
        return {n for n in dir(cls) if not n.startswith("_")}

    assert public(CodaClient) == public(AsyncCodaClient)
