"""A stateful fake of Coda's REST API (spec 1.4.17), for our tests and for yours.

Use it in-process as an httpx transport, or as a loopback HTTP server::

    fake = FakeCoda(token="t")
    doc = fake.add_doc("Roadmap")
    tasks = doc.add_table("Tasks", ["Name", "Status"])
    tasks.add_row({"Name": "Ship", "Status": "Active"})
    client = CodaClient("t", base_url=FakeCoda.BASE_URL, transport=fake.transport())

    python -m codomyrmex_cloud.testing.fake_coda --port 8765 --token t --seed demo

It answers like Coda: bearer-token auth (401), read-only docs (403), unknown ids (404),
deleted docs (410), malformed queries and bodies (400), writes queued with 202 + request id
and completed after ``mutation_polls`` status polls, row queries/sorting/paging/sync tokens,
and Coda's published rate limits with 429 + Retry-After. ``fail_next`` injects faults.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

from codomyrmex_cloud.testing.coda_limits import FakeLimits
from codomyrmex_cloud.testing.coda_state import (
    JSON,
    DocState,
    NamedValue,
    PermissionState,
    TableState,
    new_id,
    stamp,
)


class _Error(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass
class Reply:
    status: int
    body: JSON | str
    headers: dict[str, str]


@dataclass
class _Fault:
    status: int
    times: int
    retry_after: float | None
    match: str | None
    after_apply: bool
    skip: int = 0


Handler = Callable[..., tuple[int, JSON]]
_ROUTES: list[tuple[str, re.Pattern[str], str]] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    """Register a handler for ``method pattern`` (``{name}`` captures one path segment)."""

    def register(func: Handler) -> Handler:
        regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")
        _ROUTES.append((method, regex, func.__name__))
        return func

    return register


class FakeCoda:
    """The fake API. Thread-safe: the loopback server handles requests on many threads."""

    BASE_URL = "https://coda.fake/apis/v1"

    def __init__(
        self,
        *,
        token: str = "test-token",
        rate_limits: FakeLimits | None = None,
        mutation_polls: int = 0,
        clock: Callable[[], float] = time.monotonic,
        max_page_size: int = 500,
        latency: float = 0.0,
    ) -> None:
        self.token = token
        self.rate_limits = rate_limits or FakeLimits()
        #: Seconds the loopback server waits before answering each request (a network's round trip).
        self.latency = latency
        self.mutation_polls = mutation_polls
        self.max_page_size = max_page_size
        self._clock = clock
        self._lock = threading.RLock()
        self.docs: dict[str, DocState] = {}
        self.deleted_docs: set[str] = set()
        self._mutations: dict[str, int] = {}  # request id -> status polls until completed
        self._windows: dict[str, deque[float]] = {}
        self._exports: dict[str, tuple[str, str]] = {}  # export request id -> (content, format)
        self._faults: list[_Fault] = []
        self.log: list[tuple[str, str, int]] = []  # (method, path, status) of every request
        #: When each request of ``log`` arrived (same index), on the fake's clock: the moment
        #: Coda counts a request against its rate limits.
        self.arrivals: list[float] = []
        self.api_root = self.BASE_URL

    # Setup ------------------------------------------------------------------------------

    def add_doc(
        self, name: str, *, doc_id: str | None = None, owner: str = "ada@example.com", read_only: bool = False
    ) -> DocState:
        with self._lock:
            doc = DocState(doc_id or new_id("d"), name, owner, read_only=read_only)
            doc.add_page("Home")
            self.docs[doc.id] = doc
            return doc

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        retry_after: float | None = None,
        match: str | None = None,
        after_apply: bool = False,
        skip: int = 0,
    ) -> None:
        """Answer ``times`` requests (whose ``METHOD path`` contains ``match``) with ``status``,
        after letting ``skip`` of them through. ``after_apply=True`` applies the request first,
        then fails: a 5xx after the write happened, which a client must not blindly repeat."""
        with self._lock:
            self._faults.append(_Fault(status, times, retry_after, match, after_apply, skip))

    def status_counts(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for _, _, status in self.log:
            counts[status] = counts.get(status, 0) + 1
        return counts

    # Entry points -----------------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        """An httpx transport answering in-process (sync and async clients alike)."""

        def handler(request: httpx.Request) -> httpx.Response:
            reply = self.handle(request.method, str(request.url), dict(request.headers), request.content)
            if isinstance(reply.body, str):
                return httpx.Response(reply.status, text=reply.body, headers=reply.headers)
            return httpx.Response(reply.status, json=reply.body, headers=reply.headers)

        return httpx.MockTransport(handler)

    def handle(self, method: str, url: str, headers: dict[str, str], body: bytes) -> Reply:
        parts = urlsplit(url)
        root_path = urlsplit(self.api_root).path
        path = parts.path[len(root_path) :] if parts.path.startswith(root_path) else parts.path
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        lower = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            now = self._clock()
            blob = self.download(parts.path)
            if blob is not None:
                self.log.append((method.upper(), parts.path, blob.status))
                self.arrivals.append(now)
                return blob
            try:
                reply = self._dispatch(method.upper(), path, query, lower, body, now)
            except _Error as exc:
                reply = Reply(
                    exc.status,
                    {"statusCode": exc.status, "statusMessage": HTTPStatus(exc.status).phrase, "message": exc.message},
                    exc.headers,
                )
            self.log.append((method.upper(), path, reply.status))
            self.arrivals.append(now)
            return reply

    def _dispatch(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes, now: float
    ) -> Reply:
        if headers.get("authorization") != f"Bearer {self.token}":
            raise _Error(401, "Unauthorized: the API token is invalid or missing.")
        fault = self._take_fault(method, path)
        if fault is not None and not fault.after_apply:
            raise _Error(fault.status, "Injected fault.", self._retry_headers(fault.retry_after))
        self._enforce_rate_limits(method, path, now)
        for route_method, regex, name in _ROUTES:
            match = regex.match(path)
            if route_method == method and match:
                payload = _json_body(body) if body or method in ("POST", "PUT", "PATCH") else {}
                status, answer = getattr(self, name)(query=query, body=payload, **match.groupdict())
                if fault is not None:
                    raise _Error(fault.status, "Injected fault after applying the request.")
                return Reply(status, answer, {"x-request-id": new_id("req-")})
        raise _Error(404, f"No route for {method} {path}.")

    def _take_fault(self, method: str, path: str) -> _Fault | None:
        for fault in self._faults:
            if fault.match is None or fault.match in f"{method} {path}":
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    @staticmethod
    def _retry_headers(retry_after: float | None) -> dict[str, str]:
        return {"retry-after": f"{retry_after:g}"} if retry_after is not None else {}

    def _enforce_rate_limits(self, method: str, path: str, now: float) -> None:
        if not self.rate_limits.enabled:
            return
        windows = self.rate_limits.windows_for(method, path)
        for name, limit in windows.items():
            window = self._windows.setdefault(name, deque())
            while window and window[0] <= now - limit.seconds:
                window.popleft()
            if len(window) >= limit.requests:
                wait = window[0] + limit.seconds - now
                raise _Error(429, "Too many requests.", {"retry-after": f"{max(wait, 0.001):.3f}"})
        for name in windows:
            self._windows[name].append(now)

    # Helpers ----------------------------------------------------------------------------

    def _doc(self, doc_id: str, *, write: bool = False) -> DocState:
        doc = self.docs.get(unquote(doc_id))
        if doc is None:
            if unquote(doc_id) in self.deleted_docs:
                raise _Error(410, "This doc has been deleted.")
            raise _Error(404, f"Doc {unquote(doc_id)} not found.")
        if write and doc.read_only:
            raise _Error(403, "The API token does not have write access to this doc.")
        return doc

    def _table(self, doc_id: str, table: str, *, write: bool = False) -> TableState:
        found = self._doc(doc_id, write=write).table(unquote(table))
        if found is None:
            raise _Error(404, f"Table {unquote(table)} not found.")
        return found

    def _mutation(self) -> str:
        request_id = new_id("mutate:")
        self._mutations[request_id] = self.mutation_polls
        return request_id

    def _page(
        self, items: list[Any], query: dict[str, str], href: str, render: Callable[[Any], JSON] = lambda x: x
    ) -> JSON:
        """Slice ``items`` by ``limit``/``pageToken``, render the slice, add Coda's paging fields."""
        limit = _int_param(query, "limit", 25, minimum=1)
        limit = min(limit, self.max_page_size)
        offset = _decode_token(query["pageToken"]) if query.get("pageToken") else 0
        page: JSON = {"items": [render(item) for item in items[offset : offset + limit]], "href": href}
        if offset + limit < len(items):
            token = _encode_token(offset + limit)
            page["nextPageToken"] = token
            page["nextPageLink"] = f"{href}?pageToken={token}"
        return page

    # Account ----------------------------------------------------------------------------

    @route("GET", "/whoami")
    def whoami(self, **_: Any) -> tuple[int, JSON]:
        return 200, {
            "name": "Ada Lovelace",
            "loginId": "ada@example.com",
            "type": "user",
            "scoped": False,
            "tokenName": "fake",
            "href": f"{self.api_root}/whoami",
            "workspace": {
                "id": "ws-fake",
                "type": "workspace",
                "browserLink": "https://coda.io/docs?workspaceId=ws-fake",
            },
        }

    @route("GET", "/resolveBrowserLink")
    def resolve_browser_link(self, query: dict[str, str], **_: Any) -> tuple[int, JSON]:
        url = query.get("url")
        if not url:
            raise _Error(400, "Missing url.")
        match = re.search(r"/d/[^/]*_d([A-Za-z0-9-]+)", url)
        if not match or match.group(1) not in self.docs:
            raise _Error(404, "No resource for that link.")
        doc = self.docs[match.group(1)]
        return 200, {
            "type": "apiLink",
            "href": f"{self.api_root}/resolveBrowserLink?url={url}",
            "browserLink": url,
            "resource": {"type": "doc", "id": doc.id, "href": f"{self.api_root}/docs/{doc.id}", "name": doc.name},
        }

    @route("GET", "/mutationStatus/{request_id}")
    def mutation_status(self, request_id: str, **_: Any) -> tuple[int, JSON]:
        key = unquote(request_id)
        if key not in self._mutations:
            raise _Error(404, "Unknown request id.")
        remaining = self._mutations[key]
        self._mutations[key] = max(0, remaining - 1)
        return 200, {"completed": remaining == 0}

    # Docs -------------------------------------------------------------------------------

    @route("GET", "/docs")
    def list_docs(self, query: dict[str, str], **_: Any) -> tuple[int, JSON]:
        docs = list(self.docs.values())
        if query.get("query"):
            docs = [d for d in docs if query["query"].lower() in d.name.lower()]
        return 200, self._page([d.render(self.api_root) for d in docs], query, f"{self.api_root}/docs")

    @route("POST", "/docs")
    def create_doc(self, body: JSON, **_: Any) -> tuple[int, JSON]:
        title = body.get("title", "Untitled")
        if not isinstance(title, str):
            raise _Error(400, "title must be a string.")
        doc = self.add_doc(title)
        return 201, doc.render(self.api_root)

    @route("GET", "/docs/{doc_id}")
    def get_doc(self, doc_id: str, **_: Any) -> tuple[int, JSON]:
        return 200, self._doc(doc_id).render(self.api_root)

    @route("PATCH", "/docs/{doc_id}")
    def update_doc(self, doc_id: str, body: JSON, **_: Any) -> tuple[int, JSON]:
        doc = self._doc(doc_id, write=True)
        if "title" in body:
            doc.name = str(body["title"])
        doc.updated_at = stamp()
        return 200, {}

    @route("DELETE", "/docs/{doc_id}")
    def delete_doc(self, doc_id: str, **_: Any) -> tuple[int, JSON]:
        doc = self._doc(doc_id, write=True)
        del self.docs[doc.id]
        self.deleted_docs.add(doc.id)
        return 202, {}

    # Pages ------------------------------------------------------------------------------

    @route("GET", "/docs/{doc_id}/pages")
    def list_pages(self, doc_id: str, query: dict[str, str], **_: Any) -> tuple[int, JSON]:
        doc = self._doc(doc_id)
        pages = [p.render(self.api_root) for p in doc.pages]
        return 200, self._page(pages, query, f"{self.api_root}/docs/{doc.id}/pages")

    @route("GET", "/docs/{doc_id}/pages/{page}")
    def get_page(self, doc_id: str, page: str, **_: Any) -> tuple[int, JSON]:
        found = self._doc(doc_id).page(unquote(page))
        if found is None:
            raise _Error(404, "Page not found.")
        return 200, found.render(self.api_root)

    @route("POST", "/docs/{doc_id}/pages")
    def create_page(self, doc_id: str, body: JSON, **_: Any) -> tuple[int, JSON]:
        doc = self._doc(doc_id, write=True)
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise _Error(400, "name is required.")
        page = doc.add_page(name, body.get("subtitle"))
        content = body.get("pageContent", {}).get("canvasContent", {})
        page.content = str(content.get("content", ""))
        return 202, {"requestId": self._mutation(), "id": page.id}

    @route("PUT", "/docs/{doc_id}/pages/{page}")
    def update_page(self, doc_id: str, page: str, body: JSON, **_: Any) -> tuple[int, JSON]:
        found = self._doc(doc_id, write=True).page(unquote(page))
        if found is None:
            raise _Error(404, "Page not found.")
        found.name = body.get("name", found.name)
        found.subtitle = body.get("subtitle", found.subtitle)
        found.is_hidden = bool(body.get("isHidden", found.is_hidden))
        return 202, {"requestId": self._mutation(), "id": found.id}

    @route("DELETE", "/docs/{doc_id}/pages/{page}")
    def delete_page(self, doc_id: str, page: str, **_: Any) -> tuple[int, JSON]:
        doc = self._doc(doc_id, write=True)
        found = doc.page(unquote(page))
        if found is None:
            raise _Error(404, "Page not found.")
        doc.pages.remove(found)
        return 202, {"requestId": self._mutation(), "id": found.id}

    @route("POST", "/docs/{doc_id}/pages/{page}/export")
    def begin_page_export(self, doc_id: str, page: str, body: JSON, **_: Any) -> tuple[int, JSON]:
        doc = self._doc(doc_id)
        found = doc.page(unquote(page))
        if found is None:
            raise _Error(404, "Page not found.")
        output = body.get("outputFormat")
        if output not in ("html", "markdown"):
            raise _Error(400, "outputFormat must be html or markdown.")
        content = found.content if output == "markdown" else f"<p>{found.content}</p>"
        request_id = new_id("export-")
        self._exports[request_id] = (content, output)
        href = f"{self.api_root}/docs/{doc.id}/pages/{found.id}/export/{request_id}"
        return 202, {"id": request_id, "status": "inProgress", "href": href}

    @route("GET", "/docs/{doc_id}/pages/{page}/export/{request_id}")
    def page_export_status(self, doc_id: str, page: str, request_id: str, **_: Any) -> tuple[int, JSON]:
        doc = self._doc(doc_id)
        found = doc.page(unquote(page))
        if found is None or unquote(request_id) not in self._exports:
            raise _Error(404, "Export not found.")
        href = f"{self.api_root}/docs/{doc.id}/pages/{found.id}/export/{request_id}"
        # Served outside the API root and without auth, like Coda's pre-signed download links.
        link = f"{self.api_root.rsplit('/apis/', 1)[0]}/blobs/{unquote(request_id)}"
        return 200, {"id": unquote(request_id), "status": "complete", "href": href, "downloadLink": link}

    def download(self, path: str) -> Reply | None:
        """The body of an export download link (``/blobs/{request id}``), or None for other paths."""
        if not path.startswith("/blobs/"):
            return None
        exported = self._exports.get(path.rsplit("/", 1)[-1])
        if exported is None:
            return Reply(404, {"message": "No such export."}, {})
        return Reply(200, exported[0], {"content-type": "text/html" if exported[1] == "html" else "text/markdown"})

    @route("GET", "/docs/{doc_id}/acl/principals/search")
    def search_principals(self, doc_id: str, query: dict[str, str], **_: Any) -> tuple[int, JSON]:
        doc = self._doc(doc_id)
        needle = query.get("query", "").lower()
        users = [
            {"name": p.principal["email"].split("@")[0], "loginId": p.principal["email"], "type": "user"}
            for p in doc.permissions
            if p.principal.get("type") == "email" and needle in p.principal["email"].lower()
        ]
        return 200, {"users": users, "groups": []}

    # Tables and columns -----------------------------------------------------------------

    @route("GET", "/docs/{doc_id}/tables")
    def list_tables(self, doc_id: str, query: dict[str, str], **_: Any) -> tuple[int, JSON]:
        doc = self._doc(doc_id)
        tables = [t.reference(self.api_root) for t in doc.tables]
        return 200, self._page(tables, query, f"{self.api_root}/docs/{doc.id}/tables")

    @route("GET", "/docs/{doc_id}/tables/{table}")
    def get_table(self, doc_id: str, table: str, **_: Any) -> tuple[int, JSON]:
        return 200, self._table(doc_id, table).render(self.api_root)

    @route("GET", "/docs/{doc_id}/tables/{table}/columns")
    def list_columns(self, doc_id: str, table: str, query: dict[str, str], **_: Any) -> tuple[int, JSON]:
        found = self._table(doc_id, table)
        base = found.href(self.api_root)
        return 200, self._page([c.render(base, found) for c in found.columns], query, f"{base}/columns")

    @route("GET", "/docs/{doc_id}/tables/{table}/columns/{column}")
    def get_column(self, doc_id: str, table: str, column: str, **_: Any) -> tuple[int, JSON]:
        found = self._table(doc_id, table)
        col = found.column(unquote(column))
        if col is None:
            raise _Error(404, "Column not found.")
        return 200, {**col.render(found.href(self.api_root), found), "parent": found.reference(self.api_root)}

    # Rows -------------------------------------------------------------------------------

    @route("GET", "/docs/{doc_id}/tables/{table}/rows")
    def list_rows(self, doc_id: str, table: str, query: dict[str, str], **_: Any) -> tuple[int, JSON]:
        found = self._table(doc_id, table)
        rows = list(found.rows)
        if query.get("query"):
            column_id, value = _parse_row_query(query["query"], found)
            rows = [r for r in rows if r.values.get(column_id) == value]
        sort_by = query.get("sortBy", "createdAt")
        if sort_by not in ("createdAt", "natural", "updatedAt"):
            raise _Error(400, f"Invalid sortBy {sort_by!r}.")
        if sort_by == "updatedAt":
            rows.sort(key=lambda r: r.version)
        if query.get("syncToken"):
            since = _decode_token(query["syncToken"])
            rows = [r for r in rows if r.version > since]
        use_names = query.get("useColumnNames", "false") == "true"
        page = self._page(
            rows,
            query,
            f"{found.href(self.api_root)}/rows",
            lambda row: found.render_row(self.api_root, row, use_names=use_names),
        )
        if "nextPageToken" not in page:
            page["nextSyncToken"] = _encode_token(found.version)
        return 200, page

    @route("GET", "/docs/{doc_id}/tables/{table}/rows/{row}")
    def get_row(self, doc_id: str, table: str, row: str, query: dict[str, str], **_: Any) -> tuple[int, JSON]:
        found = self._table(doc_id, table)
        target = found.row(unquote(row))
        if target is None:
            raise _Error(404, "Row not found.")
        use_names = query.get("useColumnNames", "false") == "true"
        return 200, found.render_row(self.api_root, target, use_names=use_names, detail=True)

    @route("POST", "/docs/{doc_id}/tables/{table}/rows")
    def upsert_rows(self, doc_id: str, table: str, body: JSON, **_: Any) -> tuple[int, JSON]:
        found = self._table(doc_id, table, write=True)
        edits = body.get("rows")
        if not isinstance(edits, list) or not edits:
            raise _Error(400, "rows must be a non-empty array.")
        key_columns = [self._column_id(found, k) for k in body.get("keyColumns", [])]
        parsed = [self._cells(found, edit) for edit in edits]  # validate all before applying
        added = []
        by_key = {_key(r.values, key_columns): r for r in found.rows} if key_columns else {}
        for values in parsed:
            existing = by_key.get(_key(values, key_columns)) if key_columns else None
            if existing is not None:
                found.version += 1
                existing.values.update(values)
                existing.version = found.version
                existing.updated_at = stamp()
            else:
                row = found.add_row(values)
                added.append(row.id)
                if key_columns:
                    by_key[_key(values, key_columns)] = row
        return 202, {"requestId": self._mutation(), "addedRowIds": added}

    @route("PUT", "/docs/{doc_id}/tables/{table}/rows/{row}")
    def update_row(self, doc_id: str, table: str, row: str, body: JSON, **_: Any) -> tuple[int, JSON]:
        found = self._table(doc_id, table, write=True)
        target = found.row(unquote(row))
        if target is None:
            raise _Error(404, "Row not found.")
        values = self._cells(found, body.get("row"))
        found.version += 1
        target.values.update(values)
        target.version = found.version
        target.updated_at = stamp()
        return 202, {"requestId": self._mutation(), "id": target.id}

    @route("DELETE", "/docs/{doc_id}/tables/{table}/rows/{row}")
    def delete_row(self, doc_id: str, table: str, row: str, **_: Any) -> tuple[int, JSON]:
        found = self._table(doc_id, table, write=True)
        target = found.row(unquote(row))
        if target is None:
            raise _Error(404, "Row not found.")
        found.rows.remove(target)
        return 202, {"requestId": self._mutation(), "id": target.id}

    @route("DELETE", "/docs/{doc_id}/tables/{table}/rows")
    def delete_rows(self, doc_id: str, table: str, body: JSON, **_: Any) -> tuple[int, JSON]:
        found = self._table(doc_id, table, write=True)
        ids = body.get("rowIds")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise _Error(400, "rowIds must be an array of row ids.")
        wanted = set(ids)
        found.rows = [r for r in found.rows if r.id not in wanted]
        return 202, {"requestId": self._mutation(), "rowIds": ids}

    @route("POST", "/docs/{doc_id}/tables/{table}/rows/{row}/buttons/{column}")
    def push_button(self, doc_id: str, table: str, row: str, column: str, **_: Any) -> tuple[int, JSON]:
        found = self._table(doc_id, table, write=True)
        target = found.row(unquote(row))
        col = found.column(unquote(column))
        if target is None or col is None:
            raise _Error(404, "Row or column not found.")
        if col.format_type != "button":
            raise _Error(400, f"Column {col.name} is not a button.")
        target.values[col.id] = int(target.values.get(col.id, 0)) + 1  # presses, for tests to see
        return 202, {"requestId": self._mutation(), "rowId": target.id, "columnId": col.id}

    def _column_id(self, table: TableState, key: object) -> str:
        column = table.column(key) if isinstance(key, str) else None
        if column is None:
            raise _Error(400, f"Unknown column {key!r}.")
        return column.id

    def _cells(self, table: TableState, edit: object) -> dict[str, Any]:
        cells = edit.get("cells") if isinstance(edit, dict) else None
        if not isinstance(cells, list) or not cells:
            raise _Error(400, "Each row needs a non-empty cells array.")
        values: dict[str, Any] = {}
        for cell in cells:
            if not isinstance(cell, dict) or "column" not in cell or "value" not in cell:
                raise _Error(400, "Each cell needs column and value.")
            values[self._column_id(table, cell["column"])] = cell["value"]
        return values

    # Formulas and controls --------------------------------------------------------------

    def _named(self, doc: DocState, item: NamedValue, kind: str, *, detail: bool) -> JSON:
        rendered: JSON = {
            "id": item.id,
            "type": kind,
            "href": f"{self.api_root}/docs/{doc.id}/{kind}s/{item.id}",
            "name": item.name,
        }
        if detail:
            rendered["value"] = item.value
            if kind == "control":
                rendered["controlType"] = item.control_type or "slider"
        return rendered

    def _named_list(self, doc_id: str, kind: str, query: dict[str, str]) -> tuple[int, JSON]:
        doc = self._doc(doc_id)
        items = doc.formulas if kind == "formula" else doc.controls
        rendered = [self._named(doc, i, kind, detail=False) for i in items]
        return 200, self._page(rendered, query, f"{self.api_root}/docs/{doc.id}/{kind}s")

    def _named_get(self, doc_id: str, kind: str, key: str) -> tuple[int, JSON]:
        doc = self._doc(doc_id)
        items = doc.formulas if kind == "formula" else doc.controls
        item = next((i for i in items if unquote(key) in (i.id, i.name)), None)
        if item is None:
            raise _Error(404, f"{kind.title()} not found.")
        return 200, self._named(doc, item, kind, detail=True)

    @route("GET", "/docs/{doc_id}/formulas")
    def list_formulas(self, doc_id: str, query: dict[str, str], **_: Any) -> tuple[int, JSON]:
        return self._named_list(doc_id, "formula", query)

    @route("GET", "/docs/{doc_id}/formulas/{formula}")
    def get_formula(self, doc_id: str, formula: str, **_: Any) -> tuple[int, JSON]:
        return self._named_get(doc_id, "formula", formula)

    @route("GET", "/docs/{doc_id}/controls")
    def list_controls(self, doc_id: str, query: dict[str, str], **_: Any) -> tuple[int, JSON]:
        return self._named_list(doc_id, "control", query)

    @route("GET", "/docs/{doc_id}/controls/{control}")
    def get_control(self, doc_id: str, control: str, **_: Any) -> tuple[int, JSON]:
        return self._named_get(doc_id, "control", control)

    # Permissions and sharing ------------------------------------------------------------

    @route("GET", "/docs/{doc_id}/acl/permissions")
    def list_permissions(self, doc_id: str, query: dict[str, str], **_: Any) -> tuple[int, JSON]:
        doc = self._doc(doc_id)
        items = [{"id": p.id, "access": p.access, "principal": p.principal} for p in doc.permissions]
        return 200, self._page(items, query, f"{self.api_root}/docs/{doc.id}/acl/permissions")

    @route("POST", "/docs/{doc_id}/acl/permissions")
    def add_permission(self, doc_id: str, body: JSON, **_: Any) -> tuple[int, JSON]:
        doc = self._doc(doc_id, write=True)
        access, principal = body.get("access"), body.get("principal")
        if access not in ("readonly", "write", "comment") or not isinstance(principal, dict):
            raise _Error(400, "access and principal are required.")
        kind = principal.get("type")
        if kind == "email" and isinstance(principal.get("email"), str):
            stored = {"type": "email", "email": principal["email"]}
        elif kind == "domain" and isinstance(principal.get("domain"), str):
            stored = {"type": "domain", "domain": principal["domain"]}
        elif kind == "anyone":
            stored = {"type": "anyone"}
        else:
            raise _Error(400, f"Unsupported principal {principal!r}.")
        doc.permissions.append(PermissionState(new_id("perm-"), access, stored))
        return 200, {}

    @route("DELETE", "/docs/{doc_id}/acl/permissions/{permission_id}")
    def delete_permission(self, doc_id: str, permission_id: str, **_: Any) -> tuple[int, JSON]:
        doc = self._doc(doc_id, write=True)
        before = len(doc.permissions)
        doc.permissions = [p for p in doc.permissions if p.id != unquote(permission_id)]
        if len(doc.permissions) == before:
            raise _Error(404, "Permission not found.")
        return 200, {}

    @route("GET", "/docs/{doc_id}/acl/metadata")
    def sharing_metadata(self, doc_id: str, **_: Any) -> tuple[int, JSON]:
        doc = self._doc(doc_id)
        can = not doc.read_only
        return 200, {"canShare": can, "canShareWithWorkspace": can, "canShareWithOrg": False, "canCopy": True}

    @route("GET", "/docs/{doc_id}/acl/settings")
    def get_acl_settings(self, doc_id: str, **_: Any) -> tuple[int, JSON]:
        return 200, dict(self._doc(doc_id).settings)

    @route("PATCH", "/docs/{doc_id}/acl/settings")
    def update_acl_settings(self, doc_id: str, body: JSON, **_: Any) -> tuple[int, JSON]:
        doc = self._doc(doc_id, write=True)
        for key, value in body.items():
            if key not in doc.settings or not isinstance(value, bool):
                raise _Error(400, f"Unknown or invalid setting {key!r}.")
            doc.settings[key] = value
        return 200, dict(doc.settings)


