"""``listed_info`` (the listings' fast ObjectInfo) is interchangeable with ``ObjectInfo(...)``."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from datetime import UTC, datetime
from typing import Any

import pytest

from codomyrmex_cloud.storage.gcs import _info_from_resource
from codomyrmex_cloud.storage.types import ObjectInfo, listed_info


def test_it_takes_every_field_of_object_info() -> None:
    fields = [f.name for f in dataclasses.fields(ObjectInfo)]
    assert list(inspect.signature(listed_info).parameters) == fields


def test_it_equals_the_dataclass_made_the_usual_way() -> None:
    values: dict[str, Any] = {
        "bucket": "b",
        "key": "k/1",
        "size": 3,
        "etag": "e",
        "last_modified": datetime(2026, 11, 27, tzinfo=UTC),
        "content_type": "text/plain",
        "metadata": {"a": "1"},
        "checksums": {"md5": "00"},
        "version_id": "7",
        "storage_class": "STANDARD",
        "cache_control": "no-cache",
        "content_encoding": "gzip",
        "content_disposition": "inline",
    }
    fast, usual = listed_info(**values), ObjectInfo(**values)
    assert fast == usual and repr(fast) == repr(usual)
    assert pickle.loads(pickle.dumps(fast)) == usual  # noqa: S301 - our own bytes
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.size = 4  # type: ignore[misc]


def test_a_gcs_resource_becomes_the_info_a_listing_reports() -> None:
    resource = {
        "name": "a/b",
        "size": "5",
        "generation": 1732712345678901,
        "md5Hash": "XrY7u+Ae7tCTyyK7j1rNww==",
        "crc32c": "yZRlqg==",
        "updated": "2026-11-27T17:00:00.123456Z",
        "contentType": "text/plain",
        "metadata": {"m": "v"},
    }
    info = _info_from_resource("bkt", resource)
    assert info == ObjectInfo(
        bucket="bkt",
        key="a/b",
        size=5,
        etag="1732712345678901",
        last_modified=datetime(2026, 11, 27, 17, 0, 0, 123456, tzinfo=UTC),
        content_type="text/plain",
        metadata={"m": "v"},
        checksums={"crc32c": "c99465aa", "md5": "5eb63bbbe01eeed093cb22bb8f5acdc3"},
        version_id="1732712345678901",
    )
