"""``FileSystemStore``: plain files and folders on disk behind the object-store contract.

This is what a plain local path (or a ``file://`` URL) means on the command line: a normal
file you can open in an editor, not an object in a :class:`LocalStore` bucket. A "bucket" is
a folder path and a key a path relative to it with ``/`` separators, so the copy, sync and
listing code in :mod:`codomyrmex_cloud.storage.tree` treats a local folder exactly like a
bucket prefix. It is a backend of :class:`~codomyrmex_cloud.storage.base.BaseStore`: every
argument is validated first (:data:`~codomyrmex_cloud.storage.validation.FILES`), deadlines
are checked between chunks, and OS errors are mapped once (:func:`map_error`).

- Keys follow the shared key rule (no ``.``, ``..`` or empty segment, no backslash or
  control character), and must not end in ``/``: a key listed in a hostile bucket can never
  name a file outside the target folder. Symbolic links to folders are not followed when
  listing (no loops, nothing outside the tree).
- A plain file keeps only its bytes: metadata, content headers, tags, storage classes,
  encryption, ``if_match`` and versions are refused (``UnsupportedOperationError``) before
  anything is touched; ``content_type`` is accepted and not stored (``stat`` reports the
  type guessed from the file name). Files have no etag and no stored checksum (computing
  one on every ``stat`` would read every file); an upload reports the MD5 and CRC32 of
  what it wrote, and ``sync`` hashes a file only when it has to compare it.
- Writes go to a private temporary file beside the target, renamed into place only when
  complete (``if_none_match="*"``: linked into place only if nothing is there) with the mode
  ``open(target, "wb")`` would give it (see :mod:`~codomyrmex_cloud.storage.staging`). A missing folder
  lists as empty and is created by the first write into it, as a prefix in a cloud bucket.
- A folder is not an object: reading one raises ObjectNotFoundError. There is no list of
  buckets (``list_buckets`` raises UnsupportedOperationError), no signed URLs, no tags.
"""

from __future__ import annotations

import errno
import mimetypes
import os
import shutil
import stat as stat_module
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from codomyrmex_cloud.storage import deadline as deadlines
from codomyrmex_cloud.storage import validation as v
from codomyrmex_cloud.storage.base import BaseStore
from codomyrmex_cloud.storage.errors import (
    BucketNotEmptyError,
    BucketNotFoundError,
    InvalidArgumentError,
    ObjectNotFoundError,
    PreconditionFailedError,
    StorageError,
    StoragePermissionError,
    UnsupportedOperationError,
)
from codomyrmex_cloud.storage.staging import StagedWrite, user_file_mode
from codomyrmex_cloud.storage.transfer import DownloadSink, Progress, UploadSource, pread_chunks
from codomyrmex_cloud.storage.types import CHUNK_SIZE, BucketInfo, ObjectInfo, ObjectVersion, Page

#: Bytes read or written per step.
_COPY_CHUNK = 1024 * 1024
_LIST_PAGE = 1000
# O_NONBLOCK: opening a FIFO (or a device) must not hang before fstat refuses it; reads of
# a regular file ignore it.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def map_error(exc: BaseException, bucket: str | None, key: str | None) -> StorageError | None:
    """The file system's errors as StorageErrors (the one mapping for FileSystemStore)."""
    if not isinstance(exc, OSError):
        return None
    where = os.path.join(bucket, key) if bucket and key else str(bucket or key)
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StoragePermissionError(f"no permission for {where}: {reason}", bucket=bucket, key=key)
    if exc.errno == errno.ENOENT:
        if key is None or (bucket is not None and not os.path.isdir(bucket)):
            return BucketNotFoundError(f"folder {bucket!r} does not exist", bucket=bucket, key=key)
        return ObjectNotFoundError(f"{where} does not exist", bucket=bucket, key=key)
    if exc.errno in (errno.EISDIR, errno.ENOTDIR, errno.EEXIST):
        # Writing where a folder is, or below a file: the key cannot name a file here.
        return InvalidArgumentError(
            f"key: {where} cannot be a file here (a folder is in its place, or one of its folders is a file)",
            argument="key",
            bucket=bucket,
            key=key,
        )
    if exc.errno == errno.ENAMETOOLONG:
        return InvalidArgumentError(f"key: {where}: {reason}", argument="key", bucket=bucket, key=key)
    return StorageError(f"{where}: {reason}", bucket=bucket, key=key)