def _key(values: dict[str, Any], columns: list[str]) -> tuple[object, ...]:
    # A tuple of the key cells (lists and dicts as JSON text, so any cell value is hashable).
    return tuple(
        v if isinstance(v, str | int | float | bool | None) else json.dumps(v) for v in map(values.get, columns)
    )


def _json_body(body: bytes) -> JSON:
    try:
        parsed = json.loads(body or b"{}")
    except ValueError:
        raise _Error(400, "The request body is not JSON.") from None
    if not isinstance(parsed, dict):
        raise _Error(400, "The request body must be a JSON object.")
    return parsed


def _int_param(query: dict[str, str], name: str, default: int, *, minimum: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _Error(400, f"{name} must be an integer.") from None
    if value < minimum:
        raise _Error(400, f"{name} must be at least {minimum}.")
    return value


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def _decode_token(token: str) -> int:
    try:
        padded = token + "=" * (-len(token) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded))["o"]
    except (ValueError, KeyError, TypeError):
        raise _Error(400, "Invalid page or sync token.") from None
    if not isinstance(value, int) or value < 0:
        raise _Error(400, "Invalid page or sync token.")
    return value


def _not_json(constant: str) -> Any:
    # Python's json accepts NaN and Infinity; JSON (and Coda's parser) does not.
    raise ValueError(f"{constant} is not JSON")


