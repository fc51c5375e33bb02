"""Bulk writes: rows turned into Coda's JSON, split into requests, and a log of what was accepted.

Default batch: up to :data:`MAX_ROWS_PER_WRITE` rows and :data:`MAX_WRITE_BYTES` of JSON per
request. Coda takes at most 10 writes per 6 seconds per token, so fewer, larger requests are
faster; the byte cap keeps each request under Coda's request-size limit however wide the rows
are, and the row cap bounds what one queued mutation (one request id, applied or failed as a
unit by Coda) covers. 10,000 narrow rows take 20 requests: two rate-limit windows, 6 s.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from codomyrmex_cloud.coda.cells import cell_json
from codomyrmex_cloud.coda.errors import CodaConfigurationError, CodaError, CodaPartialWriteError, refused

#: Coda's cap on a write request's body is 2 MiB; this leaves room for the envelope.
MAX_WRITE_BYTES = 1_900_000
#: Rows per insert/upsert/delete request (see the module docstring for why).
MAX_ROWS_PER_WRITE = 500

#: Called as ``progress(rows_sent, rows_total)`` after each batch of a bulk write.
WriteProgress = Callable[[int, int], None]


def row_json(values: Mapping[str, object]) -> dict[str, Any]:
    """Coda's ``RowEdit`` JSON for ``{column id or name: value}``, every value checked.

    Raises:
        CodaConfigurationError: ``values`` is not a non-empty mapping with string keys.
        CodaValidationError: A value Coda cannot store (named by its column); nothing is sent.
    """
    if not isinstance(values, Mapping) or not values:
        raise CodaConfigurationError(f"rows: a row must be a non-empty mapping of column to value, got {values!r}")
    cells = []
    for column, value in values.items():
        if not isinstance(column, str) or not column:
            raise CodaConfigurationError(f"rows: column keys must be non-empty strings, got {column!r}")
        cells.append({"column": column, "value": cell_json(column, value)})
    return {"cells": cells}


def batches(rows: Sequence[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Split row JSON into requests below both the row and the byte cap."""
    batch: list[dict[str, Any]] = []
    size = 0
    for row in rows:
        row_size = len(json.dumps(row, ensure_ascii=False).encode()) + 1
        if row_size > MAX_WRITE_BYTES:
            raise refused(f"rows: one row is {row_size} bytes, over Coda's request size limit")
        if batch and (len(batch) >= MAX_ROWS_PER_WRITE or size + row_size > MAX_WRITE_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(row)
        size += row_size
    if batch:
        yield batch


def id_batches(ids: Sequence[str]) -> Iterator[list[str]]:
    """Row ids in requests of at most :data:`MAX_ROWS_PER_WRITE`."""
    for start in range(0, len(ids), MAX_ROWS_PER_WRITE):
        yield list(ids[start : start + MAX_ROWS_PER_WRITE])


class BulkWriteLog:
    """What a bulk write has had accepted so far; turns a failed batch into a partial-write
    error that carries it, so a failure part-way loses nothing."""

    def __init__(self, total: int, progress: WriteProgress | None) -> None:
        self.total = total
        self.sent = 0
        self.request_ids: list[str] = []
        self.row_ids: list[str] = []
        self._progress = progress

    @contextlib.contextmanager
    def batch(self, size: int) -> Iterator[None]:
        """Run one batch's request; on failure after earlier batches, raise a partial-write error."""
        try:
            yield
        except CodaError as exc:
            if not self.request_ids:
                raise  # nothing was accepted: the original error says it all
            raise CodaPartialWriteError(
                f"a batch of {size} rows failed after {self.sent} of {self.total} were accepted: {exc}",
                request_ids=tuple(self.request_ids),
                rows_accepted=self.sent,
                row_ids=tuple(self.row_ids),
            ) from exc
        self.sent += size
        if self._progress is not None:
            self._progress(self.sent, self.total)

    def accepted(self, request_id: str, row_ids: Sequence[str]) -> None:
        """Record a batch Coda accepted (202) and the row ids it reported."""
        self.request_ids.append(request_id)
        self.row_ids.extend(row_ids)
