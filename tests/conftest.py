"""Shared fixtures: the fake Coda API served on 127.0.0.1, and clients that validate every
request and response against Coda's spec."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from codomyrmex_cloud import AsyncCodaClient, CodaClient
from codomyrmex_cloud.testing import FakeCoda, FakeCodaServer
from tests.support.spec_validation import AsyncValidatingTransport, ValidatingTransport

TOKEN = "tok-s3cr3t-value-never-printed"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fake() -> FakeCoda:
    return FakeCoda(token=TOKEN, mutation_polls=1)


@pytest.fixture
def server(fake: FakeCoda) -> Iterator[FakeCodaServer]:
    with FakeCodaServer(fake) as running:
        yield running


@pytest.fixture
def validating(server: FakeCodaServer) -> ValidatingTransport:
    return ValidatingTransport(httpx.HTTPTransport(), server.base_url)


class SleepRecorder:
    """Stands in for time.sleep: records what the client would have waited."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def slept() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def coda(server: FakeCodaServer, validating: ValidatingTransport, slept: SleepRecorder) -> Iterator[CodaClient]:
    with CodaClient(TOKEN, base_url=server.base_url, transport=validating, sleep=slept) as client:
        yield client
    assert validating.validated > 0


@pytest.fixture
async def acoda(server: FakeCodaServer, slept: SleepRecorder) -> AsyncIterator[AsyncCodaClient]:
    transport = AsyncValidatingTransport(httpx.AsyncHTTPTransport(), server.base_url)
    async with AsyncCodaClient(TOKEN, base_url=server.base_url, transport=transport, sleep=slept.asleep) as client:
        yield client
    assert transport.checker.validated > 0
