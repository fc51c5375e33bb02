"""The public API as a strict-mypy user sees it: these annotations are checked by ``make
typecheck`` (mypy --strict over tests), and the code runs on the local store."""

from __future__ import annotations

from pathlib import Path

from codomyrmex_cloud import LocalStore, ObjectInfo, ObjectStore


def use(store: ObjectStore, folder: Path) -> tuple[bytes, Path, list[ObjectInfo]]:
    store.create_bucket("typed")
    info: ObjectInfo = store.upload("typed", "k", data=b"abc")
    as_bytes: bytes = store.download("typed", "k")  # overload: bytes without local_path
    as_path: Path = store.download("typed", "k", local_path=folder / "k")  # Path with it
    listed: list[ObjectInfo] = list(store.list_objects("typed"))
    assert info.size == 3
    return as_bytes, as_path, listed


def test_download_overloads_follow_the_arguments(tmp_path: Path) -> None:
    as_bytes, as_path, listed = use(LocalStore(tmp_path / "store"), tmp_path)
    assert as_bytes == b"abc" and as_path.read_bytes() == b"abc" and [o.key for o in listed] == ["k"]