def parse_row_query(query: str) -> tuple[str, Any]:
    """Split Coda's ``<column id or "quoted name">:<json value>`` filter into the column (an
    id, or the name the quotes held) and the value, as strictly as JSON allows.

    Raises:
        ValueError: The query is not of that form (the fake answers 400).
    """
    if query.startswith('"'):
        try:
            column, end = json.JSONDecoder().raw_decode(query)
        except ValueError:
            raise ValueError(f"Invalid query {query!r}.") from None
        rest = query[end:]
    else:
        column, colon, rest = query.partition(":")
        rest = colon + rest
    if not rest.startswith(":") or not str(column):
        raise ValueError(f"Invalid query {query!r}: expected <column>:<value>.")
    try:
        value = json.loads(rest[1:], parse_constant=_not_json)
    except ValueError:
        raise ValueError(f"Invalid query {query!r}: the value is not JSON.") from None
    if isinstance(value, list | dict):
        raise ValueError(f"Invalid query {query!r}: the value must be a single JSON value.")
    return str(column), value


def _parse_row_query(query: str, table: TableState) -> tuple[str, Any]:
    """The column id and value of a row filter on ``table`` (400 when malformed or unknown)."""
    try:
        column, value = parse_row_query(query)
    except ValueError as exc:
        raise _Error(400, str(exc)) from None
    col = table.column(column)
    if col is None:
        raise _Error(400, f"Invalid query: unknown column {column!r}.")
    return col.id, value


