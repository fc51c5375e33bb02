"""The shared rules, tested on their own: names (one bucket-name rule shared with the clouds),
retry policy, deadlines, and re-iterable listings."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import pytest

from codomyrmex_cloud.storage import InvalidArgumentError, ObjectInfo, ObjectListing, RetryPolicy, StorageTimeoutError
from codomyrmex_cloud.storage import deadline as deadlines
from codomyrmex_cloud.storage import validation as v
from codomyrmex_cloud.storage.types import Page

CLOUD_RULES = (v.S3, v.GCS, v.AZURE)
NAMES = [
    "my-bucket",
    "abc",
    "a" * 63,
    "a" * 64,
    "ab",
    "UPPER",
    "under_score",
    "dot.ted",
    "-lead",
    "trail-",
    "my--bucket",
    "xn--abc",
    "goog-x",
    "has-google-in",
    "192.168.1.1",
    "sthree-x",
    "x-s3alias",
    "a b",
    "tail\n",
]


@pytest.mark.parametrize("name", NAMES)
def test_the_portable_bucket_rule_is_the_clouds_intersection(name: str) -> None:
    def accepts(rules: v.Rules) -> bool:
        try:
            v.check_bucket(name, rules, creating=True)
        except InvalidArgumentError:
            return False
        return True

    assert accepts(v.PORTABLE) == all(accepts(rules) for rules in CLOUD_RULES), name


def test_existing_legacy_s3_names_stay_addressable() -> None:
    assert v.check_bucket("Legacy_Bucket.Name", v.S3) == "Legacy_Bucket.Name"
    with pytest.raises(InvalidArgumentError):
        v.check_bucket("Legacy_Bucket.Name", v.S3, creating=True)
    assert v.check_bucket("$web", v.AZURE) == "$web"


@pytest.mark.parametrize(
    ("metadata", "rules", "accepted"),
    [
        ({"owner": "ana"}, v.PORTABLE, True),
        ({"content-kind": "x"}, v.S3, True),
        ({"content-kind": "x"}, v.AZURE, False),  # Azure names are C# identifiers
        ({"Owner": "ana"}, v.S3, False),  # S3 would return "owner": refuse, not rename
        ({"a b": "v"}, v.S3, False),
        ({"k": "ü"}, v.S3, False),
        ({"k": "ü"}, v.GCS, True),
        ({"k": " padded"}, v.AZURE, False),
        ({"k": "x" * 3000}, v.S3, False),
    ],
)
def test_metadata_rules(metadata: dict[str, str], rules: v.Rules, accepted: bool) -> None:
    if accepted:
        assert v.check_metadata(metadata, rules) == metadata
    else:
        with pytest.raises(InvalidArgumentError, match="metadata"):
            v.check_metadata(metadata, rules)


def test_retry_policy_backoff_is_full_jitter_capped() -> None:
    policy = RetryPolicy(max_attempts=5, backoff_base=0.5, backoff_max=4.0, jitter=random.Random(7).random)
    ceilings = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    for retry, ceiling in enumerate(ceilings):
        assert 0 <= policy.backoff(retry) <= ceiling
    top = RetryPolicy(jitter=lambda: 0.999999)
    assert top.backoff(100) == pytest.approx(top.backoff_max, rel=1e-5)
    assert RetryPolicy.disabled().max_attempts == 1


@pytest.mark.parametrize(
    "bad", [{"max_attempts": 0}, {"max_attempts": True}, {"backoff_base": -1}, {"backoff_max": "1"}]
)
def test_retry_policy_refuses_nonsense(bad: dict[str, object]) -> None:
    with pytest.raises(InvalidArgumentError, match="retry"):
        RetryPolicy(**bad)  # type: ignore[arg-type]


def test_deadline_scopes_nest_and_cap_request_timeouts() -> None:
    assert deadlines.remaining() is None
    assert deadlines.request_timeout(30.0) == 30.0
    with deadlines.scope(100.0):
        assert 0 < deadlines.request_timeout(30.0) == 30.0
        with deadlines.scope(1000.0):  # an inner scope never extends the outer one
            left = deadlines.remaining()
            assert left is not None and left <= 100.0
        with deadlines.scope(0.5):
            assert deadlines.request_timeout(30.0) <= 0.5
        with deadlines.suspended():
            assert deadlines.remaining() is None
    expired = time.monotonic() - 1
    with deadlines.at(expired), pytest.raises(StorageTimeoutError, match="deadline"):
        deadlines.request_timeout(30.0)


def test_worker_threads_see_the_submitters_deadline() -> None:
    with deadlines.scope(50.0) as expiry, deadlines.ContextThreadPool(2) as pool:
        assert pool.submit(deadlines.expiry).result() == expiry
    with deadlines.ContextThreadPool(1) as pool:
        assert pool.submit(deadlines.expiry).result() is None


def test_a_listing_walks_again_from_the_first_page_each_time() -> None:
    walks: list[int] = []

    def pages() -> Iterator[Page[ObjectInfo]]:
        walks.append(1)
        yield [ObjectInfo("b", "a", 1)], ["p/"]
        yield [ObjectInfo("b", "c", 1)], ["p/", "q/"]

    listing = ObjectListing(pages)
    assert [o.key for o in listing] == ["a", "c"]
    assert [o.key for o in listing] == ["a", "c"]
    assert listing.prefixes == ["p/", "q/"]
    assert len(walks) == 2
    fresh = ObjectListing(pages)
    assert fresh.prefixes == ["p/", "q/"]  # reading prefixes first walks once
    assert len(walks) == 3
    assert "iterated any number of times" in (ObjectListing.__mro__[1].__doc__ or "")
