"""One error-mapping function per backend, the same name and shape everywhere, and every SDK
exception issue 9 found escaping the StorageError tree now mapped into it."""

from __future__ import annotations

import errno
import inspect
from collections.abc import Callable
from typing import Any

import pytest

from codomyrmex_cloud.storage import azure, gcs, local, s3
from codomyrmex_cloud.storage.errors import (
    BucketNotFoundError,
    IntegrityError,
    InvalidArgumentError,
    ObjectNotFoundError,
    PreconditionFailedError,
    StorageConnectionError,
    StorageError,
    StoragePermissionError,
    StorageTimeoutError,
)

MAPPERS = {"s3": s3.map_error, "gcs": gcs.map_error, "azure": azure.map_error, "local": local.map_error}


def test_every_backend_maps_errors_in_one_function_of_the_same_shape() -> None:
    shapes = {name: str(inspect.signature(mapper)) for name, mapper in MAPPERS.items()}
    assert len(set(shapes.values())) == 1, shapes
    for module in (s3, gcs, azure, local):
        store_class = next(
            c
            for c in vars(module).values()
            if isinstance(c, type) and c.__module__ == module.__name__ and hasattr(c, "_map_error")
        )
        assert store_class._map_error is module.map_error


def botocore_cases() -> list[tuple[str, Callable[[], BaseException], type[StorageError]]]:
    from boto3.exceptions import S3UploadFailedError
    from botocore import exceptions as bex
    from s3transfer.exceptions import RetriesExceededError, S3DownloadFailedError

    def client_error(code: str, status: int) -> BaseException:
        response: Any = {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}
        return bex.ClientError(response, "GetObject")

    return [
        (
            "RetriesExceededError(read timeout)",
            lambda: RetriesExceededError(bex.ReadTimeoutError(endpoint_url="u")),
            StorageTimeoutError,
        ),
        (
            "RetriesExceededError(closed)",
            lambda: RetriesExceededError(bex.ConnectionClosedError(endpoint_url="u")),
            StorageConnectionError,
        ),
        (
            "S3DownloadFailedError",
            lambda: S3DownloadFailedError("An error occurred (PreconditionFailed)"),
            StorageError,
        ),
        ("S3UploadFailedError", lambda: S3UploadFailedError("failed"), StorageError),
        ("HTTPClientError", lambda: bex.HTTPClientError(error="boom"), StorageConnectionError),
        ("ResponseStreamingError", lambda: bex.ResponseStreamingError(error="reset"), StorageConnectionError),
        ("EndpointConnectionError", lambda: bex.EndpointConnectionError(endpoint_url="u"), StorageConnectionError),
        ("ConnectTimeoutError", lambda: bex.ConnectTimeoutError(endpoint_url="u"), StorageTimeoutError),
        ("FlexibleChecksumError", lambda: bex.FlexibleChecksumError(error_msg="crc"), IntegrityError),
        ("NoCredentialsError", bex.NoCredentialsError, StoragePermissionError),
        ("NoSuchBucket", lambda: client_error("NoSuchBucket", 404), BucketNotFoundError),
        ("NoSuchKey", lambda: client_error("NoSuchKey", 404), ObjectNotFoundError),
        ("412", lambda: client_error("PreconditionFailed", 412), PreconditionFailedError),
        ("SlowDown after retries", lambda: client_error("SlowDown", 503), StorageConnectionError),
        ("InvalidArgument", lambda: client_error("InvalidArgument", 400), InvalidArgumentError),
    ]


def google_cases() -> list[tuple[str, Callable[[], BaseException], type[StorageError]]]:
    import requests
    from google.api_core import exceptions as google_exceptions

    gex: Any = google_exceptions  # untyped constructors

    return [
        (
            "RetryError(refused)",
            lambda: gex.RetryError("gave up", cause=requests.ConnectionError("refused")),
            StorageConnectionError,
        ),
        (
            "RetryError(read timeout)",
            lambda: gex.RetryError("gave up", cause=requests.ReadTimeout("slow")),
            StorageTimeoutError,
        ),
        ("RetryError(no cause)", lambda: gex.RetryError("deadline", cause=None), StorageTimeoutError),
        ("NotFound (object)", lambda: gex.NotFound("No such object: b/k"), ObjectNotFoundError),
        ("NotFound (bucket)", lambda: gex.NotFound("The specified bucket does not exist."), BucketNotFoundError),
        ("Forbidden", lambda: gex.Forbidden("no"), StoragePermissionError),
        ("PreconditionFailed", lambda: gex.PreconditionFailed("no"), PreconditionFailedError),
        ("ServiceUnavailable", lambda: gex.ServiceUnavailable("down"), StorageConnectionError),
        ("ChunkedEncodingError", lambda: requests.exceptions.ChunkedEncodingError("cut"), StorageConnectionError),
        ("ConnectTimeout", lambda: requests.exceptions.ConnectTimeout("slow"), StorageTimeoutError),
    ]


def azure_cases() -> list[tuple[str, Callable[[], BaseException], type[StorageError]]]:
    from azure.core import exceptions as aex

    def with_code(cls: type[aex.HttpResponseError], code: str) -> BaseException:
        exc: Any = cls(message=code)
        exc.error_code = code
        return exc  # type: ignore[no-any-return]

    return [
        ("ContainerNotFound", lambda: with_code(aex.ResourceNotFoundError, "ContainerNotFound"), BucketNotFoundError),
        ("BlobNotFound", lambda: with_code(aex.ResourceNotFoundError, "BlobNotFound"), ObjectNotFoundError),
        ("ResourceModified", lambda: with_code(aex.ResourceModifiedError, "ConditionNotMet"), PreconditionFailedError),
        ("ServiceResponseTimeout", lambda: aex.ServiceResponseTimeoutError("slow"), StorageTimeoutError),
        ("ServiceRequestError", lambda: aex.ServiceRequestError("refused"), StorageConnectionError),
        ("IncompleteRead", lambda: aex.IncompleteReadError("cut"), StorageConnectionError),
        (
            "ValueError from the SDK",
            lambda: ValueError("Customer provided encryption key must be used over HTTPS."),
            InvalidArgumentError,
        ),
    ]


def local_cases() -> list[tuple[str, Callable[[], BaseException], type[StorageError]]]:
    return [
        ("ELOOP", lambda: OSError(errno.ELOOP, "Too many levels of symbolic links"), StoragePermissionError),
        ("EACCES", lambda: PermissionError(errno.EACCES, "Permission denied"), StoragePermissionError),
        ("ENOENT", lambda: FileNotFoundError(errno.ENOENT, "No such file"), ObjectNotFoundError),
        ("ENOSPC", lambda: OSError(errno.ENOSPC, "No space left"), StorageError),
    ]


CASES = [
    *(("s3", *case) for case in botocore_cases()),
    *(("gcs", *case) for case in google_cases()),
    *(("azure", *case) for case in azure_cases()),
    *(("local", *case) for case in local_cases()),
]


@pytest.mark.parametrize(("backend", "name", "make", "expected"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_sdk_exceptions_map_into_the_tree(
    backend: str, name: str, make: Callable[[], BaseException], expected: type[StorageError]
) -> None:
    mapped = MAPPERS[backend](make(), "bkt", "k")
    assert type(mapped) is expected, (name, mapped)
    assert mapped.bucket == "bkt" and mapped.key == "k"


def test_exceptions_that_are_not_the_sdks_are_left_alone() -> None:
    for mapper in MAPPERS.values():
        assert mapper(KeyError("x"), "b", "k") is None
