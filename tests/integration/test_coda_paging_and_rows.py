"""Paging, rows, cell values and writes against the fake Coda server, every exchange validated."""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
import pickle

import pytest
from codomyrmex_coda_api.models import CurrencyValue

from codomyrmex_cloud import (
    AsyncCodaClient,
    CodaClient,
    CodaClosedError,
    CodaConfigurationError,
    CodaPaginationError,
    CodaValidationError,
    Row,
)
from codomyrmex_cloud.testing import FakeCoda, FakeCodaServer, seed_demo
from tests.support.coda import TOKEN


def big_table(fake: FakeCoda, rows: int = 2500) -> tuple[str, str]:
    doc = fake.add_doc("Big")
    table = doc.add_table("Numbers", ["Name", "N"])
    for i in range(rows):
        table.add_row({"Name": f"r{i}", "N": i})
    return doc.id, table.id


def list_requests(fake: FakeCoda) -> int:
    return sum(1 for method, path, _ in fake.log if method == "GET" and path.endswith("/rows"))


def test_the_default_read_asks_for_large_pages_and_walks_again(coda: CodaClient, fake: FakeCoda) -> None:
    doc_id, table_id = big_table(fake)
    rows = coda.doc(doc_id).table(table_id).rows()
    first = [r["N"] for r in rows]
    assert first == list(range(2500))
    assert list_requests(fake) <= 5
    again = [r["N"] for r in rows]  # a second walk starts again from the first page
    assert again == first
    assert rows.next_sync_token is not None


def test_next_page_is_repeatable_and_the_last_page_says_so(coda: CodaClient, fake: FakeCoda) -> None:
    doc_id, table_id = big_table(fake, 30)
    page = coda.list_rows(doc_id, table_id, page_size=10)
    second, second_again = page.next_page(), page.next_page()
    assert [r.id for r in second.items] == [r.id for r in second_again.items]
    assert [r["N"] for r in second.items] == list(range(10, 20))
    last = second.next_page()
    assert not last.has_next_page() and last.next_sync_token is not None
    with pytest.raises(CodaPaginationError, match="last page"):
        last.next_page()
    assert not hasattr(page, "__len__")


def test_max_items_page_size_and_the_limit_alias(coda: CodaClient, fake: FakeCoda) -> None:
    doc_id, table_id = big_table(fake, 50)
    before = list_requests(fake)
    assert [r["N"] for r in coda.list_rows(doc_id, table_id, max_items=7)] == list(range(7))
    assert list_requests(fake) == before + 1  # one request of 7, nothing more fetched
    assert len(coda.list_rows(doc_id, table_id, limit=20).items) == 20  # the seed's name
    assert len(list(coda.list_rows(doc_id, table_id, page_size=20, max_items=45))) == 45
    sent = len(fake.log)
    with pytest.raises(CodaConfigurationError, match="page_size"):
        coda.list_rows(doc_id, table_id, page_size=0)
    with pytest.raises(CodaConfigurationError, match="alias"):
        coda.list_rows(doc_id, table_id, page_size=10, limit=20)
    assert len(fake.log) == sent


def test_a_sync_token_reads_only_what_changed(coda: CodaClient, fake: FakeCoda) -> None:
    doc_id, table_id = big_table(fake, 1200)
    table = coda.doc(doc_id).table(table_id)
    rows = table.rows()
    assert len(list(rows)) == 1200
    token = rows.next_sync_token
    assert token is not None
    state = fake.docs[doc_id].tables[0]
    n_column = state.column("N")
    assert n_column is not None
    for index in (3, 900):
        state.rows[index].values[n_column.id] = -index
        state.version += 1
        state.rows[index].version = state.version
    changed = list(table.rows(sync_token=token))
    assert sorted(r["N"] for r in changed) == [-900, -3]


def test_rows_are_mappings_with_typed_values(coda: CodaClient, fake: FakeCoda) -> None:
    seed_demo(fake)
    row = coda.doc("doc-id").table("Tasks").row("Task 2")
    assert isinstance(row, Row)
    assert dict(row) == row.to_dict() == {"Name": "Task 2", "Status": "Done", "Owner": "ada@example.com"}
    assert row.values["Status"] == "Done" and list(row.values()) == list(row.to_dict().values())
    assert row.get("Nope") is None and "Status" in row and len(row) == 3
    assert row.model.id == row.id and row.index == 1


def test_rich_values_parse_typed_and_write_back(coda: CodaClient, fake: FakeCoda) -> None:
    seeded = seed_demo(fake)
    state = seeded.tables[0]
    price = state.add_column("Price", "currency")
    state.rows[0].values[price.id] = {
        "@context": "http://schema.org/",
        "@type": "MonetaryAmount",
        "currency": "USD",
        "amount": 4.5,
    }
    table = coda.doc("doc-id").table("Tasks")
    row = table.row("Task 1")
    value = row["Price"]
    assert isinstance(value, CurrencyValue) and value.amount == 4.5
    assert row["Price"] is value  # parsed once, then cached
    state.add_column("Due", "date")
    state.add_column("Cost", "number")
    row.update({"Price": value, "Due": dt.date(2026, 3, 1), "Cost": decimal.Decimal("12.30")}, wait=True)
    written = table.row("Task 1")
    assert written["Price"] == 4.5 and written["Due"] == "2026-03-01" and written["Cost"] == "12.30"


