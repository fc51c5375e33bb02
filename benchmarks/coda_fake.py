"""The Coda side of the benchmarks: the fake with a wire latency, a replay transport, the data.

- :class:`SlowCoda` is :class:`~codomyrmex_cloud.testing.FakeCoda` answering every request
  after ``latency`` seconds (a stand-in for the round trip to coda.io), accepting the trailing
  slash codaio puts on some paths (Coda does), and refusing write bodies over Coda's 2 MiB
  request limit, so a peer that sends everything at once is held to the same rule as ours.
- :class:`Replay` answers in-process from recorded bytes: the first request for a URL is
  rendered by the fake, every later one is a dictionary look-up, so an in-process figure is
  the client's own cost (no fake, no network, no server-side limits).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from codomyrmex_cloud import RateLimits
from codomyrmex_cloud.testing import FakeCoda, FakeCodaServer
from codomyrmex_cloud.testing.emulators import environment
from codomyrmex_cloud.testing.fake_coda import Reply

TOKEN = "bench-token"
LATENCY_S = 0.020
#: Coda's documented limit on a request body (the SDK's batching assumes the same).
MAX_BODY_BYTES = 2 * 1024 * 1024
ROWS = 2_500
COLUMNS = ("Name", "Status", "Owner", "N", "Done")


class SlowCoda(FakeCoda):
    """The fake Coda API, answering each request ``latency`` seconds late."""

    def __init__(self, *, latency: float = LATENCY_S, rate_limits: RateLimits | None = None) -> None:
        super().__init__(token=TOKEN, rate_limits=rate_limits)
        self.latency = latency

    def handle(self, method: str, url: str, headers: dict[str, str], body: bytes) -> Reply:
        # The wait stands for the network round trip; it happens outside the fake's lock, so
        # concurrent requests overlap as they would on the wire.
        time.sleep(self.latency)
        parts = urlsplit(url)
        if parts.path.endswith("/"):
            url = urlunsplit(parts._replace(path=parts.path.rstrip("/")))
        if len(body) > MAX_BODY_BYTES:
            message = f"Request body of {len(body)} bytes exceeds the {MAX_BODY_BYTES}-byte limit."
            return Reply(413, {"statusCode": 413, "statusMessage": "Payload Too Large", "message": message}, {})
        return super().handle(method, url, headers, body)


@dataclass(frozen=True)
class Seeded:
    doc_id: str
    table_id: str
    row_ids: list[str]


def seed_table(fake: FakeCoda, rows: int = ROWS) -> Seeded:
    """A doc with a task table of ``rows`` rows: text, a status, an owner, a number, a bool."""
    doc = fake.add_doc("Bench")
    table = doc.add_table("Tasks", list(COLUMNS))
    statuses = ("Active", "Done", "Blocked")
    ids = [
        table.add_row(
            {"Name": f"Task {i}", "Status": statuses[i % 3], "Owner": "ada@example.com", "N": i, "Done": i % 2 == 0}
        ).id
        for i in range(rows)
    ]
    return Seeded(doc.id, table.id, ids)


class Replay:
    """An httpx transport replaying the fake's answers from memory."""

    def __init__(self, fake: FakeCoda) -> None:
        self.fake = fake
        self._answers: dict[str, tuple[int, bytes, dict[str, str]]] = {}

    def transport(self) -> httpx.MockTransport:
        def answer(request: httpx.Request) -> httpx.Response:
            key = f"{request.method} {request.url}"
            hit = self._answers.get(key)
            if hit is None:
                reply = self.fake.handle(request.method, str(request.url), dict(request.headers), request.content)
                headers = {"content-type": "application/json", **reply.headers}
                hit = (reply.status, json.dumps(reply.body).encode(), headers)
                self._answers[key] = hit
            return httpx.Response(hit[0], content=hit[1], headers=hit[2])

        return httpx.MockTransport(answer)


def codaio_client() -> Any:
    """codaio's client for the current environment.

    ``Coda.from_environment()`` would do, except that codaio reads ``CODA_API_ENDPOINT`` once,
    when it is first imported (a class attribute default); a run that starts a new server
    passes the URL, as its docs show (``Coda(api_key, href=...)``).
    """
    from codaio import Coda

    return Coda(os.environ["CODA_API_KEY"], href=os.environ["CODA_API_ENDPOINT"])


@contextlib.contextmanager
def coda_environment(base_url: str) -> Iterator[None]:
    """What a user's job sets for ``CodaClient()`` (and codaio's ``Coda.from_environment()``)."""
    with environment(
        {"CODA_API_TOKEN": TOKEN, "CODA_BASE_URL": base_url, "CODA_API_KEY": TOKEN, "CODA_API_ENDPOINT": base_url}
    ):
        yield


@contextlib.contextmanager
def serve(fake: FakeCoda) -> Iterator[str]:
    """Serve ``fake`` on loopback (with TCP_NODELAY, as the fake always is); yields its API root."""
    server = FakeCodaServer(fake)
    with server:
        yield server.base_url
