"""Where ``LocalStore`` keeps each object in its bucket folder, and the walk that lists a prefix
by opening only the folders the prefix can match.

Layout 2: a key's ``/``-separated segments are folders. ``a/b/c`` is the file ``k<hex c>`` in
``d<hex a>/d<hex b>/`` (hex of the UTF-8: safe names that sort like the keys; a key ending in
``/`` is the file ``k`` in its last folder). A key with a segment longer than 127 bytes (its
name would pass NAME_MAX) is ``.long/h<sha256 of the key>``. So listing ``p07/`` reads the
folder ``d<hex p07>`` and the ``.long`` folder, whatever else the bucket holds: the cost
follows what the prefix matches. Folders left empty by a delete are removed.

Every folder below the bucket folder is opened relative to its parent's descriptor with
``O_NOFOLLOW``, so no symbolic link is followed anywhere in a bucket.

Buckets written by layout 1 (every object a file at the top, named by its whole key) are
upgraded once, under the bucket lock, when a store first touches them; the bucket's lock
file then says ``layout 2``.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import stat
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("codomyrmex_cloud.storage.local")

#: Segments up to this many UTF-8 bytes are hex names ("k" + 254 hex digits = NAME_MAX 255).
HEX_BYTES = 127
LONG = ".long"
#: The bucket's lock file also says which layout the bucket is in (empty: layout 1).
LOCK = ".lock"
_LAYOUT_2 = b"layout 2\n"
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)

#: ``read(folder_fd, name, key)``: the record in file ``name`` of the folder, checked to be
#: ``key``'s (any key when None), or None when it is not an object (logged and skipped).
Reader = Callable[[int, str, str | None], dict[str, Any] | None]


def object_path(key: str) -> tuple[tuple[str, ...], str]:
    """The folders (outermost first) and the file name of ``key``'s object."""
    segments = [segment.encode("utf-8") for segment in key.split("/")]
    if any(len(segment) > HEX_BYTES for segment in segments):
        return (LONG,), "h" + hashlib.sha256(key.encode("utf-8")).hexdigest()
    return tuple("d" + segment.hex() for segment in segments[:-1]), "k" + segments[-1].hex()


def object_name(key: str) -> str:
    """``key``'s object file, relative to its bucket folder."""
    folders, name = object_path(key)
    return "/".join((*folders, name))


