"""Plain files as a store: keys can never leave their folder, writes are atomic."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codomyrmex_cloud import InvalidArgumentError, ObjectNotFoundError, PreconditionFailedError
from codomyrmex_cloud.storage.base import ObjectStore
from codomyrmex_cloud.storage.files import FileSystemStore

HOSTILE = ["..", ".", "../x", "a/../b", "a/./b", "x/..", "/etc/passwd", "a//b", "", "x\x00y"]


@pytest.mark.parametrize("key", HOSTILE)
def test_hostile_keys_are_refused_before_touching_the_disk(tmp_path: Path, key: str) -> None:
    store: ObjectStore = FileSystemStore()
    folder = tmp_path / "inside"
    with pytest.raises(InvalidArgumentError) as caught:
        store.upload(str(folder), key, data=b"planted")
    assert repr(key) in str(caught.value) or "non-empty" in str(caught.value)
    assert not folder.exists() and sorted(p.name for p in tmp_path.iterdir()) == []


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
