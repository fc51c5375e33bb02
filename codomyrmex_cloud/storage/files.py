"""``FileSystemStore``: plain files and folders on disk behind the object-store contract.

This is what a plain local path (or a ``file://`` URL) means on the command line: a normal
file you can open in an editor, not an object in a :class:`LocalStore` bucket. A "bucket" is
a folder and a key is a path relative to it with ``/`` separators, so the copy, sync and
listing code in :mod:`codomyrmex_cloud.storage.tree` treats a local folder exactly like a
bucket prefix.

Keys are checked before the disk is touched: absolute keys, empty, ``.`` or ``..`` segments
and NUL bytes are refused, so a key listed in a hostile bucket can never write outside the
target folder. Writes go to a temporary file beside the target and are renamed into place
only when complete. Files carry no checksums (computing them on every ``stat`` would read
every file); ``sync`` hashes a file only when it has to compare it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import mimetypes
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Literal, overload

from codomyrmex_cloud.storage.base import (
    CHUNK_SIZE,
    ObjectInfo,
    ObjectListing,
    PathLike,
    ProgressCallback,
    UploadData,
)
from codomyrmex_cloud.storage.errors import (
    BucketNotEmptyError,
    InvalidArgumentError,
    ObjectNotFoundError,
    PreconditionFailedError,
    StorageError,
    StoragePermissionError,
    UnsupportedOperationError,
)

#: Bytes read or written per step when copying files.
_COPY_CHUNK = 1024 * 1024


def check_relative_key(key: str, *, bucket: str | None = None) -> None:
    """Refuse a key that could not name a file inside its folder.

    Raises:
        InvalidArgumentError: Empty, absolute, with an empty, ``.`` or ``..`` segment, or
            with a NUL byte; the message names the key.
    """
    if not isinstance(key, str) or not key:
        raise InvalidArgumentError(f"key must be a non-empty string, got {key!r}", bucket=bucket)
    segments = key.split("/")
    if key.startswith("/") or "\x00" in key or any(s in ("", ".", "..") for s in segments):
        raise InvalidArgumentError(
            f"key {key!r} cannot name a local file (absolute, empty, '.' or '..' segment, or NUL)",
            bucket=bucket,
            key=key,
        )


def _listing(pages: Iterator[tuple[list[ObjectInfo], list[str]]]) -> ObjectListing:
    """Wrap pages in the storage contract's listing type (one place to adapt if it changes)."""
    return ObjectListing(pages)


