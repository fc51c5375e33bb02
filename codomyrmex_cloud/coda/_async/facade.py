"""The Doc -> Table -> Row façade of ``AsyncCodaClient``: generated models with navigation and
writes attached.

Each object wraps the generated attrs model Coda's answer parsed to (``.model``: the whole
typed answer, unknown fields included) and the client that fetched it, so
``(await client.get_doc(id)).table("Tasks")`` reads naturally. Rows keep Coda's JSON and type
a cell when it is read (:class:`~codomyrmex_cloud.coda.resources.RowData`). Listing methods
return a paginated result (see the ``paging`` module next to this one); every other method
sends its requests when called.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TypeAlias

from codomyrmex_coda_api.models import Column as ColumnSummary
from codomyrmex_coda_api.models import ColumnDetail, DocumentCreationResult, TableReference
from codomyrmex_coda_api.models import Doc as DocDetail
from codomyrmex_coda_api.models import Page as PageModel
from codomyrmex_coda_api.models import Table as TableDetail

from codomyrmex_cloud.coda._async.mutations import AsyncMutation
from codomyrmex_cloud.coda._async.paging import AsyncPaginated
from codomyrmex_cloud.coda.bulk import WriteProgress
from codomyrmex_cloud.coda.calls import ExportFormatName, SortByName, TableTypeName, ValueFormatName
from codomyrmex_cloud.coda.cells import CellInput, CellValue
from codomyrmex_cloud.coda.models import ColumnFormat, ControlReference, FormulaReference, Permission, PrincipalSearch
from codomyrmex_cloud.coda.query import FilterValue
from codomyrmex_cloud.coda.resources import InDoc, RowData, Wrapped

#: A doc as a list or a create answer carries it, or as a get answer does.
DocModel: TypeAlias = DocDetail | DocumentCreationResult
#: A column as a list carries it (no parent), or as a get answer does.
ColumnModel: TypeAlias = ColumnSummary | ColumnDetail
#: A table as a get answer carries it, or the short form of a list.
TableModel: TypeAlias = TableDetail | TableReference


class AsyncDoc(Wrapped["AsyncCodaClient", DocModel]):
    """A Coda doc."""

    __slots__ = ()

    @property
    def browser_link(self) -> str:
        """The doc's coda.io URL."""
        return self.model.browser_link

    def tables(
        self,
        *,
        table_types: Sequence[TableTypeName] | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        limit: int | None = None,
    ) -> AsyncPaginated[AsyncTable]:
        """The doc's tables and views (see :meth:`AsyncCodaClient.list_tables`)."""
        return self._client.list_tables(
            self.id, table_types=table_types, page_size=page_size, max_items=max_items, limit=limit
        )

    async def table(self, id_or_name: str) -> AsyncTable:
        """A table or view by id or name (names are fragile; ids survive renames)."""
        return await self._client.get_table(self.id, id_or_name)

    def pages(
        self, *, page_size: int | None = None, max_items: int | None = None, limit: int | None = None
    ) -> AsyncPaginated[AsyncPage]:
        """The doc's pages."""
        return self._client.list_pages(self.id, page_size=page_size, max_items=max_items, limit=limit)

    async def page(self, id_or_name: str) -> AsyncPage:
        """A page by id or name."""
        return await self._client.get_page(self.id, id_or_name)

    def formulas(
        self, *, page_size: int | None = None, max_items: int | None = None, limit: int | None = None
    ) -> AsyncPaginated[FormulaReference]:
        """The doc's named formulas (``client.get_formula`` reads a value)."""
        return self._client.list_formulas(self.id, page_size=page_size, max_items=max_items, limit=limit)

    def controls(
        self, *, page_size: int | None = None, max_items: int | None = None, limit: int | None = None
    ) -> AsyncPaginated[ControlReference]:
        """The doc's controls (``client.get_control`` reads a value)."""
        return self._client.list_controls(self.id, page_size=page_size, max_items=max_items, limit=limit)

    def permissions(
        self, *, page_size: int | None = None, max_items: int | None = None, limit: int | None = None
    ) -> AsyncPaginated[Permission]:
        """Who the doc is shared with."""
        return self._client.list_permissions(self.id, page_size=page_size, max_items=max_items, limit=limit)

    async def search_principals(self, query: str | None = None) -> PrincipalSearch:
        """Users and groups the doc can be shared with, matching ``query``."""
        return await self._client.search_principals(self.id, query=query)

    async def update(self, *, title: str | None = None, icon_name: str | None = None) -> AsyncDoc:
        """Rename the doc or change its icon; returns the doc as Coda now has it."""
        return await self._client.update_doc(self.id, title=title, icon_name=icon_name)

    async def delete(self) -> None:
        """Delete the doc (Coda queues it; reading it afterwards raises CodaGoneError)."""
        await self._client.delete_doc(self.id)