class FileSystemStore(BaseStore):
    """Plain files on disk: a bucket is a folder, a key a ``/``-separated path inside it.

    Args:
        deadline: Default seconds per operation (checked between chunks), or None.
    """

    _rules = v.FILES
    _map_error = staticmethod(map_error)

    def __init__(self, *, deadline: float | None = None) -> None:
        self._default_deadline = v.check_seconds(deadline, "deadline")

    def __repr__(self) -> str:
        return "FileSystemStore()"

    def __getstate__(self) -> dict[str, Any]:
        return {"deadline": self._default_deadline}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._default_deadline = state["deadline"]

    def path(self, bucket: str, key: str) -> Path:
        """The file ``key`` names inside folder ``bucket``, after checking both.

        Raises:
            InvalidArgumentError: The folder or the key is refused (see the module docstring).
        """
        bucket, key = self._names(bucket, key)
        return Path(bucket) / key

    # Reading ----------------------------------------------------------------------------

    def _open_file(self, bucket: str, key: str) -> tuple[int, ObjectInfo]:
        """An open descriptor on the file and its description; a folder is not an object."""
        path = os.path.join(bucket, key)
        try:
            fd = os.open(path, _OPEN_FLAGS)
        except NotADirectoryError:  # one of the key's folders is a file: no such file
            raise ObjectNotFoundError(f"{path} does not exist", bucket=bucket, key=key) from None
        try:
            st = os.fstat(fd)
            if stat_module.S_ISDIR(st.st_mode):
                raise ObjectNotFoundError(f"{path} is a folder, not a file", bucket=bucket, key=key)
            if not stat_module.S_ISREG(st.st_mode):
                raise InvalidArgumentError(f"key: {path} is not a regular file", argument="key", bucket=bucket, key=key)
        except BaseException:
            os.close(fd)
            raise
        return fd, _info(bucket, key, st)

    def _get(self, bucket: str, key: str, sink: DownloadSink, opts: v.ReadOptions) -> None:
        fd, info = self._open_file(bucket, key)
        sink.begin(info)
        for chunk in pread_chunks(fd, 0, info.size, _COPY_CHUNK):
            _check_deadline(f"read of {bucket}/{key}")
            sink.write(chunk)

    def _open(
        self, bucket: str, key: str, start: int, end: int | None, opts: v.ReadOptions
    ) -> tuple[ObjectInfo | None, Iterator[bytes]]:
        fd, info = self._open_file(bucket, key)
        if start >= info.size and not (start == 0 and end is None):
            os.close(fd)
            return None, iter(())
        stop = info.size if end is None else min(end, info.size)
        return info, pread_chunks(fd, start, stop, CHUNK_SIZE)

    def _stat(self, bucket: str, key: str, opts: v.ReadOptions) -> ObjectInfo:
        fd, info = self._open_file(bucket, key)
        os.close(fd)
        return info

    # Writing ----------------------------------------------------------------------------

    def _put(self, bucket: str, key: str, source: UploadSource, opts: v.WriteOptions, progress: Progress) -> ObjectInfo:
        with self._writer(bucket, key, opts, _COPY_CHUNK) as target:
            while True:
                _check_deadline(f"write of {bucket}/{key}")
                chunk = source.stream.read(_COPY_CHUNK)
                if not chunk:
                    break
                if not isinstance(chunk, bytes | bytearray | memoryview):
                    raise InvalidArgumentError(
                        f"data: read() returned {type(chunk).__name__}, not bytes", argument="data"
                    )
                target.append(bytes(chunk))
                progress.add(len(chunk))
            if progress.done == 0:
                progress.add(0)
            return target.commit()

    def _writer(self, bucket: str, key: str, opts: v.WriteOptions, part_size: int) -> _FileWrite:
        return _FileWrite(bucket, key, opts)

    def _copy(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str, opts: v.CopyOptions) -> ObjectInfo:
        # Plain files keep no versions and no encryption: validation refused both already.
        fd, info = self._open_file(src_bucket, src_key)
        try:
            target = self._writer(dst_bucket, dst_key, v.WriteOptions(), _COPY_CHUNK)
        except BaseException:
            os.close(fd)
            raise
        with target:
            for chunk in pread_chunks(fd, 0, info.size, _COPY_CHUNK):
                _check_deadline(f"copy of {src_bucket}/{src_key}")
                target.append(chunk)
            return target.commit()

    # Deleting ---------------------------------------------------------------------------

    def _delete(self, bucket: str, key: str, version_id: str | None) -> None:
        try:
            os.unlink(os.path.join(bucket, key))  # a folder left empty stays
        except (FileNotFoundError, NotADirectoryError):
            return  # already gone (or never could have existed)

    # Listings ---------------------------------------------------------------------------

    def _list(
        self, bucket: str, prefix: str, delimiter: str | None, page_size: int | None
    ) -> Iterator[Page[ObjectInfo]]:
        objects, prefixes = self._scan(bucket, prefix, delimiter)
        objects.sort(key=lambda info: info.key)
        prefixes.sort()
        size = page_size or _LIST_PAGE
        for start in range(0, max(len(objects), 1), size):
            yield objects[start : start + size], prefixes if start == 0 else []

    def _scan(self, bucket: str, prefix: str, delimiter: str | None) -> tuple[list[ObjectInfo], list[str]]:
        folder, _, _ = prefix.rpartition("/")
        if folder:  # the listing starts in this folder: it must stay inside the tree
            v.check_key(folder, argument="prefix", bucket=bucket)
        root = Path(bucket)
        start = root / folder if folder else root
        objects: list[ObjectInfo] = []
        prefixes: set[str] = set()
        if not start.is_dir():
            return objects, []  # a missing folder is an empty prefix
        pending = [start]
        while pending:
            with os.scandir(pending.pop()) as entries:
                for entry in entries:
                    key = Path(entry.path).relative_to(root).as_posix()
                    if entry.is_dir(follow_symlinks=False):
                        if delimiter == "/":
                            if (key + "/").startswith(prefix):
                                prefixes.add(key + "/")  # one level only: a "directory"
                        elif (key + "/").startswith(prefix) or prefix.startswith(key + "/"):
                            pending.append(Path(entry.path))  # keys below may match
                        continue
                    if not entry.is_file() or not key.startswith(prefix):
                        continue  # links to folders, sockets, FIFOs; other names
                    rest = key[len(prefix) :]
                    if delimiter and delimiter in rest:
                        prefixes.add(prefix + rest[: rest.index(delimiter) + len(delimiter)])
                        continue
                    objects.append(_info(bucket, key, entry.stat()))
        return objects, list(prefixes)

    def _list_versions(self, bucket: str, prefix: str, page_size: int | None) -> Iterator[Page[ObjectVersion]]:
        for objects, _ in self._list(bucket, prefix, None, page_size):
            yield [ObjectVersion(**{f: getattr(o, f) for f in o.__dataclass_fields__}) for o in objects], []

    # Folders ----------------------------------------------------------------------------

    def _create_bucket(self, bucket: str) -> None:
        Path(bucket).mkdir(parents=True, exist_ok=True)

    def _delete_bucket(self, bucket: str, force: bool) -> None:
        path = Path(bucket)
        if not path.is_dir():
            return  # already gone
        if force:
            shutil.rmtree(path)
        elif any(path.iterdir()):
            raise BucketNotEmptyError(f"folder {bucket!r} is not empty", bucket=bucket)
        else:
            path.rmdir()

    def _bucket_exists(self, bucket: str) -> bool:
        return Path(bucket).is_dir()

    def _list_buckets(self, prefix: str) -> list[BucketInfo]:
        raise UnsupportedOperationError("list_buckets: plain files have no list of buckets; list a folder instead")


