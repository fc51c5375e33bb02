"""The bridge's edges, in-process against the fake Coda API: formats, filters, refusals,
and nothing left behind when an export or import fails part-way."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from codomyrmex_cloud import CodaClient, CodaForbiddenError, CodaNotFoundError, RateLimits, Table
from codomyrmex_cloud.bridge import BridgeError, export_table, find_doc, import_rows
from codomyrmex_cloud.bridge.cells import cell_text, writable_value
from codomyrmex_cloud.testing import FakeCoda, seed_demo
from codomyrmex_cloud.testing.coda_limits import FakeLimits

TOKEN = "bridge-token"


@pytest.fixture
def fake() -> FakeCoda:
    fake = FakeCoda(token=TOKEN, rate_limits=FakeLimits.off())
    seed_demo(fake)
    return fake


@pytest.fixture
def client(fake: FakeCoda) -> Iterator[CodaClient]:
    with CodaClient(
        TOKEN,
        base_url=FakeCoda.BASE_URL,
        transport=fake.transport(),
        rate_limits=RateLimits.disabled(),
        sleep=lambda seconds: None,
    ) as coda:
        yield coda


@pytest.fixture
def tasks(client: CodaClient) -> Table:
    return client.get_doc("doc-id").table("Tasks")


def test_export_formats_filters_and_progress(tasks: Table) -> None:
    out = io.BytesIO()
    seen: list[tuple[int, int | None]] = []
    result = export_table(tasks, out, progress=lambda done, total: seen.append((done, total)))
    assert (result.rows, result.format, result.columns) == (5, "csv", ("Name", "Status", "Owner"))
    assert out.getvalue().decode().splitlines()[:2] == ["Name,Status,Owner", "Task 1,Active,ada@example.com"]
    assert seen[-1] == (5, 5)

    out = io.BytesIO()
    export_table(tasks, out, format="jsonl", where={"Status": "Active", "Name": "Task 3"})
    assert [json.loads(line)["Name"] for line in out.getvalue().splitlines()] == ["Task 3"]
    out = io.BytesIO()
    assert export_table(tasks, out, format="jsonl", query='Status = "Active"', max_rows=2).rows == 2


def test_export_format_comes_from_the_extension(tasks: Table, tmp_path: Path) -> None:
    assert export_table(tasks, tmp_path / "t.jsonl").format == "jsonl"
    assert export_table(tasks, str(tmp_path / "t.PARQUET")).format == "parquet"
    with pytest.raises(BridgeError, match="folder or prefix"):
        export_table(tasks, str(tmp_path))
    with pytest.raises(BridgeError, match="unknown format 'xml'"):
        export_table(tasks, tmp_path / "t.xml", format="xml")  # type: ignore[arg-type]


def test_a_failed_export_leaves_no_file(fake: FakeCoda, tasks: Table, tmp_path: Path) -> None:
    table = fake.docs["doc-id"].table("Tasks")
    assert table is not None
    for i in range(1100):  # several pages of the default (largest) page size
        table.add_row({"Name": f"Extra {i}", "Status": "Active"})
    fake.fail_next(403, match="/rows", skip=1)  # the second page is refused
    with pytest.raises(CodaForbiddenError):
        export_table(tasks, tmp_path / "partial.csv")
    assert list(tmp_path.iterdir()) == []


def test_import_checks_the_header_and_key_columns_before_sending(fake: FakeCoda, tasks: Table) -> None:
    before = len(fake.log)
    with pytest.raises(BridgeError, match="no column 'Colour'"):
        import_rows(tasks, io.BytesIO(b"Name,Colour\nx,red\n"))
    with pytest.raises(BridgeError, match="key column"):
        import_rows(tasks, io.BytesIO(b"Status\nDone\n"), key_columns=["Name"])
    with pytest.raises(BridgeError, match="no column 'Nope'"):
        import_rows(tasks, io.BytesIO(b"Name\nx\n"), key_columns=["Nope"])
    with pytest.raises(BridgeError, match="repeats 'Name'"):
        import_rows(tasks, io.BytesIO(b"Name,Name\nx,y\n"))
    with pytest.raises(BridgeError, match="empty"):
        import_rows(tasks, io.BytesIO(b""))
    with pytest.raises(BridgeError, match="line 2: not valid CSV"):  # a quote never closed
        import_rows(tasks, io.BytesIO(b'Name,Status\n"unterminated,Active\n'))
    assert all(method == "GET" for method, _, _ in fake.log[before:])


def test_import_reports_rows_already_sent_when_a_later_line_is_bad(fake: FakeCoda, tasks: Table) -> None:
    lines = b"".join(b'{"Name": "N%d"}\n' % i for i in range(3)) + b"not json\n"
    with pytest.raises(BridgeError, match=r"line 4: not JSON.*2 rows had been sent") as caught:
        import_rows(tasks, io.BytesIO(lines), format="jsonl", batch_rows=2)
    assert caught.value.rows_written == 2  # one batch of two went; the third row was waiting


def test_import_skips_formula_columns_and_waits(fake: FakeCoda, tasks: Table) -> None:
    table = fake.docs["doc-id"].table("Tasks")
    assert table is not None
    table.add_column("Age").calculated = True
    data = b'{"Name": "Task 1", "Status": "Done", "Age": 3}\n{"Name": "New", "Status": null, "Age": 1}\n'
    result = import_rows(tasks, io.BytesIO(data), format="jsonl", key_columns=["Name"])
    assert (result.rows, result.skipped_columns, result.waited, result.key_columns) == (2, ("Age",), True, ("Name",))
    names = {c.id: c.name for c in table.columns}
    rows = [{names[k]: v for k, v in row.values.items()} for row in table.rows]
    assert rows[0]["Status"] == "Done" and rows[-1] == {"Name": "New", "Status": ""}


def test_import_leaves_the_callers_stream_open(tasks: Table) -> None:
    stream = io.BytesIO(b"Name,Status\nTask 1,Done\n")
    import_rows(tasks, stream, key_columns=["Name"])
    assert not stream.closed


def test_find_doc_by_id_name_case_and_link(client: CodaClient, fake: FakeCoda) -> None:
    assert find_doc(client, "doc-id").name == "Product Roadmap"
    assert find_doc(client, "Product Roadmap").id == "doc-id"
    assert find_doc(client, "product roadmap").id == "doc-id"
    assert find_doc(client, "https://coda.io/d/Roadmap_ddoc-id").id == "doc-id"
    with pytest.raises(CodaNotFoundError, match="coda docs"):
        find_doc(client, "Nothing like it")
    fake.add_doc("product roadmap")
    assert find_doc(client, "Product Roadmap").id == "doc-id"  # the exact name wins
    fake.add_doc("Product Roadmap")
    with pytest.raises(BridgeError, match="2 docs are named"):
        find_doc(client, "Product Roadmap")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "true"),
        (3, "3"),
        (2.5, "2.5"),
        (["a", ["b", 1]], "a, b, 1"),
        ({"@type": "MonetaryAmount", "currency": "EUR", "amount": 9}, "9 EUR"),
        ({"@type": "WebPage", "url": "https://x.example", "name": "X"}, "X"),
        ({"@type": "Unknown", "value": 1}, '{"@type": "Unknown", "value": 1}'),
    ],
)
def test_display_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_writable_values() -> None:
    person = {"@type": "Person", "name": "Ada", "email": "ada@example.com"}
    assert writable_value([person, ["x", None]], column="c", where="line 2") == ["ada@example.com", ["x", ""]]
    with pytest.raises(BridgeError, match="line 2: column 'c'"):
        writable_value(math.nan, column="c", where="line 2")
    with pytest.raises(BridgeError, match="not a value Coda accepts"):
        writable_value({"nested": {"deep": 1}}, column="c", where="line 3")
    with pytest.raises(BridgeError, match="not a value Coda accepts"):
        writable_value([[[1]]], column="c", where="line 4")
