"""Bulk writes: rows turned into Coda's JSON, split into requests (:class:`Batch`), the order
the requests must keep (:func:`plan`), and a log of what was accepted (:class:`BulkWriteLog`).

Default batch: as many rows as fit in :data:`MAX_WRITE_BYTES` of JSON. Coda takes at most 10
writes per 6 seconds per token and documents no cap on rows per request, only on the size of
a request (2 MB), so the fewest requests that stay under that size are the fastest: 10,000
narrow rows are one request (codaio sends them the same way), where 500-row batches would be
20 requests over two rate-limit windows (6 s). ``batch_rows`` caps the rows per request for a
caller who wants smaller units of failure: one queued mutation (one request id) is applied or
fails as a whole.

Overlap: the clients send up to a write window's worth of batches at once (10 by default),
because one after another the second window's ten requests would each wait for the previous
round trip. Batches overlap only where the order they reach Coda cannot change what the table
ends up holding: an upsert's batches when no key-column value of one batch matches one of
another (compared loosely: ``1``, ``1.0`` and ``" 1"`` count as equal), so no row can be
written by two of them; deletes that do not repeat an id. A batch that shares a key with an
earlier one is sent only after that one was accepted, and every batch leaves after the batches
before it. Inserts never overlap: Coda appends inserted rows in the order it receives them, and
callers expect the table to keep the order of their rows (:func:`in_order`).
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx

from codomyrmex_cloud.coda import arguments as check
from codomyrmex_cloud.coda import json_body
from codomyrmex_cloud.coda.cells import cell_json
from codomyrmex_cloud.coda.errors import (
    CodaAPIError,
    CodaClosedError,
    CodaConfigurationError,
    CodaConnectionError,
    CodaPartialWriteError,
    CodaResponseError,
    refused,
)
from codomyrmex_cloud.coda.ratelimit import RateLimits

T = TypeVar("T")

#: Coda's cap on a write request's body is 2 MiB; this leaves room for the envelope.
MAX_WRITE_BYTES = 1_900_000

#: At most this many batches of one bulk write in flight at once: Coda's write window (10 per
#: 6 s), so the requests of a window leave together; more would only wait in the limiter.
MAX_OVERLAP = 10

#: Called as ``progress(rows_accepted, rows_total)`` after each batch Coda accepts, from the
#: thread or task that called the write, with ``rows_accepted`` growing every call.
WriteProgress = Callable[[int, int], None]


def row_json(values: Mapping[str, object], argument: str = "rows") -> dict[str, Any]:
    """Coda's ``RowEdit`` JSON for ``{column id or name: value}``, every value checked.

    Args:
        values: The row's cells.
        argument: The argument named in errors (``rows``; ``values`` for one row's update).

    Raises:
        CodaConfigurationError: ``values`` is not a non-empty mapping whose keys are column ids
            or names (text, not empty or only whitespace, valid Unicode).
        CodaValidationError: A value Coda cannot store (named by its column); nothing is sent.
    """
    if not isinstance(values, Mapping) or not values:
        raise CodaConfigurationError(
            f"{argument}: a row must be a non-empty mapping of column to value, got {values!r:.80}"
        )
    cells = []
    for column, value in values.items():
        if not isinstance(column, str) or not column.strip():
            raise CodaConfigurationError(f"{argument}: column keys must be non-empty strings, got {column!r}")
        if not column.isascii():
            check.string(f"{argument}: column {column!r}", column)
        cells.append({"column": column, "value": cell_json(column, value, argument=argument)})
    return {"cells": cells}


def rows_json(rows: Iterable[Mapping[str, object]]) -> list[dict[str, Any]]:
    """:func:`row_json` of every row, all checked before anything is sent.

    Raises:
        CodaConfigurationError: ``rows`` is not a sequence of mappings (a single mapping, a
            string or None is refused by name), or a row is not valid as :func:`row_json` says.
    """
    if rows is None or isinstance(rows, str | bytes | Mapping) or not isinstance(rows, Iterable):
        kind = "None" if rows is None else type(rows).__name__
        raise CodaConfigurationError(f"rows must be a sequence of rows (mappings of column to value), got {kind}")
    return [row_json(values) for values in rows]


def key_column_names(key_columns: object) -> list[str]:
    """The ``key_columns`` of an upsert: a non-empty sequence (not one ``str``) of column ids or names.

    Raises:
        CodaConfigurationError: Anything else, named ``key_columns``.
    """
    if isinstance(key_columns, str | bytes) or not isinstance(key_columns, Sequence):
        raise CodaConfigurationError(
            f"key_columns must be a sequence of column names or ids (a list), got {type(key_columns).__name__}"
        )
    if not key_columns:
        raise CodaConfigurationError("key_columns: upsert needs key columns; use insert_rows to add rows")
    names = []
    for index, column in enumerate(key_columns):
        if not isinstance(column, str) or not column.strip():
            raise CodaConfigurationError(f"key_columns[{index}] must be a column name or id, got {column!r}")
        names.append(check.string(f"key_columns[{index}]", column))
    return names


def check_batch_rows(batch_rows: int | None) -> None:
    """Refuse a ``batch_rows`` that is not None or a positive int, before anything is sent."""
    if batch_rows is not None and (isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1):
        raise CodaConfigurationError(f"batch_rows must be a positive integer or None, got {batch_rows!r}")


def batches(items: Sequence[T], batch_rows: int | None = None) -> Iterator[list[T]]:
    """Split row JSON (or row ids) into requests under :data:`MAX_WRITE_BYTES` of JSON, and of
    at most ``batch_rows`` items when given."""
    check_batch_rows(batch_rows)
    # The common case, one request: sized in one pass of the encoder, not one per item. Sizes
    # are of the compact JSON that is sent (json_body.dumps).
    fits_one = batch_rows is None or batch_rows >= len(items)
    if items and fits_one and len(json_body.dumps(items)) <= MAX_WRITE_BYTES:
        yield list(items)
        return
    batch: list[T] = []
    size = 0
    for item in items:
        item_size = len(json_body.dumps(item)) + 1
        if item_size > MAX_WRITE_BYTES:
            raise refused(f"rows: one row is {item_size} bytes, over Coda's request size limit")
        if batch and ((batch_rows is not None and len(batch) >= batch_rows) or size + item_size > MAX_WRITE_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += item_size
    if batch:
        yield batch


@dataclass(frozen=True, slots=True)
class Batch(Generic[T]):
    """One request of a bulk write.

    Attributes:
        index: Its place among the write's batches (0-based).
        items: The row JSON (or row ids) it sends.
        start: The index, in the caller's sequence, of its first row.
        after: Batches that must have been accepted before this one is sent.
    """

    index: int
    items: list[T]
    start: int
    after: frozenset[int]

    @property
    def rows(self) -> range:
        """The indexes, in the caller's sequence, of the rows this batch sends."""
        return range(self.start, self.start + len(self.items))


#: ``key(item)``: what an item writes to (equal keys: the same row), or None when that cannot
#: be told, which orders the item's batch after every earlier batch and before every later one.
KeyFn = Callable[[T], Hashable | None]


def plan(chunks: Sequence[list[T]], key: KeyFn[T] | None) -> list[Batch[T]]:
    """The batches of a bulk write and the order they must keep.

    Args:
        chunks: The items of each request, in the caller's order.
        key: What each item writes to; None when the batches may reach Coda in any order
            (an insert adds every row, whatever the order).
    """
    if len(chunks) == 1:
        return [Batch(0, chunks[0], 0, frozenset())]  # nothing to order it against
    batches_: list[Batch[T]] = []
    last_for_key: dict[Hashable, int] = {}
    barrier: int | None = None  # the last batch ordered after everything before it
    start = 0
    for index, items in enumerate(chunks):
        after: set[int] = set()
        if key is not None:
            keys = [key(item) for item in items]
            if any(k is None for k in keys):
                after = set(range(index))  # cannot tell what it writes: after everything
                barrier = index
            else:
                after = {last_for_key[k] for k in keys if k in last_for_key}
                if barrier is not None:
                    after.add(barrier)
                last_for_key.update(dict.fromkeys(keys, index))
        batches_.append(Batch(index, items, start, frozenset(after)))
        start += len(items)
    return batches_


def in_order(_item: object) -> None:
    """The key of an inserted row: unknown, so each insert batch follows the one before it and
    the rows reach the table in the caller's order."""
    return None


def _loose(value: Any) -> Hashable:
    """A key-column value as Coda might match it, erring towards "equal": text without case
    or outer spaces, numbers by value (so ``1``, ``1.0``, ``"1"`` are one key)."""
    if isinstance(value, list):
        return tuple(_loose(item) for item in value)
    text = (("true" if value else "false") if isinstance(value, bool) else str(value)).strip().casefold()
    try:
        number = decimal.Decimal(text)
    except decimal.InvalidOperation:
        return text
    return str(number.normalize()) if number.is_finite() else text


def upsert_key(key_columns: Sequence[str]) -> KeyFn[dict[str, Any]]:
    """The key of a row's JSON: its values in ``key_columns``, or None when the row does not
    name every key column exactly as ``key_columns`` does (it might name it by id instead)."""
    wanted = list(key_columns)

    def key(row: dict[str, Any]) -> Hashable | None:
        cells = {cell["column"]: cell["value"] for cell in row["cells"]}
        if any(column not in cells for column in wanted):
            return None
        return tuple(_loose(cells[column]) for column in wanted)

    return key


def may_have_applied(error: Exception) -> bool:
    """Whether the request of a batch that failed with ``error`` may still have been applied.

    No for a 4xx other than an unreadable 2xx (Coda refused it before queueing anything), for
    input refused locally, for a closed client, and for a connection never made; yes otherwise
    (a 5xx, a timeout or a connection broken after sending).
    """
    if isinstance(error, CodaResponseError):
        return True  # Coda accepted it; its answer could not be read
    if isinstance(error, CodaAPIError):
        return error.status_code is not None and error.status_code >= 500
    if isinstance(error, CodaConnectionError):
        return not isinstance(error.__cause__, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    return not isinstance(error, CodaClosedError | CodaConfigurationError)


#: What a batch's request returned: Coda's request id and the row ids it reported.
Accepted = tuple[str, Sequence[str]]


def overlap(limits: RateLimits | None, batch_count: int) -> int:
    """How many of ``batch_count`` batches may be in flight at once under ``limits``."""
    limits = limits or RateLimits()
    window = limits.write.requests if limits.enabled else MAX_OVERLAP
    return max(1, min(window, MAX_OVERLAP, batch_count))


class BulkWriteLog:
    """What the batches of one bulk write did: which may be sent, which Coda accepted, which
    failed; and the partial-write error that reports it exactly. Used by one caller thread or
    task (the clients call it between batches, never from a batch in flight)."""

    def __init__(self, batches_: Sequence[Batch[Any]], total: int, progress: WriteProgress | None) -> None:
        self.batches = list(batches_)
        self.total = total
        self.sent = 0
        self._progress = progress
        self._accepted: dict[int, Accepted] = {}
        self._failed: dict[int, Exception] = {}

    @property
    def failed(self) -> bool:
        """Whether a batch has failed (no further batch is sent then)."""
        return bool(self._failed)

    def may_send(self, batch: Batch[Any]) -> bool:
        """Whether ``batch`` may be sent now: nothing failed, and the batches it must follow
        were accepted."""
        return not self._failed and batch.after.issubset(self._accepted)

    def finished(self, batch: Batch[Any], answer: Accepted | None, error: Exception | None) -> None:
        """Record a batch's outcome; after an accepted one, report progress."""
        if error is not None:
            self._failed[batch.index] = error
            return
        if answer is None:
            raise TypeError("a batch finished with neither an answer nor an error")
        self._accepted[batch.index] = answer
        self.sent += len(batch.items)
        if self._progress is not None:
            self._progress(self.sent, self.total)

    @property
    def request_ids(self) -> list[str]:
        """Coda's request ids of the accepted batches, in the caller's order."""
        return [self._accepted[i][0] for i in sorted(self._accepted)]

    @property
    def row_ids(self) -> list[str]:
        """Row ids Coda reported for the accepted batches, in the caller's order."""
        return [row_id for i in sorted(self._accepted) for row_id in self._accepted[i][1]]

    def raise_for_failure(self) -> None:
        """Raise what a failed write must say; nothing when every batch was accepted.

        Raises:
            Exception: The failed batch's own error, when it says everything: nothing was
                accepted and nothing may have been applied, or the write was one batch.
            CodaPartialWriteError: Otherwise: which rows Coda accepted, which may have been
                applied, and which were not; ``__cause__`` is the first failed batch's error.
        """
        if not self._failed:
            return
        first = min(self._failed)
        cause = self._failed[first]
        maybe = {i for i, error in self._failed.items() if may_have_applied(error)}
        if not self._accepted and (not maybe or len(self.batches) == 1):
            raise cause
        kinds = [
            "accepted" if b.index in self._accepted else "maybe" if b.index in maybe else "not" for b in self.batches
        ]
        spans: dict[str, list[range]] = {"accepted": [], "maybe": [], "not": []}
        for batch, kind in zip(self.batches, kinds, strict=True):
            ranges = spans[kind]
            if ranges and ranges[-1].stop == batch.start:
                ranges[-1] = range(ranges[-1].start, batch.rows.stop)
            else:
                ranges.append(batch.rows)
        failed_rows = sum(len(self.batches[i].items) for i in self._failed)
        raise CodaPartialWriteError(
            f"{len(self._failed)} of {len(self.batches)} batches ({failed_rows} rows) failed; "
            f"{self.sent} of {self.total} rows were accepted"
            + (f", {sum(len(self.batches[i].items) for i in maybe)} may have been applied" if maybe else "")
            + f": {cause}",
            request_ids=tuple(self.request_ids),
            rows_accepted=self.sent,
            row_ids=tuple(self.row_ids),
            accepted_rows=tuple(spans["accepted"]),
            maybe_applied_rows=tuple(spans["maybe"]),
            not_applied_rows=tuple(spans["not"]),
        ) from cause