class _FileWrite(StagedWrite):
    """One write: bytes to a private temporary file beside the target, renamed into place
    with the mode ``open(target, "wb")`` would give it."""

    def __init__(self, bucket: str, key: str, opts: v.WriteOptions) -> None:
        self._target = Path(bucket) / key
        self._opts = opts
        self._bucket = bucket
        self._key = key
        self._target.parent.mkdir(parents=True, exist_ok=True)
        super().__init__(self._target.parent, prefix=f".{self._target.name[:200]}.", suffix=".part")

    def commit(self) -> ObjectInfo:
        """Rename (or, with ``if_none_match="*"``, link) the file into place."""
        self._close(user_file_mode(self._target))
        if self._opts.create_only:
            try:
                os.link(self._temp, self._target)  # atomic create-if-absent
            except FileExistsError:
                raise PreconditionFailedError(
                    f"{self._target} already exists", bucket=self._bucket, key=self._key
                ) from None
            self._temp.unlink()
        else:
            os.replace(self._temp, self._target)
        written = _info(self._bucket, self._key, self._target.stat())
        return ObjectInfo(
            bucket=written.bucket,
            key=written.key,
            size=self._digests.size,
            last_modified=written.last_modified,
            content_type=written.content_type,
            checksums=self._digests.hexdigests(),
        )


def _check_deadline(what: str) -> None:
    """Between chunks: there is no request whose timeout could bound a local operation."""
    left = deadlines.remaining()
    if left is not None and left <= 0:
        raise deadlines.expired_error(what)


def _info(bucket: str, key: str, st: os.stat_result) -> ObjectInfo:
    return ObjectInfo(
        bucket=bucket,
        key=key,
        size=st.st_size,
        last_modified=datetime.fromtimestamp(st.st_mtime, UTC),
        content_type=mimetypes.guess_type(key)[0],
    )
