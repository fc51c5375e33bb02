"""Handles for Coda's queued writes (HTTP 202): what was sent, and a way to wait for it.

Coda applies row, page and doc writes asynchronously and answers with a request id; the
change is visible once ``GET /mutationStatus/{requestId}`` reports ``completed``. A handle
carries every request id of a logical write (a bulk write is split into several requests)
and waits for all of them.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from codomyrmex_cloud.coda.errors import CodaMutationError

#: Poll backoff while waiting: first poll after 0.25 s, doubling up to 2 s between polls.
_FIRST_POLL, _MAX_POLL = 0.25, 2.0


@dataclass
class _WaitState:
    """One wait, shared by the sync and async handles: which requests are still pending,
    the warnings seen, and how long to sleep between rounds of status polls."""

    request_ids: tuple[str, ...]
    deadline: float
    warnings: list[str]
    pending: list[str] = field(init=False)
    interval: float = 0.0

    def __post_init__(self) -> None:
        self.pending = list(self.request_ids)

    def after_round(self, results: list[tuple[str, bool, str | None]], now: float) -> float | None:
        """Record a round of ``(request id, completed, warning)``; return the seconds to sleep
        before the next round, or None when everything has completed.

        Raises:
            CodaMutationError: Still pending past the deadline.
        """
        self.warnings.extend(warning for _, _, warning in results if warning)
        self.pending = [request_id for request_id, completed, _ in results if not completed]
        if not self.pending:
            return None
        if now > self.deadline:
            raise CodaMutationError(
                f"{len(self.pending)} of {len(self.request_ids)} writes still pending after the timeout",
                request_ids=self.request_ids,
            )
        self.interval = _FIRST_POLL if self.interval == 0 else min(_MAX_POLL, self.interval * 2)
        return self.interval


@dataclass(frozen=True)
class Mutation:
    """A write Coda accepted (202). ``wait()`` blocks until Coda has applied it.

    Attributes:
        request_ids: One per request the write took.
        row_ids: Ids of rows the write added, updated or deleted, where Coda reports them.
        warnings: Warnings Coda attached to completed mutations (filled by ``wait``).
    """

    request_ids: tuple[str, ...]
    row_ids: tuple[str, ...] = ()
    _status: Callable[[str], tuple[bool, str | None]] | None = field(default=None, repr=False, compare=False)
    _sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    _clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)
    warnings: list[str] = field(default_factory=list, compare=False)

    def wait(self, timeout: float = 60.0) -> Mutation:
        """Block until every request of this write has completed; return self.

        Raises:
            CodaMutationError: Not completed within ``timeout`` seconds.
        """
        if self._status is None:
            return self
        state = _WaitState(self.request_ids, self._clock() + timeout, self.warnings)
        while True:
            results = [(r, *self._status(r)) for r in state.pending]
            delay = state.after_round(results, self._clock())
            if delay is None:
                return self
            self._sleep(delay)


@dataclass(frozen=True)
class AsyncMutation:
    """Async twin of :class:`Mutation`: ``await mutation.wait()``."""

    request_ids: tuple[str, ...]
    row_ids: tuple[str, ...] = ()
    _status: Callable[[str], Awaitable[tuple[bool, str | None]]] | None = field(default=None, repr=False, compare=False)
    _sleep: Callable[[float], Awaitable[None]] | None = field(default=None, repr=False, compare=False)
    _clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)
    warnings: list[str] = field(default_factory=list, compare=False)

    async def wait(self, timeout: float = 60.0) -> AsyncMutation:
        if self._status is None:
            return self
        import asyncio

        sleep = self._sleep or asyncio.sleep
        state = _WaitState(self.request_ids, self._clock() + timeout, self.warnings)
        while True:
            results = [(r, *(await self._status(r))) for r in state.pending]
            delay = state.after_round(results, self._clock())
            if delay is None:
                return self
            await sleep(delay)
