"""What the sync and async façade objects share: identity, the generated model they wrap,
and reading a row's cells.

A :class:`RowData` holds the row's JSON as Coda sent it and builds a typed cell value when a
cell is read (plain scalars are returned as they are, without the union dispatch; rich values
are parsed once and cached). ``row.model`` builds the full generated model on first use.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, ValuesView
from typing import Any, Generic, Protocol, TypeVar

from codomyrmex_coda_api.models import Row as RowSummary
from codomyrmex_coda_api.models import RowDetail

from codomyrmex_cloud.coda.cells import CellValue, parse_cell

C = TypeVar("C")


class _Identified(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...


ModelT = TypeVar("ModelT", bound=_Identified)


class Wrapped(Generic[C, ModelT]):
    """A generated model (``.model``, the whole typed answer, unknown fields included) and the
    client that fetched it; identity by type and id."""

    __slots__ = ("_client", "model")

    def __init__(self, client: C, model: ModelT) -> None:
        self._client = client
        self.model = model

    @property
    def id(self) -> str:
        """Coda's id of this resource."""
        return self.model.id

    @property
    def name(self) -> str:
        """Its name as shown in Coda."""
        return self.model.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Wrapped) and type(other) is type(self) and other.id == self.id

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.id))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} {self.name!r}>"


class InDoc(Wrapped[C, ModelT]):
    """A façade object that lives in a doc (pages, tables, columns)."""

    __slots__ = ("doc_id",)

    def __init__(self, client: C, model: ModelT, doc_id: str) -> None:
        super().__init__(client, model)
        self.doc_id = doc_id


class CellValues(dict[str, CellValue]):
    """``row.values``: a plain dict of column -> value that can also be called like
    ``Mapping.values()`` (a :class:`Row` is a Mapping, whose ``values()`` returns a view)."""

    def __call__(self) -> ValuesView[CellValue]:
        return super().values()


class RowData(Mapping[str, CellValue], Generic[C]):
    """A row's cells as a read-only mapping of column (name, or id with
    ``use_column_names=False``) to typed value: ``row["Status"]``, ``dict(row)``."""

    __slots__ = ("_cells", "_client", "_model", "_raw", "doc_id", "table_id")

    def __init__(self, client: C, raw: dict[str, Any], doc_id: str, table_id: str) -> None:
        self._client = client
        self._raw = raw
        self._cells: dict[str, CellValue] | None = None
        self._model: RowSummary | RowDetail | None = None
        self.doc_id = doc_id
        self.table_id = table_id

    @property
    def id(self) -> str:
        """The row id (``i-...``)."""
        row_id: str = self._raw["id"]
        return row_id

    @property
    def name(self) -> str:
        """The row's display value (its display column)."""
        return str(self._raw.get("name", ""))

    @property
    def index(self) -> int:
        """The row's position in the table."""
        index: int = self._raw["index"]
        return index

    @property
    def browser_link(self) -> str:
        """The row's coda.io URL."""
        return str(self._raw.get("browserLink", ""))

    @property
    def model(self) -> RowSummary | RowDetail:
        """The full generated model of the row (built on first use, then cached)."""
        if self._model is None:
            self._model = RowDetail.from_dict(self._raw) if "parent" in self._raw else RowSummary.from_dict(self._raw)
        return self._model

    @property
    def raw(self) -> dict[str, Any]:
        """The row's JSON exactly as Coda sent it."""
        return self._raw

    def __getitem__(self, column: str) -> CellValue:
        raw_values: dict[str, Any] = self._raw["values"]
        try:
            raw = raw_values[column]
        except KeyError:
            known = ", ".join(sorted(raw_values)) or "none"
            raise KeyError(f"row {self.id} has no column {column!r} (columns: {known})") from None
        kind = type(raw)
        if kind is str or kind is int or kind is float or kind is bool:
            return raw  # type: ignore[no-any-return]
        if self._cells is None:
            self._cells = {}
        cached = self._cells.get(column)
        if cached is None:
            cached = self._cells[column] = parse_cell(raw)
        return cached

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw["values"])

    def __len__(self) -> int:
        return len(self._raw["values"])

    def __contains__(self, column: object) -> bool:
        return column in self._raw["values"]

    @property
    def values(self) -> CellValues:
        """A dict of every cell (column -> typed value); also callable as ``Mapping.values()``."""
        return CellValues((column, self[column]) for column in self._raw["values"])

    def to_dict(self) -> dict[str, CellValue]:
        """Column -> typed value, as a new plain dict (what ``dict(row)`` gives)."""
        return {column: self[column] for column in self._raw["values"]}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RowData) and type(other) is type(self) and other.id == self.id

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.id))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} {self.name!r}>"
