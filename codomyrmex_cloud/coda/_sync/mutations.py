# Generated from codomyrmex_cloud/coda/_async/mutations.py by scripts/unasync.py; do not edit.
"""``Mutation``: a write Coda accepted (HTTP 202), and the way to wait for it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from codomyrmex_cloud.coda.waiting import DEFAULT_WAIT, SleepFn, StatusFn, WaitState


@dataclass(frozen=True)
class Mutation:
    """A write Coda accepted (202). ``wait()`` blocks until Coda has applied it.

    Attributes:
        request_ids: One per request the write took (a bulk write is split into several).
        row_ids: Rows the write touched, as Coda reports them: added rows for an insert or
            upsert, the row for an update, delete or button push, the deleted rows of a bulk
            delete. Coda does not report which rows an upsert *updated*.
        added_row_ids: Rows an insert or upsert added (Coda's ``addedRowIds``).
        page_id: The page a page write created, updated or deleted.
        warnings: Warnings Coda attached to completed mutations (filled by ``wait``).
    """

    request_ids: tuple[str, ...]
    row_ids: tuple[str, ...] = ()
    added_row_ids: tuple[str, ...] = ()
    page_id: str | None = None
    warnings: list[str] = field(default_factory=list, compare=False)
    _status: StatusFn | None = field(default=None, repr=False, compare=False)
    _sleep: SleepFn = field(default=time.sleep, repr=False, compare=False)
    _clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)

    def done(self) -> bool:
        """Whether Coda has applied every request of this write (one status check each, no waiting)."""
        if self._status is None:
            return True
        for request_id in self.request_ids:
            completed, _ = self._status(request_id)
            if not completed:
                return False
        return True

    def wait(self, timeout: float = DEFAULT_WAIT) -> Mutation:
        """Block until every request of this write has completed; return self.

        Args:
            timeout: Seconds to wait at most; honoured to within one poll interval (<= 2 s).

        Raises:
            CodaMutationError: Not completed within ``timeout`` seconds.
        """
        if self._status is None:
            return self
        state = WaitState(self.request_ids, timeout, self._clock() + timeout, self.warnings)
        while True:
            results = [(r, *(self._status(r))) for r in state.pending]
            delay = state.after_round(results, self._clock())
            if delay is None:
                return self
            self._sleep(delay)
