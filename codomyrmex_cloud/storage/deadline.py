"""The operation deadline: one clock that every request of an operation is bounded by.

An operation (``upload``, ``download``, ...) opens a scope with :func:`scope`; the backends'
hooks read it wherever their SDK sends a request (botocore's ``before-send`` event, the
GCS HTTP session, azure-core's retry policy) and

- refuse to start a request once the deadline has passed (``StorageTimeoutError``),
- cap each request's connect and read timeout at the time left, so a hung server is
  abandoned when the deadline comes, not a full request timeout later,
- skip a retry whose backoff would cross it.

The deadline lives in a ``ContextVar``: worker threads a store starts copy it
(:class:`ContextThreadPool`), so parallel parts are bounded by the same clock.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from codomyrmex_cloud.storage.errors import StorageTimeoutError

_EXPIRY: contextvars.ContextVar[float | None] = contextvars.ContextVar("codomyrmex_storage_deadline", default=None)

P = ParamSpec("P")
R = TypeVar("R")


@contextlib.contextmanager
def scope(seconds: float | None) -> Iterator[float | None]:
    """Bound the enclosed requests by ``seconds`` from now (nested scopes keep the earlier end)."""
    outer = _EXPIRY.get()
    if seconds is None:
        yield outer
        return
    expiry = time.monotonic() + seconds
    if outer is not None:
        expiry = min(expiry, outer)
    token = _EXPIRY.set(expiry)
    try:
        yield expiry
    finally:
        _EXPIRY.reset(token)


@contextlib.contextmanager
def at(expiry: float | None) -> Iterator[None]:
    """Re-enter a deadline captured earlier (an absolute ``time.monotonic()`` value)."""
    if expiry is None:
        yield
        return
    token = _EXPIRY.set(expiry)
    try:
        yield
    finally:
        _EXPIRY.reset(token)


def expiry() -> float | None:
    """The current deadline as a ``time.monotonic()`` value, or None."""
    return _EXPIRY.get()


def remaining(at_expiry: float | None = None) -> float | None:
    """Seconds left before the deadline (may be <= 0), or None without one."""
    end = _EXPIRY.get() if at_expiry is None else at_expiry
    return None if end is None else end - time.monotonic()


def request_timeout(timeout: float, at_expiry: float | None = None) -> float:
    """The timeout for a request starting now: ``timeout``, capped at the time left.

    Raises:
        StorageTimeoutError: The deadline has passed; the request must not start.
    """
    left = remaining(at_expiry)
    if left is None:
        return timeout
    if left <= 0:
        raise StorageTimeoutError("the operation's deadline passed before the request could be sent")
    return min(timeout, left)


def expired_error(what: str) -> StorageTimeoutError:
    """The error an operation raises when its deadline passes."""
    return StorageTimeoutError(f"{what}: the operation's deadline passed")


class ContextThreadPool(ThreadPoolExecutor):
    """A thread pool whose tasks run in a copy of the submitter's context (and deadline)."""

    def submit(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> Future[R]:
        context = contextvars.copy_context()
        runner: Callable[..., R] = context.run
        return super().submit(runner, fn, *args, **kwargs)


def run_in_context(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``fn`` to run in a copy of the current context (for SDK-owned threads)."""
    context = contextvars.copy_context()
    return lambda *args, **kwargs: context.run(fn, *args, **kwargs)


@contextlib.contextmanager
def suspended() -> Iterator[None]:
    """Run clean-up (aborting a multipart upload) even after the deadline has passed."""
    token = _EXPIRY.set(None)
    try:
        yield
    finally:
        _EXPIRY.reset(token)
