"""``close()`` and context managers on every store (sync and async): the pooled connections
to the service are released, counted at the operating system (Linux ``/proc``).

S3 is tested on SeaweedFS: moto's server closes every connection after answering, so an S3
client on moto has nothing pooled to release.
"""

from __future__ import annotations

import gc
import os
import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from codomyrmex_cloud.storage import AsyncStore
from codomyrmex_cloud.storage.base import BaseStore
from tests.conftest import STORES, _build_store, emulator_for

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="counts sockets through Linux /proc")


def connections_to(port: int) -> int:
    """Established TCP connections of this process to ``port`` on loopback."""
    mine = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # closed meanwhile
        found = re.fullmatch(r"socket:\[(\d+)\]", target)
        if found:
            mine.add(found[1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        with open(table) as rows:
            next(rows)
            for row in rows:
                fields = row.split()
                remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                if remote_port == port and fields[3] == "01" and fields[9] in mine:  # 01: ESTABLISHED
                    count += 1
    return count


def fresh_store(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> tuple[BaseStore, int | None]:
    """A store of ``kind`` this test alone holds, and the port of its service (None: local)."""
    emulator = emulator_for(kind, request)
    store = _build_store(kind, emulator, tmp_path / "root")
    port = urlsplit(emulator.url).port if emulator is not None else None
    return store, port


def use(store: BaseStore) -> None:
    bucket = f"c-{uuid.uuid4().hex[:20]}"
    store.create_bucket(bucket)
    store.upload(bucket, "k", data=b"bytes")
    assert store.download(bucket, "k") == b"bytes"
    store.delete_bucket(bucket, force=True)


KEEP_ALIVE = [kind for kind in STORES if kind != "s3"]


@pytest.mark.parametrize("kind", KEEP_ALIVE)
def test_leaving_the_with_block_closes_the_connections(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    store, port = fresh_store(kind, request, tmp_path)
    gc.collect()  # sockets of stores other tests dropped are gone before counting
    before = connections_to(port) if port else 0
    with store as entered:
        assert entered is store
        use(store)
        if port:
            assert connections_to(port) > before  # pooled, kept open for the next request
    if port:
        assert connections_to(port) == before
    store.close()  # closing again does nothing


@pytest.mark.parametrize("kind", STORES)
def test_a_store_used_closed_and_used_again_works(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Closed after requests went out (not only before): Azure's transport once stayed closed,
    and every later call failed as an InvalidArgumentError."""
    store, _ = fresh_store(kind, request, tmp_path)
    use(store)
    store.close()
    use(store)
    store.close()


@pytest.mark.parametrize("kind", ["seaweedfs", "azure"])
def test_a_closed_store_opens_new_connections_when_used_again(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    store, port = fresh_store(kind, request, tmp_path)
    assert port is not None
    gc.collect()
    before = connections_to(port)
    store.close()
    with store:
        use(store)  # works after close(), as the SDKs' own clients do
    assert connections_to(port) == before


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["seaweedfs", "gcs"])
async def test_async_with_closes_the_connections(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    store, port = fresh_store(kind, request, tmp_path)
    assert port is not None
    gc.collect()
    before = connections_to(port)
    async with AsyncStore(store) as astore:
        assert astore.sync is store
        await astore.create_bucket(bucket := f"c-{uuid.uuid4().hex[:20]}")
        await astore.upload(bucket, "k", data=b"x")
        await astore.delete_bucket(bucket, force=True)
        assert connections_to(port) > before
    assert connections_to(port) == before
