"""Row filters: Coda's native ``<column>:<json value>`` query, the seed's ``Column = value``
form, and ``where={"Column": value}``, all turned into the one string Coda accepts.

Coda filters rows on a single column per request, by exact value; the value is JSON (a
string must be quoted), and a column *name* must be quoted to be told apart from an id.
Anything else is refused here with :class:`CodaValidationError` (``status_code=None``: the
refusal is local), before a request is sent.

Column ids go unquoted, names quoted. Coda's ids are ``c-`` and letters or digits (the spec's
example is ``c-tuVwxYz``; real ids have ten); only a key of that exact shape is taken for an id.
A *name* of that shape is ambiguous: quote it yourself in ``query='"c-abcdefg":1'``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import re
from collections.abc import Mapping
from typing import TypeAlias
from urllib.parse import quote

from codomyrmex_cloud.coda.cells import filter_json
from codomyrmex_cloud.coda.errors import CodaValidationError, refused

JSONScalar: TypeAlias = str | int | float | bool | None
#: What ``where=`` matches a column on: a JSON scalar, or a date/time/Decimal (sent as text).
FilterValue: TypeAlias = str | int | float | bool | dt.date | dt.datetime | dt.time | decimal.Decimal | None

#: The most bytes a filter may take in the URL once percent-encoded: with the path's ids and
#: names (:data:`codomyrmex_cloud.coda.arguments.MAX_SEGMENT_BYTES` each), the request line
#: stays under the 8 KiB common servers accept.
MAX_QUERY_BYTES = 2048
COLUMN_ID = re.compile(r"^c-[A-Za-z0-9]{6,}$")
_QUERY = re.compile(
    r"""^\s*(?P<column>"(?:[^"\\]|\\.)*"|[^"=:]+?)\s*(?P<op>==?|:)\s*(?P<value>.+?)\s*$""",
    re.DOTALL,
)


def _invalid(message: str) -> CodaValidationError:
    return refused(message)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def format_condition(column: str, value: JSONScalar, *, quoted: bool | None = None, argument: str = "query") -> str:
    """``column`` (id or name) equals ``value``, in Coda's query syntax.

    Args:
        column: A column id (``c-AbCdEfGhIj``) or name.
        value: The exact value to match.
        quoted: True sends ``column`` as a name whatever its shape; None decides by shape.
        argument: The argument named in errors (``query`` or ``where``).

    Raises:
        CodaValidationError: An empty column, a value that is not a finite JSON scalar, or
            text that is not valid Unicode.
    """
    if not isinstance(column, str) or not column.strip():
        raise _invalid(f"{argument}: the column must be a non-empty id or name, got {column!r}")
    if isinstance(value, float) and not math.isfinite(value):  # NaN and infinities have no JSON form
        raise _invalid(f"{argument}: cannot filter column {column!r} on {value}, which has no JSON form")
    if not isinstance(value, str | int | float | bool | None):
        raise _invalid(f"{argument}: column {column!r} must be matched to a JSON scalar, got {type(value).__name__}")
    for what, text in (("column", column), ("value of column", value)):
        if isinstance(text, str) and not text.isascii() and not _encodable(text):
            raise _invalid(
                f"{argument}: the {what} {column!r} is not valid Unicode (a lone surrogate has no UTF-8 form)"
            )
    is_id = not quoted and COLUMN_ID.match(column) is not None
    return f"{column if is_id else json.dumps(column)}:{json.dumps(value)}"


def build_query(query: str | None = None, where: Mapping[str, FilterValue] | None = None) -> str | None:
    """Return the query string to send, or None for no filter.

    Args:
        query: ``c-abc:"x"``, ``"Status":"Active"`` or ``Status = "Active"``.
        where: ``{"Status": "Active"}``; exactly one column (Coda filters on one).

    Raises:
        CodaValidationError: Malformed query, both or several conditions, or a value that is
            not JSON (write ``Status = "Active"``, not ``Status = Active``).
    """
    if query is not None and not isinstance(query, str):
        raise _invalid(f"query must be a str, got {type(query).__name__}")
    if where is not None and not isinstance(where, Mapping):
        raise _invalid(f"where must be a mapping of one column to a value, got {type(where).__name__}")
    if query is not None and where:
        raise _invalid("query/where: pass either query= or where=, not both")
    if where:
        if len(where) != 1:
            raise _invalid(f"where: Coda filters rows on one column per request; where= has {len(where)}")
        ((column, value),) = where.items()
        return _short(format_condition(column, filter_json(column, value), argument="where"), "where")
    if query is None or not query.strip():
        return None
    match = _QUERY.match(query)
    if match is None:
        raise _invalid(f"query: malformed query {query!r}: expected <column>:<json value> or Column = value")
    raw_column, raw_value = match.group("column"), match.group("value")
    quoted = raw_column.startswith('"')
    try:
        column = json.loads(raw_column) if quoted else raw_column.strip()
    except ValueError:
        raise _invalid(f"query: malformed query {query!r}: the column {raw_column} is not a JSON string") from None
    try:
        value = json.loads(raw_value)
    except ValueError:
        raise _invalid(
            f"query: malformed query {query!r}: the value {raw_value!r} is not JSON (quote strings)"
        ) from None
    if isinstance(value, list | dict):
        raise _invalid(f"query: malformed query {query!r}: Coda matches a single value, not {type(value).__name__}")
    return _short(format_condition(column, value, quoted=quoted or None), "query")


def _short(condition: str, argument: str) -> str:
    """``condition`` if it fits in the URL (see ``MAX_QUERY_BYTES``)."""
    encoded = len(quote(condition, safe=""))
    if encoded > MAX_QUERY_BYTES:
        raise _invalid(
            f"{argument}: the filter takes {encoded} bytes in the URL, over the {MAX_QUERY_BYTES} this client "
            "sends (servers refuse long request lines); filter the rows after reading them instead"
        )
    return condition
