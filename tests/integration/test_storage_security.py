"""Security on every store: no key escapes its bucket or reaches another key, signed URLs are
SigV4 (or the service's V4/SAS) with bounded expiry, and LocalStore never follows links out
of its root, keeps every file private, survives stray files and shares the clouds' bucket
names."""

from __future__ import annotations

import io
import logging
import os
import stat
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from codomyrmex_cloud import (
    AzureBlobClient,
    GCSClient,
    InvalidArgumentError,
    LocalStore,
    ObjectStore,
    S3Client,
    StoragePermissionError,
)
from codomyrmex_cloud.storage import SignsURLs, TaggedStore, UnsupportedOperationError
from codomyrmex_cloud.storage.local import object_name
from tests.conftest import make_store

#: Keys that must never be sent: each would collapse into another key or bucket somewhere.
HOSTILE = [
    "..",
    ".",
    "a/../b",
    "../x",
    "x/..",
    "./x",
    "x/./y",
    "../../tenant-b/planted.txt",
    "a\\b",
    "..\\x",
    "a\x00b",
    "a\nb",
    "a\rb",
    "\ud800",
    "k" * 1025,
    "é" * 513,  # 1,026 bytes of UTF-8
    "/lead",
    "a//b",
    "",
]
#: Keys that look dangerous but are stored literally, and must come back as themselves.
LITERAL = ["%2e%2e/x", "%2E%2E%2Fx", "..x", "x..", "...", "a/.../b", "sp ace", "q?x=1#f", "%00", "ü/日本"]


def hostile_operations(store: ObjectStore, bucket: str, key: str, tmp: Path) -> list[Callable[[], object]]:
    """Every operation that takes a key, with ``key`` in each key position."""
    ops: list[Callable[[], object]] = [
        lambda: store.upload(bucket, key, data=b"planted"),
        lambda: store.upload(bucket, key, data=io.BytesIO(b"planted")),
        lambda: store.download(bucket, key),
        lambda: store.download(bucket, key, local_path=tmp / "out"),
        lambda: store.stat(bucket, key),
        lambda: store.head(bucket, key),
        lambda: store.exists(bucket, key),
        lambda: store.delete(bucket, key),
        lambda: store.delete_many(bucket, ["b", key]),
        lambda: store.copy(bucket, "b", bucket, key),
        lambda: store.copy(bucket, key, bucket, "b-copy"),
        lambda: store.iter_chunks(bucket, key),
        lambda: store.open_read(bucket, key),
        lambda: store.open_write(bucket, key),
        lambda: store.read_range(bucket, key, 0, 1),
    ]
    if isinstance(store, SignsURLs):
        ops.append(lambda: store.signed_url(bucket, key))
    if isinstance(store, TaggedStore):
        ops.append(lambda: store.get_tags(bucket, key))
        ops.append(lambda: store.set_tags(bucket, key, {"a": "b"}))
    return ops


@pytest.fixture
def tenants(store: ObjectStore) -> Iterator[tuple[str, str]]:
    suffix = uuid.uuid4().hex[:12]
    a, b = f"tenant-a-{suffix}", f"tenant-b-{suffix}"
    for name in (a, b):
        store.create_bucket(name)
    yield a, b
    for name in (a, b):
        store.delete_bucket(name, force=True)


def contents(store: ObjectStore, bucket: str) -> dict[str, bytes]:
    return {o.key: store.download(bucket, o.key) for o in store.list_objects(bucket)}


def test_no_hostile_key_touches_another_bucket_or_key(
    store: ObjectStore, tenants: tuple[str, str], tmp_path: Path
) -> None:
    a, b = tenants
    # What a collapsing key would hit: "a/../b" -> "b", "../x" -> the parent, "../tenant-b/..."
    store.upload(a, "b", data=b"original b")
    store.upload(a, "x", data=b"original x")
    store.upload(b, "planted.txt", data=b"tenant b's own")
    store.upload(b, "x", data=b"tenant b's x")
    before = {a: contents(store, a), b: contents(store, b)}
    for key in HOSTILE:
        for op in hostile_operations(store, a, key, tmp_path):
            with pytest.raises(InvalidArgumentError) as refused:
                op()
            assert refused.value.argument in ("key", "keys", "src_key", "dst_key"), (key, refused.value)
    assert {a: contents(store, a), b: contents(store, b)} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # not even a temporary file