def open_folder(bucket_fd: int, folders: tuple[str, ...], *, create: bool = False) -> int:
    """A descriptor on the folder (closed by the caller), each step without following links.

    Raises:
        FileNotFoundError: A folder is missing (and ``create`` is False).
        OSError: ``ELOOP``/``ENOTDIR``: a step is a symbolic link or a file.
    """
    fd = os.dup(bucket_fd)
    try:
        for folder in folders:
            try:
                inner = os.open(folder, DIR_FLAGS, dir_fd=fd)
            except NotADirectoryError:
                # O_DIRECTORY on a link says ENOTDIR (the link is not a folder): tell it apart.
                if stat.S_ISLNK(os.stat(folder, dir_fd=fd, follow_symlinks=False).st_mode):
                    raise OSError(errno.ELOOP, "a folder is a symbolic link", folder) from None
                raise
            except FileNotFoundError:
                if not create:
                    raise
                with contextlib.suppress(FileExistsError):  # made meanwhile by another writer
                    os.mkdir(folder, 0o700, dir_fd=fd)
                inner = os.open(folder, DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = inner
    except BaseException:
        os.close(fd)
        raise
    return fd


def prune(bucket_fd: int, folders: tuple[str, ...]) -> None:
    """Remove the innermost folders of ``folders`` that are empty (call under the lock)."""
    for depth in range(len(folders), 0, -1):
        try:
            parent = open_folder(bucket_fd, folders[: depth - 1])
        except OSError:
            return
        try:
            os.rmdir(folders[depth - 1], dir_fd=parent)
        except OSError:
            return  # not empty (or already gone): the folders above are not empty either
        finally:
            os.close(parent)


def walk(
    bucket_fd: int, prefix: str, read: Reader, *, folders_as_prefixes: bool
) -> tuple[list[dict[str, Any]], set[str]]:
    """The records of every object whose key starts with ``prefix``.

    With ``folders_as_prefixes`` (delimiter ``/``), the folders at the prefix's level are
    not entered but reported as common prefixes (those that hold an object).
    """
    *complete, partial = prefix.split("/")
    records: list[dict[str, Any]] = []
    prefixes: set[str] = set()
    fd = _descend(bucket_fd, complete)
    if fd is not None:
        base = "".join(segment + "/" for segment in complete)
        try:
            _scan(fd, base, partial.encode("utf-8").hex(), read, folders_as_prefixes, records, prefixes)
        finally:
            os.close(fd)
    for record in _long_records(bucket_fd, read):
        key = record["key"]
        if not key.startswith(prefix):
            continue
        rest = key[len(prefix) :]
        if folders_as_prefixes and "/" in rest:
            prefixes.add(prefix + rest[: rest.index("/") + 1])
        else:
            records.append(record)
    return records, prefixes


def holds_objects(bucket_fd: int) -> bool:
    """True if any object is stored in the bucket."""
    if _any_object(bucket_fd):
        return True
    try:
        fd = os.open(LONG, DIR_FLAGS, dir_fd=bucket_fd)
    except OSError:
        return False
    try:
        return any(not name.startswith(".") and not is_dir for name, is_dir in _entries(fd))
    finally:
        os.close(fd)


def _descend(bucket_fd: int, segments: list[str]) -> int | None:
    """The folder of ``segments``, or None when no key can lie below it."""
    folders = []
    for segment in segments:
        raw = segment.encode("utf-8")
        if not raw or len(raw) > HEX_BYTES:
            return None  # no key has an empty segment; long segments live in .long
        folders.append("d" + raw.hex())
    try:
        return open_folder(bucket_fd, tuple(folders))
    except OSError:
        return None  # missing, or not a real folder: nothing is stored below it


def _entries(fd: int) -> list[tuple[str, bool]]:
    try:
        with os.scandir(fd) as entries:
            return [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries]
    except FileNotFoundError:  # removed meanwhile
        return []


def _segment(name: str) -> str | None:
    try:
        return bytes.fromhex(name[1:]).decode("utf-8")
    except ValueError:
        return None


def _scan(
    fd: int,
    base: str,
    want: str,
    read: Reader,
    folders_as_prefixes: bool,
    records: list[dict[str, Any]],
    prefixes: set[str],
) -> None:
    for name, is_dir in _entries(fd):
        kind = name[:1]
        if kind == ".":
            continue  # temporary files, the lock, the layout marker, .long
        if kind not in ("k", "d"):
            logger.warning("LocalStore: skipping %s%s: not an object file", base, name)
            continue
        if not name.startswith(want, 1):
            continue
        segment = _segment(name)
        if segment is None or (kind == "d") != is_dir or (kind == "d" and not segment):
            logger.warning("LocalStore: skipping %s%s: not an object file", base, name)
            continue
        if kind == "k":
            record = read(fd, name, base + segment)
            if record is not None:
                records.append(record)
            continue
        try:
            inner = os.open(name, DIR_FLAGS, dir_fd=fd)
        except OSError:
            continue  # removed meanwhile, or replaced by a link
        try:
            if folders_as_prefixes:
                if _any_object(inner):
                    prefixes.add(base + segment + "/")
            else:
                _scan(inner, base + segment + "/", "", read, False, records, prefixes)
        finally:
            os.close(inner)


def _any_object(fd: int) -> bool:
    for name, is_dir in _entries(fd):
        if name.startswith("k") and not is_dir:
            return True
        if name.startswith("d") and is_dir:
            try:
                inner = os.open(name, DIR_FLAGS, dir_fd=fd)
            except OSError:
                continue
            try:
                if _any_object(inner):
                    return True
            finally:
                os.close(inner)
    return False


def _long_records(bucket_fd: int, read: Reader) -> list[dict[str, Any]]:
    try:
        fd = os.open(LONG, DIR_FLAGS, dir_fd=bucket_fd)
    except OSError:
        return []
    try:
        found = []
        for name, is_dir in _entries(fd):
            if name.startswith(".") or is_dir:
                continue
            record = read(fd, name, None)
            if record is not None and object_path(record["key"]) == ((LONG,), name):
                found.append(record)
            elif record is not None:
                logger.warning("LocalStore: skipping %s/%s: not where its key belongs", LONG, name)
        return found
    finally:
        os.close(fd)


def upgrade(bucket_fd: int, read: Reader) -> int:
    """Move layout-1 objects (files at the top named by their whole key) to where layout 2
    keeps them, then write the marker; call under the bucket lock. Returns how many moved.

    A layout-2 file already at the new place is newer (only this layout writes there): the
    old file is then removed instead.
    """
    moved = 0
    for name, is_dir in _entries(bucket_fd):
        if is_dir or not name.startswith(("k", "h")):
            continue
        if name.startswith("k"):
            key = _segment(name)
            if key is None or "/" not in key:
                continue  # already where layout 2 keeps it, or not an object
        else:
            record = read(bucket_fd, name, None)
            if record is None:
                continue
            key = record["key"]
        folders, target = object_path(key)
        fd = open_folder(bucket_fd, folders, create=True)
        try:
            try:
                os.stat(target, dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                os.rename(name, target, src_dir_fd=bucket_fd, dst_dir_fd=fd)
            else:
                os.unlink(name, dir_fd=bucket_fd)
        finally:
            os.close(fd)
        moved += 1
    lock = os.open(LOCK, os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600, dir_fd=bucket_fd)
    try:
        os.pwrite(lock, _LAYOUT_2, 0)
        os.ftruncate(lock, len(_LAYOUT_2))
    finally:
        os.close(lock)
    return moved


def is_upgraded(bucket_fd: int) -> bool:
    """True when the bucket is in layout 2."""
    try:
        lock = os.open(LOCK, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0), dir_fd=bucket_fd)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return False
        raise
    try:
        return os.pread(lock, len(_LAYOUT_2) + 1, 0) == _LAYOUT_2
    finally:
        os.close(lock)