class AsyncPage(InDoc["AsyncCodaClient", PageModel]):
    """A page (canvas or embed) of a doc."""

    __slots__ = ()

    async def update(
        self,
        *,
        name: str | None = None,
        subtitle: str | None = None,
        is_hidden: bool | None = None,
        html: str | None = None,
        markdown: str | None = None,
        wait: bool | float = False,
    ) -> AsyncMutation:
        """Change the page (see :meth:`AsyncCodaClient.update_page`)."""
        return await self._client.update_page(
            self.doc_id,
            self.id,
            name=name,
            subtitle=subtitle,
            is_hidden=is_hidden,
            html=html,
            markdown=markdown,
            wait=wait,
        )

    async def export(self, format: ExportFormatName = "html", *, timeout: float = 60.0) -> str:
        """The page's content as HTML or Markdown (begins an export, polls it, downloads it)."""
        return await self._client.export_page(self.doc_id, self.id, format=format, timeout=timeout)

    async def delete(self, *, wait: bool | float = False) -> AsyncMutation:
        """Delete the page."""
        return await self._client.delete_page(self.doc_id, self.id, wait=wait)


class AsyncColumn(InDoc["AsyncCodaClient", ColumnModel]):
    """A column of a table, with its typed format (``column.format``)."""

    __slots__ = ("table_id",)

    def __init__(self, client: AsyncCodaClient, model: ColumnModel, doc_id: str, table_id: str) -> None:
        super().__init__(client, model, doc_id)
        self.table_id = table_id

    @property
    def format(self) -> ColumnFormat:
        """The column's format (its ``type_`` and options), as the generated model has it."""
        return self.model.format_

    @property
    def display(self) -> bool:
        """Whether this is the table's display column."""
        return self.model.display is True

    @property
    def calculated(self) -> bool:
        """Whether the column is a formula."""
        return self.model.calculated is True


