"""State of the fake Coda API: docs, pages, tables, columns, rows, and how Coda renders them.

Every ``render`` method returns the JSON Coda's spec (1.4.17) describes for that resource, with
exactly the required fields and no others, so a spec-validating test catches any drift.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]

_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}{next(_ids):06d}"


def stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class ColumnState:
    id: str
    name: str
    format_type: str = "text"
    calculated: bool = False

    def reference(self, base: str) -> JSON:
        return {"id": self.id, "type": "column", "href": f"{base}/columns/{self.id}"}

    def render(self, base: str, table: TableState) -> JSON:
        return {
            "id": self.id,
            "type": "column",
            "href": f"{base}/columns/{self.id}",
            "name": self.name,
            "display": self.name == table.columns[0].name,
            "calculated": self.calculated,
            "format": {"type": self.format_type, "isArray": False},
        }


@dataclass
class RowState:
    id: str
    index: int
    values: dict[str, Any]  # column id -> value
    created_at: str = field(default_factory=stamp)
    updated_at: str = field(default_factory=stamp)
    version: int = 0


@dataclass
class TableState:
    id: str
    name: str
    doc: DocState
    columns: list[ColumnState] = field(default_factory=list)
    rows: list[RowState] = field(default_factory=list)
    created_at: str = field(default_factory=stamp)
    updated_at: str = field(default_factory=stamp)
    version: int = 0

    def href(self, api: str) -> str:
        return f"{api}/docs/{self.doc.id}/tables/{self.id}"

    def column(self, key: str) -> ColumnState | None:
        for column in self.columns:
            if key in (column.id, column.name):
                return column
        return None

    def add_column(self, name: str, format_type: str = "text") -> ColumnState:
        column = ColumnState(new_id("c-"), name, format_type)
        self.columns.append(column)
        return column

    def add_row(self, values: dict[str, Any]) -> RowState:
        """Add a row from ``{column id or name: value}`` (unknown columns are an error)."""
        by_id = {}
        for key, value in values.items():
            column = self.column(key)
            if column is None:
                raise KeyError(key)
            by_id[column.id] = value
        self.version += 1
        row = RowState(new_id("i-"), len(self.rows), by_id, version=self.version)
        self.rows.append(row)
        return row

    def row(self, key: str) -> RowState | None:
        display = self.columns[0].id if self.columns else None
        for row in self.rows:
            if row.id == key or (display is not None and row.values.get(display) == key):
                return row
        return None

    def reference(self, api: str) -> JSON:
        return {
            "id": self.id,
            "type": "table",
            "tableType": "table",
            "href": self.href(api),
            "browserLink": f"{self.doc.browser_link()}#_tu{self.id}",
            "name": self.name,
        }

    def render(self, api: str) -> JSON:
        display = self.columns[0] if self.columns else ColumnState("c-none", "Name")
        return {
            **self.reference(api),
            "parent": self.doc.pages[0].reference(api) if self.doc.pages else _page_ref(api, self.doc),
            "displayColumn": display.reference(self.href(api)),
            "rowCount": len(self.rows),
            "sorts": [],
            "layout": "default",
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }

    def render_row(self, api: str, row: RowState, *, use_names: bool, detail: bool = False) -> JSON:
        names = {c.id: c.name for c in self.columns}
        values = {(names[k] if use_names else k): v for k, v in row.values.items() if k in names}
        display = self.columns[0].id if self.columns else ""
        rendered = {
            "id": row.id,
            "type": "row",
            "href": f"{self.href(api)}/rows/{row.id}",
            "name": str(row.values.get(display, "")),
            "index": row.index,
            "browserLink": f"{self.doc.browser_link()}#_tu{self.id}/_ru{row.id}",
            "createdAt": row.created_at,
            "updatedAt": row.updated_at,
            "values": values,
        }
        if detail:
            rendered["parent"] = self.reference(api)
        return rendered


def _page_ref(api: str, doc: DocState) -> JSON:
    return {
        "id": "canvas-root",
        "type": "page",
        "href": f"{api}/docs/{doc.id}/pages/canvas-root",
        "browserLink": doc.browser_link(),
        "name": "Root",
    }


@dataclass
class PageState:
    id: str
    name: str
    doc: DocState
    subtitle: str | None = None
    content: str = ""
    is_hidden: bool = False

    def reference(self, api: str) -> JSON:
        return {
            "id": self.id,
            "type": "page",
            "href": f"{api}/docs/{self.doc.id}/pages/{self.id}",
            "browserLink": f"{self.doc.browser_link()}/_su{self.id}",
            "name": self.name,
        }

    def render(self, api: str) -> JSON:
        page = {
            **self.reference(api),
            "isHidden": self.is_hidden,
            "isEffectivelyHidden": self.is_hidden,
            "children": [],
            "contentType": "canvas",
        }
        if self.subtitle is not None:
            page["subtitle"] = self.subtitle
        return page


@dataclass
class NamedValue:
    """A named formula or control."""

    id: str
    name: str
    value: Any
    control_type: str | None = None


@dataclass
class PermissionState:
    id: str
    access: str
    principal: JSON


@dataclass
class DocState:
    id: str
    name: str
    owner: str
    tables: list[TableState] = field(default_factory=list)
    pages: list[PageState] = field(default_factory=list)
    formulas: list[NamedValue] = field(default_factory=list)
    controls: list[NamedValue] = field(default_factory=list)
    permissions: list[PermissionState] = field(default_factory=list)
    settings: dict[str, bool] = field(
        default_factory=lambda: {
            "allowEditorsToChangePermissions": False,
            "allowCopying": True,
            "allowViewersToRequestEditing": True,
        }
    )
    read_only: bool = False
    created_at: str = field(default_factory=stamp)
    updated_at: str = field(default_factory=stamp)

    def browser_link(self) -> str:
        return f"https://coda.io/d/_d{self.id}"

    def add_table(self, name: str, columns: list[str] | None = None, *, table_id: str | None = None) -> TableState:
        table = TableState(table_id or new_id("grid-"), name, self)
        for column in columns or ["Name"]:
            table.add_column(column)
        self.tables.append(table)
        return table

    def add_page(self, name: str, subtitle: str | None = None) -> PageState:
        page = PageState(new_id("canvas-"), name, self, subtitle)
        self.pages.append(page)
        return page

    def table(self, key: str) -> TableState | None:
        return next((t for t in self.tables if key in (t.id, t.name)), None)

    def page(self, key: str) -> PageState | None:
        return next((p for p in self.pages if key in (p.id, p.name)), None)

    def render(self, api: str) -> JSON:
        return {
            "id": self.id,
            "type": "doc",
            "href": f"{api}/docs/{self.id}",
            "browserLink": self.browser_link(),
            "name": self.name,
            "owner": self.owner,
            "ownerName": self.owner.split("@", 1)[0],
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "workspace": {
                "id": "ws-fake",
                "type": "workspace",
                "browserLink": "https://coda.io/docs?workspaceId=ws-fake",
            },
            "folder": {"id": "fl-fake", "type": "folder", "browserLink": "https://coda.io/docs?folderId=fl-fake"},
            "workspaceId": "ws-fake",
            "folderId": "fl-fake",
        }
