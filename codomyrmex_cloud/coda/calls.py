"""Typed calls: one builder per Coda operation the façade covers, shared by both clients.

A builder imports the generated operation inside itself (nothing loads until it is used, as
anthropic-sdk-python's resources import lazily) and calls its ``request_kwargs`` with typed
arguments, so mypy checks the operation, every argument and the model a success parses to.
It returns a :class:`Call`: the arguments of ``httpx.Client.request`` and the parser of the 2xx
body. ``CodaClient`` sends it with ``httpx.Client``, ``AsyncCodaClient`` with
``httpx.AsyncClient``; both read the answer with :func:`decode`.

List operations return the page's JSON (:data:`RawPage`): the clients wrap each item
themselves, and rows stay raw JSON until a cell is read.

This module is the clients' plumbing, not part of the public API (``codomyrmex_cloud`` does not
export it). The models its annotations name are imported for type checkers only: importing
them here would load 13 more model modules (about 30 ms) whenever ``CodaClient`` is imported,
so ``typing.get_type_hints`` on a builder raises NameError by design.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeAlias, TypeVar

import httpx
from codomyrmex_coda_api.types import UNSET, Unset

from codomyrmex_cloud.coda import arguments as check
from codomyrmex_cloud.coda import json_body
from codomyrmex_cloud.coda.errors import CodaConfigurationError, CodaResponseError

if TYPE_CHECKING:
    from codomyrmex_coda_api.models import (
        AclMetadata,
        AclSettings,
        AddPermissionResult,
        ApiLink,
        BeginPageContentExportResponse,
        ColumnDetail,
        Control,
        DeletePermissionResult,
        Doc,
        DocDelete,
        DocumentCreationResult,
        DocUpdateResult,
        Formula,
        MutationStatus,
        Page,
        PageContentExportStatusResponse,
        PageCreateResult,
        PageDeleteResult,
        PageUpdateResult,
        PushButtonResult,
        RowDeleteResult,
        RowsDeleteResult,
        RowsUpsertResult,
        RowUpdateResult,
        SearchPrincipalsResponse,
        Table,
        User,
    )

M = TypeVar("M")
M_co = TypeVar("M_co", covariant=True)
T = TypeVar("T")

#: A page of a list answer as JSON: ``items``, and ``nextPageToken``/``nextSyncToken`` if any.
RawPage: TypeAlias = dict[str, Any]
#: ``value_format=``: how Coda renders cell values (the spec's ``ValueFormat``).
ValueFormatName: TypeAlias = Literal["simple", "simpleWithArrays", "rich"]
#: ``sort_by=``: the row order (the spec's ``RowsSortBy``).
SortByName: TypeAlias = Literal["createdAt", "natural", "updatedAt"]
#: ``table_types=``: tables, views or both (the spec's ``TableType``).
TableTypeName: TypeAlias = Literal["table", "view"]
#: ``access=`` of a permission (the spec's ``AccessTypeNotNone``).
AccessName: TypeAlias = Literal["readonly", "write", "comment"]
#: ``insertion_mode=`` of a page content update (the spec's ``PageContentInsertionMode``).
InsertionModeName: TypeAlias = Literal["append", "replace"]
#: ``format=`` of a page export (the spec's ``PageContentOutputFormat``).
ExportFormatName: TypeAlias = Literal["html", "markdown"]


@dataclass(frozen=True, slots=True)
class Call(Generic[M_co]):
    """One request to send and how to read its 2xx answer."""

    request: dict[str, Any]
    parse: Callable[[Any], M_co]


def decode(response: httpx.Response, parse: Callable[[Any], M]) -> M:
    """The parsed 2xx answer, or :class:`CodaResponseError` when the body cannot be read.

    Error statuses never get here: the transport raises them.
    """
    try:
        data = json_body.loads(response.content)
    except ValueError:
        raise _unreadable(response, "the body is not JSON") from None
    try:
        return parse(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        what = (
            f"required field {exc.args[0]!r} is missing" if isinstance(exc, KeyError) else f"it does not parse ({exc})"
        )
        raise _unreadable(response, f"the body does not match the spec: {what}") from exc


def _unreadable(response: httpx.Response, reason: str) -> CodaResponseError:
    request = response.request
    return CodaResponseError(
        f"Coda answered {response.status_code} but {reason}",
        status_code=response.status_code,
        method=request.method,
        url=str(request.url),
        request_id=response.headers.get("x-request-id") or response.headers.get("x-coda-request-id"),
        body=response.text[:500],
    )


def raw_page(data: Any) -> RawPage:
    """A list answer's JSON, checked for the one field every list has."""
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise KeyError("items")
    return data


