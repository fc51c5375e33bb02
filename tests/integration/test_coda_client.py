"""CodaClient against the fake Coda server on 127.0.0.1, every exchange validated by the spec."""

from __future__ import annotations

import pytest

from codomyrmex_cloud import (
    CodaAuthenticationError,
    CodaClient,
    CodaForbiddenError,
    CodaGoneError,
    CodaMutationError,
    CodaNotFoundError,
    CodaPartialWriteError,
    CodaRateLimitError,
    CodaServerError,
    CodaValidationError,
    Doc,
    Paginated,
    RateLimits,
    Row,
)
from codomyrmex_cloud.testing import FakeCoda, FakeCodaServer, seed_demo
from tests.support.coda import TOKEN, SleepRecorder
from tests.support.spec_validation import ValidatingTransport


def test_docs_pages_tables_columns(coda: CodaClient, fake: FakeCoda) -> None:
    seeded = seed_demo(fake)
    docs = coda.list_docs()
    assert isinstance(docs, Paginated) and {d.name for d in docs} == {"Product Roadmap", "Team Wiki"}
    doc = coda.get_doc(seeded.id)
    assert isinstance(doc, Doc) and doc.browser_link.endswith(seeded.id)
    assert [t.name for t in doc.tables()] == ["Tasks"]
    table = doc.table("Tasks")
    assert table.row_count == 5 and table.id == "grid-xxx"
    assert [c.name for c in table.columns()] == ["Name", "Status", "Owner"]
    assert coda.get_column(doc.id, table.id, "Status").model.format_.type_ == "text"
    assert [p.name for p in doc.pages()] == ["Home"]
    assert coda.get_page(doc.id, "Home").name == "Home"
    assert [f.name for f in doc.formulas()] == ["OpenTasks"]
    assert coda.get_formula(doc.id, "OpenTasks").value == 3
    assert [c.name for c in doc.controls()] == ["Threshold"]
    assert coda.get_control(doc.id, "Threshold").value == 5


def test_rows_filter_by_query_and_where(coda: CodaClient, fake: FakeCoda) -> None:
    seed_demo(fake)
    table = coda.doc("doc-id").table("Tasks")
    by_query = [r.name for r in table.rows(query='Status = "Active"')]
    by_where = [r.name for r in table.rows(where={"Status": "Active"})]
    by_native = [r.name for r in coda.list_rows("doc-id", "grid-xxx", query='"Status":"Active"')]
    assert by_query == by_where == by_native == ["Task 1", "Task 3", "Task 5"]
    row = table.row("Task 2")
    assert isinstance(row, Row) and row["Status"] == "Done" and row.values["Owner"] == "ada@example.com"
    with pytest.raises(KeyError, match="no column 'Nope'"):
        row["Nope"]


def test_malformed_query_is_refused_before_sending(coda: CodaClient, fake: FakeCoda) -> None:
    seed_demo(fake)
    sent = len(fake.log)
    with pytest.raises(CodaValidationError, match="not JSON"):
        coda.list_rows("doc-id", "grid-xxx", query="Status = Active")
    assert len(fake.log) == sent
    with pytest.raises(CodaValidationError, match="unknown column"):  # Coda's own 400
        coda.list_rows("doc-id", "grid-xxx", query='Colour = "red"')


def test_writes_return_mutations_that_can_be_awaited(coda: CodaClient, fake: FakeCoda, slept: SleepRecorder) -> None:
    seed_demo(fake)
    table = coda.doc("doc-id").table("Tasks")
    inserted = table.insert([{"Name": "Write docs", "Status": "Active"}])
    assert len(inserted.request_ids) == 1 and len(inserted.row_ids) == 1
    assert inserted.added_row_ids == inserted.row_ids
    polls_before = sum(1 for m, p, _ in fake.log if p.startswith("/mutationStatus"))
    inserted.wait(timeout=30)
    polls = sum(1 for m, p, _ in fake.log if p.startswith("/mutationStatus")) - polls_before
    assert polls == 2  # the fake completes after one pending poll
    assert slept.calls[-1] == 0.25
    row = table.row("Write docs")
    row.update({"Status": "Done"}, wait=True)
    assert table.row(row.id)["Status"] == "Done"
    upserted = table.upsert([{"Name": "Write docs", "Status": "Blocked"}], key_columns=["Name"], wait=True)
    assert upserted.added_row_ids == ()  # matched, so updated, not added
    assert [r["Status"] for r in table.rows(where={"Name": "Write docs"})] == ["Blocked"]
    row.delete(wait=True)
    with pytest.raises(CodaNotFoundError):
        table.row(row.id)
    ids = [r.id for r in table.rows(where={"Status": "Active"})]
    deleted = table.delete_rows(ids, wait=True)
    assert set(deleted.row_ids) == set(ids)
    assert list(table.rows(where={"Status": "Active"})) == []


