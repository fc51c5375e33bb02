"""The fault proxy itself, with plain httpx (and raw sockets for 100-continue) against a tiny
loopback server that records which requests it applied."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import socket
import threading
import tracemalloc
import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.reliability.tiny_server import TinyServer, pattern, pattern_sha256, pieces
from tests.support.fault_proxy import APPLIED, Fault, FaultProxy, FaultSchedule, RequestInfo

ProxyFactory = Callable[[FaultSchedule], FaultProxy]


@pytest.fixture
def tiny() -> Iterator[TinyServer]:
    with TinyServer() as server:
        yield server


@pytest.fixture
def make_proxy(tiny: TinyServer, fault_proxy: Callable[[str, FaultSchedule], FaultProxy]) -> Iterator[ProxyFactory]:
    started: list[FaultProxy] = []

    def make(schedule: FaultSchedule) -> FaultProxy:
        proxy = fault_proxy(tiny.url, schedule)
        started.append(proxy)
        return proxy

    yield make
    for proxy in started:
        proxy.stop()
        assert not proxy.running
    assert not [t for t in threading.enumerate() if t.name.startswith("fault-proxy")]


def test_relays_requests_unchanged_over_one_kept_alive_connection(make_proxy: ProxyFactory, tiny: TinyServer) -> None:
    proxy = make_proxy(FaultSchedule())
    with httpx.Client(base_url=proxy.url, timeout=10) as client:
        for i in range(4):
            assert client.get(f"/bytes/{1000 + i}").content == pattern(1000 + i)
            assert client.get(f"/chunked/{200_000 + i}").content == pattern(200_000 + i)
            posted = client.post("/apply", content=b"x" * i)
            assert posted.json() == {"size": i, "sha256": hashlib.sha256(b"x" * i).hexdigest()}
        assert client.head("/bytes/5000").headers["content-length"] == "5000"
        empty = client.get("/empty")
        assert empty.status_code == 204 and empty.content == b""
        assert client.get("/bytes/3").content == pattern(3)  # the connection survived HEAD and 204
    assert tiny.connections == 1
    stats = proxy.stats()
    assert (stats.seen, stats.forwarded, stats.faulted) == (15, 15, 0)


def test_close_delimited_response_then_a_new_connection(make_proxy: ProxyFactory, tiny: TinyServer) -> None:
    proxy = make_proxy(FaultSchedule())
    with httpx.Client(base_url=proxy.url, timeout=10) as client:
        assert client.get("/eof/300000").content == pattern(300_000)
        assert client.get("/bytes/10").content == pattern(10)
    assert tiny.connections == 2


def test_large_bodies_stream_through_in_bounded_memory(make_proxy: ProxyFactory, tiny: TinyServer) -> None:
    size = 32 * 1024 * 1024
    proxy = make_proxy(FaultSchedule())
    tracemalloc.start()
    try:
        with httpx.Client(base_url=proxy.url, timeout=30) as client:
            chunked = client.post("/apply", content=pieces(size))  # an iterator: sent chunked
            sized = client.put("/apply", content=pieces(size), headers={"Content-Length": str(size)})
            for path in (f"/bytes/{size}", f"/chunked/{size}"):
                digest = hashlib.sha256()
                with client.stream("GET", path) as response:
                    for data in response.iter_bytes():
                        digest.update(data)
                assert digest.hexdigest() == pattern_sha256(size), path
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert chunked.json()["sha256"] == sized.json()["sha256"] == pattern_sha256(size)
    assert "transfer-encoding" in chunked.request.headers and "content-length" in sized.request.headers
    # 128 MiB crossed the proxy; what was alive at once (client, proxy and server together)
    # stays a small multiple of the 64 KiB pieces.
    assert peak < 4 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"


# One fault at a time ----------------------------------------------------------------------

# fault -> (status the client gets, or the httpx error it raises; was the request applied?)
EXPECTED: dict[Fault, tuple[int | type[Exception], bool]] = {
    Fault.RESET_BEFORE: (httpx.TransportError, False),
    Fault.RESET_AFTER: (httpx.TransportError, True),
    Fault.CLOSE_MID_BODY: (httpx.RemoteProtocolError, True),
    Fault.HTTP_500: (500, False),
    Fault.HTTP_502: (502, False),
    Fault.HTTP_503: (503, False),
    Fault.HTTP_429: (429, False),
    Fault.HTTP_500_AFTER_APPLY: (500, True),
    Fault.STALL: (httpx.ReadTimeout, False),
}


def test_every_fault_kind_has_an_expectation() -> None:
    assert set(EXPECTED) == set(Fault)
    assert {f for f, (_, applied) in EXPECTED.items() if applied} == APPLIED


@pytest.mark.parametrize("fault", list(Fault))
def test_one_fault_on_a_post(fault: Fault, make_proxy: ProxyFactory, tiny: TinyServer) -> None:
    proxy = make_proxy(FaultSchedule.scripted({1: fault}))
    outcome, applied = EXPECTED[fault]
    with httpx.Client(base_url=proxy.url, timeout=httpx.Timeout(10, read=0.3)) as client:
        assert client.post("/apply/0", content=b"before").status_code == 200
        if isinstance(outcome, int):
            response = client.post("/apply/1", content=b"faulted")
            assert response.status_code == outcome
            assert response.text == f"injected fault: {fault.value}\n"
            if fault is Fault.HTTP_429:
                assert response.headers["retry-after"] == proxy.retry_after
        else:
            with pytest.raises(outcome):
                client.post("/apply/1", content=b"faulted")
        assert client.post("/apply/2", content=b"after").status_code == 200
    assert tiny.applied_paths() == ["/apply/0", *(["/apply/1"] if applied else []), "/apply/2"]
    stats = proxy.stats()
    assert stats.seen == 3 and stats.faults == {fault: 1}
    assert stats.forwarded == 2 + applied
    # A fault answered by the proxy keeps the connection; one that breaks it costs a new one.
    assert tiny.connections == (1 if isinstance(outcome, int) and not applied else 2)


@pytest.mark.parametrize("path", ["/bytes/100000", "/chunked/100000", "/bytes/1", "/empty"])
def test_close_mid_body_cuts_every_kind_of_response(path: str, make_proxy: ProxyFactory, tiny: TinyServer) -> None:
    proxy = make_proxy(FaultSchedule.scripted({0: Fault.CLOSE_MID_BODY}))
    with httpx.Client(base_url=proxy.url, timeout=10) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(path)
        assert client.get("/bytes/5").content == pattern(5)
    assert tiny.applied_paths() == [path, "/bytes/5"]


def test_stalled_connection_is_released_when_the_proxy_stops(make_proxy: ProxyFactory, tiny: TinyServer) -> None:
    proxy = make_proxy(FaultSchedule.scripted({0: Fault.STALL}))
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=30) as sock:
        sock.sendall(b"GET /bytes/10 HTTP/1.1\r\nHost: x\r\n\r\n")
        proxy.wait_until(lambda stats: stats.seen == 1)
        proxy.stop()
        assert not proxy.running
        with contextlib.suppress(ConnectionResetError):  # dropped with a reset: just as released
            assert sock.recv(100) == b""
    assert tiny.applied_paths() == []


# Expect: 100-continue (raw sockets: httpx never sends it; boto3 and azure do) --------------

HEAD_WITH_EXPECT = b"PUT /apply HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"


def _read_until(sock: socket.socket, marker: bytes) -> bytes:
    data = b""
    while marker not in data:
        more = sock.recv(65536)
        if not more:
            break
        data += more
    return data


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    while more := sock.recv(65536):
        data += more
    return data


def test_expect_continue_is_relayed(make_proxy: ProxyFactory, tiny: TinyServer) -> None:
    proxy = make_proxy(FaultSchedule())
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=30) as sock:
        sock.sendall(HEAD_WITH_EXPECT)
        assert _read_until(sock, b"\r\n\r\n").startswith(b"HTTP/1.1 100")
        sock.sendall(b"hello")
        answer = _read_until(sock, b"}")
        assert answer.startswith(b"HTTP/1.1 200") and hashlib.sha256(b"hello").hexdigest().encode() in answer
        sock.sendall(b"GET /bytes/3 HTTP/1.1\r\nHost: x\r\n\r\n")  # still kept alive
        assert _read_until(sock, b"\r\n\r\n").startswith(b"HTTP/1.1 200")
    assert tiny.applied_paths() == ["/apply", "/bytes/3"]
    assert proxy.stats().interim == 1


def test_expect_continue_answered_by_a_fault_closes_without_the_body(
    make_proxy: ProxyFactory, tiny: TinyServer
) -> None:
    proxy = make_proxy(FaultSchedule.scripted({0: Fault.HTTP_503}))
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=30) as sock:
        sock.sendall(HEAD_WITH_EXPECT)
        answer = _read_all(sock)  # the body is never sent; the proxy closes after answering
    assert answer.startswith(b"HTTP/1.1 503") and b"Connection: close" in answer
    assert b"100 Continue" not in answer
    assert tiny.applied_paths() == [] and proxy.stats().forwarded == 0


def test_expect_continue_then_reset_after_apply(make_proxy: ProxyFactory, tiny: TinyServer) -> None:
    proxy = make_proxy(FaultSchedule.scripted({0: Fault.RESET_AFTER}))
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=30) as sock:
        sock.sendall(HEAD_WITH_EXPECT)
        assert _read_until(sock, b"\r\n\r\n").startswith(b"HTTP/1.1 100")
        sock.sendall(b"hello")
        with pytest.raises(ConnectionResetError):
            _read_all(sock)
    assert tiny.applied_paths() == ["/apply"]


# Schedules, seeds, logs and counters ------------------------------------------------------


def _draw(schedule: FaultSchedule, count: int, method: str = "GET") -> list[Fault | None]:
    return [schedule.decide(RequestInfo(i, method, "/x")) for i in range(count)]


def test_seeded_schedule_is_reproducible_and_covers_every_kind() -> None:
    first = _draw(FaultSchedule.seeded(5, 0.3), 2000)
    assert first == _draw(FaultSchedule.seeded(5, 0.3), 2000)
    assert first != _draw(FaultSchedule.seeded(6, 0.3), 2000)
    faulted = [f for f in first if f is not None]
    assert 500 <= len(faulted) <= 700  # 30 % of 2000, give or take what a seed draws
    assert set(faulted) == set(Fault)
    assert _draw(FaultSchedule.seeded(5, 0.0), 100) == [None] * 100


def test_schedule_filters_and_scripts() -> None:
    only_posts = FaultSchedule.seeded(1, 1.0, kinds=(Fault.HTTP_503,), eligible=lambda r: r.method == "POST")
    assert set(_draw(only_posts, 50, "GET")) == {None}
    assert set(_draw(only_posts, 50, "POST")) == {Fault.HTTP_503}
    script = FaultSchedule.scripted({2: Fault.STALL, 4: None})
    assert _draw(script, 6) == [None, None, Fault.STALL, None, None, None]
    with pytest.raises(ValueError, match="rate"):
        FaultSchedule.seeded(1, 1.5)


def test_decisions_are_logged_without_query_strings(make_proxy: ProxyFactory, caplog: pytest.LogCaptureFixture) -> None:
    proxy = make_proxy(FaultSchedule.scripted({1: Fault.HTTP_502}))
    with caplog.at_level(logging.INFO, logger="tests.fault_proxy"), httpx.Client(base_url=proxy.url) as client:
        client.get("/bytes/4?sig=s3cr3t-signature")
        client.get("/bytes/5")
    lines = [r.getMessage() for r in caplog.records if r.name == "tests.fault_proxy"]
    assert lines == [
        "fault-proxy seed=scripted #0 GET /bytes/4?… -> pass",
        "fault-proxy seed=scripted #1 GET /bytes/5 -> http_502",
    ]
    assert [str(d) for d in proxy.decisions] == [line.removeprefix("fault-proxy ") for line in lines]
    assert (
        proxy.replay_note()
        == "replay with FaultSchedule.seeded('scripted', 0.0): 2 requests, faults: #1 GET /bytes/5 http_502"
    )


def _run_seeded(proxy: FaultProxy, count: int) -> list[str]:
    """``count`` requests, each on whatever connection httpx has; what each one got."""
    outcomes = []
    with httpx.Client(base_url=proxy.url, timeout=httpx.Timeout(10, read=0.3)) as client:
        for i in range(count):
            try:
                response = client.post(f"/apply/{i}", content=pattern(i * 100))
                outcomes.append(str(response.status_code))
            except httpx.TimeoutException:
                outcomes.append("timeout")
            except httpx.TransportError:  # reset or cut: which exception depends on timing
                outcomes.append("broken")
    return outcomes


def test_a_seed_replays_the_same_faults_and_outcomes(make_proxy: ProxyFactory, tiny: TinyServer) -> None:
    first = make_proxy(FaultSchedule.seeded("replay", 0.3))
    outcomes = _run_seeded(first, 80)
    applied_first = tiny.applied_paths()
    second = make_proxy(FaultSchedule.seeded("replay", 0.3))
    assert _run_seeded(second, 80) == outcomes
    assert [(d.index, d.fault) for d in second.decisions] == [(d.index, d.fault) for d in first.decisions]
    stats = first.stats()
    assert stats.seen == 80 and stats.faulted == sum(o != "200" for o in outcomes) > 10
    # The server applied exactly the requests that passed or were faulted after forwarding.
    expected = [f"/apply/{d.index}" for d in first.decisions if d.fault is None or d.fault in APPLIED]
    assert applied_first == expected
    assert stats.forwarded == len(expected)


# The SDKs themselves, through the proxy to their emulators --------------------------------


def _first_gets(count: int) -> Callable[[RequestInfo], bool]:
    """A schedule filter accepting only the first ``count`` GET requests."""
    seen: list[int] = []

    def eligible(request: RequestInfo) -> bool:
        if request.method != "GET" or len(seen) >= count:
            return False
        seen.append(request.index)
        return True

    return eligible


@pytest.mark.parametrize("kind", ["s3", "azure", "gcs"])
def test_storage_sdks_work_through_the_proxy_and_retry_its_faults(
    kind: str, request: pytest.FixtureRequest, fault_proxy: Callable[[str, FaultSchedule], FaultProxy]
) -> None:
    """boto3 (with Expect: 100-continue on its multipart parts), azure-storage-blob and
    google-cloud-storage round-trip 6 MiB through the proxy; the first two reads get a
    503 or a reset, which the SDK retries (not Azure's: see below)."""
    from codomyrmex_cloud import AzureBlobClient, GCSClient, ObjectStore, S3Client
    from codomyrmex_cloud.testing.emulators import Emulator

    emulator: Emulator = request.getfixturevalue(
        {"s3": "moto_server", "azure": "azurite_server", "gcs": "gcs_server"}[kind]
    )
    # azure-storage-blob's retry waits 15 s before its first retry (its ExponentialRetry
    # default), so Azure gets no faults here: what is tested is the proxy, not that wait.
    faults = 0 if kind == "azure" else 2
    schedule = FaultSchedule.seeded(kind, 1.0, kinds=(Fault.HTTP_503, Fault.RESET_BEFORE), eligible=_first_gets(faults))
    proxy = fault_proxy(emulator.url, schedule)
    store: ObjectStore
    if kind == "s3":
        chunk = 5 * 1024 * 1024
        store = S3Client(
            region="us-east-1",
            endpoint_url=proxy.url,
            access_key_id="testing",
            secret_access_key="testing",
            multipart_threshold=chunk,
            chunk_size=chunk,
        )
    elif kind == "azure":
        connection = emulator.env["AZURE_STORAGE_CONNECTION_STRING"].replace(emulator.url, proxy.rebase(emulator.url))
        store = AzureBlobClient(connection, chunk_size=1024 * 1024)
    else:
        store = GCSClient(project="test", endpoint=proxy.url, chunk_size=256 * 1024)
    bucket = f"p-{uuid.uuid4().hex[:20]}"
    data = pattern(6 * 1024 * 1024 + 7)
    with store:  # closed on exit: no pooled socket outlives the test
        store.create_bucket(bucket)
        try:
            store.upload(bucket, "k", data=data)
            assert store.download(bucket, "k") == data
        finally:
            store.delete_bucket(bucket, force=True)
    stats = proxy.stats()
    assert stats.faulted == faults and stats.forwarded > 2, proxy.replay_note()
    if kind == "s3":
        assert stats.interim >= 2  # 100 Continue before each multipart part