def _opt(value: T | None) -> T | Unset:
    """None means "not sent": the generated code leaves UNSET arguments out of the request."""
    return UNSET if value is None else value


# Account and links -------------------------------------------------------------------------


def whoami() -> Call[User]:
    """``GET /whoami``: the user the token belongs to."""
    from codomyrmex_coda_api.api.account import whoami as op
    from codomyrmex_coda_api.models import User

    return Call(op.request_kwargs(), User.from_dict)


def resolve_browser_link(url: str) -> Call[ApiLink]:
    """``GET /resolveBrowserLink``: what a coda.io URL points at."""
    from codomyrmex_coda_api.api.miscellaneous import resolve_browser_link as op
    from codomyrmex_coda_api.models import ApiLink

    if not isinstance(url, str) or not url.lower().startswith(("https://", "http://")):
        raise CodaConfigurationError(f"url must be a coda.io link (https://...), got {url!r}")
    return Call(op.request_kwargs(url_query=check.string("url", url)), ApiLink.from_dict)


def mutation_status(request_id: str) -> Call[MutationStatus]:
    """``GET /mutationStatus/{requestId}``: whether a queued write has been applied."""
    from codomyrmex_coda_api.api.miscellaneous import get_mutation_status as op
    from codomyrmex_coda_api.models import MutationStatus

    return Call(op.request_kwargs(check.opaque_id("request_id", request_id)), MutationStatus.from_dict)


# Docs --------------------------------------------------------------------------------------


def list_docs(
    *,
    query: str | None,
    is_owner: bool | None,
    workspace_id: str | None,
    folder_id: str | None,
    limit: int,
    page_token: str | None,
) -> Call[RawPage]:
    """``GET /docs``: one page of the docs visible to the token."""
    from codomyrmex_coda_api.api.docs import list_docs as op

    request = op.request_kwargs(
        query=_opt(check.optional_string("query", query)),
        is_owner=_opt(check.optional_flag("is_owner", is_owner)),
        workspace_id=_opt(check.optional_string("workspace_id", workspace_id)),
        folder_id=_opt(check.optional_string("folder_id", folder_id)),
        limit=limit,
        page_token=_opt(page_token),
    )
    return Call(request, raw_page)


def get_doc(doc_id: str) -> Call[Doc]:
    """``GET /docs/{docId}``: one doc."""
    from codomyrmex_coda_api.api.docs import get_doc as op
    from codomyrmex_coda_api.models import Doc

    return Call(op.request_kwargs(check.doc_id(doc_id)), Doc.from_dict)


def create_doc(
    title: str, *, source_doc: str | None, folder_id: str | None, timezone: str | None
) -> Call[DocumentCreationResult]:
    """``POST /docs``: create a doc (optionally a copy of another)."""
    from codomyrmex_coda_api.api.docs import create_doc as op
    from codomyrmex_coda_api.models import DocCreate, DocumentCreationResult

    body = DocCreate(
        title=check.title("title", title),
        source_doc=_opt(None if source_doc is None else check.doc_id(source_doc, "source_doc")),
        folder_id=_opt(check.optional_string("folder_id", folder_id)),
        timezone=_opt(check.optional_string("timezone", timezone)),
    )
    return Call(op.request_kwargs(body=body), DocumentCreationResult.from_dict)


def update_doc(doc_id: str, *, title: str | None, icon_name: str | None) -> Call[DocUpdateResult]:
    """``PATCH /docs/{docId}``: rename a doc or change its icon."""
    from codomyrmex_coda_api.api.docs import update_doc as op
    from codomyrmex_coda_api.models import DocUpdate, DocUpdateResult

    if title is None and icon_name is None:
        raise CodaConfigurationError("update_doc: pass title= and/or icon_name=")
    body = DocUpdate(
        title=_opt(check.optional_title("title", title)),
        icon_name=_opt(check.optional_title("icon_name", icon_name)),
    )
    return Call(op.request_kwargs(check.doc_id(doc_id), body=body), DocUpdateResult.from_dict)


