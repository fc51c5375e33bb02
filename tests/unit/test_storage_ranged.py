"""Parallel ranged downloads (``storage.ranged``) and CRC combination (``storage.crc``).

The downloader is driven by an in-memory "service" (``fetch`` serving slices of a payload),
so parts can be made to arrive in any order, fail, or come back short; what lands in the
file and what is raised is checked against the payload.
"""

from __future__ import annotations

import hashlib
import os
import random
import threading
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import google_crc32c
import pytest

from codomyrmex_cloud.storage import crc, ranged
from codomyrmex_cloud.storage.errors import IntegrityError, StorageConnectionError
from codomyrmex_cloud.storage.staging import atomic_file
from codomyrmex_cloud.storage.transfer import DownloadSink
from codomyrmex_cloud.storage.types import ObjectInfo

PART = 64 * 1024
PIECE = 10_000  # bytes per chunk a fake response yields (not a divisor of PART)
PAYLOAD = random.Random(8).randbytes(5 * PART + 1234)  # 6 parts, the last one short


def _crc32c(data: bytes) -> str:
    value: int = google_crc32c.value(data)
    return value.to_bytes(4, "big").hex()


def _etag(data: bytes, part: int) -> str:
    md5s = [hashlib.md5(data[i : i + part], usedforsecurity=False).digest() for i in range(0, len(data), part)]
    return f"{hashlib.md5(b''.join(md5s), usedforsecurity=False).hexdigest()}-{len(md5s)}"


CHECKSUMS = {
    "crc32": {"crc32": zlib.crc32(PAYLOAD).to_bytes(4, "big").hex()},
    "crc32c": {"crc32c": _crc32c(PAYLOAD)},
    "s3-etag": {f"s3-etag:{PART}": _etag(PAYLOAD, PART)},
    "md5": {"md5": hashlib.md5(PAYLOAD, usedforsecurity=False).hexdigest()},
    "none": {},
}


# CRC combination ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("poly", "whole"),
    [(crc.CRC32_POLY, zlib.crc32), (crc.CRC32C_POLY, google_crc32c.value)],
    ids=["crc32", "crc32c"],
)
def test_crcs_of_pieces_combine_into_the_crc_of_the_whole(poly: int, whole: Callable[[bytes], int]) -> None:
    rng = random.Random(32)
    for _ in range(50):
        data = rng.randbytes(rng.randrange(0, 5000))
        cuts = sorted(rng.randrange(0, len(data) + 1) for _ in range(rng.randrange(0, 5)))
        pieces = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]  # some empty
        assert crc.combine_all(((whole(p), len(p)) for p in pieces), poly) == whole(data)
    big = rng.randbytes(3 * 1024 * 1024)
    assert crc.combine(whole(big[:1]), whole(big[1:]), len(big) - 1, poly) == whole(big)


# The downloader ----------------------------------------------------------------------------


