"""Moving bytes between stores: one object, a whole prefix, or a sync of two prefixes.

Everything here is written against the :class:`ObjectStore` contract, so it works between
any two stores (S3, GCS, Azure, the local store, plain files), in every direction:

- :func:`copy_object` streams one object from one store into another, never holding it
  whole in memory or on disk: the source is read with ``iter_chunks`` (one request) and
  written into the destination's ``open_write``, so memory is about one chunk plus one
  part. Between two buckets of the same store it is a server-side copy; from or to plain
  files it uses the stores' (parallel) file transfers. The bytes are verified on the way:
  their size and every checksum the source reports are checked before the writer is
  allowed to commit, and a mismatch aborts it, so nothing unverified is committed.
- :func:`copy_tree` (with :func:`upload_dir` and :func:`download_dir`) copies every object
  under a prefix, ``jobs`` transfers at a time.
- :func:`plan_sync` decides what differs (missing, another size, then another checksum
  where both sides report one), :func:`run_sync` carries a plan out; :func:`sync` does both.

Progress callbacks have the storage contract's shape, ``progress(bytes_done, bytes_total)``,
summed over every transfer of a tree. A key ending in ``/`` (a "folder marker" object) is
not copied by the tree functions: it has no file to become.
"""

from __future__ import annotations

import mimetypes
import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from codomyrmex_cloud.storage import validation as v
from codomyrmex_cloud.storage.base import BaseStore
from codomyrmex_cloud.storage.errors import (
    IntegrityError,
    InvalidArgumentError,
    PreconditionFailedError,
    StorageError,
)
from codomyrmex_cloud.storage.files import FileSystemStore
from codomyrmex_cloud.storage.protocol import ObjectStore
from codomyrmex_cloud.storage.transfer import CHECKSUM_PREFERENCE, Digests, verify
from codomyrmex_cloud.storage.types import (
    CustomerKey,
    Encryption,
    EncryptionScope,
    KmsKey,
    ManagedKey,
    ObjectInfo,
    PathLike,
    ProgressCallback,
)

#: Checksum algorithms computed on every streamed copy, whatever the stores report: the
#: destination's answer is compared with them after the upload.
_ALWAYS = frozenset({"md5", "crc32"})
#: Bytes handed from the source's read to the destination's writer at a time: small, since
#: the writer gathers its own parts (memory: this plus one part).
STREAM_CHUNK = 1024 * 1024


def default_jobs() -> int:
    """Concurrent transfers by default: 4 per CPU (transfers wait on the network), 4..32."""
    return max(4, min(32, 4 * (os.cpu_count() or 1)))


class TransferError(StorageError):
    """One or more transfers of a tree failed; the others finished or were not started.

    Attributes:
        failures: ``(key, error)`` for every transfer that failed; the first error is also
            ``__cause__``.
        done: Transfers that completed before the failure stopped the rest.
    """

    def __init__(self, message: str, *, failures: tuple[tuple[str, BaseException], ...], done: int) -> None:
        super().__init__(message, key=failures[0][0] if failures else None)
        self.failures = failures
        self.done = done


# Progress ---------------------------------------------------------------------------------


class _TreeProgress:
    """Sums the per-file ``(done, total)`` calls of concurrent transfers into one callback."""

    def __init__(self, callback: ProgressCallback | None, total: int) -> None:
        self._callback = callback
        self._total = total
        self._done = 0
        self._per_file: dict[str, int] = {}
        self._lock = threading.Lock()

    def for_file(self, key: str) -> ProgressCallback | None:
        if self._callback is None:
            return None

        def report(done: int, _total: int | None) -> None:
            with self._lock:
                # A retried part can make a file's count go back; the sum follows it.
                self._done += done - self._per_file.get(key, 0)
                self._per_file[key] = done
                current = self._done
            if self._callback is not None:
                self._callback(current, self._total)

        return report


# One object -------------------------------------------------------------------------------


