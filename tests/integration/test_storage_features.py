"""What users expect from a storage SDK, on every store that has it: small objects in one
request, content headers, storage classes, tags, versions, encryption, bucket listing,
anonymous access, and proxy/CA/botocore settings that reach the SDK."""

from __future__ import annotations

import contextlib
import gzip
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from codomyrmex_cloud import (
    AzureBlobClient,
    GCSClient,
    ObjectNotFoundError,
    ObjectStore,
    S3Client,
    StorageConnectionError,
    StoragePermissionError,
)
from codomyrmex_cloud.storage import CustomerKey, InvalidArgumentError, KmsKey, ManagedKey, RetryPolicy, TaggedStore
from codomyrmex_cloud.storage.base import BaseStore
from codomyrmex_cloud.testing.emulators import Emulator, free_port
from tests.conftest import emulator_for, make_store, store_for


@contextlib.contextmanager
def captured() -> Iterator[list[requests.PreparedRequest]]:
    """Every request sent through ``requests`` (the GCS and Azure SDKs' transport) while the
    block runs, as sent: method, URL with its query, and headers (case-insensitive)."""
    sent: list[requests.PreparedRequest] = []
    original = requests.adapters.HTTPAdapter.send

    def send(adapter: requests.adapters.HTTPAdapter, request: requests.PreparedRequest, **kwargs: object) -> object:
        sent.append(request)
        return original(adapter, request, **kwargs)  # type: ignore[arg-type]

    requests.adapters.HTTPAdapter.send = send  # type: ignore[method-assign,assignment]
    try:
        yield sent
    finally:
        requests.adapters.HTTPAdapter.send = original  # type: ignore[method-assign]


@contextlib.contextmanager
def counted(store: ObjectStore) -> Iterator[list[str]]:
    """Every HTTP request the store's SDK sends while the block runs (``METHOD url``)."""
    sent: list[str] = []
    if isinstance(store, S3Client):

        def record(request: object, **_: object) -> None:
            sent.append(f"{request.method} {request.url}")  # type: ignore[attr-defined]

        store.client.meta.events.register("before-send.s3", record)
        try:
            yield sent
        finally:
            store.client.meta.events.unregister("before-send.s3", record)
        return
    with captured() as prepared:
        try:
            yield sent
        finally:
            sent += [f"{r.method} {r.url}" for r in prepared]


