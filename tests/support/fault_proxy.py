"""A fault-injecting HTTP/1.1 reverse proxy on 127.0.0.1, for reliability tests.

Put it between a client and any loopback server (the fake Coda server, moto, Azurite,
fake-gcs-server) and point the client at ``proxy.url``::

    schedule = FaultSchedule.seeded(seed=7, rate=0.2)
    with FaultProxy(server_url, schedule) as proxy:
        client = CodaClient(token, base_url=proxy.rebase(server.base_url))
        ...
        assert proxy.stats().faults[Fault.RESET_AFTER] > 0, proxy.replay_note()

Every request gets an index (0, 1, 2 ... in arrival order) and the schedule decides, from the
seed and that index alone, whether it passes or which :class:`Fault` it gets; the same seed
and the same request sequence replay the same faults. Each decision is logged to the
``tests.fault_proxy`` logger and kept in :attr:`FaultProxy.decisions`; :meth:`FaultProxy.stats`
counts requests seen, forwarded and faulted by kind.

The proxy relays bytes rather than re-issuing requests: header case and order, the ``Host``
header (signed by SigV4 and SharedKey) and bodies arrive unchanged. It speaks enough HTTP/1.1
for the SDKs under test: keep-alive, ``Content-Length``, chunked and close-delimited bodies
(streamed in 64 KiB pieces with flow control, so memory stays bounded whatever the size),
and ``Expect: 100-continue`` (interim responses are relayed; a fault answered before the body
was asked for closes the connection afterwards, as RFC 9110 section 10.1.1 allows).

It runs an asyncio loop in one background thread. ``stop()`` (or leaving the ``with`` block)
cancels every connection, including stalled ones, and joins that thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import random
import socket
import struct
import threading
import weakref
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

logger = logging.getLogger("tests.fault_proxy")

PIECE = 64 * 1024  # bytes relayed per read: the bound on what one connection buffers
MAX_HEAD = 64 * 1024  # request/response line plus headers


class Fault(enum.StrEnum):
    """What the proxy can do to one request."""

    RESET_BEFORE = "reset_before"
    """TCP reset once the request head arrived; nothing reaches the server."""
    RESET_AFTER = "reset_after"
    """The server gets the whole request and answers; the client gets a TCP reset instead."""
    CLOSE_MID_BODY = "close_mid_body"
    """The server's answer is cut halfway through its body (or its head, if it has no body)."""
    HTTP_500 = "http_500"
    """The proxy answers 500 itself; nothing reaches the server."""
    HTTP_502 = "http_502"
    """The proxy answers 502 itself; nothing reaches the server."""
    HTTP_503 = "http_503"
    """The proxy answers 503 itself; nothing reaches the server."""
    HTTP_500_AFTER_APPLY = "http_500_after_apply"
    """The server applies the request; the client gets 500 instead of its answer."""
    HTTP_429 = "http_429"
    """The proxy answers 429 with ``Retry-After``; nothing reaches the server."""
    STALL = "stall"
    """The request is swallowed and no answer comes until the client gives up or the proxy stops."""


