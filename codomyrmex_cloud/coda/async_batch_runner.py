"""``AsyncBatchRunner``: a bulk write's batches side by side as asyncio tasks, for
``AsyncCodaClient`` (the thread twin, and what both do, are in
:mod:`codomyrmex_cloud.coda.batch_runner`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic

from codomyrmex_cloud.coda.batch_runner import B, Finished, R, outcome


class AsyncBatchRunner(Generic[B, R]):
    """Sends up to ``limit`` batches at once as asyncio tasks."""

    def __init__(self, send: Callable[[B], Awaitable[R]], limit: int) -> None:
        self.limit = limit
        self._send = send
        self._running: dict[asyncio.Future[R], B] = {}

    async def __aenter__(self) -> AsyncBatchRunner[B, R]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        # Only on an error or a cancellation is anything left: the loop waits for every batch.
        tasks = [future for future in self._running if not future.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for future in self._running:
            if not future.cancelled():
                future.exception()  # retrieved: asyncio would log it as never retrieved

    @property
    def running(self) -> int:
        """Batches started and not yet returned by :meth:`wait_first`."""
        return len(self._running)

    async def start(self, batch: B) -> None:
        """Begin sending ``batch`` (with ``limit=1``: send it now, in this task)."""
        if self.limit == 1:
            future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
            try:
                future.set_result(await self._send(batch))
            except Exception as exc:  # the batch's outcome, reported by wait_first
                future.set_exception(exc)
        else:
            future = asyncio.ensure_future(self._send(batch))
        self._running[future] = batch

    async def wait_first(self) -> list[Finished[B, R]]:
        """Wait until a batch in flight has finished; every finished batch, in start order."""
        done, _ = await asyncio.wait(self._running, return_when=asyncio.FIRST_COMPLETED)
        finished = [future for future in self._running if future in done]
        return [outcome(self._running.pop(f), f.exception(), f.result) for f in finished]
