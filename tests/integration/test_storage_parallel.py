"""Large transfers on real servers: parts in parallel, checksums per part combined.

S3 multipart uploads state the whole object's CRC32 (combined from the parts') where the
service checks part CRC32s (SeaweedFS, AWS), and fall back to Content-MD5 parts where it
does not (moto); large downloads are parallel ranged GETs pinned to the first response.
GCS uploads a large file as one streamed request of a resumable session that states the
object's CRC32C, resumed from what the service has after a failure.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import google_crc32c
import pytest
import requests

from codomyrmex_cloud import GCSClient, S3Client
from codomyrmex_cloud.storage import RetryPolicy
from codomyrmex_cloud.storage.transfer import StreamedBody
from tests.conftest import SMALL_CHUNK, emulator_for, make_store, store_for

SIZE = 2 * SMALL_CHUNK + 12345  # three parts


def _s3(kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> S3Client:
    store = make_store(kind, request, tmp_path_factory)
    assert isinstance(store, S3Client)
    return store


@pytest.fixture
def payload(tmp_path: Path) -> Path:
    source = tmp_path / "source.bin"
    source.write_bytes(os.urandom(SIZE))
    return source


class Sent:
    """Every request the S3 client sends: operation name, headers."""

    def __init__(self, store: S3Client) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._store = store

    def __call__(self, request: object, event_name: str = "", **_: object) -> None:
        items = request.headers.items()  # type: ignore[attr-defined]
        headers = {k.lower(): v.decode() if isinstance(v, bytes) else str(v) for k, v in items}
        self.requests.append((event_name.rsplit(".", 1)[-1], headers))

    def named(self, operation: str) -> list[dict[str, str]]:
        return [headers for name, headers in self.requests if name == operation]


@pytest.fixture
def bucket_of() -> Iterator[list[tuple[S3Client, str]]]:
    made: list[tuple[S3Client, str]] = []
    yield made
    for store, name in made:
        store.delete_bucket(name, force=True)


def _bucket(store: S3Client, made: list[tuple[S3Client, str]]) -> str:
    name = f"t-{uuid.uuid4().hex[:20]}"
    store.create_bucket(name)
    made.append((store, name))
    return name


def _record(store: S3Client) -> Sent:
    sent = Sent(store)
    store.client.meta.events.register("before-send.s3", sent)
    return sent


def test_s3_parts_carry_crc32_and_the_upload_states_the_whole_objects(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    payload: Path,
    tmp_path: Path,
    bucket_of: list[tuple[S3Client, str]],
) -> None:
    store = _s3("seaweedfs", request, tmp_path_factory)
    bucket = _bucket(store, bucket_of)
    sent = _record(store)
    info = store.upload(bucket, "big.bin", local_path=payload)
    whole = zlib.crc32(payload.read_bytes()).to_bytes(4, "big").hex()
    assert info.checksums["crc32"] == whole
    parts = sent.named("UploadPart")
    assert len(parts) == 3 and all("x-amz-checksum-crc32" in h and "content-md5" not in h for h in parts)
    assert store.stat(bucket, "big.bin").checksums["crc32"] == whole

    sent.requests.clear()
    target = tmp_path / "out.bin"
    store.download(bucket, "big.bin", local_path=target)
    assert target.read_bytes() == payload.read_bytes()
    gets = sent.named("GetObject")
    assert len(gets) == 3  # the first response serves part 1; two ranged GETs for the rest
    ranged = [h for h in gets if "range" in h]
    assert {h["range"] for h in ranged} == {
        f"bytes={SMALL_CHUNK}-{2 * SMALL_CHUNK - 1}",
        f"bytes={2 * SMALL_CHUNK}-{SIZE - 1}",
    }
    assert all(h.get("if-match") == f'"{info.etag}"' for h in ranged)  # pinned to one version


def test_s3_parts_fall_back_to_md5_where_the_service_does_not_check_crc32(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    payload: Path,
    tmp_path: Path,
    bucket_of: list[tuple[S3Client, str]],
) -> None:
    store = _s3("s3", request, tmp_path_factory)  # moto: accepts and ignores part CRC32s
    bucket = _bucket(store, bucket_of)
    sent = _record(store)
    store.upload(bucket, "first.bin", local_path=payload)
    first = sent.named("UploadPart")
    # Every part the service did not confirm went again with its Content-MD5.
    assert sum("content-md5" in h for h in first) == 3
    assert all("x-amz-checksum-crc32" not in h for h in first if "content-md5" in h)
    assert store._part_checksums is False

    sent.requests.clear()
    store.upload(bucket, "second.bin", local_path=payload)
    second = sent.named("UploadPart")
    assert len(second) == 3 and all("content-md5" in h for h in second)  # learned: once each

    target = tmp_path / "out.bin"
    store.download(bucket, "second.bin", local_path=target)
    assert target.read_bytes() == payload.read_bytes()


def test_s3_open_write_parts_carry_crc32_too(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, bucket_of: list[tuple[S3Client, str]]
) -> None:
    store = _s3("seaweedfs", request, tmp_path_factory)
    bucket = _bucket(store, bucket_of)
    data = os.urandom(SIZE)
    with store.open_write(bucket, "streamed.bin", part_size=SMALL_CHUNK) as out:
        for i in range(0, SIZE, 1_000_000):
            out.write(data[i : i + 1_000_000])
    assert out.info is not None
    assert out.info.checksums["crc32"] == zlib.crc32(data).to_bytes(4, "big").hex()
    assert store.download(bucket, "streamed.bin") == data


def _gcs(request: pytest.FixtureRequest, tmp_path: Path) -> GCSClient:
    store = store_for("gcs", emulator_for("gcs", request), tmp_path, retry=RetryPolicy(backoff_base=0.001))
    assert isinstance(store, GCSClient)
    return store


def test_gcs_uploads_a_large_file_in_one_request_stating_its_crc32c(
    request: pytest.FixtureRequest, payload: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _gcs(request, tmp_path)
    bucket = f"t-{uuid.uuid4().hex[:20]}"
    store.create_bucket(bucket)
    sent: list[tuple[str, dict[str, str], Any]] = []
    real = requests.Session.request

    def record(session: requests.Session, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        sent.append((method, dict(kwargs.get("headers") or {}), kwargs.get("data")))
        return real(session, method, url, *args, **kwargs)

    expected = base64.b64encode(google_crc32c.value(payload.read_bytes()).to_bytes(4, "big")).decode()
    seen: list[int] = []
    with monkeypatch.context() as patched:
        patched.setattr(requests.Session, "request", record)
        info = store.upload(bucket, "big.bin", local_path=payload, progress=lambda done, _: seen.append(done))
    puts = [(headers, data) for method, headers, data in sent if method == "PUT"]
    assert len(puts) == 1 and puts[0][0]["Content-Range"] == f"bytes 0-{SIZE - 1}/{SIZE}"
    assert isinstance(puts[0][1], StreamedBody) and len(puts[0][1]) == SIZE
    start = [data for method, _, data in sent if method == "POST"]
    assert len(start) == 1 and json.loads(start[0])["crc32c"] == expected  # GCS checks the bytes
    assert info.checksums["crc32c"] == base64.b64decode(expected).hex() and info.size == SIZE
    assert seen[-1] == SIZE
    assert store.download(bucket, "big.bin") == payload.read_bytes()
    store.delete_bucket(bucket, force=True)


def test_gcs_resumes_a_broken_upload_from_what_the_service_has(
    request: pytest.FixtureRequest, payload: Path, tmp_path: Path
) -> None:
    store = _gcs(request, tmp_path)
    bucket = f"t-{uuid.uuid4().hex[:20]}"
    store.create_bucket(bucket)
    real_put = store._session.put
    ranges: list[str] = []
    kept = 3 * 1024 * 1024

    def broken_once(url: str, data: Any = None, **kwargs: Any) -> Any:
        ranges.append(kwargs["headers"]["Content-Range"])
        if isinstance(data, StreamedBody) and len(ranges) == 1:
            # The connection drops after the service stored the first 3 MiB.
            first = b"".join(bytes(piece) for _, piece in zip(range(3), data, strict=False))
            assert real_put(url, headers={"Content-Range": f"bytes 0-{kept - 1}/*"}, data=first).status_code == 308
            raise requests.ConnectionError("connection reset by peer")
        if kwargs["headers"]["Content-Range"] == f"bytes */{SIZE}":
            # GCS answers a status check with what it has; fake-gcs-server would instead
            # finalize the object at 3 MiB (an emulator bug), so the documented answer is given.
            status = requests.Response()
            status.status_code = 308
            status.headers["Range"] = f"bytes=0-{kept - 1}"
            return status
        return real_put(url, data=data, **kwargs)

    store._session.put = broken_once
    info = store.upload(bucket, "big.bin", local_path=payload)
    assert ranges == [f"bytes 0-{SIZE - 1}/{SIZE}", f"bytes */{SIZE}", f"bytes {kept}-{SIZE - 1}/{SIZE}"]
    assert info.size == SIZE
    assert store.download(bucket, "big.bin") == payload.read_bytes()
    store.delete_bucket(bucket, force=True)