class AsyncTable(InDoc["AsyncCodaClient", TableModel]):
    """A table or view. Rows are read with column *names* as keys unless asked otherwise."""

    __slots__ = ()

    @property
    def row_count(self) -> int | None:
        """Rows in the table; None when this came from a list (fetch with ``doc.table(id)``)."""
        count = getattr(self.model, "row_count", None)
        return count if isinstance(count, int) else None

    def columns(
        self,
        *,
        visible_only: bool | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        limit: int | None = None,
    ) -> AsyncPaginated[AsyncColumn]:
        """The table's columns."""
        return self._client.list_columns(
            self.doc_id, self.id, visible_only=visible_only, page_size=page_size, max_items=max_items, limit=limit
        )

    async def column(self, name_or_id: str) -> AsyncColumn:
        """One column by id or name (raises CodaNotFoundError if there is none)."""
        return await self._client.get_column(self.doc_id, self.id, name_or_id)

    def rows(
        self,
        *,
        query: str | None = None,
        where: Mapping[str, FilterValue] | None = None,
        sort_by: SortByName | None = None,
        visible_only: bool | None = None,
        use_column_names: bool = True,
        value_format: ValueFormatName | None = None,
        sync_token: str | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        limit: int | None = None,
    ) -> AsyncPaginated[AsyncRow]:
        """The table's rows (see :meth:`AsyncCodaClient.list_rows` for every option)."""
        return self._client.list_rows(
            self.doc_id,
            self.id,
            query=query,
            where=where,
            sort_by=sort_by,
            visible_only=visible_only,
            use_column_names=use_column_names,
            value_format=value_format,
            sync_token=sync_token,
            page_size=page_size,
            max_items=max_items,
            limit=limit,
        )

    async def to_dicts(
        self,
        *,
        query: str | None = None,
        where: Mapping[str, FilterValue] | None = None,
        sort_by: SortByName | None = None,
        visible_only: bool | None = None,
        use_column_names: bool = True,
        value_format: ValueFormatName | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[dict[str, CellValue]]:
        """Every row as a plain dict of column -> value (the options of :meth:`rows`)."""
        rows = self.rows(
            query=query,
            where=where,
            sort_by=sort_by,
            visible_only=visible_only,
            use_column_names=use_column_names,
            value_format=value_format,
            page_size=page_size,
            max_items=max_items,
            limit=limit,
        )
        async for row in rows:
            yield row.to_dict()

    async def find(self, column: str, value: FilterValue) -> AsyncRow | None:
        """The first row whose ``column`` equals ``value``, or None (one request)."""
        async for row in self.rows(where={column: value}, max_items=1):
            return row
        return None

    async def row(self, id_or_name: str) -> AsyncRow:
        """One row by id or display value (raises CodaNotFoundError if there is none)."""
        return await self._client.get_row(self.doc_id, self.id, id_or_name)

    async def insert(
        self,
        rows: Sequence[Mapping[str, CellInput]],
        *,
        wait: bool | float = False,
        progress: WriteProgress | None = None,
        batch_rows: int | None = None,
    ) -> AsyncMutation:
        """Add rows (see :meth:`AsyncCodaClient.insert_rows`)."""
        return await self._client.insert_rows(
            self.doc_id, self.id, rows, wait=wait, progress=progress, batch_rows=batch_rows
        )

    async def upsert(
        self,
        rows: Sequence[Mapping[str, CellInput]],
        *,
        key_columns: Sequence[str],
        wait: bool | float = False,
        progress: WriteProgress | None = None,
        batch_rows: int | None = None,
    ) -> AsyncMutation:
        """Update rows matching ``key_columns`` and add the rest (see :meth:`AsyncCodaClient.upsert_rows`)."""
        return await self._client.upsert_rows(
            self.doc_id, self.id, rows, key_columns=key_columns, wait=wait, progress=progress, batch_rows=batch_rows
        )

    async def delete_rows(
        self, row_ids: Sequence[str], *, wait: bool | float = False, batch_rows: int | None = None
    ) -> AsyncMutation:
        """Delete rows by id (see :meth:`AsyncCodaClient.delete_rows`)."""
        return await self._client.delete_rows(self.doc_id, self.id, row_ids, wait=wait, batch_rows=batch_rows)


class AsyncRow(RowData["AsyncCodaClient"]):
    """A row: a read-only mapping of column to typed cell value (``row["Status"]``,
    ``dict(row)``), with ``id``, ``name``, ``index``, ``model`` and writes attached."""

    __slots__ = ()

    async def update(self, values: Mapping[str, CellInput], *, wait: bool | float = False) -> AsyncMutation:
        """Set cells of this row (Coda applies it asynchronously; ``wait`` to see it)."""
        return await self._client.update_row(self.doc_id, self.table_id, self.id, values, wait=wait)

    async def delete(self, *, wait: bool | float = False) -> AsyncMutation:
        """Delete this row."""
        return await self._client.delete_row(self.doc_id, self.table_id, self.id, wait=wait)

    async def push_button(self, column: str, *, wait: bool | float = False) -> AsyncMutation:
        """Press the button in ``column`` of this row."""
        return await self._client.push_button(self.doc_id, self.table_id, self.id, column, wait=wait)


# Last: the client imports this module (``_async/__init__`` imports this one first), and the
# name must be bound at runtime so ``typing.get_type_hints`` resolves the annotations above.
from codomyrmex_cloud.coda._async.client import AsyncCodaClient  # noqa: E402
