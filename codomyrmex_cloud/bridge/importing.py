"""``import_rows``: rows from a CSV or JSON Lines source into a Coda table, in batches."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from codomyrmex_cloud.bridge.cells import WritableValue, writable_value
from codomyrmex_cloud.bridge.endpoints import Endpoint, describe, open_source, using
from codomyrmex_cloud.bridge.errors import BridgeError
from codomyrmex_cloud.bridge.exporting import RowProgress
from codomyrmex_cloud.bridge.formats import ImportFormat, Record, check_format, format_from_name, read_csv, read_jsonl
from codomyrmex_cloud.bridge.tables import is_calculated, list_columns
from codomyrmex_cloud.coda._sync import Column, Mutation, Table
from codomyrmex_cloud.coda.errors import CodaError
from codomyrmex_cloud.storage.urls import Stores

#: Rows handed to one ``insert``/``upsert`` call (which splits them into requests by
#: Coda's size limits); this many rows are held in memory at once.
DEFAULT_BATCH_ROWS = 500


@dataclass(frozen=True)
class ImportResult:
    """What an import wrote.

    Attributes:
        rows: Rows sent to Coda (and, with ``wait``, applied by it).
        batches: ``insert``/``upsert`` calls made.
        request_ids: Coda's request id of every write request.
        key_columns: The key columns of the upsert (empty: rows were inserted).
        skipped_columns: Source columns not written because they are formula columns.
        waited: True when Coda reported every write applied before this returned.
        source: Where the rows came from, as given (``stdin`` for ``-``).
    """

    rows: int
    batches: int
    request_ids: tuple[str, ...]
    key_columns: tuple[str, ...]
    skipped_columns: tuple[str, ...]
    waited: bool
    source: str


def resolve_import_format(source: Endpoint, fmt: str | None) -> ImportFormat:
    """``fmt`` if given, else the one the source's extension implies, else ``csv``.

    Raises:
        BridgeError: An unknown format name, or a source named ``.parquet``.
    """
    if fmt is not None:
        check_format(fmt, ("csv", "jsonl"), "format")
        return fmt  # type: ignore[return-value] # checked just above
    implied = format_from_name(os.fspath(source)) if isinstance(source, str | os.PathLike) else None
    if implied == "parquet":
        raise BridgeError("import reads csv or jsonl; convert Parquet first (or pass format=)")
    return implied or "csv"


class _Columns:
    """The table's columns by name and id, and which of them can be written."""

    def __init__(self, columns: list[Column]) -> None:
        self.by_key = {c.name: c for c in columns} | {c.id: c for c in columns}
        self.names = [c.name for c in columns]

    def resolve(self, key: str, where: str) -> Column:
        column = self.by_key.get(key)
        if column is None:
            raise BridgeError(f"{where}: the table has no column {key!r} (columns: {', '.join(self.names)})")
        return column


def import_rows(
    table: Table,
    source: Endpoint,
    *,
    format: ImportFormat | None = None,
    key_columns: Sequence[str] = (),
    batch_rows: int = DEFAULT_BATCH_ROWS,
    wait: bool = True,
    timeout: float = 300.0,
    progress: RowProgress | None = None,
    stores: Stores | None = None,
) -> ImportResult:
    """Write rows from a CSV or JSON Lines source into a table: upsert or insert, in batches.

    The source is read lazily and sent ``batch_rows`` rows at a time, so memory holds one
    batch whatever its size. Columns are matched by name or id; formula columns are
    skipped (Coda refuses writes to them); a column the table lacks is refused before
    anything is sent (CSV) or when its line is reached (JSON Lines). CSV cells are sent
    as text, which Coda parses by the column's format; JSON values as they are (``null``
    becomes an empty cell, rich values their input form).

    Args:
        table: The table to write.
        source: A path, a storage URL, ``-`` for stdin, or an open binary file.
        format: ``csv`` or ``jsonl``; default from the source's extension, else ``csv``.
        key_columns: Upsert on these columns (rows whose keys match are updated, the rest
            added); empty to insert every row.
        batch_rows: Rows per write call.
        wait: Wait until Coda reports every write applied.
        timeout: Seconds to wait for that.
        progress: ``progress(rows_sent, None)`` after each batch, and
            ``progress(rows, rows)`` once done.
        stores: How to open storage URLs; default: from the environment.

    Returns:
        What was written.

    Raises:
        BridgeError: A bad format, key column, column, line or value. When raised
            part-way, ``rows_written`` says how many rows had been sent.
        CodaError: A write failed; a note on the exception says how many rows had been
            sent before it.
        StorageError: The source could not be read.
    """
    if batch_rows < 1:
        raise BridgeError(f"batch_rows must be at least 1, got {batch_rows}")
    fmt = resolve_import_format(source, format)
    columns = _Columns(list_columns(table))
    keys = [columns.resolve(key, "key column").name for key in key_columns]
    for key in keys:
        if is_calculated(columns.by_key[key]):
            raise BridgeError(f"key column {key!r} is a formula column; upserts need a column you can write")
    sent = 0
    mutations: list[Mutation] = []
    skipped: set[str] = set()

    def flush(batch: list[dict[str, WritableValue]]) -> None:
        nonlocal sent
        try:
            mutation = table.upsert(batch, key_columns=keys) if keys else table.insert(batch)
        except CodaError as exc:
            exc.add_note(f"{sent} rows had been sent before this batch of {len(batch)} failed")
            raise
        mutations.append(mutation)
        sent += len(batch)
        if progress is not None:
            progress(sent, None)

    with using(stores) as opened, open_source(source, stores=opened) as stream:
        batch: list[dict[str, WritableValue]] = []
        try:
            for where, record in _records(stream, fmt, columns, keys):
                cells: dict[str, WritableValue] = {}
                for key, value in record.items():
                    column = columns.resolve(key, where)
                    if is_calculated(column):
                        skipped.add(column.name)
                        continue
                    cells[column.name] = writable_value(value, column=column.name, where=where)
                for key in keys:
                    if key not in cells:
                        raise BridgeError(f"{where}: no value for the key column {key!r}")
                if not cells:
                    continue  # only formula columns: nothing to write
                batch.append(cells)
                if len(batch) >= batch_rows:
                    flush(batch)
                    batch = []
        except BridgeError as exc:
            raise BridgeError(
                f"{exc} ({sent} rows had been sent before this line)" if sent else str(exc), rows_written=sent
            ) from None
        if batch:
            flush(batch)
    if wait:
        for mutation in mutations:
            mutation.wait(timeout=timeout)
    if progress is not None:
        progress(sent, sent)
    request_ids = tuple(rid for m in mutations for rid in m.request_ids)
    return ImportResult(
        rows=sent,
        batches=len(mutations),
        request_ids=request_ids,
        key_columns=tuple(keys),
        skipped_columns=tuple(sorted(skipped)),
        waited=wait,
        source=describe(source, dash="stdin"),
    )


def _records(stream: io.BufferedIOBase, fmt: ImportFormat, columns: _Columns, keys: list[str]) -> Iterator[Record]:
    """The source's records; a CSV header is checked against the table before any row."""
    if fmt == "jsonl":
        return read_jsonl(stream)
    header, records = read_csv(stream)
    for name in header:
        columns.resolve(name, "CSV header")
    resolved = {columns.resolve(name, "CSV header").name for name in header}
    missing = [key for key in keys if key not in resolved]
    if missing:
        raise BridgeError(f"CSV header: the key column(s) {', '.join(map(repr, missing))} are not in the file")
    return records