#: Faults after which the server has applied the request.
APPLIED = frozenset({Fault.RESET_AFTER, Fault.CLOSE_MID_BODY, Fault.HTTP_500_AFTER_APPLY})
_STATUS = {
    Fault.HTTP_500: 500,
    Fault.HTTP_502: 502,
    Fault.HTTP_503: 503,
    Fault.HTTP_429: 429,
    Fault.HTTP_500_AFTER_APPLY: 500,
}
_REASON = {429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


class _ProtocolError(Exception):
    """The peer sent something that is not HTTP/1.1 as this proxy understands it."""


@dataclass
class _Message:
    """A request or response head: the start line, the headers, and the bytes as received
    (relayed as they are: a signature may cover header whitespace)."""

    start_line: str
    headers: list[tuple[str, str]]
    original: bytes

    @classmethod
    def parse(cls, raw: bytes) -> _Message:
        lines = raw.decode("latin-1").split("\r\n")
        if len(lines[0].split(" ")) < 2:
            raise _ProtocolError(f"bad start line {lines[0][:80]!r}")
        headers: list[tuple[str, str]] = []
        for line in lines[1:]:
            if not line:
                continue
            name, sep, value = line.partition(":")
            if not sep or not name.strip():
                raise _ProtocolError(f"bad header line {line[:80]!r}")
            headers.append((name, value.strip()))
        return cls(lines[0], headers, raw)

    def get(self, name: str) -> str | None:
        name = name.lower()
        values = [v for k, v in self.headers if k.lower() == name]
        return ", ".join(values) if values else None

    def has_token(self, name: str, token: str) -> bool:
        """Whether a comma-separated header (Connection, Transfer-Encoding) lists ``token``."""
        value = self.get(name) or ""
        return token in {part.strip().lower() for part in value.split(",")}

    @property
    def method(self) -> str:
        return self.start_line.split(" ", 1)[0].upper()

    @property
    def target(self) -> str:
        return self.start_line.split(" ")[1]

    @property
    def status(self) -> int:
        try:
            return int(self.start_line.split(" ")[1])
        except (IndexError, ValueError) as exc:
            raise _ProtocolError(f"bad status line {self.start_line[:80]!r}") from exc

    def wants_close(self) -> bool:
        """Whether this message ends the connection after it (HTTP/1.0 unless keep-alive)."""
        if self.has_token("connection", "close"):
            return True
        parts = self.start_line.split(" ")
        version = parts[0] if parts[0].startswith("HTTP/") else parts[-1]  # response or request line
        return version == "HTTP/1.0" and not self.has_token("connection", "keep-alive")


@dataclass(frozen=True)
class _Framing:
    """How a body ends: after ``length`` bytes, at the chunked terminator, or at EOF."""

    kind: str  # "length" | "chunked" | "eof"
    length: int = 0


def _request_framing(head: _Message) -> _Framing:
    if head.has_token("transfer-encoding", "chunked"):
        return _Framing("chunked")
    return _Framing("length", _content_length(head))


def _response_framing(request: _Message, response: _Message) -> _Framing:
    status = response.status
    if request.method == "HEAD" or 100 <= status < 200 or status in (204, 304):
        return _Framing("length", 0)
    if response.has_token("transfer-encoding", "chunked"):
        return _Framing("chunked")
    if response.get("content-length") is not None:
        return _Framing("length", _content_length(response))
    return _Framing("eof")


def _content_length(head: _Message) -> int:
    value = head.get("content-length")
    if value is None:
        return 0
    try:
        length = int(value.split(",")[0].strip())
    except ValueError as exc:
        raise _ProtocolError(f"bad Content-Length {value!r}") from exc
    if length < 0:
        raise _ProtocolError(f"bad Content-Length {value!r}")
    return length


def _redacted_line(head: _Message) -> str:
    """``METHOD path`` without the query: query strings carry signatures (SAS, presigned)."""
    path, sep, _ = head.target.partition("?")
    return f"{head.method} {path}{'?…' if sep else ''}"


# Schedule -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestInfo:
    """What a schedule's filter sees of a request: method, path, and the query's parameter
    names (never their values, which may hold signatures)."""

    index: int
    method: str
    path: str
    params: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FaultSchedule:
    """Which fault each request gets, a pure function of (seed, request index).

    Attributes:
        seed: Replays the same decisions for the same request sequence.
        rate: Probability that an eligible request gets a fault.
        kinds: The faults to draw from (uniformly).
        script: Decisions by request index that override the draw (``None`` = pass).
        eligible: Only requests it accepts get drawn faults (all, by default).
    """

    seed: int | str = 0
    rate: float = 0.0
    kinds: tuple[Fault, ...] = tuple(Fault)
    script: Mapping[int, Fault | None] = field(default_factory=dict)
    eligible: Callable[[RequestInfo], bool] | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"rate must be within [0, 1], got {self.rate}")
        if self.rate > 0 and not self.kinds:
            raise ValueError("kinds must not be empty when rate > 0")

    @classmethod
    def seeded(
        cls,
        seed: int | str,
        rate: float,
        *,
        kinds: tuple[Fault, ...] = tuple(Fault),
        eligible: Callable[[RequestInfo], bool] | None = None,
    ) -> FaultSchedule:
        """Faults drawn at ``rate`` from ``kinds``, reproducible from ``seed``."""
        return cls(seed=seed, rate=rate, kinds=kinds, eligible=eligible)

    @classmethod
    def scripted(cls, script: Mapping[int, Fault | None]) -> FaultSchedule:
        """Exactly the faults of ``script`` (request index -> fault); every other request passes."""
        return cls(seed="scripted", script=dict(script))

    def decide(self, request: RequestInfo) -> Fault | None:
        """The fault for ``request``, or None to let it through untouched."""
        if request.index in self.script:
            return self.script[request.index]
        if self.rate <= 0 or (self.eligible is not None and not self.eligible(request)):
            return None
        # A fresh generator per index: the decision for request N does not depend on how
        # many draws earlier requests made, so a replay diverges only where requests do.
        rng = random.Random(f"{self.seed}:{request.index}")
        if rng.random() >= self.rate:
            return None
        return rng.choice(self.kinds)