class FileSystemStore:
    """Plain files on disk: a bucket is a folder, a key a ``/``-separated path inside it.

    A missing folder lists as empty and is created by the first upload into it, as a
    prefix is in a cloud bucket.
    """

    def __repr__(self) -> str:
        return "FileSystemStore()"

    # Paths and errors -------------------------------------------------------------------

    @staticmethod
    def path(bucket: str, key: str) -> Path:
        """The file ``key`` names inside folder ``bucket``, after checking the key."""
        if not isinstance(bucket, str) or not bucket:
            raise InvalidArgumentError(f"bucket (a folder) must be a non-empty string, got {bucket!r}")
        check_relative_key(key, bucket=bucket)
        return Path(bucket) / key

    @contextlib.contextmanager
    def _errors(self, bucket: str, key: str | None = None) -> Iterator[None]:
        where = os.path.join(bucket, key) if key else bucket
        try:
            yield
        except StorageError:
            raise
        except FileNotFoundError as exc:
            raise ObjectNotFoundError(f"{where} does not exist", bucket=bucket, key=key) from exc
        except IsADirectoryError as exc:
            raise InvalidArgumentError(f"{where} is a folder, not a file", bucket=bucket, key=key) from exc
        except NotADirectoryError as exc:
            raise InvalidArgumentError(f"a parent of {where} is a file, not a folder", bucket=bucket, key=key) from exc
        except PermissionError as exc:
            raise StoragePermissionError(f"no permission for {where}: {exc.strerror}", bucket=bucket, key=key) from exc
        except OSError as exc:
            raise StorageError(f"{where}: {exc.strerror or exc}", bucket=bucket, key=key) from exc

    def _info(self, bucket: str, key: str, path: Path) -> ObjectInfo:
        st = path.stat()
        if not path.is_file():
            raise InvalidArgumentError(f"{path} is not a regular file", bucket=bucket, key=key)
        return ObjectInfo(
            bucket=bucket,
            key=key,
            size=st.st_size,
            etag=None,
            last_modified=datetime.fromtimestamp(st.st_mtime, UTC),
            content_type=mimetypes.guess_type(key)[0],
        )

    # Folders ----------------------------------------------------------------------------

    def create_bucket(self, bucket: str) -> None:
        """Create the folder (and its parents); an existing one is fine."""
        with self._errors(bucket):
            Path(bucket).mkdir(parents=True, exist_ok=True)

    def delete_bucket(self, bucket: str, *, force: bool = False) -> None:
        """Remove the folder: an empty one, or with ``force`` everything in it."""
        path = Path(bucket)
        if not path.is_dir():
            return
        with self._errors(bucket):
            if force:
                shutil.rmtree(path)
            elif any(path.iterdir()):
                raise BucketNotEmptyError(f"folder {bucket!r} is not empty", bucket=bucket)
            else:
                path.rmdir()

    def bucket_exists(self, bucket: str) -> bool:
        """True if the folder exists."""
        return Path(bucket).is_dir()

    # Objects ----------------------------------------------------------------------------

    def upload(
        self,
        bucket: str,
        key: str,
        *,
        data: UploadData | None = None,
        local_path: PathLike | None = None,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        if_match: str | None = None,
        if_none_match: Literal["*"] | None = None,
        progress: ProgressCallback | None = None,
    ) -> ObjectInfo:
        """Write a file atomically (temporary file, then rename), creating its folders.

        ``content_type`` and ``metadata`` have nowhere to go on a plain file and are
        ignored. ``if_none_match="*"`` creates the file only if it does not exist;
        ``if_match`` is refused (files have no entity tags).
        """
        target = self.path(bucket, key)
        if if_match is not None:
            raise InvalidArgumentError("if_match is not supported for local files (they have no etag)", key=key)
        if if_none_match not in (None, "*"):
            raise InvalidArgumentError('if_none_match accepts only "*"', bucket=bucket, key=key)
        if (data is None) == (local_path is None):
            raise InvalidArgumentError("pass exactly one of data= or local_path=", bucket=bucket, key=key)
        with self._errors(bucket, key):
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
            temp = Path(temp_name)
            try:
                with os.fdopen(fd, "wb") as out:
                    md5 = _write_source(out, data, local_path, progress)
                    out.flush()
                    os.fsync(out.fileno())
                if if_none_match == "*":
                    try:
                        os.link(temp, target)  # atomic create-if-absent
                    except FileExistsError:
                        raise PreconditionFailedError(f"{target} already exists", bucket=bucket, key=key) from None
                else:
                    os.replace(temp, target)
            finally:
                temp.unlink(missing_ok=True)
            info = self._info(bucket, key, target)
        return ObjectInfo(
            bucket=bucket,
            key=key,
            size=info.size,
            last_modified=info.last_modified,
            content_type=info.content_type,
            checksums={"md5": md5},
        )

    @overload
    def download(self, bucket: str, key: str, *, progress: ProgressCallback | None = None) -> bytes: ...

    @overload
    def download(
        self, bucket: str, key: str, *, local_path: PathLike, progress: ProgressCallback | None = None
    ) -> Path: ...

    def download(
        self,
        bucket: str,
        key: str,
        *,
        local_path: PathLike | None = None,
        progress: ProgressCallback | None = None,
    ) -> bytes | Path:
        """Read a file: its bytes, or an atomic copy at ``local_path``."""
        source = self.path(bucket, key)
        if local_path is None:
            with self._errors(bucket, key):
                data = source.read_bytes()
            if progress is not None:
                progress(len(data), len(data))
            return data
        target = Path(local_path)
        if target.is_dir():
            raise InvalidArgumentError(f"local_path {str(target)!r} is a folder", bucket=bucket, key=key)
        with self._errors(bucket, key):
            if not source.is_file():
                raise FileNotFoundError(str(source))
        self.upload(str(target.parent), target.name, local_path=source, progress=progress)
        return target

    def iter_chunks(
        self,
        bucket: str,
        key: str,
        *,
        chunk_size: int = CHUNK_SIZE,
        start: int = 0,
        end: int | None = None,
    ) -> Iterator[bytes]:
        """The bytes ``start``..``end`` (exclusive) of a file, ``chunk_size`` at a time."""
        if start < 0 or (end is not None and end < start) or chunk_size <= 0:
            raise InvalidArgumentError(f"bad range or chunk size: start={start} end={end} chunk={chunk_size}")
        path = self.path(bucket, key)
        with self._errors(bucket, key):
            handle = path.open("rb")
        return self._chunks(handle, bucket, key, chunk_size, start, end)

    def _chunks(
        self, handle: BinaryIO, bucket: str, key: str, chunk_size: int, start: int, end: int | None
    ) -> Iterator[bytes]:
        with handle, self._errors(bucket, key):
            handle.seek(start)
            remaining = None if end is None else end - start
            while remaining is None or remaining > 0:
                chunk = handle.read(chunk_size if remaining is None else min(chunk_size, remaining))
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    def open_read(self, bucket: str, key: str, *, chunk_size: int = CHUNK_SIZE) -> io.BufferedReader:
        """The file opened for binary reading (seekable). Use it as a context manager."""
        path = self.path(bucket, key)
        with self._errors(bucket, key):
            if path.is_dir():
                raise IsADirectoryError(str(path))
            return io.BufferedReader(io.FileIO(path, "r"), buffer_size=chunk_size)

    def read_range(self, bucket: str, key: str, start: int, end: int) -> bytes:
        """Bytes ``start`` to ``end`` (exclusive), like ``data[start:end]``."""
        return b"".join(self.iter_chunks(bucket, key, start=start, end=end))

    def list_objects(
        self, bucket: str, prefix: str = "", *, delimiter: str | None = None, page_size: int | None = None
    ) -> ObjectListing:
        """Files under ``prefix`` (relative to folder ``bucket``), sorted by key.

        Symbolic links to folders are not followed (no loops, nothing outside the tree);
        other non-regular files are skipped. A missing folder lists as empty.
        """
        if delimiter == "":
            raise InvalidArgumentError("delimiter must be None or a non-empty string", bucket=bucket)
        if page_size is not None and (not isinstance(page_size, int) or page_size < 1):
            raise InvalidArgumentError(f"page_size must be a positive integer, got {page_size!r}")
        root = Path(bucket)

        def pages() -> Iterator[tuple[list[ObjectInfo], list[str]]]:
            with self._errors(bucket):
                objects, prefixes = self._walk(root, bucket, prefix, delimiter)
            objects.sort(key=lambda info: info.key)
            size = page_size or 1000
            for start in range(0, max(len(objects), 1), size):
                yield objects[start : start + size], sorted(prefixes) if start == 0 else []

        return _listing(pages())

    def _walk(self, root: Path, bucket: str, prefix: str, delimiter: str | None) -> tuple[list[ObjectInfo], list[str]]:
        folder, _, _ = prefix.rpartition("/")
        start = root / folder if folder else root
        objects: list[ObjectInfo] = []
        prefixes: set[str] = set()
        if not start.is_dir():
            return objects, []
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
                        continue
                    rest = key[len(prefix) :]
                    if delimiter and delimiter in rest:
                        prefixes.add(prefix + rest[: rest.index(delimiter) + len(delimiter)])
                        continue
                    st = entry.stat()
                    objects.append(
                        ObjectInfo(
                            bucket=bucket,
                            key=key,
                            size=st.st_size,
                            last_modified=datetime.fromtimestamp(st.st_mtime, UTC),
                            content_type=mimetypes.guess_type(key)[0],
                        )
                    )
        return objects, list(prefixes)

    def stat(self, bucket: str, key: str) -> ObjectInfo:
        """Size, modification time and guessed content type of a file."""
        path = self.path(bucket, key)
        with self._errors(bucket, key):
            return self._info(bucket, key, path)

    def head(self, bucket: str, key: str) -> ObjectInfo:
        """The same as :meth:`stat`."""
        return self.stat(bucket, key)

    def exists(self, bucket: str, key: str) -> bool:
        """True if the key names a regular file."""
        return self.path(bucket, key).is_file()

    def delete(self, bucket: str, key: str) -> None:
        """Delete a file; one already gone is not an error. Folders are left in place."""
        path = self.path(bucket, key)
        with self._errors(bucket, key):
            path.unlink(missing_ok=True)

    def delete_many(self, bucket: str, keys: Iterable[str]) -> None:
        """Delete every file (all keys are checked before any is deleted)."""
        keys_list = list(keys)
        paths = [self.path(bucket, key) for key in keys_list]
        for key, path in zip(keys_list, paths, strict=True):
            with self._errors(bucket, key):
                path.unlink(missing_ok=True)

    def copy(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str) -> ObjectInfo:
        """Copy a file atomically."""
        source = self.path(src_bucket, src_key)
        with self._errors(src_bucket, src_key):
            if not source.is_file():
                raise FileNotFoundError(str(source))
        return self.upload(dst_bucket, dst_key, local_path=source)

    def signed_url(self, bucket: str, key: str, *, expires_in: int = 3600, method: str = "GET") -> str:
        """Local files have no signed URLs: always raises UnsupportedOperationError."""
        raise UnsupportedOperationError("local files have no signed URLs", bucket=bucket, key=key)


