"""Client-side rate limiting matching Coda's published limits, shared by threads and tasks.

Coda documents (API reference, "Rate limiting") these limits per token:

=========================  ===========================
reading data               100 requests per 6 seconds
writing (POST/PUT/PATCH)    10 requests per 6 seconds
writing doc content          5 requests per 10 seconds
listing docs                 4 requests per 6 seconds
=========================  ===========================

Each limit is a sliding window, counted by Coda when a request *arrives*, which may be later
than when it left (a busy server queues requests). The limiter therefore keeps, for every
request, when it left and when its answer came back: Coda counted it somewhere in between.
A request may leave when, of the requests booked before it, fewer than the limit may have been
counted within one window of that moment; a request still unanswered may have been counted at
any time, so it always counts. The three steps, each under a ``threading.Lock`` and none of
them sleeping (so the same limiter serves the sync and the async client):

- :meth:`RateLimiter.reserve` books the earliest instant the request may leave, from what is
  known then, and returns a :class:`Booking` with how long to wait;
- :meth:`RateLimiter.ready`, just before sending, checks that instant again with the answers
  that came back meanwhile and returns how much longer to wait (0: send now);
- :meth:`RateLimiter.done`, once the answer (or an error) is back, records when.

Sent one after another, a request waits at most one round trip longer than a window of send
times would make it; sent side by side (a bulk write), the requests of the second window wait
for the answers of the first, so a server that counted the first window late never sees one
request too many.

The budget is Coda's, per token: :meth:`RateLimiter.shared` hands every client of one process
with the same token, base URL and limits the same limiter, so two clients (sync or async, in
any threads) cannot together exceed what one may send. A forked child starts with fresh ones.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import httpx

from codomyrmex_cloud.coda import arguments as check
from codomyrmex_cloud.coda.errors import CodaConfigurationError


class RequestKind(StrEnum):
    """The budgets Coda counts a request against."""

    READ = "read"
    WRITE = "write"
    DOC_CONTENT_WRITE = "doc_content_write"
    LIST_DOCS = "list_docs"


@dataclass(frozen=True)
class Limit:
    """``requests`` per ``seconds`` (a sliding window).

    Raises:
        CodaConfigurationError: ``requests`` is not an integer >= 1, or ``seconds`` not a
            finite number > 0.
    """

    requests: int
    seconds: float

    def __post_init__(self) -> None:
        check.count("Limit.requests", self.requests, minimum=1)
        check.seconds("Limit.seconds", self.seconds, positive=True)


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

    Raises:
        CodaConfigurationError: A limit that is not a :class:`Limit`, or a negative or
            non-finite ``margin``.
    """

    read: Limit = Limit(100, 6.0)
    write: Limit = Limit(10, 6.0)
    doc_content_write: Limit = Limit(5, 10.0)
    list_docs: Limit = Limit(4, 6.0)
    margin: float = 0.05
    enabled: bool = True

    def __post_init__(self) -> None:
        for name in ("read", "write", "doc_content_write", "list_docs"):
            if not isinstance(getattr(self, name), Limit):
                raise CodaConfigurationError(f"RateLimits.{name} must be a Limit, got {getattr(self, name)!r}")
        check.seconds("RateLimits.margin", self.margin, positive=False)
        check.flag("RateLimits.enabled", self.enabled)

    @classmethod
    def disabled(cls) -> RateLimits:
        """Limits that let every request go at once (client-side limiting off)."""
        return cls(enabled=False)

    def limit_for(self, kind: RequestKind) -> Limit:
        """The limit of one kind of request (each kind's value names its attribute)."""
        limit: Limit = getattr(self, kind.value)
        return limit


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


#: Seconds between checks while as many requests as a window allows are still unanswered
#: (only when more requests than the limit are in flight at once).
POLL = 0.05


@dataclass(eq=False, slots=True)
class _Slot:
    """One request's place in one window: when it leaves (booked, then actual) and when its
    answer came back."""

    at: float
    done: float | None = None


@dataclass(eq=False)
class Booking:
    """A request's places in the windows it counts against (from :meth:`RateLimiter.reserve`).

    Attributes:
        delay: Seconds to wait, from the reservation, before the request may leave.
    """

    delay: float
    slots: tuple[tuple[RequestKind, _Slot], ...] = field(default=(), repr=False)


