"""Every cloud store registers the secrets it is given with the log redaction, so a library
that logs one bare (a shape no pattern knows) is masked too. Nothing is sent here: each
client is built against a closed port and never used."""

from __future__ import annotations

import base64
import uuid

import pytest

from codomyrmex_cloud import AzureBlobClient, GCSClient, S3Client
from codomyrmex_cloud.log_redaction import REDACTED, redact
from codomyrmex_cloud.storage.secrets import connection_string_secrets, sas_signatures
from codomyrmex_cloud.testing.emulators import free_port


def fresh(prefix: str) -> str:
    """A secret no other test has registered."""
    return f"{prefix}{uuid.uuid4().hex}{uuid.uuid4().hex}"


def bare(value: str) -> str:
    """A log line holding ``value`` with nothing a pattern could recognise around it."""
    return f"loaded {value} from the environment"


def test_an_unregistered_value_is_not_masked() -> None:
    """The control: the lines below are masked because of the registration, not a pattern."""
    value = fresh("not-registered-")
    assert redact(bare(value)) == bare(value)


def test_s3_registers_its_secret_key_and_session_token() -> None:
    secret, token = fresh("s3-secret-"), fresh("s3-token-")
    with S3Client(
        region="us-east-1",
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        access_key_id="AKIAIOSFODNN7EXAMPLE",
        secret_access_key=secret,
        session_token=token,
    ):
        pass
    assert redact(bare(secret)) == bare(REDACTED) and redact(bare(token)) == bare(REDACTED)


def test_s3_registers_the_credentials_it_resolves(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = fresh("s3-env-secret-")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    with S3Client(region="us-east-1", endpoint_url=f"http://127.0.0.1:{free_port()}"):
        pass
    assert redact(bare(secret)) == bare(REDACTED)


def test_azure_registers_keys_sas_tokens_and_connection_strings() -> None:
    from azure.core.credentials import AzureNamedKeyCredential, AzureSasCredential

    url = f"http://127.0.0.1:{free_port()}/devstoreaccount1"
    key = base64.b64encode(fresh("azure-key-").encode()).decode()
    with AzureBlobClient(account_url=url, credential=AzureNamedKeyCredential("devstoreaccount1", key)):
        pass
    assert redact(bare(key)) == bare(REDACTED)

    signature = fresh("sas-sig-")
    sas = f"sv=2024-08-04&ss=b&srt=sco&sp=r&se=2030-01-01T00:00:00Z&sig={signature}"
    with AzureBlobClient(account_url=url, credential=AzureSasCredential(sas)):
        pass
    assert redact(bare(signature)) == bare(REDACTED)

    other_key = base64.b64encode(fresh("azure-conn-key-").encode()).decode()
    connection = (
        f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={other_key};BlobEndpoint={url};"
    )
    with AzureBlobClient(connection):
        pass
    assert redact(bare(other_key)) == bare(REDACTED)


def test_gcs_registers_the_tokens_its_credentials_hold() -> None:
    from google.oauth2.credentials import Credentials

    token, refresh, client_secret = fresh("ya29.access-"), fresh("refresh-"), fresh("client-secret-")
    credentials = Credentials(  # type: ignore[no-untyped-call]
        token=token, refresh_token=refresh, client_id="id", client_secret=client_secret
    )
    with GCSClient(project="test", credentials=credentials, endpoint=f"http://127.0.0.1:{free_port()}"):
        pass
    for value in (token, refresh, client_secret):
        assert redact(bare(value)) == bare(REDACTED)


def test_connection_string_and_sas_parts() -> None:
    connection = "BlobEndpoint=https://a/;SharedAccessSignature=sv=1&sig=c2ln%3D;AccountKey=a2V5"
    assert connection_string_secrets(connection) == ["sv=1&sig=c2ln%3D", "c2ln=", "a2V5"]
    assert sas_signatures("?sv=1&sig=abc") == ["abc"] and sas_signatures("sv=1") == []
