"""The seed's list names: a listing of each kind (``.items`` is one page; iterate for all)."""

from typing import TypeAlias

from codomyrmex_cloud.coda._sync import Column, Doc, Page, Paginated, Row, Table

DocList: TypeAlias = Paginated[Doc]
PageList: TypeAlias = Paginated[Page]
TableList: TypeAlias = Paginated[Table]
ColumnList: TypeAlias = Paginated[Column]
RowList: TypeAlias = Paginated[Row]

__all__ = ["ColumnList", "DocList", "PageList", "RowList", "TableList"]
