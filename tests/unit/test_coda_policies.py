"""Retry policy, rate limiter and query building, each on its own."""

from __future__ import annotations

import email.utils
import json
import random
import threading

import httpx
import pytest

from codomyrmex_cloud import CodaConnectionError, CodaTimeoutError, CodaValidationError, Limit, RateLimits, RetryPolicy
from codomyrmex_cloud.coda.query import build_query
from codomyrmex_cloud.coda.ratelimit import POLL, RateLimiter, RequestKind, classify
from codomyrmex_cloud.coda.retry import Attempts, is_replay_safe, parse_retry_after


def req(method: str, path: str, body: object | None = None) -> httpx.Request:
    content = json.dumps(body).encode() if body is not None else None
    return httpx.Request(method, f"https://coda.io/apis/v1{path}", content=content)


# Retry ------------------------------------------------------------------------------------


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("0.5") == 0.5
    now = 1_000_000.0
    date = email.utils.formatdate(now + 7, usegmt=True)
    assert parse_retry_after(date, now=now) == pytest.approx(7, abs=1)
    assert parse_retry_after("garbage") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("-5") == 0.0


def test_backoff_is_full_jitter_within_an_exponential_ceiling() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_max=4, jitter=random.Random(7).random)
    for attempt in range(8):
        ceiling = min(4, 0.5 * 2**attempt)
        delays = [policy.backoff(attempt) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # spread over the whole range, not a constant


def test_429_honours_retry_after_and_gives_up_after_max_retries() -> None:
    policy = RetryPolicy(max_retries=2)
    response = httpx.Response(429, headers={"retry-after": "3"})
    request = req("POST", "/docs/d/tables/t/rows", {"rows": []})  # even a plain insert
    assert policy.delay_for(request, 0, response=response) == 3.0
    assert policy.delay_for(request, 2, response=response) is None


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_client_errors_are_never_retried(status: int) -> None:
    assert RetryPolicy().delay_for(req("GET", "/docs"), 0, response=httpx.Response(status)) is None


def test_a_5xx_is_retried_only_when_replay_is_safe() -> None:
    policy = RetryPolicy(jitter=lambda: 1.0)
    server_error = httpx.Response(503)
    assert policy.delay_for(req("GET", "/docs"), 0, response=server_error) == 0.5
    insert = req("POST", "/docs/d/tables/t/rows", {"rows": [{"cells": []}]})
    upsert = req("POST", "/docs/d/tables/t/rows", {"rows": [{"cells": []}], "keyColumns": ["c-1"]})
    assert policy.delay_for(insert, 0, response=server_error) is None
    assert policy.delay_for(upsert, 0, response=server_error) == 0.5
    assert policy.delay_for(req("POST", "/docs/d/pages", {}), 0, response=server_error) is None


def test_connection_errors_retry_when_nothing_can_have_been_applied() -> None:
    policy = RetryPolicy(jitter=lambda: 1.0)
    insert = req("POST", "/docs/d/tables/t/rows", {"rows": []})
    assert policy.delay_for(insert, 0, error=httpx.ConnectError("refused")) == 0.5
    assert policy.delay_for(insert, 0, error=httpx.ReadError("reset")) is None
    assert policy.delay_for(req("GET", "/docs"), 0, error=httpx.ReadError("reset")) == 0.5


def test_broken_connections_have_the_whole_budget_refusals_and_timeouts_two_retries() -> None:
    """A reset costs nothing to retry; a refusal or timeout may cost a timeout each."""
    policy = RetryPolicy(jitter=lambda: 1.0)
    get = req("GET", "/docs")
    state = Attempts(get, policy)
    for _ in range(policy.max_retries):  # resets only: every retry of max_retries is made
        state.after_error(httpx.ReadError("reset"))
    with pytest.raises(CodaConnectionError):
        state.after_error(httpx.ReadError("reset"))
    state = Attempts(get, policy)
    state.after_error(httpx.ReadError("reset"))  # a reset does not use up the connect budget
    state.after_error(httpx.ConnectError("refused"))
    state.after_error(httpx.ReadTimeout("slow"))
    with pytest.raises(CodaTimeoutError):
        state.after_error(httpx.ConnectTimeout("slow"))


def test_replay_safety() -> None:
    assert is_replay_safe(req("PUT", "/docs/d/tables/t/rows/r", {}))
    assert is_replay_safe(req("DELETE", "/docs/d/tables/t/rows", {"rowIds": ["i-1"]}))
    assert not is_replay_safe(req("POST", "/docs/d/tables/t/rows/r/buttons/c"))
    bad = httpx.Request("POST", "https://coda.io/apis/v1/docs/d/tables/t/rows", content=b"{not json")
    assert not is_replay_safe(bad)


# Rate limits ------------------------------------------------------------------------------


def test_classification_follows_codas_published_categories() -> None:
    assert classify("GET", "/apis/v1/docs") == (RequestKind.READ, RequestKind.LIST_DOCS)
    assert classify("GET", "/apis/v1/docs/d/tables") == (RequestKind.READ,)
    assert classify("POST", "/apis/v1/docs/d/tables/t/rows") == (RequestKind.WRITE,)
    assert classify("PUT", "/apis/v1/docs/d/pages/p") == (RequestKind.WRITE, RequestKind.DOC_CONTENT_WRITE)
    assert classify("DELETE", "/apis/v1/docs/d") == (RequestKind.WRITE,)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_sliding_window_books_the_earliest_allowed_send_time() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimits(write=Limit(3, 6.0), margin=0.0), clock=clock)
    write = req("POST", "/docs/d/tables/t/rows", {})
    assert [limiter.reserve(write).delay for _ in range(3)] == [0, 0, 0]
    assert limiter.reserve(write).delay == 6.0  # the 4th waits for the 1st to leave the window
    clock.now += 10
    assert limiter.reserve(write).delay == 0.0