def test_dangerous_looking_keys_are_stored_literally(store: ObjectStore, tenants: tuple[str, str]) -> None:
    a, b = tenants
    for key in LITERAL:
        store.upload(a, key, data=key.encode())
    assert contents(store, a) == {key: key.encode() for key in LITERAL}
    assert contents(store, b) == {}
    for key in LITERAL:
        assert store.stat(a, key).key == key
        store.delete(a, key)
    assert contents(store, a) == {}


def test_a_trailing_slash_key_is_an_ordinary_object(
    store: ObjectStore, bucket: str, store_kind: str, request: pytest.FixtureRequest
) -> None:
    if store_kind == "seaweedfs":
        request.applymarker(
            pytest.mark.xfail(
                reason="SeaweedFS stores 'dir/' as a folder and serves it empty; S3 stores it as an object",
                strict=True,
            )
        )
    store.upload(bucket, "dir/", data=b"marker with bytes")
    assert store.download(bucket, "dir/") == b"marker with bytes"


def test_the_longest_key_round_trips(
    store: ObjectStore, bucket: str, store_kind: str, request: pytest.FixtureRequest
) -> None:
    if store_kind == "seaweedfs":
        request.applymarker(
            pytest.mark.xfail(
                reason="SeaweedFS refuses keys shorter than S3's 1,024-byte limit (KeyTooLongError)",
                raises=InvalidArgumentError,
                strict=True,
            )
        )
    key = "k/" + "é" * 511  # 1,024 bytes of UTF-8
    store.upload(bucket, key, data=b"long")
    assert [o.key for o in store.list_objects(bucket)] == [key]
    assert store.download(bucket, key) == b"long"


# Signed URLs -------------------------------------------------------------------------------

CLOUDS = ["s3", "seaweedfs", "gcs", "azure"]


