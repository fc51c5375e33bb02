"""LocalStore's layout 2: folders per key segment, so a prefix listing reads only what the
prefix matches; emptied folders go away; long segments live in ``.long``; no link below a
bucket is followed; buckets of layout 1 are upgraded in place."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from codomyrmex_cloud import LocalStore, ObjectNotFoundError, StoragePermissionError
from codomyrmex_cloud.storage import local_layout
from codomyrmex_cloud.storage.local import _trailer


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    created = LocalStore(tmp_path / "root")
    created.create_bucket("bkt")
    return created


def _count_scans(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of names each folder scan returned, in order."""
    seen: list[int] = []
    real = local_layout._entries

    def counted(fd: int) -> list[tuple[str, bool]]:
        names = real(fd)
        seen.append(len(names))
        return names

    monkeypatch.setattr(local_layout, "_entries", counted)
    return seen


def test_a_prefix_listing_reads_only_the_folder_the_prefix_names(
    store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    for p in range(30):
        for i in range(5):
            store.upload("bkt", f"p{p:02d}/obj-{i}", data=b"x")
        store.upload("bkt", f"flat-{p:02d}", data=b"y")
    scans = _count_scans(monkeypatch)
    assert [o.key for o in store.list_objects("bkt", "p07/")] == [f"p07/obj-{i}" for i in range(5)]
    assert scans == [5]  # the p07 folder alone: not the 60 entries at the top
    scans.clear()
    assert [o.key for o in store.list_objects("bkt", "p07/obj-3")] == ["p07/obj-3"]
    assert scans == [5]
    scans.clear()
    assert len(list(store.list_objects("bkt", "p0"))) == 50 and len(list(store.list_objects("bkt"))) == 180


def test_keys_list_in_utf8_byte_order_across_folders(store: LocalStore) -> None:
    keys = ["a/b", "a-c", "a0", "a", "a/b/c", "a/", "é", "z/ü/x", "b"]
    for key in keys:
        store.upload("bkt", key, data=key.encode())
    assert [o.key for o in store.list_objects("bkt")] == sorted(keys, key=lambda k: k.encode())
    listing = store.list_objects("bkt", delimiter="/")
    assert [o.key for o in listing] == ["a", "a-c", "a0", "b", "é"] and listing.prefixes == ["a/", "z/"]
    listing = store.list_objects("bkt", "a/", delimiter="/")
    assert [o.key for o in listing] == ["a/", "a/b"] and listing.prefixes == ["a/b/"]
    listing = store.list_objects("bkt", "a", delimiter="-")
    assert [o.key for o in listing] == ["a", "a/", "a/b", "a/b/c", "a0"] and listing.prefixes == ["a-"]
    for key in keys:
        assert store.download("bkt", key) == key.encode()


def test_deleting_the_last_object_of_a_folder_removes_the_folder(store: LocalStore, tmp_path: Path) -> None:
    store.upload("bkt", "deep/er/still/k", data=b"1")
    store.upload("bkt", "deep/other", data=b"2")
    store.delete("bkt", "deep/er/still/k")
    assert store.list_objects("bkt", delimiter="/").prefixes == ["deep/"]
    assert store.list_objects("bkt", "deep/", delimiter="/").prefixes == []
    folder = tmp_path / "root" / "bkt" / ("d" + b"deep".hex())
    assert sorted(p.name for p in folder.iterdir()) == ["k" + b"other".hex()]
    store.delete("bkt", "deep/other")
    assert sorted(p.name for p in (tmp_path / "root" / "bkt").iterdir()) == [".lock"]
    store.delete_bucket("bkt")  # empty: no force needed


def test_a_folder_emptied_behind_the_stores_back_is_no_prefix(store: LocalStore, tmp_path: Path) -> None:
    store.upload("bkt", "kept", data=b"1")
    (tmp_path / "root" / "bkt" / ("d" + b"ghost".hex())).mkdir()  # e.g. a crash between unlink and rmdir
    listing = store.list_objects("bkt", delimiter="/")
    assert [o.key for o in listing] == ["kept"] and listing.prefixes == []


def test_a_key_with_a_long_segment_lives_in_dot_long(store: LocalStore, tmp_path: Path) -> None:
    long_key = "dir/" + "s" * 200 + "/end"
    store.upload("bkt", long_key, data=b"long")
    store.upload("bkt", "dir/short", data=b"short")
    assert local_layout.object_name(long_key).startswith(".long/h")
    assert (tmp_path / "root" / "bkt" / local_layout.object_name(long_key)).is_file()
    assert store.download("bkt", long_key) == b"long"
    assert [o.key for o in store.list_objects("bkt", "dir/")] == ["dir/short", long_key]
    listing = store.list_objects("bkt", "dir/", delimiter="/")
    assert [o.key for o in listing] == ["dir/short"] and listing.prefixes == ["dir/" + "s" * 200 + "/"]
    assert store.list_objects("bkt", delimiter="/").prefixes == ["dir/"]
    store.delete("bkt", "dir/short")
    assert store.list_objects("bkt", delimiter="/").prefixes == ["dir/"]  # the long key is still below
    store.delete("bkt", long_key)
    assert list(store.list_objects("bkt")) == []


def test_a_folder_that_is_a_link_is_never_followed(store: LocalStore, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    planted = outside / ("k" + b"k".hex())
    planted.write_bytes(b"secret" + _trailer({"key": "sub/k", "size": 6, "etag": "e"}))
    store.upload("bkt", "real", data=b"r")
    (tmp_path / "root" / "bkt" / ("d" + b"sub".hex())).symlink_to(outside)
    assert [o.key for o in store.list_objects("bkt")] == ["real"]
    assert store.list_objects("bkt", delimiter="/").prefixes == []
    assert list(store.list_objects("bkt", "sub/")) == []
    with pytest.raises(StoragePermissionError, match="symbolic link"):
        store.download("bkt", "sub/k")
    with pytest.raises(StoragePermissionError):
        store.upload("bkt", "sub/new", data=b"must not land outside")
    with pytest.raises(StoragePermissionError):
        store.delete("bkt", "sub/k")
    assert sorted(p.name for p in outside.iterdir()) == [planted.name] and planted.read_bytes().startswith(b"secret")


def test_a_bucket_of_layout_1_is_upgraded_when_first_touched(tmp_path: Path) -> None:
    bucket = tmp_path / "root" / "old"
    bucket.mkdir(parents=True, mode=0o700)
    long_key = "x" * 130  # layout 1 hashed every key longer than 127 bytes
    objects = {"top": b"1", "a/b/c": b"2", "a/d": b"3", long_key: b"4", "n/" + "y" * 128: b"5"}
    for key, data in objects.items():
        raw = key.encode()
        name = "k" + raw.hex() if len(raw) <= 127 else "h" + hashlib.sha256(raw).hexdigest()
        record = {"key": key, "size": len(data), "etag": "e", "version_id": "v", "checksums": {}}
        (bucket / name).write_bytes(data + _trailer(record))
    (bucket / ".lock").touch()  # layout 1 left an empty lock file
    store = LocalStore(tmp_path / "root")
    assert sorted(o.key for o in store.list_objects("old")) == sorted(objects)
    for key, data in objects.items():
        assert store.download("old", key) == data
        assert (bucket / local_layout.object_name(key)).is_file()
    assert sorted(p.name for p in bucket.iterdir()) == sorted([".lock", ".long", "d" + b"a".hex(), "k" + b"top".hex()])
    assert (bucket / ".lock").read_bytes() == b"layout 2\n"
    assert sorted(o.key for o in LocalStore(tmp_path / "root").list_objects("old")) == sorted(objects)
    with pytest.raises(ObjectNotFoundError):
        store.download("old", "a")


def test_object_files_and_folders_stay_private(store: LocalStore, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        store.upload("bkt", "a/b/c", data=b"1")
    finally:
        os.umask(old)
    folder = tmp_path / "root" / "bkt" / ("d" + b"a".hex())
    assert (folder.stat().st_mode & 0o777, (folder / ("d" + b"b".hex())).stat().st_mode & 0o777) == (0o700, 0o700)


def _layout_1_bucket(root: Path, objects: dict[str, bytes]) -> Path:
    bucket = root / "old"
    bucket.mkdir(parents=True, mode=0o700)
    for key, data in objects.items():
        record = {"key": key, "size": len(data), "etag": "e", "version_id": "v", "checksums": {}}
        (bucket / ("k" + key.encode().hex())).write_bytes(data + _trailer(record))
    (bucket / ".lock").touch()
    return bucket


@pytest.mark.parametrize("first", ["upload", "delete", "conditional upload", "versioned delete"])
def test_a_write_may_be_the_first_touch_of_a_layout_1_bucket(tmp_path: Path, first: str) -> None:
    # The upgrade takes the bucket lock, which a write also takes: they must not nest.
    _layout_1_bucket(tmp_path / "root", {"a/b": b"1", "top": b"2"})
    store = LocalStore(tmp_path / "root")
    if first == "upload":
        store.upload("old", "a/c", data=b"3")
    elif first == "conditional upload":
        store.upload("old", "a/b", data=b"3", if_match="e")
    elif first == "delete":
        store.delete("old", "a/b")
    else:
        store.delete("old", "a/b", version_id="v")
    expected = {"upload": ["a/b", "a/c", "top"], "conditional upload": ["a/b", "top"]}.get(first, ["top"])
    assert [o.key for o in store.list_objects("old")] == expected
    assert (tmp_path / "root" / "old" / ".lock").read_bytes() == b"layout 2\n"