def copy_object(
    src_store: ObjectStore,
    src_bucket: str,
    src_key: str,
    dst_store: ObjectStore,
    dst_bucket: str,
    dst_key: str,
    *,
    content_type: str | None = None,
    metadata: Mapping[str, str] | None = None,
    if_none_match: Literal["*"] | None = None,
    progress: ProgressCallback | None = None,
    chunk_size: int = STREAM_CHUNK,
    source_customer_key: CustomerKey | None = None,
    encryption: Encryption | None = None,
) -> ObjectInfo:
    """Copy one object between any two stores (or within one), streaming and verified.

    Encryption follows :meth:`~codomyrmex_cloud.storage.base.BaseStore.copy`: the source is
    read with ``source_customer_key``; the destination is written with ``encryption``, else
    with ``source_customer_key`` where the destination store takes customer keys (S3, GCS,
    Azure), else as the destination's default (a LocalStore or plain-file destination keeps
    the bytes as they are: it has no encryption). Each store's kinds are checked before
    anything is read or written.

    Args:
        src_store: Where the object is.
        src_bucket: Its bucket (a folder for plain files).
        src_key: Its key.
        dst_store: Where it goes (may be ``src_store``).
        dst_bucket: The destination bucket.
        dst_key: The destination key.
        content_type: The destination's content type; defaults to the source's (or, from
            a plain file, a guess from the key's extension).
        metadata: The destination's user metadata; defaults to the source's.
        if_none_match: ``"*"``: only if the destination does not exist yet (the store's
            conditional write where it has one; for a plain file, checked just before).
        progress: ``progress(bytes_done, bytes_total)`` as bytes move.
        chunk_size: Bytes handed from the source's (single) read to the destination's
            writer at a time when streaming.
        source_customer_key: The ``CustomerKey`` the source was written with.
        encryption: The destination's server-side encryption (see above).

    Returns:
        What the destination store reports for the new object.

    Raises:
        ObjectNotFoundError: The source does not exist.
        IntegrityError: The bytes did not match the source's size or checksums, or the
            destination reports a checksum that differs from the bytes sent; nothing is
            left at the destination.
        PreconditionFailedError: ``if_none_match="*"`` and the destination exists.
        StorageError: Any other failure of either store.
    """
    if if_none_match not in (None, "*"):
        raise InvalidArgumentError('if_none_match accepts only "*"', bucket=dst_bucket, key=dst_key)
    source_key, destination = _copy_encryption(src_store, dst_store, source_customer_key, encryption)
    if src_store is dst_store and content_type is None and metadata is None and if_none_match is None:
        info = dst_store.copy(  # server-side
            src_bucket, src_key, dst_bucket, dst_key, source_customer_key=source_key, encryption=destination
        )
        if progress is not None:
            progress(info.size, info.size)
        return info
    if isinstance(src_store, FileSystemStore):
        path = src_store.path(src_bucket, src_key)
        src_store.stat(src_bucket, src_key)  # a missing or non-regular file fails typed here
        return dst_store.upload(
            dst_bucket,
            dst_key,
            local_path=path,
            content_type=content_type or mimetypes.guess_type(dst_key)[0],
            metadata=metadata,
            if_none_match=if_none_match,
            progress=progress,
            encryption=destination,
        )
    if isinstance(dst_store, FileSystemStore):
        target = dst_store.path(dst_bucket, dst_key)
        if if_none_match == "*" and target.exists():
            raise PreconditionFailedError(f"{target} already exists", bucket=dst_bucket, key=dst_key)
        target.parent.mkdir(parents=True, exist_ok=True)
        # atomic, verified
        src_store.download(src_bucket, src_key, local_path=target, progress=progress, customer_key=source_key)
        return dst_store.stat(dst_bucket, dst_key)
    info = src_store.stat(src_bucket, src_key, customer_key=source_key)
    digests = Digests(set(_ALWAYS) | set(info.checksums))
    with dst_store.open_write(
        dst_bucket,
        dst_key,
        content_type=content_type or info.content_type,
        metadata=dict(info.metadata) if metadata is None else metadata,
        if_none_match=if_none_match,
        encryption=destination,
    ) as out:
        # Pinned to the version described: an overwrite meanwhile fails the read typed.
        chunks = src_store.iter_chunks(
            src_bucket, src_key, chunk_size=chunk_size, if_match=info.etag, customer_key=source_key
        )
        for chunk in chunks:
            digests.update(chunk)
            out.write(chunk)
            if progress is not None:
                progress(digests.size, info.size)
        verify(info, digests)  # a mismatch raises inside the block: the writer aborts
    written = out.info
    assert written is not None  # set by the commit
    computed = digests.hexdigests()
    for algorithm, reported in written.checksums.items():
        if algorithm in computed and computed[algorithm] != reported.lower():
            dst_store.delete(dst_bucket, dst_key)
            raise IntegrityError(
                f"{dst_bucket}/{dst_key} reports {algorithm} {reported}, the bytes sent have {computed[algorithm]}; "
                "the copy was deleted",
                bucket=dst_bucket,
                key=dst_key,
            )
    return written


