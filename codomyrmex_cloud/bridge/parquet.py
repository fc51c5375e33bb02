"""Parquet output (the ``parquet`` extra: pyarrow), written one row group at a time.

The schema comes from Coda's column formats, so every row group agrees whatever its
values: ``checkbox`` columns are booleans, ``number``/``percent``/``slider``/``scale``
columns doubles, everything else text (a rich value or a list as its JSON text, so nothing
is lost). An empty cell (Coda's ``""``) is null. Rows are gathered into row groups of
``row_group_rows``, so memory holds one group whatever the table's size.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from codomyrmex_cloud.bridge.cells import cell_json
from codomyrmex_cloud.bridge.errors import BridgeError
from codomyrmex_cloud.bridge.formats import ByteSink

_NUMERIC = frozenset({"number", "percent", "slider", "scale"})
#: Rows per row group: large enough for columnar compression, small enough for memory.
ROW_GROUP_ROWS = 10_000


def _import_pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError as exc:
        raise ImportError("Parquet export needs pyarrow: pip install 'codomyrmex-cloud[parquet]'") from exc
    return pyarrow, pyarrow.parquet


def _number(value: object, column: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise BridgeError(f"column {column!r} is a number column but holds {value!r}; export it as csv or jsonl")


def _boolean(value: object, column: str) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise BridgeError(f"column {column!r} is a checkbox column but holds {value!r}; export it as csv or jsonl")


def _text(value: object) -> str | None:
    data = cell_json(value)
    if data is None:
        return None
    if isinstance(data, str):
        return data
    return json.dumps(data, ensure_ascii=False)


class ParquetRowWriter:
    """Writes pages of rows into a Parquet file on ``sink`` (which needs ``write`` and ``tell``).

    Args:
        sink: Where the bytes go.
        columns: Column names, in order.
        types: Coda's format type of each column.
        row_group_rows: Rows gathered per row group.

    Raises:
        ImportError: pyarrow is not installed.
    """

    def __init__(
        self, sink: ByteSink, columns: Sequence[str], types: Sequence[str], row_group_rows: int = ROW_GROUP_ROWS
    ) -> None:
        pa, pq = _import_pyarrow()
        self._pa = pa
        self._columns = list(columns)
        self._types = list(types)
        fields = []
        for name, kind in zip(self._columns, self._types, strict=True):
            arrow_type = pa.bool_() if kind == "checkbox" else pa.float64() if kind in _NUMERIC else pa.string()
            fields.append(pa.field(name, arrow_type, nullable=True))
        self._schema = pa.schema(fields)
        self._writer = pq.ParquetWriter(sink, self._schema, compression="zstd")
        self._group_rows = row_group_rows
        self._pending: list[Mapping[str, object]] = []

    def write_rows(self, rows: Sequence[Mapping[str, object]]) -> None:
        """Add one page of rows (written out once a row group is full)."""
        self._pending.extend(rows)
        if len(self._pending) >= self._group_rows:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        data: dict[str, list[object]] = {}
        for name, kind in zip(self._columns, self._types, strict=True):
            cells = [row.get(name) for row in self._pending]
            if kind == "checkbox":
                data[name] = [_boolean(v, name) for v in cells]
            elif kind in _NUMERIC:
                data[name] = [_number(v, name) for v in cells]
            else:
                data[name] = [_text(v) for v in cells]
        table = self._pa.Table.from_pydict(data, schema=self._schema)
        self._writer.write_table(table, row_group_size=len(self._pending))
        self._pending = []

    def close(self) -> None:
        """Write the last row group and the file's footer."""
        self._flush()
        self._writer.close()
