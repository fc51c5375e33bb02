"""Paginated results: ``.items`` is one page; iterating yields every item across pages, lazily.

The sync and async classes share :class:`_Cursor`, which remembers every page token seen in
a chain: a token that repeats means the server is looping (botocore's paginator refuses the
same), and raises :class:`CodaPaginationError` instead of iterating forever.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from codomyrmex_cloud.coda.errors import CodaPaginationError

T = TypeVar("T")


@dataclass
class _Cursor:
    """Page tokens already followed in one chain of pages."""

    seen: set[str] = field(default_factory=set)

    def follow(self, token: str | None) -> str:
        if not token:
            raise CodaPaginationError("there is no next page")
        if token in self.seen:
            raise CodaPaginationError(f"the server repeated page token {token[:16]!r}; stopping")
        self.seen.add(token)
        return token


class Paginated(Generic[T]):
    """One page of a Coda list, and the way to the next.

    Attributes:
        items: The items of this page.
        next_page_token: Coda's token for the next page, or None on the last page.
    """

    def __init__(
        self,
        items: list[T],
        next_page_token: str | None,
        fetch: Callable[[str], Paginated[T]],
        cursor: _Cursor | None = None,
    ) -> None:
        self.items = items
        self.next_page_token = next_page_token or None
        self._fetch = fetch
        self._cursor = cursor or _Cursor()

    def has_next_page(self) -> bool:
        return self.next_page_token is not None

    def next_page(self) -> Paginated[T]:
        """Fetch the next page. Raises CodaPaginationError on the last page."""
        page = self._fetch(self._cursor.follow(self.next_page_token))
        page._cursor = self._cursor
        return page

    def iter_pages(self) -> Iterator[Paginated[T]]:
        page = self
        yield page
        while page.has_next_page():
            page = page.next_page()
            yield page

    def __iter__(self) -> Iterator[T]:
        for page in self.iter_pages():
            yield from page.items

    def __len__(self) -> int:
        """Items on this page (iterate to count all)."""
        return len(self.items)

    def __repr__(self) -> str:
        more = ", more pages" if self.has_next_page() else ""
        return f"<{type(self).__name__} {len(self.items)} items{more}>"


class AsyncPaginated(Generic[T]):
    """Async twin of :class:`Paginated`: ``async for item in page`` walks every page."""

    def __init__(
        self,
        items: list[T],
        next_page_token: str | None,
        fetch: Callable[[str], Awaitable[AsyncPaginated[T]]],
        cursor: _Cursor | None = None,
    ) -> None:
        self.items = items
        self.next_page_token = next_page_token or None
        self._fetch = fetch
        self._cursor = cursor or _Cursor()

    def has_next_page(self) -> bool:
        return self.next_page_token is not None

    async def next_page(self) -> AsyncPaginated[T]:
        page = await self._fetch(self._cursor.follow(self.next_page_token))
        page._cursor = self._cursor
        return page

    async def iter_pages(self) -> AsyncIterator[AsyncPaginated[T]]:
        page = self
        yield page
        while page.has_next_page():
            page = await page.next_page()
            yield page

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.iter_pages():
            for item in page.items:
                yield item

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        more = ", more pages" if self.has_next_page() else ""
        return f"<{type(self).__name__} {len(self.items)} items{more}>"
