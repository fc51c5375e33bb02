"""``LocalStore``: the object-store contract on a local folder (the embedded default).

Layout: ``<root>/<bucket>/objects/<sha256(key)>`` holds the bytes and ``.../meta/<sha256(key)>``
a JSON record (key, size, etag, checksums, content type, metadata). Hashing the key keeps any
key valid on any filesystem ("a/../b", "?", 1,000-character keys) and makes ``/`` just a
character, as it is in a real object store.

Writes go to a temporary file and are renamed into place, so readers never see half an
object. ``if_none_match="*"`` uses ``os.link`` (atomic across processes); ``if_match`` is
checked under a lock shared by the threads of this process.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Literal

from codomyrmex_cloud.storage.base import (
    CHUNK_SIZE,
    ObjectInfo,
    ObjectListing,
    PathLike,
    ProgressCallback,
    UploadData,
)
from codomyrmex_cloud.storage.common import BaseStore
from codomyrmex_cloud.storage.errors import (
    BucketNotEmptyError,
    BucketNotFoundError,
    InvalidArgumentError,
    ObjectNotFoundError,
    PreconditionFailedError,
    UnsupportedOperationError,
)
from codomyrmex_cloud.storage.transfer import CountingReader, Crc32, check_names, check_page_size, upload_source

_LIST_PAGE = 1000


class LocalStore(BaseStore):
    """Object storage in a local folder.

    Args:
        root: The folder holding one sub-folder per bucket (created if missing).
    """

    def __init__(self, root: PathLike = ".codomyrmex-store") -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"LocalStore(root={str(self.root)!r})"

    # Paths ------------------------------------------------------------------------------

    def _bucket_dir(self, bucket: str, *, must_exist: bool = True) -> Path:
        check_names(bucket)
        if "/" in bucket or bucket in (".", "..") or "\x00" in bucket:
            raise InvalidArgumentError(f"invalid bucket name {bucket!r}", bucket=bucket)
        path = self.root / bucket
        if must_exist and not path.is_dir():
            raise BucketNotFoundError(f"bucket {bucket!r} does not exist", bucket=bucket)
        return path

    def _paths(self, bucket: str, key: str) -> tuple[Path, Path]:
        check_names(bucket, key)
        name = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        base = self._bucket_dir(bucket)
        return base / "objects" / name, base / "meta" / name

    def _read_meta(self, bucket: str, key: str) -> ObjectInfo:
        _, meta = self._paths(bucket, key)
        try:
            record = json.loads(meta.read_text())
        except FileNotFoundError:
            raise ObjectNotFoundError(f"{bucket}/{key} does not exist", bucket=bucket, key=key) from None
        return _info(bucket, record)

    # Buckets ----------------------------------------------------------------------------

    def create_bucket(self, bucket: str) -> None:
        path = self._bucket_dir(bucket, must_exist=False)
        (path / "objects").mkdir(parents=True, exist_ok=True)
        (path / "meta").mkdir(parents=True, exist_ok=True)

    def delete_bucket(self, bucket: str, *, force: bool = False) -> None:
        path = self._bucket_dir(bucket, must_exist=False)
        if not path.is_dir():
            return  # already gone
        if not force and any((path / "meta").iterdir()):
            raise BucketNotEmptyError(f"bucket {bucket!r} is not empty", bucket=bucket)
        shutil.rmtree(path)

    def bucket_exists(self, bucket: str) -> bool:
        return self._bucket_dir(bucket, must_exist=False).is_dir()

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
        """Store an object atomically; see :class:`ObjectStore`."""
        target, meta = self._paths(bucket, key)
        _check_conditions(if_match, if_none_match)
        with upload_source(data, local_path) as (stream, size):
            md5, crc = hashlib.md5(usedforsecurity=False), Crc32()
            reader = CountingReader(stream, size, progress, (md5, crc))
            fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
            temp = Path(temp_name)
            try:
                with os.fdopen(fd, "wb") as out:
                    while chunk := reader.read(CHUNK_SIZE):
                        out.write(chunk)
                    out.flush()
                    os.fsync(out.fileno())
                record = {
                    "key": key,
                    "size": reader.done,
                    "etag": md5.hexdigest(),
                    "checksums": {"md5": md5.hexdigest(), "crc32": crc.hexdigest()},
                    "content_type": content_type or "application/octet-stream",
                    "metadata": dict(metadata or {}),
                    "last_modified": datetime.now(UTC).isoformat(),
                }
                self._commit(bucket, key, temp, target, meta, record, if_match, if_none_match)
            finally:
                temp.unlink(missing_ok=True)
        return _info(bucket, record)

    def _commit(
        self,
        bucket: str,
        key: str,
        temp: Path,
        target: Path,
        meta: Path,
        record: dict[str, object],
        if_match: str | None,
        if_none_match: str | None,
    ) -> None:
        with self._lock:
            if if_match is not None:
                current = self._read_meta(bucket, key) if meta.exists() else None
                if current is None or current.etag != if_match.strip('"'):
                    raise PreconditionFailedError(f"{bucket}/{key} does not match {if_match}", bucket=bucket, key=key)
            if if_none_match == "*":
                try:
                    os.link(temp, target)  # atomic create-if-absent, even across processes
                except FileExistsError:
                    raise PreconditionFailedError(f"{bucket}/{key} already exists", bucket=bucket, key=key) from None
            else:
                os.replace(temp, target)
            meta_temp = meta.with_suffix(".tmp")
            meta_temp.write_text(json.dumps(record))
            os.replace(meta_temp, meta)

    _sequential_download = True

    def _download_into(self, info: ObjectInfo, sink: BinaryIO, progress: ProgressCallback | None) -> None:
        done = 0
        for chunk in self.iter_chunks(info.bucket, info.key):
            sink.write(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, info.size)

    def iter_chunks(
        self,
        bucket: str,
        key: str,
        *,
        chunk_size: int = CHUNK_SIZE,
        start: int = 0,
        end: int | None = None,
    ) -> Iterator[bytes]:
        self._check_range(start, end, chunk_size)
        path, _ = self._paths(bucket, key)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise ObjectNotFoundError(f"{bucket}/{key} does not exist", bucket=bucket, key=key) from None
        return _read_chunks(handle, chunk_size, start, end)

    def list_objects(
        self, bucket: str, prefix: str = "", *, delimiter: str | None = None, page_size: int | None = None
    ) -> ObjectListing:
        """Objects under ``prefix``, fetched ``page_size`` at a time (the service default if None)."""
        check_page_size(page_size)
        meta_dir = self._bucket_dir(bucket) / "meta"
        if delimiter == "":
            raise InvalidArgumentError("delimiter must be None or a non-empty string", bucket=bucket)

        def pages() -> Iterator[tuple[list[ObjectInfo], list[str]]]:
            keys = []
            for entry in meta_dir.iterdir():
                if entry.suffix == ".tmp":
                    continue
                record = json.loads(entry.read_text())
                if record["key"].startswith(prefix):
                    keys.append((record["key"], record))
            keys.sort(key=lambda item: item[0])
            seen_prefixes: set[str] = set()
            objects: list[ObjectInfo] = []
            prefixes: list[str] = []
            for key, record in keys:
                rest = key[len(prefix) :]
                if delimiter and delimiter in rest:
                    common = prefix + rest[: rest.index(delimiter) + len(delimiter)]
                    if common not in seen_prefixes:
                        seen_prefixes.add(common)
                        prefixes.append(common)
                    continue
                objects.append(_info(bucket, record))
                if len(objects) >= (page_size or _LIST_PAGE):
                    yield objects, prefixes
                    objects, prefixes = [], []
            yield objects, prefixes

        return ObjectListing(pages())

    def stat(self, bucket: str, key: str) -> ObjectInfo:
        return self._read_meta(bucket, key)

    def delete(self, bucket: str, key: str) -> None:
        """Delete an object; one that is already gone is not an error."""
        target, meta = self._paths(bucket, key)
        with self._lock:
            meta.unlink(missing_ok=True)
            target.unlink(missing_ok=True)

    def copy(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str) -> ObjectInfo:
        info = self.stat(src_bucket, src_key)
        source, _ = self._paths(src_bucket, src_key)
        return self.upload(
            dst_bucket,
            dst_key,
            local_path=source,
            content_type=info.content_type,
            metadata=dict(info.metadata),
        )

    def signed_url(self, bucket: str, key: str, *, expires_in: int = 3600, method: str = "GET") -> str:
        raise UnsupportedOperationError("a local store has no signed URLs", bucket=bucket, key=key)


def _check_conditions(if_match: str | None, if_none_match: str | None) -> None:
    if if_none_match not in (None, "*"):
        raise InvalidArgumentError('if_none_match accepts only "*" (create only if absent)')
    if if_match is not None and if_none_match is not None:
        raise InvalidArgumentError("pass if_match or if_none_match, not both")


def _read_chunks(handle: BinaryIO, chunk_size: int, start: int, end: int | None) -> Iterator[bytes]:
    with handle:
        handle.seek(start)
        remaining = None if end is None else end - start
        while remaining is None or remaining > 0:
            chunk = handle.read(chunk_size if remaining is None else min(chunk_size, remaining))
            if not chunk:
                return
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk


def _info(bucket: str, record: Mapping[str, object]) -> ObjectInfo:
    modified = record.get("last_modified")
    return ObjectInfo(
        bucket=bucket,
        key=str(record["key"]),
        size=int(record["size"]),  # type: ignore[call-overload]
        etag=str(record["etag"]),
        last_modified=datetime.fromisoformat(modified) if isinstance(modified, str) else None,
        content_type=str(record.get("content_type") or "") or None,
        metadata=dict(record.get("metadata") or {}),  # type: ignore[call-overload]
        checksums=dict(record.get("checksums") or {}),  # type: ignore[call-overload]
    )