def delete_doc(doc_id: str) -> Call[DocDelete]:
    """``DELETE /docs/{docId}``: delete a doc."""
    from codomyrmex_coda_api.api.docs import delete_doc as op
    from codomyrmex_coda_api.models import DocDelete

    return Call(op.request_kwargs(check.doc_id(doc_id)), DocDelete.from_dict)


# Pages -------------------------------------------------------------------------------------


def list_pages(doc_id: str, *, limit: int, page_token: str | None) -> Call[RawPage]:
    """``GET /docs/{docId}/pages``: one page of a doc's pages."""
    from codomyrmex_coda_api.api.pages import list_pages as op

    return Call(op.request_kwargs(check.doc_id(doc_id), limit=limit, page_token=_opt(page_token)), raw_page)


def get_page(doc_id: str, page: str) -> Call[Page]:
    """``GET /docs/{docId}/pages/{pageIdOrName}``: one page."""
    from codomyrmex_coda_api.api.pages import get_page as op
    from codomyrmex_coda_api.models import Page

    return Call(op.request_kwargs(check.doc_id(doc_id), check.id_or_name("page", page)), Page.from_dict)


def _page_content(html: str | None, markdown: str | None) -> Any:
    from codomyrmex_coda_api.models import PageContent, PageContentFormat

    if html is not None and markdown is not None:
        raise CodaConfigurationError("html/markdown: pass html= or markdown=, not both")
    html, markdown = check.optional_string("html", html), check.optional_string("markdown", markdown)
    if html is not None:
        return PageContent(format_=PageContentFormat.HTML, content=html)
    if markdown is not None:
        return PageContent(format_=PageContentFormat.MARKDOWN, content=markdown)
    return None


def create_page(
    doc_id: str,
    name: str,
    *,
    subtitle: str | None,
    parent_page_id: str | None,
    icon_name: str | None,
    html: str | None,
    markdown: str | None,
) -> Call[PageCreateResult]:
    """``POST /docs/{docId}/pages``: create a page, with HTML or Markdown content."""
    from codomyrmex_coda_api.api.pages import create_page as op
    from codomyrmex_coda_api.models import PageCreate, PageCreateContentType0, PageCreateResult, PageType

    content = _page_content(html, markdown)
    page_content = None if content is None else PageCreateContentType0(type_=PageType.CANVAS, canvas_content=content)
    body = PageCreate(
        name=check.title("name", name),
        subtitle=_opt(check.optional_string("subtitle", subtitle)),
        parent_page_id=_opt(None if parent_page_id is None else check.opaque_id("parent_page_id", parent_page_id)),
        icon_name=_opt(check.optional_title("icon_name", icon_name)),
        page_content=_opt(page_content),
    )
    return Call(op.request_kwargs(check.doc_id(doc_id), body=body), PageCreateResult.from_dict)


def update_page(
    doc_id: str,
    page: str,
    *,
    name: str | None,
    subtitle: str | None,
    is_hidden: bool | None,
    html: str | None,
    markdown: str | None,
    insertion_mode: InsertionModeName,
) -> Call[PageUpdateResult]:
    """``PUT /docs/{docId}/pages/{pageIdOrName}``: rename, hide or add content to a page."""
    from codomyrmex_coda_api.api.pages import update_page as op
    from codomyrmex_coda_api.models import (
        PageContentInsertionMode,
        PageUpdate,
        PageUpdateContentUpdate,
        PageUpdateResult,
    )

    check.choice("insertion_mode", insertion_mode, InsertionModeName)
    content = _page_content(html, markdown)
    update = None
    if content is not None:
        update = PageUpdateContentUpdate(
            insertion_mode=PageContentInsertionMode(insertion_mode), canvas_content=content
        )
    body = PageUpdate(
        name=_opt(check.optional_title("name", name)),
        subtitle=_opt(check.optional_string("subtitle", subtitle)),
        is_hidden=_opt(check.optional_flag("is_hidden", is_hidden)),
        content_update=_opt(update),
    )
    request = op.request_kwargs(check.doc_id(doc_id), check.id_or_name("page", page), body=body)
    return Call(request, PageUpdateResult.from_dict)


