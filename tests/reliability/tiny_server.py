"""A tiny HTTP/1.1 server on 127.0.0.1 that the fault proxy's own tests talk through.

It records every request it *applied* (read completely), so a test can tell whether a fault
struck before or after the server saw the request, and counts the connections it accepted,
so keep-alive reuse is observable. Routes:

- ``POST|PUT /apply...``: reads the body (Content-Length or chunked, with ``Expect:
  100-continue`` handled by http.server), answers its size and SHA-256 as JSON.
- ``GET /bytes/<n>``: ``n`` deterministic bytes with Content-Length, written in pieces.
- ``GET /chunked/<n>``: the same bytes in chunked encoding.
- ``GET /eof/<n>``: the same bytes delimited by closing the connection.
- ``GET /empty``: 204; ``HEAD`` of any ``/bytes/<n>`` path: the headers only.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PIECE = 64 * 1024


_BLOCK = bytes(range(256)) * (PIECE // 256)


def pieces(size: int) -> Iterator[bytes]:
    """``size`` deterministic bytes in pieces of at most 64 KiB, generated as they are needed;
    each piece starts with its number, so a lost or repeated piece changes the hash."""
    for number, start in enumerate(range(0, size, PIECE)):
        yield (number.to_bytes(8, "big") + _BLOCK[8:])[: min(PIECE, size - start)]


def pattern(size: int) -> bytes:
    """All of :func:`pieces` at once (for small sizes)."""
    return b"".join(pieces(size))


def pattern_sha256(size: int) -> str:
    digest = hashlib.sha256()
    for piece in pieces(size):
        digest.update(piece)
    return digest.hexdigest()


@dataclass(frozen=True)
class Applied:
    method: str
    path: str
    size: int
    sha256: str


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # the head and body are separate writes
    server: TinyServer

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def log_message(self, format: str, *args: object) -> None:
        return

    def _read_body(self) -> tuple[int, str]:
        digest = hashlib.sha256()
        size = 0
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            while True:
                chunk = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if chunk == 0:
                    while self.rfile.readline() not in (b"\r\n", b""):
                        pass
                    break
                remaining = chunk
                while remaining:
                    data = self.rfile.read(min(PIECE, remaining))
                    digest.update(data)
                    remaining -= len(data)
                size += chunk
                self.rfile.readline()
        else:
            remaining = int(self.headers.get("content-length") or 0)
            while remaining:
                data = self.rfile.read(min(PIECE, remaining))
                if not data:
                    raise ConnectionError("body ended early")
                digest.update(data)
                size += len(data)
                remaining -= len(data)
        return size, digest.hexdigest()

    def _apply(self) -> None:
        size, sha = self._read_body()
        with self.server.lock:
            self.server.applied.append(Applied(self.command, self.path, size, sha))
        body = json.dumps({"size": size, "sha256": sha}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_PUT = _apply

    def _size(self) -> int:
        return int(self.path.partition("?")[0].rsplit("/", 1)[1])

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("content-length", str(self._size()))
        self.end_headers()

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.applied.append(Applied("GET", self.path, 0, ""))
        if self.path == "/empty":
            self.send_response(204)
            self.end_headers()
            return
        kind = self.path.split("/")[1]
        size = self._size()
        self.send_response(200)
        if kind == "bytes":
            self.send_header("content-length", str(size))
            self.end_headers()
            for piece in pieces(size):
                self.wfile.write(piece)
        elif kind == "chunked":
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            for piece in pieces(size):
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:  # eof-delimited
            self.send_header("connection", "close")
            self.end_headers()
            for piece in pieces(size):
                self.wfile.write(piece)
            self.close_connection = True


class TinyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.applied: list[Applied] = []
        self.connections = 0
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        # A short poll interval only makes shutdown() return sooner.
        self._thread = threading.Thread(target=self.serve_forever, args=(0.02,), name="tiny-server", daemon=True)

    def __enter__(self) -> TinyServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=10)

    def applied_paths(self) -> list[str]:
        with self.lock:
            return [a.path for a in self.applied]

    def handle_error(self, request: object, client_address: object) -> None:
        return  # connections the proxy resets on purpose are not errors worth printing
