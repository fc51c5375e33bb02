"""Bad input to the stores, the half the storage catalogue does not hold, counted at the server.

``tests/integration/test_storage_failures.py`` holds the storage pass's catalogue (58 cases:
None and wrong-typed keys and buckets, metadata, streams, headers, conditions, ranges, local
paths ...), proven "sent nowhere" by pointing the stores at a dead port. This file adds the
cases it lacks: keys and buckets with ``/ ? # % ..``, control characters and over-long names,
signed-URL limits, progress callbacks, NUL in paths, and the constructors (endpoints with a
path or without a scheme, credentials holding a line break, flags given as text ...).

Each cloud store talks to its live emulator through a counting proxy (the fault proxy with no
faults), so "nothing was sent" is the proxy's own count of requests that arrived; the local
store's count is its folder, which must not change. A file named as a download target must
keep its bytes, and no temporary file may remain beside it.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from codomyrmex_cloud import AzureBlobClient, GCSClient, InvalidArgumentError, LocalStore, ObjectNotFoundError, S3Client
from codomyrmex_cloud.storage import RetryPolicy, SignsURLs
from codomyrmex_cloud.storage.base import BaseStore
from codomyrmex_cloud.testing.emulators import Emulator
from tests.conftest import EMULATOR_FIXTURES, STORES, Endpoint, store_for
from tests.support.fault_proxy import FaultProxy, FaultSchedule

BUCKET = f"bad-input-{uuid.uuid4().hex[:12]}"
KEEP = b"the bytes already in the target file"
NAN = math.nan
NOTHING: Any = None  # None where the signature has no room for it


@dataclass
class World:
    """A store with one bucket and one object, and what counts its traffic."""

    kind: str
    store: BaseStore
    proxy: FaultProxy | None
    root: Path  # the local store's folder (unused by clouds)
    files: Path  # a folder holding ``target``, a file downloads must not clobber

    @property
    def target(self) -> Path:
        return self.files / "target.bin"

    def traffic(self) -> object:
        """Requests that reached the service (clouds), or the local store's folder as it is."""
        if self.proxy is not None:
            return self.proxy.stats().seen
        return sorted((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in self.root.rglob("*"))

    def files_now(self) -> list[tuple[str, bytes]]:
        return sorted((p.name, p.read_bytes()) for p in self.files.iterdir())


@pytest.fixture(scope="module")
def worlds(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str], World]]:
    """One world per store kind for the module, built on first use."""
    built: dict[str, World] = {}
    proxies: list[FaultProxy] = []

    def world(kind: str) -> World:
        if kind in built:
            return built[kind]
        root = tmp_path_factory.mktemp(f"{kind}-root")
        files = tmp_path_factory.mktemp(f"{kind}-files")
        (files / "target.bin").write_bytes(KEEP)
        proxy = None
        endpoint: Emulator | Endpoint | None = None
        if kind != "local":
            emulator: Emulator = request.getfixturevalue(EMULATOR_FIXTURES[kind])
            proxy = FaultProxy(emulator.url, FaultSchedule.seeded("count only", 0.0)).start()
            proxies.append(proxy)
            env = {
                name: value.replace(emulator.url, proxy.rebase(emulator.url)) for name, value in emulator.env.items()
            }
            endpoint = Endpoint(proxy.url, env)
        store = store_for(kind, endpoint, root, retry=RetryPolicy.disabled()) if kind != "local" else LocalStore(root)
        store.create_bucket(BUCKET)
        store.upload(BUCKET, "exists", data=b"object")
        built[kind] = World(kind, store, proxy, root, files)
        return built[kind]

    yield world
    for made in built.values():
        made.store.delete_bucket(BUCKET, force=True)
        made.store.close()
    for proxy in proxies:
        proxy.stop()


# The catalogue: (argument named, call) ------------------------------------------------------

Call = Callable[[Any, World], object]  # Any: the wrong types are the point


def case(case_id: str, argument: str, call: Callable[..., object]) -> Any:
    return pytest.param(argument, call, id=case_id)