def delete_page(doc_id: str, page: str) -> Call[PageDeleteResult]:
    """``DELETE /docs/{docId}/pages/{pageIdOrName}``: delete a page."""
    from codomyrmex_coda_api.api.pages import delete_page as op
    from codomyrmex_coda_api.models import PageDeleteResult

    return Call(op.request_kwargs(check.doc_id(doc_id), check.id_or_name("page", page)), PageDeleteResult.from_dict)


def begin_page_export(
    doc_id: str, page: str, *, output_format: ExportFormatName
) -> Call[BeginPageContentExportResponse]:
    """``POST /docs/{docId}/pages/{pageIdOrName}/export``: start exporting a page's content."""
    from codomyrmex_coda_api.api.pages import begin_page_content_export as op
    from codomyrmex_coda_api.models import (
        BeginPageContentExportRequest,
        BeginPageContentExportResponse,
        PageContentOutputFormat,
    )

    body = BeginPageContentExportRequest(
        output_format=PageContentOutputFormat(check.choice("format", output_format, ExportFormatName))
    )
    request = op.request_kwargs(check.doc_id(doc_id), check.id_or_name("page", page), body=body)
    return Call(request, BeginPageContentExportResponse.from_dict)


def page_export_status(doc_id: str, page: str, request_id: str) -> Call[PageContentExportStatusResponse]:
    """``GET .../export/{requestId}``: the state of a page export (and its download link)."""
    from codomyrmex_coda_api.api.pages import get_page_content_export_status as op
    from codomyrmex_coda_api.models import PageContentExportStatusResponse

    request = op.request_kwargs(
        check.doc_id(doc_id), check.id_or_name("page", page), check.opaque_id("request_id", request_id)
    )
    return Call(request, PageContentExportStatusResponse.from_dict)


# Tables and columns ------------------------------------------------------------------------


def list_tables(
    doc_id: str, *, table_types: Sequence[TableTypeName] | None, limit: int, page_token: str | None
) -> Call[RawPage]:
    """``GET /docs/{docId}/tables``: one page of a doc's tables and views."""
    from codomyrmex_coda_api.api.tables import list_tables as op
    from codomyrmex_coda_api.models import TableType

    chosen = check.choices("table_types", table_types, TableTypeName)
    types = [TableType(t) for t in chosen] if chosen else None
    request = op.request_kwargs(check.doc_id(doc_id), table_types=_opt(types), limit=limit, page_token=_opt(page_token))
    return Call(request, raw_page)


def get_table(doc_id: str, table: str) -> Call[Table]:
    """``GET /docs/{docId}/tables/{tableIdOrName}``: one table or view, with its row count."""
    from codomyrmex_coda_api.api.tables import get_table as op
    from codomyrmex_coda_api.models import Table

    return Call(op.request_kwargs(check.doc_id(doc_id), check.id_or_name("table", table)), Table.from_dict)


def list_columns(
    doc_id: str, table: str, *, visible_only: bool | None, limit: int, page_token: str | None
) -> Call[RawPage]:
    """``GET .../tables/{tableIdOrName}/columns``: one page of a table's columns."""
    from codomyrmex_coda_api.api.columns import list_columns as op

    request = op.request_kwargs(
        check.doc_id(doc_id),
        check.id_or_name("table", table),
        visible_only=_opt(check.optional_flag("visible_only", visible_only)),
        limit=limit,
        page_token=_opt(page_token),
    )
    return Call(request, raw_page)


def get_column(doc_id: str, table: str, column: str) -> Call[ColumnDetail]:
    """``GET .../columns/{columnIdOrName}``: one column, with its format."""
    from codomyrmex_coda_api.api.columns import get_column as op
    from codomyrmex_coda_api.models import ColumnDetail

    request = op.request_kwargs(
        check.doc_id(doc_id), check.id_or_name("table", table), check.id_or_name("column", column)
    )
    return Call(request, ColumnDetail.from_dict)


# Rows --------------------------------------------------------------------------------------


