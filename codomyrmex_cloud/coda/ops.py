"""Request building shared by the sync and async clients: one :class:`Call` per operation.

A :class:`Call` names a generated operation module, its arguments and the model a success
must parse to. ``CodaClient`` runs it with ``sync_detailed``, ``AsyncCodaClient`` with
``asyncio_detailed``; both check the result with :func:`expect`. Generated modules are
imported inside each builder, so nothing here loads a model until an operation is used.
"""

from __future__ import annotations

import contextlib
import importlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Generic, TypeVar

from codomyrmex_cloud.coda.errors import CodaAPIError, CodaConfigurationError, CodaError, CodaPartialWriteError

if TYPE_CHECKING:
    from codomyrmex_coda_api.models import RowEdit

M = TypeVar("M")
M_co = TypeVar("M_co", covariant=True)

#: What a cell can be set to: Coda's ``Value`` (a scalar, or a list of scalars or lists).
CellInput = str | int | float | bool | Sequence["str | int | float | bool | Sequence[str | int | float | bool]"]

#: Coda's documented cap on a write request's body (2 MiB), with room for the envelope.
MAX_WRITE_BYTES = 1_900_000
#: Rows per insert/upsert/delete request: large enough to be fast, small enough that one
#: failed request does not lose a large batch.
MAX_ROWS_PER_WRITE = 500


@dataclass(frozen=True)
class Call(Generic[M_co]):
    """One generated operation with its arguments and expected success model."""

    operation: str  # "rows.list_rows" -> codomyrmex_coda_api.api.rows.list_rows
    model: type[M_co]
    args: tuple[object, ...] = ()
    kwargs: Mapping[str, object] = field(default_factory=dict)

    def module(self) -> ModuleType:
        return importlib.import_module(f"codomyrmex_coda_api.api.{self.operation}")


def expect(response: object, model: type[M]) -> M:
    """The parsed success model of a generated ``Response``.

    Error statuses never reach here (the transport raises them); anything else that does
    not parse to ``model`` (an undocumented 2xx/3xx) is an error, never a silent None.
    """
    parsed = getattr(response, "parsed", None)
    if isinstance(parsed, model):
        return parsed
    status = int(getattr(response, "status_code", 0))
    raise CodaAPIError(f"unexpected response, expected {model.__name__}", status_code=status)


def model(name: str) -> type:
    """A generated model class by name (loaded on first use)."""
    cls: type = getattr(importlib.import_module("codomyrmex_coda_api.models"), name)
    return cls


def unset_none(**kwargs: object) -> dict[str, object]:
    """Drop None arguments so the generated code sends nothing for them (its UNSET)."""
    return {k: v for k, v in kwargs.items() if v is not None}


def row_edit(values: Mapping[str, object]) -> RowEdit:
    """A generated ``RowEdit`` from ``{column id or name: value}``."""
    if not isinstance(values, Mapping) or not values:
        raise CodaConfigurationError(f"a row must be a non-empty mapping of column to value, got {values!r}")
    cell_edit, row_edit_cls = model("CellEdit"), model("RowEdit")
    cells = []
    for column, value in values.items():
        if not isinstance(column, str) or not column:
            raise CodaConfigurationError(f"column keys must be non-empty strings, got {column!r}")
        if isinstance(value, Mapping) or value is None:
            raise CodaConfigurationError(f"cannot write {type(value).__name__} to column {column!r}")
        cells.append(cell_edit(column=column, value=list(value) if isinstance(value, tuple) else value))
    edit: RowEdit = row_edit_cls(cells=cells)
    return edit


def batches(edits: Sequence[RowEdit]) -> Iterator[list[RowEdit]]:
    """Split row edits into requests below both the row and the byte cap."""
    batch: list[RowEdit] = []
    size = 0
    for edit in edits:
        edit_size = len(json.dumps(edit.to_dict())) + 1
        if edit_size > MAX_WRITE_BYTES:
            raise CodaConfigurationError(f"one row is {edit_size} bytes, over Coda's request size limit")
        if batch and (len(batch) >= MAX_ROWS_PER_WRITE or size + edit_size > MAX_WRITE_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(edit)
        size += edit_size
    if batch:
        yield batch


#: Called as ``progress(rows_sent, rows_total)`` after each batch of a bulk write.
WriteProgress = Callable[[int, int], None]


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
        self.request_ids.append(request_id)
        self.row_ids.extend(row_ids)


def id_batches(ids: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), MAX_ROWS_PER_WRITE):
        yield list(ids[start : start + MAX_ROWS_PER_WRITE])
