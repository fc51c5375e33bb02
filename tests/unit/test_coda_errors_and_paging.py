"""Edge cases on an in-process transport: every status -> exception, paging guards, secrets."""

from __future__ import annotations

import logging

import httpx
import pytest

from codomyrmex_cloud import (
    CodaAPIError,
    CodaAuthenticationError,
    CodaClient,
    CodaConfigurationError,
    CodaConnectionError,
    CodaError,
    CodaForbiddenError,
    CodaGoneError,
    CodaNotFoundError,
    CodaPaginationError,
    CodaRateLimitError,
    CodaServerError,
    CodaTimeoutError,
    CodaValidationError,
    RateLimits,
    RetryPolicy,
)
from tests.payloads import doc_payload

SECRET = "tok-unit-secret-abc123"


def client_for(handler: httpx.MockTransport, **kwargs: object) -> CodaClient:
    return CodaClient(
        SECRET,
        base_url="https://coda.test/apis/v1",
        transport=handler,
        rate_limits=RateLimits.disabled(),
        sleep=lambda _: None,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, CodaValidationError),
        (401, CodaAuthenticationError),
        (403, CodaForbiddenError),
        (404, CodaNotFoundError),
        (409, CodaAPIError),
        (410, CodaGoneError),
        (422, CodaValidationError),
        (429, CodaRateLimitError),
        (500, CodaServerError),
        (503, CodaServerError),
    ],
)
def test_every_status_maps_to_its_exception(status: int, cls: type[CodaAPIError]) -> None:
    body = {"statusCode": status, "statusMessage": "x", "message": f"coda says {status}"}
    transport = httpx.MockTransport(
        lambda r: httpx.Response(status, json=body, headers={"retry-after": "2", "x-request-id": "req-9"})
    )
    with client_for(transport, max_retries=0) as client, pytest.raises(cls) as caught:
        client.get_doc("AbC")
    error = caught.value
    assert type(error) is cls
    assert error.status_code == status
    assert error.message == f"coda says {status}"
    assert error.method == "GET" and error.url == "https://coda.test/apis/v1/docs/AbC"
    assert error.request_id == "req-9"
    assert "GET https://coda.test/apis/v1/docs/AbC" in str(error)
    if cls is CodaRateLimitError:
        assert isinstance(error, CodaRateLimitError) and error.retry_after == 2.0


def test_retries_count_attempts_then_raise() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503, json={"message": "busy"})

    waits: list[float] = []
    client = CodaClient(
        SECRET,
        base_url="https://coda.test/apis/v1",
        transport=httpx.MockTransport(handler),
        rate_limits=RateLimits.disabled(),
        retry=RetryPolicy(max_retries=3, jitter=lambda: 0.5),
        sleep=waits.append,
    )
    with pytest.raises(CodaServerError):
        client.get_doc("AbC")
    assert len(calls) == 4
    assert waits == [0.25, 0.5, 1.0]


