"""One meaning per operation on every store (issue 9's table and the rest of the contract's
corners), and consistency under concurrent overwrites of one key."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from codomyrmex_cloud import (
    BucketNotEmptyError,
    BucketNotFoundError,
    InvalidArgumentError,
    LocalStore,
    ObjectNotFoundError,
    ObjectStore,
    PreconditionFailedError,
    S3Client,
)
from codomyrmex_cloud.storage import AzureBlobClient, GCSClient

MISSING_BUCKET = "no-such-bucket-zz9"


def test_read_range_past_the_end_is_what_exists(store: ObjectStore, bucket: str) -> None:
    store.upload(bucket, "k", data=b"0123456789")
    assert store.read_range(bucket, "k", 8, 20) == b"89"
    assert store.read_range(bucket, "k", 10, 20) == b""
    assert store.read_range(bucket, "k", 50, 60) == b""
    assert store.read_range(bucket, "k", 3, 3) == b""
    assert list(store.iter_chunks(bucket, "k", start=12)) == []
    store.upload(bucket, "empty", data=b"")
    assert store.read_range(bucket, "empty", 0, 5) == b""
    assert store.download(bucket, "empty") == b""


def test_a_missing_bucket_is_bucket_not_found_everywhere(store: ObjectStore) -> None:
    calls: list[Callable[[], object]] = [
        lambda: store.stat(MISSING_BUCKET, "k"),
        lambda: store.download(MISSING_BUCKET, "k"),
        lambda: store.read_range(MISSING_BUCKET, "k", 0, 1),
        lambda: store.iter_chunks(MISSING_BUCKET, "k"),
        lambda: store.open_read(MISSING_BUCKET, "k"),
        lambda: list(store.list_objects(MISSING_BUCKET)),
    ]
    for call in calls:
        with pytest.raises(BucketNotFoundError):
            call()
    assert not store.exists(MISSING_BUCKET, "k")
    store.delete(MISSING_BUCKET, "k")  # gone is fine
    store.delete_many(MISSING_BUCKET, ["k"])
    store.delete_bucket(MISSING_BUCKET)


def test_a_missing_object_is_object_not_found_everywhere(store: ObjectStore, bucket: str) -> None:
    for call in (
        lambda: store.stat(bucket, "absent"),
        lambda: store.download(bucket, "absent"),
        lambda: store.read_range(bucket, "absent", 0, 1),
        lambda: store.iter_chunks(bucket, "absent"),
        lambda: store.open_read(bucket, "absent"),
    ):
        with pytest.raises(ObjectNotFoundError) as missing:
            call()
        assert (missing.value.bucket, missing.value.key) == (bucket, "absent")


def test_copy_of_a_missing_source_names_the_source(store: ObjectStore, bucket: str) -> None:
    with pytest.raises(ObjectNotFoundError) as missing:
        store.copy(bucket, "absent-source", bucket, "destination")
    assert (missing.value.bucket, missing.value.key) == (bucket, "absent-source")
    assert "absent-source" in str(missing.value) and "destination" not in str(missing.value)
    assert not store.exists(bucket, "destination")


def test_both_conditions_at_once_are_refused(store: ObjectStore, bucket: str) -> None:
    with pytest.raises(InvalidArgumentError, match="not both"):
        store.upload(bucket, "k", data=b"x", if_match="abc", if_none_match="*")
    with pytest.raises(InvalidArgumentError, match="if_match"):
        store.upload(bucket, "k", data=b"x", if_match="")
    with pytest.raises(InvalidArgumentError, match="metadata"):
        store.upload(bucket, "k", data=b"x", metadata={"with space": "v"})
    assert not store.exists(bucket, "k")


def test_an_upload_reads_back_the_same_everywhere(store: ObjectStore, bucket: str) -> None:
    written = store.upload(
        bucket,
        "doc.json",
        data=b'{"a": 1}',
        content_type="application/json",
        metadata={"owner": "ana", "build_7": "yes"},
        cache_control="max-age=60",
        content_disposition='attachment; filename="doc.json"',
    )
    read = store.stat(bucket, "doc.json")
    for info in (written, read):
        assert (info.key, info.size, info.content_type) == ("doc.json", 8, "application/json")
        assert dict(info.metadata) == {"owner": "ana", "build_7": "yes"}
        assert info.cache_control == "max-age=60"
        assert info.content_disposition == 'attachment; filename="doc.json"'
    assert written.etag == read.etag
    store.upload(bucket, "plain", data=b"x")
    assert store.stat(bucket, "plain").content_type == "application/octet-stream"


def test_download_if_match(store: ObjectStore, bucket: str) -> None:
    info = store.upload(bucket, "k", data=b"v1")
    assert info.etag is not None
    assert store.download(bucket, "k", if_match=info.etag) == b"v1"
    store.upload(bucket, "k", data=b"v2")
    with pytest.raises(PreconditionFailedError):
        store.download(bucket, "k", if_match=info.etag)


def test_deleting_a_non_empty_bucket_is_refused_everywhere(store: ObjectStore) -> None:
    name = "t-nonempty-" + os.urandom(4).hex()
    store.create_bucket(name)
    store.upload(name, "x", data=b"x")
    with pytest.raises(BucketNotEmptyError):
        store.delete_bucket(name)
    assert store.download(name, "x") == b"x"
    store.delete_bucket(name, force=True)
    assert not store.bucket_exists(name)


# Concurrency ---------------------------------------------------------------------------------


def payload(writer: int, round_: int, size: int) -> bytes:
    """A payload that names its writer and round, so any read can be checked whole."""
    seed = hashlib.sha256(f"{writer}/{round_}".encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


def run_threads(workers: list[Callable[[], None]]) -> list[BaseException]:
    errors: list[BaseException] = []
    lock = threading.Lock()

    def guarded(work: Callable[[], None]) -> None:
        try:
            work()
        except BaseException as exc:  # reported below
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_reads_during_concurrent_overwrites_each_see_one_whole_version(
    store: ObjectStore, bucket: str, tmp_path: Path
) -> None:
    """16 threads, one shared client, one key: 4 writers, 12 readers (to memory and to files)."""
    size = 64 * 1024
    written = {payload(w, r, size) for w in range(4) for r in range(4)} | {payload(99, 0, size)}
    store.upload(bucket, "hot", data=payload(99, 0, size))
    seen: list[bytes] = []

    def writer(w: int) -> Callable[[], None]:
        def work() -> None:
            for r in range(4):
                store.upload(bucket, "hot", data=payload(w, r, size))

        return work

    def reader(n: int) -> Callable[[], None]:
        def work() -> None:
            for r in range(4):
                if n % 2:
                    seen.append(store.download(bucket, "hot"))
                else:
                    seen.append(store.download(bucket, "hot", local_path=tmp_path / f"r{n}-{r}").read_bytes())

        return work

    errors = run_threads([writer(w) for w in range(4)] + [reader(n) for n in range(12)])
    assert errors == []
    assert len(seen) == 48 and all(data in written for data in seen)
    final = store.download(bucket, "hot")
    assert final in {payload(w, 3, size) for w in range(4)}  # the last writer wins
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".part"]


def multipart_size(store: ObjectStore) -> int:
    """Just over one part, so an upload takes several requests and a download several too."""
    if isinstance(store, S3Client):
        return store._threshold + 1024
    if isinstance(store, GCSClient | AzureBlobClient):
        return store._chunk_size * 2 + 1024
    return 1024 * 1024


def test_concurrent_multipart_uploads_of_one_key_each_succeed(store: ObjectStore, bucket: str, tmp_path: Path) -> None:
    size = multipart_size(store)
    sources = []
    for w in range(3):
        source = tmp_path / f"src{w}"
        source.write_bytes(payload(w, 0, size))
        sources.append(source)
    errors = run_threads([lambda s=s: store.upload(bucket, "shared", local_path=s) for s in sources])  # type: ignore[misc]
    assert errors == []
    assert store.download(bucket, "shared") in {payload(w, 0, size) for w in range(3)}


def test_an_overwrite_mid_download_gives_one_whole_version(store: ObjectStore, bucket: str, tmp_path: Path) -> None:
    """The object is replaced after the first bytes arrived: the file holds one version whole
    (the old one, or the new one after a restart), never a mix."""
    size = multipart_size(store) * 2
    old, new = payload(1, 0, size), payload(2, 0, size)
    store.upload(bucket, "moving", data=old)
    replaced = threading.Event()

    def overwrite(done: int, total: int | None) -> None:
        if done and not replaced.is_set():
            replaced.set()
            store.upload(bucket, "moving", data=new)

    target = store.download(bucket, "moving", local_path=tmp_path / "moving", progress=overwrite)
    assert replaced.is_set()
    assert target.read_bytes() in (old, new)
    if isinstance(store, LocalStore | GCSClient):
        assert target.read_bytes() == old  # one open file / one response: the version it began
