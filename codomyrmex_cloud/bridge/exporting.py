"""``export_table``: a Coda table, page by page, into a file, a bucket or stdout."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from codomyrmex_cloud.bridge.endpoints import Endpoint, describe, open_sink, using
from codomyrmex_cloud.bridge.formats import ExportFormat, check_format, format_from_name, row_writer
from codomyrmex_cloud.bridge.tables import (
    Conditions,
    RowSelection,
    column_type,
    list_columns,
    row_values,
    select_pages,
)
from codomyrmex_cloud.coda._sync import Table
from codomyrmex_cloud.coda.calls import ValueFormatName
from codomyrmex_cloud.coda.query import JSONScalar
from codomyrmex_cloud.storage.urls import Stores

#: Called as ``progress(rows_done, rows_total)``; the total is None when a filter applies.
RowProgress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote.

    Attributes:
        rows: Rows written.
        columns: Column names, in the order written.
        format: ``csv``, ``jsonl`` or ``parquet``.
        destination: Where it went, as given (``stdout`` for ``-``).
    """

    rows: int
    columns: tuple[str, ...]
    format: ExportFormat
    destination: str


def resolve_export_format(dest: Endpoint, fmt: str | None) -> ExportFormat:
    """``fmt`` if given, else the one the destination's extension implies, else ``csv``.

    Raises:
        BridgeError: An unknown format name.
    """
    if fmt is not None:
        check_format(fmt, ("csv", "jsonl", "parquet"), "format")
        return fmt  # type: ignore[return-value] # checked just above
    if isinstance(dest, str | os.PathLike):
        return format_from_name(os.fspath(dest)) or "csv"
    return "csv"


def export_table(
    table: Table,
    dest: Endpoint,
    *,
    format: ExportFormat | None = None,
    query: str | None = None,
    where: Mapping[str, JSONScalar] | Conditions | None = None,
    max_rows: int | None = None,
    value_format: ValueFormatName | None = None,
    progress: RowProgress | None = None,
    stores: Stores | None = None,
) -> ExportResult:
    """Stream a table's rows into ``dest`` as CSV, JSON Lines or Parquet.

    Rows are read page by page and each page is written before the next is fetched, so
    memory holds one page (one row group for Parquet) whatever the table's size. A path or
    storage URL gets the whole file or nothing: if anything fails part-way, no partial file
    or object is left.

    Args:
        table: The table (``client.get_doc(...).table(...)``).
        dest: A path, a storage URL (``s3://``, ``gs://``, ``az://``, ``local://``,
            ``file://``), ``-`` for stdout, or an open binary file.
        format: ``csv`` (display text, a header of column names), ``jsonl`` (one object
            per row, values as Coda returned them) or ``parquet`` (needs the ``parquet``
            extra); default from the destination's extension, else ``csv``.
        query: Coda's row filter (``"Status":"Active"`` or ``Status = "Active"``).
        where: ``{column: value}`` (or ``(column, value)`` pairs) that must all hold; the
            first is sent to Coda when there is no ``query``, the rest are checked here.
        max_rows: Stop after this many rows.
        value_format: Coda's ``simple`` (default), ``simpleWithArrays`` or ``rich``.
        progress: ``progress(rows_done, rows_total)`` after each page.
        stores: How to open storage URLs (credentials, endpoints); default: from the
            environment.

    Returns:
        What was written.

    Raises:
        BridgeError: An unknown format, a destination that is a folder or prefix, or a
            value Parquet's column type cannot hold.
        InvalidArgumentError: A malformed storage URL.
        CodaError: Reading the table failed (nothing is left at the destination).
        StorageError: Writing the destination failed (nothing is left there).
    """
    fmt = resolve_export_format(dest, format)
    conditions = list(where.items()) if isinstance(where, Mapping) else list(where or ())
    selection = RowSelection(query=query, where=conditions, max_rows=max_rows, value_format=value_format)
    columns = list_columns(table)
    names = [column.name for column in columns]
    total = table.row_count if not (query or conditions) else None
    if max_rows is not None and total is not None:
        total = min(total, max_rows)
    done = 0
    with using(stores) as opened, open_sink(dest, fmt=fmt, stores=opened) as sink:
        writer = row_writer(fmt, sink, names, [column_type(c) for c in columns])
        for page in select_pages(table, selection):
            writer.write_rows([row_values(row) for row in page])
            done += len(page)
            if progress is not None:
                progress(done, total)
        writer.close()
    if progress is not None:
        progress(done, done)
    return ExportResult(rows=done, columns=tuple(names), format=fmt, destination=describe(dest, dash="stdout"))
