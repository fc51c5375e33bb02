"""Cell values between Coda and files: as JSON, as display text, and back to writable values.

Coda returns a cell as a scalar (text, number, boolean), a list, or with
``value_format="rich"`` a structured value (a currency amount, a person, a web page, an
image, a row reference), which the generated client parses into a model. Exports write a
rich value as its JSON form in JSON Lines and as its display text in CSV and tables;
imports turn those JSON forms back into what Coda accepts as input.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence

from codomyrmex_cloud.bridge.errors import BridgeError

#: A JSON value.
JSONValue = None | bool | int | float | str | list["JSONValue"] | dict[str, "JSONValue"]

#: A single value Coda accepts on a write.
WritableScalar = str | int | float | bool
#: What a cell can be written as (Coda's ``Value``): a scalar, or a list of scalars or of
#: lists of scalars.
WritableValue = WritableScalar | list[WritableScalar | list[WritableScalar]]


def cell_json(value: object) -> JSONValue:
    """A cell as JSON: scalars as they are, lists item by item, rich values as Coda sent them."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Sequence):
        return [cell_json(item) for item in value]
    if isinstance(value, Mapping):
        return {str(k): cell_json(v) for k, v in value.items()}
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        raw = to_dict()
        if isinstance(raw, Mapping):
            return {str(k): cell_json(v) for k, v in raw.items()}
    return str(value)


def cell_text(value: object) -> str:
    """A cell as display text: what a person reads in Coda, one line per cell.

    Text stays as is, numbers in their JSON form, booleans ``true``/``false``, lists joined
    with ``", "``, and a rich value by what Coda shows for it (a person's name, a link's
    title or URL, an amount with its currency, a referenced row's name).
    """
    data = cell_json(value)
    return _text(data)


def _text(data: JSONValue) -> str:
    if data is None:
        return ""
    if isinstance(data, str):
        return data
    if isinstance(data, bool):
        return "true" if data else "false"
    if isinstance(data, int | float):
        return json.dumps(data)
    if isinstance(data, list):
        return ", ".join(_text(item) for item in data)
    kind = data.get("@type")
    if kind == "MonetaryAmount" and "amount" in data:
        return f"{_text(data['amount'])} {_text(data.get('currency'))}".strip()
    for field in ("name", "email", "url"):
        if isinstance(data.get(field), str) and data[field]:
            return str(data[field])
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def writable_value(value: object, *, column: str, where: str) -> WritableValue:
    """A value read from a file as Coda accepts it on a write.

    ``None`` becomes ``""`` (an empty cell), rich values their input form (an amount's
    number, a person's email, a link's or image's URL, a row reference's name), lists item
    by item (two levels deep, as Coda's ``Value``).

    Args:
        value: A value parsed from CSV (always text) or JSON.
        column: The column, for the error message.
        where: Where the value came from (``line 12``), for the error message.

    Raises:
        BridgeError: NaN or infinity, lists nested deeper than two levels, or an object
            Coda cannot take as input.
    """
    if isinstance(value, list):
        items: list[WritableScalar | list[WritableScalar]] = []
        for item in value:
            if isinstance(item, list):
                items.append([_scalar(inner, column, where) for inner in item])
            else:
                items.append(_scalar(item, column, where))
        return items
    return _scalar(value, column, where)


def _scalar(value: object, column: str, where: str) -> WritableScalar:
    if value is None:
        return ""
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise BridgeError(f"{where}: column {column!r} holds {value}, which Coda cannot store")
        return value
    if isinstance(value, Mapping):
        kind = value.get("@type")
        for wanted_kind, field in (
            ("MonetaryAmount", "amount"),
            ("Person", "email"),
            ("WebPage", "url"),
            ("ImageObject", "url"),
            ("StructuredValue", "name"),
        ):
            if kind == wanted_kind and isinstance(value.get(field), str | int | float):
                return _scalar(value[field], column, where)
    raise BridgeError(
        f"{where}: column {column!r} holds {json.dumps(cell_json(value), ensure_ascii=False)[:80]}, "
        "which is not a value Coda accepts (text, a number, true/false, or a list of them)"
    )
