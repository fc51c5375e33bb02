# Generated from codomyrmex_cloud/coda/_async/paging.py by scripts/unasync.py; do not edit.
"""``Paginated``: a Coda list, one page at a time or item by item across every page.

Iterating walks every page. The sync list methods fetch the first page when they are called,
so errors surface there; the sync ones return at once with a result that is both awaitable
(which fetches the first page) and async-iterable, like anthropic-sdk-python's paginator.

A result can be walked again: every walk starts from the first page (kept, not re-fetched)
and fetches the rest anew, with its own repeated-token guard.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from codomyrmex_cloud.coda.paging import Fetch, PageAnswer, Walk, next_token

T = TypeVar("T")


class Paginated(Generic[T]):
    """One page of a Coda list and the way to the others.

    Iterating yields every item of every page, lazily, stopping after ``max_items`` if the
    list call was given one; iterating again walks again. There is no ``len()``: a page's size
    is ``len(page.items)``, and the list's size is known only by walking it.
    """

    def __init__(self, fetch: Fetch[T], *, max_items: int | None = None, first: PageAnswer[T] | None = None) -> None:
        self._fetch = fetch
        self._max_items = max_items
        self._first = first
        self._walked_sync_token: str | None = None

    def _load(self) -> PageAnswer[T]:
        if self._first is None:
            self._first = self._fetch(None)
        return self._first

    def _loaded(self) -> PageAnswer[T]:
        if self._first is None:
            self._first = self._fetch(None)
        return self._first

    def _start(self) -> Paginated[T]:
        """Called by the list methods: the sync twin fetches the first page here."""
        self._loaded()
        return self

    @property
    def items(self) -> list[T]:
        """The items of this page."""
        return self._loaded().items

    @property
    def next_page_token(self) -> str | None:
        """Coda's token for the page after this one; None on the last page."""
        return self._loaded().next_page_token

    @property
    def next_sync_token(self) -> str | None:
        """Coda's token for reading only what changed since (``sync_token=`` of ``list_rows``).

        Coda sends it with the last page of a row listing: this is that token once a walk
        (iteration or ``iter_pages``) has reached the last page, or when this is the last page.
        """
        page = self._loaded()
        if page.next_page_token is None:
            return page.next_sync_token
        return self._walked_sync_token

    def has_next_page(self) -> bool:
        """Whether another page follows this one."""
        return self._loaded().next_page_token is not None

    def next_page(self) -> Paginated[T]:
        """Fetch the page after this one (each call fetches it again).

        Raises:
            CodaPaginationError: This is the last page, or the server repeated this page's token.
        """
        token = next_token(self._load())
        return Paginated(self._fetch, max_items=self._max_items, first=self._fetch(token))

    def iter_pages(self) -> Iterator[Paginated[T]]:
        """Every page from this one on, each fetched once per walk.

        Raises:
            CodaPaginationError: The server repeated a page token during this walk.
        """
        walk = Walk()
        page: Paginated[T] = self
        answer = self._load()
        while True:
            yield page
            token = walk.follow(answer)
            if token is None:
                self._walked_sync_token = answer.next_sync_token
                return
            answer = self._fetch(token)
            page = Paginated(self._fetch, max_items=self._max_items, first=answer)

    def __iter__(self) -> Iterator[T]:
        remaining = self._max_items
        for page in self.iter_pages():
            for item in page._loaded().items:
                yield item
                if remaining is not None:
                    remaining -= 1
                    if remaining <= 0:
                        return  # before fetching a page nobody asked for

    def __repr__(self) -> str:
        if self._first is None:
            return f"<{type(self).__name__} not fetched yet>"
        more = ", more pages" if self._first.next_page_token else ""
        return f"<{type(self).__name__} {len(self._first.items)} items{more}>"
