"""``ls``, ``cp``, ``mv``, ``sync``, ``rm``, ``cat``, ``stat`` and ``mb`` over every kind of URL,
through the real entry point, against moto, fake-gcs-server, Azurite and local folders."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import stat
from pathlib import Path

from tests.support.cli import CLI


def write_tree(root: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def read_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_cp_in_every_direction_and_cat_and_stat(cli: CLI, workdir: Path, buckets: dict[str, str]) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    (workdir / "data.bin").write_bytes(data)
    s3, gs, az = buckets["s3"], buckets["gs"], buckets["az"]
    cli.run("mb", "local://hops")
    hops = ["data.bin", f"{s3}/a/data.bin", f"{gs}/b/data.bin", f"{az}/c/data.bin", "local://hops/data.bin"]
    for src, dst in itertools.pairwise(hops):
        assert f"copied {src} to {dst}" in cli.run("cp", src, dst).out
    cli.run("cp", "local://hops/data.bin", f"file://{workdir}/back.bin")
    assert (workdir / "back.bin").read_bytes() == data
    for url in hops[1:]:
        assert cli.run("cat", url).stdout == data  # streamed to stdout

    info = json.loads(cli.run("stat", f"{gs}/b/data.bin", "--json").out)
    assert info["size"] == len(data)
    assert info["checksums"]["md5"] == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert "size:" in cli.run("stat", f"{az}/c/data.bin").out

    # - is stdin as SRC and stdout as DST.
    cli.run("cp", "-", f"{s3}/from-stdin.txt", stdin=b"piped in\n")
    assert cli.run("cp", f"{s3}/from-stdin.txt", "-").stdout == b"piped in\n"


def test_cp_and_sync_leave_files_with_the_mode_open_would_give_them(cli: CLI, workdir: Path) -> None:
    write_tree(workdir / "src", {"a.txt": b"a", "sub/b.txt": b"b"})
    cli.run("mb", "local://modes")
    cli.run("cp", "--recursive", "src", "local://modes/tree")
    (workdir / "kept.txt").write_bytes(b"before")
    (workdir / "kept.txt").chmod(0o600)
    old = os.umask(0o027)  # the CLI's process inherits it
    try:
        cli.run("cp", "local://modes/tree/a.txt", "fresh.txt")
        cli.run("cp", "local://modes/tree/a.txt", "kept.txt")
        cli.run("sync", "local://modes/tree", "synced")
    finally:
        os.umask(old)
    modes = {p.relative_to(workdir).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in workdir.rglob("*.txt")}
    assert {name: mode for name, mode in modes.items() if not name.startswith("src/")} == {
        "fresh.txt": 0o640,
        "kept.txt": 0o600,
        "synced/a.txt": 0o640,
        "synced/sub/b.txt": 0o640,
    }


def test_cp_into_a_prefix_or_folder_keeps_the_name(cli: CLI, workdir: Path, buckets: dict[str, str]) -> None:
    (workdir / "report.csv").write_text("a,b\n1,2\n")
    cli.run("cp", "report.csv", f"{buckets['az']}/reports/")
    assert cli.run("ls", f"{buckets['az']}/reports/").lines() == [f"{buckets['az']}/reports/report.csv"]
    (workdir / "out").mkdir()
    cli.run("cp", f"{buckets['az']}/reports/report.csv", "out")
    assert (workdir / "out" / "report.csv").read_text() == "a,b\n1,2\n"


def test_cp_recursive_ls_and_download_back(cli: CLI, workdir: Path, buckets: dict[str, str]) -> None:
    files = {f"d{i % 3}/file-{i}.txt": os.urandom(1000 + i) for i in range(12)} | {"top.txt": b"top"}
    write_tree(workdir / "site", files)
    gs = buckets["gs"]
    done = cli.run("cp", "-r", "site", f"{gs}/tree", "--jobs", "4")
    assert done.lines()[-1] == f"copied 13 files ({sum(map(len, files.values()))} bytes) from site/ to {gs}/tree/"
    listed = cli.run("ls", "-r", f"{gs}/tree").lines()
    assert listed == sorted(f"{gs}/tree/{name}" for name in files)
    assert cli.run("ls", f"{gs}/tree/").lines() == [
        f"{gs}/tree/d0/",
        f"{gs}/tree/d1/",
        f"{gs}/tree/d2/",
        f"{gs}/tree/top.txt",
    ]
    long = cli.run("ls", "--long", f"{gs}/tree/top.txt").lines()
    assert long[0].split()[0] == "3" and long[0].endswith(f"{gs}/tree/top.txt")
    # Cloud to cloud, then down again: the same tree.
    cli.run("cp", "-r", f"{gs}/tree", f"{buckets['s3']}/copy/")
    cli.run("cp", "-r", f"{buckets['s3']}/copy", "back")
    assert read_tree(workdir / "back") == files


def test_sync_copies_only_what_changed(cli: CLI, workdir: Path, buckets: dict[str, str]) -> None:
    files = {"same.txt": b"unchanged", "resized.txt": b"short", "edited.txt": b"version 1", "gone.txt": b"bye"}
    write_tree(workdir / "src", files)
    s3 = buckets["s3"]
    first = cli.run("sync", "src", f"{s3}/mirror")
    assert first.lines()[-1] == "4 copied, 0 deleted, 0 unchanged"

    (workdir / "src" / "resized.txt").write_bytes(b"much longer now")
    (workdir / "src" / "edited.txt").write_bytes(b"version 2")  # same size: only a checksum tells
    (workdir / "src" / "new.txt").write_bytes(b"new")
    (workdir / "src" / "gone.txt").unlink()

    dry = cli.run("sync", "src", f"{s3}/mirror", "--delete", "--dry-run")
    assert dry.lines() == [
        "would copy edited.txt (checksum)",
        "would delete gone.txt (extra)",
        "would copy new.txt (new)",
        "would copy resized.txt (size)",
        "3 to copy, 1 to delete, 1 unchanged (dry run)",
    ]
    assert cli.run("cat", f"{s3}/mirror/edited.txt").stdout == b"version 1"  # the dry run changed nothing

    done = cli.run("sync", "src", f"{s3}/mirror", "--delete")
    assert sorted(done.lines()[:-1]) == [
        "copied edited.txt (checksum)",
        "copied new.txt (new)",
        "copied resized.txt (size)",
        "deleted gone.txt (extra)",
    ]
    assert done.lines()[-1] == "3 copied, 1 deleted, 1 unchanged"
    assert cli.run("sync", "src", f"{s3}/mirror", "--delete").lines() == ["0 copied, 0 deleted, 4 unchanged"]

    # Cloud to cloud and cloud to disk use the same rule.
    az = buckets["az"]
    assert cli.run("sync", f"{s3}/mirror", f"{az}/mirror").lines()[-1] == "4 copied, 0 deleted, 0 unchanged"
    assert cli.run("sync", f"{s3}/mirror", f"{az}/mirror").lines() == ["0 copied, 0 deleted, 4 unchanged"]
    cli.run("sync", f"{az}/mirror", "down")
    assert read_tree(workdir / "down") == read_tree(workdir / "src")
    # A mistyped, empty SRC must not empty DST.
    refused = cli.run("sync", f"{az}/mirrror", "down", "--delete", expect=2)
    assert "refusing to delete all of DST" in refused.stderr
    assert read_tree(workdir / "down") == read_tree(workdir / "src")


def test_rm_mv_and_no_overwrite(cli: CLI, workdir: Path, buckets: dict[str, str]) -> None:
    (workdir / "a.txt").write_text("a")
    gs, az = buckets["gs"], buckets["az"]
    cli.run("cp", "a.txt", f"{gs}/x/a.txt")
    cli.run("cp", "a.txt", f"{gs}/x/b.txt")
    assert "exists" in cli.run("cp", "a.txt", f"{gs}/x/a.txt", "--no-overwrite", expect=5).stderr

    assert f"moved {gs}/x/b.txt to {az}/moved/b.txt" in cli.run("mv", f"{gs}/x/b.txt", f"{az}/moved/").out
    assert cli.run("ls", "-r", f"{gs}/x").lines() == [f"{gs}/x/a.txt"]
    assert cli.run("cat", f"{az}/moved/b.txt").stdout == b"a"

    cli.run("rm", f"{gs}/x/a.txt")
    assert "not found" in cli.run("rm", f"{gs}/x/a.txt", expect=4).stderr
    cli.run("cp", "-r", ".", f"{az}/all")
    assert "deleted 1 objects" in cli.run("rm", "-r", "--yes", f"{az}/all").out
    assert cli.run("ls", "-r", f"{az}/all").lines() == []

    cli.run("rm", "a.txt")  # a plain file
    assert not (workdir / "a.txt").exists()
