"""Paging state shared by :class:`Paginated` and :class:`AsyncPaginated`: page sizes, one
fetched page (:class:`PageAnswer`) and the repeated-token guard of one walk (:class:`Walk`).

Page size: Coda's list endpoints take ``limit`` (default 25 when it is not sent). The pinned
spec documents no maximum for them, so every list asks for :data:`DEFAULT_PAGE_SIZE` items
(rows: 500, the most Coda serves in one page) and follows ``nextPageToken`` for whatever the
server did not return; a server that serves fewer per page costs requests, never items.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeAlias, TypeVar

from codomyrmex_cloud.coda.errors import CodaConfigurationError, CodaPaginationError

T = TypeVar("T")

#: Items asked for per request when ``page_size`` is not given.
DEFAULT_PAGE_SIZE = 500


@dataclass(frozen=True, slots=True)
class PageAnswer(Generic[T]):
    """One fetched page: its items, the token that fetched it, and Coda's continuation tokens."""

    items: list[T]
    token: str | None
    next_page_token: str | None
    next_sync_token: str | None


#: Fetches the page for a token (None: the first page).
Fetch: TypeAlias = Callable[[str | None], PageAnswer[T]]
AsyncFetch: TypeAlias = Callable[[str | None], Awaitable[PageAnswer[T]]]


def answer(raw: dict[str, Any], token: str | None, convert: Callable[[Any], T]) -> PageAnswer[T]:
    """A :class:`PageAnswer` from a list answer's JSON (``raw_page`` checked ``items``)."""
    next_token = raw.get("nextPageToken") or None
    sync_token = raw.get("nextSyncToken") or None
    return PageAnswer(
        [convert(item) for item in raw["items"]],
        token,
        next_token if isinstance(next_token, str) else None,
        sync_token if isinstance(sync_token, str) else None,
    )


@dataclass
class Walk:
    """Page tokens followed in one walk over the pages; a token that repeats means the server
    is looping (botocore's paginator refuses the same), so the walk stops with an error."""

    seen: set[str] = field(default_factory=set)

    def follow(self, page: PageAnswer[Any]) -> str | None:
        """The next token to fetch after ``page``, or None on the last page."""
        token = page.next_page_token
        if token is None:
            return None
        if token in self.seen or token == page.token:
            raise CodaPaginationError(f"the server repeated page token {token[:16]!r}; stopping")
        self.seen.add(token)
        return token


def next_token(page: PageAnswer[Any]) -> str:
    """The token of the page after ``page`` (one step, as ``next_page()`` takes it)."""
    token = Walk().follow(page)
    if token is None:
        raise CodaPaginationError("next_page: this is the last page (has_next_page() is False)")
    return token


def not_fetched() -> CodaPaginationError:
    """Reading an async listing's page before awaiting it (``async for`` needs no await)."""
    return CodaPaginationError("await the listing before reading its first page, or iterate it with async for")


def page_limit(page_size: int | None, limit: int | None, max_items: int | None) -> int:
    """The ``limit`` to send: ``page_size`` (``limit`` is its alias), capped by ``max_items``.

    Raises:
        CodaConfigurationError: A non-positive size, or both ``page_size`` and ``limit``.
    """
    if page_size is not None and limit is not None and page_size != limit:
        raise CodaConfigurationError("page_size/limit: limit is an alias of page_size; pass one of them")
    size = page_size if page_size is not None else limit
    for name, value in (("page_size" if page_size is not None else "limit", size), ("max_items", max_items)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise CodaConfigurationError(f"{name} must be a positive integer, got {value!r}")
    chosen = size if size is not None else DEFAULT_PAGE_SIZE
    return min(chosen, max_items) if max_items is not None else chosen