def _write_source(
    out: BinaryIO, data: UploadData | None, local_path: PathLike | None, progress: ProgressCallback | None
) -> str:
    """Copy ``data`` or ``local_path`` into ``out``; return the MD5 of what was written."""
    md5 = hashlib.md5(usedforsecurity=False)
    done = 0
    if isinstance(data, str):
        data = data.encode("utf-8")
    if isinstance(data, bytes | bytearray | memoryview):
        chunk = bytes(data)
        out.write(chunk)
        md5.update(chunk)
        if progress is not None:
            progress(len(chunk), len(chunk))
        return md5.hexdigest()
    if local_path is not None:
        source = Path(local_path)
        if not source.is_file():
            raise InvalidArgumentError(f"local_path {str(source)!r} is not an existing file")
        total: int | None = source.stat().st_size
        stream: BinaryIO = source.open("rb")
    elif data is not None and hasattr(data, "read"):
        total, stream = None, data
    else:
        raise InvalidArgumentError(f"data must be bytes, str or a binary file object, not {type(data).__name__}")
    with stream if local_path is not None else contextlib.nullcontext(stream):
        while chunk := stream.read(_COPY_CHUNK):
            if not isinstance(chunk, bytes):
                raise InvalidArgumentError("data must be a binary file object (it returned text)")
            out.write(chunk)
            md5.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    return md5.hexdigest()
