"""Encryption settings reach the wire on GCS and Azure, on every write and read path.

The emulators accept these settings but do not act on them: fake-gcs-server stores no
``kmsKeyName`` and serves a CSEK object to a reader without the key; Azurite accepts
customer-provided keys (over HTTPS only, as Azure does) and encryption scopes but serves the
blob to anyone. So the tests capture each request as sent (``captured``) and check that the
service would get what it needs: GCS ``kmsKeyName`` on the request that creates the object,
the three ``x-goog-encryption-*`` headers and the three ``x-ms-encryption-*`` headers on every
request of an upload and of every read, ``x-ms-encryption-scope`` on every write. A copy
sends the source's key and the destination's encryption the same way (GCS: on every rewrite
request; Azure: on every request of the streamed copy that customer keys need, or on the
server-side copy for a scope). That a read without the key is refused is checked on S3
(SeaweedFS enforces SSE-C), not here.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from codomyrmex_cloud.storage import CustomerKey, EncryptionScope, InvalidArgumentError, KmsKey
from codomyrmex_cloud.storage.base import BaseStore
from codomyrmex_cloud.testing.emulators import Emulator, start_azurite
from tests.conftest import store_for
from tests.integration.test_storage_features import captured

KMS_KEY = "projects/p/locations/us/keyRings/ring/cryptoKeys/key"
LARGE = 1024 * 1024 + 4321  # over the test stores' 1 MiB chunk: resumable (GCS) or blocks (Azure)


class _Unsized(io.RawIOBase):
    """A readable stream whose size the store cannot know (no seek, no fileno)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        piece = self._data.read(len(buffer))
        buffer[: len(piece)] = piece
        return len(piece)


def _write(store: BaseStore, bucket: str, key: str, data: bytes, how: str, tmp_path: Path, **options: object) -> None:
    """Write ``data`` by one of the upload paths a store has."""
    if how == "file":
        source = tmp_path / f"{key}.src"
        source.write_bytes(data)
        store.upload(bucket, key, local_path=source, **options)  # type: ignore[arg-type]
    elif how == "stream":
        store.upload(bucket, key, data=io.BufferedReader(_Unsized(data)), **options)  # type: ignore[arg-type]
    elif how == "open_write":
        with store.open_write(bucket, key, **options) as writer:  # type: ignore[arg-type]
            writer.write(data)
    else:
        store.upload(bucket, key, data=data, **options)  # type: ignore[arg-type]


#: (how, size): small bytes (one request), large bytes, a large file, a stream of unknown
#: size, and open_write.
UPLOADS = [("bytes", 5), ("bytes", LARGE), ("file", LARGE), ("stream", LARGE), ("open_write", LARGE)]


def _reads(store: BaseStore, bucket: str, key: str, data: bytes, tmp_path: Path, customer_key: CustomerKey) -> None:
    """Every read path, each checked against ``data``."""
    assert store.download(bucket, key, customer_key=customer_key) == data
    target = store.download(bucket, key, local_path=tmp_path / f"{key}.out", customer_key=customer_key)
    assert target.read_bytes() == data
    assert store.read_range(bucket, key, 1, 4, customer_key=customer_key) == data[1:4]
    assert b"".join(store.iter_chunks(bucket, key, start=2, customer_key=customer_key)) == data[2:]
    with store.open_read(bucket, key, chunk_size=1024, customer_key=customer_key) as reader:
        reader.seek(len(data) - 3)  # a second, ranged request
        assert reader.read() == data[-3:]
    assert store.stat(bucket, key, customer_key=customer_key).size == len(data)
    assert store.exists(bucket, key, customer_key=customer_key)


def _missing(headers: dict[str, str], sent: list[requests.PreparedRequest]) -> list[str]:
    """``METHOD path`` of each request that lacks one of ``headers`` (or has another value)."""
    return [
        f"{r.method} {urllib.parse.urlsplit(r.url or '').path}"
        for r in sent
        if any(r.headers.get(name) != value for name, value in headers.items())
    ]


# GCS ----------------------------------------------------------------------------------------


def _csek_headers(key: CustomerKey) -> dict[str, str]:
    """What GCS needs with every request on a CSEK object (cloud.google.com/storage/docs/
    encryption/customer-supplied-keys), computed here rather than by the store."""
    return {
        "x-goog-encryption-algorithm": "AES256",
        "x-goog-encryption-key": base64.b64encode(key.key).decode(),
        "x-goog-encryption-key-sha256": base64.b64encode(hashlib.sha256(key.key).digest()).decode(),
    }


