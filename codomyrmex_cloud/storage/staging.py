"""Writes staged in a temporary file beside their target and moved into place when complete.

- :func:`atomic_file`: a download into a file the user names (``local_path``).
- :class:`StagedWrite`: one write into a file of a local store, by bytes appended; it is also
  the :class:`~codomyrmex_cloud.storage.writer.PartTarget` behind ``open_write``. A store
  subclasses it to say how the finished file is committed (``FileSystemStore``: renamed over
  the target; ``LocalStore``: described in a trailer and committed under its bucket lock).
- :func:`user_file_mode`: the permissions a file handed to the user ends with.

The temporary file is created ``0600`` (``mkstemp``), so nobody else can read a file being
written. A file the user downloads (or copies into a folder) then gets the mode a plain
``open(path, "wb")`` would give it, set before the rename: an existing file keeps its
permission bits (as ``cp`` keeps them), a new one gets ``0666`` less the umask. ``LocalStore``
keeps its object files ``0600`` (they are the store's own, not the user's).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Self

from codomyrmex_cloud.storage.errors import InvalidArgumentError, StoragePermissionError
from codomyrmex_cloud.storage.transfer import Digests
from codomyrmex_cloud.storage.types import ObjectInfo

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's umask, read without changing it where the system allows.

    Linux reports it in ``/proc/self/status``; elsewhere it can only be read by setting it,
    so it is set to ``0o077`` for that instant: a file another thread creates meanwhile is
    more private than asked, never less.
    """
    with (
        contextlib.suppress(OSError, ValueError),
        open("/proc/self/status", encoding="ascii", errors="replace") as status,
    ):
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    with _UMASK_LOCK:
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def user_file_mode(target: Path) -> int:
    """The permission bits ``open(target, "wb")`` would leave ``target`` with.

    An existing regular file keeps its own read/write/execute bits (set-user-id, set-group-id
    and sticky bits are dropped, as a write by its owner drops them); anything else gets
    ``0o666`` less the umask.
    """
    try:
        existing = os.stat(target)
    except (OSError, ValueError):
        existing = None
    if existing is not None and stat.S_ISREG(existing.st_mode):
        return stat.S_IMODE(existing.st_mode) & 0o777
    return 0o666 & ~current_umask()


@contextlib.contextmanager
def atomic_file(target: Path) -> Iterator[tuple[BinaryIO, Path]]:
    """Write to a temporary file beside ``target`` and rename it over ``target`` on success.

    The temporary file is created (``0600``) before anything else happens, so an unwritable
    folder is refused (naming ``local_path``) before a request is sent. Before the rename it
    gets :func:`user_file_mode`. On any exception the temporary file is removed and an
    existing ``target`` is untouched.

    Raises:
        StoragePermissionError: The folder is not writable (also a PermissionError).
        InvalidArgumentError: The temporary file cannot be created for another reason.
    """
    parent = target.parent if str(target.parent) else Path(".")
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name[:200]}.", suffix=".part", dir=parent)
    except OSError as exc:
        message = f"local_path: cannot write in the folder of {str(target)!r}: {exc.strerror}"
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise StoragePermissionError(message) from exc
        raise InvalidArgumentError(message, argument="local_path") from exc
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "w+b") as handle:
            yield handle, temp
            handle.flush()
            os.fchmod(handle.fileno(), user_file_mode(target))
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


class StagedWrite(ABC):
    """One write into a private (``0600``) temporary file in ``folder``, hashed (MD5, CRC32)
    as bytes are appended; :meth:`commit` (the subclass's) moves it into place, :meth:`abort`
    (also on leaving a ``with`` block) removes whatever is left.

    As a PartTarget (``open_write``), parts are appended in order and the last one commits.
    """

    def __init__(self, folder: Path, *, prefix: str, suffix: str = "") -> None:
        fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
        self._file: BinaryIO = os.fdopen(fd, "wb")
        self._temp = Path(name)
        self._digests = Digests({"md5", "crc32"})

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.abort()

    def append(self, data: bytes) -> None:
        """Write ``data`` after the bytes appended so far."""
        self._file.write(data)
        self._digests.update(data)

    @abstractmethod
    def commit(self) -> ObjectInfo:
        """Move the complete file into place; describe what was written."""

    def _close(self, mode: int | None = None) -> None:
        """Flush the file to disk and close it, first giving it ``mode`` if one is given."""
        self._file.flush()
        if mode is not None:
            os.fchmod(self._file.fileno(), mode)
        os.fsync(self._file.fileno())
        self._file.close()

    def abort(self) -> None:
        """Discard the temporary file (nothing once it was committed)."""
        if not self._file.closed:
            self._file.close()
        self._temp.unlink(missing_ok=True)

    # PartTarget, for open_write ---------------------------------------------------------

    def put(self, data: bytes) -> ObjectInfo:
        """Write the whole object at once and commit it."""
        try:
            self.append(data)
            return self.commit()
        finally:
            self.abort()

    def upload_part(self, number: int, data: bytes) -> None:
        """Append part ``number`` (parts arrive in order)."""
        self.append(data)

    def finish(self, number: int, data: bytes, total: int) -> ObjectInfo:
        """Append the last part and commit."""
        return self.put(data)
