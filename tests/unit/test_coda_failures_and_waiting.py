"""Failure paths and waiting, on in-process transports (edge cases the fake cannot produce)."""

from __future__ import annotations

import json

import httpx
import pytest

from codomyrmex_cloud import (
    CodaClient,
    CodaConnectionError,
    CodaMutationError,
    CodaResponseError,
    CodaTimeoutError,
    RateLimits,
    RetryPolicy,
)
from codomyrmex_cloud.coda._sync.mutations import Mutation
from tests.payloads import doc_payload
from tests.support.coda import FakeClock

SECRET = "tok-unit-secret-xyz"


def client_for(handler: httpx.MockTransport, **kwargs: object) -> CodaClient:
    return CodaClient(
        SECRET,
        base_url="https://coda.test/apis/v1",
        transport=handler,
        rate_limits=RateLimits.disabled(),
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_2xx_that_is_not_json_or_lacks_a_field_is_a_response_error() -> None:
    not_json = httpx.MockTransport(lambda r: httpx.Response(200, text="<html>", headers={"x-request-id": "r-1"}))
    with pytest.raises(CodaResponseError, match="not JSON") as caught:
        client_for(not_json, sleep=lambda _: None).get_doc("AbC")
    assert (caught.value.method, caught.value.request_id) == ("GET", "r-1")
    assert caught.value.url == "https://coda.test/apis/v1/docs/AbC"
    partial = {k: v for k, v in doc_payload().items() if k != "name"}
    missing = httpx.MockTransport(lambda r: httpx.Response(200, json=partial))
    with pytest.raises(CodaResponseError, match="'name' is missing"):
        client_for(missing, sleep=lambda _: None).get_doc("AbC")


def test_connection_refused_fails_after_two_quick_retries() -> None:
    attempts: list[httpx.Request] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        raise httpx.ConnectError("refused", request=request)

    waits: list[float] = []
    with pytest.raises(CodaConnectionError):
        client_for(httpx.MockTransport(refuse), sleep=waits.append).get_doc("AbC")
    assert len(attempts) == 3 and sum(waits) <= 0.5 + 1.0  # the worst case the README states


def test_a_timed_out_insert_is_not_repeated_and_says_the_rows_may_exist() -> None:
    attempts: list[httpx.Request] = []

    def stall(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        raise httpx.ReadTimeout("slow", request=request)

    client = client_for(httpx.MockTransport(stall), sleep=lambda _: None)
    with pytest.raises(CodaTimeoutError, match="may already have written it"):
        client.insert_rows("d", "t", [{"Name": "x"}])
    assert len(attempts) == 1
    attempts.clear()
    with pytest.raises(CodaTimeoutError) as read:
        client.get_doc("AbC")
    assert len(attempts) == 3 and "may already" not in str(read.value)


def status_answers(pending_rounds: int) -> tuple[httpx.MockTransport, list[str]]:
    polls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/rows"):
            return httpx.Response(202, json={"requestId": "req-1", "addedRowIds": ["i-1"]})
        polls.append(request.url.path)
        return httpx.Response(200, json={"completed": len(polls) > pending_rounds})

    return httpx.MockTransport(handler), polls


def test_wait_honours_its_timeout_within_one_poll_interval() -> None:
    clock = FakeClock()
    transport, _ = status_answers(10**6)
    mutation = client_for(transport, sleep=clock.sleep).insert_rows("d", "t", [{"Name": "x"}])
    mutation = Mutation(mutation.request_ids, _status=mutation._status, _sleep=clock.sleep, _clock=clock)
    start = clock.now
    with pytest.raises(CodaMutationError, match="3 s timeout"):
        mutation.wait(timeout=3)
    assert 3 <= clock.now - start <= 3 + 2.0  # never sleeps past the deadline
    assert clock.slept[-1] <= 2.0


def test_wait_accepts_seconds_and_done_is_one_check() -> None:
    transport, polls = status_answers(2)
    client = client_for(transport, sleep=lambda _: None)
    mutation = client.insert_rows("d", "t", [{"Name": "x"}])
    assert mutation.added_row_ids == ("i-1",)
    assert mutation.done() is False and len(polls) == 1
    waited = client.insert_rows("d", "t", [{"Name": "y"}], wait=5)
    assert waited.done() is True
    with pytest.raises(Exception, match="wait must be"):
        client.insert_rows("d", "t", [{"Name": "z"}], wait=-1)


def test_every_generated_operation_with_a_json_body_sends_json() -> None:
    from pathlib import Path

    from codomyrmex_coda_api import api

    checked = 0
    for path in sorted(Path(api.__path__[0]).rglob("*.py")):
        code = path.read_text()
        if '"application/json"' not in code:
            continue
        info = path
        # A JSON branch is the first (or only) body branch, so it wins for a model body.
        first_json = code.index('headers["Content-Type"] = "application/json"')
        first_form = code.find('headers["Content-Type"] = "application/x-www-form-urlencoded"')
        assert first_form == -1 or first_json < first_form, info.name
        checked += 1
    assert checked > 20


def test_webhook_triggers_send_nested_json() -> None:
    from codomyrmex_coda_api.api.automations import trigger_webhook_automation as op
    from codomyrmex_coda_api.models import WebhookTriggerPayload

    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(202, json={"requestId": "x"})

    transport = httpx.MockTransport(record)
    payload = WebhookTriggerPayload.from_dict({"message": "hi", "nested": {"a": 1}})
    with httpx.Client(base_url="https://coda.test/apis/v1", transport=transport) as client:
        client.request(**op.request_kwargs("d", "r", body=payload))
    assert sent[0].headers["content-type"] == "application/json"
    assert json.loads(sent[0].content) == {"message": "hi", "nested": {"a": 1}}


def test_generated_sync_returns_success_models_only() -> None:
    import typing

    from codomyrmex_coda_api import AuthenticatedClient, errors
    from codomyrmex_coda_api.api.docs import get_doc
    from codomyrmex_coda_api.models import Doc

    hints = typing.get_type_hints(get_doc.sync)
    assert set(typing.get_args(hints["return"])) == {Doc, type(None)}
    client = AuthenticatedClient(base_url="https://coda.test/apis/v1", token="t")
    client.set_httpx_client(
        httpx.Client(
            base_url="https://coda.test/apis/v1",
            transport=httpx.MockTransport(
                lambda r: httpx.Response(404, json={"statusCode": 404, "statusMessage": "x", "message": "no"})
            ),
        )
    )
    with pytest.raises(errors.UnexpectedStatus):
        get_doc.sync("AbC", client=client)


def test_retry_policy_documents_what_it_retries() -> None:
    from codomyrmex_cloud.coda import retry

    assert "429, 500, 502, 503 and 504" in (retry.__doc__ or "")
    assert {429, 500, 502, 503, 504} == retry.RETRY_STATUSES
    assert RetryPolicy().max_connection_retries == 2