@pytest.fixture
def gcs(gcs_server: Emulator, tmp_path: Path) -> Iterator[tuple[BaseStore, str]]:
    store = store_for("gcs", gcs_server, tmp_path)
    bucket = f"t-{uuid.uuid4().hex[:20]}"
    store.create_bucket(bucket)
    yield store, bucket
    store.delete_bucket(bucket, force=True)


@pytest.mark.parametrize(("how", "size"), UPLOADS)
def test_gcs_kms_key_names_the_key_on_the_request_that_creates_the_object(
    gcs: tuple[BaseStore, str], how: str, size: int, tmp_path: Path
) -> None:
    store, bucket = gcs
    data = os.urandom(size)
    with captured() as sent:
        _write(store, bucket, "cmek", data, how, tmp_path, encryption=KmsKey(KMS_KEY))
    starts = [r for r in sent if r.method == "POST"]  # multipart, or the resumable session's start
    assert len(starts) == 1, [f"{r.method} {r.url}" for r in sent]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(starts[0].url or "").query)
    assert query.get("kmsKeyName") == [KMS_KEY]
    assert store.download(bucket, "cmek") == data


@pytest.mark.parametrize(("how", "size"), UPLOADS)
def test_gcs_customer_key_is_sent_with_every_upload_and_read_request(
    gcs: tuple[BaseStore, str], how: str, size: int, tmp_path: Path
) -> None:
    store, bucket = gcs
    key = CustomerKey(os.urandom(32))
    data = os.urandom(size)
    with captured() as sent:
        _write(store, bucket, "csek", data, how, tmp_path, encryption=key)
    assert sent and not _missing(_csek_headers(key), sent)
    with captured() as sent:
        _reads(store, bucket, "csek", data, tmp_path, key)
    assert len(sent) >= 8 and not _missing(_csek_headers(key), sent)
    # fake-gcs-server serves a CSEK object without the key, so a refused read cannot be
    # shown here (SeaweedFS shows it for S3 in test_storage_features).


# Azure --------------------------------------------------------------------------------------


def _cpk_headers(key: CustomerKey) -> dict[str, str]:
    """What Azure needs with every request on a blob written with a customer-provided key
    (learn.microsoft.com/azure/storage/blobs/encryption-customer-provided-keys)."""
    return {
        "x-ms-encryption-algorithm": "AES256",
        "x-ms-encryption-key": base64.b64encode(key.key).decode(),
        "x-ms-encryption-key-sha256": base64.b64encode(hashlib.sha256(key.key).digest()).decode(),
    }


@pytest.fixture(scope="module")
def azurite_https() -> Iterator[tuple[Emulator, Path]]:
    with start_azurite(tls=True) as emulator:
        assert emulator.ca_bundle is not None
        yield emulator, emulator.ca_bundle


@contextlib.contextmanager
def _container(store: BaseStore) -> Iterator[str]:
    bucket = f"t-{uuid.uuid4().hex[:20]}"
    store.create_bucket(bucket)
    yield bucket
    store.delete_bucket(bucket, force=True)


@pytest.fixture
def azure_https(azurite_https: tuple[Emulator, Path], tmp_path: Path) -> Iterator[tuple[BaseStore, str]]:
    emulator, cert = azurite_https
    store = store_for("azure", emulator, tmp_path, ca_bundle=cert)
    with _container(store) as bucket:
        yield store, bucket


@pytest.fixture
def azure_http(azurite_server: Emulator, tmp_path: Path) -> Iterator[tuple[BaseStore, str]]:
    store = store_for("azure", azurite_server, tmp_path)
    with _container(store) as bucket:
        yield store, bucket


@pytest.mark.parametrize(("how", "size"), UPLOADS)
def test_azure_encryption_scope_is_sent_with_every_write_request(
    azure_http: tuple[BaseStore, str], how: str, size: int, tmp_path: Path
) -> None:
    store, bucket = azure_http
    data = os.urandom(size)
    with captured() as sent:
        _write(store, bucket, "scoped", data, how, tmp_path, encryption=EncryptionScope("app-scope"))
    assert sent and not _missing({"x-ms-encryption-scope": "app-scope"}, sent)
    assert store.download(bucket, "scoped") == data


