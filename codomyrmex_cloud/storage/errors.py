"""Every error the storage clients raise, in one tree, whatever the backend::

    StorageError
    ├── ObjectNotFoundError        (also FileNotFoundError) the key does not exist
    ├── BucketNotFoundError        (also FileNotFoundError) the bucket or container does not exist
    ├── BucketNotEmptyError        deleting a bucket that still holds objects
    ├── StoragePermissionError     (also PermissionError) credentials may not do this
    ├── PreconditionFailedError    if_match / if_none_match did not hold, or the object
    │                              changed while it was being read
    ├── IntegrityError             a checksum or size did not match; nothing was kept
    ├── InvalidArgumentError       (also ValueError) a bad argument, refused before sending
    ├── UnsupportedOperationError  (also NotImplementedError) the backend cannot do this
    └── StorageConnectionError     (also ConnectionError) no answer from the service
        └── StorageTimeoutError    (also TimeoutError) no answer in time (per-request
                                   ``timeout`` or the operation's ``deadline``)

Each backend maps its SDK's exceptions in exactly one function, ``map_error`` in its module
(``s3.map_error``, ``gcs.map_error``, ``azure.map_error``, ``local.map_error``,
``files.map_error``), always
``raise ... from`` the original, so the SDK's error stays reachable as ``__cause__``.
"""

from __future__ import annotations


class StorageError(Exception):
    """Base class of every storage error.

    Attributes:
        bucket: The bucket or container involved, if any.
        key: The object key involved, if any.
    """

    def __init__(self, message: str, *, bucket: str | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.bucket = bucket
        self.key = key


class ObjectNotFoundError(StorageError, FileNotFoundError):
    """The object does not exist."""


class BucketNotFoundError(StorageError, FileNotFoundError):
    """The bucket (container) does not exist."""


class BucketNotEmptyError(StorageError):
    """The bucket still holds objects (delete them first, or pass ``force=True``)."""


class StoragePermissionError(StorageError, PermissionError):
    """The credentials are missing, wrong, or lack permission."""


class PreconditionFailedError(StorageError):
    """A condition did not hold: ``if_match``/``if_none_match``, or a pinned version changed."""


class IntegrityError(StorageError):
    """The bytes stored or received do not match their size or checksum."""


class InvalidArgumentError(StorageError, ValueError):
    """An argument was refused before anything was sent.

    Attributes:
        argument: The name of the refused argument (``"key"``, ``"metadata"``, ...), if one.
    """

    def __init__(
        self,
        message: str,
        *,
        argument: str | None = None,
        bucket: str | None = None,
        key: str | None = None,
    ) -> None:
        super().__init__(message, bucket=bucket, key=key)
        self.argument = argument


class UnsupportedOperationError(StorageError, NotImplementedError):
    """The backend (or its emulator, or these credentials) cannot do this."""


class StorageConnectionError(StorageError, ConnectionError):
    """The service could not be reached or the connection broke."""


class StorageTimeoutError(StorageConnectionError, TimeoutError):
    """The service did not answer within the request ``timeout`` or the operation ``deadline``."""