def test_wait_times_out_with_a_mutation_error(server: FakeCodaServer, fake: FakeCoda) -> None:
    fake.mutation_polls = 10**6
    seed_demo(fake)
    with CodaClient(TOKEN, base_url=server.base_url, sleep=lambda _: None) as coda:
        mutation = coda.insert_rows("doc-id", "grid-xxx", [{"Name": "x"}])
        with pytest.raises(CodaMutationError, match="still pending") as caught:
            mutation.wait(timeout=0)
    assert caught.value.request_ids == mutation.request_ids


def test_pages_create_update_delete(coda: CodaClient, fake: FakeCoda) -> None:
    seeded = seed_demo(fake)
    created = coda.create_page(seeded.id, "Launch", subtitle="Q3", markdown="# Plan", wait=True)
    page_id = created.page_id
    assert page_id is not None and created.row_ids == ()
    assert coda.get_page(seeded.id, page_id).name == "Launch"
    assert seeded.page(page_id) is not None and seeded.page(page_id).content == "# Plan"  # type: ignore[union-attr]
    coda.update_page(seeded.id, page_id, name="Launch v2", html="<p>more</p>", wait=True)
    assert coda.get_page(seeded.id, page_id).name == "Launch v2"
    coda.delete_page(seeded.id, page_id, wait=True)
    with pytest.raises(CodaNotFoundError):
        coda.get_page(seeded.id, page_id)


def test_docs_create_update_delete_then_gone(coda: CodaClient) -> None:
    doc = coda.create_doc("Scratch")
    updated = coda.update_doc(doc.id, title="Scratch 2")
    assert updated.name == "Scratch 2" and coda.get_doc(doc.id).name == "Scratch 2"
    coda.delete_doc(doc.id)
    with pytest.raises(CodaGoneError):
        coda.get_doc(doc.id)


def test_permissions_and_sharing(coda: CodaClient, fake: FakeCoda) -> None:
    doc = coda.get_doc(seed_demo(fake).id)
    coda.add_permission(doc.id, access="readonly", email="bob@example.com")
    coda.add_permission(doc.id, access="comment", anyone=True)
    permissions = list(doc.permissions())
    assert [p.access for p in permissions] == ["readonly", "comment"]
    coda.delete_permission(doc.id, permissions[0].id)
    assert [p.access for p in doc.permissions()] == ["comment"]
    assert coda.get_sharing_metadata(doc.id).can_share is True
    assert coda.update_acl_settings(doc.id, allow_copying=False).allow_copying is False
    assert coda.get_acl_settings(doc.id).allow_copying is False


def test_account_links_and_buttons(coda: CodaClient, fake: FakeCoda) -> None:
    seeded = seed_demo(fake)
    assert coda.whoami().login_id == "ada@example.com"
    link = coda.resolve_browser_link(seeded.browser_link())
    assert link.resource.id == seeded.id
    tasks = seeded.tables[0]
    button = tasks.add_column("Approve", "button")
    row = coda.doc(seeded.id).table("Tasks").row("Task 1")
    row.push_button("Approve", wait=True)
    assert tasks.rows[0].values[button.id] == 1


