"""Storage round trips through injected network faults: nothing lost, corrupted or left behind.

Each cloud store (moto, SeaweedFS, fake-gcs-server, Azurite) talks to its emulator through
the seeded fault proxy, 10 % of requests faulted (resets before and after the server applied
them, answers cut mid-body, 500/502/503, 429, stalls past the timeout). Per round trip: an
upload, a download to memory and one to a file that already exists. Whatever the client
reports, the emulator's own state (read without the proxy) must agree:

- an upload that succeeded left exactly the bytes sent (SHA-256 compared); one that failed
  left either nothing or exactly those bytes, never something else;
- a download that returned bytes returned exactly those; one into a file either replaced it
  with exactly those bytes or left the old bytes in place, and no temporary file remains;
- no multipart upload (S3 ``ListMultipartUploads`` on moto and SeaweedFS) or uncommitted
  block (Azure) is left behind. GCS resumable sessions cannot be listed on fake-gcs-server;
  GCS gets the object checks only.

``make test`` runs one seed of 30 round trips per store; ``make test-reliability`` five seeds
of 100 (500 per store). A failing seed replays with ``FaultSchedule.seeded(seed, RATE)``; the
assertion message lists every fault injected. The second half aborts uploads on purpose
(an exception inside ``open_write``, a source that fails mid-stream, parts refused until the
retries run out) and lists what remains.
"""

from __future__ import annotations

import hashlib
import io
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from codomyrmex_cloud import ObjectNotFoundError, StorageError
from codomyrmex_cloud.storage import RetryPolicy
from codomyrmex_cloud.storage.base import BaseStore
from codomyrmex_cloud.testing.emulators import Emulator
from tests.conftest import EMULATOR_FIXTURES, SMALL_CHUNK, Endpoint, store_for
from tests.support.fault_proxy import APPLIED, Fault, FaultProxy, FaultSchedule, RequestInfo

CLOUDS = ["s3", "seaweedfs", "gcs", "azure"]
RATE = 0.10
TIMEOUT = 1.0  # what a stall costs: the client's read timeout
DEFAULT = [pytest.param("0", 30, id="seed0-30")]
FULL = [pytest.param(str(seed), 100, id=f"seed{seed}-100", marks=pytest.mark.reliability_full) for seed in range(1, 6)]
#: Every this many round trips, an object large enough to go in parts.
LARGE_EVERY = 15

StartProxy = Callable[[str, FaultSchedule], FaultProxy]


def large_size(kind: str) -> int:
    """Just over two parts: S3 stores part at 5 MiB, GCS and Azure at 1 MiB (tests/conftest.py)."""
    return SMALL_CHUNK + 4096 if kind in ("s3", "seaweedfs") else 2 * 1024 * 1024 + 4096