def _copy_encryption(
    src_store: ObjectStore, dst_store: ObjectStore, source_customer_key: object, encryption: object
) -> tuple[CustomerKey | None, Encryption | None]:
    """The source's key and the destination's encryption, each checked by its own name (and,
    on our stores, against the kinds the store has) before anything is read or written."""
    # Another ObjectStore: only the key's type and length here (any rules that take customer
    # keys check those), the rest by the store itself.
    source_rules = src_store._rules if isinstance(src_store, BaseStore) else v.S3
    destination_rules = dst_store._rules if isinstance(dst_store, BaseStore) else None
    source_key = v.check_customer_key(source_customer_key, source_rules, argument="source_customer_key")
    if encryption is None and source_key is not None:
        # The same key where the destination takes customer keys; elsewhere (local files)
        # the bytes are stored as they are.
        takes_keys = destination_rules is None or CustomerKey in destination_rules.encryption
        return source_key, source_key if takes_keys else None
    if destination_rules is not None:
        return source_key, v.check_encryption(encryption, destination_rules)
    if encryption is not None and not isinstance(encryption, ManagedKey | KmsKey | EncryptionScope | CustomerKey):
        raise InvalidArgumentError(
            f"encryption: must be ManagedKey, KmsKey, EncryptionScope or CustomerKey, not {type(encryption).__name__}",
            argument="encryption",
        )
    return source_key, encryption


def move(
    src_store: ObjectStore,
    src_bucket: str,
    src_key: str,
    dst_store: ObjectStore,
    dst_bucket: str,
    dst_key: str,
    *,
    progress: ProgressCallback | None = None,
) -> ObjectInfo:
    """Copy an object (as :func:`copy_object`), then delete the source.

    The source is deleted only after the copy has completed and been verified; if the
    copy fails, the source is untouched.
    """
    if src_store is dst_store and (src_bucket, src_key) == (dst_bucket, dst_key):
        raise InvalidArgumentError(f"cannot move {src_bucket}/{src_key} onto itself", bucket=src_bucket, key=src_key)
    info = copy_object(src_store, src_bucket, src_key, dst_store, dst_bucket, dst_key, progress=progress)
    src_store.delete(src_bucket, src_key)
    return info


# Trees ------------------------------------------------------------------------------------


def as_folder(prefix: str) -> str:
    """A prefix as a folder: ``""`` stays empty, anything else ends in ``/``."""
    return prefix if not prefix or prefix.endswith("/") else prefix + "/"


def list_tree(store: ObjectStore, bucket: str, prefix: str) -> dict[str, ObjectInfo]:
    """Every object under ``prefix`` (taken as a folder), by key relative to it.

    Folder markers (keys ending in ``/``) are left out. A plain-file folder that does not
    exist lists as empty.
    """
    folder = as_folder(prefix)
    objects: dict[str, ObjectInfo] = {}
    for info in store.list_objects(bucket, folder):
        if not info.key.endswith("/"):
            objects[info.key[len(folder) :]] = info
    return objects


@dataclass(frozen=True)
class TreeResult:
    """What a tree copy did.

    Attributes:
        files: Objects copied.
        bytes: Bytes copied.
        keys: Relative keys copied, in the order they finished.
    """

    files: int
    bytes: int
    keys: tuple[str, ...]


def _check_destination_keys(store: ObjectStore, bucket: str, keys: list[str]) -> None:
    """Refuse every destination key the store cannot hold before anything is copied (the
    rule every store applies; plain files also refuse keys ending in ``/``)."""
    for key in keys:
        v.check_key(key, bucket=bucket, file=isinstance(store, FileSystemStore))


