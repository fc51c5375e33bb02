# Generated from codomyrmex_cloud/coda/_async/transport.py by scripts/unasync.py; do not edit.
"""``CodaTransport``: adds Coda's rate limits, retries and error mapping to any request.

It wraps the real transport inside the httpx client that the generated client uses, so every
operation of the spec, whether the façade covers it or not, is limited, retried and raises
our exceptions. The decisions are :class:`~codomyrmex_cloud.coda.retry.Attempts`'; this class
only sends and sleeps.
"""

from __future__ import annotations

import time

import httpx

from codomyrmex_cloud.coda.ratelimit import RateLimiter
from codomyrmex_cloud.coda.retry import Attempts, RetryPolicy
from codomyrmex_cloud.coda.waiting import SleepFn


class CodaTransport(httpx.BaseTransport):
    """Rate limit -> send -> retry -> map errors, around ``inner``."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        limiter: RateLimiter,
        policy: RetryPolicy,
        sleep: SleepFn = time.sleep,
    ) -> None:
        self._inner = inner
        self._limiter = limiter
        self._policy = policy
        self._sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` within the rate limits, retrying what is safe to retry."""
        state = Attempts(request, self._policy)
        while True:
            booking = self._limiter.reserve(request)
            try:
                wait = booking.delay
                while True:  # checked again at the moment of sending, with the answers known then
                    self._wait(wait)
                    wait = self._limiter.ready(booking)
                    if wait <= 0:
                        break
                response = self._inner.handle_request(request)
            except httpx.TransportError as exc:
                self._limiter.done(booking)
                self._wait(state.after_error(exc))
                continue
            finally:
                self._limiter.done(booking)  # answered, failed or cancelled: counted by now if ever
            delay = state.after_response(response)
            if delay is None:
                try:
                    response.read()
                except httpx.TransportError as exc:  # the answer was cut off: as if none came
                    response.close()
                    self._wait(state.after_error(exc))
                    continue
                return state.finish(response)
            response.close()
            self._wait(delay)

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self._sleep(seconds)

    def close(self) -> None:
        """Close the wrapped transport."""
        self._inner.close()
