"""Exit codes, one-line error messages, and keeping secrets out of everything printed.

=====  =============================================================================
code   meaning
=====  =============================================================================
0      success
1      any other failure (a connection that could not be made, a checksum mismatch)
2      usage: a bad argument, URL, format, column or value (nothing was changed)
3      authentication or permission: missing, wrong or insufficient credentials
4      not found: no such doc, table, bucket, object or file
5      conflict or precondition failed (the object changed, exists, is not empty)
6      rate limited, after the client's own retries
141    stdout was closed by its reader (``... | head``), as for any Unix tool
=====  =============================================================================
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from enum import IntEnum
from urllib.parse import quote

import click

from codomyrmex_cloud.bridge.errors import BridgeError
from codomyrmex_cloud.coda.errors import (
    CodaAPIError,
    CodaAuthenticationError,
    CodaConfigurationError,
    CodaConnectionError,
    CodaError,
    CodaForbiddenError,
    CodaGoneError,
    CodaNotFoundError,
    CodaRateLimitError,
    CodaValidationError,
)
from codomyrmex_cloud.storage.errors import (
    BucketNotEmptyError,
    BucketNotFoundError,
    InvalidArgumentError,
    ObjectNotFoundError,
    PreconditionFailedError,
    StorageConnectionError,
    StorageError,
    StoragePermissionError,
)
from codomyrmex_cloud.storage.tree import TransferError


class ExitCode(IntEnum):
    """The command's exit status, by what went wrong."""

    OK = 0
    FAILURE = 1
    USAGE = 2
    AUTH = 3
    NOT_FOUND = 4
    CONFLICT = 5
    RATE_LIMITED = 6
    BROKEN_PIPE = 141


class UsageProblem(click.UsageError):
    """A command was used wrongly in a way only the command itself can tell (exit 2)."""


class CredentialsMissing(click.ClickException):
    """No credentials are configured for a service the command needs (exit 3)."""

    exit_code = ExitCode.AUTH


#: Throttling, as the storage SDKs name it after their own retries gave up.
_THROTTLED = re.compile(r"\b(SlowDown|Throttl\w*|TooManyRequests|RequestLimitExceeded|ServerBusy|429)\b")


def _root_cause(exc: BaseException) -> BaseException:
    if isinstance(exc, TransferError) and exc.failures:
        return _root_cause(exc.failures[0][1])
    return exc


def exit_code(exc: BaseException) -> ExitCode:
    """The exit code for an exception (see the table in this module's docstring)."""
    exc = _root_cause(exc)
    if isinstance(exc, CredentialsMissing):
        return ExitCode.AUTH
    if isinstance(exc, click.UsageError | click.BadParameter):
        return ExitCode.USAGE
    if isinstance(exc, CodaRateLimitError):
        return ExitCode.RATE_LIMITED
    if isinstance(exc, CodaAuthenticationError | CodaForbiddenError | StoragePermissionError):
        return ExitCode.AUTH
    if isinstance(exc, CodaNotFoundError | CodaGoneError | ObjectNotFoundError | BucketNotFoundError):
        return ExitCode.NOT_FOUND
    if isinstance(exc, PreconditionFailedError | BucketNotEmptyError):
        return ExitCode.CONFLICT
    if isinstance(exc, CodaAPIError) and exc.status_code in (409, 412):
        return ExitCode.CONFLICT
    if isinstance(exc, BridgeError | InvalidArgumentError | CodaValidationError | CodaConfigurationError):
        return ExitCode.USAGE
    if isinstance(exc, StorageError) and not isinstance(exc, StorageConnectionError):
        cause = exc.__cause__
        if _THROTTLED.search(f"{exc} {cause or ''}"):
            return ExitCode.RATE_LIMITED
    if isinstance(exc, FileNotFoundError):
        return ExitCode.NOT_FOUND
    if isinstance(exc, PermissionError):
        return ExitCode.AUTH
    return ExitCode.FAILURE


_HINTS: dict[ExitCode, str] = {
    ExitCode.USAGE: "see --help",
    ExitCode.CONFLICT: "it changed or already exists: look again, then retry",
    ExitCode.RATE_LIMITED: "wait a minute and retry, or send fewer requests",
}


def hint(exc: BaseException, code: ExitCode) -> str:
    """What to do about an error, in a few words ("" when the message already says it)."""
    exc = _root_cause(exc)
    if isinstance(exc, UsageProblem) or "`codomyrmex-cloud " in str(exc):
        return ""  # the message already says what to run
    if isinstance(exc, CodaAPIError) and exc.status_code is not None and code == ExitCode.USAGE:
        return ""  # Coda refused the request and said why; --help would not help
    if code == ExitCode.NOT_FOUND:
        if isinstance(exc, BucketNotFoundError):
            return "check the name, or create it with `codomyrmex-cloud mb URL`"
        if isinstance(exc, CodaError):
            return "check the name; `coda docs` and `coda tables DOC` list what exists"
        return "check the name; `ls URL` lists what exists"
    if code == ExitCode.AUTH:
        if isinstance(exc, CodaError | CredentialsMissing) and "Coda" in f"{type(exc).__name__}{exc}":
            return "check CODA_API_TOKEN (or --coda-token) and the doc's sharing"
        return "check the cloud's credentials (AWS_*, GOOGLE_APPLICATION_CREDENTIALS, AZURE_STORAGE_*) and access"
    if isinstance(exc, CodaConnectionError):
        return "check the network and CODA_BASE_URL (or --coda-base-url)"
    if isinstance(exc, StorageConnectionError):
        return "check the network and the endpoint (AWS_ENDPOINT_URL, STORAGE_EMULATOR_HOST, Azure's URL)"
    if isinstance(exc, ImportError):
        return "install the extra the message names"
    return _HINTS.get(code, "run again with --debug for details")


def one_line(text: str) -> str:
    """Join a message's lines into one (SDK messages often span several); spaces within a
    line are kept, so a quoted value shows as it was."""
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


class Redactor:
    """Replaces every known secret value with ``<redacted>`` in text about to be printed.

    The values are the ones this process was given: the Coda token, AWS secret key and
    session token, Azure connection string, account key and SAS token (from flags or the
    environment), and the key and signature inside a connection string.
    """

    _ENV = (
        "CODA_API_TOKEN",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AZURE_STORAGE_CONNECTION_STRING",
        "AZURE_STORAGE_KEY",
        "AZURE_STORAGE_SAS_TOKEN",
    )
    #: Shorter strings would redact ordinary words; no real secret is this short.
    _MIN_LENGTH = 6

    def __init__(self, extra: Iterable[str | None] = ()) -> None:
        values: set[str] = set()
        for value in [*(os.environ.get(name) for name in self._ENV), *extra]:
            if not value:
                continue
            values.add(value)
            for part in value.split(";"):  # connection strings: Key=value;...
                name, _, secret = part.partition("=")
                if name.strip().lower() in ("accountkey", "sharedaccesssignature", "sharedaccesskey") and secret:
                    values.add(secret)
        values |= {quote(v, safe="") for v in values}  # as it would appear inside a URL
        self._values = sorted((v for v in values if len(v) >= self._MIN_LENGTH), key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for value in self._values:
            text = text.replace(value, "<redacted>")
        return text