def list_rows(
    doc_id: str,
    table: str,
    *,
    query: str | None,
    sort_by: SortByName | None,
    visible_only: bool | None,
    use_column_names: bool,
    value_format: ValueFormatName | None,
    limit: int,
    page_token: str | None,
    sync_token: str | None,
) -> Call[RawPage]:
    """``query`` is the already-validated string from :func:`~codomyrmex_cloud.coda.query.build_query`."""
    from codomyrmex_coda_api.api.rows import list_rows as op
    from codomyrmex_coda_api.models import RowsSortBy, ValueFormat

    sort_by = check.optional_choice("sort_by", sort_by, SortByName)
    value_format = check.optional_choice("value_format", value_format, ValueFormatName)
    if sync_token is not None and (not isinstance(sync_token, str) or not sync_token.strip()):
        raise CodaConfigurationError(f"sync_token must be a next_sync_token of an earlier read, got {sync_token!r}")
    request = op.request_kwargs(
        check.doc_id(doc_id),
        check.id_or_name("table_id", table),
        query=_opt(query),
        sort_by=_opt(RowsSortBy(sort_by) if sort_by else None),
        use_column_names=check.flag("use_column_names", use_column_names),
        value_format=_opt(ValueFormat(value_format) if value_format else None),
        visible_only=_opt(check.optional_flag("visible_only", visible_only)),
        limit=limit,
        page_token=_opt(page_token),
        sync_token=_opt(sync_token),
    )
    return Call(request, raw_page)


def get_row(
    doc_id: str, table: str, row: str, *, use_column_names: bool, value_format: ValueFormatName | None
) -> Call[dict[str, Any]]:
    """The row's JSON (checked for ``id``); the façade builds typed cells on access."""
    from codomyrmex_coda_api.api.rows import get_row as op
    from codomyrmex_coda_api.models import ValueFormat

    value_format = check.optional_choice("value_format", value_format, ValueFormatName)
    request = op.request_kwargs(
        check.doc_id(doc_id),
        check.id_or_name("table_id", table),
        check.id_or_name("row", row),
        use_column_names=check.flag("use_column_names", use_column_names),
        value_format=_opt(ValueFormat(value_format) if value_format else None),
    )
    return Call(request, raw_row)


def raw_row(data: Any) -> dict[str, Any]:
    """A row's JSON, checked for the fields every row has."""
    if not isinstance(data, dict) or not isinstance(data.get("values"), dict):
        raise KeyError("values")
    for key in ("id", "index"):
        if key not in data:
            raise KeyError(key)
    return data


def upsert_rows(
    doc_id: str, table: str, rows: list[dict[str, Any]], *, key_columns: Sequence[str] | None
) -> Call[RowsUpsertResult]:
    """``rows`` are :func:`~codomyrmex_cloud.coda.bulk.row_json` dicts, already validated."""
    from codomyrmex_coda_api.api.rows import upsert_rows as op
    from codomyrmex_coda_api.models import RowsUpsert, RowsUpsertResult

    body: dict[str, Any] = {"rows": rows}
    if key_columns:
        body["keyColumns"] = list(key_columns)
    # The generated builder checks the operation and path; the body is already Coda's JSON
    # (validated cell by cell), so it is sent as is instead of round-tripping 500 rows
    # through the attrs models and back.
    request = op.request_kwargs(check.doc_id(doc_id), check.id_or_name("table_id", table), body=RowsUpsert(rows=[]))
    del request["json"]
    request["content"] = json_body.dumps(body)  # Content-Type: application/json is already set
    return Call(request, RowsUpsertResult.from_dict)


def update_row(doc_id: str, table: str, row: str, edit: dict[str, Any]) -> Call[RowUpdateResult]:
    """``PUT .../rows/{rowIdOrName}``: set cells of one row."""
    from codomyrmex_coda_api.api.rows import update_row as op
    from codomyrmex_coda_api.models import RowUpdate, RowUpdateResult

    request = op.request_kwargs(
        check.doc_id(doc_id),
        check.id_or_name("table_id", table),
        check.id_or_name("row", row),
        body=RowUpdate.from_dict({"row": edit}),
    )
    return Call(request, RowUpdateResult.from_dict)


