"""The raw SDK calls a user would make instead of ours, for listing and per-object calls.

Built from the same environment as our stores (endpoint and credentials), with each SDK's
defaults; one client per backend, reused across calls as a long-lived job would.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from benchmarks.storage_servers import BUCKET


@dataclass(frozen=True)
class RawCalls:
    """One backend's raw SDK: count a listing, put one object, get one object."""

    list_count: Callable[[str], int]
    put: Callable[[str, bytes], object]
    get: Callable[[str], bytes]
    list_label: str
    put_label: str
    get_label: str


def raw_calls(backend: str) -> RawCalls:
    """The raw SDK for ``backend``, configured from the current environment."""
    if backend == "s3":
        import boto3

        s3 = boto3.client("s3")
        paginator = s3.get_paginator("list_objects_v2")

        def s3_list(prefix: str) -> int:
            return sum(len(page.get("Contents", [])) for page in paginator.paginate(Bucket=BUCKET, Prefix=prefix))

        return RawCalls(
            s3_list,
            lambda key, data: s3.put_object(Bucket=BUCKET, Key=key, Body=data),
            lambda key: s3.get_object(Bucket=BUCKET, Key=key)["Body"].read(),
            "boto3 list_objects_v2 paginator",
            "boto3 put_object",
            "boto3 get_object().read()",
        )
    if backend == "gcs":
        from google.cloud import storage

        client = storage.Client()
        bucket = client.bucket(BUCKET)
        return RawCalls(
            lambda prefix: sum(1 for _ in client.list_blobs(BUCKET, prefix=prefix)),
            lambda key, data: bucket.blob(key).upload_from_string(data),
            lambda key: bucket.blob(key).download_as_bytes(),
            "google list_blobs",
            "google upload_from_string",
            "google download_as_bytes",
        )
    if backend == "azure":
        from azure.storage.blob import BlobServiceClient

        service = BlobServiceClient.from_connection_string(os.environ["AZURE_STORAGE_CONNECTION_STRING"])
        container = service.get_container_client(BUCKET)
        return RawCalls(
            lambda prefix: sum(1 for _ in container.list_blobs(name_starts_with=prefix)),
            lambda key, data: container.upload_blob(key, data, overwrite=True),
            lambda key: container.download_blob(key).readall(),
            "azure list_blobs",
            "azure upload_blob",
            "azure download_blob().readall()",
        )
    raise ValueError(f"no raw SDK for {backend!r}")


def put_many(calls: RawCalls, keys: Iterable[str], data: bytes) -> None:
    """Fill a bucket quickly (setup, not measured): eight puts in flight."""
    with ThreadPoolExecutor(8) as pool:
        for _ in pool.map(lambda key: calls.put(key, data), keys):
            pass