@dataclass(frozen=True)
class Decision:
    """One logged decision: enough to find the request in a replay of the same seed."""

    seed: int | str
    index: int
    request_line: str
    fault: Fault | None

    def __str__(self) -> str:
        return f"seed={self.seed} #{self.index} {self.request_line} -> {self.fault or 'pass'}"


@dataclass(frozen=True)
class ProxyStats:
    """Counters of a proxy: requests seen, forwarded to the server, faulted by kind, and
    interim (1xx, e.g. 100 Continue) responses relayed."""

    seen: int
    forwarded: int
    faults: Mapping[Fault, int]
    interim: int = 0

    @property
    def faulted(self) -> int:
        return sum(self.faults.values())

    @property
    def passed(self) -> int:
        return self.seen - self.faulted


# The proxy ------------------------------------------------------------------------------


class _Reset(Exception):
    """Raised inside a connection handler to end it with a TCP reset."""


class _Close(Exception):
    """Raised inside a connection handler to end it with an orderly close."""


@dataclass
class _Upstream:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter


class FaultProxy:
    """A loopback reverse proxy to ``upstream`` that injects faults by ``schedule``.

    Args:
        upstream: ``http://host:port`` of the real server (a path, if any, is ignored).
        schedule: Decides each request's fault.
        retry_after: The ``Retry-After`` value of injected 429s.
    """

    def __init__(self, upstream: str, schedule: FaultSchedule, *, retry_after: str = "1") -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname or not parts.port:
            raise ValueError(f"upstream must be http://host:port, got {upstream!r}")
        self.upstream_host: str = parts.hostname
        self.upstream_port: int = parts.port
        self.schedule = schedule
        self.retry_after = retry_after
        self.port = 0
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._decisions: list[Decision] = []
        self._forwarded = 0
        self._interim = 0
        #: Every connection's writer, client side and server side, to abort what a cancelled
        #: handler left open when the proxy stops (an unclosed one is a ResourceWarning later).
        self._writers: weakref.WeakSet[asyncio.StreamWriter] = weakref.WeakSet()
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None

    # Lifecycle ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``: where clients connect."""
        return f"http://127.0.0.1:{self.port}"

    def rebase(self, url: str) -> str:
        """``url`` (the server's) with its scheme and host:port replaced by the proxy's."""
        parts = urlsplit(url)
        return urlunsplit(("http", f"127.0.0.1:{self.port}", parts.path, parts.query, parts.fragment))

    def start(self) -> FaultProxy:
        """Start serving in a background thread; returns once the port accepts connections."""
        if self._thread is not None:
            raise RuntimeError("the proxy was already started")
        self._thread = threading.Thread(target=self._run, name=f"fault-proxy-{self.schedule.seed}", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout=30):
            raise RuntimeError("the fault proxy did not start within 30 s")
        if self._startup_error is not None:
            raise RuntimeError("the fault proxy did not start") from self._startup_error
        return self

    def stop(self) -> None:
        """Close every connection (releasing stalled ones) and join the proxy's thread."""
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None:
            return
        if loop is not None and stopping is not None and thread.is_alive():
            with contextlib.suppress(RuntimeError):  # the loop already ended
                loop.call_soon_threadsafe(stopping.set)
        thread.join(timeout=30)
        if thread.is_alive():
            raise RuntimeError("the fault proxy's thread did not end within 30 s")

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
        except BaseException as exc:  # reported to start(); the thread must not die silently
            self._startup_error = exc
        finally:
            self._ready.set()
            loop.close()

    async def _main(self) -> None:
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(self._on_client, "127.0.0.1", 0, limit=MAX_HEAD)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            server.close()
            # One turn of the loop first: a connection accepted just now has its handler task
            # created but not started, and a task cancelled before it starts never runs the
            # cleanup that closes its connection.
            await asyncio.sleep(0)
            while others := [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]:
                for task in others:
                    task.cancel()
                await asyncio.gather(*others, return_exceptions=True)
            await server.wait_closed()
            # Also those already closing: a close() with unsent data waits for a drain that a
            # peer which stopped reading never allows, and its socket would stay open.
            for writer in list(self._writers):
                writer.transport.abort()  # a no-op on a transport already gone
            # Aborted transports close their sockets in callbacks of the next turns.
            for _ in range(3):
                await asyncio.sleep(0)

    # Observations ------------------------------------------------------------------------

    @property
    def decisions(self) -> list[Decision]:
        """Every decision so far, in request order."""
        with self._lock:
            return list(self._decisions)

    def stats(self) -> ProxyStats:
        """A snapshot of the counters."""
        with self._lock:
            return self._snapshot()

    def replay_note(self) -> str:
        """One line for an assertion message: the seed, the counts, and every fault injected."""
        stats = self.stats()
        faulted = "; ".join(f"#{d.index} {d.request_line} {d.fault}" for d in self.decisions if d.fault is not None)
        return (
            f"replay with FaultSchedule.seeded({self.schedule.seed!r}, {self.schedule.rate}): "
            f"{stats.seen} requests, faults: {faulted or 'none'}"
        )

    def wait_until(self, predicate: Callable[[ProxyStats], bool], timeout: float = 10.0) -> ProxyStats:
        """Block until ``predicate(stats)`` holds (checked at every decision and forward).

        Raises:
            TimeoutError: It did not hold within ``timeout`` seconds.
        """
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(self._snapshot()), timeout=timeout):
                raise TimeoutError(f"proxy counters never satisfied the condition: {self._snapshot()}")
            return self._snapshot()

    def _snapshot(self) -> ProxyStats:
        faults = Counter(d.fault for d in self._decisions if d.fault is not None)
        return ProxyStats(
            seen=len(self._decisions), forwarded=self._forwarded, faults=dict(faults), interim=self._interim
        )

    def _decide(self, head: _Message) -> Decision:
        with self._changed:
            index = len(self._decisions)
            path, _, query = head.target.partition("?")
            names = frozenset(part.partition("=")[0] for part in query.split("&") if part)
            fault = self.schedule.decide(RequestInfo(index, head.method, path, names))
            decision = Decision(self.schedule.seed, index, _redacted_line(head), fault)
            self._decisions.append(decision)
            self._changed.notify_all()
        logger.info("fault-proxy %s", decision)
        return decision

    def _count_forwarded(self) -> None:
        with self._changed:
            self._forwarded += 1
            self._changed.notify_all()

    def _count_interim(self) -> None:
        with self._changed:
            self._interim += 1
            self._changed.notify_all()

    # One client connection ---------------------------------------------------------------

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream: list[_Upstream] = []  # at most one, reused across keep-alive requests
        self._writers.add(writer)
        reset = False
        try:
            while True:
                head = await _read_head(reader)
                if head is None:
                    break
                request = _Message.parse(head)
                decision = self._decide(request)
                if not await self._handle(request, decision.fault, reader, writer, upstream):
                    break
        except _Reset:
            reset = True
        except (_Close, _ProtocolError, ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            reset = True  # the proxy is stopping: drop the connection at once
        finally:
            for up in upstream:
                up.writer.transport.abort()
            if reset:
                _abort_with_reset(writer)
            else:
                writer.close()
                with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                    await writer.wait_closed()

    async def _handle(
        self,
        request: _Message,
        fault: Fault | None,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        upstream: list[_Upstream],
    ) -> bool:
        """Serve one request; return whether the client connection stays open."""
        framing = _request_framing(request)
        expects_continue = (request.get("expect") or "").lower() == "100-continue"
        if fault is Fault.RESET_BEFORE:
            raise _Reset
        if fault is Fault.STALL:
            if not expects_continue:
                await _relay_body(reader, None, framing)
            await _discard_until_eof(reader)  # until the client gives up, or stop() cancels us
            raise _Close
        if fault in (Fault.HTTP_500, Fault.HTTP_502, Fault.HTTP_503, Fault.HTTP_429):
            status = _STATUS[fault]
            if expects_continue:
                # The client waits for 100 before sending the body; answer now and close
                # afterwards, since whether it sends the body anyway is up to it.
                writer.write(self._error_response(status, fault, close=True))
                await writer.drain()
                writer.write_eof()
                await _discard_until_eof(reader)
                raise _Close
            await _relay_body(reader, None, framing)
            writer.write(self._error_response(status, fault, close=request.wants_close()))
            await writer.drain()
            return not request.wants_close()
        return await self._forward(request, fault, framing, expects_continue, reader, writer, upstream)

    async def _forward(
        self,
        request: _Message,
        fault: Fault | None,
        framing: _Framing,
        expects_continue: bool,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        upstream: list[_Upstream],
    ) -> bool:
        if upstream and (upstream[0].reader.at_eof() or upstream[0].writer.transport.is_closing()):
            upstream.pop().writer.transport.abort()  # the server closed it while idle
        if not upstream:
            up_reader, up_writer = await asyncio.open_connection(self.upstream_host, self.upstream_port, limit=MAX_HEAD)
            self._writers.add(up_writer)
            upstream.append(_Upstream(up_reader, up_writer))
        up = upstream[0]
        up.writer.write(request.original)
        self._count_forwarded()
        # The body is pumped while responses are read, so 100 Continue can be relayed
        # between the head and the body.
        pump = asyncio.create_task(_relay_body(reader, _Sink(up.writer), framing))
        try:
            continued = False
            while True:
                head = await _read_head(up.reader)
                if head is None:
                    raise _Reset  # the server hung up without answering: so does the proxy
                response = _Message.parse(head)
                if 100 <= response.status < 200 and response.status != 101:
                    writer.write(head)  # interim responses pass even when a fault is coming
                    await writer.drain()
                    self._count_interim()
                    continued = continued or response.status == 100
                    continue
                break
            # Whether the client will finish sending its body: yes unless it was still
            # waiting for a 100 Continue that never came.
            body_coming = not expects_continue or continued
            if body_coming:
                await pump
            else:
                pump.cancel()
            resp_framing = _response_framing(request, response)
            if fault is Fault.RESET_AFTER:
                raise _Reset
            if fault is Fault.CLOSE_MID_BODY:
                await _relay_partial(up.reader, writer, head, resp_framing)
                raise _Close
            if fault is Fault.HTTP_500_AFTER_APPLY:
                upstream.pop().writer.transport.abort()  # its answer is thrown away
                keep = body_coming and not request.wants_close()
                writer.write(self._error_response(500, fault, close=not keep))
                await writer.drain()
                return keep
            writer.write(head)
            await _relay_body(up.reader, _Sink(writer, strict=True), resp_framing)
            upstream_done = response.wants_close() or resp_framing.kind == "eof"
            if upstream_done:
                upstream.pop().writer.transport.abort()
            return body_coming and not upstream_done and not request.wants_close()
        finally:
            if not pump.done():
                pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError, _ProtocolError):
                await pump

    def _error_response(self, status: int, fault: Fault, *, close: bool) -> bytes:
        body = f"injected fault: {fault.value}\n".encode()
        headers = [f"HTTP/1.1 {status} {_REASON[status]}", "Content-Type: text/plain", f"Content-Length: {len(body)}"]
        if status == 429:
            headers.append(f"Retry-After: {self.retry_after}")
        if close:
            headers.append("Connection: close")
        return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