class RateLimiter:
    """Books send times in sliding windows; thread-safe and sleep-free (see the module)."""

    def __init__(self, limits: RateLimits | None = None, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits or RateLimits()
        self._clock = clock
        self._lock = threading.Lock()
        self._slots: dict[RequestKind, list[_Slot]] = {kind: [] for kind in RequestKind}

    @classmethod
    def shared(cls, token: str, base_url: str, limits: RateLimits | None) -> RateLimiter:
        """The process-wide limiter of ``token`` at ``base_url`` with ``limits``."""
        key = (hashlib.sha256(token.encode()).hexdigest(), base_url, limits or RateLimits())
        with _SHARED_LOCK:
            limiter = _SHARED.get(key)
            if limiter is None:
                limiter = _SHARED[key] = cls(limits)
            return limiter

    def reserve(self, request: httpx.Request) -> Booking:
        """Book ``request`` at the earliest instant it may leave, from what is known now."""
        if not self.limits.enabled:
            return Booking(0.0)
        kinds = classify(request.method, request.url.path)
        with self._lock:
            now = self._clock()
            start = now
            for kind in kinds:
                slots = self._pruned(kind, now)
                if slots:
                    # First come, first served: keeps every window's bookings in time order.
                    start = max(start, slots[-1].at)
                if len(slots) >= self.limits.limit_for(kind).requests:  # else the window has room
                    # An estimate: an unanswered request as counted when it left (ready() corrects it).
                    start = max(start, self._free_at(kind, [s.done if s.done is not None else s.at for s in slots]))
            booked = tuple((kind, _Slot(start)) for kind in kinds)
            for kind, slot in booked:
                self._slots[kind].append(slot)
            return Booking(start - now, booked)

    def ready(self, booking: Booking) -> float:
        """Seconds still to wait before sending (0: send now), with the answers known now.

        Call it after waiting ``booking.delay``, and again after any wait it returns.
        """
        if not booking.slots:
            return 0.0
        with self._lock:
            now = self._clock()
            planned = max(now, booking.slots[0][1].at)
            leave = planned
            for kind, slot in booking.slots:
                slots = self._slots[kind]
                position = slots.index(slot)
                if position < self.limits.limit_for(kind).requests:
                    continue  # fewer requests than the limit before it: the window has room
                earlier = slots[:position]
                # Unanswered (or not yet sent): Coda may count it at any time, so it counts.
                free = self._free_at(kind, [s.done if s.done is not None else math.inf for s in earlier])
                leave = max(leave, planned + POLL if free == math.inf else free)
            for _, slot in booking.slots:
                slot.at = leave
            return leave - now if leave > planned else 0.0

    def done(self, booking: Booking) -> None:
        """Record that the request's answer (or its failure) is back: Coda counted it by now."""
        if not booking.slots:
            return
        with self._lock:
            now = self._clock()
            for _, slot in booking.slots:
                if slot.done is None:
                    slot.done = max(now, slot.at)

    def _free_at(self, kind: RequestKind, counted: list[float]) -> float:
        """The earliest instant a request may leave, given when the others were counted."""
        limit = self.limits.limit_for(kind)
        if len(counted) < limit.requests:
            return -math.inf
        # It may go when the request counted `requests` places back has left the window.
        counted.sort(reverse=True)
        return counted[limit.requests - 1] + limit.seconds + self.limits.margin

    def _pruned(self, kind: RequestKind, now: float) -> list[_Slot]:
        """The slots of ``kind`` that can still matter: an answer older than a window no longer
        counts; the last slot is kept whatever its age (first come, first served reads it)."""
        horizon = now - self.limits.limit_for(kind).seconds - self.limits.margin
        slots = self._slots[kind]
        kept = [s for s in slots[:-1] if s.done is None or s.done > horizon] + slots[-1:]
        self._slots[kind] = kept
        return kept


# (sha256 of the token, base URL, limits) -> limiter; the token itself is never kept here.
_SHARED: dict[tuple[str, str, RateLimits], RateLimiter] = {}
_SHARED_LOCK = threading.Lock()


def _forget_after_fork() -> None:
    # A child must not inherit a lock held by another thread of the parent at fork time.
    global _SHARED_LOCK  # noqa: PLW0603 - replacing the lock is the point
    _SHARED_LOCK = threading.Lock()
    _SHARED.clear()


os.register_at_fork(after_in_child=_forget_after_fork)
