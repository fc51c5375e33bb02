"""Sending a bulk write's batches side by side on threads: :class:`BatchRunner`, for
``CodaClient``; its asyncio twin, :class:`~codomyrmex_cloud.coda.async_batch_runner.AsyncBatchRunner`,
serves ``AsyncCodaClient`` (a module of its own, so the sync client does not import asyncio).

The two have the same shape, so the write loop is written once, in the async client, and the
sync client gets it through ``scripts/unasync.py``. ``start(batch)`` begins sending one batch;
``wait_first()`` blocks until at least one batch in flight has finished and returns each
finished one with its answer or its error. With ``limit=1`` nothing runs side by side:
``start`` sends the batch itself, in the caller's thread or task. Like httpcore's
``_synchronization`` module, these two are the only pieces written once per side.

Leaving the ``with`` block normally finds nothing in flight (the loop waits for every batch);
leaving it on an error or a cancellation waits for the requests already sent (a request that
left cannot be called back) and cancels what has not started.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent import futures
from typing import Generic, TypeVar

B = TypeVar("B")
R = TypeVar("R")

#: A finished batch: the batch, its answer (None if it failed) and its error (None if not).
Finished = tuple[B, R | None, Exception | None]


def outcome(batch: B, error: BaseException | None, result: Callable[[], R]) -> Finished[B, R]:
    """A finished batch from its future's error and result."""
    if error is None:
        return batch, result(), None
    if not isinstance(error, Exception):  # KeyboardInterrupt, SystemExit: not a batch outcome
        raise error
    return batch, None, error


class BatchRunner(Generic[B, R]):
    """Sends up to ``limit`` batches at once on worker threads (``send`` runs in them, each
    call in a copy of the caller's context variables)."""

    def __init__(self, send: Callable[[B], R], limit: int) -> None:
        self.limit = limit
        self._send = send
        self._pool: futures.ThreadPoolExecutor | None = None
        self._running: dict[futures.Future[R], B] = {}

    def __enter__(self) -> BatchRunner[B, R]:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    @property
    def running(self) -> int:
        """Batches started and not yet returned by :meth:`wait_first`."""
        return len(self._running)

    def start(self, batch: B) -> None:
        """Begin sending ``batch`` (with ``limit=1``: send it now, here)."""
        if self.limit == 1:
            future: futures.Future[R] = futures.Future()
            try:
                future.set_result(self._send(batch))
            except Exception as exc:  # the batch's outcome, reported by wait_first
                future.set_exception(exc)
        else:
            if self._pool is None:
                self._pool = futures.ThreadPoolExecutor(max_workers=self.limit, thread_name_prefix="coda-write")
            future = self._pool.submit(contextvars.copy_context().run, self._send, batch)
        self._running[future] = batch

    def wait_first(self) -> list[Finished[B, R]]:
        """Block until a batch in flight has finished; every finished batch, in start order."""
        done, _ = futures.wait(self._running, return_when=futures.FIRST_COMPLETED)
        finished = [future for future in self._running if future in done]
        return [outcome(self._running.pop(f), f.exception(), f.result) for f in finished]