def _run_all(
    tasks: list[tuple[str, Callable[[], object]]], jobs: int | None, on_done: Callable[[str], None] | None
) -> list[str]:
    """Run ``(key, task)`` pairs ``jobs`` at a time; stop starting new ones after a failure.

    Returns:
        The keys whose task completed, in completion order.

    Raises:
        TransferError: At least one task failed (every failure is attached).
    """
    workers = jobs or default_jobs()
    if workers < 1:
        raise InvalidArgumentError(f"jobs must be at least 1, got {workers}")
    stop = threading.Event()
    done: list[str] = []
    failures: list[tuple[str, BaseException]] = []
    lock = threading.Lock()

    def run(key: str, task: Callable[[], object]) -> None:
        if stop.is_set():
            return
        try:
            task()
        except Exception as exc:
            stop.set()
            with lock:
                failures.append((key, exc))
            return
        with lock:
            done.append(key)
        if on_done is not None:
            on_done(key)

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="transfer")
    try:
        for future in [pool.submit(run, key, task) for key, task in tasks]:
            future.result()  # run() records failures itself and never raises
    except BaseException:  # Ctrl-C: start nothing new, leave the running ones to finish
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    if failures:
        first_key, first = failures[0]
        raise TransferError(
            f"{len(failures)} of {len(tasks)} transfers failed ({len(done)} done); first: {first_key}: {first}",
            failures=tuple(failures),
            done=len(done),
        ) from first
    return done


def copy_tree(
    src_store: ObjectStore,
    src_bucket: str,
    src_prefix: str,
    dst_store: ObjectStore,
    dst_bucket: str,
    dst_prefix: str,
    *,
    jobs: int | None = None,
    progress: ProgressCallback | None = None,
    on_copied: Callable[[str], None] | None = None,
) -> TreeResult:
    """Copy every object under ``src_prefix`` to the same relative key under ``dst_prefix``.

    Prefixes are folders: ``data`` and ``data/`` both mean the objects under ``data/``.
    Transfers run ``jobs`` at a time (default :func:`default_jobs`), each as
    :func:`copy_object`. Every destination key is checked before the first transfer.

    Args:
        src_store: Source store.
        src_bucket: Source bucket (a folder for plain files).
        src_prefix: Source prefix.
        dst_store: Destination store.
        dst_bucket: Destination bucket.
        dst_prefix: Destination prefix.
        jobs: Concurrent transfers.
        progress: ``progress(bytes_done, bytes_total)`` over all transfers.
        on_copied: Called with each relative key once its copy has finished.

    Raises:
        TransferError: Some transfers failed; the rest finished or were not started.
    """
    sources = list_tree(src_store, src_bucket, src_prefix)
    src_folder, dst_folder = as_folder(src_prefix), as_folder(dst_prefix)
    _check_destination_keys(dst_store, dst_bucket, [dst_folder + rel for rel in sources])
    tracker = _TreeProgress(progress, sum(info.size for info in sources.values()))

    def task(rel: str) -> Callable[[], object]:
        return lambda: copy_object(
            src_store,
            src_bucket,
            src_folder + rel,
            dst_store,
            dst_bucket,
            dst_folder + rel,
            progress=tracker.for_file(rel),
        )

    done = _run_all([(rel, task(rel)) for rel in sorted(sources)], jobs, on_copied)
    return TreeResult(files=len(done), bytes=sum(sources[rel].size for rel in done), keys=tuple(done))


def upload_dir(
    local_dir: PathLike,
    dst_store: ObjectStore,
    dst_bucket: str,
    dst_prefix: str = "",
    *,
    jobs: int | None = None,
    progress: ProgressCallback | None = None,
    on_copied: Callable[[str], None] | None = None,
) -> TreeResult:
    """Upload every file under ``local_dir`` to ``dst_prefix`` (see :func:`copy_tree`).

    Raises:
        InvalidArgumentError: ``local_dir`` is not a folder.
        TransferError: Some uploads failed.
    """
    folder = Path(local_dir)
    if not folder.is_dir():
        raise InvalidArgumentError(f"local_dir {str(folder)!r} is not a folder")
    return copy_tree(
        FileSystemStore(),
        str(folder),
        "",
        dst_store,
        dst_bucket,
        dst_prefix,
        jobs=jobs,
        progress=progress,
        on_copied=on_copied,
    )


def download_dir(
    src_store: ObjectStore,
    src_bucket: str,
    src_prefix: str,
    local_dir: PathLike,
    *,
    jobs: int | None = None,
    progress: ProgressCallback | None = None,
    on_copied: Callable[[str], None] | None = None,
) -> TreeResult:
    """Download every object under ``src_prefix`` into ``local_dir`` (created if missing).

    Keys that cannot be files inside ``local_dir`` (``..`` segments, absolute) are refused
    before anything is written. Each file is written atomically and verified.

    Raises:
        InvalidArgumentError: A key cannot be a file inside ``local_dir``.
        TransferError: Some downloads failed.
    """
    Path(local_dir).mkdir(parents=True, exist_ok=True)
    return copy_tree(
        src_store,
        src_bucket,
        src_prefix,
        FileSystemStore(),
        str(local_dir),
        "",
        jobs=jobs,
        progress=progress,
        on_copied=on_copied,
    )


