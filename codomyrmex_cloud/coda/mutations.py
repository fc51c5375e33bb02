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
    """Shared bookkeeping of a wait: which ids are still pending and how long to sleep."""

    pending: list[str]
    deadline: float
    interval: float = 0.0

    def next_interval(self) -> float:
        self.interval = _FIRST_POLL if self.interval == 0 else min(_MAX_POLL, self.interval * 2)
        return self.interval

    def check(self, now: float, request_ids: tuple[str, ...]) -> None:
        if now > self.deadline:
            raise CodaMutationError(
                f"{len(self.pending)} of {len(request_ids)} writes still pending after the timeout",
                request_ids=request_ids,
            )


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
        state = _WaitState(list(self.request_ids), self._clock() + timeout)
        while state.pending:
            still = []
            for request_id in state.pending:
                completed, warning = self._status(request_id)
                if warning:
                    self.warnings.append(warning)
                if not completed:
                    still.append(request_id)
            state.pending = still
            if still:
                state.check(self._clock(), self.request_ids)
                self._sleep(state.next_interval())
        return self


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
        state = _WaitState(list(self.request_ids), self._clock() + timeout)
        while state.pending:
            still = []
            for request_id in state.pending:
                completed, warning = await self._status(request_id)
                if warning:
                    self.warnings.append(warning)
                if not completed:
                    still.append(request_id)
            state.pending = still
            if still:
                state.check(self._clock(), self.request_ids)
                await sleep(state.next_interval())
        return self