@pytest.mark.parametrize(
    ("arrange", "error"),
    [
        ("bad-token", CodaAuthenticationError),
        ("read-only", CodaForbiddenError),
        ("missing", CodaNotFoundError),
        ("deleted", CodaGoneError),
        ("bad-query", CodaValidationError),
        ("rate-limited", CodaRateLimitError),
        ("server-error", CodaServerError),
    ],
)
def test_each_error_status_raises_its_exception(
    server: FakeCodaServer, validating: ValidatingTransport, fake: FakeCoda, arrange: str, error: type[Exception]
) -> None:
    seeded = seed_demo(fake)
    token = "wrong" if arrange == "bad-token" else TOKEN
    with CodaClient(token, base_url=server.base_url, transport=validating, max_retries=0) as coda:
        if arrange == "read-only":
            seeded.read_only = True
        if arrange == "deleted":
            coda.delete_doc("doc-id")
        if arrange in ("rate-limited", "server-error"):
            fake.fail_next(429 if arrange == "rate-limited" else 500, retry_after=1)
        with pytest.raises(error) as caught:
            if arrange == "read-only":
                coda.insert_rows("doc-id", "grid-xxx", [{"Name": "x"}])
            elif arrange == "missing":
                coda.get_table("doc-id", "grid-nope")
            elif arrange == "bad-query":
                coda.list_rows("doc-id", "grid-xxx", query='"Nope":1')
            else:
                coda.get_doc("doc-id")
    assert TOKEN not in str(caught.value)


def test_transient_failures_are_retried_transparently(coda: CodaClient, fake: FakeCoda, slept: SleepRecorder) -> None:
    seed_demo(fake)
    fake.fail_next(503, times=2, match="GET /docs/doc-id")
    assert coda.get_doc("doc-id").name == "Product Roadmap"
    fake.fail_next(429, retry_after=1.5, match="GET /docs/doc-id")
    assert coda.get_doc("doc-id").name == "Product Roadmap"
    assert 1.5 in slept.calls


def test_an_insert_is_never_replayed_after_the_server_may_have_applied_it(coda: CodaClient, fake: FakeCoda) -> None:
    seeded = seed_demo(fake)
    fake.fail_next(500, match="POST /docs/doc-id/tables", after_apply=True)
    with pytest.raises(CodaServerError):
        coda.insert_rows("doc-id", "grid-xxx", [{"Name": "Once"}])
    assert [r.values for r in seeded.tables[0].rows].count({seeded.tables[0].columns[0].id: "Once"}) == 1


def test_an_upsert_with_key_columns_is_replayed_safely(coda: CodaClient, fake: FakeCoda) -> None:
    seeded = seed_demo(fake)
    fake.fail_next(500, match="POST /docs/doc-id/tables", after_apply=True)
    coda.upsert_rows("doc-id", "grid-xxx", [{"Name": "Twice", "Status": "Active"}], key_columns=["Name"])
    name_column = seeded.tables[0].columns[0].id
    assert sum(1 for r in seeded.tables[0].rows if r.values[name_column] == "Twice") == 1


def test_many_rows_iterate_lazily_across_pages(coda: CodaClient, fake: FakeCoda) -> None:
    doc = fake.add_doc("Big")
    table = doc.add_table("Numbers", ["Name", "N"])
    for i in range(2500):
        table.add_row({"Name": f"r{i}", "N": i})
    before = len(fake.log)
    rows = coda.doc(doc.id).table("Numbers").rows(page_size=100)
    fetched = len(fake.log) - before  # get_table + the first page
    assert len(rows.items) == 100 and rows.has_next_page()
    iterator = iter(rows)
    first = [next(iterator) for _ in range(150)]
    assert len(fake.log) - before == fetched + 1  # only one more page fetched for 150 rows
    rest = list(iterator)
    values = [r["N"] for r in first + rest]
    assert values == list(range(2500))
    assert len(fake.log) - before == fetched + 24


