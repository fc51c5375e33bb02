"""No secret in any log line, repr or exception text, with DEBUG logging on for everything.

Each flow runs a client's main operations against a real server on loopback with every
logger at DEBUG (the ``debug_logs`` fixture, which installs the redaction), then scans every
captured line (with structured ``extra`` data), the client's ``repr`` and the full text of
the exceptions raised (tracebacks with chained causes, reprs and attributes) for each secret
the flow used, and for credential shapes that were not masked. The tests register no secret
themselves; the storage clients register the ones they are given (their constructors install
the redaction too, which a scan in a fresh process proves), and the unit tests of the filter
prove the patterns alone on crafted records. A failure names the secret and shows its
context with the secret itself replaced, so the test output never holds one.

The first half unit-tests the filter on crafted records.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import http.server
import json
import logging
import os
import re
import subprocess
import sys
import threading
import traceback
import urllib.parse
import uuid
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from codomyrmex_cloud import (
    AsyncCodaClient,
    AzureBlobClient,
    CodaAuthenticationError,
    CodaClient,
    CodaConnectionError,
    GCSClient,
    S3Client,
    StorageError,
    StoragePermissionError,
)
from codomyrmex_cloud.log_redaction import (
    COVERED_LOGGERS,
    REDACTED,
    SecretRedactingFilter,
    install_log_redaction,
    redact,
    redact_record,
    register_secret,
)
from codomyrmex_cloud.storage import CustomerKey, InvalidArgumentError
from codomyrmex_cloud.storage.base import BaseStore
from codomyrmex_cloud.storage.retry import RetryPolicy
from codomyrmex_cloud.testing import FakeCoda, FakeCodaServer, seed_demo
from codomyrmex_cloud.testing.emulators import AZURITE_ACCOUNT, AZURITE_KEY, Emulator, free_port, start_azurite
from tests.reliability.conftest import CapturedLogs
from tests.support.coda import TOKEN

# Unit tests of the filter ------------------------------------------------------------------

SESSION_TOKEN = "FwoGZXIvYXdzEBYaDHVuaXQtdGVzdC1zZXNzaW9uLXRva2Vu"


def make_record(msg: object, *args: object, name: str = "botocore.endpoint", **extra: object) -> logging.LogRecord:
    record = logging.LogRecord(name, logging.DEBUG, __file__, 1, msg, args or None, None)
    record.__dict__.update(extra)
    return record


def rendered(record: logging.LogRecord) -> str:
    redact_record(record)
    return logging.Formatter("%(message)s").format(record)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "GET /c/b?sv=2024-08-04&se=2030-01-01&sp=r&sig=AbC%2Bdef%3D HTTP/1.1",
            f"GET /c/b?sv=2024-08-04&se=2030-01-01&sp=r&sig={REDACTED} HTTP/1.1",
        ),
        (
            f"https://s3/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Security-Token={SESSION_TOKEN}"
            "&X-Amz-Signature=0123abcd&X-Amz-Expires=60",
            f"https://s3/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Security-Token={REDACTED}"
            f"&X-Amz-Signature={REDACTED}&X-Amz-Expires=60",
        ),
        (
            "https://s3/b/k?AWSAccessKeyId=AKIDEXAMPLE&Signature=%2BRpOeynP4U%3D&Expires=1",
            f"https://s3/b/k?AWSAccessKeyId=AKIDEXAMPLE&Signature={REDACTED}&Expires=1",
        ),
        (
            "https://gcs/b/o?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=sa%40p.iam%2F20240101"
            "&X-Goog-Signature=9f8e7d",
            f"https://gcs/b/o?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential={REDACTED}"
            f"&X-Goog-Signature={REDACTED}",
        ),
        (
            "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Zm9vYmFy+/==;EndpointSuffix=x",
            f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={REDACTED};EndpointSuffix=x",
        ),
        (
            "BlobEndpoint=https://a/;SharedAccessSignature=sv=2024&ss=b&sig=abc%3D;QueueEndpoint=x",
            f"BlobEndpoint=https://a/;SharedAccessSignature={REDACTED};QueueEndpoint=x",
        ),
        ("Authorization: Bearer tok-abc-123456789\r\nHost: x", f"Authorization: {REDACTED}\r\nHost: x"),
        (
            "{'Authorization': b'AWS4-HMAC-SHA256 Credential=AKID/x, SignedHeaders=host, Signature=ab12', "
            "'Host': b'x'}",
            f"{{'Authorization': b'{REDACTED}', 'Host': b'x'}}",
        ),
        (
            '{"authorization": "SharedKey devstoreaccount1:c2lnbmF0dXJl", "x-ms-version": "2025"}',
            f'{{"authorization": "{REDACTED}", "x-ms-version": "2025"}}',
        ),
        (
            f"x-amz-security-token:{SESSION_TOKEN}\nx-amz-date:20240101",
            f"x-amz-security-token:{REDACTED}\nx-amz-date:20240101",
        ),
        ("Signature:\n0a1b2c3d4e5f", f"Signature:\n{REDACTED}"),
        ("('authorization', 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln')", f"('authorization', 'Bearer {REDACTED}')"),
        (
            "sent SharedKey devstoreaccount1:c2lnbmF0dXJlPQ== to azure",
            f"sent SharedKey devstoreaccount1:{REDACTED} to azure",
        ),
        (
            '{"access_token": "ya29.a0Af-secret", "expires_in": 3599}',
            f'{{"access_token": "{REDACTED}", "expires_in": 3599}}',
        ),
        (
            '{"private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg\\n-----END PRIVATE KEY-----\\n"}',
            f'{{"private_key": "{REDACTED}"}}',
        ),
        (
            "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END RSA PRIVATE KEY-----\nafter",
            f"key:\n-----BEGIN RSA PRIVATE KEY-----{REDACTED}-----END RSA PRIVATE KEY-----\nafter",
        ),
    ],
)
def test_redact_masks_every_known_form(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert redact(expected) == expected  # idempotent


@pytest.mark.parametrize(
    "text",
    [
        "Calculating signature using v4 auth.",
        "SignedHeaders=host;x-amz-date;x-amz-security-token",
        "Signature verified for request 42",
        "Starting new HTTP connection (1): 127.0.0.1:9000",
        "design=ok&assign=2&signal=3",
        'GET /docs?query=%22Status%22 "HTTP/1.1 200 OK"',
        "Token bucket refilled: 5 tokens",
    ],
)
def test_redact_leaves_ordinary_text_alone(text: str) -> None:
    assert redact(text) == text


def test_arguments_are_masked_keeping_their_types_and_the_format() -> None:
    record = make_record("Sending %s with %r (%d bytes) and %s", "url?sig=abcdef", b"sig=xyz", 12, None)
    assert rendered(record) == f"Sending url?sig={REDACTED} with b'sig={REDACTED}' (12 bytes) and None"
    assert record.msg == "Sending %s with %r (%d bytes) and %s" and isinstance(record.args, tuple)
    assert record.args[1] == f"sig={REDACTED}".encode()


def test_header_dicts_are_masked_by_key() -> None:
    headers = {"Authorization": b"AWS4-HMAC-SHA256 Credential=A/x, Signature=ff", "X-Amz-Security-Token": SESSION_TOKEN}
    record = make_record("Request headers: %s", {**headers, "Content-Length": "5"})  # one mapping argument
    assert rendered(record) == (
        f"Request headers: {{'Authorization': b'{REDACTED}', 'X-Amz-Security-Token': '{REDACTED}', "
        "'Content-Length': '5'}"
    )
    assert headers["X-Amz-Security-Token"] == SESSION_TOKEN  # the caller's dict is not modified


def test_objects_whose_text_holds_a_secret_keep_their_str_and_repr_shape() -> None:
    class Prepared:
        def __str__(self) -> str:
            return f"<Prepared url=https://h/k?X-Amz-Security-Token={SESSION_TOKEN}>"

        def __repr__(self) -> str:
            return f"Prepared(headers={{'X-Amz-Security-Token': b'{SESSION_TOKEN}'}})"

    record = make_record("%s | %r", Prepared(), Prepared())
    assert rendered(record) == (
        f"<Prepared url=https://h/k?X-Amz-Security-Token={REDACTED}> | "
        f"Prepared(headers={{'X-Amz-Security-Token': b'{REDACTED}'}})"
    )
    plain = object()
    untouched = make_record("%r", plain)
    redact_record(untouched)
    assert isinstance(untouched.args, tuple) and untouched.args[0] is plain


def test_a_secret_split_across_arguments_is_masked_in_the_message() -> None:
    record = make_record("%r: %r", "x-amz-security-token", SESSION_TOKEN, name="azure.core.pipeline")
    assert rendered(record) == f"'x-amz-security-token': '{REDACTED}'"
    assert SESSION_TOKEN not in record.getMessage()


def test_exceptions_stacks_and_extras_are_masked() -> None:
    try:
        raise ValueError(f"bad url https://a/c?sig={SESSION_TOKEN}")
    except ValueError:
        record = logging.LogRecord("azure.core", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    record.stack_info = f"Stack (most recent call last):\n  url=?sig={SESSION_TOKEN}"
    record.__dict__["httpRequest"] = {"url": "/o", "headers": {"Authorization": "Bearer ya29.secret-access"}}
    text = rendered(record)
    assert SESSION_TOKEN not in text and "ya29" not in text and f"sig={REDACTED}" in text
    assert record.__dict__["httpRequest"] == {"url": "/o", "headers": {"Authorization": REDACTED}}
    assert record.exc_info is not None  # kept for handlers that want the exception object


def test_malformed_records_are_not_broken_further() -> None:
    record = make_record("%s %s", "only-one")
    assert SecretRedactingFilter().filter(record) is True
    with pytest.raises(TypeError):
        record.getMessage()  # logging reports it, as it would have without the filter


def test_registered_secrets_are_masked_verbatim_and_url_encoded() -> None:
    secret = f"coda-{uuid.uuid4()}/+="
    register_secret(secret)
    quoted = urllib.parse.quote(secret, safe="")
    assert redact(f"token {secret} and {quoted}") == f"token {REDACTED} and {REDACTED}"
    register_secret("short")  # too short to mask safely: accepted, not masked
    assert redact("a short note") == "a short note"
    with pytest.raises(ValueError, match="value"):
        register_secret("  ")
    with pytest.raises(TypeError, match="value"):
        register_secret(b"bytes")  # type: ignore[arg-type]


def test_install_is_idempotent_and_covers_child_loggers_created_later() -> None:
    first = install_log_redaction()
    factory = logging.getLogRecordFactory()
    assert install_log_redaction() is first and logging.getLogRecordFactory() is factory
    for name in ("urllib3", "botocore", "azure", "google", "httpx"):
        assert logging.getLogger(name).filters.count(first) == 1
    assert set(COVERED_LOGGERS) >= {
        "urllib3",
        "botocore",
        "boto3",
        "s3transfer",
        "azure",
        "google",
        "httpx",
        "httpcore",
    }
    child = logging.getLogger(f"botocore.created_later_{uuid.uuid4().hex}")
    mine = logging.getLogger(f"myapp_{uuid.uuid4().hex}")
    captured: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.append(record)

    handler = Keep()
    for logger in (child, mine):
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        logger.debug("url %s", "?sig=abcdefgh")
    assert [r.getMessage() for r in captured] == [f"url ?sig={REDACTED}", "url ?sig=abcdefgh"]
    with pytest.raises(TypeError, match="extra_loggers"):
        install_log_redaction("myapp")


# Scanning ----------------------------------------------------------------------------------

# Credential shapes that must never appear unmasked (azure-core's own masking writes REDACTED).
UNMASKED = re.compile(
    r"(?i)(?<![\w-])(?:sig|signature|x-amz-signature|x-goog-signature|x-amz-security-token|accountkey)"
    r"=(?!<redacted>|REDACTED)[^&\s'\";,<]"
    r"|\bbearer\s+(?!<redacted>|REDACTED)[A-Za-z0-9]"
    r"|\bsharedkey\s+[^:\s]+:(?!<redacted>|REDACTED)[A-Za-z0-9+/]"
    r"|(?<![\w-])(?:authorization|x-amz-security-token)['\"]?:\s*"
    r"(?!(?:b?['\"])?(?:<redacted>|REDACTED))(?:b?['\"])?[A-Za-z0-9]"
)


def exception_texts(exc: BaseException) -> list[str]:
    """Everything an exception shows: its traceback with chained causes, and for each
    exception in the chain its repr and attributes."""
    texts = ["".join(traceback.format_exception(exc))]
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts += [repr(current), repr(vars(current))]
        current = current.__cause__ or current.__context__
    return texts


def assert_no_secrets(texts: Iterable[str], secrets: Mapping[str, str], where: str) -> None:
    """No secret (verbatim or URL-encoded) and no unmasked credential shape in ``texts``.

    The failure message names the secret or the credential and shows only the text before
    it, with known secrets and every long token-like run replaced, so that no secret, not
    even part of one, reaches the test output.
    """
    forms = {
        form: name
        for name, value in secrets.items()
        for form in {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value)}
    }

    def before(text: str, at: int) -> str:
        snippet = text[max(0, at - 100) : at]
        if at > 100:  # the window may start inside a value: drop that partial run
            snippet = re.sub(r"^[A-Za-z0-9+/=%_.-]+", "", snippet)
        for form, name in forms.items():
            snippet = snippet.replace(form, f"«{name}»")
        return re.sub(r"[A-Za-z0-9+/=%_.-]{16,}", "«long value»", snippet)

    problems = []
    for text in texts:
        for form, name in forms.items():
            at = text.find(form)
            if at >= 0:
                problems.append(f"{name} in {where}, after: …{before(text, at)}")
        for match in UNMASKED.finditer(text):
            shape = match[0][:-1].rstrip("'\"b")
            problems.append(f"unmasked {shape}… in {where}, after: …{before(text, match.start())}")
    assert not problems, "\n".join(problems[:10])


@contextlib.contextmanager
def raised(kind: type[BaseException] | tuple[type[BaseException], ...], into: list[BaseException]) -> Iterator[None]:
    """Expect an exception of ``kind`` and keep it for scanning."""
    with pytest.raises(kind) as caught:
        yield
    into.append(caught.value)


# Coda ----------------------------------------------------------------------------------------

WRONG_TOKEN = "tok-wrong-but-still-secret-0123456789"


def test_coda_client_leaks_no_token(debug_logs: CapturedLogs) -> None:
    fake = FakeCoda(token=TOKEN, mutation_polls=1)
    seed_demo(fake)
    errors: list[BaseException] = []
    with FakeCodaServer(fake) as server:
        with CodaClient(TOKEN, base_url=server.base_url, sleep=lambda _: None) as coda:
            assert coda.whoami().name
            table = coda.get_doc("doc-id").table("Tasks")
            assert [r.name for r in table.rows(where={"Status": "Active"})] == ["Task 1", "Task 3", "Task 5"]
            table.upsert([{"Name": "Ship", "Status": "Done"}], key_columns=["Name"], wait=True)
            table.insert([{"Name": "New", "Status": "Active"}], wait=True)
            table.row("Task 2").update({"Status": "Blocked"}, wait=True)
            with raised(CodaAuthenticationError, errors), CodaClient(WRONG_TOKEN, base_url=server.base_url) as wrong:
                wrong.whoami()
            reprs = [repr(coda), str(coda), repr(table), repr(coda.api)]

        async def async_flow() -> str:
            async with AsyncCodaClient(TOKEN, base_url=server.base_url) as client:
                docs = await client.list_docs()
                assert {d.name async for d in docs} == {"Product Roadmap", "Team Wiki"}
                return repr(client)

        reprs.append(asyncio.run(async_flow()))
    nowhere = f"http://127.0.0.1:{free_port()}/apis/v1"
    with raised(CodaConnectionError, errors), CodaClient(TOKEN, base_url=nowhere, max_retries=0) as unreachable:
        unreachable.whoami()
    assert debug_logs.saw("httpx") and debug_logs.saw("httpcore")
    secrets = {"Coda token": TOKEN, "wrong Coda token": WRONG_TOKEN}
    assert_no_secrets(debug_logs.lines, secrets, "logs")
    assert_no_secrets(reprs, secrets, "reprs")
    for exc in errors:
        assert_no_secrets(exception_texts(exc), secrets, f"{type(exc).__name__}")


# S3 ------------------------------------------------------------------------------------------

S3_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
S3_SESSION_TOKEN = "IQoJb3JpZ2luX2VjEBYaCXVzLWVhc3QtMSJHMEUCIQSessionTokenForTests0123456789"


def _query_values(url: str, *names: str) -> dict[str, str]:
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    return {f"signed URL {name}": query[name] for name in names if name in query}


def test_the_coda_client_registers_its_token_itself(caplog: pytest.LogCaptureFixture) -> None:
    """No explicit install: constructing the client is enough, even for a bare token that no
    pattern recognises (only a registered secret is masked in this shape)."""
    token = f"plain-{uuid.uuid4().hex}"
    CodaClient(token, base_url="http://127.0.0.1:9/apis/v1").close()
    caplog.set_level(logging.DEBUG, logger="httpx")
    caplog.set_level(logging.DEBUG, logger="httpcore")
    logging.getLogger("httpx").debug("the token is %s", token)
    logging.getLogger("httpcore.http11").debug(f"send header {token}")
    assert len(caplog.records) == 2
    assert token not in caplog.text and REDACTED in caplog.text


def test_s3_session_token_and_signed_urls_leak_nothing(
    debug_logs: CapturedLogs, moto_server: Emulator, tmp_path: Path
) -> None:
    s3 = S3Client(
        region="us-east-1",
        endpoint_url=moto_server.url,
        access_key_id="AKIAIOSFODNN7EXAMPLE",
        secret_access_key=S3_SECRET_KEY,
        session_token=S3_SESSION_TOKEN,
        multipart_threshold=5 * 1024 * 1024,
        chunk_size=5 * 1024 * 1024,
    )
    unreachable = S3Client(
        region="us-east-1",
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        access_key_id="AKIAIOSFODNN7EXAMPLE",
        secret_access_key=S3_SECRET_KEY,
        session_token=S3_SESSION_TOKEN,
        retry=RetryPolicy(max_attempts=1),
    )
    with s3, unreachable:
        errors, secrets = _s3_flow(s3, unreachable, tmp_path)
    assert debug_logs.saw("botocore") and debug_logs.saw("urllib3")
    # The multipart upload (the store's own, through botocore; s3transfer serves only copies
    # over 5 GiB now) was logged and scanned too.
    assert any("UploadPart" in line for line in debug_logs.lines)
    assert_no_secrets(debug_logs.lines, secrets, "logs")
    assert_no_secrets([repr(s3), str(s3), repr(s3.client)], secrets, "reprs")
    for exc in errors:
        assert_no_secrets(exception_texts(exc), secrets, type(exc).__name__)


def _s3_flow(s3: S3Client, unreachable: S3Client, tmp_path: Path) -> tuple[list[BaseException], dict[str, str]]:
    bucket = f"s-{uuid.uuid4().hex[:20]}"
    errors: list[BaseException] = []
    secrets = {"S3 secret key": S3_SECRET_KEY, "S3 session token": S3_SESSION_TOKEN}
    s3.create_bucket(bucket)
    try:
        s3.upload(bucket, "small.txt", data=b"hello", metadata={"owner": "ada"})
        s3.upload(bucket, "big.bin", data=b"x" * (6 * 1024 * 1024))  # multipart
        assert s3.download(bucket, "small.txt") == b"hello"
        s3.download(bucket, "big.bin", local_path=tmp_path / "big.bin")
        assert [o.key for o in s3.list_objects(bucket)] == ["big.bin", "small.txt"]
        s3.copy(bucket, "small.txt", bucket, "copy.txt")
        for method in ("GET", "PUT"):
            url = s3.signed_url(bucket, "small.txt", method=method)
            secrets |= {f"{method} {k}": v for k, v in _query_values(url, "Signature", "X-Amz-Signature").items()}
            response = httpx.request(method, url, content=b"hello" if method == "PUT" else None)
            assert response.status_code == 200
        with raised(StorageError, errors):
            s3.download(bucket, "missing.txt")
        s3.delete_many(bucket, ["small.txt", "copy.txt", "big.bin"])
    finally:
        s3.delete_bucket(bucket, force=True)
    with raised(StorageError, errors):
        unreachable.stat(bucket, "small.txt")
    return errors, secrets


# Azure ---------------------------------------------------------------------------------------


def _azure_flow(store: AzureBlobClient, errors: list[BaseException]) -> None:
    bucket = f"a-{uuid.uuid4().hex[:20]}"
    store.create_bucket(bucket)
    try:
        store.upload(bucket, "small.txt", data=b"hello", metadata={"owner": "ada"})
        store.upload(bucket, "big.bin", data=b"x" * (3 * 1024 * 1024 + 5))  # blocks
        assert store.download(bucket, "small.txt") == b"hello"
        assert [o.key for o in store.list_objects(bucket)] == ["big.bin", "small.txt"]
        store.copy(bucket, "small.txt", bucket, "copy.txt")
        assert store.stat(bucket, "copy.txt").size == 5
        with raised(StorageError, errors):
            store.download(bucket, "missing.txt")
        with raised(StorageError, errors):  # the copy source URL carries the SAS, if any
            store.copy(bucket, "missing.txt", bucket, "copy2.txt")
        store.delete(bucket, "copy.txt")
    finally:
        store.delete_bucket(bucket, force=True)


def _account_sas(key: str) -> str:
    from azure.storage.blob import AccountSasPermissions, ResourceTypes, generate_account_sas

    return generate_account_sas(
        account_name=AZURITE_ACCOUNT,
        account_key=key,
        resource_types=ResourceTypes(service=True, container=True, object=True),
        permission=AccountSasPermissions(read=True, write=True, delete=True, list=True, add=True, create=True),
        expiry=datetime.now(UTC) + timedelta(hours=1),
    )


def test_azure_account_sas_leaks_nothing(debug_logs: CapturedLogs, azurite_server: Emulator) -> None:
    sas = _account_sas(AZURITE_KEY)
    secrets = {"account key": AZURITE_KEY, "account SAS": sas, **_query_values(f"?{sas}", "sig")}
    errors: list[BaseException] = []
    forged = sas.replace("sig=", "sig=AAAA")
    secrets["forged SAS"] = forged
    with (
        AzureBlobClient(account_url=azurite_server.url, credential=sas, chunk_size=1024 * 1024) as store,
        AzureBlobClient(
            account_url=azurite_server.url, credential=forged, retry=RetryPolicy(max_attempts=1)
        ) as refused,
    ):
        _azure_flow(store, errors)
        with raised(StorageError, errors):
            store.signed_url("any", "thing")  # needs the account key, which a SAS client has not
        with raised(StorageError, errors):  # a forced auth error: Azurite refuses the signature
            refused.create_bucket("forged")
    assert debug_logs.saw("azure") and debug_logs.saw("urllib3")
    assert_no_secrets(debug_logs.lines, secrets, "logs")
    assert_no_secrets([repr(store), str(store)], secrets, "reprs")
    for exc in errors:
        assert_no_secrets(exception_texts(exc), secrets, type(exc).__name__)


def test_azure_connection_string_and_signed_url_leak_nothing(
    debug_logs: CapturedLogs, azurite_server: Emulator
) -> None:
    connection = azurite_server.env["AZURE_STORAGE_CONNECTION_STRING"]
    wrong_key = base64.b64encode(b"not the account key, but secret all the same!!!!").decode()
    secrets = {"account key": AZURITE_KEY, "wrong account key": wrong_key}
    errors: list[BaseException] = []
    with (
        AzureBlobClient(connection, chunk_size=1024 * 1024) as store,
        AzureBlobClient(connection.replace(AZURITE_KEY, wrong_key), retry=RetryPolicy(max_attempts=1)) as denied,
    ):
        _azure_flow(store, errors)
        bucket = f"a-{uuid.uuid4().hex[:20]}"
        store.create_bucket(bucket)
        try:
            store.upload(bucket, "shared.txt", data=b"shared")
            url = store.signed_url(bucket, "shared.txt")
            secrets |= _query_values(url, "sig")
            assert httpx.get(url).content == b"shared"
        finally:
            store.delete_bucket(bucket, force=True)
        with raised(StorageError, errors):  # a forced auth error: the wrong account key
            denied.create_bucket("denied")
    assert_no_secrets(debug_logs.lines, secrets, "logs")
    assert_no_secrets([repr(store), str(store)], secrets, "reprs")
    for exc in errors:
        assert_no_secrets(exception_texts(exc), secrets, type(exc).__name__)


# Installed by the clients themselves ---------------------------------------------------------

# Run in a fresh interpreter, where nothing has installed the redaction yet: DEBUG logging on,
# one store built (its constructor must install the redaction) and used, every record kept.
_FRESH_PROCESS_FLOW = """
import json, logging, os, sys, uuid
from codomyrmex_cloud.log_redaction import SecretRedactingFilter

