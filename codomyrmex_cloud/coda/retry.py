"""Retry policy for Coda requests: what is retried, how long to wait, and when never to repeat.

All retry decisions live here (one predicate, :meth:`RetryPolicy.delay_for`, and the state of
one request across attempts, :class:`Attempts`); the sync and async transports only sleep for
what they return.

- Retried statuses: 429, 500, 502, 503 and 504 (:data:`RETRY_STATUSES`; anthropic-sdk-python's
  ``_should_retry`` and botocore's standard mode retry the same family). 429 honours
  ``Retry-After`` in seconds or as an HTTP date, capped at ``backoff_max``.
- A refused connection or a timeout: at most ``max_connection_retries`` (2) retries, so a
  server that is down or hung fails fast (connection refused: about 1.5 s with the defaults).
  A connection that was made and then broke (reset, cut mid-answer) is cheap to retry and
  has the whole ``max_retries`` budget, as a 5xx has.
- Backoff: exponential with full jitter (botocore ``standard`` mode): ``uniform(0, min(cap,
  base * 2**attempt))``, so many clients that failed together do not retry together.
- Replay safety: a request the server may already have applied (it reached the server: a
  5xx, or the connection broke after sending) is repeated only when repeating it is harmless.
  Coda's row insert without ``keyColumns`` would add the rows twice, so it is never replayed;
  an upsert with key columns, and every GET/PUT/PATCH/DELETE, may be. A 429 or a refused
  connection means nothing was applied, so those are always retried.
"""

from __future__ import annotations

import email.utils
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from codomyrmex_cloud.coda import arguments as check
from codomyrmex_cloud.coda.errors import CodaConfigurationError, error_for_status, translate_transport_error

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Failures that cost a connect or read timeout each, or mean the server is down: retried at
#: most ``max_connection_retries`` times so the worst case stays short.
SLOW_OR_REFUSED = (httpx.ConnectError, httpx.TimeoutException)
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class RetryPolicy:
    """How the Coda client retries.

    Attributes:
        max_retries: Retries after the first attempt for 429 and 5xx (0 disables retrying).
        max_connection_retries: Retries after a refused connection or a timeout (never more
            than ``max_retries``); a broken connection counts against ``max_retries`` only.
        backoff_base: Seconds of the first backoff ceiling; doubles every attempt.
        backoff_max: Ceiling of any single backoff, and of an honoured ``Retry-After``.
        jitter: Source of jitter in [0, 1) (inject ``random.Random(seed).random`` in tests).

    Raises:
        CodaConfigurationError: A count that is not an integer >= 0, seconds that are negative
            or not finite, or a jitter that is not callable (named ``RetryPolicy.<field>``).
    """

    max_retries: int = 5
    max_connection_retries: int = 2
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    jitter: Callable[[], float] = field(default=random.random, compare=False)

    def __post_init__(self) -> None:
        check.count("RetryPolicy.max_retries", self.max_retries, minimum=0)
        check.count("RetryPolicy.max_connection_retries", self.max_connection_retries, minimum=0)
        check.seconds("RetryPolicy.backoff_base", self.backoff_base, positive=False)
        check.seconds("RetryPolicy.backoff_max", self.backoff_max, positive=False)
        if not callable(self.jitter):
            raise CodaConfigurationError(f"RetryPolicy.jitter must be a callable, got {self.jitter!r}")

    def backoff(self, attempt: int) -> float:
        """Full-jitter exponential backoff for retry number ``attempt`` (0-based)."""
        ceiling = min(self.backoff_max, self.backoff_base * (2.0**attempt))
        return ceiling * self.jitter()

    def delay_for(
        self,
        request: httpx.Request,
        attempt: int,
        *,
        response: httpx.Response | None = None,
        error: Exception | None = None,
        now: float | None = None,
        slow_failures: int | None = None,
    ) -> float | None:
        """Seconds to wait before retrying, or ``None`` when the outcome must stand.

        Args:
            request: The request that was sent.
            attempt: How many retries have been made already.
            response: The response, when one arrived.
            error: The transport error, when none did.
            now: Wall-clock time for ``Retry-After`` dates (defaults to ``time.time()``).
            slow_failures: How many earlier attempts were refused or timed out (defaults to
                ``attempt``); ``max_connection_retries`` caps these.
        """
        if attempt >= self.max_retries:
            return None
        if response is not None:
            if response.status_code not in RETRY_STATUSES:
                return None
            if response.status_code == 429:
                # Coda rejected the request before acting on it: always safe to repeat.
                hinted = parse_retry_after(response.headers.get("retry-after"), now=now)
                return min(self.backoff_max, hinted) if hinted is not None else self.backoff(attempt)
            return self.backoff(attempt) if is_replay_safe(request) else None
        if isinstance(error, SLOW_OR_REFUSED):
            previous = attempt if slow_failures is None else slow_failures
            if previous >= self.max_connection_retries:
                return None
        if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
            return self.backoff(attempt)  # never reached the server
        if isinstance(error, httpx.TransportError) and is_replay_safe(request):
            return self.backoff(attempt)
        return None


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def is_replay_safe(request: httpx.Request) -> bool:
    """Whether sending ``request`` twice has the same effect as sending it once."""
    if request.method in _IDEMPOTENT_METHODS:
        return True
    if request.method == "POST" and request.url.path.endswith("/rows"):
        # Upsert: rows matched on key columns are updated, not added again.
        try:
            body = json.loads(request.content or b"{}")
        except ValueError:
            return False
        return bool(isinstance(body, dict) and body.get("keyColumns"))
    return False


@dataclass
class Attempts:
    """The state of one logical request across its attempts (shared by both transports)."""

    request: httpx.Request
    policy: RetryPolicy
    attempt: int = 0
    slow_failures: int = 0

    def after_response(self, response: httpx.Response) -> float | None:
        """Delay before retrying, or None when ``response`` is the answer."""
        delay = self.policy.delay_for(self.request, self.attempt, response=response)
        if delay is not None:
            self.attempt += 1
        return delay

    def after_error(self, error: httpx.TransportError) -> float:
        """Delay before retrying; raises our connection error when the error must stand."""
        delay = self.policy.delay_for(self.request, self.attempt, error=error, slow_failures=self.slow_failures)
        if isinstance(error, SLOW_OR_REFUSED):
            self.slow_failures += 1
        if delay is None:
            reached = not isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
            unsafe = reached and not is_replay_safe(self.request)
            raise translate_transport_error(error, self.request, may_have_applied=unsafe) from error
        self.attempt += 1
        return delay

    def finish(self, response: httpx.Response) -> httpx.Response:
        """Return a success response, or raise the mapped error for an error status."""
        if response.is_success:
            return response
        response.request = self.request  # httpx sets it only after the transport returns
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        raise error_for_status(response, retry_after=retry_after)
