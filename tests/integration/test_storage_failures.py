"""Every failure typed, and bounded in time, on every store.

- The error catalogue of issue 9: each bad input is refused with the right StorageError
  subclass naming the argument. The stores here point at a port where nothing listens, with
  retries off: a call that sent anything would fail with StorageConnectionError instead, so
  each passing case also proves nothing was sent.
- A dead server is a StorageConnectionError after the retry policy's attempts, counted at a
  loopback listener (the same ``RetryPolicy`` on S3, GCS and Azure).
- A hung server (SIGSTOP mid-download) fails typed within the deadline, and no partial
  file remains; the emulator is resumed and checked healthy for later tests.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from codomyrmex_cloud import (
    InvalidArgumentError,
    LocalStore,
    ObjectStore,
    StorageConnectionError,
    StorageError,
    StoragePermissionError,
    StorageTimeoutError,
)
from codomyrmex_cloud.storage import (
    CustomerKey,
    EncryptionScope,
    KmsKey,
    ManagedKey,
    RetryPolicy,
    UnsupportedOperationError,
)
from codomyrmex_cloud.storage.base import BaseStore
from codomyrmex_cloud.testing.emulators import Emulator, free_port
from tests.conftest import STORES, Endpoint, emulator_for, store_for

CLOUDS = [kind for kind in STORES if kind != "local"]
NO_RETRY = RetryPolicy(max_attempts=1)


def dead_store(kind: str, root: Path, **options: Any) -> BaseStore:
    """A store whose service is a loopback port nobody listens on."""
    if kind == "local":
        return store_for(kind, None, root, **options)
    options.setdefault("retry", NO_RETRY)
    options.setdefault("timeout", 5.0)
    return store_for(kind, Endpoint.at(f"http://127.0.0.1:{free_port()}"), root, **options)


@pytest.fixture(params=STORES)
def offline(request: pytest.FixtureRequest, tmp_path: Path) -> BaseStore:
    store = dead_store(request.param, tmp_path / "root")
    if isinstance(store, LocalStore):
        store.create_bucket("bkt")
    return store


def writable_only_by_nobody(tmp_path: Path) -> Path:
    """A folder this process cannot create files in (``/sys`` when running as root)."""
    if os.geteuid() == 0:
        if not Path("/sys").is_dir():
            pytest.skip("running as root without /sys: no folder is unwritable")
        return Path("/sys")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    return folder


def catalogue(
    store: ObjectStore, tmp: Path, files: contextlib.ExitStack
) -> list[tuple[str, Callable[[], object], type[StorageError] | tuple[type[StorageError], ...], str]]:
    """(case, call, error class, argument named) for every bad input of the issue, and more."""
    b = "bkt"
    store_: Any = store  # the wrong types below are the point: no type checker would allow them
    (tmp / "t.txt").write_text("x")
    writing = files.enter_context((tmp / "w.bin").open("wb"))
    closed = (tmp / "c.bin").open("wb")
    closed.close()
    text_file = files.enter_context((tmp / "t2.txt").open("w"))
    text_read = files.enter_context((tmp / "t.txt").open("r"))
    return [
        ("key None", lambda: store_.upload(b, None, data=b"x"), InvalidArgumentError, "key"),
        ("key None on download", lambda: store_.download(b, None), InvalidArgumentError, "key"),
        ("key None on stat", lambda: store_.stat(b, None), InvalidArgumentError, "key"),
        ("key int", lambda: store_.delete(b, 5), InvalidArgumentError, "key"),
        ("batch with None", lambda: store_.delete_many(b, ["k", None]), InvalidArgumentError, "keys"),
        ("batch as str", lambda: store_.delete_many(b, "k"), InvalidArgumentError, "keys"),
        ("lone surrogate key", lambda: store_.upload(b, "a\udc80", data=b"x"), InvalidArgumentError, "key"),
        ("bucket None", lambda: store_.stat(None, "k"), InvalidArgumentError, "bucket"),
        ("bucket empty", lambda: list(store.list_objects("")), InvalidArgumentError, "bucket"),
        (
            "metadata value int",
            lambda: store_.upload(b, "k", data=b"x", metadata={"a": 1}),
            InvalidArgumentError,
            "metadata",
        ),
        (
            "metadata key space",
            lambda: store_.upload(b, "k", data=b"x", metadata={"a b": "v"}),
            InvalidArgumentError,
            "metadata",
        ),
        (
            "metadata not mapping",
            lambda: store_.upload(b, "k", data=b"x", metadata=[("a", "b")]),
            InvalidArgumentError,
            "metadata",
        ),
        (
            "metadata CRLF",
            lambda: store_.upload(b, "k", data=b"x", metadata={"a": "1\r\nX: y"}),
            InvalidArgumentError,
            "metadata",
        ),
        ("stream opened for writing", lambda: store_.upload(b, "k", data=writing), InvalidArgumentError, "data"),
        ("closed stream", lambda: store_.upload(b, "k", data=closed), InvalidArgumentError, "data"),
        ("text stream", lambda: store_.upload(b, "k", data=io.StringIO("x")), InvalidArgumentError, "data"),
        ("text file", lambda: store_.upload(b, "k", data=text_read), InvalidArgumentError, "data"),
        ("text file for writing", lambda: store_.upload(b, "k", data=text_file), InvalidArgumentError, "data"),
        ("data int", lambda: store_.upload(b, "k", data=12345), InvalidArgumentError, "data"),
        (
            "data and path",
            lambda: store_.upload(b, "k", data=b"x", local_path=tmp / "t.txt"),
            InvalidArgumentError,
            "data",
        ),
        ("neither data nor path", lambda: store_.upload(b, "k"), InvalidArgumentError, "data"),
        (
            "missing upload file",
            lambda: store_.upload(b, "k", local_path=tmp / "nope"),
            InvalidArgumentError,
            "local_path",
        ),
        ("upload a folder", lambda: store_.upload(b, "k", local_path=tmp), InvalidArgumentError, "local_path"),
        (
            "CRLF content type",
            lambda: store_.upload(b, "k", data=b"x", content_type="text/plain\r\nX: y"),
            InvalidArgumentError,
            "content_type",
        ),
        (
            "empty content type",
            lambda: store_.upload(b, "k", data=b"x", content_type=""),
            InvalidArgumentError,
            "content_type",
        ),
        (
            "non-ASCII cache control",
            lambda: store_.upload(b, "k", data=b"x", cache_control="max-âge=1"),
            InvalidArgumentError,
            "cache_control",
        ),
        ("if_match empty", lambda: store_.upload(b, "k", data=b"x", if_match=""), InvalidArgumentError, "if_match"),
        ("if_match star", lambda: store_.upload(b, "k", data=b"x", if_match="*"), InvalidArgumentError, "if_match"),
        (
            "both conditions",
            lambda: store_.upload(b, "k", data=b"x", if_match="e", if_none_match="*"),
            InvalidArgumentError,
            "if_match",
        ),
        (
            "if_none_match etag",
            lambda: store_.upload(b, "k", data=b"x", if_none_match="e"),
            InvalidArgumentError,
            "if_none_match",
        ),
        ("download if_match empty", lambda: store_.download(b, "k", if_match=""), InvalidArgumentError, "if_match"),
        (
            "unknown storage class",
            lambda: store_.upload(b, "k", data=b"x", storage_class="FAST"),
            InvalidArgumentError,
            "storage_class",
        ),
        (
            "tags with newline",
            lambda: store_.upload(b, "k", data=b"x", tags={"a": "b\n"}),
            (InvalidArgumentError, UnsupportedOperationError),
            "tags",
        ),
        (
            "encryption wrong type",
            lambda: store_.upload(b, "k", data=b"x", encryption="AES256"),
            InvalidArgumentError,
            "encryption",
        ),
        (
            "short customer key",
            lambda: store_.upload(b, "k", data=b"x", encryption=CustomerKey(b"short")),
            (InvalidArgumentError, UnsupportedOperationError),
            "encryption",
        ),
        ("empty version id", lambda: store_.stat(b, "k", version_id=""), InvalidArgumentError, "version_id"),
        ("download into a folder", lambda: store_.download(b, "k", local_path=tmp), InvalidArgumentError, "local_path"),
        (
            "download, missing folder",
            lambda: store_.download(b, "k", local_path=tmp / "no" / "f"),
            InvalidArgumentError,
            "local_path",
        ),
        (
            "download, unwritable folder",
            lambda: store_.download(b, "k", local_path=writable_only_by_nobody(tmp) / "f.bin"),
            StoragePermissionError,
            "local_path",
        ),
        ("range backwards", lambda: store_.read_range(b, "k", 5, 2), InvalidArgumentError, "end"),
        ("range negative", lambda: store_.read_range(b, "k", -1, 2), InvalidArgumentError, "start"),
        ("chunk size 0", lambda: store_.iter_chunks(b, "k", chunk_size=0), InvalidArgumentError, "chunk_size"),
        ("page size 0", lambda: store_.list_objects(b, page_size=0), InvalidArgumentError, "page_size"),
        ("page size bool", lambda: store_.list_objects(b, page_size=True), InvalidArgumentError, "page_size"),
        ("empty delimiter", lambda: store_.list_objects(b, delimiter=""), InvalidArgumentError, "delimiter"),
        ("deadline 0", lambda: store_.stat(b, "k", deadline=0), InvalidArgumentError, "deadline"),
        ("deadline negative", lambda: store_.upload(b, "k", data=b"x", deadline=-1), InvalidArgumentError, "deadline"),
        ("deadline inf", lambda: store_.download(b, "k", deadline=float("inf")), InvalidArgumentError, "deadline"),
        ("deadline text", lambda: store_.delete(b, "k", deadline="5"), InvalidArgumentError, "deadline"),
        ("copy bad source", lambda: store_.copy(b, "../x", b, "y"), InvalidArgumentError, "src_key"),
        ("copy bad destination", lambda: store_.copy(b, "x", b, "a/../y"), InvalidArgumentError, "dst_key"),
        (
            "copy source key as bytes",
            lambda: store_.copy(b, "x", b, "y", source_customer_key=b"k" * 32),
            InvalidArgumentError,
            "source_customer_key",
        ),
        (
            "copy source key of 5 bytes",
            lambda: store_.copy(b, "x", b, "y", source_customer_key=CustomerKey(b"short")),
            (InvalidArgumentError, UnsupportedOperationError),
            "source_customer_key",
        ),
        (
            "copy source key as encryption scope",
            lambda: store_.copy(b, "x", b, "y", source_customer_key=EncryptionScope("s")),
            InvalidArgumentError,
            "source_customer_key",
        ),
        (
            "copy encryption wrong type",
            lambda: store_.copy(b, "x", b, "y", encryption="AES256"),
            InvalidArgumentError,
            "encryption",
        ),
        ("part size tiny", lambda: store_.open_write(b, "k", part_size=1), InvalidArgumentError, "part_size"),
        ("force not bool", lambda: store_.delete_bucket(b, force="yes"), InvalidArgumentError, "force"),
        ("bucket name invalid", lambda: store_.create_bucket("Not_Valid"), InvalidArgumentError, "bucket"),
    ]


def test_error_catalogue_is_typed_named_and_sent_nowhere(offline: BaseStore, tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    with contextlib.ExitStack() as files:
        cases = catalogue(offline, folder, files)
        for case, call, error, argument in cases:
            with pytest.raises(error) as raised:
                call()
            text = str(raised.value)
            assert argument in text, (case, text)
            if isinstance(raised.value, InvalidArgumentError):
                assert raised.value.argument == argument, (case, raised.value.argument)
            assert not isinstance(raised.value, StorageConnectionError), case
    leftovers = [p.name for p in folder.iterdir() if p.suffix == ".part"]
    assert leftovers == []


def test_what_a_service_lacks_is_refused_by_name(offline: BaseStore) -> None:
    lacking: dict[str, list[tuple[str, dict[str, Any]]]] = {
        "portable": [
            ("encryption", {"encryption": ManagedKey()}),
            ("encryption", {"encryption": KmsKey("key")}),
            ("encryption", {"encryption": CustomerKey(b"k" * 32)}),
        ],
        "s3": [("encryption", {"encryption": EncryptionScope("scope")})],
        "gcs": [("tags", {"tags": {"a": "b"}}), ("encryption", {"encryption": EncryptionScope("scope")})],
        "azure": [("encryption", {"encryption": KmsKey("key")})],
    }
    for argument, options in lacking[offline._rules.service]:
        with pytest.raises(UnsupportedOperationError, match=argument):
            offline.upload("bkt", "k", data=b"x", **options)
        if argument == "encryption":  # a copy's destination: the same kinds as an upload
            with pytest.raises(UnsupportedOperationError, match=r"^encryption: "):
                offline.copy("bkt", "k", "bkt", "k2", **options)
    if offline._rules.service == "portable":  # nor can a copy's source have a customer key
        with pytest.raises(UnsupportedOperationError, match=r"^source_customer_key: "):
            offline.copy("bkt", "k", "bkt", "k2", source_customer_key=CustomerKey(b"k" * 32))


def test_a_bad_batch_deletes_nothing(store: ObjectStore, bucket: str) -> None:
    store.upload(bucket, "k", data=b"kept")
    with pytest.raises(InvalidArgumentError, match="keys"):
        store.delete_many(bucket, ["k", None])  # type: ignore[list-item]
    assert store.download(bucket, "k") == b"kept"


# A dead server ---------------------------------------------------------------------------------


class CountingListener:
    """A loopback port that accepts connections, counts them, and resets each at once."""

    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(64)
        self.port: int = self._socket.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self._socket.settimeout(0.05)
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._socket.close()


@pytest.fixture
def listener() -> Iterator[CountingListener]:
    running = CountingListener()
    yield running
    running.close()


@pytest.mark.parametrize("kind", CLOUDS)
def test_a_dead_server_is_a_connection_error_after_the_policys_attempts(
    kind: str, listener: CountingListener, tmp_path: Path
) -> None:
    policy = RetryPolicy(max_attempts=3, backoff_base=0.001, backoff_max=0.01)
    store = store_for(kind, Endpoint.at(f"http://127.0.0.1:{listener.port}"), tmp_path, retry=policy, timeout=5.0)
    with pytest.raises(StorageConnectionError) as failed:
        store.exists("bkt", "k")  # answers nothing rather than False
    assert not isinstance(failed.value, StorageTimeoutError)
    assert listener.accepted == 3
    with pytest.raises(StorageConnectionError):
        store.download("bkt", "k", local_path=tmp_path / "f")
    assert not (tmp_path / "f").exists() and not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize("kind", CLOUDS)
def test_a_refused_connection_is_typed_on_every_operation(kind: str, tmp_path: Path) -> None:
    store = dead_store(kind, tmp_path)
    for call in (
        lambda: store.upload("bkt", "k", data=b"x"),
        lambda: store.download("bkt", "k"),
        lambda: store.stat("bkt", "k"),
        lambda: list(store.list_objects("bkt")),
        lambda: store.delete("bkt", "k"),
        lambda: store.create_bucket("bkt"),
        lambda: store.bucket_exists("bkt"),
        store.list_buckets,
        lambda: store.copy("bkt", "a", "bkt", "b"),
        lambda: store.read_range("bkt", "k", 0, 1),
        lambda: store.iter_chunks("bkt", "k"),
        lambda: store.open_read("bkt", "k"),
    ):
        with pytest.raises(StorageConnectionError):
            call()


# A hung server --------------------------------------------------------------------------------

HUNG_PAYLOAD = os.urandom(16 * 1024 * 1024)  # more than loopback's socket buffers hold


def stopped_on_first_progress(emulator: Emulator) -> Callable[[int, int | None], None]:
    stopped = threading.Event()

    def progress(done: int, total: int | None) -> None:
        if done and not stopped.is_set():
            stopped.set()
            os.kill(emulator.process.pid, signal.SIGSTOP)

    return progress


@pytest.mark.parametrize("kind", CLOUDS)
def test_a_hung_server_fails_typed_within_the_deadline_and_leaves_nothing(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    emulator = emulator_for(kind, request)
    assert emulator is not None
    deadline = 4.0
    store = store_for(
        kind,
        emulator,
        tmp_path / "unused",
        timeout=1.0,
        retry=RetryPolicy(max_attempts=3, backoff_base=0.05, backoff_max=0.2),
        deadline=deadline,
    )
    bucket = f"hung-{os.urandom(6).hex()}"
    store.create_bucket(bucket)
    store.upload(bucket, "big.bin", data=HUNG_PAYLOAD)
    target = tmp_path / "out" / "big.bin"
    target.parent.mkdir()
    target.write_bytes(b"the old file")
    outcome: list[BaseException | None] = []

    def download() -> None:
        try:
            store.download(bucket, "big.bin", local_path=target, progress=stopped_on_first_progress(emulator))
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    started = time.monotonic()
    worker = threading.Thread(target=download)
    worker.start()
    try:
        # A hang detector, not a speed check: the SDK defaults block for 600 s here.
        worker.join(timeout=deadline + 30)
        assert not worker.is_alive(), "the download hung past its deadline"
        elapsed = time.monotonic() - started
    finally:
        os.kill(emulator.process.pid, signal.SIGCONT)
        worker.join()
    assert len(outcome) == 1 and isinstance(outcome[0], StorageConnectionError), outcome
    assert elapsed < deadline + 10, elapsed
    assert target.read_bytes() == b"the old file"
    assert sorted(p.name for p in target.parent.iterdir()) == ["big.bin"]
    # The session emulator serves the rest of the suite: it must be healthy again.
    healthy = store_for(kind, emulator, tmp_path / "unused", timeout=10.0)
    assert healthy.download(bucket, "big.bin") == HUNG_PAYLOAD
    healthy.delete_bucket(bucket, force=True)


def test_local_store_deadline_stops_an_endless_source(tmp_path: Path) -> None:
    class Endless(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            buffer[:] = b"\0" * len(buffer)
            return len(buffer)

    store = LocalStore(tmp_path / "root")
    store.create_bucket("endless")
    with pytest.raises(StorageTimeoutError, match="deadline"):
        store.upload("endless", "k", data=Endless(), deadline=0.2)  # type: ignore[arg-type]
    assert not store.exists("endless", "k")
    assert list((tmp_path / "root" / "endless").iterdir()) in ([], [tmp_path / "root" / "endless" / ".lock"])