B = BUCKET
CALLS = [
    # Keys: one rule everywhere (see storage/validation.py); everything else is stored literally
    case("key-empty", "key", lambda s, w: s.upload(B, "", data=b"x")),
    case("key-dotdot", "key", lambda s, w: s.download(B, "..")),
    case("key-dotdot-segment", "key", lambda s, w: s.upload(B, "a/../exists", data=b"x")),
    case("key-dot-segment", "key", lambda s, w: s.stat(B, "./exists")),
    case("key-trailing-dot-segment", "key", lambda s, w: s.delete(B, "a/.")),
    case("key-leading-slash", "key", lambda s, w: s.upload(B, "/exists", data=b"x")),
    case("key-double-slash", "key", lambda s, w: s.delete(B, "a//b")),
    case("key-nul", "key", lambda s, w: s.upload(B, "a\x00b", data=b"x")),
    case("key-newline", "key", lambda s, w: s.upload(B, "a\nb", data=b"x")),
    case("key-carriage-return", "key", lambda s, w: s.exists(B, "a\rb")),
    case("key-tab", "key", lambda s, w: s.read_range(B, "a\tb", 0, 1)),
    case("key-del", "key", lambda s, w: s.stat(B, "a\x7fb")),
    case("key-backslash", "key", lambda s, w: s.upload(B, "a\\b", data=b"x")),
    case("key-1025-bytes", "key", lambda s, w: s.upload(B, "k" * 1025, data=b"x")),
    case("key-1026-bytes-unicode", "key", lambda s, w: s.upload(B, "€" * 342, data=b"x")),
    case("key-bytes", "key", lambda s, w: s.upload(B, b"k", data=b"x")),
    case("key-list", "key", lambda s, w: s.exists(B, ["k"])),
    case("key-dotdot-open_write", "key", lambda s, w: s.open_write(B, "../k")),
    case("key-dotdot-iter_chunks", "key", lambda s, w: s.iter_chunks(B, "a/..")),
    case("key-bad-download-to-file", "key", lambda s, w: s.download(B, "a/../exists", local_path=w.target)),
    case("keys-generator-with-bad-key", "keys", lambda s, w: s.delete_many(B, (k for k in ["exists", "a\x00"]))),
    case("keys-bytes", "keys", lambda s, w: s.delete_many(B, b"exists")),
    # Buckets
    case("bucket-slash", "bucket", lambda s, w: s.stat("bad/bucket", "k")),
    case("bucket-question", "bucket", lambda s, w: s.stat("bad?bucket", "k")),
    case("bucket-hash", "bucket", lambda s, w: s.download("bad#bucket", "k")),
    case("bucket-percent", "bucket", lambda s, w: s.upload("bad%2fbucket", "k", data=b"x")),
    case("bucket-dotdot", "bucket", lambda s, w: s.stat("..", "k")),
    case("bucket-unicode", "bucket", lambda s, w: s.stat("bück-et", "k")),
    case("bucket-nul", "bucket", lambda s, w: list(s.list_objects("bad\x00bucket"))),
    case("bucket-whitespace", "bucket", lambda s, w: s.bucket_exists("   ")),
    case("bucket-create-64-chars", "bucket", lambda s, w: s.create_bucket("a" * 64)),
    case("bucket-create-2-chars", "bucket", lambda s, w: s.create_bucket("ab")),
    case("bucket-create-ip-address", "bucket", lambda s, w: s.create_bucket("192.168.10.20")),
    case("bucket-create-upper-case", "bucket", lambda s, w: s.create_bucket("MyBucket")),
    # reserved by the service (GCS: "goog..."; S3: "xn--..."), or by every cloud (local)
    case("bucket-create-reserved", "bucket", lambda s, w: s.create_bucket("goog-ly" if w.kind == "gcs" else "xn--b")),
    case("bucket-copy-destination", "dst_bucket", lambda s, w: s.copy(B, "exists", "Bad/Bucket", "k")),
    case("bucket-delete-slash", "bucket", lambda s, w: s.delete_bucket("bad/bucket", force=True)),
    # Copies: the source's key and the destination's encryption, each by its own name
    case(
        "copy-source-key-bytes",
        "source_customer_key",
        lambda s, w: s.copy(B, "exists", B, "k", source_customer_key=b"k" * 32),
    ),
    case("copy-encryption-text", "encryption", lambda s, w: s.copy(B, "exists", B, "k", encryption="aws:kms")),
    # Listing
    case("prefix-newline", "prefix", lambda s, w: list(s.list_objects(B, prefix="a\nb"))),
    case("prefix-int", "prefix", lambda s, w: list(s.list_objects(B, prefix=5))),
    case("prefix-too-long", "prefix", lambda s, w: list(s.list_objects(B, prefix="p" * 1025))),
    case("page-size-negative", "page_size", lambda s, w: list(s.list_objects(B, page_size=-1))),
    case("page-size-float", "page_size", lambda s, w: list(s.list_versions(B, page_size=2.5))),
    case("delimiter-int", "delimiter", lambda s, w: list(s.list_objects(B, delimiter=1))),
    case("list-buckets-prefix-int", "prefix", lambda s, w: s.list_buckets(prefix=5)),
    # Sizes, ranges, deadlines and callbacks
    case("chunk-size-negative", "chunk_size", lambda s, w: s.iter_chunks(B, "exists", chunk_size=-1)),
    case("range-start-float", "start", lambda s, w: s.read_range(B, "exists", 0.5, 2)),
    case("range-end-text", "end", lambda s, w: s.read_range(B, "exists", 0, "2")),
    case("part-size-zero", "part_size", lambda s, w: s.open_write(B, "k", part_size=0)),
    case("deadline-nan", "deadline", lambda s, w: s.download(B, "exists", deadline=NAN)),
    case("deadline-bool", "deadline", lambda s, w: s.exists(B, "exists", deadline=True)),
    case("progress-int-upload", "progress", lambda s, w: s.upload(B, "k", data=b"x", progress=5)),
    case("progress-str-download", "progress", lambda s, w: s.download(B, "exists", local_path=w.target, progress="%")),
    case("progress-int-open_write", "progress", lambda s, w: s.open_write(B, "k", progress=1)),
    # Local paths
    case("download-path-nul", "local_path", lambda s, w: s.download(B, "exists", local_path="a\x00b")),
    case("upload-path-nul", "local_path", lambda s, w: s.upload(B, "k", local_path=str(w.target) + "\x00")),
    case("upload-path-bytes", "local_path", lambda s, w: s.upload(B, "k", local_path=b"/tmp/x")),
    # Options that never reach a header
    case("metadata-upper-case-key", "metadata", lambda s, w: s.upload(B, "k", data=b"x", metadata={"Owner": "a"})),
    case("metadata-too-big", "metadata", lambda s, w: s.upload(B, "k", data=b"x", metadata={"a": "x" * 9000})),
    case("metadata-padded-value", "metadata", lambda s, w: s.upload(B, "k", data=b"x", metadata={"a": " v"})),
    case("version-id-newline", "version_id", lambda s, w: s.stat(B, "exists", version_id="v\n1")),
    case("if-match-newline", "if_match", lambda s, w: s.download(B, "exists", if_match="e\n1")),
    case(
        "content-disposition-crlf",
        "content_disposition",
        lambda s, w: s.upload(B, "k", data=b"x", content_disposition="a\r\nb"),
    ),
]

