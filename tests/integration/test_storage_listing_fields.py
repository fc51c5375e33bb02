"""What a listing says about an object, on the stores whose listings parse responses
themselves: GCS items go straight from the JSON to ObjectInfo (no Blob per item), S3
timestamps are parsed by the standard library instead of dateutil."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from botocore.utils import parse_timestamp

from codomyrmex_cloud import GCSClient, S3Client
from codomyrmex_cloud.storage.s3 import _parse_timestamp
from tests.conftest import make_store


def test_a_gcs_listing_describes_objects_as_stat_does(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    store = make_store("gcs", request, tmp_path_factory)
    assert isinstance(store, GCSClient)
    bucket = f"t-{uuid.uuid4().hex[:20]}"
    store.create_bucket(bucket)
    store.upload(
        bucket,
        "dir/a.txt",
        data=b"hello",
        content_type="text/plain",
        metadata={"owner": "ada"},
        cache_control="no-cache",
        content_disposition="attachment",
    )
    store.upload(bucket, "dir/b.bin", data=b"\x00" * 300)
    listed = {info.key: info for info in store.list_objects(bucket, "dir/")}
    assert sorted(listed) == ["dir/a.txt", "dir/b.bin"]
    for key, info in listed.items():
        assert info == store.stat(bucket, key)
    assert listed["dir/a.txt"].metadata == {"owner": "ada"} and listed["dir/a.txt"].checksums.keys() >= {"crc32c"}
    listing = store.list_objects(bucket, delimiter="/")
    assert list(listing) == [] and listing.prefixes == ["dir/"]
    store.delete_bucket(bucket, force=True)


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-27T16:06:15.000Z",  # S3 listings
        "2026-11-27T16:06:15Z",
        "2026-11-27T16:06:15.123456789Z",
        "2026-11-27T16:06:15+02:00",
        "Fri, 27 Nov 2026 16:06:50 GMT",  # headers (HEAD, GET)
        "1795795200",  # epoch seconds: botocore's own parser
        "2026-11-27T16:06:15",  # no zone: botocore's own parser
    ],
)
def test_s3_timestamps_are_the_instants_botocore_would_give(text: str) -> None:
    ours = _parse_timestamp(text)
    theirs = parse_timestamp(text)
    assert ours == theirs and (ours.tzinfo is None) == (theirs.tzinfo is None)


def test_s3_listing_times_are_aware_utc_instants(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    store = make_store("seaweedfs", request, tmp_path_factory)
    assert isinstance(store, S3Client)
    bucket = f"t-{uuid.uuid4().hex[:20]}"
    store.create_bucket(bucket)
    before = datetime.now(UTC).replace(microsecond=0)
    store.upload(bucket, "k", data=b"x")
    (listed,) = store.list_objects(bucket)
    stated = store.stat(bucket, "k")
    assert listed.last_modified is not None and stated.last_modified is not None
    assert listed.last_modified.utcoffset() is not None and abs(listed.last_modified - stated.last_modified).seconds < 1
    assert listed.last_modified >= before
    store.delete_bucket(bucket, force=True)
