"""Every error the storage clients raise, in one tree, whatever the backend::

    StorageError
    ├── ObjectNotFoundError        (also FileNotFoundError) the key does not exist
    ├── BucketNotFoundError        the bucket or container does not exist
    ├── BucketNotEmptyError        deleting a bucket that still holds objects
    ├── StoragePermissionError     (also PermissionError) credentials may not do this
    ├── PreconditionFailedError    if_match / if_none_match did not hold
    ├── IntegrityError             a checksum or size did not match; nothing was kept
    ├── InvalidArgumentError       (also ValueError) a bad argument, refused before sending
    ├── UnsupportedOperationError  (also NotImplementedError) the backend cannot do this
    └── StorageConnectionError     (also ConnectionError) no answer from the service
        └── StorageTimeoutError    (also TimeoutError) no answer in time

Each backend maps its SDK's exceptions in exactly one function (``_translate`` in its module),
always ``raise ... from`` the original, so the SDK's error stays reachable as ``__cause__``.
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
    """A conditional request (``if_match`` / ``if_none_match``) did not hold."""


class IntegrityError(StorageError):
    """The bytes stored or received do not match their size or checksum."""


class InvalidArgumentError(StorageError, ValueError):
    """An argument was refused before anything was sent."""


class UnsupportedOperationError(StorageError, NotImplementedError):
    """The backend has no such feature (a local store has no signed URLs)."""


class StorageConnectionError(StorageError, ConnectionError):
    """The service could not be reached or the connection broke."""


class StorageTimeoutError(StorageConnectionError, TimeoutError):
    """The service did not answer in time."""
