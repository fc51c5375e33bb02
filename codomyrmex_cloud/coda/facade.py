"""The Doc -> Table -> Row façade: generated models with navigation and writes attached.

Each façade object wraps the generated attrs model Coda's answer parsed to (``.model``, the
whole typed answer, unknown fields included) and the client that fetched it, so
``client.get_doc(id).table("Tasks").rows(where={"Status": "Active"})`` reads naturally. The
async twins (``AsyncDoc`` ...) have the same methods as coroutines.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Generic, Protocol, TypeAlias, TypeVar

from codomyrmex_cloud.coda.paging import Paginated
from codomyrmex_cloud.coda.query import JSONScalar

if TYPE_CHECKING:
    from codomyrmex_coda_api.models import Column as ColumnSummary
    from codomyrmex_coda_api.models import ColumnDetail, DocumentCreationResult, RowDetail, TableReference
    from codomyrmex_coda_api.models import Doc as DocDetail
    from codomyrmex_coda_api.models import Page as PageModel  # noqa: F401 - in base-class strings
    from codomyrmex_coda_api.models import Row as RowSummary
    from codomyrmex_coda_api.models import Table as TableDetail

    # A list answer carries the short form, a get answer the detailed one.
    DocModel = DocDetail | DocumentCreationResult
    ColumnModel = ColumnSummary | ColumnDetail
    RowModel = RowSummary | RowDetail
    TableModel = TableDetail | TableReference

    from codomyrmex_cloud.coda.aclient import AsyncCodaClient  # noqa: F401 - in base-class strings
    from codomyrmex_cloud.coda.client import CodaClient  # noqa: F401 - in base-class strings
    from codomyrmex_cloud.coda.mutations import AsyncMutation, Mutation
    from codomyrmex_cloud.coda.ops import CellInput, WriteProgress
    from codomyrmex_cloud.coda.paging import AsyncPaginated


class _Identified(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...


C = TypeVar("C")
ModelT = TypeVar("ModelT", bound=_Identified)

#: A cell value as read back: scalars, lists, or rich values (generated models) with
#: ``value_format="rich"``.
CellValue = object


class _Wrapped(Generic[C, ModelT]):
    """Common shape: the generated model, the client, identity by id."""

    __slots__ = ("_client", "model")

    def __init__(self, client: C, model: ModelT) -> None:
        self._client = client
        self.model = model

    @property
    def id(self) -> str:
        return self.model.id

    @property
    def name(self) -> str:
        return self.model.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Wrapped) and type(other) is type(self) and other.id == self.id

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.id))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} {self.name!r}>"


class _InDoc(_Wrapped[C, ModelT]):
    """A façade object that lives in a doc (pages, tables, rows)."""

    __slots__ = ("doc_id",)

    def __init__(self, client: C, model: ModelT, doc_id: str) -> None:
        super().__init__(client, model)
        self.doc_id = doc_id


class _TableBase(_InDoc[C, "TableModel"]):
    __slots__ = ()

    @property
    def row_count(self) -> int | None:
        """Rows in the table; None when this came from a list (fetch with ``doc.table(id)``)."""
        return getattr(self.model, "row_count", None)


class _RowBase(_InDoc[C, "RowModel"]):
    """Reading a row's cells, the same for sync and async rows."""

    __slots__ = ("table_id",)

    def __init__(self, client: C, model: RowModel, doc_id: str, table_id: str) -> None:
        super().__init__(client, model, doc_id)
        self.table_id = table_id

    @property
    def index(self) -> int:
        return self.model.index

    @property
    def values(self) -> dict[str, CellValue]:
        return dict(self.model.values.additional_properties)

    def __getitem__(self, column: str) -> CellValue:
        values = self.model.values.additional_properties
        try:
            return values[column]
        except KeyError:
            known = ", ".join(sorted(values)) or "none"
            raise KeyError(f"row {self.id} has no column {column!r} (columns: {known})") from None

    def get(self, column: str, default: CellValue = None) -> CellValue:
        return self.model.values.additional_properties.get(column, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self.model.values.additional_properties)


