"""Each cloud client names the extra to install when its SDK is missing."""

from __future__ import annotations

import subprocess
import sys

import pytest

BLOCK = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == {blocked!r} or name.startswith({blocked!r} + "."):
            raise ImportError("blocked " + name)
sys.meta_path.insert(0, Block())
from codomyrmex_cloud import {client}
try:
    {client}({args})
except ImportError as exc:
    print("IMPORT-ERROR:", exc)
"""


@pytest.mark.parametrize(
    ("client", "blocked", "args", "extra"),
    [
        ("S3Client", "boto3", "region='us-east-1'", "codomyrmex-cloud[s3]"),
        ("GCSClient", "google.cloud", "project='p'", "codomyrmex-cloud[gcs]"),
        ("AzureBlobClient", "azure.storage", "connection_string='x'", "codomyrmex-cloud[azure]"),
    ],
)
def test_missing_sdk_names_the_extra(client: str, blocked: str, args: str, extra: str) -> None:
    code = BLOCK.format(blocked=blocked, client=client, args=args)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "IMPORT-ERROR:" in out and extra in out


def test_a_placeholder_connection_string_is_refused_clearly() -> None:
    from codomyrmex_cloud import AzureBlobClient, InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="Azure"):
        AzureBlobClient(connection_string="...")