@pytest.mark.parametrize(("how", "size"), UPLOADS)
def test_azure_customer_key_is_sent_with_every_upload_and_read_request(
    azure_https: tuple[BaseStore, str], how: str, size: int, tmp_path: Path
) -> None:
    store, bucket = azure_https
    key = CustomerKey(os.urandom(32))
    data = os.urandom(size)
    with captured() as sent:
        _write(store, bucket, "cpk", data, how, tmp_path, encryption=key)
    assert sent and not _missing(_cpk_headers(key), sent)
    with captured() as sent:
        _reads(store, bucket, "cpk", data, tmp_path, key)
    assert len(sent) >= 8 and not _missing(_cpk_headers(key), sent)
    # Azurite serves the blob without the key, so a refused read cannot be shown here.


CUSTOMER_KEY_CALLS: list[tuple[str, str, Callable[[BaseStore, str, CustomerKey], object]]] = [
    ("upload", "encryption", lambda s, b, k: s.upload(b, "k", data=b"x", encryption=k)),
    ("upload-large", "encryption", lambda s, b, k: s.upload(b, "k", data=os.urandom(LARGE), encryption=k)),
    ("open_write", "encryption", lambda s, b, k: s.open_write(b, "k", encryption=k)),
    ("download", "customer_key", lambda s, b, k: s.download(b, "k", customer_key=k)),
    ("read_range", "customer_key", lambda s, b, k: s.read_range(b, "k", 0, 1, customer_key=k)),
    ("open_read", "customer_key", lambda s, b, k: s.open_read(b, "k", customer_key=k)),
    ("stat", "customer_key", lambda s, b, k: s.stat(b, "k", customer_key=k)),
    ("copy-source", "source_customer_key", lambda s, b, k: s.copy(b, "k", b, "k2", source_customer_key=k)),
    ("copy-destination", "encryption", lambda s, b, k: s.copy(b, "k", b, "k2", encryption=k)),
]


@pytest.mark.parametrize(("name", "argument", "call"), CUSTOMER_KEY_CALLS, ids=[c[0] for c in CUSTOMER_KEY_CALLS])
def test_azure_customer_key_over_http_is_refused_before_any_request(
    azure_http: tuple[BaseStore, str],
    name: str,
    argument: str,
    call: Callable[[BaseStore, str, CustomerKey], object],
) -> None:
    """Azure takes customer-provided keys only over HTTPS (so does azure-storage-blob, with a
    bare ValueError); the store says which argument, and sends nothing."""
    store, bucket = azure_http
    store.upload(bucket, "k", data=b"kept")
    with captured() as sent, pytest.raises(InvalidArgumentError, match=f"^{argument}: .*HTTPS") as refused:
        call(store, bucket, CustomerKey(os.urandom(32)))
    assert refused.value.argument == argument and not sent
    assert store.download(bucket, "k") == b"kept"


# Copies -------------------------------------------------------------------------------------


def _copy_source_headers(key: CustomerKey) -> dict[str, str]:
    """GCS's names for the source's key on a rewrite: ``x-goog-copy-source-encryption-*``."""
    return {name.replace("x-goog-", "x-goog-copy-source-"): value for name, value in _csek_headers(key).items()}


def _path(request: requests.PreparedRequest) -> str:
    return urllib.parse.unquote(urllib.parse.urlsplit(request.url or "").path)


@pytest.mark.parametrize("size", [5, LARGE])
def test_gcs_copy_sends_the_source_key_and_the_destination_key_on_every_rewrite(
    gcs: tuple[BaseStore, str], size: int
) -> None:
    store, bucket = gcs
    key, other = CustomerKey(os.urandom(32)), CustomerKey(os.urandom(32))
    data = os.urandom(size)
    store.upload(bucket, "src", data=data, encryption=key, metadata={"kept": "yes"})
    for destination, encryption, wanted in [("same", None, key), ("rekeyed", other, other)]:
        with captured() as sent:
            copied = store.copy(bucket, "src", bucket, destination, source_customer_key=key, encryption=encryption)
        rewrites = [r for r in sent if "/rewriteTo/" in _path(r)]
        assert rewrites, [f"{r.method} {r.url}" for r in sent]
        # the source's key as copy-source headers; the destination's (the source's when
        # encryption is None) as the object's own
        assert not _missing({**_copy_source_headers(key), **_csek_headers(wanted)}, rewrites)
        assert not _missing(_csek_headers(key), [r for r in sent if r not in rewrites])  # the source's stat
        assert copied.size == size and copied.metadata == {"kept": "yes"}
        assert store.download(bucket, destination, customer_key=wanted) == data