#: Signed URLs exist on the clouds only.
SIGNED = [
    case("signed-expiry-zero", "expires_in", lambda s, w: s.signed_url(B, "exists", expires_in=0)),
    case("signed-expiry-negative", "expires_in", lambda s, w: s.signed_url(B, "exists", expires_in=-60)),
    case("signed-expiry-8-days", "expires_in", lambda s, w: s.signed_url(B, "exists", expires_in=8 * 86400)),
    case(
        "signed-expiry-fraction",
        "expires_in",
        lambda s, w: s.signed_url(B, "exists", expires_in=dt.timedelta(seconds=1.5)),
    ),
    case("signed-expiry-float", "expires_in", lambda s, w: s.signed_url(B, "exists", expires_in=60.0)),
    case("signed-method-delete", "method", lambda s, w: s.signed_url(B, "exists", method="DELETE")),
    case("signed-key-dotdot", "key", lambda s, w: s.signed_url(B, "../exists")),
    case("signed-bucket-slash", "bucket", lambda s, w: s.signed_url("a/b", "exists")),
]


def check_refused(world: World, argument: str, call: Call) -> None:
    before = world.traffic()
    with pytest.raises(InvalidArgumentError) as caught:
        call(world.store, world)
    assert caught.value.argument == argument, f"{caught.value.argument!r}: {caught.value}"
    assert argument in str(caught.value)
    assert world.traffic() == before, "a request reached the service (or the local folder changed)"
    assert world.files_now() == [("target.bin", KEEP)], "the target file changed, or a temporary file remains"


@pytest.mark.parametrize(("argument", "call"), CALLS)
@pytest.mark.parametrize("kind", STORES)
def test_bad_call_is_refused_before_sending(
    kind: str, argument: str, call: Call, worlds: Callable[[str], World]
) -> None:
    check_refused(worlds(kind), argument, call)