# Sync -------------------------------------------------------------------------------------

SyncOp = Literal["copy", "delete"]
#: Why: the destination lacks it, has another size, another checksum, or (delete) the
#: source lacks it.
SyncReason = Literal["new", "size", "checksum", "extra"]


@dataclass(frozen=True)
class SyncAction:
    """One step of a sync plan.

    Attributes:
        op: ``copy`` (source to destination) or ``delete`` (from the destination).
        key: The key relative to both prefixes.
        reason: ``new``, ``size``, ``checksum`` (copies) or ``extra`` (deletes).
        size: Bytes to copy, or the size of the object to delete.
    """

    op: SyncOp
    key: str
    reason: SyncReason
    size: int


@dataclass(frozen=True)
class SyncPlan:
    """What a sync would do, and how many objects already match.

    Attributes:
        actions: Copies and deletes, sorted by key.
        unchanged: Objects present on both sides with the same content.
        unverified: Of those, how many had the same size but no checksum both sides
            could compare (treated as unchanged).
    """

    actions: tuple[SyncAction, ...]
    unchanged: int
    unverified: int = 0

    @property
    def copies(self) -> tuple[SyncAction, ...]:
        """The copy actions."""
        return tuple(a for a in self.actions if a.op == "copy")

    @property
    def deletes(self) -> tuple[SyncAction, ...]:
        """The delete actions."""
        return tuple(a for a in self.actions if a.op == "delete")

    @property
    def bytes_to_copy(self) -> int:
        """Bytes the copies will move."""
        return sum(a.size for a in self.copies)


@dataclass(frozen=True)
class SyncResult:
    """What a sync did: the plan it carried out and its counts.

    Attributes:
        plan: The plan.
        copied: Objects copied.
        deleted: Objects deleted.
        bytes: Bytes copied.
    """

    plan: SyncPlan
    copied: int
    deleted: int
    bytes: int


def _local_checksum(store: FileSystemStore, info: ObjectInfo, algorithm: str) -> str | None:
    """The ``algorithm`` checksum of a plain file, or None if it cannot be computed here."""
    digests = Digests.of_file(store.path(info.bucket, info.key), {algorithm})
    return digests.hexdigests().get(algorithm)


def _reported(store: ObjectStore, info: ObjectInfo) -> Mapping[str, str]:
    """Checksums the store reports for an object: from the listing, else from a stat."""
    if info.checksums or isinstance(store, FileSystemStore):
        return info.checksums
    return store.stat(info.bucket, info.key).checksums


def _pick(algorithms: set[str]) -> str | None:
    for name in CHECKSUM_PREFERENCE:
        if name in algorithms:
            return name
    return min(algorithms) if algorithms else None


def same_content(src_store: ObjectStore, src: ObjectInfo, dst_store: ObjectStore, dst: ObjectInfo) -> bool | None:
    """Whether two objects of equal size hold the same bytes, by checksum.

    A checksum both stores report is compared; a plain file is hashed with the algorithm
    the other side reports (both sides plain files: MD5 of each).

    Returns:
        True or False, or None when no checksum can be compared.
    """
    src_local, dst_local = isinstance(src_store, FileSystemStore), isinstance(dst_store, FileSystemStore)
    if src_local and dst_local:
        assert isinstance(src_store, FileSystemStore) and isinstance(dst_store, FileSystemStore)
        return _local_checksum(src_store, src, "md5") == _local_checksum(dst_store, dst, "md5")
    a, b = _reported(src_store, src), _reported(dst_store, dst)
    common = _pick(set(a) & set(b))
    if common is not None:
        return a[common].lower() == b[common].lower()
    for local_store, local_info, remote in ((src_store, src, b), (dst_store, dst, a)):
        if isinstance(local_store, FileSystemStore):
            preferred = [n for n in CHECKSUM_PREFERENCE if n in remote]
            for algorithm in [*preferred, *sorted(set(remote) - set(CHECKSUM_PREFERENCE))]:
                ours = _local_checksum(local_store, local_info, algorithm)
                if ours is not None:
                    return ours == remote[algorithm].lower()
    return None