# Sync -------------------------------------------------------------------------------------


class Doc(_Wrapped["CodaClient", "DocModel"]):
    """A Coda doc."""

    __slots__ = ()

    @property
    def browser_link(self) -> str:
        return self.model.browser_link

    def tables(self, *, table_types: Sequence[str] | None = None) -> Paginated[Table]:
        return self._client.list_tables(self.id, table_types=table_types)

    def table(self, id_or_name: str) -> Table:
        """A table or view by id or name (names are fragile; ids survive renames)."""
        return self._client.get_table(self.id, id_or_name)

    def pages(self) -> Paginated[Page]:
        return self._client.list_pages(self.id)

    def page(self, id_or_name: str) -> Page:
        return self._client.get_page(self.id, id_or_name)

    def formulas(self) -> Paginated[FormulaReference]:
        return self._client.list_formulas(self.id)

    def controls(self) -> Paginated[ControlReference]:
        return self._client.list_controls(self.id)

    def permissions(self) -> Paginated[Permission]:
        return self._client.list_permissions(self.id)

    def delete(self) -> None:
        self._client.delete_doc(self.id)


class Page(_InDoc["CodaClient", "PageModel"]):
    """A page (canvas or embed) of a doc."""

    __slots__ = ()

    def delete(self, *, wait: bool = False) -> Mutation:
        return self._client.delete_page(self.doc_id, self.id, wait=wait)


class Column(_Wrapped["CodaClient", "ColumnModel"]):
    """A column of a table, with its typed format (``column.model.format_``)."""

    __slots__ = ()


class Table(_TableBase["CodaClient"]):
    """A table or view. Rows are read with column *names* as keys."""

    __slots__ = ()

    def columns(self) -> Paginated[Column]:
        return self._client.list_columns(self.doc_id, self.id)

    def rows(
        self,
        *,
        query: str | None = None,
        where: Mapping[str, JSONScalar] | None = None,
        sort_by: str | None = None,
        value_format: str | None = None,
        limit: int | None = None,
    ) -> Paginated[Row]:
        return self._client.list_rows(
            self.doc_id,
            self.id,
            query=query,
            where=where,
            sort_by=sort_by,
            value_format=value_format,
            limit=limit,
        )

    def row(self, id_or_name: str) -> Row:
        return self._client.get_row(self.doc_id, self.id, id_or_name)

    def insert(
        self, rows: Sequence[Mapping[str, CellInput]], *, wait: bool = False, progress: WriteProgress | None = None
    ) -> Mutation:
        return self._client.insert_rows(self.doc_id, self.id, rows, wait=wait, progress=progress)

    def upsert(
        self,
        rows: Sequence[Mapping[str, CellInput]],
        *,
        key_columns: Sequence[str],
        wait: bool = False,
        progress: WriteProgress | None = None,
    ) -> Mutation:
        return self._client.upsert_rows(
            self.doc_id, self.id, rows, key_columns=key_columns, wait=wait, progress=progress
        )

    def delete_rows(self, row_ids: Sequence[str], *, wait: bool = False) -> Mutation:
        return self._client.delete_rows(self.doc_id, self.id, row_ids, wait=wait)


class Row(_RowBase["CodaClient"]):
    """A row; ``row["Status"]`` reads a cell by the key Coda used (names by default)."""

    __slots__ = ()

    def update(self, values: Mapping[str, CellInput], *, wait: bool = False) -> Mutation:
        return self._client.update_row(self.doc_id, self.table_id, self.id, values, wait=wait)

    def delete(self, *, wait: bool = False) -> Mutation:
        return self._client.delete_row(self.doc_id, self.table_id, self.id, wait=wait)

    def push_button(self, column: str, *, wait: bool = False) -> Mutation:
        return self._client.push_button(self.doc_id, self.table_id, self.id, column, wait=wait)