def test_a_request_waits_for_the_answers_of_the_window_before_it() -> None:
    # Coda counts a request when it arrives; a busy server may count it as late as it answers.
    clock = FakeClock()
    limiter = RateLimiter(RateLimits(write=Limit(3, 6.0), margin=0.0), clock=clock)
    write = req("POST", "/docs/d/tables/t/rows", {})
    first = [limiter.reserve(write) for _ in range(3)]
    assert [limiter.ready(b) for b in first] == [0, 0, 0]  # all three leave at 100
    for booking in first:
        clock.now += 1
        limiter.done(booking)  # answered at 101, 102, 103
    fourth = limiter.reserve(write)
    assert fourth.delay == 4.0  # 101 + 6 = 107, not 100 + 6: the first may have been counted at 101
    clock.now += fourth.delay
    assert limiter.ready(fourth) == 0.0


def test_an_unanswered_request_counts_until_its_answer_is_back() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimits(write=Limit(3, 6.0), margin=0.0), clock=clock)
    write = req("POST", "/docs/d/tables/t/rows", {})
    first = [limiter.reserve(write) for _ in range(3)]
    for booking in first:
        limiter.ready(booking)  # sent at 100, no answer yet
    fourth = limiter.reserve(write)
    assert fourth.delay == 6.0  # the estimate: as if counted when they left
    clock.now += 6.0
    assert limiter.ready(fourth) == pytest.approx(POLL)  # three still unanswered: any of them may count now
    clock.now += 0.5
    limiter.done(first[0])  # answered at 106.5
    assert limiter.ready(fourth) == pytest.approx(6.0)  # it may go once 106.5 has left the window
    clock.now += 6.0
    assert limiter.ready(fourth) == 0.0


def test_waiting_on_a_clock_that_does_not_move_still_lets_a_booked_request_go() -> None:
    # Tests inject sleeps that only record; a booking checked again at its booked instant,
    # with nothing new known, must not ask to wait again.
    clock = FakeClock()
    limiter = RateLimiter(RateLimits(write=Limit(1, 6.0), margin=0.0), clock=clock)
    write = req("POST", "/docs/d/tables/t/rows", {})
    limiter.done(limiter.reserve(write))
    second = limiter.reserve(write)
    assert second.delay == 6.0
    assert limiter.ready(second) == 0.0  # the clock did not move; the booking still stands


def test_the_limiter_is_shared_safely_by_many_threads() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimits(read=Limit(100, 6.0), margin=0.0), clock=clock)
    booked: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(50):
            delay = limiter.reserve(req("GET", "/docs/d/tables")).delay
            with lock:
                booked.append(clock.now + delay)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    booked.sort()
    assert len(booked) == 400
    for i in range(len(booked) - 100):  # any 101 consecutive sends span at least a window
        assert booked[i + 100] - booked[i] >= 6.0


def test_limits_can_be_turned_off() -> None:
    limiter = RateLimiter(RateLimits.disabled())
    assert all(limiter.reserve(req("GET", "/docs")).delay == 0 for _ in range(50))


# Queries ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('Status = "Active"', '"Status":"Active"'),
        ('Status == "Active"', '"Status":"Active"'),
        ('"Status":"Active"', '"Status":"Active"'),
        ('c-tuVwxYz:"Apple"', 'c-tuVwxYz:"Apple"'),
        ('"My: Column" = 12', '"My: Column":12'),
        ("Done = true", '"Done":true'),
        ('  Note = "a = b"  ', '"Note":"a = b"'),
    ],
)
def test_query_forms(query: str, expected: str) -> None:
    assert build_query(query) == expected


def test_where_builds_a_quoted_query() -> None:
    assert build_query(where={"Status": 'He said "hi"'}) == '"Status":"He said \\"hi\\""'
    assert build_query(where={"c-abcdef1": 3}) == "c-abcdef1:3"  # a column id: unquoted
    assert build_query(where={"c-rate": 3}) == '"c-rate":3'  # too short for an id: a name
    assert build_query(where={"c-my column": 3}) == '"c-my column":3'
    assert build_query('"c-abcdef1" = 1') == '"c-abcdef1":1'  # quoted by the caller: a name
    assert build_query() is None


@pytest.mark.parametrize(
    "bad",
    ["Status = Active", "no operator here", '= "x"', 'Status = ["a"]', 'Status = {"a": 1}'],
)
def test_malformed_queries_are_validation_errors(bad: str) -> None:
    with pytest.raises(CodaValidationError, match=r"^query: (malformed query|the column)") as caught:
        build_query(bad)
    assert caught.value.status_code is None


def test_where_with_several_columns_or_both_forms_is_refused() -> None:
    with pytest.raises(CodaValidationError, match="one column"):
        build_query(where={"a": 1, "b": 2})
    with pytest.raises(CodaValidationError, match="not both"):
        build_query("a = 1", where={"b": 2})
