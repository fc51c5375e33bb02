"""Client-side rate limiting matching Coda's published limits, shared by threads and tasks.

Coda documents (API reference, "Rate limiting") these limits per token:

=========================  ===========================
reading data               100 requests per 6 seconds
writing (POST/PUT/PATCH)    10 requests per 6 seconds
writing doc content          5 requests per 10 seconds
listing docs                 4 requests per 6 seconds
=========================  ===========================

Each limit is a sliding window. :meth:`RateLimiter.reserve` books the earliest instant at
which a request may go out in every window that applies to it and returns how long to wait;
booking is under a ``threading.Lock`` and never sleeps, so the same limiter serves the sync
client (which sleeps with ``time.sleep``) and the async client (``asyncio.sleep``).

The budget is Coda's, per token: :meth:`RateLimiter.shared` hands every client of one process
with the same token, base URL and limits the same limiter, so two clients (sync or async, in
any threads) cannot together exceed what one may send. A forked child starts with fresh ones.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import httpx


class RequestKind(StrEnum):
    """The budgets Coda counts a request against."""

    READ = "read"
    WRITE = "write"
    DOC_CONTENT_WRITE = "doc_content_write"
    LIST_DOCS = "list_docs"


@dataclass(frozen=True)
class Limit:
    """``requests`` per ``seconds`` (a sliding window)."""

    requests: int
    seconds: float


@dataclass(frozen=True)
class RateLimits:
    """Per-kind limits. Pass ``RateLimits.disabled()`` to turn client-side limiting off.

    Attributes:
        read: GET requests.
        write: POST, PUT, PATCH and DELETE requests.
        doc_content_write: Writes of page content (creating or updating a page); these also
            count as writes.
        list_docs: Listing docs (``GET /docs``); also counts as a read.
        margin: Seconds added to every window so requests that leave on schedule still
            arrive inside Coda's window after network jitter.
        enabled: False turns the limiter off.
    """

    read: Limit = Limit(100, 6.0)
    write: Limit = Limit(10, 6.0)
    doc_content_write: Limit = Limit(5, 10.0)
    list_docs: Limit = Limit(4, 6.0)
    margin: float = 0.05
    enabled: bool = True

    @classmethod
    def disabled(cls) -> RateLimits:
        """Limits that let every request go at once (client-side limiting off)."""
        return cls(enabled=False)

    def limit_for(self, kind: RequestKind) -> Limit:
        """The limit of one kind of request."""
        return {
            RequestKind.READ: self.read,
            RequestKind.WRITE: self.write,
            RequestKind.DOC_CONTENT_WRITE: self.doc_content_write,
            RequestKind.LIST_DOCS: self.list_docs,
        }[kind]


_PAGE_PATH = re.compile(r"/docs/[^/]+/pages(/[^/]+)?$")
_DOCS_PATH = re.compile(r"/docs$")


def classify(method: str, path: str) -> tuple[RequestKind, ...]:
    """The limits a request counts against (path relative to or including the API root)."""
    method = method.upper()
    if method in ("GET", "HEAD"):
        if _DOCS_PATH.search(path):
            return (RequestKind.READ, RequestKind.LIST_DOCS)
        return (RequestKind.READ,)
    if method in ("POST", "PUT") and _PAGE_PATH.search(path):
        return (RequestKind.WRITE, RequestKind.DOC_CONTENT_WRITE)
    return (RequestKind.WRITE,)


class RateLimiter:
    """Books send times in sliding windows; thread-safe and sleep-free."""

    def __init__(self, limits: RateLimits | None = None, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits or RateLimits()
        self._clock = clock
        self._lock = threading.Lock()
        self._booked: dict[RequestKind, deque[float]] = {kind: deque() for kind in RequestKind}

    @classmethod
    def shared(cls, token: str, base_url: str, limits: RateLimits | None) -> RateLimiter:
        """The process-wide limiter of ``token`` at ``base_url`` with ``limits``."""
        key = (hashlib.sha256(token.encode()).hexdigest(), base_url, limits or RateLimits())
        with _SHARED_LOCK:
            limiter = _SHARED.get(key)
            if limiter is None:
                limiter = _SHARED[key] = cls(limits)
            return limiter

    def reserve(self, request: httpx.Request) -> float:
        """Book ``request`` and return the seconds to wait before sending it."""
        if not self.limits.enabled:
            return 0.0
        kinds = classify(request.method, request.url.path)
        with self._lock:
            now = self._clock()
            start = now
            for kind in kinds:
                limit = self.limits.limit_for(kind)
                booked = self._booked[kind]
                if booked:
                    # First come, first served: keeps every window's bookings in time order.
                    start = max(start, booked[-1])
                if len(booked) >= limit.requests:
                    # The request may go when the booking `requests` places back leaves the window.
                    start = max(start, booked[-limit.requests] + limit.seconds + self.limits.margin)
            for kind in kinds:
                booked = self._booked[kind]
                booked.append(start)
                while len(booked) > self.limits.limit_for(kind).requests:
                    booked.popleft()
            return start - now


# (sha256 of the token, base URL, limits) -> limiter; the token itself is never kept here.
_SHARED: dict[tuple[str, str, RateLimits], RateLimiter] = {}
_SHARED_LOCK = threading.Lock()


def _forget_after_fork() -> None:
    # A child must not inherit a lock held by another thread of the parent at fork time.
    global _SHARED_LOCK  # noqa: PLW0603 - replacing the lock is the point
    _SHARED_LOCK = threading.Lock()
    _SHARED.clear()


os.register_at_fork(after_in_child=_forget_after_fork)