@pytest.mark.parametrize(("argument", "call"), SIGNED)
@pytest.mark.parametrize("kind", [kind for kind in STORES if kind != "local"])
def test_bad_signed_url_is_refused(kind: str, argument: str, call: Call, worlds: Callable[[str], World]) -> None:
    world = worlds(kind)
    assert isinstance(world.store, SignsURLs)
    check_refused(world, argument, call)


@pytest.mark.parametrize("kind", STORES)
def test_the_bucket_holds_only_what_it_held(kind: str, worlds: Callable[[str], World]) -> None:
    """After every refusal above: the one object, unchanged (none written, none deleted)."""
    world = worlds(kind)
    assert [info.key for info in world.store.list_objects(BUCKET)] == ["exists"]
    assert world.store.download(BUCKET, "exists") == b"object"


@pytest.mark.parametrize("kind", STORES)
def test_a_missing_object_leaves_the_target_file_as_it_was(kind: str, worlds: Callable[[str], World]) -> None:
    """Only the service can say an object is missing: asked once, refused, nothing clobbered."""
    world = worlds(kind)
    before = world.proxy.stats().seen if world.proxy is not None else 0
    with pytest.raises(ObjectNotFoundError):
        world.store.download(BUCKET, "missing/object", local_path=world.target)
    if world.proxy is not None:
        assert world.proxy.stats().seen > before
    assert world.files_now() == [("target.bin", KEEP)]


# Constructors ------------------------------------------------------------------------------


def s3(**options: Any) -> Callable[[Path], object]:
    settings = {
        "region": "us-east-1",
        "endpoint_url": "http://127.0.0.1:9",
        "access_key_id": "a",
        "secret_access_key": "b",
    }
    return lambda _: S3Client(**{**settings, **options})


def gcs(**options: Any) -> Callable[[Path], object]:
    return lambda _: GCSClient(**{"project": "test", "endpoint": "http://127.0.0.1:9", **options})


AZURITE = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=ZmFrZQ==;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;"


def azure(*args: Any, **options: Any) -> Callable[[Path], object]:
    return lambda _: AzureBlobClient(*args, **options)


CONSTRUCTORS = [
    case("s3-endpoint-with-path", "endpoint_url", s3(endpoint_url="http://127.0.0.1:9/bucket")),
    case("s3-endpoint-without-scheme", "endpoint_url", s3(endpoint_url="127.0.0.1:9000")),
    case("s3-endpoint-ftp", "endpoint_url", s3(endpoint_url="ftp://127.0.0.1:9")),
    case("s3-endpoint-query", "endpoint_url", s3(endpoint_url="http://127.0.0.1:9?x=1")),
    case("s3-endpoint-credentials", "endpoint_url", s3(endpoint_url="http://key:secret@127.0.0.1:9")),
    case("s3-endpoint-space", "endpoint_url", s3(endpoint_url="http://127.0.0.1:9 /")),
    case("s3-access-key-newline", "access_key_id", s3(access_key_id="AKIA\nX-Amz-Injected: 1")),
    case("s3-secret-newline", "secret_access_key", s3(secret_access_key="secret\n")),
    case("s3-session-token-space", "session_token", s3(session_token="tok en")),
    case("s3-key-without-secret", "secret_access_key", s3(secret_access_key=None)),
    case("s3-token-without-keys", "session_token", s3(access_key_id=None, secret_access_key=None, session_token="t")),
    case("s3-region-space", "region", s3(region="us east 1")),
    case("s3-region-int", "region", s3(region=1)),
    case("s3-profile-newline", "profile", s3(profile="dev\nprod")),
    case("s3-anonymous-text", "anonymous", s3(anonymous="no")),
    case("s3-proxies-text", "proxies", s3(proxies="http://proxy:3128")),
    case("s3-timeout-zero", "timeout", s3(timeout=0)),
    case("s3-timeout-nan", "timeout", s3(timeout=NAN)),
    case("s3-deadline-negative", "deadline", s3(deadline=-1)),
    case("s3-chunk-under-5-mib", "chunk_size", s3(chunk_size=1024)),
    case("s3-threshold-negative", "multipart_threshold", s3(multipart_threshold=-1)),
    case("s3-concurrency-zero", "max_concurrency", s3(max_concurrency=0)),
    case("s3-retry-int", "retry", s3(retry=3)),
    case("gcs-endpoint-with-path", "endpoint", gcs(endpoint="http://127.0.0.1:9/storage/v1")),
    case("gcs-endpoint-without-scheme", "endpoint", gcs(endpoint="127.0.0.1:4443")),
    case("gcs-project-newline", "project", gcs(project="p\nq")),
    case("gcs-anonymous-int", "anonymous", gcs(anonymous=1)),
    case("gcs-chunk-not-256-kib", "chunk_size", gcs(chunk_size=1000)),
    case("gcs-timeout-inf", "timeout", gcs(timeout=math.inf)),
    case("azure-nothing", "connection_string", azure()),
    case(
        "azure-connection-string-newline", "connection_string", azure(AZURITE.replace("AccountKey=", "AccountKey=\n"))
    ),
    case("azure-connection-string-garbage", "connection_string", azure("not a connection string")),
    case("azure-connection-string-malformed", "connection_string", azure("AccountName=x;AccountKey")),
    case("azure-connection-string-bytes", "connection_string", azure(AZURITE.encode())),
    case("azure-account-url-without-scheme", "account_url", azure(account_url="127.0.0.1:10000/devstoreaccount1")),
    case("azure-account-url-credentials", "account_url", azure(account_url="http://u:p@127.0.0.1:9/acct")),
    case("azure-sas-newline", "credential", azure(account_url="http://127.0.0.1:9/acct", credential="sv=1&sig=a\nb")),
    case("azure-credential-int", "credential", azure(account_url="http://127.0.0.1:9/acct", credential=5)),
    case("azure-chunk-zero", "chunk_size", azure(AZURITE, chunk_size=0)),
    case("local-root-is-a-file", "root", lambda tmp: LocalStore(tmp / "a-file")),
    case("local-root-None", "root", lambda tmp: LocalStore(NOTHING)),
    case("local-root-nul", "root", lambda tmp: LocalStore(str(tmp) + "/a\x00b")),
    case("local-deadline-zero", "deadline", lambda tmp: LocalStore(tmp / "store", deadline=0)),
    case("retry-no-attempts", "retry", lambda _: RetryPolicy(max_attempts=0)),
    case("retry-backoff-nan", "retry", lambda _: RetryPolicy(backoff_base=NAN)),
    case("retry-backoff-inf", "retry", lambda _: RetryPolicy(backoff_max=math.inf)),
]