@dataclass
class Side:
    """One emulator: a store through the fault proxy, a direct store, and raw SDK access."""

    kind: str
    emulator: Emulator
    faulty: BaseStore
    direct: BaseStore
    proxy: FaultProxy
    bucket: str = field(default_factory=lambda: f"f-{uuid.uuid4().hex[:20]}")

    def leftovers(self) -> list[str]:
        """Multipart uploads (S3) or uncommitted blocks (Azure) in the bucket; [] for GCS."""
        if self.kind in ("s3", "seaweedfs"):
            import boto3

            s3 = boto3.client(
                "s3",
                endpoint_url=self.emulator.url,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
            try:
                uploads = s3.list_multipart_uploads(Bucket=self.bucket).get("Uploads", [])
                found = []
                for upload in uploads:
                    parts = s3.list_parts(Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"])
                    found.append(f"upload {upload['Key']} {upload['UploadId']} parts={len(parts.get('Parts', []))}")
            finally:
                s3.close()
            return found
        if self.kind == "azure":
            from azure.storage.blob import BlobServiceClient

            with BlobServiceClient.from_connection_string(self.emulator.env["AZURE_STORAGE_CONNECTION_STRING"]) as svc:
                container = svc.get_container_client(self.bucket)
                found = []
                for blob in container.list_blobs(include=["uncommittedblobs"]):
                    _, uncommitted = container.get_blob_client(blob.name).get_block_list("uncommitted")
                    found += [f"block {blob.name} {block.id}" for block in uncommitted]
                return found
        return []


def policy(seed: str) -> RetryPolicy:
    # Backoff recorded in tens of milliseconds: the faults are what is tested, not the waits.
    return RetryPolicy(max_attempts=8, backoff_base=0.01, backoff_max=0.05, jitter=random.Random(seed).random)


@pytest.fixture
def side(request: pytest.FixtureRequest, fault_proxy: StartProxy, tmp_path: Path) -> Callable[..., Side]:
    """Build a :class:`Side` for a store kind and a fault schedule."""

    def make(kind: str, schedule: FaultSchedule, retry: RetryPolicy) -> Side:
        emulator: Emulator = request.getfixturevalue(EMULATOR_FIXTURES[kind])
        proxy = fault_proxy(emulator.url, schedule)
        env = {name: value.replace(emulator.url, proxy.rebase(emulator.url)) for name, value in emulator.env.items()}
        faulty = store_for(kind, Endpoint(proxy.url, env), tmp_path, retry=retry, timeout=TIMEOUT)
        direct = store_for(kind, emulator, tmp_path)
        made = Side(kind, emulator, faulty, direct, proxy)
        direct.create_bucket(made.bucket)
        request.addfinalizer(lambda: direct.delete_bucket(made.bucket, force=True))
        return made

    return make


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Outcome:
    sent: dict[str, bytes] = field(default_factory=dict)
    uploaded: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)


@pytest.mark.parametrize(("seed", "trips"), DEFAULT + FULL)
@pytest.mark.parametrize("kind", CLOUDS)
def test_round_trips_through_faults_lose_and_corrupt_nothing(
    kind: str, seed: str, trips: int, side: Callable[..., Side], tmp_path: Path
) -> None:
    s = side(kind, FaultSchedule.seeded(f"{kind}-{seed}", RATE), policy(seed))
    rng = random.Random(f"data-{kind}-{seed}")
    files = tmp_path / "files"
    files.mkdir()
    out = Outcome()
    for i in range(trips):
        key = f"rt/{i:04d}"
        size = large_size(kind) if i % LARGE_EVERY == LARGE_EVERY - 1 else rng.randrange(0, 64 * 1024)
        data = rng.randbytes(size)
        out.sent[key] = data
        try:
            s.faulty.upload(s.bucket, key, data=data)
            out.uploaded.add(key)
        except StorageError as exc:
            out.failures.append(f"upload {key}: {type(exc).__name__}")
        try:
            got = s.faulty.download(s.bucket, key)
            assert got == data, f"download of {key} returned other bytes; {s.proxy.replay_note()}"
        except ObjectNotFoundError:
            assert key not in out.uploaded, f"{key} was uploaded but is missing; {s.proxy.replay_note()}"
        except StorageError as exc:
            out.failures.append(f"download {key}: {type(exc).__name__}")
        target = files / f"{i:04d}.bin"
        old = f"old contents of {key}".encode()
        target.write_bytes(old)
        try:
            s.faulty.download(s.bucket, key, local_path=target)
            assert target.read_bytes() == data, f"{target.name} holds other bytes; {s.proxy.replay_note()}"
        except StorageError as exc:
            assert target.read_bytes() == old, f"a failed download changed {target.name}; {s.proxy.replay_note()}"
            out.failures.append(f"download to file {key}: {type(exc).__name__}")
    note = s.proxy.replay_note()
    assert sorted(p.name for p in files.iterdir()) == [f"{i:04d}.bin" for i in range(trips)], f"temp files; {note}"
    # The emulator's own state, read without the proxy.
    stored = {info.key: info for info in s.direct.list_objects(s.bucket)}
    for key, data in out.sent.items():
        if key in stored:
            assert sha(s.direct.download(s.bucket, key)) == sha(data), f"{key} is corrupt; {note}"
        else:
            assert key not in out.uploaded, f"{key} was reported uploaded but is missing; {note}"
    assert set(stored) <= set(out.sent), f"objects nobody wrote: {set(stored) - set(out.sent)}; {note}"
    assert unexplained(s, s.leftovers()) == [], f"parts left behind; {note}"
    assert s.proxy.stats().faulted > 0, "no fault was injected: the test proved nothing"
    # Most round trips must get through the retries: a client that gives up at once fails here.
    assert len(out.uploaded) >= trips * 0.8, f"{out.failures}; {note}"


def unexplained(s: Side, leftovers: list[str]) -> list[str]:
    """Leftovers other than the one kind no client can clean up: an S3 multipart upload whose
    CreateMultipartUpload was applied but whose answer was lost (a POST to the key faulted
    after reaching the server), so the client never learned its id and botocore started
    another. It must hold no part (it costs nothing; a lifecycle rule ends it); aborting
    uploads the client cannot prove its own could cancel another writer's."""
    lost = {
        d.request_line.split(" ", 1)[1].partition("?")[0]
        for d in s.proxy.decisions
        if d.fault in APPLIED and d.request_line.startswith("POST ")
    }
    return [
        entry
        for entry in leftovers
        if not (
            entry.startswith("upload ") and entry.endswith(" parts=0") and f"/{s.bucket}/{entry.split(' ')[1]}" in lost
        )
    ]


# Uploads aborted on purpose: nothing committed, nothing left behind ---------------------------


class FailingSource(io.RawIOBase):
    """A readable binary stream that fails after ``limit`` bytes (a source that dies mid-upload)."""

    def __init__(self, limit: int) -> None:
        self._left = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._left <= 0:
            raise OSError("the source failed mid-upload")
        n = min(len(buffer), self._left)
        buffer[:n] = b"x" * n
        self._left -= n
        return n


def only_part_uploads(request: RequestInfo) -> bool:
    """Part and block uploads: S3 ``?partNumber=``, Azure ``?comp=block&blockid=``, GCS
    resumable chunks (``?upload_id=``). Everything else (starting, aborting) passes."""
    parts = {"partNumber", "blockid", "upload_id"}
    return request.method == "PUT" and bool(request.params & parts)


@pytest.mark.parametrize("existing", [False, True], ids=["new-key", "existing-key"])
@pytest.mark.parametrize("how", ["exception-in-open_write", "source-fails", "parts-refused"])
@pytest.mark.parametrize("kind", CLOUDS)
def test_an_aborted_upload_commits_nothing_and_leaves_nothing(
    kind: str, how: str, existing: bool, side: Callable[..., Side]
) -> None:
    refuse_parts = FaultSchedule.seeded("parts", 1.0, kinds=(Fault.HTTP_503,), eligible=only_part_uploads)
    schedule = refuse_parts if how == "parts-refused" else FaultSchedule.seeded("none", 0.0)
    s = side(kind, schedule, RetryPolicy(max_attempts=2, backoff_base=0.01, backoff_max=0.02))
    key = "aborted"
    if existing:
        s.direct.upload(s.bucket, key, data=b"the previous version")
    size = large_size(kind)
    with pytest.raises((StorageError, OSError, RuntimeError)):
        if how == "exception-in-open_write":
            with s.faulty.open_write(s.bucket, key) as writer:
                writer.write(b"y" * size)  # whole parts are sent as they fill
                raise RuntimeError("the caller gave up")
        elif how == "source-fails":
            s.faulty.upload(s.bucket, key, data=io.BufferedReader(FailingSource(size)))
        elif kind == "gcs":  # GCS uploads bytes in one request; its parts are open_write's
            with s.faulty.open_write(s.bucket, key) as writer:
                writer.write(b"z" * size)
        else:
            s.faulty.upload(s.bucket, key, data=b"z" * size)
    if existing:
        assert s.direct.download(s.bucket, key) == b"the previous version"
    else:
        assert not s.direct.exists(s.bucket, key)
    left = s.leftovers()
    if kind == "azure" and existing:
        # Azure has no abort: blocks staged next to a committed blob stay until the blob's
        # next block commit (or 7 days); committing any list ourselves would rewrite the
        # blob. They are only this key's, and the next upload in blocks discards them.
        assert all(entry.startswith(f"block {key} ") for entry in left), left
        s.direct.upload(s.bucket, key, data=b"n" * size)
        left = s.leftovers()
    assert left == [], s.proxy.replay_note()
    if how == "parts-refused":
        assert s.proxy.stats().faulted > 0, "no part was refused: the test proved nothing"


@pytest.mark.parametrize("kind", CLOUDS)
def test_a_retried_answer_releases_its_connection(kind: str, side: Callable[..., Side], tmp_path: Path) -> None:
    """A 502 to a download, then a reset of the retry: the download succeeds on the third
    attempt, and no socket is left for the garbage collector (azure-storage retried the 502
    without closing its streamed answer; pytest turns the unclosed socket into an error)."""
    import gc

    s = side(kind, FaultSchedule.scripted({1: Fault.HTTP_502, 2: Fault.RESET_BEFORE}), policy("release"))
    data = random.Random(kind).randbytes(50_000)
    s.direct.upload(s.bucket, "k", data=data)
    assert s.faulty.stat(s.bucket, "k").size == len(data)  # request 0
    assert s.faulty.download(s.bucket, "k", local_path=tmp_path / "k.bin").read_bytes() == data
    assert s.proxy.stats().faulted == 2, s.proxy.replay_note()
    s.faulty.close()
    gc.collect()  # an unclosed socket is reported here, as an error of this test


@dataclass(frozen=True)
class ByRequest(FaultSchedule):
    """A schedule deciding by a rule over each request (and what came before it)."""

    rule: Callable[[RequestInfo], Fault | None] = lambda _: None

    def decide(self, request: RequestInfo) -> Fault | None:
        return self.rule(request)


def test_an_azure_abort_whose_answer_is_lost_leaves_no_empty_blob(side: Callable[..., Side]) -> None:
    """Azure has no abort: staged blocks are discarded by committing an empty block list
    (only if no blob exists) and deleting that placeholder. Here the second block is refused
    until the upload gives up, and the placeholder's commit is applied but its answer lost:
    the retry then finds a blob. It must recognise its own empty placeholder and delete it,
    not leave an empty object where the failed upload was (it did: readers got b"")."""
    blocks: list[int] = []
    commits: list[int] = []

    def rule(request: RequestInfo) -> Fault | None:
        if request.method != "PUT":
            return None
        if "blockid" in request.params:
            blocks.append(request.index)
            return Fault.HTTP_503 if len(blocks) > 1 else None
        if request.params == frozenset({"comp"}):  # Put Block List: the abort's placeholder
            commits.append(request.index)
            return Fault.RESET_AFTER if len(commits) == 1 else None
        return None

    s = side("azure", ByRequest(seed="lost-abort", rule=rule), RetryPolicy(max_attempts=3, backoff_base=0.01))
    with pytest.raises(StorageError):
        s.faulty.upload(s.bucket, "k", data=b"w" * large_size("azure"))
    assert len(commits) >= 2, s.proxy.replay_note()  # the placeholder commit was retried
    assert not s.direct.exists(s.bucket, "k"), "the abort left its empty placeholder as the object"
    assert s.leftovers() == []
