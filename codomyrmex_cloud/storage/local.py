"""``LocalStore``: the object-store contract on a local folder (the embedded default).

Layout: ``<root>/<bucket>/`` holds one file per object. The file is the object's bytes
followed by a JSON trailer (key, size, etag, checksums, content headers, metadata, tags,
version id), the trailer's length and a magic marker. Bytes and description live in one
file, replaced by one ``rename``, so a reader always sees both of one version. A key's
``/``-separated segments are folders named by their UTF-8 in hex, so a prefix listing opens
only the folders the prefix matches (see :mod:`~codomyrmex_cloud.storage.local_layout`).

- Bucket names follow the portable rule (what every cloud accepts); keys the shared key rule.
- Links are never followed: a bucket folder, a folder in it or an object file that is a
  symlink is refused or skipped (``O_NOFOLLOW``, every step opened from its parent's
  descriptor), so nothing outside ``root`` is read or written through the store.
- Object files are created ``0600`` (owner only), whatever the umask.
- Commits take an ``flock`` on ``<bucket>/.lock``, so ``if_match``/``if_none_match`` hold
  across threads and processes.
- A file in a bucket folder that is not an object (a stray or damaged file) is skipped with a
  warning by listings, never fatal.
- There is no network: ``deadline=`` is checked between chunks; a source that blocks in one
  ``read()`` cannot be interrupted.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import shutil
import stat as stat_module
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from codomyrmex_cloud.storage import deadline as deadlines
from codomyrmex_cloud.storage import local_layout as layout
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
)
from codomyrmex_cloud.storage.staging import StagedWrite
from codomyrmex_cloud.storage.transfer import DownloadSink, Progress, UploadSource, pread_chunks
from codomyrmex_cloud.storage.types import (
    CHUNK_SIZE,
    BucketInfo,
    ObjectInfo,
    ObjectVersion,
    Page,
    PathLike,
)

logger = logging.getLogger("codomyrmex_cloud.storage.local")

_LIST_PAGE = 1000
_MAGIC = b"\ncodomyrmex-object-v1\n"
_TAIL = 8 + len(_MAGIC)  # trailer length (8 bytes, big-endian) + magic
_MAX_TRAILER = 1024 * 1024
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def map_error(exc: BaseException, bucket: str | None, key: str | None) -> StorageError | None:
    """The local filesystem's errors as StorageErrors (the one mapping for LocalStore)."""
    if not isinstance(exc, OSError):
        return None
    where = f"{bucket}/{key}" if key else str(bucket)
    if exc.errno == errno.ELOOP:
        return StoragePermissionError(f"{where}: refusing to follow a symbolic link", bucket=bucket, key=key)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StoragePermissionError(f"{where}: {exc.strerror}", bucket=bucket, key=key)
    if exc.errno == errno.ENOENT:
        if key is None:
            return BucketNotFoundError(f"bucket {bucket!r} does not exist", bucket=bucket)
        return ObjectNotFoundError(f"{where} does not exist", bucket=bucket, key=key)
    if exc.errno in (errno.ENAMETOOLONG, errno.EINVAL):
        return InvalidArgumentError(f"{where}: {exc.strerror}", bucket=bucket, key=key)
    return StorageError(f"{where}: {exc.strerror or exc}", bucket=bucket, key=key)


def object_name(key: str) -> str:
    """``key``'s object file, relative to its bucket folder."""
    return layout.object_name(key)


