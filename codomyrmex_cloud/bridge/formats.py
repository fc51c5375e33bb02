"""Row formats: writing pages of rows as CSV, JSON Lines, a JSON array or Parquet, and
reading rows back from CSV or JSON Lines, all as streams (one page or line at a time).

Writers take rows as mappings of column name to cell value and write bytes to any sink
with a ``write(bytes)`` method. CSV holds each cell's display text; JSON forms keep values
as Coda returned them (:func:`codomyrmex_cloud.bridge.cells.cell_json`). Parquet lives in
:mod:`codomyrmex_cloud.bridge.parquet` (it needs the ``parquet`` extra).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Literal, Protocol, get_args

from codomyrmex_cloud.bridge.cells import cell_json, cell_text
from codomyrmex_cloud.bridge.errors import BridgeError

ExportFormat = Literal["csv", "jsonl", "parquet"]
ImportFormat = Literal["csv", "jsonl"]
#: Everything ``coda rows`` can print (``table`` is a rich table, terminal only).
RowsFormat = Literal["table", "csv", "json", "jsonl"]

_EXTENSIONS: Mapping[str, ExportFormat] = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}


class ByteSink(Protocol):
    """Where a writer's bytes go: a binary file, stdout's buffer, an object writer."""

    def write(self, data: bytes, /) -> int | None:
        """Write all of ``data``."""


def format_from_name(name: str) -> ExportFormat | None:
    """The format a file name's extension implies, if any."""
    return _EXTENSIONS.get(os.path.splitext(name)[1].lower())


def check_format(value: str, allowed: tuple[str, ...], argument: str) -> None:
    """Refuse a format name not in ``allowed``, naming the argument."""
    if value not in allowed:
        raise BridgeError(f"{argument}: unknown format {value!r}; use one of {', '.join(allowed)}")


class RowWriter(Protocol):
    """Writes pages of rows; ``close`` finishes the file (header-only when no rows came)."""

    def write_rows(self, rows: Sequence[Mapping[str, object]]) -> None:
        """Write one page of rows (mappings of column name to cell value)."""

    def close(self) -> None:
        """Finish the file (a footer, a closing bracket); the sink itself stays open."""


class CsvWriter:
    """CSV with a header of column names; every cell is its display text (RFC 4180 quoting)."""

    def __init__(self, sink: ByteSink, columns: Sequence[str]) -> None:
        self._sink = sink
        self._columns = list(columns)
        self._emit([self._columns])

    def _emit(self, lines: list[list[str]]) -> None:
        text = io.StringIO()
        csv.writer(text, lineterminator="\r\n").writerows(lines)
        self._sink.write(text.getvalue().encode("utf-8"))

    def write_rows(self, rows: Sequence[Mapping[str, object]]) -> None:
        """Write one page of rows."""
        self._emit([[cell_text(row.get(name)) for name in self._columns] for row in rows])

    def close(self) -> None:
        """Nothing to finish: every row is complete as written."""


class JsonLinesWriter:
    """One JSON object per line, keyed by column name, values as Coda returned them."""

    def __init__(self, sink: ByteSink, columns: Sequence[str]) -> None:
        self._sink = sink
        self._columns = list(columns)

    def write_rows(self, rows: Sequence[Mapping[str, object]]) -> None:
        """Write one page of rows."""
        lines = "".join(
            json.dumps({name: cell_json(row.get(name)) for name in self._columns}, ensure_ascii=False) + "\n"
            for row in rows
        )
        self._sink.write(lines.encode("utf-8"))

    def close(self) -> None:
        """Nothing to finish: every line is complete as written."""


class JsonArrayWriter:
    """One JSON array of objects, streamed: ``[`` first, ``]`` on close."""

    def __init__(self, sink: ByteSink, columns: Sequence[str]) -> None:
        self._sink = sink
        self._columns = list(columns)
        self._first = True
        self._sink.write(b"[")

    def write_rows(self, rows: Sequence[Mapping[str, object]]) -> None:
        """Write one page of rows."""
        parts = []
        for row in rows:
            item = json.dumps({name: cell_json(row.get(name)) for name in self._columns}, ensure_ascii=False)
            parts.append(("\n" if self._first else ",\n") + item)
            self._first = False
        self._sink.write("".join(parts).encode("utf-8"))

    def close(self) -> None:
        """Close the array."""
        self._sink.write(b"]\n" if self._first else b"\n]\n")