def test_gcs_copy_to_a_kms_key_names_it_on_the_rewrite(gcs: tuple[BaseStore, str]) -> None:
    store, bucket = gcs
    store.upload(bucket, "src", data=b"plain")
    with captured() as sent:
        store.copy(bucket, "src", bucket, "cmek", encryption=KmsKey(KMS_KEY))
    rewrites = [r for r in sent if "/rewriteTo/" in _path(r)]
    assert rewrites
    for rewrite in rewrites:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(rewrite.url or "").query)
        assert query.get("destinationKmsKeyName") == [KMS_KEY]
        assert "x-goog-encryption-key" not in rewrite.headers
    assert store.download(bucket, "cmek") == b"plain"


@pytest.mark.parametrize("size", [5, LARGE])
def test_azure_copy_with_customer_keys_streams_with_each_key_on_its_own_blob(
    azure_https: tuple[BaseStore, str], size: int
) -> None:
    """Azure's copy operations take no customer key, so the store streams the copy: every
    request on the source carries the source's key, every one on the destination the
    destination's (the source's when ``encryption`` is None), and no Copy Blob is sent."""
    store, bucket = azure_https
    key, other = CustomerKey(os.urandom(32)), CustomerKey(os.urandom(32))
    data = os.urandom(size)
    store.upload(bucket, "src", data=data, encryption=key, metadata={"kept": "yes"}, content_type="text/csv")
    for destination, encryption, wanted in [("same", None, key), ("rekeyed", other, other)]:
        with captured() as sent:
            copied = store.copy(bucket, "src", bucket, destination, source_customer_key=key, encryption=encryption)
        on_source = [r for r in sent if _path(r).endswith(f"/{bucket}/src")]
        on_destination = [r for r in sent if _path(r).endswith(f"/{bucket}/{destination}")]
        assert on_source and on_destination and len(on_source) + len(on_destination) == len(sent)
        assert not _missing(_cpk_headers(key), on_source)
        assert not _missing(_cpk_headers(wanted), on_destination)
        assert not [r for r in sent if "x-ms-copy-source" in r.headers]
        assert copied.size == size and copied.metadata == {"kept": "yes"} and copied.content_type == "text/csv"
        assert copied.checksums["md5"] == hashlib.md5(data, usedforsecurity=False).hexdigest()
        assert store.download(bucket, destination, customer_key=wanted) == data


def test_azure_copy_of_a_plain_blob_into_a_customer_key(azure_https: tuple[BaseStore, str]) -> None:
    store, bucket = azure_https
    key = CustomerKey(os.urandom(32))
    store.upload(bucket, "src", data=b"plain")
    with captured() as sent:
        store.copy(bucket, "src", bucket, "closed", encryption=key)
    on_source = [r for r in sent if _path(r).endswith(f"/{bucket}/src")]
    assert on_source and all("x-ms-encryption-key" not in r.headers for r in on_source)
    assert not _missing(_cpk_headers(key), [r for r in sent if r not in on_source])
    assert store.download(bucket, "closed", customer_key=key) == b"plain"


def test_azure_copy_into_an_encryption_scope_stays_server_side(azure_http: tuple[BaseStore, str]) -> None:
    store, bucket = azure_http
    store.upload(bucket, "src", data=b"scoped")
    with captured() as sent:
        store.copy(bucket, "src", bucket, "dst", encryption=EncryptionScope("app-scope"))
    copies = [r for r in sent if "x-ms-copy-source" in r.headers]
    assert len(copies) == 1 and copies[0].headers.get("x-ms-encryption-scope") == "app-scope"
    assert store.download(bucket, "dst") == b"scoped"


def test_azure_copy_into_an_encryption_scope_over_the_sync_copy_limit_streams(
    azure_http: tuple[BaseStore, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The asynchronous Copy Blob (over 256 MiB) takes no scope: such copies stream, with the
    scope on every write of the destination (the limit lowered here to keep the test small)."""
    monkeypatch.setattr("codomyrmex_cloud.storage.azure._MAX_SYNC_COPY", 0)
    store, bucket = azure_http
    data = os.urandom(LARGE)
    store.upload(bucket, "src", data=data)
    with captured() as sent:
        store.copy(bucket, "src", bucket, "dst", encryption=EncryptionScope("app-scope"))
    writes = [r for r in sent if r.method == "PUT"]
    assert len(writes) > 1 and not [r for r in sent if "x-ms-copy-source" in r.headers]
    assert not _missing({"x-ms-encryption-scope": "app-scope"}, writes)
    assert store.download(bucket, "dst") == data
