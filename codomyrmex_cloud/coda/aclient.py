"""``AsyncCodaClient``: the asyncio twin of ``CodaClient``, with the same surface.

Request building (:mod:`codomyrmex_cloud.coda.calls`), parsing, error mapping, paging state
and rate limiting are shared with :class:`CodaClient`; only sending and sleeping differ.
Operations the façade does not cover are reachable through ``client.api`` with
``asyncio_detailed``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar

import httpx
from codomyrmex_coda_api.client import AuthenticatedClient
from codomyrmex_coda_api.types import Unset

from codomyrmex_cloud.coda import calls
from codomyrmex_cloud.coda.config import ClientSettings
from codomyrmex_cloud.coda.errors import CodaConfigurationError
from codomyrmex_cloud.coda.facade import AsyncColumn, AsyncDoc, AsyncPage, AsyncRow, AsyncTable
from codomyrmex_cloud.coda.mutations import AsyncMutation
from codomyrmex_cloud.coda.ops import (
    BulkWriteLog,
    Call,
    CellInput,
    WriteProgress,
    batches,
    expect,
    id_batches,
    row_edit,
)
from codomyrmex_cloud.coda.paging import AsyncPaginated
from codomyrmex_cloud.coda.query import JSONScalar
from codomyrmex_cloud.coda.ratelimit import RateLimits
from codomyrmex_cloud.coda.retry import RetryPolicy
from codomyrmex_cloud.coda.transport import AsyncCodaTransport

if TYPE_CHECKING:
    from codomyrmex_coda_api.models import AclMetadata as SharingMetadata
    from codomyrmex_coda_api.models import (
        AclSettings,
        AddPermissionResult,
        ApiLink,
        Control,
        ControlReference,
        Formula,
        FormulaReference,
        MutationStatus,
        Permission,
        User,
    )

M = TypeVar("M")
T = TypeVar("T")
ItemT = TypeVar("ItemT")


class _ListAnswer(Protocol[ItemT]):
    """What every generated ``*List`` model has: a page of items and the next token."""

    @property
    def items(self) -> list[ItemT]: ...
    @property
    def next_page_token(self) -> str | Unset: ...


class AsyncCodaClient:
    """Async Coda API client; the same arguments and methods as :class:`CodaClient`.

    Args:
        api_token: Coda API token; defaults to the ``CODA_API_TOKEN`` environment variable.
        base_url: API root; defaults to ``CODA_BASE_URL`` from the environment, then
            Coda's own (point it at a fake server in tests).
        timeout: Seconds for connect/read/write of one attempt.
        max_retries: Retries of a failed request (429, 5xx, connection errors); see
            :class:`RetryPolicy` for what is never repeated.
        retry: A full :class:`RetryPolicy` (overrides ``max_retries``).
        rate_limits: Client-side limits (Coda's published ones by default);
            ``RateLimits.disabled()`` turns them off.
        transport: The httpx transport to send through (tests pass one).
        sleep: How to wait (tests inject a fake clock).

    Raises:
        CodaConfigurationError: No token given and none in the environment.
    """

    def __init__(
        self,
        api_token: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 5,
        retry: RetryPolicy | None = None,
        rate_limits: RateLimits | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._settings = ClientSettings.resolve(api_token, base_url, timeout, max_retries, retry, rate_limits)
        self._sleep = sleep
        wrapped = AsyncCodaTransport(
            transport or httpx.AsyncHTTPTransport(),
            limiter=self._settings.limiter,
            policy=self._settings.retry,
            sleep=sleep,
        )
        self.api = AuthenticatedClient(base_url=self._settings.base_url, token=self._settings.token)
        self.api.set_async_httpx_client(self._settings.httpx_client(httpx.AsyncClient, wrapped))

    def __repr__(self) -> str:
        return f"AsyncCodaClient(base_url={self._settings.base_url!r}, api_token=<redacted>)"

    async def __aenter__(self) -> AsyncCodaClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self.api.get_async_httpx_client().aclose()

    # Plumbing ---------------------------------------------------------------------------

    async def _arun(self, call: Call[M]) -> M:
        response = await call.module().asyncio_detailed(*call.args, client=self.api, **call.kwargs)
        return expect(response, call.model)

    async def _listing(
        self, build: Callable[[str | None], Call[_ListAnswer[ItemT]]], convert: Callable[[ItemT], T]
    ) -> AsyncPaginated[T]:
        """Run the first page of a list call and wire up the rest lazily."""

        async def fetch(token: str | None) -> AsyncPaginated[T]:
            answer = await self._arun(build(token))
            items = [convert(item) for item in answer.items]
            next_token = answer.next_page_token
            return AsyncPaginated(items, next_token if isinstance(next_token, str) else None, fetch)

        return await fetch(None)

    async def _mutation(self, request_ids: Sequence[str], row_ids: Sequence[str], wait: bool) -> AsyncMutation:
        mutation = AsyncMutation(tuple(request_ids), tuple(row_ids), self._status, self._sleep)
        return await mutation.wait() if wait else mutation

    async def _status(self, request_id: str) -> tuple[bool, str | None]:
        status = await self.get_mutation_status(request_id)
        warning = status.warning if isinstance(status.warning, str) else None
        return status.completed, warning

    # Account and links ------------------------------------------------------------------

    async def whoami(self) -> User:
        """The user the token belongs to."""
        return await self._arun(calls.whoami())

    async def resolve_browser_link(self, url: str) -> ApiLink:
        """What a coda.io browser URL points at (doc, page, table, row ...)."""
        return await self._arun(calls.resolve_browser_link(url))

    async def get_mutation_status(self, request_id: str) -> MutationStatus:
        return await self._arun(calls.mutation_status(request_id))

    # Docs -------------------------------------------------------------------------------

    async def list_docs(
        self,
        *,
        query: str | None = None,
        is_owner: bool | None = None,
        workspace_id: str | None = None,
        folder_id: str | None = None,
        limit: int | None = None,
    ) -> AsyncPaginated[AsyncDoc]:
        """Docs visible to the token; iterate the result for all pages."""
        return await self._listing(
            lambda token: calls.list_docs(
                query=query,
                is_owner=is_owner,
                workspace_id=workspace_id,
                folder_id=folder_id,
                limit=limit,
                page_token=token,
            ),
            lambda item: AsyncDoc(self, item),
        )

    async def get_doc(self, doc_id: str) -> AsyncDoc:
        """Fetch a doc. Raises CodaNotFoundError if it does not exist."""
        return AsyncDoc(self, await self._arun(calls.get_doc(doc_id)))

    doc = get_doc

    async def create_doc(
        self,
        title: str,
        *,
        source_doc: str | None = None,
        folder_id: str | None = None,
        timezone: str | None = None,
    ) -> AsyncDoc:
        created = await self._arun(
            calls.create_doc(title, source_doc=source_doc, folder_id=folder_id, timezone=timezone)
        )
        return AsyncDoc(self, created)

    async def update_doc(self, doc_id: str, *, title: str | None = None, icon_name: str | None = None) -> None:
        await self._arun(calls.update_doc(doc_id, title=title, icon_name=icon_name))

    async def delete_doc(self, doc_id: str) -> None:
        """Delete a doc (queued by Coda; a second delete raises CodaNotFoundError or CodaGoneError)."""
        await self._arun(calls.delete_doc(doc_id))

    # Pages ------------------------------------------------------------------------------

    async def list_pages(self, doc_id: str, *, limit: int | None = None) -> AsyncPaginated[AsyncPage]:
        return await self._listing(
            lambda token: calls.list_pages(doc_id, limit=limit, page_token=token),
            lambda item: AsyncPage(self, item, doc_id),
        )

    async def get_page(self, doc_id: str, page: str) -> AsyncPage:
        return AsyncPage(self, await self._arun(calls.get_page(doc_id, page)), doc_id)

    async def create_page(
        self,
        doc_id: str,
        name: str,
        *,
        subtitle: str | None = None,
        parent_page_id: str | None = None,
        icon_name: str | None = None,
        html: str | None = None,
        markdown: str | None = None,
        wait: bool = False,
    ) -> AsyncMutation:
        """Create a page; the new page id is ``mutation.row_ids[0]``."""
        result = await self._arun(
            calls.create_page(
                doc_id,
                name,
                subtitle=subtitle,
                parent_page_id=parent_page_id,
                icon_name=icon_name,
                html=html,
                markdown=markdown,
            )
        )
        return await self._mutation([result.request_id], [result.id], wait)

    async def update_page(
        self,
        doc_id: str,
        page: str,
        *,
        name: str | None = None,
        subtitle: str | None = None,
        is_hidden: bool | None = None,
        html: str | None = None,
        markdown: str | None = None,
        insertion_mode: str = "append",
        wait: bool = False,
    ) -> AsyncMutation:
        result = await self._arun(
            calls.update_page(
                doc_id,
                page,
                name=name,
                subtitle=subtitle,
                is_hidden=is_hidden,
                html=html,
                markdown=markdown,
                insertion_mode=insertion_mode,
            )
        )
        return await self._mutation([result.request_id], [result.id], wait)

    async def delete_page(self, doc_id: str, page: str, *, wait: bool = False) -> AsyncMutation:
        result = await self._arun(calls.delete_page(doc_id, page))
        return await self._mutation([result.request_id], [result.id], wait)

    # Tables and columns -----------------------------------------------------------------

    async def list_tables(
        self, doc_id: str, *, table_types: Sequence[str] | None = None, limit: int | None = None
    ) -> AsyncPaginated[AsyncTable]:
        return await self._listing(
            lambda token: calls.list_tables(doc_id, table_types=table_types, limit=limit, page_token=token),
            lambda item: AsyncTable(self, item, doc_id),
        )

    async def get_table(self, doc_id: str, table: str) -> AsyncTable:
        table_model = await self._arun(calls.get_table(doc_id, table))
        return AsyncTable(self, table_model, doc_id)

    async def list_columns(
        self, doc_id: str, table: str, *, visible_only: bool | None = None, limit: int | None = None
    ) -> AsyncPaginated[AsyncColumn]:
        return await self._listing(
            lambda token: calls.list_columns(doc_id, table, visible_only=visible_only, limit=limit, page_token=token),
            lambda item: AsyncColumn(self, item),
        )

    async def get_column(self, doc_id: str, table: str, column: str) -> AsyncColumn:
        column_model = await self._arun(calls.get_column(doc_id, table, column))
        return AsyncColumn(self, column_model)

    # Rows -------------------------------------------------------------------------------

    async def list_rows(
        self,
        doc_id: str,
        table_id: str,
        *,
        query: str | None = None,
        where: Mapping[str, JSONScalar] | None = None,
        sort_by: str | None = None,
        visible_only: bool | None = None,
        use_column_names: bool = True,
        value_format: str | None = None,
        limit: int | None = None,
    ) -> AsyncPaginated[AsyncRow]:
        """Rows of a table, filtered by ``query``/``where`` (validated before sending).

        Values are keyed by column name unless ``use_column_names=False``.
        """
        return await self._listing(
            lambda token: calls.list_rows(
                doc_id,
                table_id,
                query=query,
                where=where,
                sort_by=sort_by,
                visible_only=visible_only,
                use_column_names=use_column_names,
                value_format=value_format,
                limit=limit,
                page_token=token,
            ),
            lambda item: AsyncRow(self, item, doc_id, table_id),
        )

    async def get_row(
        self,
        doc_id: str,
        table_id: str,
        row: str,
        *,
        use_column_names: bool = True,
        value_format: str | None = None,
    ) -> AsyncRow:
        answer = await self._arun(
            calls.get_row(doc_id, table_id, row, use_column_names=use_column_names, value_format=value_format)
        )
        return AsyncRow(self, answer, doc_id, table_id)

    async def insert_rows(
        self,
        doc_id: str,
        table_id: str,
        rows: Sequence[Mapping[str, CellInput]],
        *,
        wait: bool = False,
        progress: WriteProgress | None = None,
    ) -> AsyncMutation:
        """Add rows (never retried after Coda may have applied them: that would duplicate).

        Rows are sent in batches (by count and request size); ``progress(rows_sent, total)``
        is called after each. A batch that fails raises CodaPartialWriteError carrying what
        earlier batches wrote.
        """
        return await self._write_rows(doc_id, table_id, rows, None, wait, progress)

    async def upsert_rows(
        self,
        doc_id: str,
        table_id: str,
        rows: Sequence[Mapping[str, CellInput]],
        *,
        key_columns: Sequence[str],
        wait: bool = False,
        progress: WriteProgress | None = None,
    ) -> AsyncMutation:
        """Update rows matching ``key_columns``, add the rest; safe to retry. Batched as
        :meth:`insert_rows`."""
        if not key_columns:
            raise CodaConfigurationError("upsert needs key_columns; use insert_rows to add rows")
        return await self._write_rows(doc_id, table_id, rows, key_columns, wait, progress)

    async def _write_rows(
        self,
        doc_id: str,
        table_id: str,
        rows: Sequence[Mapping[str, CellInput]],
        key_columns: Sequence[str] | None,
        wait: bool,
        progress: WriteProgress | None,
    ) -> AsyncMutation:
        edits = [row_edit(values) for values in rows]  # validate every row before sending any
        log = BulkWriteLog(len(edits), progress)
        for batch in batches(edits):
            with log.batch(len(batch)):
                result = await self._arun(calls.upsert_rows(doc_id, table_id, batch, key_columns=key_columns))
                log.accepted(result.request_id, result.added_row_ids if isinstance(result.added_row_ids, list) else [])
        return await self._mutation(log.request_ids, log.row_ids, wait)

    async def update_row(
        self, doc_id: str, table_id: str, row: str, values: Mapping[str, CellInput], *, wait: bool = False
    ) -> AsyncMutation:
        result = await self._arun(calls.update_row(doc_id, table_id, row, values))
        return await self._mutation([result.request_id], [result.id], wait)

    async def delete_row(self, doc_id: str, table_id: str, row: str, *, wait: bool = False) -> AsyncMutation:
        result = await self._arun(calls.delete_row(doc_id, table_id, row))
        return await self._mutation([result.request_id], [result.id], wait)

    async def delete_rows(
        self, doc_id: str, table_id: str, row_ids: Sequence[str], *, wait: bool = False
    ) -> AsyncMutation:
        log = BulkWriteLog(len(row_ids), None)
        for batch in id_batches(list(row_ids)):
            with log.batch(len(batch)):
                result = await self._arun(calls.delete_rows(doc_id, table_id, batch))
                log.accepted(result.request_id, result.row_ids)
        return await self._mutation(log.request_ids, log.row_ids, wait)

    async def push_button(
        self, doc_id: str, table_id: str, row: str, column: str, *, wait: bool = False
    ) -> AsyncMutation:
        result = await self._arun(calls.push_button(doc_id, table_id, row, column))
        return await self._mutation([result.request_id], [result.row_id], wait)

    # Formulas and controls --------------------------------------------------------------

    async def list_formulas(self, doc_id: str, *, limit: int | None = None) -> AsyncPaginated[FormulaReference]:
        return await self._listing(
            lambda token: calls.list_formulas(doc_id, limit=limit, page_token=token),
            lambda item: item,
        )

    async def get_formula(self, doc_id: str, formula: str) -> Formula:
        return await self._arun(calls.get_formula(doc_id, formula))

    async def list_controls(self, doc_id: str, *, limit: int | None = None) -> AsyncPaginated[ControlReference]:
        return await self._listing(
            lambda token: calls.list_controls(doc_id, limit=limit, page_token=token),
            lambda item: item,
        )

    async def get_control(self, doc_id: str, control: str) -> Control:
        return await self._arun(calls.get_control(doc_id, control))

    # Permissions and sharing ------------------------------------------------------------

    async def list_permissions(self, doc_id: str, *, limit: int | None = None) -> AsyncPaginated[Permission]:
        return await self._listing(
            lambda token: calls.list_permissions(doc_id, limit=limit, page_token=token),
            lambda item: item,
        )

    async def add_permission(
        self,
        doc_id: str,
        *,
        access: str,
        email: str | None = None,
        domain: str | None = None,
        anyone: bool = False,
        suppress_email: bool | None = None,
    ) -> AddPermissionResult:
        """Share a doc with exactly one of ``email``, ``domain`` or ``anyone``."""
        return await self._arun(
            calls.add_permission(
                doc_id,
                access=access,
                email=email,
                domain=domain,
                anyone=anyone,
                suppress_email=suppress_email,
            )
        )

    async def delete_permission(self, doc_id: str, permission_id: str) -> None:
        await self._arun(calls.delete_permission(doc_id, permission_id))

    async def get_sharing_metadata(self, doc_id: str) -> SharingMetadata:
        return await self._arun(calls.sharing_metadata(doc_id))

    async def get_acl_settings(self, doc_id: str) -> AclSettings:
        return await self._arun(calls.get_acl_settings(doc_id))

    async def update_acl_settings(
        self,
        doc_id: str,
        *,
        allow_editors_to_change_permissions: bool | None = None,
        allow_copying: bool | None = None,
        allow_viewers_to_request_editing: bool | None = None,
    ) -> AclSettings:
        return await self._arun(
            calls.update_acl_settings(
                doc_id,
                allow_editors_to_change_permissions=allow_editors_to_change_permissions,
                allow_copying=allow_copying,
                allow_viewers_to_request_editing=allow_viewers_to_request_editing,
            )
        )
