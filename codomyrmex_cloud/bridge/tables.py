"""Finding docs and tables by id or name, and reading a table's columns and rows.

Every call the bridge and the command line make to the Coda façade goes through the small
functions here, so that the façade's next features (``page_size=``/``max_items=`` on list
methods, ``Row.to_dict()``, ``table.column(...)``) are adopted in one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from codomyrmex_cloud.bridge.cells import cell_json, cell_text
from codomyrmex_cloud.bridge.errors import BridgeError
from codomyrmex_cloud.coda._sync import CodaClient, Column, Doc, Row, Table
from codomyrmex_cloud.coda.arguments import DOC_ID
from codomyrmex_cloud.coda.calls import ValueFormatName
from codomyrmex_cloud.coda.errors import CodaNotFoundError
from codomyrmex_cloud.coda.query import JSONScalar

#: What a doc id looks like: the shape the client itself accepts as ``doc_id``.
_DOC_ID = DOC_ID
_BROWSER_LINK = re.compile(r"^https?://", re.IGNORECASE)

#: Conditions on cells: ``(column, value)`` pairs that must all hold.
Conditions = Sequence[tuple[str, JSONScalar]]


def find_doc(client: CodaClient, id_or_name: str) -> Doc:
    """A doc by id, by exact name, or by a coda.io browser link.

    A name is looked up among the docs the token can see (exact match first, then
    ignoring case).

    Raises:
        CodaNotFoundError: No doc has that id or name.
        BridgeError: Several docs have that name (the message lists their ids).
    """
    if _BROWSER_LINK.match(id_or_name):
        link = client.resolve_browser_link(id_or_name)
        return client.get_doc(link.resource.id)
    if _DOC_ID.match(id_or_name):
        try:
            return client.get_doc(id_or_name)
        except CodaNotFoundError:
            pass  # not an id: maybe a name
    candidates = list(client.list_docs(query=id_or_name))
    exact = [doc for doc in candidates if doc.name == id_or_name]
    folded = [doc for doc in candidates if doc.name.casefold() == id_or_name.casefold()]
    for matches in (exact, folded):
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            ids = ", ".join(doc.id for doc in matches)
            raise BridgeError(f"{len(matches)} docs are named {id_or_name!r} ({ids}); pass the id instead")
    raise CodaNotFoundError(
        f"no doc with the id or name {id_or_name!r} is visible to this token (`codomyrmex-cloud coda docs` lists them)",
        status_code=404,
    )


def find_table(doc: Doc, id_or_name: str) -> Table:
    """A table or view of ``doc`` by id or name (Coda resolves both).

    Raises:
        CodaNotFoundError: The doc has no such table.
    """
    return doc.table(id_or_name)


def list_columns(table: Table) -> list[Column]:
    """Every column of a table, in the table's order."""
    return list(table.columns())


def column_type(column: Column) -> str:
    """The column's format type (``text``, ``number``, ``checkbox`` ...)."""
    return str(column.format.type_)


def is_calculated(column: Column) -> bool:
    """True for a formula column (Coda refuses writes to it)."""
    return column.calculated


def row_values(row: Row) -> Mapping[str, object]:
    """A row's cells keyed by column name."""
    return row.to_dict()


@dataclass(frozen=True)
class RowSelection:
    """Which rows to read: Coda's own filter, plus conditions checked here.

    Coda filters a request on one column; the first condition (when there is no ``query``)
    is sent to Coda, the rest are checked on each row as it arrives.

    Attributes:
        query: Coda's query syntax (``"Status":"Active"`` or ``Status = "Active"``).
        where: ``(column, value)`` conditions that must all hold.
        max_rows: Stop after this many matching rows.
        value_format: Coda's ``simple`` (default), ``simpleWithArrays`` or ``rich``.
    """

    query: str | None = None
    where: Conditions = ()
    max_rows: int | None = None
    value_format: ValueFormatName | None = None

    def __post_init__(self) -> None:
        if self.max_rows is not None and self.max_rows < 0:
            raise BridgeError(f"max_rows must be 0 or more, got {self.max_rows}")


def _matches(values: Mapping[str, object], conditions: Conditions) -> bool:
    for column, wanted in conditions:
        value = values.get(column, "")  # a cell Coda left out is empty, as Coda shows it
        if cell_json(value) != wanted and cell_text(value) != cell_text(wanted):
            return False
    return True


def _check_columns(table: Table, conditions: Conditions) -> None:
    """Refuse a condition on a column the table does not have, before any row is read."""
    columns = list_columns(table)
    known = {c.name for c in columns} | {c.id for c in columns}
    for column, _ in conditions:
        if column not in known:
            names = ", ".join(c.name for c in columns)
            raise BridgeError(f"no column {column!r} to filter on (columns: {names})")


def select_pages(table: Table, selection: RowSelection) -> Iterator[list[Row]]:
    """The selected rows of ``table``, one page of Coda's answer at a time.

    Pages are fetched lazily, so memory holds one page whatever the table's size.
    """
    remote: Mapping[str, JSONScalar] | None = None
    local = list(selection.where)
    if selection.query is None and local:
        remote = dict([local.pop(0)])
    remaining = selection.max_rows
    if remaining == 0:
        return
    if local:
        _check_columns(table, local)
    first = table.rows(query=selection.query, where=remote, value_format=selection.value_format)
    for page in first.iter_pages():
        rows = [row for row in page.items if _matches(row_values(row), local)] if local else list(page.items)
        if remaining is not None:
            rows = rows[:remaining]
            remaining -= len(rows)
        if rows:
            yield rows
        if remaining == 0:
            return