def test_transport_errors_join_the_tree_and_are_chained() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    def stall(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(CodaConnectionError) as refused:
        client_for(httpx.MockTransport(refuse), max_retries=1).get_doc("AbC")
    assert isinstance(refused.value.__cause__, httpx.ConnectError)
    with pytest.raises(CodaTimeoutError) as timed_out:
        client_for(httpx.MockTransport(stall), max_retries=0).get_doc("AbC")
    assert isinstance(timed_out.value, CodaError)


def test_repeated_page_token_stops_instead_of_looping() -> None:
    page = {"items": [doc_payload()], "href": "h", "nextPageToken": "same"}
    client = client_for(httpx.MockTransport(lambda r: httpx.Response(200, json=page)))
    docs = client.list_docs()
    with pytest.raises(CodaPaginationError, match="repeated page token"):
        list(docs)


def test_next_page_on_the_last_page_is_an_error() -> None:
    page = {"items": [doc_payload()], "href": "h"}
    docs = client_for(httpx.MockTransport(lambda r: httpx.Response(200, json=page))).list_docs()
    assert not docs.has_next_page()
    with pytest.raises(CodaPaginationError):
        docs.next_page()


def test_missing_token_is_a_clear_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CODA_API_TOKEN", raising=False)
    with pytest.raises(CodaConfigurationError, match="CODA_API_TOKEN"):
        CodaClient()
    monkeypatch.setenv("CODA_API_TOKEN", "from-env")
    assert "from-env" not in repr(CodaClient())


def test_bad_arguments_are_refused_before_sending() -> None:
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    client = client_for(httpx.MockTransport(record))
    with pytest.raises(CodaConfigurationError):
        client.insert_rows("d", "t", [{}])
    with pytest.raises(CodaValidationError, match="column 'Name'") as nested:
        # mypy refuses this too; the runtime check is for callers without a type checker
        client.insert_rows("d", "t", [{"Name": "ok"}, {"Name": {"nested": 1}}])  # type: ignore[dict-item]
    assert nested.value.status_code is None  # refused locally, not a 400 from Coda
    with pytest.raises(CodaConfigurationError):
        client.upsert_rows("d", "t", [{"Name": "x"}], key_columns=[])
    with pytest.raises(CodaValidationError):
        client.list_rows("d", "t", query="Status = Active")
    with pytest.raises(CodaConfigurationError):
        CodaClient(SECRET, base_url="ftp://x")
    assert sent == []


def test_the_token_never_appears_in_reprs_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    transport = httpx.MockTransport(lambda r: httpx.Response(401, json={"message": "bad token"}))
    client = client_for(transport)
    with pytest.raises(CodaAuthenticationError) as caught:
        client.whoami()
    texts = [repr(client), str(caught.value), repr(caught.value), repr(client.api), caplog.text]
    assert all(SECRET not in text for text in texts)


def test_newer_api_fields_and_enum_values_reach_the_caller() -> None:
    doc = doc_payload()
    doc["viewId"] = "v-1"
    doc["type"] = "docV2"
    client = client_for(httpx.MockTransport(lambda r: httpx.Response(200, json=doc)))
    fetched = client.get_doc("AbCDeFGH")
    assert fetched.model.additional_properties["viewId"] == "v-1"
    assert fetched.model.type_ == "docV2"


def test_bulk_writes_split_by_bytes_and_optionally_by_rows() -> None:
    from codomyrmex_cloud.coda import json_body
    from codomyrmex_cloud.coda.bulk import MAX_WRITE_BYTES, batches, row_json

    small = [row_json({"Name": f"r{i}"}) for i in range(10_000)]
    assert [len(b) for b in batches(small)] == [10_000]  # no row cap: one request, as codaio sends it
    assert [len(b) for b in batches(small[:1201], 500)] == [500, 500, 201]
    wide = [row_json({"Blob": "x" * 100_000}) for _ in range(50)]
    split = list(batches(wide))
    assert sum(len(b) for b in split) == 50 and len(split) > 2
    assert all(len(json_body.dumps({"rows": b})) <= MAX_WRITE_BYTES for b in split)
    with pytest.raises(CodaValidationError, match="request size"):
        list(batches([row_json({"Huge": "x" * (MAX_WRITE_BYTES + 1)})]))
    assert [len(b) for b in batches([f"i-{n}" for n in range(1001)], 500)] == [500, 500, 1]
    for bad in (0, -1, 2.5, True, "10"):
        with pytest.raises(CodaConfigurationError, match="batch_rows"):
            list(batches(small, bad))  # type: ignore[arg-type]


def test_every_bad_value_is_a_value_error_whoever_refused_it() -> None:
    """``except ValueError`` catches a value refused locally and one Coda refused (400)."""
    from codomyrmex_cloud.coda.errors import error_for_status, refused

    request = httpx.Request("GET", "https://coda.test/apis/v1/docs/d/tables/t/rows")
    answered = error_for_status(httpx.Response(400, json={"message": "bad query"}, request=request))
    for error in (refused("query: malformed"), answered):
        assert isinstance(error, CodaValidationError) and isinstance(error, ValueError)
    with CodaClient("t", base_url="https://coda.test/apis/v1") as coda, pytest.raises(ValueError, match="batch_rows"):
        coda.insert_rows("d", "t", [{"A": 1}], batch_rows=0)
