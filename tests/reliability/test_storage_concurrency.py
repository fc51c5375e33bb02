"""One store shared by 16 threads, on every store: on distinct keys, and on one key.

``tests/integration/test_storage_consistency.py`` has 4 writers and 12 whole-object readers
on one key, and concurrent multipart uploads of one key. This adds every other way of
reading and writing at once:

- Distinct keys: 16 threads each upload, read back (memory, file, stream, range), stat, list
  their own prefix, copy and delete, several rounds, all on one client: no error, and every
  read returns that thread's last write.
- One key: 4 writers upload versions of different sizes while 12 threads read it every
  other way (stat, a range, a stream, ``open_read``, a server-side copy): no error, every
  read is one whole version (the documented last writer wins), and the key ends as one
  writer's last version.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from codomyrmex_cloud import ObjectStore

THREADS = 16
ROUNDS = 3


def version(writer: int, round_: int) -> bytes:
    """Bytes that name their writer and round, of a size no other version has."""
    seed = hashlib.sha256(f"{writer}/{round_}".encode()).digest()
    size = 40_000 + writer * 1000 + round_
    return (seed * (size // len(seed) + 1))[:size]


def run(workers: list[Callable[[], None]]) -> None:
    """Start every worker at once (a barrier, not a sleep); re-raise the first error."""
    start = threading.Barrier(len(workers))

    def go(work: Callable[[], None]) -> None:
        start.wait()
        work()

    with ThreadPoolExecutor(len(workers)) as pool:
        for future in [pool.submit(go, work) for work in workers]:
            future.result()


def test_16_threads_on_distinct_keys(store: ObjectStore, bucket: str, tmp_path: Path) -> None:
    def worker(n: int) -> Callable[[], None]:
        def work() -> None:
            key = f"t{n:02d}/object"
            for r in range(ROUNDS):
                data = version(n, r)
                assert store.upload(bucket, key, data=data).size == len(data)
                assert store.stat(bucket, key).size == len(data)
                assert store.download(bucket, key) == data
                target = tmp_path / f"t{n:02d}-{r}.bin"
                assert store.download(bucket, key, local_path=target).read_bytes() == data
                assert b"".join(store.iter_chunks(bucket, key, chunk_size=7000)) == data
                assert store.read_range(bucket, key, 100, 164) == data[100:164]
                with store.open_read(bucket, key) as handle:
                    handle.seek(len(data) - 10)
                    assert handle.read() == data[-10:]
                assert [o.key for o in store.list_objects(bucket, prefix=f"t{n:02d}/")] == [key]
                store.copy(bucket, key, bucket, f"t{n:02d}/copy")
                assert store.download(bucket, f"t{n:02d}/copy") == data
                store.delete(bucket, f"t{n:02d}/copy")

        return work

    run([worker(n) for n in range(THREADS)])
    listed = {o.key: o.size for o in store.list_objects(bucket)}
    assert listed == {f"t{n:02d}/object": len(version(n, ROUNDS - 1)) for n in range(THREADS)}
    assert not [p.name for p in tmp_path.iterdir() if not p.name.endswith(".bin")]


def test_16_threads_on_one_key_read_whole_versions_every_way(store: ObjectStore, bucket: str) -> None:
    writers = 4
    written = {version(w, r) for w in range(writers) for r in range(ROUNDS)} | {version(99, 0)}
    by_seed = {data[:32]: data for data in written}
    sizes = {len(data) for data in written}
    store.upload(bucket, "hot", data=version(99, 0))
    problems: list[str] = []
    lock = threading.Lock()

    def whole(data: bytes, how: str) -> None:
        if data not in written:
            with lock:
                problems.append(f"{how} read {len(data)} bytes that are no whole version")

    def writer(w: int) -> Callable[[], None]:
        def work() -> None:
            for r in range(ROUNDS):
                store.upload(bucket, "hot", data=version(w, r))

        return work

    def reader(n: int) -> Callable[[], None]:
        def work() -> None:
            for r in range(ROUNDS):
                way = (n + r) % 4
                if way == 0:
                    info = store.stat(bucket, "hot")
                    if info.size not in sizes:
                        with lock:
                            problems.append(f"stat said {info.size} bytes, the size of no version")
                    head = store.read_range(bucket, "hot", 0, 64)
                    source = by_seed.get(head[:32])
                    if source is None or source[:64] != head:
                        with lock:
                            problems.append("a range read is no version's bytes")
                elif way == 1:
                    whole(b"".join(store.iter_chunks(bucket, "hot", chunk_size=1 << 20)), "iter_chunks")
                elif way == 2:
                    with store.open_read(bucket, "hot") as handle:
                        whole(handle.read(), "open_read")
                else:
                    store.copy(bucket, "hot", bucket, f"copy-{n}-{r}")
                    whole(store.download(bucket, f"copy-{n}-{r}"), "a copy")

        return work

    run([writer(w) for w in range(writers)] + [reader(n) for n in range(THREADS - writers)])
    assert problems == []
    assert store.download(bucket, "hot") in {version(w, ROUNDS - 1) for w in range(writers)}  # the last writer wins