def test_a_bulk_upsert_respects_rate_limits_without_a_single_429(server: FakeCodaServer, fake: FakeCoda) -> None:
    # The fake enforces Coda's published limits on the wall clock; the client's limiter must
    # keep every request inside them, so no 429 is ever answered (not just none surfaced).
    doc = fake.add_doc("Bulk")
    doc.add_table("Items", ["Name", "Qty"])
    rows: list[dict[str, str | int]] = [{"Name": f"item-{i}", "Qty": i} for i in range(10_000)]
    with CodaClient(TOKEN, base_url=server.base_url, rate_limits=RateLimits()) as coda:
        mutation = coda.upsert_rows(doc.id, "Items", rows, key_columns=["Name"], batch_rows=500)
    assert len(mutation.request_ids) == 20
    assert len(doc.tables[0].rows) == 10_000
    assert 429 not in fake.status_counts()


def test_a_bulk_upsert_is_as_few_requests_as_the_request_size_limit_allows(
    server: FakeCodaServer, fake: FakeCoda
) -> None:
    doc = fake.add_doc("Bulk")
    doc.add_table("Items", ["Name", "Qty"])
    rows: list[dict[str, str | int]] = [{"Name": f"item-{i}", "Qty": i} for i in range(10_000)]
    before = len(fake.log)
    with CodaClient(TOKEN, base_url=server.base_url) as coda:
        mutation = coda.upsert_rows(doc.id, "Items", rows, key_columns=["Name"])
    assert len(mutation.request_ids) == 1 and len(fake.log) - before == 1  # 10,000 narrow rows: one request
    assert len(doc.tables[0].rows) == 10_000


def test_operations_outside_the_facade_use_the_same_auth_limits_and_errors(coda: CodaClient, fake: FakeCoda) -> None:
    from codomyrmex_coda_api.api.docs import get_doc
    from codomyrmex_coda_api.api.packs import list_packs

    seed_demo(fake)
    response = get_doc.sync_detailed("doc-id", client=coda.api)  # authenticated by our client
    assert response.status_code == 200 and response.parsed is not None
    assert response.parsed.name == "Product Roadmap"  # type: ignore[union-attr]
    with pytest.raises(CodaNotFoundError):  # the fake has no packs: our error, not a None
        list_packs.sync_detailed(client=coda.api)


def test_a_bulk_write_failing_part_way_reports_what_was_accepted(coda: CodaClient, fake: FakeCoda) -> None:
    seeded = seed_demo(fake)
    # The three batches (500, 500, 200 rows) go one after another; the second is refused, so
    # the third is never sent.
    fake.fail_next(403, match="POST /docs/doc-id/tables", skip=1)
    sent: list[tuple[int, int]] = []
    rows = [{"Name": f"bulk-{i}"} for i in range(1200)]
    with pytest.raises(CodaPartialWriteError) as caught:
        coda.insert_rows(
            "doc-id", "grid-xxx", rows, progress=lambda done, total: sent.append((done, total)), batch_rows=500
        )
    error = caught.value
    assert isinstance(error.__cause__, CodaForbiddenError)
    accepted = [i for span in error.accepted_rows for i in span]
    refused = [i for span in error.not_applied_rows for i in span]
    assert error.maybe_applied_rows == ()  # a 403 is a refusal: nothing of that batch was written
    assert accepted == list(range(500)) and refused == list(range(500, 1200))
    name = seeded.tables[0].columns[0].id
    assert {row.values[name] for row in seeded.tables[0].rows[5:]} == {f"bulk-{i}" for i in accepted}
    assert error.rows_accepted == len(accepted) == len(error.row_ids) and len(error.request_ids) == 1
    assert [done for done, _ in sent] == sorted({done for done, _ in sent})  # grows with every call
    assert sent[-1] == (error.rows_accepted, 1200)


def test_bulk_write_progress_reaches_the_total(coda: CodaClient, fake: FakeCoda) -> None:
    seed_demo(fake)
    sent: list[tuple[int, int]] = []
    table = coda.doc("doc-id").table("Tasks")
    table.upsert(
        [{"Name": f"p{i}"} for i in range(1100)],
        key_columns=["Name"],
        progress=lambda d, t: sent.append((d, t)),
        batch_rows=500,
    )
    done = [d for d, total in sent if total == 1100]
    assert len(done) == len(sent) == 3 and done[-1] == 1100
    steps = [b - a for a, b in zip([0, *done], done, strict=False)]
    assert sorted(steps) == [100, 500, 500]  # one call per accepted batch, growing every time