def delete_row(doc_id: str, table: str, row: str) -> Call[RowDeleteResult]:
    """``DELETE .../rows/{rowIdOrName}``: delete one row."""
    from codomyrmex_coda_api.api.rows import delete_row as op
    from codomyrmex_coda_api.models import RowDeleteResult

    request = op.request_kwargs(check.doc_id(doc_id), check.id_or_name("table_id", table), check.id_or_name("row", row))
    return Call(request, RowDeleteResult.from_dict)


def delete_rows(doc_id: str, table: str, row_ids: list[str]) -> Call[RowsDeleteResult]:
    """``DELETE .../rows``: delete rows by id."""
    from codomyrmex_coda_api.api.rows import delete_rows as op
    from codomyrmex_coda_api.models import RowsDelete, RowsDeleteResult

    request = op.request_kwargs(
        check.doc_id(doc_id), check.id_or_name("table_id", table), body=RowsDelete(row_ids=row_ids)
    )
    return Call(request, RowsDeleteResult.from_dict)


def push_button(doc_id: str, table: str, row: str, column: str) -> Call[PushButtonResult]:
    """``POST .../rows/{rowIdOrName}/buttons/{columnIdOrName}``: press a button."""
    from codomyrmex_coda_api.api.rows import push_button as op
    from codomyrmex_coda_api.models import PushButtonResult

    request = op.request_kwargs(
        check.doc_id(doc_id),
        check.id_or_name("table_id", table),
        check.id_or_name("row", row),
        check.id_or_name("column", column),
    )
    return Call(request, PushButtonResult.from_dict)


# Formulas and controls ---------------------------------------------------------------------


def list_formulas(doc_id: str, *, limit: int, page_token: str | None) -> Call[RawPage]:
    """``GET /docs/{docId}/formulas``: one page of a doc's named formulas."""
    from codomyrmex_coda_api.api.formulas import list_formulas as op

    return Call(op.request_kwargs(check.doc_id(doc_id), limit=limit, page_token=_opt(page_token)), raw_page)


def get_formula(doc_id: str, formula: str) -> Call[Formula]:
    """``GET /docs/{docId}/formulas/{formulaIdOrName}``: a formula and its value."""
    from codomyrmex_coda_api.api.formulas import get_formula as op
    from codomyrmex_coda_api.models import Formula

    return Call(op.request_kwargs(check.doc_id(doc_id), check.id_or_name("formula", formula)), Formula.from_dict)


def list_controls(doc_id: str, *, limit: int, page_token: str | None) -> Call[RawPage]:
    """``GET /docs/{docId}/controls``: one page of a doc's controls."""
    from codomyrmex_coda_api.api.controls import list_controls as op

    return Call(op.request_kwargs(check.doc_id(doc_id), limit=limit, page_token=_opt(page_token)), raw_page)


def get_control(doc_id: str, control: str) -> Call[Control]:
    """``GET /docs/{docId}/controls/{controlIdOrName}``: a control and its value."""
    from codomyrmex_coda_api.api.controls import get_control as op
    from codomyrmex_coda_api.models import Control

    return Call(op.request_kwargs(check.doc_id(doc_id), check.id_or_name("control", control)), Control.from_dict)


# Permissions and sharing -------------------------------------------------------------------


def list_permissions(doc_id: str, *, limit: int, page_token: str | None) -> Call[RawPage]:
    """``GET /docs/{docId}/acl/permissions``: one page of a doc's permissions."""
    from codomyrmex_coda_api.api.permissions import get_permissions as op

    return Call(op.request_kwargs(check.doc_id(doc_id), limit=limit, page_token=_opt(page_token)), raw_page)