def row_writer(
    fmt: RowsFormat | ExportFormat, sink: ByteSink, columns: Sequence[str], types: Sequence[str]
) -> RowWriter:
    """A writer of ``fmt`` into ``sink``.

    Args:
        fmt: ``csv``, ``jsonl``, ``json`` or ``parquet``.
        sink: Where the bytes go.
        columns: Column names, in order.
        types: Coda's format type of each column (Parquet's schema comes from them).

    Raises:
        BridgeError: An unknown format.
        ImportError: Parquet without pyarrow (``pip install 'codomyrmex-cloud[parquet]'``).
    """
    if fmt == "csv":
        return CsvWriter(sink, columns)
    if fmt == "jsonl":
        return JsonLinesWriter(sink, columns)
    if fmt == "json":
        return JsonArrayWriter(sink, columns)
    if fmt == "parquet":
        from codomyrmex_cloud.bridge.parquet import ParquetRowWriter

        return ParquetRowWriter(sink, columns, types)
    raise BridgeError(f"unknown format {fmt!r}; use one of {', '.join(get_args(ExportFormat))}")


# Reading ----------------------------------------------------------------------------------

#: One record read from a source: where it came from (``line 7``) and its fields.
Record = tuple[str, dict[str, object]]


def read_csv(stream: io.BufferedIOBase | io.RawIOBase) -> tuple[list[str], Iterator[Record]]:
    """The header and the records of a CSV file (UTF-8, an optional BOM), read lazily.

    Raises:
        BridgeError: No header, a repeated column name, or (while iterating) a line with
            more fields than the header.
    """
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")  # type: ignore[type-var]
    reader = csv.reader(text, strict=True)  # an unterminated quote is an error, not one long field
    try:
        header = next(reader)
    except StopIteration:
        text.detach()
        raise BridgeError("the CSV source is empty: it needs a header of column names") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        text.detach()
        raise BridgeError(f"line 1: not valid CSV: {exc}") from None
    repeated = sorted({name for name in header if header.count(name) > 1})
    if not header or any(not name for name in header) or repeated:
        text.detach()
        if repeated:
            raise BridgeError(f"line 1: the CSV header repeats {', '.join(map(repr, repeated))}")
        raise BridgeError("line 1: the CSV header has an empty column name")

    def records() -> Iterator[Record]:
        try:
            for fields in reader:
                where = f"line {reader.line_num}"
                if not fields:
                    continue  # a blank line
                if len(fields) > len(header):
                    raise BridgeError(f"{where}: {len(fields)} fields but the header has {len(header)}")
                yield where, dict(zip(header, fields, strict=False))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise BridgeError(f"line {reader.line_num}: not valid CSV: {exc}") from None
        finally:
            text.detach()  # the caller's stream stays open: closing it is the caller's

    return header, records()


def refuse_constant(name: str) -> float:
    """``parse_constant`` for ``json.loads``: Python's json takes NaN and Infinity, JSON does not."""
    raise ValueError(f"{name} is not JSON")


def read_jsonl(stream: io.BufferedIOBase | io.RawIOBase) -> Iterator[Record]:
    """The records of a JSON Lines file (one object per line; blank lines skipped), lazily.

    Raises:
        BridgeError: A line that is not a JSON object.
    """
    for number, raw in enumerate(stream, start=1):
        line = raw.strip()
        if not line:
            continue
        where = f"line {number}"
        try:
            record = json.loads(line, parse_constant=refuse_constant)
        except ValueError as exc:
            raise BridgeError(f"{where}: not JSON: {exc}") from None
        if not isinstance(record, dict):
            raise BridgeError(f"{where}: expected a JSON object of column to value, got {type(record).__name__}")
        yield where, record
