"""Copies, trees, syncs and streamed writes between stores (local ones here; the clouds in
tests/integration/test_storage_tree.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from codomyrmex_cloud import (
    BucketNotFoundError,
    IntegrityError,
    InvalidArgumentError,
    LocalStore,
    ObjectInfo,
    ObjectNotFoundError,
)
from codomyrmex_cloud.bridge.endpoints import open_sink
from codomyrmex_cloud.storage import validation as v
from codomyrmex_cloud.storage.files import FileSystemStore
from codomyrmex_cloud.storage.tree import (
    TransferError,
    copy_object,
    copy_tree,
    default_jobs,
    download_dir,
    move,
    plan_sync,
    run_sync,
    sync,
    upload_dir,
)
from codomyrmex_cloud.storage.types import Page
from codomyrmex_cloud.storage.urls import StoreOptions, Stores


def store_with(tmp_path: Path, name: str, files: dict[str, bytes]) -> LocalStore:
    store = LocalStore(tmp_path / name)
    store.create_bucket("bkt")
    for key, data in files.items():
        store.upload("bkt", key, data=data)
    return store


class LyingStore(LocalStore):
    """Reports an MD5 its bytes do not have, as a corrupted or tampered source would."""

    def _stat(self, bucket: str, key: str, opts: v.ReadOptions) -> ObjectInfo:
        info = super()._stat(bucket, key, opts)
        return ObjectInfo(bucket, key, info.size, info.etag, checksums={"md5": "0" * 32})


class NoChecksums(LocalStore):
    """A store that reports sizes only (as some S3-compatible services do)."""

    def _stat(self, bucket: str, key: str, opts: v.ReadOptions) -> ObjectInfo:
        info = super()._stat(bucket, key, opts)
        return ObjectInfo(bucket, key, info.size, info.etag)

    def _list(
        self, bucket: str, prefix: str, delimiter: str | None, page_size: int | None
    ) -> Iterator[Page[ObjectInfo]]:
        for objects, prefixes in super()._list(bucket, prefix, delimiter, page_size):
            yield [ObjectInfo(bucket, o.key, o.size, o.etag) for o in objects], prefixes


def test_default_jobs_is_sized_to_the_machine() -> None:
    assert 4 <= default_jobs() <= 32


def test_copy_object_streams_between_stores_and_keeps_type_and_metadata(tmp_path: Path) -> None:
    src = store_with(tmp_path, "src", {})
    src.upload("bkt", "k.csv", data=b"x" * 3_000_000, content_type="text/csv", metadata={"owner": "ada"})
    dst = store_with(tmp_path, "dst", {})
    seen: list[int] = []
    info = copy_object(src, "bkt", "k.csv", dst, "bkt", "copy.csv", progress=lambda done, total: seen.append(done))
    assert info.size == 3_000_000 and dst.download("bkt", "copy.csv") == b"x" * 3_000_000
    assert (info.content_type, dict(info.metadata)) == ("text/csv", {"owner": "ada"})
    assert seen[-1] == 3_000_000 and seen == sorted(seen)


def test_a_source_that_does_not_match_its_checksum_leaves_nothing(tmp_path: Path) -> None:
    src = LyingStore(tmp_path / "src")
    src.create_bucket("bkt")
    src.upload("bkt", "k", data=b"payload")
    dst = store_with(tmp_path, "dst", {})
    with pytest.raises(IntegrityError, match="md5"):
        copy_object(src, "bkt", "k", dst, "bkt", "k")
    assert not dst.exists("bkt", "k")


def test_move_deletes_the_source_only_after_the_copy(tmp_path: Path) -> None:
    src = store_with(tmp_path, "src", {"k": b"data"})
    dst = store_with(tmp_path, "dst", {})
    move(src, "bkt", "k", dst, "bkt", "moved")
    assert dst.download("bkt", "moved") == b"data" and not src.exists("bkt", "k")
    with pytest.raises(ObjectNotFoundError):
        move(src, "bkt", "k", dst, "bkt", "again")
    with pytest.raises(InvalidArgumentError):
        move(dst, "bkt", "moved", dst, "bkt", "moved")


def test_upload_dir_and_download_dir_round_trip(tmp_path: Path) -> None:
    local = tmp_path / "tree"
    files = {f"d{i % 4}/f{i}.bin": bytes([i]) * (i + 1) for i in range(40)}
    for name, data in files.items():
        (local / name).parent.mkdir(parents=True, exist_ok=True)
        (local / name).write_bytes(data)
    store = store_with(tmp_path, "store", {})
    progress: list[tuple[int, int | None]] = []
    lock = threading.Lock()

    def record(done: int, total: int | None) -> None:
        with lock:
            progress.append((done, total))

    result = upload_dir(local, store, "bkt", "up", jobs=8, progress=record)
    assert result.files == 40 and result.bytes == sum(map(len, files.values()))
    assert max(done for done, _ in progress) == result.bytes and {t for _, t in progress} == {result.bytes}
    assert sorted(o.key for o in store.list_objects("bkt", "up/")) == sorted(f"up/{n}" for n in files)
    download_dir(store, "bkt", "up/", tmp_path / "down", jobs=3)
    back = {p.relative_to(tmp_path / "down").as_posix(): p.read_bytes() for p in (tmp_path / "down").rglob("*.bin")}
    assert back == files


class HostileListing(LocalStore):
    """A bucket listing a key that would climb out of a download folder."""

    def _list(
        self, bucket: str, prefix: str, delimiter: str | None, page_size: int | None
    ) -> Iterator[Page[ObjectInfo]]:
        yield [ObjectInfo(bucket, "p/ok.txt", 2), ObjectInfo(bucket, "p/../escape.txt", 7)], []


def test_download_dir_refuses_keys_that_would_escape_before_writing(tmp_path: Path) -> None:
    store = HostileListing(tmp_path / "store")
    store.create_bucket("bkt")
    store.upload("bkt", "p/ok.txt", data=b"ok")
    target = tmp_path / "target"
    with pytest.raises(InvalidArgumentError, match=r"escape\.txt"):
        download_dir(store, "bkt", "p/", target)
    assert list(target.iterdir()) == [] and not (tmp_path / "escape.txt").exists()


def test_a_failed_transfer_is_reported_with_the_others(tmp_path: Path) -> None:
    src = store_with(tmp_path, "src", {f"k{i}": b"v" for i in range(5)})
    with pytest.raises(TransferError) as caught:
        copy_tree(src, "bkt", "", src, "no-such-bucket", "", jobs=2)
    assert caught.value.failures and isinstance(caught.value.failures[0][1], BucketNotFoundError)
    assert isinstance(caught.value.__cause__, BucketNotFoundError)


def test_sync_plans_by_size_then_checksum_and_deletes_only_when_asked(tmp_path: Path) -> None:
    src = store_with(tmp_path, "src", {"same": b"same", "size": b"longer!", "sum": b"AAAA", "new": b"n"})
    dst = store_with(tmp_path, "dst", {"same": b"same", "size": b"short", "sum": b"BBBB", "extra": b"x"})
    plan = plan_sync(src, "bkt", "", dst, "bkt", "")
    assert [(a.op, a.key, a.reason) for a in plan.actions] == [
        ("copy", "new", "new"),
        ("copy", "size", "size"),
        ("copy", "sum", "checksum"),
    ]
    assert (plan.unchanged, plan.unverified, plan.bytes_to_copy) == (1, 0, 12)
    with_delete = plan_sync(src, "bkt", "", dst, "bkt", "", delete=True)
    assert [(a.op, a.key) for a in with_delete.deletes] == [("delete", "extra")]

    done: list[str] = []
    result = run_sync(with_delete, src, "bkt", "", dst, "bkt", "", on_action=lambda a: done.append(f"{a.op} {a.key}"))
    assert (result.copied, result.deleted, result.bytes) == (3, 1, 12)
    assert sorted(done) == ["copy new", "copy size", "copy sum", "delete extra"]
    assert {o.key: dst.download("bkt", o.key) for o in dst.list_objects("bkt")} == {
        "new": b"n",
        "same": b"same",
        "size": b"longer!",
        "sum": b"AAAA",
    }
    assert plan_sync(src, "bkt", "", dst, "bkt", "", delete=True).actions == ()


def test_same_size_without_checksums_counts_as_unverified(tmp_path: Path) -> None:
    src = NoChecksums(tmp_path / "src")
    src.create_bucket("bkt")
    src.upload("bkt", "k", data=b"AAAA")
    dst = store_with(tmp_path, "dst", {"k": b"BBBB"})
    plan = plan_sync(src, "bkt", "", dst, "bkt", "")
    assert (plan.actions, plan.unchanged, plan.unverified) == ((), 1, 1)


def test_local_folders_are_compared_by_content(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "f").write_bytes(b"1234")
    files = FileSystemStore()
    store = store_with(tmp_path, "s", {"f": b"1234"})
    assert plan_sync(files, str(tmp_path / "a"), "", store, "bkt", "").unchanged == 1
    (tmp_path / "a" / "f").write_bytes(b"5678")
    assert [a.reason for a in plan_sync(files, str(tmp_path / "a"), "", store, "bkt", "").actions] == ["checksum"]
    sync(files, str(tmp_path / "a"), "", files, str(tmp_path / "mirror"), "")
    assert (tmp_path / "mirror" / "f").read_bytes() == b"5678"
    assert plan_sync(files, str(tmp_path / "a"), "", files, str(tmp_path / "mirror"), "").unchanged == 1


def test_a_failed_copy_stops_the_sync_before_any_delete(tmp_path: Path) -> None:
    src = LyingStore(tmp_path / "src")
    src.create_bucket("bkt")
    src.upload("bkt", "bad", data=b"x")
    dst = store_with(tmp_path, "dst", {"extra": b"keep me"})
    plan = plan_sync(src, "bkt", "", dst, "bkt", "", delete=True, checksums=False)
    with pytest.raises(TransferError):
        run_sync(plan, src, "bkt", "", dst, "bkt", "")
    assert dst.exists("bkt", "extra")


def test_export_sinks_commit_on_close_and_discard_on_error(tmp_path: Path) -> None:
    """The exporter's sink is the store's own ``open_write``: the object appears whole on
    close, with the format's content type, and never after an error."""
    store = store_with(tmp_path, "s", {})
    with Stores(StoreOptions(local_root=str(tmp_path / "s"))) as stores:
        with open_sink("local://bkt/out.csv", fmt="csv", stores=stores) as out:
            for i in range(50_000):
                out.write(b"%d,row\n" % i)
        assert store.stat("bkt", "out.csv").content_type == "text/csv"
        assert store.download("bkt", "out.csv").count(b"\n") == 50_000

        with (
            pytest.raises(RuntimeError, match="stop"),
            open_sink("local://bkt/half.csv", fmt="csv", stores=stores) as half,
        ):
            half.write(b"x" * 3_000_000)
            raise RuntimeError("stop")
        assert not store.exists("bkt", "half.csv")

        with pytest.raises(BucketNotFoundError), open_sink("local://missing/x", fmt="csv", stores=stores) as doomed:
            for _ in range(64):
                doomed.write(b"y" * 1_000_000)  # the upload failed: a write or close says so

        # A plain file: written beside its name and renamed into place; nothing on error.
        with open_sink(str(tmp_path / "plain.csv"), fmt="csv", stores=stores) as plain:
            plain.write(b"a,b\n")
        assert (tmp_path / "plain.csv").read_bytes() == b"a,b\n"
        with pytest.raises(RuntimeError), open_sink(str(tmp_path / "gone.csv"), fmt="csv", stores=stores) as gone:
            gone.write(b"partial")
            raise RuntimeError("stop")
        assert not any(p.name.startswith((".gone", "gone")) for p in tmp_path.iterdir())