def cloud(kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SignsURLs:
    store = make_store(kind, request, tmp_path_factory)
    assert isinstance(store, SignsURLs)
    return store


def test_local_store_does_not_claim_signed_urls(tmp_path: Path) -> None:
    assert not isinstance(LocalStore(tmp_path), SignsURLs)


@pytest.mark.parametrize("kind", CLOUDS)
@pytest.mark.parametrize("expires_in", [0, -1, 604801, 10**9, True, 1.5, "60", None])
def test_signed_url_expiry_outside_1s_to_7_days_is_refused(
    kind: str, expires_in: object, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with pytest.raises(InvalidArgumentError) as refused:
        cloud(kind, request, tmp_path_factory).signed_url("some-bucket", "k", expires_in=expires_in)  # type: ignore[arg-type]
    assert refused.value.argument == "expires_in"


@pytest.mark.parametrize("kind", CLOUDS)
def test_signed_url_method_is_get_or_put(
    kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with pytest.raises(InvalidArgumentError, match="method"):
        cloud(kind, request, tmp_path_factory).signed_url("some-bucket", "k", method="DELETE")  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["s3", "seaweedfs"])
def test_s3_signs_with_sigv4_only(
    kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    store = make_store(kind, request, tmp_path_factory)
    assert isinstance(store, S3Client)
    bucket = f"t-{uuid.uuid4().hex[:20]}"
    store.create_bucket(bucket)
    store.upload(bucket, "doc.txt", data=b"shared")
    url = store.signed_url(bucket, "doc.txt", expires_in=604800)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and query["X-Amz-Expires"] == ["604800"]
    assert "Signature" not in query and "AWSAccessKeyId" not in query and "Expires" not in query
    assert httpx.get(url).content == b"shared"
    put = store.signed_url(bucket, "uploaded.txt", method="PUT", expires_in=60)
    assert httpx.put(put, content=b"via url").status_code == 200
    assert store.download(bucket, "uploaded.txt") == b"via url"
    store.delete_bucket(bucket, force=True)


def test_azure_sas_expiry_is_what_was_asked(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    store = make_store("azure", request, tmp_path_factory)
    assert isinstance(store, AzureBlobClient)
    bucket = f"t-{uuid.uuid4().hex[:20]}"
    store.create_bucket(bucket)
    store.upload(bucket, "doc.txt", data=b"shared")
    url = store.signed_url(bucket, "doc.txt", expires_in=604800)
    expiry = datetime.fromisoformat(urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["se"][0])
    assert timedelta(days=7) - timedelta(minutes=5) < expiry - datetime.now(UTC) <= timedelta(days=7)
    assert httpx.get(url).content == b"shared"
    store.delete_bucket(bucket, force=True)


def test_gcs_without_signing_credentials_says_so(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    store = make_store("gcs", request, tmp_path_factory)
    assert isinstance(store, GCSClient)
    with pytest.raises(UnsupportedOperationError, match="cannot sign"):
        store.signed_url("some-bucket", "k", expires_in=604800)


# LocalStore ---------------------------------------------------------------------------------


def test_local_store_refuses_a_symlinked_bucket(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"not yours")
    root = tmp_path / "root"
    store = LocalStore(root)
    (root / "evil").symlink_to(outside, target_is_directory=True)
    for op in (
        lambda: store.upload("evil", "k", data=b"x"),
        lambda: store.download("evil", "k"),
        lambda: list(store.list_objects("evil")),
        lambda: store.stat("evil", "k"),
        lambda: store.delete_bucket("evil", force=True),
        lambda: store.create_bucket("evil"),
    ):
        with pytest.raises(StoragePermissionError, match="symbolic link"):
            op()
    assert sorted(p.name for p in outside.iterdir()) == ["secret"]
    assert (outside / "secret").read_bytes() == b"not yours"


def test_local_store_never_follows_a_symlinked_object(tmp_path: Path) -> None:
    outside = tmp_path / "outside.bin"
    outside.write_bytes(b"not yours")
    store = LocalStore(tmp_path / "root")
    store.create_bucket("safe")
    store.upload("safe", "real", data=b"real bytes")
    link = tmp_path / "root" / "safe" / object_name("k")
    link.symlink_to(outside)
    with pytest.raises(StoragePermissionError, match="symbolic link"):
        store.download("safe", "k")
    with pytest.raises(StoragePermissionError):
        store.stat("safe", "k")
    assert [o.key for o in store.list_objects("safe")] == ["real"]  # the link is skipped
    store.upload("safe", "k", data=b"replaces the link, not its target")
    store.delete("safe", "k")
    assert outside.read_bytes() == b"not yours"


def test_local_store_files_are_private_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        store = LocalStore(tmp_path / "root")
        store.create_bucket("modes")
        store.upload("modes", "a", data=b"1", metadata={"k": "v"})
        with store.open_write("modes", "b") as out:
            out.write(b"2")
        store.copy("modes", "a", "modes", "c")
    finally:
        os.umask(old)
    folder = tmp_path / "root" / "modes"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}
    assert modes and set(modes.values()) == {0o600}, modes


def test_local_store_skips_and_logs_stray_files(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = LocalStore(tmp_path / "root")
    store.create_bucket("stray")
    store.upload("stray", "good", data=b"kept")
    folder = tmp_path / "root" / "stray"
    (folder / "notes.txt").write_text("a person left this here")
    (folder / "kdeadbeef").write_bytes(b"not an object")
    (folder / ("h" + "0" * 64)).write_bytes(b"{broken json")
    truncated = (folder / object_name("good")).read_bytes()[:-3]
    (folder / object_name("also-good")).write_bytes(truncated)
    with caplog.at_level(logging.WARNING, logger="codomyrmex_cloud.storage.local"):
        assert [o.key for o in store.list_objects("stray")] == ["good"]
    logged = " ".join(r.getMessage() for r in caplog.records)
    for name in ("notes.txt", "kdeadbeef", "h" + "0" * 64, object_name("also-good")):
        assert name in logged


@pytest.mark.parametrize(
    "name",
    [
        "a" * 300,
        "ab",
        "UPPER",
        "under_score",
        "dot.ted",
        "-lead",
        "trail-",
        "my--bucket",
        "xn--abc",
        "goog-x",
        "192.168.1.1",
        "a/b",
        "a\x00b",
        "",
    ],
)
def test_local_store_refuses_bucket_names_a_cloud_refuses(tmp_path: Path, name: str) -> None:
    store = LocalStore(tmp_path / "root")
    with pytest.raises(InvalidArgumentError) as refused:
        store.create_bucket(name)
    assert refused.value.argument == "bucket"
    assert list((tmp_path / "root").iterdir()) == []


def test_bucket_names_are_checked_before_sending_on_the_clouds(store: ObjectStore) -> None:
    for name in ("Bad_Name", "a" * 300, "x"):
        with pytest.raises(InvalidArgumentError) as refused:
            store.create_bucket(name)
        assert refused.value.argument == "bucket"
