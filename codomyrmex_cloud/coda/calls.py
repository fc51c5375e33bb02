"""One builder per Coda operation the façade covers; shared by the sync and async clients."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from codomyrmex_cloud.coda.errors import CodaConfigurationError
from codomyrmex_cloud.coda.ops import Call, model, row_edit, unset_none
from codomyrmex_cloud.coda.query import JSONScalar, build_query

if TYPE_CHECKING:
    from codomyrmex_coda_api.models import (
        Acl as AclList,
    )
    from codomyrmex_coda_api.models import (
        AclMetadata,
        AclSettings,
        AddPermissionResult,
        ApiLink,
        ColumnDetail,
        ColumnList,
        Control,
        ControlList,
        Doc,
        DocDelete,
        DocList,
        DocumentCreationResult,
        DocUpdateResult,
        Formula,
        FormulaList,
        MutationStatus,
        Page,
        PageCreateResult,
        PageDeleteResult,
        PageList,
        PageUpdateResult,
        PushButtonResult,
        RowDeleteResult,
        RowDetail,
        RowEdit,
        RowList,
        RowsDeleteResult,
        RowsUpsertResult,
        RowUpdateResult,
        Table,
        TableList,
        User,
    )
    from codomyrmex_coda_api.models import (
        DeletePermissionResult as DeletePermissionResultModel,
    )


def whoami() -> Call[User]:
    return Call("account.whoami", model("User"))


def resolve_browser_link(url: str) -> Call[ApiLink]:
    return Call("miscellaneous.resolve_browser_link", model("ApiLink"), kwargs={"url_query": url})


def mutation_status(request_id: str) -> Call[MutationStatus]:
    return Call("miscellaneous.get_mutation_status", model("MutationStatus"), (request_id,))


# Docs ------------------------------------------------------------------------------------


def list_docs(
    *,
    query: str | None,
    is_owner: bool | None,
    workspace_id: str | None,
    folder_id: str | None,
    limit: int | None,
    page_token: str | None,
) -> Call[DocList]:
    kwargs = unset_none(
        query=query,
        is_owner=is_owner,
        workspace_id=workspace_id,
        folder_id=folder_id,
        limit=limit,
        page_token=page_token,
    )
    return Call("docs.list_docs", model("DocList"), kwargs=kwargs)


def get_doc(doc_id: str) -> Call[Doc]:
    return Call("docs.get_doc", model("Doc"), (doc_id,))


def create_doc(
    title: str, *, source_doc: str | None, folder_id: str | None, timezone: str | None
) -> Call[DocumentCreationResult]:
    body = model("DocCreate")(**unset_none(title=title, source_doc=source_doc, folder_id=folder_id, timezone=timezone))
    return Call("docs.create_doc", model("DocumentCreationResult"), kwargs={"body": body})


def update_doc(doc_id: str, *, title: str | None, icon_name: str | None) -> Call[DocUpdateResult]:
    body = model("DocUpdate")(**unset_none(title=title, icon_name=icon_name))
    return Call("docs.update_doc", model("DocUpdateResult"), (doc_id,), {"body": body})


def delete_doc(doc_id: str) -> Call[DocDelete]:
    return Call("docs.delete_doc", model("DocDelete"), (doc_id,))


# Pages -----------------------------------------------------------------------------------


def list_pages(doc_id: str, *, limit: int | None, page_token: str | None) -> Call[PageList]:
    return Call("pages.list_pages", model("PageList"), (doc_id,), unset_none(limit=limit, page_token=page_token))


def get_page(doc_id: str, page: str) -> Call[Page]:
    return Call("pages.get_page", model("Page"), (doc_id, page))


def _page_content(html: str | None, markdown: str | None) -> object:
    if html is not None and markdown is not None:
        raise CodaConfigurationError("pass html= or markdown=, not both")
    text, fmt = (html, "html") if html is not None else (markdown, "markdown")
    if text is None:
        return None
    return model("PageContent")(format_=model("PageContentFormat")(fmt), content=text)


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
    content = _page_content(html, markdown)
    page_content = None
    if content is not None:
        page_content = model("PageCreateContentType0")(type_=model("PageType")("canvas"), canvas_content=content)
    body = model("PageCreate")(
        **unset_none(
            name=name,
            subtitle=subtitle,
            parent_page_id=parent_page_id,
            icon_name=icon_name,
            page_content=page_content,
        )
    )
    return Call("pages.create_page", model("PageCreateResult"), (doc_id,), {"body": body})


def update_page(
    doc_id: str,
    page: str,
    *,
    name: str | None,
    subtitle: str | None,
    is_hidden: bool | None,
    html: str | None,
    markdown: str | None,
    insertion_mode: str,
) -> Call[PageUpdateResult]:
    content = _page_content(html, markdown)
    content_update = None
    if content is not None:
        content_update = model("PageUpdateContentUpdate")(
            insertion_mode=model("PageContentInsertionMode")(insertion_mode), canvas_content=content
        )
    body = model("PageUpdate")(
        **unset_none(name=name, subtitle=subtitle, is_hidden=is_hidden, content_update=content_update)
    )
    return Call("pages.update_page", model("PageUpdateResult"), (doc_id, page), {"body": body})


def delete_page(doc_id: str, page: str) -> Call[PageDeleteResult]:
    return Call("pages.delete_page", model("PageDeleteResult"), (doc_id, page))


# Tables and columns ----------------------------------------------------------------------


def list_tables(
    doc_id: str, *, table_types: Sequence[str] | None, limit: int | None, page_token: str | None
) -> Call[TableList]:
    types = [model("TableType")(t) for t in table_types] if table_types else None
    kwargs = unset_none(table_types=types, limit=limit, page_token=page_token)
    return Call("tables.list_tables", model("TableList"), (doc_id,), kwargs)


def get_table(doc_id: str, table: str) -> Call[Table]:
    return Call("tables.get_table", model("Table"), (doc_id, table))


def list_columns(
    doc_id: str, table: str, *, visible_only: bool | None, limit: int | None, page_token: str | None
) -> Call[ColumnList]:
    kwargs = unset_none(visible_only=visible_only, limit=limit, page_token=page_token)
    return Call("columns.list_columns", model("ColumnList"), (doc_id, table), kwargs)


def get_column(doc_id: str, table: str, column: str) -> Call[ColumnDetail]:
    return Call("columns.get_column", model("ColumnDetail"), (doc_id, table, column))


# Rows ------------------------------------------------------------------------------------


def list_rows(
    doc_id: str,
    table: str,
    *,
    query: str | None,
    where: Mapping[str, JSONScalar] | None,
    sort_by: str | None,
    visible_only: bool | None,
    use_column_names: bool,
    value_format: str | None,
    limit: int | None,
    page_token: str | None,
) -> Call[RowList]:
    kwargs = unset_none(
        query=build_query(query, where),
        sort_by=model("RowsSortBy")(sort_by) if sort_by else None,
        visible_only=visible_only,
        use_column_names=use_column_names,
        value_format=model("ValueFormat")(value_format) if value_format else None,
        limit=limit,
        page_token=page_token,
    )
    return Call("rows.list_rows", model("RowList"), (doc_id, table), kwargs)


def get_row(doc_id: str, table: str, row: str, *, use_column_names: bool, value_format: str | None) -> Call[RowDetail]:
    kwargs = unset_none(
        use_column_names=use_column_names,
        value_format=model("ValueFormat")(value_format) if value_format else None,
    )
    return Call("rows.get_row", model("RowDetail"), (doc_id, table, row), kwargs)


def upsert_rows(
    doc_id: str, table: str, edits: list[RowEdit], *, key_columns: Sequence[str] | None
) -> Call[RowsUpsertResult]:
    body = model("RowsUpsert")(**unset_none(rows=edits, key_columns=list(key_columns) if key_columns else None))
    return Call("rows.upsert_rows", model("RowsUpsertResult"), (doc_id, table), {"body": body})


def update_row(doc_id: str, table: str, row: str, values: Mapping[str, object]) -> Call[RowUpdateResult]:
    body = model("RowUpdate")(row=row_edit(values))
    return Call("rows.update_row", model("RowUpdateResult"), (doc_id, table, row), {"body": body})


def delete_row(doc_id: str, table: str, row: str) -> Call[RowDeleteResult]:
    return Call("rows.delete_row", model("RowDeleteResult"), (doc_id, table, row))


def delete_rows(doc_id: str, table: str, row_ids: list[str]) -> Call[RowsDeleteResult]:
    body = model("RowsDelete")(row_ids=row_ids)
    return Call("rows.delete_rows", model("RowsDeleteResult"), (doc_id, table), {"body": body})


def push_button(doc_id: str, table: str, row: str, column: str) -> Call[PushButtonResult]:
    return Call("rows.push_button", model("PushButtonResult"), (doc_id, table, row, column))


# Formulas and controls -------------------------------------------------------------------


def list_formulas(doc_id: str, *, limit: int | None, page_token: str | None) -> Call[FormulaList]:
    kwargs = unset_none(limit=limit, page_token=page_token)
    return Call("formulas.list_formulas", model("FormulaList"), (doc_id,), kwargs)


def get_formula(doc_id: str, formula: str) -> Call[Formula]:
    return Call("formulas.get_formula", model("Formula"), (doc_id, formula))


def list_controls(doc_id: str, *, limit: int | None, page_token: str | None) -> Call[ControlList]:
    kwargs = unset_none(limit=limit, page_token=page_token)
    return Call("controls.list_controls", model("ControlList"), (doc_id,), kwargs)


def get_control(doc_id: str, control: str) -> Call[Control]:
    return Call("controls.get_control", model("Control"), (doc_id, control))


# Permissions and sharing -----------------------------------------------------------------


def list_permissions(doc_id: str, *, limit: int | None, page_token: str | None) -> Call[AclList]:
    kwargs = unset_none(limit=limit, page_token=page_token)
    return Call("permissions.get_permissions", model("Acl"), (doc_id,), kwargs)


def add_permission(
    doc_id: str,
    *,
    access: str,
    email: str | None,
    domain: str | None,
    anyone: bool,
    suppress_email: bool | None,
) -> Call[AddPermissionResult]:
    chosen = [p for p in (email is not None, domain is not None, anyone) if p]
    if len(chosen) != 1:
        raise CodaConfigurationError("give exactly one principal: email=, domain= or anyone=True")
    principal_type = model("PrincipalType")
    if email is not None:
        principal = model("AddedEmailPrincipal")(type_=principal_type("email"), email=email)
    elif domain is not None:
        principal = model("AddedDomainPrincipal")(type_=principal_type("domain"), domain=domain)
    else:
        principal = model("AddedAnyonePrincipal")(type_=principal_type("anyone"))
    body = model("AddPermissionRequest")(
        **unset_none(access=model("AccessTypeNotNone")(access), principal=principal, suppress_email=suppress_email)
    )
    return Call("permissions.add_permission", model("AddPermissionResult"), (doc_id,), {"body": body})


def delete_permission(doc_id: str, permission_id: str) -> Call[DeletePermissionResultModel]:
    return Call("permissions.delete_permission", model("DeletePermissionResult"), (doc_id, permission_id))


def sharing_metadata(doc_id: str) -> Call[AclMetadata]:
    return Call("permissions.get_sharing_metadata", model("AclMetadata"), (doc_id,))


def get_acl_settings(doc_id: str) -> Call[AclSettings]:
    return Call("permissions.get_acl_settings", model("AclSettings"), (doc_id,))


def update_acl_settings(
    doc_id: str,
    *,
    allow_editors_to_change_permissions: bool | None,
    allow_copying: bool | None,
    allow_viewers_to_request_editing: bool | None,
) -> Call[AclSettings]:
    body = model("UpdateAclSettingsRequest")(
        **unset_none(
            allow_editors_to_change_permissions=allow_editors_to_change_permissions,
            allow_copying=allow_copying,
            allow_viewers_to_request_editing=allow_viewers_to_request_editing,
        )
    )
    return Call("permissions.update_acl_settings", model("AclSettings"), (doc_id,), {"body": body})