# Async ------------------------------------------------------------------------------------


class AsyncDoc(_Wrapped["AsyncCodaClient", "DocModel"]):
    """Async twin of :class:`Doc`."""

    __slots__ = ()

    async def tables(self, *, table_types: Sequence[str] | None = None) -> AsyncPaginated[AsyncTable]:
        return await self._client.list_tables(self.id, table_types=table_types)

    async def table(self, id_or_name: str) -> AsyncTable:
        return await self._client.get_table(self.id, id_or_name)

    async def pages(self) -> AsyncPaginated[AsyncPage]:
        return await self._client.list_pages(self.id)

    async def formulas(self) -> AsyncPaginated[FormulaReference]:
        return await self._client.list_formulas(self.id)

    async def controls(self) -> AsyncPaginated[ControlReference]:
        return await self._client.list_controls(self.id)

    async def permissions(self) -> AsyncPaginated[Permission]:
        return await self._client.list_permissions(self.id)


class AsyncPage(_InDoc["AsyncCodaClient", "PageModel"]):
    __slots__ = ()


class AsyncColumn(_Wrapped["AsyncCodaClient", "ColumnModel"]):
    __slots__ = ()


class AsyncTable(_TableBase["AsyncCodaClient"]):
    """Async twin of :class:`Table`."""

    __slots__ = ()

    async def columns(self) -> AsyncPaginated[AsyncColumn]:
        return await self._client.list_columns(self.doc_id, self.id)

    async def rows(
        self,
        *,
        query: str | None = None,
        where: Mapping[str, JSONScalar] | None = None,
        sort_by: str | None = None,
        value_format: str | None = None,
        limit: int | None = None,
    ) -> AsyncPaginated[AsyncRow]:
        return await self._client.list_rows(
            self.doc_id,
            self.id,
            query=query,
            where=where,
            sort_by=sort_by,
            value_format=value_format,
            limit=limit,
        )

    async def row(self, id_or_name: str) -> AsyncRow:
        return await self._client.get_row(self.doc_id, self.id, id_or_name)

    async def insert(
        self, rows: Sequence[Mapping[str, CellInput]], *, wait: bool = False, progress: WriteProgress | None = None
    ) -> AsyncMutation:
        return await self._client.insert_rows(self.doc_id, self.id, rows, wait=wait, progress=progress)

    async def upsert(
        self,
        rows: Sequence[Mapping[str, CellInput]],
        *,
        key_columns: Sequence[str],
        wait: bool = False,
        progress: WriteProgress | None = None,
    ) -> AsyncMutation:
        return await self._client.upsert_rows(
            self.doc_id, self.id, rows, key_columns=key_columns, wait=wait, progress=progress
        )

    async def delete_rows(self, row_ids: Sequence[str], *, wait: bool = False) -> AsyncMutation:
        return await self._client.delete_rows(self.doc_id, self.id, row_ids, wait=wait)


class AsyncRow(_RowBase["AsyncCodaClient"]):
    """Async twin of :class:`Row`."""

    __slots__ = ()

    async def update(self, values: Mapping[str, CellInput], *, wait: bool = False) -> AsyncMutation:
        return await self._client.update_row(self.doc_id, self.table_id, self.id, values, wait=wait)

    async def delete(self, *, wait: bool = False) -> AsyncMutation:
        return await self._client.delete_row(self.doc_id, self.table_id, self.id, wait=wait)


if TYPE_CHECKING:
    from codomyrmex_coda_api.models import ControlReference, FormulaReference, Permission


# The seed's list names: one page of each kind (iterate for all pages).
DocList: TypeAlias = Paginated[Doc]
PageList: TypeAlias = Paginated[Page]
TableList: TypeAlias = Paginated[Table]
ColumnList: TypeAlias = Paginated[Column]
RowList: TypeAlias = Paginated[Row]