@pytest.mark.parametrize("kind", ["s3", "seaweedfs", "gcs", "azure"])
def test_a_small_object_is_one_request_each_way(
    kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    store = make_store(kind, request, tmp_path_factory)
    bucket = f"t-{uuid.uuid4().hex[:20]}"
    store.create_bucket(bucket)
    data = os.urandom(4096)
    with counted(store) as sent:
        info = store.upload(bucket, "small.bin", data=data)
    assert len(sent) == 1, sent
    assert (info.size, info.etag is not None) == (4096, True)
    with counted(store) as sent:
        assert store.download(bucket, "small.bin") == data
    assert len(sent) == 1, sent
    with counted(store) as sent:
        store.download(bucket, "small.bin", local_path=tmp_path / "small.bin")
    assert len(sent) == 1, sent
    source = tmp_path / "source.bin"
    source.write_bytes(data)
    with counted(store) as sent:
        store.upload(bucket, "from-file.bin", local_path=source)
        store.stat(bucket, "from-file.bin")
        store.exists(bucket, "from-file.bin")
    assert len(sent) == 3, sent
    store.delete_bucket(bucket, force=True)


def test_content_headers_are_stored_and_bytes_are_not_transcoded(store: ObjectStore, bucket: str) -> None:
    compressed = gzip.compress(b"hello " * 1000)
    store.upload(
        bucket,
        "page.html.gz",
        data=compressed,
        content_type="text/html",
        content_encoding="gzip",
        cache_control="public, max-age=300",
        content_disposition="inline",
    )
    info = store.stat(bucket, "page.html.gz")
    assert (info.content_encoding, info.cache_control, info.content_disposition) == (
        "gzip",
        "public, max-age=300",
        "inline",
    )
    assert store.download(bucket, "page.html.gz") == compressed  # the stored bytes, verified


STORAGE_CLASS = {
    "local": "COLDLINE",
    "s3": "STANDARD_IA",
    "seaweedfs": "STANDARD_IA",
    "gcs": "NEARLINE",
    "azure": "Cool",
}


def test_storage_class_is_set_and_reported(store: ObjectStore, bucket: str, store_kind: str) -> None:
    wanted = STORAGE_CLASS[store_kind]
    written = store.upload(bucket, "cold", data=b"x", storage_class=wanted)  # type: ignore[arg-type]
    assert written.storage_class == wanted
    assert store.stat(bucket, "cold").storage_class == wanted


def test_tags_where_the_service_has_them(store: ObjectStore, bucket: str) -> None:
    if not isinstance(store, TaggedStore):
        assert isinstance(store, GCSClient)  # GCS has no object tags (metadata instead)
        return
    store.upload(bucket, "tagged", data=b"x", tags={"team": "data", "tier": "gold"})
    assert store.get_tags(bucket, "tagged") == {"team": "data", "tier": "gold"}
    etag = store.stat(bucket, "tagged").etag
    store.set_tags(bucket, "tagged", {"team": "ops"})
    assert store.get_tags(bucket, "tagged") == {"team": "ops"}
    assert store.stat(bucket, "tagged").etag == etag and store.download(bucket, "tagged") == b"x"


def test_the_current_version_is_addressable_and_a_replaced_one_is_gone(
    store: ObjectStore, bucket: str, store_kind: str, request: pytest.FixtureRequest
) -> None:
    """Without bucket versioning: the current version id reads; a replaced one is not found."""
    first = store.upload(bucket, "v", data=b"one")
    if first.version_id is None:
        # S3 reports no version id for an unversioned bucket; Azurite has no blob versioning.
        assert store_kind in ("s3", "seaweedfs", "azure")
        return
    assert store.stat(bucket, "v", version_id=first.version_id).size == 3
    assert store.download(bucket, "v", version_id=first.version_id) == b"one"
    second = store.upload(bucket, "v", data=b"two")
    assert second.version_id != first.version_id
    with pytest.raises(ObjectNotFoundError):
        store.download(bucket, "v", version_id=first.version_id)
    versions = list(store.list_versions(bucket))
    assert [(o.key, o.version_id, o.is_latest) for o in versions] == [("v", second.version_id, True)]


def test_deleting_a_replaced_version_keeps_the_current_one(
    store: ObjectStore, bucket: str, store_kind: str, request: pytest.FixtureRequest
) -> None:
    first = store.upload(bucket, "v", data=b"one")
    if first.version_id is None:
        assert store_kind in ("s3", "seaweedfs", "azure")  # no version ids without versioning
        return
    if store_kind == "gcs":
        request.applymarker(
            pytest.mark.xfail(
                reason="fake-gcs-server ignores ?generation= on DELETE and deletes the live object",
                raises=ObjectNotFoundError,
                strict=True,
            )
        )
    store.upload(bucket, "v", data=b"two")
    store.delete(bucket, "v", version_id=first.version_id)  # that version is already gone
    assert store.download(bucket, "v") == b"two"


@pytest.mark.parametrize("kind", ["s3", "seaweedfs"])
def test_s3_versions_in_a_versioned_bucket(
    kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    store = make_store(kind, request, tmp_path_factory)
    assert isinstance(store, S3Client)
    bucket = f"t-{uuid.uuid4().hex[:20]}"
    store.create_bucket(bucket)
    store.client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    first = store.upload(bucket, "doc", data=b"one")
    second = store.upload(bucket, "doc", data=b"two")
    assert first.version_id and second.version_id and first.version_id != second.version_id
    assert store.download(bucket, "doc", version_id=first.version_id) == b"one"
    assert store.stat(bucket, "doc", version_id=first.version_id).size == 3
    versions = list(store.list_versions(bucket))
    assert [(v.version_id, v.is_latest) for v in versions] == [(second.version_id, True), (first.version_id, False)]
    store.delete(bucket, "doc", version_id=second.version_id)
    assert store.download(bucket, "doc") == b"one"
    store.delete_bucket(bucket, force=True)  # every version, then the bucket
    assert not store.bucket_exists(bucket)


def test_list_buckets(store: ObjectStore) -> None:
    prefix = f"lb-{uuid.uuid4().hex[:8]}-"
    names = [prefix + "b", prefix + "a"]
    for name in names:
        store.create_bucket(name)
    try:
        assert [b.name for b in store.list_buckets(prefix=prefix)] == sorted(names)
        assert {b.name for b in store.list_buckets()} >= set(names)
    finally:
        for name in names:
            store.delete_bucket(name)


def test_managed_key_encryption_on_s3(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> None:
    store = make_store("s3", request, tmp_path_factory)
    assert isinstance(store, S3Client)
    bucket = f"t-{uuid.uuid4().hex[:20]}"
    store.create_bucket(bucket)
    store.upload(bucket, "secret", data=b"at rest", encryption=ManagedKey())
    assert store.client.head_object(Bucket=bucket, Key="secret")["ServerSideEncryption"] == "AES256"
    assert store.download(bucket, "secret") == b"at rest"
    store.delete_bucket(bucket, force=True)


def test_kms_key_encryption_on_s3(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> None:
    store = make_store("s3", request, tmp_path_factory)  # moto; SeaweedFS has no KMS configured
    assert isinstance(store, S3Client)
    bucket = f"t-{uuid.uuid4().hex[:20]}"
    store.create_bucket(bucket)
    written = store.upload(bucket, "secret", data=b"at rest", encryption=KmsKey("alias/app"))
    head = store.client.head_object(Bucket=bucket, Key="secret")
    assert head["ServerSideEncryption"] == "aws:kms" and "alias/app" in head.get("SSEKMSKeyId", "")
    assert "md5" not in written.checksums  # a KMS object's ETag is not its MD5
    assert store.download(bucket, "secret") == b"at rest"
    store.delete_bucket(bucket, force=True)


def test_customer_key_encryption_on_s3(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    store = make_store("seaweedfs", request, tmp_path_factory)  # moto does not enforce SSE-C
    assert isinstance(store, S3Client)
    bucket = f"t-{uuid.uuid4().hex[:20]}"
    store.create_bucket(bucket)
    key = CustomerKey(os.urandom(32))
    store.upload(bucket, "secret", data=b"only with the key", encryption=key)
    assert store.download(bucket, "secret", customer_key=key) == b"only with the key"
    assert store.stat(bucket, "secret", customer_key=key).size == 17
    with pytest.raises(InvalidArgumentError, match=r"^customer_key: "):
        store.stat(bucket, "secret")  # a bare 400 to the HEAD, named after the missing key
    with pytest.raises(InvalidArgumentError):
        store.download(bucket, "secret")  # the service refuses a read without the key
    with pytest.raises((InvalidArgumentError, StoragePermissionError)):
        store.download(bucket, "secret", customer_key=CustomerKey(os.urandom(32)))
    assert repr(key) == "CustomerKey(<redacted>)"
    store.delete_bucket(bucket, force=True)


@pytest.mark.parametrize("path", ["copy_object", "multipart"])
def test_copy_of_a_customer_key_object_on_s3(
    path: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SeaweedFS enforces SSE-C on copies too: the source needs its key, and the copy is
    encrypted with the source's key unless ``encryption`` says otherwise."""
    store = make_store("seaweedfs", request, tmp_path_factory)
    assert isinstance(store, S3Client)
    if path == "multipart":  # the UploadPartCopy path that copies over 5 GiB take
        monkeypatch.setattr("codomyrmex_cloud.storage.s3._MAX_COPY", 0)
    bucket = f"t-{uuid.uuid4().hex[:20]}"
    store.create_bucket(bucket)
    key, other = CustomerKey(os.urandom(32)), CustomerKey(os.urandom(32))
    data = os.urandom(70_000)
    store.upload(bucket, "secret", data=data, encryption=key, metadata={"kept": "yes"})
    with pytest.raises(InvalidArgumentError, match=r"^source_customer_key: "):
        store.copy(bucket, "secret", bucket, "no-key")  # the source cannot be read without it

    same = store.copy(bucket, "secret", bucket, "same", source_customer_key=key)
    assert same.size == len(data) and same.metadata == {"kept": "yes"}
    assert store.download(bucket, "same", customer_key=key) == data
    with pytest.raises(InvalidArgumentError):
        store.download(bucket, "same")  # the copy is under the source's key, not stored plain

    store.copy(bucket, "secret", bucket, "rekeyed", source_customer_key=key, encryption=other)
    assert store.download(bucket, "rekeyed", customer_key=other) == data
    with pytest.raises((InvalidArgumentError, StoragePermissionError)):
        store.download(bucket, "rekeyed", customer_key=key)

    store.copy(bucket, "secret", bucket, "plain", source_customer_key=key, encryption=ManagedKey())
    assert store.download(bucket, "plain") == data

    store.upload(bucket, "open", data=data)
    store.copy(bucket, "open", bucket, "closed", encryption=key)
    assert store.download(bucket, "closed", customer_key=key) == data
    with pytest.raises(InvalidArgumentError):
        store.download(bucket, "closed")
    store.delete_bucket(bucket, force=True)


def test_copy_chooses_the_destination_kms_key_on_s3(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    store = make_store("s3", request, tmp_path_factory)  # moto; SeaweedFS has no KMS configured
    assert isinstance(store, S3Client)
    bucket = f"t-{uuid.uuid4().hex[:20]}"
    store.create_bucket(bucket)
    store.upload(bucket, "plain", data=b"at rest")
    copied = store.copy(bucket, "plain", bucket, "kms", encryption=KmsKey("alias/app"))
    head = store.client.head_object(Bucket=bucket, Key="kms")
    assert head["ServerSideEncryption"] == "aws:kms" and "alias/app" in head.get("SSEKMSKeyId", "")
    assert "md5" not in copied.checksums  # a KMS object's ETag is not its MD5
    store.copy(bucket, "kms", bucket, "managed", encryption=ManagedKey())
    assert store.client.head_object(Bucket=bucket, Key="managed")["ServerSideEncryption"] == "AES256"
    assert store.download(bucket, "managed") == b"at rest"
    store.delete_bucket(bucket, force=True)


# Anonymous access and settings that must reach the SDK -------------------------------------------


def test_anonymous_s3_sends_unsigned_requests(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    emulator = emulator_for("seaweedfs", request)
    assert emulator is not None
    signed = store_for("seaweedfs", emulator, tmp_path)
    bucket = f"t-{uuid.uuid4().hex[:20]}"
    signed.create_bucket(bucket)
    signed.upload(bucket, "private", data=b"x")
    with S3Client(region="us-east-1", endpoint_url=emulator.url, anonymous=True) as anonymous:
        with counted(anonymous) as sent, pytest.raises(StoragePermissionError):
            anonymous.download(bucket, "private")  # SeaweedFS checks credentials: unsigned is denied
        assert sent
        headers: list[dict[str, str]] = []
        events = anonymous.client.meta.events
        events.register("before-send.s3", lambda request, **_: headers.append(dict(request.headers)))
        with contextlib.suppress(StoragePermissionError):
            anonymous.stat(bucket, "private")
    assert headers and all("Authorization" not in h for h in headers)
    signed.delete_bucket(bucket, force=True)


def test_anonymous_azure_reads_a_public_container(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    emulator = emulator_for("azure", request)
    assert emulator is not None
    owner = store_for("azure", emulator, tmp_path)
    assert isinstance(owner, AzureBlobClient)
    bucket = f"t-{uuid.uuid4().hex[:20]}"
    owner.create_bucket(bucket)
    owner.service.get_container_client(bucket).set_container_access_policy({}, public_access="blob")
    owner.upload(bucket, "public.txt", data=b"for everyone")
    with AzureBlobClient(account_url=emulator.url) as anonymous:
        assert anonymous.download(bucket, "public.txt") == b"for everyone"
        with pytest.raises(StoragePermissionError):
            anonymous.upload(bucket, "planted.txt", data=b"x")
    owner.delete_bucket(bucket, force=True)


def test_anonymous_gcs_reads_a_public_object_without_credentials(request: pytest.FixtureRequest) -> None:
    """``anonymous=True`` sends no Authorization header (fake-gcs-server serves everyone, as a
    public bucket does); a client with a token, on the same server, does send one."""
    from google.oauth2.credentials import Credentials

    emulator = emulator_for("gcs", request)
    assert emulator is not None
    token = Credentials(token="ya29.loopback-test-token")  # type: ignore[no-untyped-call]
    bucket = f"t-{uuid.uuid4().hex[:20]}"
    with GCSClient(project="test", endpoint=emulator.url, credentials=token) as owner:
        with captured() as sent:
            owner.create_bucket(bucket)
            owner.upload(bucket, "public.txt", data=b"for everyone")
        assert sent and all(r.headers.get("Authorization") == "Bearer ya29.loopback-test-token" for r in sent)
        with GCSClient(endpoint=emulator.url, anonymous=True) as anonymous, captured() as sent:
            assert anonymous.download(bucket, "public.txt") == b"for everyone"
            assert anonymous.stat(bucket, "public.txt").size == 12
            assert anonymous.read_range(bucket, "public.txt", 4, 9) == b"every"
            assert [o.key for o in anonymous.list_objects(bucket)] == ["public.txt"]
        assert len(sent) == 4 and all("Authorization" not in r.headers for r in sent)
        owner.delete_bucket(bucket, force=True)


@pytest.mark.parametrize("kind", ["s3", "gcs", "azure"])
def test_a_proxy_setting_is_used(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Every request goes to the (dead) proxy, though the emulator itself is up."""
    emulator = emulator_for(kind, request)
    assert emulator is not None
    proxy = f"http://127.0.0.1:{free_port()}"
    store = store_for(kind, emulator, tmp_path, proxies={"http": proxy, "https": proxy}, retry=RetryPolicy.disabled())
    with pytest.raises(StorageConnectionError):
        store.bucket_exists("any-bucket")
    direct = store_for(kind, emulator, tmp_path)
    assert direct.bucket_exists("any-bucket") is False


def test_ca_bundle_and_botocore_config_reach_the_sdks(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    from botocore.config import Config

    bundle = tmp_path / "ca.pem"
    bundle.write_text("not used on http endpoints")
    moto: Emulator | None = emulator_for("s3", request)
    assert moto is not None
    s3 = store_for(
        "s3",
        moto,
        tmp_path,
        ca_bundle=bundle,
        botocore_config=Config(
            s3={"addressing_style": "path"}, user_agent_extra="codomyrmex-test", signature_version="s3"
        ),
    )
    assert isinstance(s3, S3Client)
    config: Any = s3.client.meta.config
    assert config.s3 == {"addressing_style": "path"} and config.user_agent_extra == "codomyrmex-test"
    assert config.signature_version == "s3v4"  # ours wins: SigV4 always
    assert s3.client._endpoint.http_session._verify == str(bundle)  # type: ignore[attr-defined]
    gcs_emulator = emulator_for("gcs", request)
    gcs = store_for("gcs", gcs_emulator, tmp_path, ca_bundle=bundle)
    assert isinstance(gcs, GCSClient) and gcs._session.verify == str(bundle)
    azure_emulator = emulator_for("azure", request)
    azure = store_for("azure", azure_emulator, tmp_path, ca_bundle=bundle)
    assert isinstance(azure, AzureBlobClient)
    assert azure.service._config.transport.connection_config.verify == str(bundle)  # type: ignore[attr-defined]


def test_every_fixture_store_is_a_base_store(store: ObjectStore) -> None:
    assert isinstance(store, BaseStore)
