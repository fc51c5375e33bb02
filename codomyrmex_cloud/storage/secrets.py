"""What a cloud store does with the secrets it is given: keeps them out of every log.

Each cloud client calls :func:`protect` when it builds its SDK client (in the constructor,
after ``fork`` and after unpickling), with the credentials it received or resolved: the S3
secret key and session token, Azure account keys, SAS tokens and connection strings, GCS
OAuth tokens. :func:`protect` installs the log redaction of
:mod:`codomyrmex_cloud.log_redaction` (idempotent) and registers each value, so a library
that logs one verbatim is masked even in a shape the patterns do not know.
"""

from __future__ import annotations

import urllib.parse

from codomyrmex_cloud.log_redaction import install_log_redaction, register_secret


def protect(*values: object) -> None:
    """Install the log redaction and register every non-empty string among ``values``.

    ``None``, empty strings and objects that are not strings (a credential object whose
    parts the caller did not extract) are skipped.
    """
    install_log_redaction()
    for value in values:
        if isinstance(value, str) and value.strip():
            register_secret(value)


def sas_signatures(token: str) -> list[str]:
    """The ``sig`` values of a SAS query string (with or without its leading ``?``)."""
    query = urllib.parse.parse_qs(token.lstrip("?"), keep_blank_values=False)
    return list(query.get("sig", []))


def connection_string_secrets(connection_string: str) -> list[str]:
    """The secret parts of an Azure connection string: ``AccountKey``,
    ``SharedAccessSignature`` and the signature inside it."""
    found: list[str] = []
    for part in connection_string.split(";"):
        name, sep, value = part.partition("=")
        if not sep or not value:
            continue
        if name.strip().lower() == "accountkey":
            found.append(value)
        elif name.strip().lower() == "sharedaccesssignature":
            found += [value, *sas_signatures(value)]
    return found
