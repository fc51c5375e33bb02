"""Property tests of the Coda query builder (``codomyrmex_cloud.coda.query``).

Any column name and value either builds a query that the fake Coda parses back to exactly that
column and value, or is refused with ``CodaValidationError`` before anything is sent; never
another exception, and never a query that means something else. The fake's parser
(``parse_row_query``) reads JSON strictly (no ``NaN``/``Infinity``), as Coda's does.

``make test`` runs a fixed (derandomised) set of examples; the ``reliability_full`` variants
under ``make test-reliability`` run many more, randomly.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from codomyrmex_cloud import CodaClient, CodaValidationError, RateLimits
from codomyrmex_cloud.coda.query import FilterValue, build_query
from codomyrmex_cloud.testing import FakeCoda
from codomyrmex_cloud.testing.coda_limits import FakeLimits
from codomyrmex_cloud.testing.fake_coda import parse_row_query
from tests.support.coda import TOKEN

#: A JSON scalar as Python has it, NaN and infinities included (they must be refused).
JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
#: What ``where=`` takes besides JSON scalars: dates and times (ISO 8601) and Decimals.
FILTER_VALUES = JSON_SCALARS | st.dates() | st.datetimes() | st.times() | st.decimals()
#: Column names of the unquoted ``Column = value`` form: no quote, ``=`` or ``:``.
BARE_NAMES = st.text(st.characters(blacklist_characters='"=:'), min_size=1)

QUICK = settings(max_examples=300, derandomize=True, database=None, deadline=None)
FULL = settings(max_examples=5000, database=None, deadline=None)
ROUND_TRIP_QUICK = settings(
    max_examples=40, derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
ROUND_TRIP_FULL = settings(max_examples=500, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def sent_as(value: FilterValue) -> Any:
    """What Coda should match for a ``where=`` value: dates, times and Decimals as text."""
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def same(parsed: Any, expected: Any) -> bool:
    """Equal and of the same JSON type (``1`` is not ``1.0`` is not ``True``)."""
    return type(parsed) is type(expected) and parsed == expected


def both(
    quick: settings, full: settings, strategy: Callable[[Callable[..., None]], Callable[..., None]]
) -> Callable[[Callable[..., None]], tuple[Callable[..., None], Callable[..., None]]]:
    """The property twice: a fixed quick set for ``make test``, a large random one marked full."""

    def wrap(prop: Callable[..., None]) -> tuple[Callable[..., None], Callable[..., None]]:
        return quick(strategy(prop)), pytest.mark.reliability_full(full(strategy(prop)))

    return wrap


# where={column: value} ---------------------------------------------------------------------


@both(QUICK, FULL, given(column=st.text(), value=FILTER_VALUES))
def where_property(column: str, value: FilterValue) -> None:
    try:
        query = build_query(where={column: value})
    except CodaValidationError as refused:
        assert refused.status_code is None
        event("refused")
        return
    assert query is not None
    parsed_column, parsed_value = parse_row_query(query)
    assert parsed_column == column
    assert same(parsed_value, sent_as(value)), (query, parsed_value)
    event("round trip")


test_where_parses_back_to_its_column_and_value, test_where_parses_back_full = where_property


# query= in Coda's quoted form and in the seed's ``Column = value`` form ---------------------


@both(QUICK, FULL, given(column=st.text(), value=JSON_SCALARS))
def quoted_property(column: str, value: Any) -> None:
    text = f"{json.dumps(column)}:{json.dumps(value)}"
    try:
        query = build_query(query=text)
    except CodaValidationError:
        event("refused")
        return
    assert query is not None
    parsed_column, parsed_value = parse_row_query(query)
    assert parsed_column == column and same(parsed_value, value), (text, query)
    event("round trip")


test_quoted_query_parses_back, test_quoted_query_parses_back_full = quoted_property


@both(QUICK, FULL, given(column=BARE_NAMES, value=JSON_SCALARS, spaces=st.sampled_from(["", " ", "  "])))
def bare_property(column: str, value: Any, spaces: str) -> None:
    text = f"{column}{spaces}={spaces}{json.dumps(value)}"
    try:
        query = build_query(query=text)
    except CodaValidationError:
        event("refused")
        return
    assert query is not None
    parsed_column, parsed_value = parse_row_query(query)
    assert parsed_column == column.strip() and same(parsed_value, value), (text, query)
    event("round trip")


test_bare_query_parses_back, test_bare_query_parses_back_full = bare_property


# Any text at all: refused, empty, or a query the fake accepts ---------------------------


#: Texts shaped like a query: a column (bare or as JSON), an operator, and a value that may or
#: may not be JSON (or a JSON that Coda does not take: NaN, a list).
QUERY_LIKE = st.builds(
    "{}{}{}".format,
    st.text(max_size=8) | st.text(max_size=8).map(json.dumps),
    st.sampled_from([":", "=", "==", " = ", ": ", "=:"]),
    st.text(max_size=8)
    | st.sampled_from(["NaN", "-Infinity", "1e999", "[1]", "{}", "null", "true", '"x"', "'x'", "0x1"])
    | JSON_SCALARS.map(json.dumps),
)


@both(QUICK, FULL, given(text=st.text() | QUERY_LIKE))
def any_text_property(text: str) -> None:
    try:
        query = build_query(query=text)
    except CodaValidationError:
        event("refused")
        return
    if query is None:
        assert not text.strip()
        return
    parse_row_query(query)  # raises ValueError (the fake's 400) if the builder let through garbage
    event("accepted")


test_any_query_text_is_refused_or_accepted, test_any_query_text_full = any_text_property


# End to end: the filter reaches the fake over HTTP and finds exactly the row ----------------


@both(ROUND_TRIP_QUICK, ROUND_TRIP_FULL, given(column=st.text(min_size=1), value=JSON_SCALARS))
def through_http_property(column: str, value: Any) -> None:
    fake = FakeCoda(token=TOKEN, rate_limits=FakeLimits.off())
    doc = fake.add_doc("Props")
    table = doc.add_table("T", [column])
    table.add_row({column: value})
    table.add_row({column: "another value"} if value != "another value" else {column: "x"})
    client = CodaClient(
        TOKEN, base_url=FakeCoda.BASE_URL, transport=fake.transport(), rate_limits=RateLimits.disabled()
    )
    with client:
        try:
            rows = list(client.list_rows(doc.id, table.id, where={column: value}))
        except CodaValidationError as refused:
            assert refused.status_code is None, f"the fake answered {refused}"
            assert fake.log == [], "a refused filter was sent"
            event("refused")
            return
    assert [row.id for row in rows] == [table.rows[0].id]
    event("found")


test_filter_finds_exactly_its_row_through_http, test_filter_through_http_full = through_http_property
