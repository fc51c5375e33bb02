"""Row filters: Coda's native ``<column>:<json value>`` query, the seed's ``Column = value``
form, and ``where={"Column": value}``, all turned into the one string Coda accepts.

Coda filters rows on a single column per request, by exact value; the value is JSON (a
string must be quoted), and a column *name* must be quoted to be told apart from an id.
Anything else is refused here with :class:`CodaValidationError`, before a request is sent.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping

from codomyrmex_cloud.coda.errors import CodaValidationError

JSONScalar = str | int | float | bool | None

_COLUMN_ID = re.compile(r"^c-[A-Za-z0-9_-]+$")
_QUERY = re.compile(
    r"""^\s*(?P<column>"(?:[^"\\]|\\.)*"|[^"=:]+?)\s*(?P<op>==?|:)\s*(?P<value>.+?)\s*$""",
    re.DOTALL,
)


def _invalid(message: str) -> CodaValidationError:
    return CodaValidationError(message, status_code=400)


def format_condition(column: str, value: JSONScalar) -> str:
    """``column`` (id or name) equals ``value``, in Coda's query syntax."""
    if not column.strip():
        raise _invalid("a query needs a column id or name")
    if isinstance(value, float) and math.isnan(value):  # NaN has no JSON form
        raise _invalid(f"cannot filter {column!r} on NaN")
    col = column if _COLUMN_ID.match(column) else json.dumps(column)
    return f"{col}:{json.dumps(value)}"


def build_query(query: str | None = None, where: Mapping[str, JSONScalar] | None = None) -> str | None:
    """Return the query string to send, or None for no filter.

    Args:
        query: ``c-abc:"x"``, ``"Status":"Active"`` or ``Status = "Active"``.
        where: ``{"Status": "Active"}``; exactly one column (Coda filters on one).

    Raises:
        CodaValidationError: Malformed query, both or several conditions, or a value that is
            not JSON (write ``Status = "Active"``, not ``Status = Active``).
    """
    if query is not None and where:
        raise _invalid("pass either query= or where=, not both")
    if where:
        if len(where) != 1:
            raise _invalid(f"Coda filters rows on one column per request; where= has {len(where)}")
        ((column, value),) = where.items()
        return format_condition(column, value)
    if query is None or not query.strip():
        return None
    match = _QUERY.match(query)
    if match is None:
        raise _invalid(f"malformed query {query!r}: expected <column>:<json value> or Column = value")
    raw_column, raw_value = match.group("column"), match.group("value")
    column = json.loads(raw_column) if raw_column.startswith('"') else raw_column.strip()
    try:
        value = json.loads(raw_value)
    except ValueError:
        raise _invalid(f"malformed query {query!r}: the value {raw_value!r} is not JSON (quote strings)") from None
    if isinstance(value, list | dict):
        raise _invalid(f"malformed query {query!r}: Coda matches a single value, not {type(value).__name__}")
    return format_condition(column, value)