@pytest.mark.parametrize(("argument", "build"), CONSTRUCTORS)
def test_bad_configuration_is_refused(
    argument: str, build: Callable[[Path], object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AZURE_STORAGE_CONNECTION_STRING", raising=False)
    (tmp_path / "a-file").write_bytes(KEEP)
    with pytest.raises(InvalidArgumentError) as caught:
        build(tmp_path)
    assert caught.value.argument == argument, f"{caught.value.argument!r}: {caught.value}"
    assert argument in str(caught.value)
    for secret in ("X-Amz-Injected", "secret\n", "sig=a", "ZmFrZQ=="):
        assert secret not in str(caught.value), "the message repeats a credential"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"] and (tmp_path / "a-file").read_bytes() == KEEP


@pytest.mark.parametrize(
    "client",
    [
        lambda retry: S3Client(region="us-east-1", endpoint_url="http://127.0.0.1:9", retry=retry),
        lambda retry: GCSClient(project="test", endpoint="http://127.0.0.1:9", retry=retry),
        lambda retry: AzureBlobClient(AZURITE, retry=retry),
    ],
    ids=["s3", "gcs", "azure"],
)
def test_the_coda_retry_policy_is_refused_naming_the_storage_one(client: Callable[[object], object]) -> None:
    from codomyrmex_cloud import RetryPolicy as CodaRetryPolicy

    with pytest.raises(InvalidArgumentError) as caught:
        client(CodaRetryPolicy())
    assert caught.value.argument == "retry"
    assert str(caught.value).startswith("retry: ") and "StorageRetryPolicy" in str(caught.value)
    assert "Coda client's RetryPolicy" in str(caught.value)
    with pytest.raises(InvalidArgumentError, match=r"StorageRetryPolicy.*not builtins\.int"):
        client(3)


@pytest.mark.parametrize(
    ("name", "valid"),
    [("a" * 63, True), ("a" * 64, False), (".".join(["a" * 63] * 3), True), ("b." + "a" * 64, False)],
)
def test_gcs_bucket_names_are_63_characters_per_dot_separated_part(name: str, valid: bool) -> None:
    """GCS takes up to 222 characters only when dots split them into parts of at most 63
    (the rule once let a 64-character name through, to be refused by the service)."""
    from codomyrmex_cloud.storage import validation as v

    if valid:
        assert v.check_bucket(name, v.GCS, creating=True) == name
    else:
        with pytest.raises(InvalidArgumentError, match="bucket"):
            v.check_bucket(name, v.GCS, creating=True)