def add_permission(
    doc_id: str,
    *,
    access: AccessName,
    email: str | None,
    domain: str | None,
    anyone: bool,
    suppress_email: bool | None,
) -> Call[AddPermissionResult]:
    """``POST /docs/{docId}/acl/permissions``: share a doc with a user, a domain or anyone."""
    from codomyrmex_coda_api.api.permissions import add_permission as op
    from codomyrmex_coda_api.models import (
        AccessTypeNotNone,
        AddedAnyonePrincipal,
        AddedDomainPrincipal,
        AddedEmailPrincipal,
        AddPermissionRequest,
        AddPermissionResult,
        PrincipalType,
    )

    check.choice("access", access, AccessName)
    check.flag("anyone", anyone)
    if sum((email is not None, domain is not None, anyone)) != 1:
        raise CodaConfigurationError("add_permission: give exactly one principal: email=, domain= or anyone=True")
    principal: AddedEmailPrincipal | AddedDomainPrincipal | AddedAnyonePrincipal
    if email is not None:
        principal = AddedEmailPrincipal(type_=PrincipalType.EMAIL, email=_address("email", email, "@"))
    elif domain is not None:
        principal = AddedDomainPrincipal(type_=PrincipalType.DOMAIN, domain=_address("domain", domain, "."))
    else:
        principal = AddedAnyonePrincipal(type_=PrincipalType.ANYONE)
    body = AddPermissionRequest(
        access=AccessTypeNotNone(access),
        principal=principal,
        suppress_email=_opt(check.optional_flag("suppress_email", suppress_email)),
    )
    return Call(op.request_kwargs(check.doc_id(doc_id), body=body), AddPermissionResult.from_dict)


def _address(name: str, value: object, mark: str) -> str:
    """An email address or domain: text with ``mark`` inside it, no whitespace or control characters."""
    text = check.string(name, value)
    if mark not in text.strip(mark) or any(char.isspace() or not char.isprintable() for char in text):
        raise CodaConfigurationError(f"{name}: {text[:80]!r} is not a valid {name}")
    return text


def delete_permission(doc_id: str, permission_id: str) -> Call[DeletePermissionResult]:
    """``DELETE /docs/{docId}/acl/permissions/{permissionId}``: remove one permission."""
    from codomyrmex_coda_api.api.permissions import delete_permission as op
    from codomyrmex_coda_api.models import DeletePermissionResult

    request = op.request_kwargs(check.doc_id(doc_id), check.opaque_id("permission_id", permission_id))
    return Call(request, DeletePermissionResult.from_dict)


def search_principals(doc_id: str, query: str | None) -> Call[SearchPrincipalsResponse]:
    """``GET /docs/{docId}/acl/principals/search``: users and groups matching a query."""
    from codomyrmex_coda_api.api.permissions import search_principals as op
    from codomyrmex_coda_api.models import SearchPrincipalsResponse

    request = op.request_kwargs(check.doc_id(doc_id), query=_opt(check.optional_string("query", query)))
    return Call(request, SearchPrincipalsResponse.from_dict)


def sharing_metadata(doc_id: str) -> Call[AclMetadata]:
    """``GET /docs/{docId}/acl/metadata``: what the token may do when sharing a doc."""
    from codomyrmex_coda_api.api.permissions import get_sharing_metadata as op
    from codomyrmex_coda_api.models import AclMetadata

    return Call(op.request_kwargs(check.doc_id(doc_id)), AclMetadata.from_dict)


def get_acl_settings(doc_id: str) -> Call[AclSettings]:
    """``GET /docs/{docId}/acl/settings``: a doc's sharing settings."""
    from codomyrmex_coda_api.api.permissions import get_acl_settings as op
    from codomyrmex_coda_api.models import AclSettings

    return Call(op.request_kwargs(check.doc_id(doc_id)), AclSettings.from_dict)


def update_acl_settings(
    doc_id: str,
    *,
    allow_editors_to_change_permissions: bool | None,
    allow_copying: bool | None,
    allow_viewers_to_request_editing: bool | None,
) -> Call[AclSettings]:
    """``PATCH /docs/{docId}/acl/settings``: change a doc's sharing settings."""
    from codomyrmex_coda_api.api.permissions import update_acl_settings as op
    from codomyrmex_coda_api.models import AclSettings, UpdateAclSettingsRequest

    body = UpdateAclSettingsRequest(
        allow_editors_to_change_permissions=_opt(
            check.optional_flag("allow_editors_to_change_permissions", allow_editors_to_change_permissions)
        ),
        allow_copying=_opt(check.optional_flag("allow_copying", allow_copying)),
        allow_viewers_to_request_editing=_opt(
            check.optional_flag("allow_viewers_to_request_editing", allow_viewers_to_request_editing)
        ),
    )
    return Call(op.request_kwargs(check.doc_id(doc_id), body=body), AclSettings.from_dict)
