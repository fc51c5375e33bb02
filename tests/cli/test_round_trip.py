"""Export a 2,500-row table and import it back through the command line: every row and
every value survives (as text through CSV, exactly through JSON Lines, typed in Parquet)."""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow.parquet as pq

from codomyrmex_cloud.bridge.cells import cell_text
from codomyrmex_cloud.testing import FakeCoda
from codomyrmex_cloud.testing.coda_state import TableState
from tests.support.cli import CLI

COLUMNS = ["Name", "Text", "Count", "Score", "Done", "Tags"]
TRICKY = [
    "plain",
    "",
    "comma, inside",
    'quote " inside',
    "line\nbreak",
    "crlf\r\nbreak",
    "  padded  ",
    "=1+1",
    "ünïcødé ✓ 中文",
    "tab\tinside",
    "null",
    "-",
]


def fill(table: TableState, rows: int, seed: int) -> None:
    rng = random.Random(seed)
    for i in range(rows):
        table.add_row(
            {
                "Name": f"row-{i:05d}",
                "Text": rng.choice(TRICKY) + ("" if i % 3 else f" #{i}"),
                "Count": rng.randint(-1000, 10**9),
                "Score": round(rng.uniform(-1, 1), 6),
                "Done": rng.random() < 0.5,
                "Tags": [rng.choice("abc"), rng.choice("xyz")] if i % 2 else [],
            }
        )


def values(table: TableState) -> list[dict[str, object]]:
    names = {c.id: c.name for c in table.columns}
    return [{names[k]: v for k, v in row.values.items()} for row in table.rows]


def test_2500_rows_through_csv_and_back(cli: CLI, coda_fake: FakeCoda, workdir: Path) -> None:
    doc = coda_fake.docs["doc-id"]
    source = doc.add_table("Big", COLUMNS)
    fill(source, 2500, seed=7)
    target = doc.add_table("Big copy", COLUMNS)

    assert "exported 2500 rows of Big" in cli.run("coda", "export", "doc-id", "Big", "big.csv").out
    assert (
        "imported 2500 rows into Big copy (inserted" in cli.run("coda", "import", "doc-id", "Big copy", "big.csv").out
    )

    original, copied = values(source), values(target)
    assert len(copied) == 2500
    # CSV carries display text: every cell comes back as exactly that text.
    assert copied == [{name: cell_text(row[name]) for name in COLUMNS} for row in original]

    # Importing the same file again with a key column updates in place: still 2,500 rows.
    cli.run("coda", "import", "doc-id", "Big copy", "big.csv", "--key-column", "Name")
    assert len(target.rows) == 2500 and values(target) == copied


def test_json_lines_and_parquet_keep_types(cli: CLI, coda_fake: FakeCoda, workdir: Path) -> None:
    doc = coda_fake.docs["doc-id"]
    source = doc.add_table("Typed", COLUMNS)
    fill(source, 300, seed=11)
    target = doc.add_table("Typed copy", COLUMNS)

    cli.run("mb", "local://rtrip")
    cli.run("coda", "export", "doc-id", "Typed", "local://rtrip/typed.jsonl")
    cli.run("coda", "import", "doc-id", "Typed copy", "local://rtrip/typed.jsonl")
    assert values(target) == values(source)  # numbers, booleans and lists exactly

    cli.run("coda", "export", "doc-id", "Typed", "typed.parquet")
    table = pq.read_table(workdir / "typed.parquet")
    assert table.num_rows == 300 and table.column_names == COLUMNS
    assert table.column("Name").to_pylist() == [row["Name"] for row in values(source)]
    # The fake's columns are text columns: Parquet holds each value as text (lists as JSON).
    assert table.column("Done").to_pylist()[:3] == [cell_text(row["Done"]) for row in values(source)[:3]]