class _Record:
    """An open object file: its description (trailer) and a descriptor on its bytes."""

    def __init__(self, fd: int, record: dict[str, Any], bucket: str) -> None:
        self.fd = fd
        self.record = record
        self.info = _info(bucket, record)

    def chunks(self, start: int, end: int | None, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The bytes ``[start, end)`` of this version; closes the descriptor when done."""
        stop = self.info.size if end is None else min(end, self.info.size)
        return pread_chunks(self.fd, start, stop, chunk_size)


def _read_trailer(fd: int) -> dict[str, Any]:
    size = os.fstat(fd).st_size
    if size < _TAIL:
        raise ValueError("too short to be an object file")
    tail = os.pread(fd, _TAIL, size - _TAIL)
    if tail[8:] != _MAGIC:
        raise ValueError("no object trailer")
    length = int.from_bytes(tail[:8], "big")
    if length > _MAX_TRAILER or length > size - _TAIL:
        raise ValueError("damaged object trailer")
    record: dict[str, Any] = json.loads(os.pread(fd, length, size - _TAIL - length))
    if not isinstance(record, dict) or not isinstance(record.get("key"), str):
        raise ValueError("object trailer without a key")
    if size - _TAIL - length != record.get("size"):
        raise ValueError("object size does not match its trailer")
    return record


def _trailer(record: Mapping[str, Any]) -> bytes:
    encoded = json.dumps(record, separators=(",", ":")).encode()
    return encoded + len(encoded).to_bytes(8, "big") + _MAGIC


class LocalStore(BaseStore):
    """Object storage in a local folder.

    Args:
        root: The folder holding one sub-folder per bucket (created if missing).
        deadline: Default seconds per operation (checked between chunks), or None.
    """

    _rules = v.PORTABLE
    _map_error = staticmethod(map_error)

    def __init__(self, root: PathLike = ".codomyrmex-store", *, deadline: float | None = None) -> None:
        self.root = v.check_root(root)
        self._default_deadline = v.check_seconds(deadline, "deadline")
        self._current: set[str] = set()  # buckets seen in layout 2 (no upgrade to check)
        self.root.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"LocalStore(root={str(self.root)!r})"

    def __getstate__(self) -> dict[str, Any]:
        return {"root": str(self.root), "deadline": self._default_deadline}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.root = Path(state["root"])
        self._default_deadline = state["deadline"]
        self._current = set()

    # Paths ------------------------------------------------------------------------------

    def _bucket_dir(self, bucket: str, *, must_exist: bool = True) -> Path:
        path = self.root / bucket
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            if must_exist:
                raise BucketNotFoundError(f"bucket {bucket!r} does not exist", bucket=bucket) from None
            return path
        if stat_module.S_ISLNK(mode):
            raise StoragePermissionError(f"bucket folder {str(path)!r} is a symbolic link; refusing", bucket=bucket)
        if not stat_module.S_ISDIR(mode):
            raise StorageError(f"{str(path)!r} is not a bucket folder", bucket=bucket)
        return path

    def _bucket_fd(self, bucket: str) -> int:
        """A descriptor on the bucket folder (closed by the caller), upgraded to layout 2."""
        path = self._bucket_dir(bucket)
        try:
            fd = os.open(path, layout.DIR_FLAGS)
        except FileNotFoundError:
            raise BucketNotFoundError(f"bucket {bucket!r} does not exist", bucket=bucket) from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise StoragePermissionError(f"bucket folder {str(path)!r} is a symbolic link; refusing") from exc
            raise
        if bucket not in self._current:
            try:
                if not layout.is_upgraded(fd):
                    with self._locked(path):
                        if not layout.is_upgraded(fd):
                            moved = layout.upgrade(fd, self._reader(bucket))
                            logger.info("LocalStore: bucket %s upgraded to layout 2 (%d objects moved)", bucket, moved)
            except BaseException:
                os.close(fd)
                raise
            self._current.add(bucket)
        return fd

    def _open_record(self, bucket: str, key: str, opts: v.ReadOptions | None = None) -> _Record:
        folders, name = layout.object_path(key)
        bucket_fd = self._bucket_fd(bucket)
        try:
            folder = layout.open_folder(bucket_fd, folders)
            try:
                fd = os.open(name, _OPEN_FLAGS, dir_fd=folder)
            finally:
                os.close(folder)
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectNotFoundError(f"{bucket}/{key} does not exist", bucket=bucket, key=key) from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise StoragePermissionError(
                    f"{bucket}/{key}: the object file or one of its folders is a symbolic link; refusing",
                    bucket=bucket,
                    key=key,
                ) from exc
            raise
        finally:
            os.close(bucket_fd)
        try:
            if not stat_module.S_ISREG(os.fstat(fd).st_mode):
                raise StorageError(f"{bucket}/{key}: not a regular file", bucket=bucket, key=key)
            record = _read_trailer(fd)
            if record["key"] != key:  # a hash collision or a foreign file: not this object
                raise ObjectNotFoundError(f"{bucket}/{key} does not exist", bucket=bucket, key=key)
            current = _Record(fd, record, bucket)
        except ValueError as exc:
            os.close(fd)
            raise StorageError(f"{bucket}/{key}: damaged object file ({exc})", bucket=bucket, key=key) from exc
        except BaseException:
            os.close(fd)
            raise
        if opts is not None:
            if opts.version_id is not None and opts.version_id != current.info.version_id:
                os.close(fd)
                raise ObjectNotFoundError(f"{bucket}/{key} has no version {opts.version_id!r}", bucket=bucket, key=key)
            if opts.if_match is not None and opts.if_match != current.info.etag:
                os.close(fd)
                raise PreconditionFailedError(
                    f"{bucket}/{key} does not match etag {opts.if_match!r}", bucket=bucket, key=key
                )
        return current

    @contextlib.contextmanager
    def _locked(self, folder: Path) -> Iterator[None]:
        lock = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield
        finally:
            os.close(lock)

    # Buckets ----------------------------------------------------------------------------

    def _create_bucket(self, bucket: str) -> None:
        path = self._bucket_dir(bucket, must_exist=False)
        path.mkdir(mode=0o700, exist_ok=True)
        os.close(self._bucket_fd(bucket))  # refuses a symlink planted under the name; marks the layout

    def _delete_bucket(self, bucket: str, force: bool) -> None:
        try:
            path = self._bucket_dir(bucket)
        except BucketNotFoundError:
            return  # already gone
        if not force:
            fd = self._bucket_fd(bucket)
            try:
                if layout.holds_objects(fd):
                    raise BucketNotEmptyError(f"bucket {bucket!r} is not empty", bucket=bucket)
            finally:
                os.close(fd)
        shutil.rmtree(path)
        self._current.discard(bucket)  # a bucket made again under this name is checked again

    def _bucket_exists(self, bucket: str) -> bool:
        try:
            self._bucket_dir(bucket)
        except BucketNotFoundError:
            return False
        return True

    def _list_buckets(self, prefix: str) -> list[BucketInfo]:
        found = []
        for entry in os.scandir(self.root):
            if not entry.name.startswith(prefix) or not entry.is_dir(follow_symlinks=False):
                continue
            try:
                v.check_bucket(entry.name, self._rules)
            except InvalidArgumentError:
                continue
            created = datetime.fromtimestamp(entry.stat(follow_symlinks=False).st_mtime, UTC)
            found.append(BucketInfo(entry.name, created))
        return found

    # Writes -----------------------------------------------------------------------------

    def _put(self, bucket: str, key: str, source: UploadSource, opts: v.WriteOptions, progress: Progress) -> ObjectInfo:
        with self._writer(bucket, key, opts, CHUNK_SIZE) as target:
            while True:
                left = deadlines.remaining()
                if left is not None and left <= 0:
                    raise deadlines.expired_error(f"upload of {bucket}/{key}")
                chunk = source.stream.read(CHUNK_SIZE)
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

    def _writer(self, bucket: str, key: str, opts: v.WriteOptions, part_size: int) -> _LocalWrite:
        if opts.encryption is not None:  # pragma: no cover - the rules refuse it first
            raise InvalidArgumentError("encryption: LocalStore does not encrypt", argument="encryption")
        return _LocalWrite(self, bucket, key, opts)

    def _commit(self, bucket: str, key: str, temp: Path, opts: v.WriteOptions) -> None:
        folder = self._bucket_dir(bucket)
        folders, name = layout.object_path(key)
        # Opened before the lock: a store's first touch of a layout-1 bucket upgrades it under
        # that same lock, and flock does not nest.
        bucket_fd = self._bucket_fd(bucket)
        try:
            with self._locked(folder):
                if opts.if_match is not None:
                    try:
                        current = self._open_record(bucket, key)
                    except ObjectNotFoundError:
                        current = None
                    if current is not None:
                        os.close(current.fd)
                    if current is None or current.info.etag != opts.if_match:
                        raise PreconditionFailedError(
                            f"{bucket}/{key} does not match etag {opts.if_match!r}", bucket=bucket, key=key
                        )
                target = layout.open_folder(bucket_fd, folders, create=True)
                try:
                    if opts.create_only:
                        try:
                            os.link(temp, name, dst_dir_fd=target)  # atomic create-if-absent
                        except FileExistsError:
                            raise PreconditionFailedError(
                                f"{bucket}/{key} already exists", bucket=bucket, key=key
                            ) from None
                        temp.unlink()
                    else:
                        os.replace(temp, name, dst_dir_fd=target)
                finally:
                    os.close(target)
        finally:
            os.close(bucket_fd)

    # Reads ------------------------------------------------------------------------------

    def _get(self, bucket: str, key: str, sink: DownloadSink, opts: v.ReadOptions) -> None:
        record = self._open_record(bucket, key, opts)
        sink.begin(record.info)
        for chunk in record.chunks(0, None):
            left = deadlines.remaining()
            if left is not None and left <= 0:
                raise deadlines.expired_error(f"download of {bucket}/{key}")
            sink.write(chunk)

    def _open(
        self, bucket: str, key: str, start: int, end: int | None, opts: v.ReadOptions
    ) -> tuple[ObjectInfo | None, Iterator[bytes]]:
        record = self._open_record(bucket, key, opts)
        if start >= record.info.size and not (start == 0 and end is None):
            os.close(record.fd)
            return None, iter(())
        return record.info, record.chunks(start, end)

    def _stat(self, bucket: str, key: str, opts: v.ReadOptions) -> ObjectInfo:
        record = self._open_record(bucket, key, opts)
        os.close(record.fd)
        return record.info

    # Deletes and copies -----------------------------------------------------------------

    def _delete(self, bucket: str, key: str, version_id: str | None) -> None:
        try:
            folder = self._bucket_dir(bucket)
            bucket_fd = self._bucket_fd(bucket)  # before the lock, as in _commit
        except BucketNotFoundError:
            return
        try:
            with self._locked(folder):
                if version_id is not None:
                    try:
                        current = self._open_record(bucket, key)
                    except ObjectNotFoundError:
                        return
                    os.close(current.fd)
                    if current.info.version_id != version_id:
                        return  # that version is already gone
                folders, name = layout.object_path(key)
                try:
                    target = layout.open_folder(bucket_fd, folders)
                except (FileNotFoundError, NotADirectoryError):
                    return  # already gone
                try:
                    os.unlink(name, dir_fd=target)
                except FileNotFoundError:
                    return
                finally:
                    os.close(target)
                if folders != (layout.LONG,):
                    layout.prune(bucket_fd, folders)  # an empty folder is no longer a prefix
        finally:
            os.close(bucket_fd)

    def _copy(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str, opts: v.CopyOptions) -> ObjectInfo:
        # No encryption here: PORTABLE has no kinds, so validation refused any key already.
        source = self._open_record(src_bucket, src_key, opts.source)
        info = source.info
        write = v.WriteOptions(
            content_type=info.content_type or "application/octet-stream",
            metadata=dict(info.metadata),
            cache_control=info.cache_control,
            content_encoding=info.content_encoding,
            content_disposition=info.content_disposition,
            storage_class=info.storage_class,
            tags=dict(source.record.get("tags") or {}),
        )
        try:
            self._bucket_dir(dst_bucket)
        except BucketNotFoundError:
            os.close(source.fd)
            raise
        with self._writer(dst_bucket, dst_key, write, CHUNK_SIZE) as target:
            for chunk in source.chunks(0, None):
                target.append(chunk)
            return target.commit()

    # Tags -------------------------------------------------------------------------------

    def get_tags(self, bucket: str, key: str, *, deadline: float | None = None) -> dict[str, str]:
        """The object's tags."""
        bucket, key = self._names(bucket, key)
        with self._operation(deadline, bucket, key):
            record = self._open_record(bucket, key)
            os.close(record.fd)
            return dict(record.record.get("tags") or {})

    def set_tags(self, bucket: str, key: str, tags: Mapping[str, str], *, deadline: float | None = None) -> None:
        """Replace the object's tags (its bytes, etag and version stay the same)."""
        bucket, key = self._names(bucket, key)
        checked = v.check_tags(tags, self._rules)
        with self._operation(deadline, bucket, key):
            source = self._open_record(bucket, key)
            record = {**source.record, "tags": checked}
            folder = self._bucket_dir(bucket)
            fd, name = tempfile.mkstemp(dir=folder, prefix=".tags-")
            temp = Path(name)
            try:
                with os.fdopen(fd, "wb") as out:
                    for chunk in source.chunks(0, None):
                        out.write(chunk)
                    out.write(_trailer(record))
                    out.flush()
                    os.fsync(out.fileno())
                self._commit(bucket, key, temp, v.WriteOptions(if_match=source.info.etag))
            finally:
                temp.unlink(missing_ok=True)

    # Listings ---------------------------------------------------------------------------

    def _reader(self, bucket: str) -> layout.Reader:
        """Reads an object file's record for listings; anything else is logged and skipped."""

        def read(folder: int, name: str, key: str | None) -> dict[str, Any] | None:
            try:
                fd = os.open(name, _OPEN_FLAGS, dir_fd=folder)
            except FileNotFoundError:
                return None  # deleted since the scan
            except OSError as exc:
                logger.warning("LocalStore: skipping %s in %s: %s", name, bucket, exc.strerror)
                return None
            try:
                if not stat_module.S_ISREG(os.fstat(fd).st_mode):
                    raise ValueError("not a regular file")
                record = _read_trailer(fd)
            except (ValueError, OSError) as exc:
                logger.warning("LocalStore: skipping %s in %s: %s", name, bucket, exc)
                return None
            finally:
                os.close(fd)
            if key is not None and record["key"] != key:
                logger.warning("LocalStore: skipping %s in %s: it holds another key", name, bucket)
                return None
            return record

        return read

    def _records(self, bucket: str, prefix: str, delimiter: str | None) -> tuple[list[dict[str, Any]], set[str]]:
        fd = self._bucket_fd(bucket)
        try:
            return layout.walk(fd, prefix, self._reader(bucket), folders_as_prefixes=delimiter == "/")
        finally:
            os.close(fd)

    def _list(
        self, bucket: str, prefix: str, delimiter: str | None, page_size: int | None
    ) -> Iterator[Page[ObjectInfo]]:
        records, prefixes = self._records(bucket, prefix, delimiter)
        entries: list[tuple[bytes, dict[str, Any] | None, str]] = []
        for record in records:
            key = record["key"]
            rest = key[len(prefix) :]
            if delimiter and delimiter != "/" and delimiter in rest:
                prefixes.add(prefix + rest[: rest.index(delimiter) + len(delimiter)])
            else:
                entries.append((key.encode("utf-8"), record, key))
        entries += [(common.encode("utf-8"), None, common) for common in prefixes]
        entries.sort(key=lambda entry: entry[0])  # S3's order: UTF-8 bytes
        size = page_size or _LIST_PAGE
        for start in range(0, max(len(entries), 1), size):
            page = entries[start : start + size]
            yield (
                [_info(bucket, record) for _, record, _ in page if record is not None],
                [name for _, record, name in page if record is None],
            )

    def _list_versions(self, bucket: str, prefix: str, page_size: int | None) -> Iterator[Page[ObjectVersion]]:
        records, _ = self._records(bucket, prefix, None)
        records.sort(key=lambda r: r["key"].encode("utf-8"))
        size = page_size or _LIST_PAGE
        for start in range(0, max(len(records), 1), size):
            page = []
            for record in records[start : start + size]:
                base = _info(bucket, record)
                page.append(ObjectVersion(**{f: getattr(base, f) for f in base.__dataclass_fields__}))
            yield page, []


class _LocalWrite(StagedWrite):
    """One local write: bytes to a private temp file in the bucket folder, committed by rename
    (the object file stays ``0600``, whatever the umask)."""

    def __init__(self, store: LocalStore, bucket: str, key: str, opts: v.WriteOptions) -> None:
        super().__init__(store._bucket_dir(bucket), prefix=".upload-")
        self._store = store
        self._bucket = bucket
        self._key = key
        self._opts = opts

    def commit(self) -> ObjectInfo:
        """Append the trailer that describes the object, and commit it under the bucket lock."""
        checksums = self._digests.hexdigests()
        record = {
            "key": self._key,
            "size": self._digests.size,
            "etag": checksums["md5"],
            "version_id": uuid.uuid4().hex,
            "checksums": {"md5": checksums["md5"], "crc32": checksums["crc32"]},
            "content_type": self._opts.content_type,
            "metadata": dict(self._opts.metadata),
            "last_modified": datetime.now(UTC).isoformat(),
            "cache_control": self._opts.cache_control,
            "content_encoding": self._opts.content_encoding,
            "content_disposition": self._opts.content_disposition,
            "storage_class": self._opts.storage_class,
            "tags": dict(self._opts.tags),
        }
        self._file.write(_trailer(record))
        self._close()
        self._store._commit(self._bucket, self._key, self._temp, self._opts)
        return _info(self._bucket, record)


def _info(bucket: str, record: Mapping[str, Any]) -> ObjectInfo:
    modified = record.get("last_modified")
    return ObjectInfo(
        bucket=bucket,
        key=str(record["key"]),
        size=int(record["size"]),
        etag=str(record["etag"]),
        last_modified=datetime.fromisoformat(modified) if isinstance(modified, str) else None,
        content_type=record.get("content_type") or None,
        metadata=dict(record.get("metadata") or {}),
        checksums=dict(record.get("checksums") or {}),
        version_id=record.get("version_id"),
        storage_class=record.get("storage_class"),
        cache_control=record.get("cache_control"),
        content_encoding=record.get("content_encoding"),
        content_disposition=record.get("content_disposition"),
    )
