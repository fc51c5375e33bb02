"""``FileSlice``: one part of a file for a parallel upload, read with ``pread`` (no shared
position), rewindable, and hashed without holding the part in memory."""

from __future__ import annotations

import hashlib
import io
import os
import random
import zlib
from pathlib import Path

from codomyrmex_cloud.storage.transfer import FileSlice

DATA = random.Random(5).randbytes(1_000_003)


def _slice(tmp_path: Path, offset: int, length: int) -> tuple[int, FileSlice]:
    path = tmp_path / "source.bin"
    path.write_bytes(DATA)
    fd = os.open(path, os.O_RDONLY)
    return fd, FileSlice(fd, offset, length)


def test_reads_of_any_size_give_exactly_the_slice_and_a_rewind_gives_it_again(tmp_path: Path) -> None:
    fd, part = _slice(tmp_path, 300_001, 500_000)
    try:
        expected = DATA[300_001:800_001]
        for size in (1, 7, 16_384, 1 << 20, -1, None):
            part.seek(0)
            got = bytearray()
            while chunk := part.read(size):
                got += chunk
                if size is None or size < 0:
                    break
            assert bytes(got) == expected and part.tell() == 500_000
        part.seek(0)
        buffer = bytearray(65_536)
        got = bytearray()
        while count := part.readinto(buffer):
            got += buffer[:count]
        assert bytes(got) == expected
        assert part.seek(-10, io.SEEK_END) == 499_990 and part.read() == expected[-10:]
        assert len(part) == 500_000
    finally:
        os.close(fd)


def test_checksums_of_the_slice_leave_its_position_alone(tmp_path: Path) -> None:
    fd, part = _slice(tmp_path, 123, 700_000)
    try:
        part.read(1000)
        assert part.crc32() == zlib.crc32(DATA[123:700_123])
        assert part.md5() == hashlib.md5(DATA[123:700_123], usedforsecurity=False).digest()
        assert part.tell() == 1000 and part.read(5) == DATA[1123:1128]
    finally:
        os.close(fd)