class FakeService:
    """Serves ranges of ``data``; records what was asked and what is open at once."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.requests: list[tuple[int, int]] = []
        self.open = 0
        self.most_open = 0
        self._lock = threading.Lock()
        self.before_part: Callable[[int], None] = lambda start: None
        self.corrupt: dict[int, Callable[[bytes], bytes]] = {}

    def fetch(self, start: int, end: int) -> Iterator[bytes]:
        with self._lock:
            self.requests.append((start, end))
        return self._stream(start, end)

    def _stream(self, start: int, end: int) -> Iterator[bytes]:
        with self._lock:
            self.open += 1
            self.most_open = max(self.most_open, self.open)
        try:
            self.before_part(start)
            body = self.data[start:end]
            if start in self.corrupt:
                body = self.corrupt[start](body)
            for i in range(0, len(body), PIECE):
                yield body[i : i + PIECE]
        finally:
            with self._lock:
                self.open -= 1


def _download(
    tmp_path: Path,
    service: FakeService,
    checksums: dict[str, str],
    *,
    concurrency: int = 4,
    first: bool = True,
    progress: Callable[[int, int | None], None] | None = None,
) -> bytes:
    """Run one download into ``tmp_path/out.bin`` through the atomic file; its bytes."""
    target = tmp_path / "out.bin"
    info = ObjectInfo("b", "k", len(service.data), "etag", checksums=checksums)
    with atomic_file(target) as (handle, temp):
        sink = DownloadSink(handle, progress, temp)
        sink.begin(info)
        # The first response is a GET of the whole object, read only as far as part 1.
        opening = service.fetch(0, len(service.data)) if first else None
        ranged.download_parts(sink, service.fetch, part_size=PART, concurrency=concurrency, first=opening)
        sink.finish()
    return target.read_bytes()


@pytest.mark.parametrize("kind", list(CHECKSUMS))
def test_parts_arriving_in_reverse_order_are_written_in_place_and_verified(tmp_path: Path, kind: str) -> None:
    service = FakeService(PAYLOAD)
    count = -(-len(PAYLOAD) // PART)
    finished = {start: threading.Event() for start in range(0, len(PAYLOAD), PART)}

    def reverse(start: int) -> None:
        # Each part waits until the part after it is complete: the last part lands first.
        following = start + PART
        if following in finished:
            assert finished[following].wait(10), "the later part never finished"

    def done_after(start: int, stream: Iterator[bytes]) -> Iterator[bytes]:
        try:
            yield from stream
        finally:
            finished[start].set()

    service.before_part = reverse
    fetch = service.fetch
    service.fetch = lambda start, end: done_after(start, fetch(start, end))  # type: ignore[method-assign]
    seen: list[int] = []
    data = _download(tmp_path, service, CHECKSUMS[kind], concurrency=count, progress=lambda d, t: seen.append(d))
    assert data == PAYLOAD
    assert seen[-1] == len(PAYLOAD) and seen == sorted(seen)
    assert sorted(service.requests)[1:] == [(s, min(s + PART, len(PAYLOAD))) for s in range(PART, len(PAYLOAD), PART)]
    assert service.open == 0  # every response was closed, the first one included


@pytest.mark.parametrize("kind", [k for k in CHECKSUMS if k != "none"])
def test_a_byte_changed_in_transit_fails_the_download_and_keeps_nothing(tmp_path: Path, kind: str) -> None:
    service = FakeService(PAYLOAD)
    service.corrupt[3 * PART] = lambda body: body[:100] + bytes([body[100] ^ 1]) + body[101:]
    (tmp_path / "out.bin").write_bytes(b"old")
    with pytest.raises(IntegrityError, match="mismatch"):
        _download(tmp_path, service, CHECKSUMS[kind])
    assert (tmp_path / "out.bin").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]


def test_a_short_part_is_an_integrity_error(tmp_path: Path) -> None:
    service = FakeService(PAYLOAD)
    service.corrupt[2 * PART] = lambda body: body[:-1]
    with pytest.raises(IntegrityError, match=f"part at {2 * PART}: received {PART - 1} bytes"):
        _download(tmp_path, service, {})
    assert list(tmp_path.iterdir()) == []


def test_a_failed_part_stops_the_others_and_nothing_writes_after(tmp_path: Path) -> None:
    service = FakeService(PAYLOAD)
    failed = threading.Event()

    def fail_one(start: int) -> None:
        if start == 2 * PART:
            failed.set()
            raise StorageConnectionError("connection reset")
        if start > 2 * PART:
            assert failed.wait(10)  # later parts are still streaming when part 3 fails

    service.before_part = fail_one
    with pytest.raises(StorageConnectionError, match="connection reset"):
        _download(tmp_path, service, CHECKSUMS["crc32"], concurrency=6, first=False)
    assert service.open == 0  # every other part stopped and closed its response first
    assert list(tmp_path.iterdir()) == []


def test_at_most_concurrency_parts_are_in_flight(tmp_path: Path) -> None:
    service = FakeService(PAYLOAD)
    assert _download(tmp_path, service, CHECKSUMS["md5"], concurrency=2, first=False) == PAYLOAD
    assert service.most_open <= 2 and len(service.requests) == 6


def test_the_part_size_follows_a_multipart_etag_only_when_nothing_else_verifies() -> None:
    assert ranged.part_size_for({"s3-etag:5242880": "x-2"}, 8 << 20) == 5242880
    assert ranged.part_size_for({"s3-etag:5242880": "x-2", "crc32": "00"}, 8 << 20) == 8 << 20
    assert ranged.part_size_for({}, 8 << 20) == 8 << 20


def test_a_large_file_is_written_with_memory_of_a_few_chunks(tmp_path: Path) -> None:
    """Memory does not grow with the object: at most a chunk per thread is held (the fake
    service makes each chunk when asked, so none is alive before the downloader reads it)."""
    size = 24 * 1024 * 1024 + 5
    alive = [0]
    most = [0]
    lock = threading.Lock()

    class Tracked(bytes):
        def __del__(self) -> None:
            with lock:
                alive[0] -= 1

    def fetch(start: int, end: int) -> Iterator[bytes]:
        for offset in range(start, end, 256 * 1024):
            chunk = Tracked(os.urandom(min(256 * 1024, end - offset)))
            with lock:
                alive[0] += 1
                most[0] = max(most[0], alive[0])
            yield chunk
            del chunk

    info = ObjectInfo("b", "k", size, "etag")
    with atomic_file(tmp_path / "big.bin") as (handle, temp):
        sink = DownloadSink(handle, None, temp)
        sink.begin(info)
        ranged.download_parts(sink, fetch, part_size=4 * 1024 * 1024, concurrency=3)
        sink.finish()
    assert (tmp_path / "big.bin").stat().st_size == size
    assert most[0] <= 3 * 2  # a chunk per thread, and the one being made
