"""Cell values: what a row's cell reads back as (:data:`CellValue`), what a write accepts
(:data:`CellInput`), and the conversions between them and Coda's JSON.

Reading: Coda answers with plain JSON scalars (``valueFormat=simple``, the default), lists of
them (``simpleWithArrays``), or JSON-LD objects for currency, people, links, images and row
references (``rich``). :func:`parse_cell` hands scalars back as they are (the common case,
with no union dispatch) and parses everything else with the generated models, so a
``CurrencyValue`` comes back typed.

Writing: :func:`cell_json` turns a Python value into what Coda accepts, or refuses it with
:class:`CodaValidationError` naming the column, before anything is sent.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

from codomyrmex_coda_api.models.currency_value import CurrencyValue
from codomyrmex_coda_api.models.image_url_value import ImageUrlValue
from codomyrmex_coda_api.models.linked_data_object import LinkedDataObject
from codomyrmex_coda_api.models.person_value import PersonValue
from codomyrmex_coda_api.models.row_value import RowValue
from codomyrmex_coda_api.models.row_values import RowValues
from codomyrmex_coda_api.models.url_value import UrlValue

from codomyrmex_cloud.coda.errors import refused

#: One rich value (``value_format="rich"``). ``LinkedDataObject`` is what a JSON-LD ``@type``
#: this client does not know parses to (the raw fields are kept in ``additional_properties``).
RichSingleValue: TypeAlias = CurrencyValue | ImageUrlValue | PersonValue | RowValue | UrlValue | LinkedDataObject
#: A plain cell scalar (an ``int`` is a ``float`` to a type checker, as in the spec's ``number``).
CellScalar: TypeAlias = str | float | bool
#: What a cell reads back as: the spec's ``CellValue``, a scalar or rich value, or a list of
#: them, or a list of lists (``value_format="simpleWithArrays"`` or ``"rich"``).
CellValue: TypeAlias = (
    CellScalar | RichSingleValue | list[CellScalar | RichSingleValue | list[CellScalar | RichSingleValue]]
)

#: One value a write accepts: JSON scalars, dates and times (sent as ISO 8601), ``Decimal``
#: (sent as its exact digits), and rich values read from Coda that have a writable form.
CellInputScalar: TypeAlias = (
    str
    | int
    | float
    | bool
    | dt.date
    | dt.datetime
    | dt.time
    | decimal.Decimal
    | CurrencyValue
    | PersonValue
    | UrlValue
)
#: What a cell can be set to: a scalar, or a list of scalars or of lists of scalars.
CellInput: TypeAlias = CellInputScalar | Sequence[CellInputScalar | Sequence[CellInputScalar]]

_SCALARS = (str, int, float, bool)
#: The largest integer a double (Coda's number) holds exactly.
_EXACT_INT = 2**53


def parse_cell(raw: Any) -> CellValue:
    """The typed value of one cell's JSON (scalars as they are; rich values as models)."""
    kind = type(raw)
    if kind is str or kind is int or kind is float or kind is bool:
        return raw  # type: ignore[no-any-return]
    if kind is list and all(type(item) in _SCALARS for item in raw):
        return list(raw)
    # The generated union parser lives inside RowValues.from_dict; one cell at a time here.
    # Its declared type is the spec's union, which is CellValue (LinkedDataObject included).
    return RowValues.from_dict({"v": raw}).additional_properties["v"]


def cell_json(column: str, value: object, *, depth: int = 0, argument: str = "rows") -> Any:
    """The JSON Coda accepts for ``value`` written to ``column``.

    Args:
        column: The column's id or name (named in errors).
        value: The value to write.
        depth: How deep in lists ``value`` sits (Coda takes lists of lists, no deeper).
        argument: The argument named in errors (``rows``; ``where`` for a filter value).

    Raises:
        CodaValidationError: A value Coda cannot store (``status_code=None``: nothing was sent).
    """
    if value is None:
        raise refused(f'{argument}: column {column!r} got None; to clear a cell write "" (an empty string)')
    if isinstance(value, str):
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise refused(
                    f"{argument}: column {column!r} got text that is not valid Unicode "
                    "(a lone surrogate has no UTF-8 form)"
                ) from None
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        # Coda's numbers are doubles: an integer beyond 2**53 would silently lose digits, so
        # it goes as its exact digits, as a Decimal does.
        return value if -_EXACT_INT <= value <= _EXACT_INT else str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise refused(f"{argument}: column {column!r} got {value}, which has no JSON form")
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()  # a naive datetime is read in the doc's timezone by Coda
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise refused(f"{argument}: column {column!r} got Decimal {value}, which has no JSON form")
        return str(value)  # the exact digits; Coda parses numbers from text
    if isinstance(value, CurrencyValue):
        return cell_json(column, value.amount, depth=depth, argument=argument)  # the column's format holds the currency
    if isinstance(value, PersonValue):
        return value.email
    if isinstance(value, UrlValue):
        return value.url
    if isinstance(value, RowValue | ImageUrlValue | LinkedDataObject):
        raise refused(
            f"{argument}: column {column!r} got a {type(value).__name__} read from Coda, which has no writable form; "
            "write its text instead (for a row reference: value.name or value.row_id)"
        )
    if isinstance(value, Mapping):
        raise refused(f"{argument}: column {column!r} got a mapping; a cell takes a scalar or a list of scalars")
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        if depth >= 2:
            raise refused(f"{argument}: column {column!r} nests lists more than two deep")
        return [cell_json(column, item, depth=depth + 1, argument=argument) for item in value]
    raise refused(f"{argument}: column {column!r} got a value of type {type(value).__name__}, which Coda cannot store")


def filter_json(column: str, value: object) -> str | int | float | bool | None:
    """A ``where=`` value as the JSON scalar Coda's query matches on (dates as ISO 8601)."""
    if value is None or isinstance(value, bool | int):
        return value
    converted = cell_json(column, value, argument="where")
    if isinstance(converted, list):
        raise refused(f"where: column {column!r} must be matched to one value, not a list")
    result: str | int | float | bool = converted
    return result