def installed():
    return any(isinstance(f, SecretRedactingFilter) for f in logging.getLogger("urllib3").filters)

lines = []
class Keep(logging.Handler):
    def emit(self, record):
        lines.append(f"{record.name} {record.levelname} {record.getMessage()}")

logging.getLogger().setLevel(logging.DEBUG)
logging.getLogger().addHandler(Keep())
before = installed()
if sys.argv[1] == "s3":
    from codomyrmex_cloud import S3Client
    store = S3Client(
        region="us-east-1",
        endpoint_url=os.environ["FLOW_ENDPOINT"],
        access_key_id="AKIAIOSFODNN7EXAMPLE",
        secret_access_key=os.environ["FLOW_SECRET"],
        session_token=os.environ["FLOW_TOKEN"],
    )
else:
    from codomyrmex_cloud import AzureBlobClient
    store = AzureBlobClient(account_url=os.environ["FLOW_ENDPOINT"], credential=os.environ["FLOW_SECRET"])
after = installed()
bucket = "fresh-" + uuid.uuid4().hex[:16]
with store:
    store.create_bucket(bucket)
    store.upload(bucket, "k.txt", data=b"hello")
    assert store.download(bucket, "k.txt") == b"hello"
    assert [o.key for o in store.list_objects(bucket)] == ["k.txt"]
    store.delete_bucket(bucket, force=True)