# Loopback server ---------------------------------------------------------------------------


class _RequestHandler(BaseHTTPRequestHandler):
    fake: FakeCoda
    peers: list[int]
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two sends; with Nagle's algorithm on, the body would wait for
    # the ACK of the headers, which a client delays by up to 40 ms on a kept-alive connection.
    # Production servers set TCP_NODELAY, and so does the fake.
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        host = self.headers.get("host", "127.0.0.1")
        self.peers.append(self.client_address[1])
        if self.fake.latency > 0:
            time.sleep(self.fake.latency)  # the simulated network round trip, not synchronisation
        reply = self.fake.handle(self.command, f"http://{host}{self.path}", dict(self.headers.items()), body)
        data = reply.body.encode() if isinstance(reply.body, str) else json.dumps(reply.body).encode()
        self.send_response(reply.status)
        if "content-type" not in reply.headers:
            self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: object) -> None:
        return  # requests are in fake.log; stderr stays quiet


class _Server(ThreadingHTTPServer):
    # socketserver's default listen backlog is 5: ten clients connecting at once (a bulk
    # write's batches) would see connections dropped and retried by TCP a second later.
    request_queue_size = 128

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up mid-request (a timeout, a cancelled task) is part of what
        # the fake is for; only other failures are printed, as socketserver does.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class FakeCodaServer:
    """Serve a :class:`FakeCoda` on 127.0.0.1 in a background thread."""

    def __init__(self, fake: FakeCoda, port: int = 0) -> None:
        #: The client port of every request, in order: which connection each one came on.
        self.peers: list[int] = []
        handler = type("Handler", (_RequestHandler,), {"fake": fake, "peers": self.peers})
        self.httpd = _Server(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.fake = fake
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/apis/v1"
        fake.api_root = self.base_url
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="fake-coda", daemon=True)

    def __enter__(self) -> FakeCodaServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> FakeCodaServer:
        return self.__enter__()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def seed_demo(fake: FakeCoda) -> DocState:
    """The doc the demo and the seed's quick start use: a task table with statuses."""
    # The ids are the ones the seed's quick start uses verbatim ("doc-id", "grid-xxx").
    doc = fake.add_doc("Product Roadmap", doc_id="doc-id")
    tasks = doc.add_table("Tasks", ["Name", "Status", "Owner"], table_id="grid-xxx")
    for i, status in enumerate(["Active", "Done", "Active", "Blocked", "Active"]):
        tasks.add_row({"Name": f"Task {i + 1}", "Status": status, "Owner": "ada@example.com"})
    doc.formulas.append(NamedValue(new_id("f-"), "OpenTasks", 3))
    doc.controls.append(NamedValue(new_id("ctrl-"), "Threshold", 5, "slider"))
    fake.add_doc("Team Wiki")
    return doc


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a fake Coda API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="test-token")
    parser.add_argument("--seed", choices=["none", "demo"], default="demo")
    parser.add_argument("--no-rate-limits", action="store_true")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="wait this long before each answer")
    args = parser.parse_args(argv)
    fake = FakeCoda(
        token=args.token,
        rate_limits=FakeLimits.off() if args.no_rate_limits else None,
        latency=args.latency_ms / 1000,
    )
    if args.seed == "demo":
        seed_demo(fake)
    server = FakeCodaServer(fake, args.port)
    print(f"fake Coda API at {server.base_url}", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()


if __name__ == "__main__":
    main()