def test_unwritable_values_are_refused_before_sending(coda: CodaClient, fake: FakeCoda) -> None:
    seed_demo(fake)
    sent = len(fake.log)
    with pytest.raises(CodaValidationError, match=r"column 'Status' got None; to clear a cell write \"\"") as caught:
        coda.insert_rows("doc-id", "grid-xxx", [{"Name": "x", "Status": None}])  # type: ignore[dict-item]
    assert caught.value.status_code is None
    with pytest.raises(CodaValidationError, match="column 'Owner' got a value of type bytes"):
        coda.insert_rows("doc-id", "grid-xxx", [{"Name": "ok"}, {"Owner": b"raw"}])
    with pytest.raises(CodaValidationError, match="column 'N'"):
        coda.insert_rows("doc-id", "grid-xxx", [{"N": float("nan")}])
    assert len(fake.log) == sent
    assert coda.get_row("doc-id", "grid-xxx", "Task 1")["Status"] == "Active"  # nothing was written


def test_filters_take_dates(coda: CodaClient, fake: FakeCoda) -> None:
    seeded = seed_demo(fake)
    state = seeded.tables[0]
    due = state.add_column("Due", "date")
    state.rows[2].values[due.id] = "2026-03-01"
    rows = coda.list_rows("doc-id", "grid-xxx", where={"Due": dt.date(2026, 3, 1)})
    assert [r.name for r in rows] == ["Task 3"]


def test_table_helpers_find_column_and_dicts(coda: CodaClient, fake: FakeCoda) -> None:
    seed_demo(fake)
    table = coda.doc("doc-id").table("Tasks")
    found = table.find("Status", "Blocked")
    assert found is not None and found.name == "Task 4"
    assert table.find("Status", "Nope") is None
    column = table.column("Status")
    assert (column.doc_id, column.table_id, column.format.type_) == ("doc-id", "grid-xxx", "text")
    assert next(iter(table.to_dicts(max_items=1))) == {"Name": "Task 1", "Status": "Active", "Owner": "ada@example.com"}


def test_pages_export_and_principals(coda: CodaClient, fake: FakeCoda) -> None:
    seeded = seed_demo(fake)
    created = coda.create_page(seeded.id, "Notes", markdown="Hello", wait=5)
    assert created.page_id is not None and created.done()
    page = coda.doc(seeded.id).page(created.page_id)
    assert page.export(format="markdown") == "Hello"
    assert page.export() == "<p>Hello</p>"
    coda.add_permission(seeded.id, access="readonly", email="bob@example.com")
    found = coda.search_principals(seeded.id, query="bob")
    assert [u.login_id for u in found.users] == ["bob@example.com"]


def test_a_closed_client_says_so(server: FakeCodaServer, fake: FakeCoda) -> None:
    seed_demo(fake)
    coda = CodaClient(TOKEN, base_url=server.base_url)
    coda.close()
    with pytest.raises(CodaClosedError, match="closed"):
        coda.get_doc("doc-id")


def test_two_clients_of_one_token_share_one_budget(server: FakeCodaServer, fake: FakeCoda) -> None:
    first = CodaClient(TOKEN, base_url=server.base_url)
    second = CodaClient(TOKEN, base_url=server.base_url)
    other = CodaClient("another-token", base_url=server.base_url)
    assert first._settings.limiter is second._settings.limiter
    assert first._settings.limiter is not other._settings.limiter
    for client in (first, second, other):
        client.close()


@pytest.mark.anyio
async def test_async_for_needs_no_await_and_walks_again(acoda: AsyncCodaClient, fake: FakeCoda) -> None:
    doc_id, table_id = big_table(fake, 1100)
    rows = acoda.list_rows(doc_id, table_id)
    with pytest.raises(CodaPaginationError, match="await"):
        _ = rows.items  # nothing fetched yet
    first = [r["N"] async for r in rows]
    second = [r["N"] async for r in rows]
    assert first == second == list(range(1100))
    page = await acoda.list_rows(doc_id, table_id, page_size=100)
    assert len(page.items) == 100
    assert [r["N"] for r in (await page.next_page()).items] == list(range(100, 200))
    table = await (await acoda.get_doc(doc_id)).table(table_id)
    assert [d["N"] async for d in table.to_dicts(max_items=3)] == [0, 1, 2]


def test_clients_pickle_as_configuration_only(monkeypatch: pytest.MonkeyPatch, server: FakeCodaServer) -> None:
    monkeypatch.setenv("CODA_API_TOKEN", TOKEN)
    client = CodaClient(base_url=server.base_url, timeout=12)
    data = pickle.dumps(client)
    assert TOKEN.encode() not in data
    clone = pickle.loads(data)  # noqa: S301 - our own bytes
    assert clone._settings.timeout == 12 and clone._settings.base_url == server.base_url
    assert clone.whoami().login_id == "ada@example.com"
    aclient = AsyncCodaClient(base_url=server.base_url)
    assert TOKEN.encode() not in pickle.dumps(aclient)
    explicit = CodaClient(TOKEN, base_url=server.base_url)
    with pytest.raises(CodaConfigurationError, match="CODA_API_TOKEN"):
        pickle.dumps(explicit)
    for sync_client in (client, clone, explicit):
        sync_client.close()
    asyncio.run(aclient.close())