print(json.dumps({"before": before, "after": after, "lines": lines}))
"""


@pytest.mark.parametrize("kind", ["s3", "azure"])
def test_storage_clients_install_the_redaction_themselves(
    kind: str, request: pytest.FixtureRequest, moto_server: Emulator
) -> None:
    """No explicit ``install_log_redaction()``: constructing the store installs it, and
    nothing the libraries log at DEBUG holds a secret the store was given."""
    if kind == "s3":
        env = {"FLOW_ENDPOINT": moto_server.url, "FLOW_SECRET": S3_SECRET_KEY, "FLOW_TOKEN": S3_SESSION_TOKEN}
        secrets = {"S3 secret key": S3_SECRET_KEY, "S3 session token": S3_SESSION_TOKEN}
        shape = "x-amz-security-token"  # botocore logs the header, with the token masked
    else:
        azurite: Emulator = request.getfixturevalue("azurite_server")
        sas = _account_sas(AZURITE_KEY)
        env = {"FLOW_ENDPOINT": azurite.url, "FLOW_SECRET": sas}
        secrets = {"account SAS": sas, **_query_values(f"?{sas}", "sig")}
        shape = "sig="  # urllib3 logs request lines with the SAS, its signature masked
    done = subprocess.run(
        [sys.executable, "-c", _FRESH_PROCESS_FLOW, kind],
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert_no_secrets([done.stdout, done.stderr], secrets, "the fresh process's output")
    assert done.returncode == 0, "the flow failed:\n" + done.stderr[-2000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert (result["before"], result["after"]) == (False, True)
    assert any(shape in line.lower() for line in result["lines"]), f"no {shape} line was logged"
    assert_no_secrets(result["lines"], secrets, "logs")


# GCS -----------------------------------------------------------------------------------------


class TokenServer(http.server.ThreadingHTTPServer):
    """A loopback OAuth token endpoint: grants ``ACCESS_TOKEN`` at /token, refuses at /denied,
    and keeps the signed JWT assertions it received (they are credentials too)."""

    daemon_threads = True
    ACCESS_TOKEN = "ya29.a0AfH6SMB-loopback-access-token-0123456789"

    def __init__(self) -> None:
        self.assertions: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
                server.assertions += urllib.parse.parse_qs(body).get("assertion", [])
                granted = self.path == "/token"
                answer = (
                    {"access_token": server.ACCESS_TOKEN, "expires_in": 3600, "token_type": "Bearer"}
                    if granted
                    else {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
                )
                data = json.dumps(answer).encode()
                self.send_response(200 if granted else 400)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                return

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def token_server() -> Iterator[TokenServer]:
    server = TokenServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def _service_account(token_uri: str) -> tuple[Any, dict[str, str]]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from google.oauth2 import service_account

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    info = {
        "type": "service_account",
        "project_id": "test",
        "private_key_id": uuid.uuid4().hex,
        "private_key": pem,
        "client_email": "loopback@test.iam.gserviceaccount.com",
        "client_id": "1234567890",
        "token_uri": token_uri,
    }
    body = "".join(pem.strip().splitlines()[1:-1])  # the key material without its armour
    secrets = {
        "private key": body,
        "private key (first line)": pem.splitlines()[1],
        "private key id": info["private_key_id"],
    }
    scopes = ["https://www.googleapis.com/auth/devstorage.full_control"]
    return service_account.Credentials.from_service_account_info(info, scopes=scopes), secrets  # type: ignore[no-untyped-call]


def test_gcs_service_account_and_signed_url_leak_nothing(
    debug_logs: CapturedLogs, gcs_server: Emulator, token_server: TokenServer
) -> None:
    credentials, secrets = _service_account(f"{token_server.url}/token")
    secrets["access token"] = TokenServer.ACCESS_TOKEN
    errors: list[BaseException] = []
    denied, denied_secrets = _service_account(f"{token_server.url}/denied")
    secrets |= {f"refused {k}": v for k, v in denied_secrets.items()}
    with (
        GCSClient(project="test", credentials=credentials, endpoint=gcs_server.url, chunk_size=256 * 1024) as store,
        GCSClient(project="test", credentials=denied, endpoint=gcs_server.url) as refused,
    ):
        bucket = f"g-{uuid.uuid4().hex[:20]}"
        store.create_bucket(bucket)
        try:
            store.upload(bucket, "small.txt", data=b"hello", metadata={"owner": "ada"})
            store.upload(bucket, "big.bin", data=b"x" * (600 * 1024))  # resumable, in chunks
            assert store.download(bucket, "small.txt") == b"hello"
            assert [o.key for o in store.list_objects(bucket)] == ["big.bin", "small.txt"]
            store.copy(bucket, "small.txt", bucket, "copy.txt")
            url = store.signed_url(bucket, "small.txt")
            secrets |= _query_values(url, "X-Goog-Signature")
            httpx.get(url)  # whatever the emulator answers, the URL must not be logged whole
            with raised(StorageError, errors):
                store.download(bucket, "missing.txt")
        finally:
            store.delete_bucket(bucket, force=True)
        # A forced auth error: the token endpoint refuses the key. Any exception is scanned
        # here; which one it should be is pinned by the test below.
        with raised(Exception, errors):
            refused.bucket_exists(bucket)
    secrets |= {f"JWT assertion {i}": assertion for i, assertion in enumerate(token_server.assertions)}
    assert token_server.assertions and debug_logs.saw("google") and debug_logs.saw("urllib3")
    assert_no_secrets(debug_logs.lines, secrets, "logs")
    assert_no_secrets([repr(store), str(store)], secrets, "reprs")
    for exc in errors:
        assert_no_secrets(exception_texts(exc), secrets, type(exc).__name__)


def test_gcs_refused_credentials_raise_a_storage_permission_error(
    gcs_server: Emulator, token_server: TokenServer
) -> None:
    """google.auth's RefreshError (credentials refused at token refresh) is mapped by
    ``gcs.map_error``, not left to escape."""
    denied, _ = _service_account(f"{token_server.url}/denied")
    with (
        GCSClient(project="test", credentials=denied, endpoint=gcs_server.url) as store,
        pytest.raises(StoragePermissionError, match="denied access") as refused,
    ):
        store.bucket_exists("any-bucket")
    assert type(refused.value.__cause__).__name__ == "RefreshError"


def test_scan_finds_what_it_looks_for() -> None:
    """The scanner itself: a planted secret and an unmasked shape are both reported."""
    with pytest.raises(AssertionError, match="planted in logs") as caught:
        assert_no_secrets(["before s3cr3t-value after"], {"planted": "s3cr3t-value"}, "logs")
    assert "s3cr3t-value" not in str(caught.value)
    for line in ("GET /b?sig=abcd3f", "Authorization: Bearer abcd3f", "'X-Amz-Security-Token': b'abcd3f'"):
        with pytest.raises(AssertionError, match="unmasked") as caught:
            assert_no_secrets([line], {}, "logs")
        assert "abcd3f" not in str(caught.value) and "bcd3f" not in str(caught.value)
    assert_no_secrets([f"GET /b?sig={REDACTED}", "Authorization: REDACTED"], {}, "logs")


# Customer-provided encryption keys (GCS CSEK, Azure CPK) -------------------------------------


def _customer_key_secrets(key: CustomerKey) -> dict[str, str]:
    """The forms a customer key could leak in: as sent (base64), as hex, as a bytes repr."""
    return {
        "customer key (base64)": base64.b64encode(key.key).decode(),
        "customer key (hex)": key.key.hex(),
        "customer key (bytes repr)": repr(key.key)[2:-1],
    }


def _customer_key_flow(store: BaseStore, key: CustomerKey, tmp_path: Path, errors: list[BaseException]) -> None:
    """Writes and every read with the key, and failures that carry it (a missing object)."""
    bucket = f"k-{uuid.uuid4().hex[:20]}"
    store.create_bucket(bucket)
    try:
        store.upload(bucket, "small.txt", data=b"hello", encryption=key)
        store.upload(bucket, "big.bin", data=b"x" * (1024 * 1024 + 5), encryption=key)  # resumable / blocks
        with store.open_write(bucket, "written.bin", encryption=key) as writer:
            writer.write(b"y" * 1000)
        assert store.download(bucket, "small.txt", customer_key=key) == b"hello"
        store.download(bucket, "big.bin", local_path=tmp_path / "big.bin", customer_key=key)
        assert store.read_range(bucket, "big.bin", 0, 3, customer_key=key) == b"xxx"
        with store.open_read(bucket, "written.bin", customer_key=key) as reader:
            reader.seek(998)
            assert reader.read() == b"yy"
        assert store.stat(bucket, "small.txt", customer_key=key).size == 5
        with raised(StorageError, errors):
            store.download(bucket, "missing.txt", customer_key=key)
        with raised(StorageError, errors):
            store.stat(bucket, "missing.txt", customer_key=key)
    finally:
        store.delete_bucket(bucket, force=True)


def test_gcs_customer_key_leaks_nothing(debug_logs: CapturedLogs, gcs_server: Emulator, tmp_path: Path) -> None:
    key = CustomerKey(os.urandom(32))
    errors: list[BaseException] = []
    with GCSClient(project="test", endpoint=gcs_server.url, chunk_size=1024 * 1024) as store:
        _customer_key_flow(store, key, tmp_path, errors)
    secrets = _customer_key_secrets(key)
    assert debug_logs.saw("urllib3") and errors
    # google-auth logs each request's headers (in ``extra``) at DEBUG: the key's header is there, masked.
    assert any("x-goog-encryption-key" in line.lower() for line in debug_logs.lines), "no request headers logged"
    assert_no_secrets(debug_logs.lines, secrets, "logs")
    assert_no_secrets([repr(store), str(store), repr(key), str(key)], secrets, "reprs")
    for exc in errors:
        assert_no_secrets(exception_texts(exc), secrets, type(exc).__name__)


@pytest.fixture(scope="module")
def azurite_https() -> Iterator[tuple[Emulator, Path]]:
    with start_azurite(tls=True) as emulator:
        assert emulator.ca_bundle is not None
        yield emulator, emulator.ca_bundle


def test_azure_customer_key_leaks_nothing(
    debug_logs: CapturedLogs, azurite_https: tuple[Emulator, Path], azurite_server: Emulator, tmp_path: Path
) -> None:
    """Over HTTPS (where the SDK sends the key, and azure-core logs the request headers at
    INFO with the key's masked), and over HTTP (where the store refuses it)."""
    emulator, cert = azurite_https
    key = CustomerKey(os.urandom(32))
    errors: list[BaseException] = []
    connection = emulator.env["AZURE_STORAGE_CONNECTION_STRING"]
    with (
        AzureBlobClient(connection, chunk_size=1024 * 1024, ca_bundle=cert) as store,
        AzureBlobClient(azurite_server.env["AZURE_STORAGE_CONNECTION_STRING"]) as plain,
    ):
        _customer_key_flow(store, key, tmp_path, errors)
        with raised(InvalidArgumentError, errors):
            plain.upload("any-container", "k", data=b"x", encryption=key)
        with raised(InvalidArgumentError, errors):
            plain.download("any-container", "k", customer_key=key)
    secrets = _customer_key_secrets(key)
    assert any("x-ms-encryption-key" in line.lower() for line in debug_logs.lines), "no request headers logged"
    assert_no_secrets(debug_logs.lines, secrets, "logs")
    assert_no_secrets([repr(store), str(store), repr(key), str(key)], secrets, "reprs")
    for exc in errors:
        assert_no_secrets(exception_texts(exc), secrets, type(exc).__name__)
