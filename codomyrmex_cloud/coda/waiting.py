"""Waiting for Coda's queued writes (HTTP 202), shared by :class:`Mutation` and
:class:`AsyncMutation`: which requests are pending, and how long to sleep between polls.

Coda applies row, page and doc writes asynchronously and answers with a request id; the
change is visible once ``GET /mutationStatus/{requestId}`` reports ``completed``.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeAlias

from codomyrmex_cloud.coda import arguments as check
from codomyrmex_cloud.coda.errors import CodaConfigurationError, CodaMutationError

#: Poll backoff while waiting: first poll after 0.25 s, doubling up to 2 s between polls.
FIRST_POLL, MAX_POLL = 0.25, 2.0
#: How long ``wait=True`` and ``wait()`` wait by default.
DEFAULT_WAIT = 60.0

#: ``status(request_id) -> (completed, warning)``.
StatusFn: TypeAlias = Callable[[str], tuple[bool, str | None]]
AsyncStatusFn: TypeAlias = Callable[[str], Awaitable[tuple[bool, str | None]]]
SleepFn: TypeAlias = Callable[[float], None]
AsyncSleepFn: TypeAlias = Callable[[float], Awaitable[None]]


def wait_seconds(wait: bool | float) -> float | None:
    """The timeout a ``wait=`` argument asks for: None for no waiting.

    Raises:
        CodaConfigurationError: A negative, infinite, NaN or non-numeric ``wait``.
    """
    if wait is True:
        return DEFAULT_WAIT
    if wait is False:
        return None
    if not isinstance(wait, int | float) or not math.isfinite(wait) or wait < 0:
        raise CodaConfigurationError(f"wait must be True, False or a finite number of seconds >= 0, got {wait!r}")
    return float(wait)


@dataclass
class WaitState:
    """One wait: the requests still pending, the warnings seen, and the next poll delay."""

    request_ids: tuple[str, ...]
    timeout: float
    deadline: float
    warnings: list[str]
    pending: list[str] = field(init=False)
    interval: float = 0.0

    def __post_init__(self) -> None:
        # A NaN or infinite timeout would poll forever: every wait ends.
        check.seconds("timeout", self.timeout, positive=False)
        self.pending = list(self.request_ids)

    def after_round(self, results: list[tuple[str, bool, str | None]], now: float) -> float | None:
        """Record a round of ``(request id, completed, warning)``; return the seconds to sleep
        before the next round (never past the deadline), or None when everything completed.

        Raises:
            CodaMutationError: Still pending at the deadline (at most one poll interval late).
        """
        self.warnings.extend(warning for _, _, warning in results if warning)
        self.pending = [request_id for request_id, completed, _ in results if not completed]
        if not self.pending:
            return None
        remaining = self.deadline - now
        if remaining <= 0:
            raise CodaMutationError(
                f"{len(self.pending)} of {len(self.request_ids)} writes still pending after the "
                f"{self.timeout:g} s timeout; Coda may still apply them (wait again, or poll "
                "client.get_mutation_status)",
                request_ids=self.request_ids,
            )
        self.interval = FIRST_POLL if self.interval == 0 else min(MAX_POLL, self.interval * 2)
        return min(self.interval, remaining)
