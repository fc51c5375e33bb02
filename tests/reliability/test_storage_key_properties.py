"""Property test: any key the validation accepts round-trips on every store.

Keys are drawn from what the key rule (``storage/validation.py``) leaves valid, biased towards
what URL encoding and XML listings get wrong: ``/ ? # % + & = ;`` and spaces, ``%2e%2e`` and
percent escapes that must not be decoded, Unicode from every plane, format characters and
segments of dots other than ``.`` and ``..``. Each key is uploaded, stat'ed, listed (by
itself as the prefix), downloaded to memory and to a file, and deleted: every step must
name exactly that key and give back exactly the bytes sent.

``make test`` runs a fixed set of examples per store; ``make test-reliability`` many more.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codomyrmex_cloud import InvalidArgumentError, ObjectStore
from codomyrmex_cloud.storage import validation

#: Characters a key may hold (no C0 control, DEL, backslash, surrogate or ``/``: the
#: separator is added between segments).
KEY_CHARACTERS = st.characters(codec="utf-8", exclude_characters="\\/\x7f" + "".join(map(chr, range(32))))
TRICKY = st.sampled_from(
    [" ", "?", "#", "%", "+", "&", "=", ";", ":", "@", "!", "$", "'", "(", ")", "*", ",", "[", "]", "~", "^", "`",
     "{", "}", "|", "<", ">", '"', "%2e%2e", "%2F", "%00", "%", "...", "é", "€", "😀", "\u200b", "\ufeff", "\u0085"]
)  # fmt: skip
SEGMENTS = (
    st.lists(st.text(KEY_CHARACTERS, min_size=1, max_size=4) | TRICKY, min_size=1, max_size=4)
    .map("".join)
    .filter(lambda s: s not in (".", ".."))
)


def keys(trailing_slash: bool) -> st.SearchStrategy[str]:
    """Valid keys of one to four segments, under 256 bytes (SeaweedFS refuses long ones), not
    blank (a key of only whitespace is refused)."""
    joined = st.lists(SEGMENTS, min_size=1, max_size=4).map("/".join)
    if trailing_slash:
        joined = st.tuples(joined, st.booleans()).map(lambda pair: pair[0] + "/" if pair[1] else pair[0])
    return joined.filter(lambda key: len(key.encode()) < 256 and bool(key.strip()))


QUICK = settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
FULL = settings(
    max_examples=300,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def round_trip(store: ObjectStore, bucket: str, key: str, folder: Path) -> None:
    try:
        validation.check_key(key)
    except InvalidArgumentError as refused:  # the strategy must produce valid keys only
        raise AssertionError(f"the strategy made a key the rule refuses: {refused}") from None
    data = hashlib.sha256(key.encode()).digest() * 3 + key.encode()
    info = store.upload(bucket, key, data=data)
    assert info.key == key and info.size == len(data)
    assert store.stat(bucket, key).key == key
    listed = [o.key for o in store.list_objects(bucket, prefix=key)]
    assert key in listed and all(name.startswith(key) for name in listed), listed
    assert store.download(bucket, key) == data
    target = folder / "download.bin"
    assert store.download(bucket, key, local_path=target).read_bytes() == data
    store.delete(bucket, key)
    assert not store.exists(bucket, key)


def run_property(
    strategy: st.SearchStrategy[str], budget: settings, store: ObjectStore, bucket: str, tmp_path: Path
) -> None:
    """Run the round trip for ``budget.max_examples`` keys, and check that most were tried."""
    tried: list[str] = []

    @budget
    @given(key=strategy)
    def check(key: str) -> None:
        round_trip(store, bucket, key, tmp_path)
        tried.append(key)

    check()
    assert len(set(tried)) >= budget.max_examples * 0.8, f"only {len(set(tried))} distinct keys were tried"


def strategy_for(kind: str) -> st.SearchStrategy[str]:
    # SeaweedFS stores "dir/" as a folder (an xfail of the conformance suite): no trailing "/".
    return keys(trailing_slash=kind != "seaweedfs")


def test_any_valid_key_round_trips(store: ObjectStore, bucket: str, store_kind: str, tmp_path: Path) -> None:
    run_property(strategy_for(store_kind), QUICK, store, bucket, tmp_path)


@pytest.mark.reliability_full
def test_any_valid_key_round_trips_full(store: ObjectStore, bucket: str, store_kind: str, tmp_path: Path) -> None:
    run_property(strategy_for(store_kind), FULL, store, bucket, tmp_path)