# Byte relaying --------------------------------------------------------------------------


class _Sink:
    """Where relayed bytes go. A sink to the server that breaks (it answered early and hung
    up) turns into a discard, so the client's body is still consumed; a strict sink (to the
    client) lets the error end the connection."""

    def __init__(self, writer: asyncio.StreamWriter, *, strict: bool = False) -> None:
        self.writer = writer
        self.strict = strict
        self.broken = False

    async def write(self, data: bytes) -> None:
        if self.broken:
            return
        try:
            self.writer.write(data)
            await self.writer.drain()
        except ConnectionError:
            if self.strict:
                raise
            self.broken = True


async def _read_head(reader: asyncio.StreamReader) -> bytes | None:
    """The next message head, or None at a clean EOF between messages."""
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            return None
        raise
    except asyncio.LimitOverrunError as exc:
        raise _ProtocolError("message head too large") from exc


async def _copy_exact(reader: asyncio.StreamReader, sink: _Sink | None, count: int) -> None:
    remaining = count
    while remaining > 0:
        data = await reader.read(min(PIECE, remaining))
        if not data:
            raise asyncio.IncompleteReadError(b"", remaining)
        remaining -= len(data)
        if sink is not None:
            await sink.write(data)


async def _relay_body(reader: asyncio.StreamReader, sink: _Sink | None, framing: _Framing) -> None:
    """Relay one body from ``reader`` to ``sink`` (None discards it), piece by piece."""
    if framing.kind == "length":
        await _copy_exact(reader, sink, framing.length)
        return
    if framing.kind == "eof":
        while data := await reader.read(PIECE):
            if sink is not None:
                await sink.write(data)
        return
    while True:  # chunked: size line, data, CRLF ... then 0, trailers, blank line
        line = await reader.readuntil(b"\r\n")
        if sink is not None:
            await sink.write(line)
        size = _chunk_size(line)
        if size == 0:
            while (trailer := await reader.readuntil(b"\r\n")) != b"\r\n":
                if sink is not None:
                    await sink.write(trailer)
            if sink is not None:
                await sink.write(b"\r\n")
            return
        await _copy_exact(reader, sink, size + 2)


def _chunk_size(line: bytes) -> int:
    try:
        return int(line.split(b";", 1)[0].strip(), 16)
    except ValueError as exc:
        raise _ProtocolError(f"bad chunk size line {line[:40]!r}") from exc


async def _relay_partial(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: bytes, framing: _Framing
) -> None:
    """Send the response head and about half its body, then stop (the caller closes).

    A response without a cuttable body (empty, or delimited by EOF, where a cut looks like
    the end) is cut inside its head instead.
    """
    sink = _Sink(writer, strict=True)
    if framing.kind == "length" and framing.length >= 2:
        await sink.write(head)
        await _copy_exact(reader, sink, framing.length // 2)
        return
    if framing.kind == "chunked":
        line = await reader.readuntil(b"\r\n")
        size = _chunk_size(line)
        if size > 0:
            await sink.write(head + line)
            await _copy_exact(reader, sink, size // 2)
            return
    await sink.write(head[: len(head) // 2])


async def _discard_until_eof(reader: asyncio.StreamReader) -> None:
    while await reader.read(PIECE):
        pass


def _abort_with_reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST (SO_LINGER 0) instead of a FIN: the client sees ECONNRESET."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
