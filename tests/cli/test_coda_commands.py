"""``codomyrmex-cloud coda ...`` against the fake Coda API, through the real entry point."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq

from codomyrmex_cloud.testing import FakeCoda
from tests.support.cli import CLI

DOC = "Product Roadmap"


def jsonl(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def statuses(fake: FakeCoda) -> dict[str, str]:
    table = fake.docs["doc-id"].table("Tasks")
    assert table is not None
    names = {c.id: c.name for c in table.columns}
    return {
        str(row.values[table.columns[0].id]): str({names[k]: v for k, v in row.values.items()}.get("Status"))
        for row in table.rows
    }


def test_whoami_docs_tables_and_columns(cli: CLI) -> None:
    assert jsonl(cli.run("coda", "whoami").out) == [
        {"name": "Ada Lovelace", "loginId": "ada@example.com", "workspace": "ws-fake", "scoped": False}
    ]
    docs = jsonl(cli.run("coda", "docs").out)
    assert [d["name"] for d in docs] == ["Product Roadmap", "Team Wiki"]
    assert [d["name"] for d in jsonl(cli.run("coda", "docs", "--query", "wiki").out)] == ["Team Wiki"]
    by_name = jsonl(cli.run("coda", "tables", DOC).out)
    assert (
        by_name
        == jsonl(cli.run("coda", "tables", "doc-id").out)
        == [{"id": "grid-xxx", "name": "Tasks", "type": "table"}]
    )
    columns = cli.run("coda", "columns", DOC, "Tasks", "--format", "csv").out
    rows = list(csv.DictReader(io.StringIO(columns)))
    assert [(r["name"], r["type"], r["calculated"]) for r in rows] == [
        ("Name", "text", "false"),
        ("Status", "text", "false"),
        ("Owner", "text", "false"),
    ]


def test_rows_filters_and_formats(cli: CLI) -> None:
    active = jsonl(cli.run("coda", "rows", DOC, "Tasks", "--where", "Status=Active").out)
    assert [r["Name"] for r in active] == ["Task 1", "Task 3", "Task 5"]
    assert active[0] == {"Name": "Task 1", "Status": "Active", "Owner": "ada@example.com"}
    # The first condition goes to Coda, the second is checked on each row.
    both = jsonl(
        cli.run("coda", "rows", "doc-id", "grid-xxx", "--where", "Status=Active", "--where", "Name=Task 3").out
    )
    assert [r["Name"] for r in both] == ["Task 3"]
    blocked = jsonl(cli.run("coda", "rows", DOC, "Tasks", "--query", 'Status = "Blocked"').out)
    assert [r["Name"] for r in blocked] == ["Task 4"]
    assert len(jsonl(cli.run("coda", "rows", DOC, "Tasks", "--max", "2").out)) == 2

    as_json = json.loads(cli.run("coda", "rows", DOC, "Tasks", "--format", "json", "--max", "2").out)
    assert as_json == [
        {"Name": "Task 1", "Status": "Active", "Owner": "ada@example.com"},
        {"Name": "Task 2", "Status": "Done", "Owner": "ada@example.com"},
    ]
    as_csv = cli.run("coda", "rows", DOC, "Tasks", "--format", "csv", "--where", "Status=Done").out
    assert as_csv.splitlines() == ["Name,Status,Owner", "Task 2,Done,ada@example.com"]


def test_a_second_where_treats_an_empty_cell_as_no_match_and_refuses_an_unknown_column(
    cli: CLI, coda_fake: FakeCoda
) -> None:
    table = coda_fake.docs["doc-id"].table("Tasks")
    assert table is not None
    table.add_row({"Name": "No owner", "Status": "Active"})  # Owner left out, as an import can
    rows = jsonl(
        cli.run("coda", "rows", DOC, "Tasks", "--where", "Status=Active", "--where", "Owner=ada@example.com").out
    )
    assert [r["Name"] for r in rows] == ["Task 1", "Task 3", "Task 5"]
    failed = cli.run("coda", "rows", DOC, "Tasks", "--where", "Status=Active", "--where", "Colour=red", expect=2)
    assert "no column 'Colour'" in failed.stderr and failed.stdout == b""


def test_rich_values_are_text_in_csv_and_json_in_jsonl(cli: CLI, coda_fake: FakeCoda) -> None:
    table = coda_fake.docs["doc-id"].add_table("Budget", ["Item", "Cost", "Lead", "Tags"])
    table.add_row(
        {
            "Item": "Servers, racks",
            "Cost": {"@context": "http://schema.org/", "@type": "MonetaryAmount", "currency": "USD", "amount": 12.5},
            "Lead": {"@context": "http://schema.org/", "@type": "Person", "name": "Ada", "email": "ada@example.com"},
            "Tags": ["infra", "q3"],
        }
    )
    as_csv = list(csv.reader(io.StringIO(cli.run("coda", "rows", DOC, "Budget", "--format", "csv").out)))
    assert as_csv == [["Item", "Cost", "Lead", "Tags"], ["Servers, racks", "12.5 USD", "Ada", "infra, q3"]]
    (row,) = jsonl(cli.run("coda", "rows", DOC, "Budget").out)
    assert row["Cost"] == {
        "@context": "http://schema.org/",
        "@type": "MonetaryAmount",
        "currency": "USD",
        "amount": 12.5,
    }
    assert row["Lead"] == {
        "@context": "http://schema.org/",
        "@type": "Person",
        "name": "Ada",
        "email": "ada@example.com",
    }
    assert row["Tags"] == ["infra", "q3"]


def test_export_to_files_stores_and_stdout(cli: CLI, workdir: Path, buckets: dict[str, str]) -> None:
    done = cli.run("coda", "export", DOC, "Tasks", "tasks.csv")
    assert "exported 5 rows of Tasks to tasks.csv (csv)" in done.out
    exported = list(csv.DictReader(io.StringIO((workdir / "tasks.csv").read_text())))
    assert [r["Name"] for r in exported] == [f"Task {i}" for i in range(1, 6)]

    cli.run("mb", "local://exports")
    cli.run("coda", "export", DOC, "Tasks", "local://exports/tasks.jsonl", "--where", "Status=Active")
    assert [r["Name"] for r in jsonl(cli.run("cat", "local://exports/tasks.jsonl").out)] == [
        "Task 1",
        "Task 3",
        "Task 5",
    ]

    s3 = buckets["s3"]
    cli.run("coda", "export", DOC, "Tasks", f"{s3}/exports/tasks.parquet")
    cli.run("cp", f"{s3}/exports/tasks.parquet", "back.parquet")
    table = pq.read_table(workdir / "back.parquet")
    assert table.column_names == ["Name", "Status", "Owner"]
    assert table.column("Status").to_pylist() == ["Active", "Done", "Active", "Blocked", "Active"]

    stdout = cli.run("coda", "export", DOC, "Tasks", "-", "--format", "jsonl", "--max", "1")
    assert jsonl(stdout.out) == [{"Name": "Task 1", "Status": "Active", "Owner": "ada@example.com"}]
    assert "exported 1 rows" in stdout.stderr  # the summary stays off stdout, which carries data


def test_import_upserts_with_a_key_column_and_inserts_without(
    cli: CLI, coda_fake: FakeCoda, workdir: Path, buckets: dict[str, str]
) -> None:
    (workdir / "edited.csv").write_text("Name,Status\nTask 2,Active\nTask 4,Done\nTask 9,New\n")
    done = cli.run("coda", "import", DOC, "Tasks", "edited.csv", "--key-column", "Name")
    assert "imported 3 rows into Tasks (upserted on Name; applied by Coda)" in done.out
    assert statuses(coda_fake) == {
        "Task 1": "Active",
        "Task 2": "Active",
        "Task 3": "Active",
        "Task 4": "Done",
        "Task 5": "Active",
        "Task 9": "New",
    }
    # JSON Lines from a bucket, inserted (no key column): rows are added even if names repeat.
    lines = b'{"Name": "Task 1", "Status": "Copy"}\n\n{"Name": "Task 10", "Status": "Later", "Owner": null}\n'
    cli.run("cp", "-", f"{buckets['gs']}/new.jsonl", stdin=lines)
    assert (
        "imported 2 rows into Tasks (inserted"
        in cli.run("coda", "import", DOC, "Tasks", f"{buckets['gs']}/new.jsonl").out
    )
    table = coda_fake.docs["doc-id"].table("Tasks")
    assert table is not None and len(table.rows) == 8
    # From stdin.
    cli.run(
        "coda",
        "import",
        DOC,
        "Tasks",
        "-",
        "--format",
        "csv",
        "--key-column",
        "Name",
        stdin=b"Name,Status\nTask 10,Now\n",
    )
    assert statuses(coda_fake)["Task 10"] == "Now"


def test_import_refuses_a_column_the_table_lacks_before_sending_anything(
    cli: CLI, coda_fake: FakeCoda, workdir: Path
) -> None:
    (workdir / "bad.csv").write_text("Name,Colour\nTask 1,red\n")
    before = len(coda_fake.log)
    failed = cli.run("coda", "import", DOC, "Tasks", "bad.csv", expect=2)
    assert "the table has no column 'Colour'" in failed.stderr
    assert [m for m, _, _ in coda_fake.log[before:]] == ["GET", "GET", "GET"]  # doc, table, columns: no write


def test_delete_rows_needs_yes_off_a_terminal(cli: CLI, coda_fake: FakeCoda) -> None:
    before = len(coda_fake.log)
    refused = cli.run("coda", "delete-rows", DOC, "Tasks", "--where", "Status=Active", expect=2)
    assert "pass --yes" in refused.stderr
    assert len(coda_fake.log) == before  # refused before any request
    done = cli.run("coda", "delete-rows", DOC, "Tasks", "--where", "Status=Active", "--yes")
    assert "deleted 3 rows from Tasks" in done.out
    assert statuses(coda_fake) == {"Task 2": "Done", "Task 4": "Blocked"}
    assert "nothing deleted" in cli.run("coda", "delete-rows", DOC, "Tasks", "--where", "Status=Active", "--yes").out


def test_a_doc_name_shared_by_two_docs_is_refused(cli: CLI, coda_fake: FakeCoda) -> None:
    twin = coda_fake.add_doc(DOC)
    failed = cli.run("coda", "tables", DOC, expect=2)
    assert "doc-id" in failed.stderr and twin.id in failed.stderr and "pass the id" in failed.stderr