def plan_sync(
    src_store: ObjectStore,
    src_bucket: str,
    src_prefix: str,
    dst_store: ObjectStore,
    dst_bucket: str,
    dst_prefix: str,
    *,
    delete: bool = False,
    checksums: bool = True,
) -> SyncPlan:
    """Decide what makes ``dst_prefix`` hold what ``src_prefix`` holds, without changing anything.

    An object is copied when the destination lacks it, its size differs, or (with
    ``checksums``) its size matches but a checksum both sides report (see
    :func:`same_content`) differs. Same size and no comparable checksum counts as
    unchanged (``SyncPlan.unverified``). With ``delete``, destination objects the source
    lacks are deleted.

    Raises:
        BucketNotFoundError: A cloud bucket does not exist (a missing local folder is empty).
        InvalidArgumentError: A source key cannot be written at the destination.
    """
    sources = list_tree(src_store, src_bucket, src_prefix)
    targets = list_tree(dst_store, dst_bucket, dst_prefix)
    _check_destination_keys(dst_store, dst_bucket, [as_folder(dst_prefix) + rel for rel in sources])
    actions: list[SyncAction] = []
    unchanged = unverified = 0
    for rel in sorted(sources):
        src = sources[rel]
        dst = targets.get(rel)
        if dst is None:
            actions.append(SyncAction("copy", rel, "new", src.size))
        elif dst.size != src.size:
            actions.append(SyncAction("copy", rel, "size", src.size))
        else:
            same = same_content(src_store, src, dst_store, dst) if checksums else None
            if same is False:
                actions.append(SyncAction("copy", rel, "checksum", src.size))
            else:
                unchanged += 1
                unverified += same is None
    if delete:
        extra = sorted(set(targets) - set(sources))
        actions.extend(SyncAction("delete", rel, "extra", targets[rel].size) for rel in extra)
    actions.sort(key=lambda a: a.key)
    return SyncPlan(tuple(actions), unchanged, unverified)


def run_sync(
    plan: SyncPlan,
    src_store: ObjectStore,
    src_bucket: str,
    src_prefix: str,
    dst_store: ObjectStore,
    dst_bucket: str,
    dst_prefix: str,
    *,
    jobs: int | None = None,
    progress: ProgressCallback | None = None,
    on_action: Callable[[SyncAction], None] | None = None,
) -> SyncResult:
    """Carry out a plan from :func:`plan_sync`: the copies concurrently, then the deletes.

    Deletes run only after every copy succeeded, so a failed sync never removes data the
    destination might still need.

    Raises:
        TransferError: Some copies failed (nothing was deleted).
    """
    src_folder, dst_folder = as_folder(src_prefix), as_folder(dst_prefix)
    copies = {a.key: a for a in plan.copies}
    tracker = _TreeProgress(progress, plan.bytes_to_copy)

    def task(rel: str) -> Callable[[], object]:
        return lambda: copy_object(
            src_store,
            src_bucket,
            src_folder + rel,
            dst_store,
            dst_bucket,
            dst_folder + rel,
            progress=tracker.for_file(rel),
        )

    def copied(rel: str) -> None:
        if on_action is not None:
            on_action(copies[rel])

    done = _run_all([(rel, task(rel)) for rel in copies], jobs, copied)
    deletes = plan.deletes
    if deletes:
        dst_store.delete_many(dst_bucket, [dst_folder + a.key for a in deletes])
        if on_action is not None:
            for action in deletes:
                on_action(action)
    return SyncResult(plan, copied=len(done), deleted=len(deletes), bytes=sum(copies[rel].size for rel in done))


def sync(
    src_store: ObjectStore,
    src_bucket: str,
    src_prefix: str,
    dst_store: ObjectStore,
    dst_bucket: str,
    dst_prefix: str,
    *,
    delete: bool = False,
    jobs: int | None = None,
    progress: ProgressCallback | None = None,
    on_action: Callable[[SyncAction], None] | None = None,
) -> SyncResult:
    """Plan (:func:`plan_sync`) and carry out (:func:`run_sync`) a sync in one call.

    For a dry run, call :func:`plan_sync` alone: it changes nothing.
    """
    plan = plan_sync(src_store, src_bucket, src_prefix, dst_store, dst_bucket, dst_prefix, delete=delete)
    return run_sync(
        plan,
        src_store,
        src_bucket,
        src_prefix,
        dst_store,
        dst_bucket,
        dst_prefix,
        jobs=jobs,
        progress=progress,
        on_action=on_action,
    )
