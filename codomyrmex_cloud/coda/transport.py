"""httpx transports that add Coda's rate limits, retries and error mapping to any request.

They wrap the real transport inside the httpx client that the generated client uses, so every
operation of the spec, whether the façade covers it or not, is limited, retried and raises
our exceptions. The sync and async classes share :class:`_Attempts`, which holds all the
decisions; they differ only in how they send and sleep.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from codomyrmex_cloud.coda.errors import error_for_status, translate_transport_error
from codomyrmex_cloud.coda.ratelimit import RateLimiter
from codomyrmex_cloud.coda.retry import RetryPolicy, parse_retry_after

SleepFn = Callable[[float], None]
AsyncSleepFn = Callable[[float], Awaitable[None]]


@dataclass
class _Attempts:
    """The state of one logical request across its attempts."""

    request: httpx.Request
    policy: RetryPolicy
    attempt: int = 0

    def after_response(self, response: httpx.Response) -> float | None:
        """Delay before retrying, or None when ``response`` is the answer."""
        delay = self.policy.delay_for(self.request, self.attempt, response=response)
        if delay is not None:
            self.attempt += 1
        return delay

    def after_error(self, error: httpx.TransportError) -> float:
        """Delay before retrying; raises our connection error when the error must stand."""
        delay = self.policy.delay_for(self.request, self.attempt, error=error)
        if delay is None:
            raise translate_transport_error(error, self.request) from error
        self.attempt += 1
        return delay

    def finish(self, response: httpx.Response) -> httpx.Response:
        """Return a success response, or raise the mapped error for an error status."""
        if response.is_success:
            return response
        response.request = self.request  # httpx sets it only after the transport returns
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        raise error_for_status(response, retry_after=retry_after)


class CodaTransport(httpx.BaseTransport):
    """Sync transport: rate limit -> send -> retry -> map errors."""

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
        state = _Attempts(request, self._policy)
        while True:
            self._wait(self._limiter.reserve(request))
            try:
                response = self._inner.handle_request(request)
            except httpx.TransportError as exc:
                self._wait(state.after_error(exc))
                continue
            delay = state.after_response(response)
            if delay is None:
                response.read()
                return state.finish(response)
            response.close()
            self._wait(delay)

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self._sleep(seconds)

    def close(self) -> None:
        self._inner.close()


class AsyncCodaTransport(httpx.AsyncBaseTransport):
    """Async twin of :class:`CodaTransport`."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        limiter: RateLimiter,
        policy: RetryPolicy,
        sleep: AsyncSleepFn = asyncio.sleep,
    ) -> None:
        self._inner = inner
        self._limiter = limiter
        self._policy = policy
        self._sleep = sleep

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        state = _Attempts(request, self._policy)
        while True:
            await self._wait(self._limiter.reserve(request))
            try:
                response = await self._inner.handle_async_request(request)
            except httpx.TransportError as exc:
                await self._wait(state.after_error(exc))
                continue
            delay = state.after_response(response)
            if delay is None:
                await response.aread()
                return state.finish(response)
            await response.aclose()
            await self._wait(delay)

    async def _wait(self, seconds: float) -> None:
        if seconds > 0:
            await self._sleep(seconds)

    async def aclose(self) -> None:
        await self._inner.aclose()
