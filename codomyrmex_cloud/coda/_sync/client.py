# Generated from codomyrmex_cloud/coda/_async/client.py by scripts/unasync.py; do not edit.
"""``CodaClient``: the Coda API client.

The folder ``_sync`` is generated from the folder next to it by ``scripts/unasync.py``: edit
the sync modules, then ``make regenerate``. Everything specific to HTTP (rate limits,
retries, error mapping) happens in the transport (the ``transport`` module next to this one);
requests are built by the typed calls of
:mod:`codomyrmex_cloud.coda.calls`, shared by both clients. This module runs calls and wraps
their answers in façade objects.

Operations the façade does not cover are reachable through ``client.api``, the generated
client configured with the same token, limits and retries::

    from codomyrmex_coda_api.api.packs import list_packs
    packs = list_packs.sync(client=coda.api)
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from time import monotonic
from typing import Any, TypeVar

import httpx
from codomyrmex_coda_api.client import AuthenticatedClient
from codomyrmex_coda_api.models import Column as ColumnSummary
from codomyrmex_coda_api.models import Doc as DocModel
from codomyrmex_coda_api.models import Page as PageModel
from codomyrmex_coda_api.models import TableReference

from codomyrmex_cloud.coda import arguments as check
from codomyrmex_cloud.coda import calls
from codomyrmex_cloud.coda._sync.facade import Column, Doc, Page, Row, Table
from codomyrmex_cloud.coda._sync.mutations import Mutation
from codomyrmex_cloud.coda._sync.paging import Paginated
from codomyrmex_cloud.coda._sync.transport import CodaTransport
from codomyrmex_cloud.coda.batch_runner import BatchRunner
from codomyrmex_cloud.coda.bulk import (
    Accepted,
    Batch,
    BulkWriteLog,
    WriteProgress,
    batches,
    in_order,
    key_column_names,
    overlap,
    plan,
    row_json,
    rows_json,
    upsert_key,
)
from codomyrmex_cloud.coda.calls import (
    AccessName,
    Call,
    ExportFormatName,
    InsertionModeName,
    RawPage,
    SortByName,
    TableTypeName,
    ValueFormatName,
    decode,
)
from codomyrmex_cloud.coda.cells import CellInput
from codomyrmex_cloud.coda.config import REQUEST_TIMEOUT, ClientSettings
from codomyrmex_cloud.coda.errors import CodaClosedError, CodaConfigurationError, CodaMutationError
from codomyrmex_cloud.coda.models import (
    AclSettings,
    AddPermissionResult,
    ApiLink,
    Control,
    ControlReference,
    Formula,
    FormulaReference,
    MutationStatus,
    Permission,
    PrincipalSearch,
    SharingMetadata,
    User,
)
from codomyrmex_cloud.coda.paging import PageAnswer, answer, page_limit
from codomyrmex_cloud.coda.query import FilterValue, build_query
from codomyrmex_cloud.coda.ratelimit import RateLimits
from codomyrmex_cloud.coda.retry import RetryPolicy
from codomyrmex_cloud.coda.waiting import FIRST_POLL, MAX_POLL, SleepFn, wait_seconds

M = TypeVar("M")
T = TypeVar("T")


class CodaClient:
    """Coda API client with a Doc -> Table -> Row façade.

    Args:
        api_token: Coda API token; defaults to the ``CODA_API_TOKEN`` environment variable.
        base_url: API root; defaults to ``CODA_BASE_URL`` from the environment, then
            Coda's own (point it at a fake server in tests).
        timeout: Seconds for one attempt's read/write (connecting: at most 5 s).
        max_retries: Retries of a 429 or 5xx (connection errors: at most 2); see
            :class:`RetryPolicy` for what is never repeated.
        retry: A full :class:`RetryPolicy` (overrides ``max_retries``).
        rate_limits: Client-side limits (Coda's published ones by default), shared by every
            client of this process with the same token; ``RateLimits.disabled()`` turns them off.
        transport: The httpx transport to send through (tests pass one).
        sleep: How to wait (tests inject a fake clock).

    A client can be pickled for worker processes when its token came from ``CODA_API_TOKEN``:
    only its configuration travels, and the worker reads the token from its own environment.

    Raises:
        CodaConfigurationError: No token given and none in the environment, or a bad argument.
    """

    #: The generated client (``codomyrmex_coda_api``) sending through this client's transport,
    #: so operations the façade does not cover get the same token, limits and retries.
    api: AuthenticatedClient

    def __init__(
        self,
        api_token: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = REQUEST_TIMEOUT,
        max_retries: int = 5,
        retry: RetryPolicy | None = None,
        rate_limits: RateLimits | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: SleepFn = time.sleep,
    ) -> None:
        self._settings = ClientSettings.resolve(api_token, base_url, timeout, max_retries, retry, rate_limits)
        self._transport = transport
        self._sleep = sleep
        self._closed = False
        self._connect()

    def _connect(self) -> None:
        """Build the HTTP stack (again in a forked child: connections are not shared)."""
        self._pid = os.getpid()
        wrapped = CodaTransport(
            self._transport or httpx.HTTPTransport(),
            limiter=self._settings.limiter,
            policy=self._settings.retry,
            sleep=self._sleep,
        )
        self._httpx = self._settings.httpx_client(httpx.Client, wrapped)
        self.api = AuthenticatedClient(base_url=self._settings.base_url, token=self._settings.token)
        self.api.set_httpx_client(self._httpx)

    def __repr__(self) -> str:
        return f"CodaClient(base_url={self._settings.base_url!r}, api_token=<redacted>)"

    def __enter__(self) -> CodaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections; using the client afterwards raises CodaClosedError."""
        self._closed = True
        self._httpx.close()

    def __getstate__(self) -> dict[str, Any]:
        if not self._settings.token_from_env:
            raise CodaConfigurationError(
                "CodaClient: a client given api_token= cannot be pickled, because the token is never "
                "serialized; set CODA_API_TOKEN (here and in the workers) and create it as CodaClient()"
            )
        if self._transport is not None or self._sleep is not time.sleep:
            raise CodaConfigurationError("CodaClient: a client with a custom transport= or sleep= cannot be pickled")
        settings = self._settings
        return {
            "base_url": settings.base_url,
            "timeout": settings.timeout,
            "retry": settings.retry,
            "rate_limits": settings.rate_limits,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Rebuilt from configuration; the token comes from this process's environment.
        fresh = type(self)(
            base_url=state["base_url"], timeout=state["timeout"], retry=state["retry"], rate_limits=state["rate_limits"]
        )
        self.__dict__.update(fresh.__dict__)

    # Plumbing ---------------------------------------------------------------------------

    def _http(self) -> httpx.Client:
        if self._closed:
            raise CodaClosedError("CodaClient: this client is closed; create a new one")
        if self._pid != os.getpid():
            self._connect()
        return self._httpx

    def _send(self, call: Call[M]) -> M:
        response = self._http().request(**call.request)
        return decode(response, call.parse)

    def _paginate(
        self, build: Callable[[str | None], Call[RawPage]], convert: Callable[[Any], T], max_items: int | None
    ) -> Paginated[T]:
        """A listing whose pages are fetched by ``build(page_token)``; items wrapped by ``convert``."""

        def fetch(token: str | None) -> PageAnswer[T]:
            return answer(self._send(build(token)), token, convert)

        return Paginated(fetch, max_items=max_items)._start()

    def _mutation(
        self,
        request_ids: Sequence[str],
        timeout: float | None,
        *,
        row_ids: Sequence[str] = (),
        added_row_ids: Sequence[str] = (),
        page_id: str | None = None,
    ) -> Mutation:
        mutation = Mutation(
            tuple(request_ids), tuple(row_ids), tuple(added_row_ids), page_id, [], self._status, self._sleep
        )
        return mutation.wait(timeout) if timeout is not None else mutation

    def _status(self, request_id: str) -> tuple[bool, str | None]:
        status = self.get_mutation_status(request_id)
        warning = status.warning if isinstance(status.warning, str) else None
        return status.completed, warning

    # Account and links ------------------------------------------------------------------

    def whoami(self) -> User:
        """The user the token belongs to."""
        return self._send(calls.whoami())

    def resolve_browser_link(self, url: str) -> ApiLink:
        """What a coda.io browser URL points at (doc, page, table, row ...)."""
        return self._send(calls.resolve_browser_link(url))

    def get_mutation_status(self, request_id: str) -> MutationStatus:
        """Whether Coda has applied a queued write (one status request)."""
        return self._send(calls.mutation_status(request_id))

    # Docs -------------------------------------------------------------------------------

    def list_docs(
        self,
        *,
        query: str | None = None,
        is_owner: bool | None = None,
        workspace_id: str | None = None,
        folder_id: str | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        limit: int | None = None,
    ) -> Paginated[Doc]:
        """Docs visible to the token; iterate the result for every page.

        Args:
            query: Search docs by name.
            is_owner: Only docs the token's user owns.
            workspace_id: Only docs in this workspace.
            folder_id: Only docs in this folder.
            page_size: Docs per request (default 500; the server may return fewer).
            max_items: Stop after this many docs across pages.
            limit: Alias of ``page_size`` (the seed's name).
        """
        size = page_limit(page_size, limit, max_items)
        return self._paginate(
            lambda token: calls.list_docs(
                query=query,
                is_owner=is_owner,
                workspace_id=workspace_id,
                folder_id=folder_id,
                limit=size,
                page_token=token,
            ),
            lambda raw: Doc(self, DocModel.from_dict(raw)),
            max_items,
        )

    def get_doc(self, doc_id: str) -> Doc:
        """Fetch a doc. Raises CodaNotFoundError if it does not exist."""
        return Doc(self, self._send(calls.get_doc(doc_id)))

    doc = get_doc

    def create_doc(
        self,
        title: str,
        *,
        source_doc: str | None = None,
        folder_id: str | None = None,
        timezone: str | None = None,
    ) -> Doc:
        """Create a doc (optionally a copy of ``source_doc``) and return it."""
        created = self._send(calls.create_doc(title, source_doc=source_doc, folder_id=folder_id, timezone=timezone))
        return Doc(self, created)

    def update_doc(self, doc_id: str, *, title: str | None = None, icon_name: str | None = None) -> Doc:
        """Rename a doc or change its icon; returns the doc as Coda now has it (one more GET)."""
        self._send(calls.update_doc(doc_id, title=title, icon_name=icon_name))
        return self.get_doc(doc_id)

    def delete_doc(self, doc_id: str) -> None:
        """Delete a doc (queued by Coda; a second delete raises CodaNotFoundError or CodaGoneError)."""
        self._send(calls.delete_doc(doc_id))

    # Pages ------------------------------------------------------------------------------

    def list_pages(
        self, doc_id: str, *, page_size: int | None = None, max_items: int | None = None, limit: int | None = None
    ) -> Paginated[Page]:
        """The pages of a doc (``page_size``/``max_items``/``limit`` as in :meth:`list_docs`)."""
        size = page_limit(page_size, limit, max_items)
        return self._paginate(
            lambda token: calls.list_pages(doc_id, limit=size, page_token=token),
            lambda raw: Page(self, PageModel.from_dict(raw), doc_id),
            max_items,
        )

    def get_page(self, doc_id: str, page: str) -> Page:
        """A page by id or name."""
        return Page(self, self._send(calls.get_page(doc_id, page)), doc_id)

    def create_page(
        self,
        doc_id: str,
        name: str,
        *,
        subtitle: str | None = None,
        parent_page_id: str | None = None,
        icon_name: str | None = None,
        html: str | None = None,
        markdown: str | None = None,
        wait: bool | float = False,
    ) -> Mutation:
        """Create a page (content from ``html`` or ``markdown``); the new id is ``mutation.page_id``.

        ``wait``: True waits up to 60 s for Coda to apply it, a number waits that many seconds.
        """
        timeout = wait_seconds(wait)
        result = self._send(
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
        return self._mutation([result.request_id], timeout, page_id=result.id)

    def update_page(
        self,
        doc_id: str,
        page: str,
        *,
        name: str | None = None,
        subtitle: str | None = None,
        is_hidden: bool | None = None,
        html: str | None = None,
        markdown: str | None = None,
        insertion_mode: InsertionModeName = "append",
        wait: bool | float = False,
    ) -> Mutation:
        """Rename, hide or add content to a page (``insertion_mode="replace"`` replaces it)."""
        timeout = wait_seconds(wait)
        result = self._send(
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
        return self._mutation([result.request_id], timeout, page_id=result.id)

    def delete_page(self, doc_id: str, page: str, *, wait: bool | float = False) -> Mutation:
        """Delete a page."""
        timeout = wait_seconds(wait)
        result = self._send(calls.delete_page(doc_id, page))
        return self._mutation([result.request_id], timeout, page_id=result.id)

    def export_page(
        self,
        doc_id: str,
        page: str,
        *,
        format: ExportFormatName = "html",
        timeout: float = 60.0,
    ) -> str:
        """A page's content as HTML or Markdown: begins Coda's export, polls it, downloads it.

        Raises:
            CodaConfigurationError: A bad argument (``timeout`` must be finite and >= 0).
            CodaMutationError: The export failed, or was not ready within ``timeout`` seconds.
        """
        check.seconds("timeout", timeout, positive=False)
        started = self._send(calls.begin_page_export(doc_id, page, output_format=format))
        deadline = monotonic() + timeout
        interval = FIRST_POLL
        while True:
            status = self._send(calls.page_export_status(doc_id, page, started.id))
            if status.status == "complete" and isinstance(status.download_link, str):
                # Built by hand, not through the client, so the API token is not sent to the
                # download host (Coda's links are pre-signed).
                download = self._http().send(httpx.Request("GET", status.download_link))
                return download.text
            if status.status == "failed":
                raise CodaMutationError(f"export_page: Coda could not export page {page!r}: {status.error}")
            remaining = deadline - monotonic()
            if remaining <= 0:
                raise CodaMutationError(f"export_page: page {page!r} was not exported within {timeout:g} s")
            self._sleep(min(interval, remaining))
            interval = min(MAX_POLL, interval * 2)

    # Tables and columns -----------------------------------------------------------------

    def list_tables(
        self,
        doc_id: str,
        *,
        table_types: Sequence[TableTypeName] | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        limit: int | None = None,
    ) -> Paginated[Table]:
        """The tables and views of a doc (``table_types=["table"]`` for tables only)."""
        size = page_limit(page_size, limit, max_items)
        return self._paginate(
            lambda token: calls.list_tables(doc_id, table_types=table_types, limit=size, page_token=token),
            lambda raw: Table(self, TableReference.from_dict(raw), doc_id),
            max_items,
        )

    def get_table(self, doc_id: str, table: str) -> Table:
        """A table or view by id or name (with its row count)."""
        return Table(self, self._send(calls.get_table(doc_id, table)), doc_id)

    def list_columns(
        self,
        doc_id: str,
        table: str,
        *,
        visible_only: bool | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        limit: int | None = None,
    ) -> Paginated[Column]:
        """The columns of a table."""
        size = page_limit(page_size, limit, max_items)
        return self._paginate(
            lambda token: calls.list_columns(doc_id, table, visible_only=visible_only, limit=size, page_token=token),
            lambda raw: Column(self, ColumnSummary.from_dict(raw), doc_id, table),
            max_items,
        )

    def get_column(self, doc_id: str, table: str, column: str) -> Column:
        """A column by id or name."""
        return Column(self, self._send(calls.get_column(doc_id, table, column)), doc_id, table)

    # Rows -------------------------------------------------------------------------------

    def list_rows(
        self,
        doc_id: str,
        table_id: str,
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
    ) -> Paginated[Row]:
        """Rows of a table, every page (lazily), filtered and validated before sending.

        Args:
            doc_id: The doc.
            table_id: The table or view, by id or name.
            query: ``"Column":value``, ``c-id:value`` or ``Column = value`` (JSON values).
            where: ``{"Column": value}``, quoted for you (one column: Coda filters on one).
            sort_by: ``"createdAt"``, ``"natural"`` or ``"updatedAt"``.
            visible_only: Only the columns visible in the table.
            use_column_names: Key values by column name (True) or by column id.
            value_format: ``"simple"`` (default), ``"simpleWithArrays"`` or ``"rich"``.
            sync_token: ``next_sync_token`` of an earlier read: only rows changed since.
            page_size: Rows per request (default 500, the most Coda serves).
            max_items: Stop after this many rows across pages.
            limit: Alias of ``page_size`` (the seed's name).
        """
        size = page_limit(page_size, limit, max_items)
        condition = build_query(query, where)
        return self._paginate(
            lambda token: calls.list_rows(
                doc_id,
                table_id,
                query=condition,
                sort_by=sort_by,
                visible_only=visible_only,
                use_column_names=use_column_names,
                value_format=value_format,
                limit=size,
                page_token=token,
                sync_token=sync_token if token is None else None,
            ),
            lambda raw: Row(self, raw, doc_id, table_id),
            max_items,
        )

    def get_row(
        self,
        doc_id: str,
        table_id: str,
        row: str,
        *,
        use_column_names: bool = True,
        value_format: ValueFormatName | None = None,
    ) -> Row:
        """One row by id or display value."""
        raw = self._send(
            calls.get_row(doc_id, table_id, row, use_column_names=use_column_names, value_format=value_format)
        )
        return Row(self, raw, doc_id, table_id)

    def insert_rows(
        self,
        doc_id: str,
        table_id: str,
        rows: Sequence[Mapping[str, CellInput]],
        *,
        wait: bool | float = False,
        progress: WriteProgress | None = None,
        batch_rows: int | None = None,
    ) -> Mutation:
        """Add rows; ``mutation.added_row_ids`` are the new rows' ids.

        Never retried once Coda may have applied it (that would add the rows twice). Rows are
        sent in as few requests as Coda's 2 MB request limit allows, at most ``batch_rows``
        rows each when given (see :mod:`codomyrmex_cloud.coda.bulk`), one after another, so
        the table keeps the order of ``rows``. ``progress(rows_accepted, total)`` is called
        after each accepted request.

        Raises:
            CodaPartialWriteError: A batch failed while others were, or may have been, written;
                it says which rows were accepted, which may have been, and which were not.
        """
        return self._write_rows(doc_id, table_id, rows, None, wait, progress, batch_rows)

    def upsert_rows(
        self,
        doc_id: str,
        table_id: str,
        rows: Sequence[Mapping[str, CellInput]],
        *,
        key_columns: Sequence[str],
        wait: bool | float = False,
        progress: WriteProgress | None = None,
        batch_rows: int | None = None,
    ) -> Mutation:
        """Update the rows matching ``key_columns`` and add the rest; safe to retry.

        ``mutation.added_row_ids`` lists the added rows; Coda does not report which rows it
        updated. Batched as :meth:`insert_rows`, but up to a write window's worth of batches are
        in flight at once when no key value of one matches one of another (rows naming a key
        column other than as ``key_columns`` does are sent one batch after another): the cells
        end as if sent one by one, while rows new to the table may be appended in a different
        order across batches.
        """
        return self._write_rows(doc_id, table_id, rows, key_column_names(key_columns), wait, progress, batch_rows)

    def _write_rows(
        self,
        doc_id: str,
        table_id: str,
        rows: Sequence[Mapping[str, CellInput]],
        key_columns: Sequence[str] | None,
        wait: bool | float,
        progress: WriteProgress | None,
        batch_rows: int | None,
    ) -> Mutation:
        timeout = wait_seconds(wait)
        edits = rows_json(rows)  # validate every row before sending any
        planned = plan(list(batches(edits, batch_rows)), upsert_key(key_columns) if key_columns else in_order)

        def send(batch: Batch[dict[str, Any]]) -> Accepted:
            result = self._send(calls.upsert_rows(doc_id, table_id, batch.items, key_columns=key_columns))
            return result.request_id, result.added_row_ids if isinstance(result.added_row_ids, list) else []

        log = self._run_batches(planned, send, len(edits), progress)
        return self._mutation(log.request_ids, timeout, row_ids=log.row_ids, added_row_ids=log.row_ids)

    def _run_batches(
        self,
        planned: list[Batch[T]],
        send: Callable[[Batch[T]], Accepted],
        total: int,
        progress: WriteProgress | None,
    ) -> BulkWriteLog:
        """Send the batches, overlapping what ``plan`` allows; raise what a failure must say."""
        log = BulkWriteLog(planned, total, progress)
        waiting = deque(planned)
        with BatchRunner(send, overlap(self._settings.rate_limits, len(planned))) as runner:
            while runner.running or (waiting and not log.failed):
                # In order: a batch leaves after every batch before it, once those it must follow
                # were accepted; the limiter then books each into the earliest free write slot.
                while waiting and runner.running < runner.limit and log.may_send(waiting[0]):
                    runner.start(waiting.popleft())
                for batch, answer, error in runner.wait_first():
                    log.finished(batch, answer, error)
        log.raise_for_failure()
        return log

    def update_row(
        self,
        doc_id: str,
        table_id: str,
        row: str,
        values: Mapping[str, CellInput],
        *,
        wait: bool | float = False,
    ) -> Mutation:
        """Set cells of one row."""
        timeout = wait_seconds(wait)
        result = self._send(calls.update_row(doc_id, table_id, row, row_json(values, "values")))
        return self._mutation([result.request_id], timeout, row_ids=[result.id])

    def delete_row(self, doc_id: str, table_id: str, row: str, *, wait: bool | float = False) -> Mutation:
        """Delete one row."""
        timeout = wait_seconds(wait)
        result = self._send(calls.delete_row(doc_id, table_id, row))
        return self._mutation([result.request_id], timeout, row_ids=[result.id])

    def delete_rows(
        self,
        doc_id: str,
        table_id: str,
        row_ids: Sequence[str],
        *,
        wait: bool | float = False,
        batch_rows: int | None = None,
    ) -> Mutation:
        """Delete rows by id, in as few requests as Coda's request limit allows (at most
        ``batch_rows`` ids each when given), up to a write window's worth at once (a batch
        repeating an id of an earlier one is sent after it).

        Raises:
            CodaPartialWriteError: A batch failed while others were, or may have been, applied.
        """
        timeout = wait_seconds(wait)
        ids = check.id_list("row_ids", row_ids)
        planned = plan(list(batches(ids, batch_rows)), lambda row_id: row_id)

        def send(batch: Batch[str]) -> Accepted:
            result = self._send(calls.delete_rows(doc_id, table_id, batch.items))
            return result.request_id, result.row_ids

        log = self._run_batches(planned, send, len(ids), None)
        return self._mutation(log.request_ids, timeout, row_ids=log.row_ids)

    def push_button(self, doc_id: str, table_id: str, row: str, column: str, *, wait: bool | float = False) -> Mutation:
        """Press the button in ``column`` of ``row``."""
        timeout = wait_seconds(wait)
        result = self._send(calls.push_button(doc_id, table_id, row, column))
        return self._mutation([result.request_id], timeout, row_ids=[result.row_id])

    # Formulas and controls --------------------------------------------------------------

    def list_formulas(
        self, doc_id: str, *, page_size: int | None = None, max_items: int | None = None, limit: int | None = None
    ) -> Paginated[FormulaReference]:
        """The named formulas of a doc."""
        size = page_limit(page_size, limit, max_items)
        return self._paginate(
            lambda token: calls.list_formulas(doc_id, limit=size, page_token=token),
            FormulaReference.from_dict,
            max_items,
        )

    def get_formula(self, doc_id: str, formula: str) -> Formula:
        """A named formula and its current value."""
        return self._send(calls.get_formula(doc_id, formula))

    def list_controls(
        self, doc_id: str, *, page_size: int | None = None, max_items: int | None = None, limit: int | None = None
    ) -> Paginated[ControlReference]:
        """The controls of a doc."""
        size = page_limit(page_size, limit, max_items)
        return self._paginate(
            lambda token: calls.list_controls(doc_id, limit=size, page_token=token),
            ControlReference.from_dict,
            max_items,
        )

    def get_control(self, doc_id: str, control: str) -> Control:
        """A control and its current value."""
        return self._send(calls.get_control(doc_id, control))

    # Permissions and sharing ------------------------------------------------------------

    def list_permissions(
        self, doc_id: str, *, page_size: int | None = None, max_items: int | None = None, limit: int | None = None
    ) -> Paginated[Permission]:
        """Who a doc is shared with."""
        size = page_limit(page_size, limit, max_items)
        return self._paginate(
            lambda token: calls.list_permissions(doc_id, limit=size, page_token=token),
            Permission.from_dict,
            max_items,
        )

    def add_permission(
        self,
        doc_id: str,
        *,
        access: AccessName,
        email: str | None = None,
        domain: str | None = None,
        anyone: bool = False,
        suppress_email: bool | None = None,
    ) -> AddPermissionResult:
        """Share a doc with exactly one of ``email``, ``domain`` or ``anyone``."""
        return self._send(
            calls.add_permission(
                doc_id,
                access=access,
                email=email,
                domain=domain,
                anyone=anyone,
                suppress_email=suppress_email,
            )
        )

    def delete_permission(self, doc_id: str, permission_id: str) -> None:
        """Remove one permission of a doc."""
        self._send(calls.delete_permission(doc_id, permission_id))

    def search_principals(self, doc_id: str, *, query: str | None = None) -> PrincipalSearch:
        """Users and groups a doc can be shared with, matching ``query``."""
        return self._send(calls.search_principals(doc_id, query))

    def get_sharing_metadata(self, doc_id: str) -> SharingMetadata:
        """What the token may do when sharing a doc."""
        return self._send(calls.sharing_metadata(doc_id))

    def get_acl_settings(self, doc_id: str) -> AclSettings:
        """A doc's sharing settings."""
        return self._send(calls.get_acl_settings(doc_id))

    def update_acl_settings(
        self,
        doc_id: str,
        *,
        allow_editors_to_change_permissions: bool | None = None,
        allow_copying: bool | None = None,
        allow_viewers_to_request_editing: bool | None = None,
    ) -> AclSettings:
        """Change a doc's sharing settings; returns them as they are now."""
        return self._send(
            calls.update_acl_settings(
                doc_id,
                allow_editors_to_change_permissions=allow_editors_to_change_permissions,
                allow_copying=allow_copying,
                allow_viewers_to_request_editing=allow_viewers_to_request_editing,
            )
        )
