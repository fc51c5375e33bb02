"""Plain files as a store: keys can never leave their folder, writes are atomic, and what a
plain file cannot keep is refused before the disk is touched."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from codomyrmex_cloud import (
    BucketNotEmptyError,
    BucketNotFoundError,
    InvalidArgumentError,
    ObjectNotFoundError,
    PreconditionFailedError,
    UnsupportedOperationError,
)
from codomyrmex_cloud.storage import ObjectStore, SignsURLs, TaggedStore
from codomyrmex_cloud.storage.base import BaseStore
from codomyrmex_cloud.storage.files import FileSystemStore
from codomyrmex_cloud.storage.types import CustomerKey, KmsKey, ManagedKey

HOSTILE = ["..", ".", "../x", "a/../b", "a/./b", "x/..", "/etc/passwd", "a//b", "", "x\x00y", "dir/", "a\\b"]


def test_it_is_a_store_of_the_shared_contract() -> None:
    store: ObjectStore = FileSystemStore()  # checked by mypy: it satisfies the protocol
    assert isinstance(store, BaseStore) and isinstance(store, ObjectStore)
    assert not isinstance(store, SignsURLs) and not isinstance(store, TaggedStore)


@pytest.mark.parametrize("key", HOSTILE)
def test_hostile_keys_are_refused_before_touching_the_disk(tmp_path: Path, key: str) -> None:
    store: ObjectStore = FileSystemStore()
    folder = tmp_path / "inside"
    with pytest.raises(InvalidArgumentError) as caught:
        store.upload(str(folder), key, data=b"planted")
    assert repr(key) in str(caught.value) or "non-empty" in str(caught.value)
    assert not folder.exists() and sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("blank", ["", " ", "\t", " \n "])
def test_a_blank_folder_or_key_is_refused_before_touching_the_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, blank: str
) -> None:
    monkeypatch.chdir(tmp_path)  # a blank folder would be a relative path: here
    store = FileSystemStore()
    with pytest.raises(InvalidArgumentError, match=r"^bucket: ") as caught:
        store.upload(blank, "k", data=b"x")
    assert caught.value.argument == "bucket"
    with pytest.raises(InvalidArgumentError, match=r"^key: ") as refused:
        store.upload(str(tmp_path / "f"), blank, data=b"x")
    assert refused.value.argument == "key"
    assert list(tmp_path.iterdir()) == []


def test_written_files_get_the_mode_open_would_give_them(tmp_path: Path) -> None:
    store = FileSystemStore()
    folder = str(tmp_path / "out")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "kept").write_bytes(b"before")
    (tmp_path / "out" / "kept").chmod(0o604)
    old = os.umask(0o027)
    try:
        store.upload(folder, "uploaded", data=b"1")
        store.upload(folder, "created", data=b"2", if_none_match="*")
        with store.open_write(folder, "sub/streamed") as out:
            out.write(b"3")
        store.copy(folder, "uploaded", folder, "copied")
        store.upload(folder, "kept", data=b"4")
    finally:
        os.umask(old)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "out").rglob("*") if p.is_file()}
    assert modes == {"uploaded": 0o640, "created": 0o640, "streamed": 0o640, "copied": 0o640, "kept": 0o604}


def test_upload_download_stat_list_delete(tmp_path: Path) -> None:
    store = FileSystemStore()
    root = str(tmp_path)
    info = store.upload(root, "a/b/c.txt", data=b"hello")
    assert info.size == 5 and info.checksums["md5"] == "5d41402abc4b2a76b9719d911017c592"
    assert (tmp_path / "a" / "b" / "c.txt").read_bytes() == b"hello"
    assert store.download(root, "a/b/c.txt") == b"hello"
    assert store.read_range(root, "a/b/c.txt", 1, 3) == b"el"
    with store.open_read(root, "a/b/c.txt") as handle:
        handle.seek(2)
        assert handle.read() == b"llo"
    store.upload(root, "a/top.txt", data="top")
    store.upload(root, "z.txt", data=b"z")
    assert [o.key for o in store.list_objects(root)] == ["a/b/c.txt", "a/top.txt", "z.txt"]
    listing = store.list_objects(root, "a/", delimiter="/")
    assert [o.key for o in listing] == ["a/top.txt"] and listing.prefixes == ["a/b/"]
    assert [o.key for o in store.list_objects(root, "a/b")] == ["a/b/c.txt"]
    assert list(store.list_objects(str(tmp_path / "missing"))) == []
    store.delete(root, "a/b/c.txt")
    store.delete(root, "a/b/c.txt")  # gone already: fine
    with pytest.raises(ObjectNotFoundError):
        store.stat(root, "a/b/c.txt")


def test_create_only_and_no_partial_files(tmp_path: Path) -> None:
    store = FileSystemStore()
    store.upload(str(tmp_path), "x.txt", data=b"first")
    with pytest.raises(PreconditionFailedError):
        store.upload(str(tmp_path), "x.txt", data=b"second", if_none_match="*")

    class Breaks:
        def read(self, size: int = -1) -> bytes:
            raise OSError("disk on fire")

    with pytest.raises(Exception, match="disk on fire"):
        store.upload(str(tmp_path), "x.txt", data=Breaks())  # type: ignore[arg-type]
    assert (tmp_path / "x.txt").read_bytes() == b"first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.txt"]  # no temporary file left


def test_listing_does_not_follow_links_to_folders(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("s")
    inside = tmp_path / "inside"
    inside.mkdir()
    (inside / "real.txt").write_text("r")
    os.symlink(outside, inside / "link")
    assert [o.key for o in FileSystemStore().list_objects(str(inside))] == ["real.txt"]


@pytest.mark.parametrize(
    ("options", "argument"),
    [
        ({"metadata": {"owner": "ada"}}, "metadata"),
        ({"cache_control": "no-cache"}, "cache_control"),
        ({"content_disposition": "attachment"}, "content_disposition"),
        ({"tags": {"a": "b"}}, "tags"),
        ({"storage_class": "STANDARD"}, "storage_class"),
        ({"encryption": KmsKey("k")}, "encryption"),
        ({"if_match": "etag"}, "if_match"),
    ],
)
def test_what_a_plain_file_cannot_keep_is_refused_first(
    tmp_path: Path, options: dict[str, object], argument: str
) -> None:
    folder = tmp_path / "inside"
    with pytest.raises(UnsupportedOperationError, match=f"^{argument}: "):
        FileSystemStore().upload(str(folder), "k.txt", data=b"x", **options)  # type: ignore[arg-type]
    assert not folder.exists()


@pytest.mark.parametrize(
    ("options", "argument"),
    [
        ({"encryption": ManagedKey()}, "encryption"),
        ({"encryption": CustomerKey(b"k" * 32)}, "encryption"),
        ({"source_customer_key": CustomerKey(b"k" * 32)}, "source_customer_key"),
    ],
)
def test_a_copy_of_plain_files_refuses_encryption_first(
    tmp_path: Path, options: dict[str, object], argument: str
) -> None:
    """As an upload does: a plain file is not encrypted, nor was its source."""
    (tmp_path / "k.txt").write_bytes(b"x")
    with pytest.raises(UnsupportedOperationError, match=f"^{argument}: "):
        FileSystemStore().copy(str(tmp_path), "k.txt", str(tmp_path / "out"), "k.txt", **options)  # type: ignore[arg-type]
    assert not (tmp_path / "out").exists()


def test_reads_writes_and_folders_follow_the_contract(tmp_path: Path) -> None:
    with FileSystemStore() as store:
        root = str(tmp_path)
        store.upload(root, "d/k.csv", data=b"a,b\n", content_type="text/csv")
        assert store.stat(root, "d/k.csv").content_type == "text/csv"  # guessed from the name
        with pytest.raises(ObjectNotFoundError, match="folder"):
            store.stat(root, "d")  # a folder is not an object
        assert not store.exists(root, "d") and store.exists(root, "d/k.csv")
        with pytest.raises(BucketNotFoundError):
            store.stat(str(tmp_path / "missing"), "k")
        with pytest.raises(InvalidArgumentError, match="key"):
            store.upload(root, "d/k.csv/below", data=b"x")  # a file is in the way
        with pytest.raises(UnsupportedOperationError, match="version_id"):
            store.download(root, "d/k.csv", version_id="1")
        with pytest.raises(UnsupportedOperationError, match="list_buckets"):
            store.list_buckets()
        assert store.read_range(root, "d/k.csv", 2, 100) == b"b\n" and store.read_range(root, "d/k.csv", 9, 10) == b""
        copied = store.copy(root, "d/k.csv", str(tmp_path / "other"), "k.csv")
        assert copied.size == 4 and (tmp_path / "other" / "k.csv").read_bytes() == b"a,b\n"
        with store.open_write(root, "streamed.bin", part_size=256 * 1024) as out:
            for _ in range(5):
                out.write(b"z" * 100_000)
            assert not (tmp_path / "streamed.bin").exists()  # nothing visible before the commit
        assert (tmp_path / "streamed.bin").stat().st_size == 500_000
        assert [v.key for v in store.list_versions(root, "d/")] == ["d/k.csv"]
        with pytest.raises(BucketNotEmptyError):
            store.delete_bucket(str(tmp_path / "other"))
        store.delete_bucket(str(tmp_path / "other"), force=True)
        assert not (tmp_path / "other").exists() and not store.bucket_exists(str(tmp_path / "other"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "streamed.bin"]  # no temporary files
