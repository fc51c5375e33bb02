"""Mask secrets in the log records of the HTTP and cloud SDK libraries under our clients.

Our code never logs a secret, but the libraries underneath do at DEBUG level: urllib3 logs
request lines with an Azure SAS ``sig=``; botocore logs request headers with
``X-Amz-Security-Token`` and the ``Authorization`` signature, and its canonical request;
google-auth attaches request headers (``Authorization: Bearer ...``) to its records as
structured ``extra`` data. Users switch DEBUG on to debug exactly these clients.

:class:`SecretRedactingFilter` masks, in a record's message, arguments, ``extra``
attributes, exception text and stack text:

- URL and connection-string parameters: ``sig``, ``Signature``, ``X-Amz-Signature``,
  ``X-Amz-Security-Token``, ``X-Goog-Signature``, ``X-Goog-Credential``, ``AccountKey``,
  ``SharedAccessSignature``, ``access_token`` and the like;
- headers and fields, as text (``Authorization: ...``), in dict reprs
  (``'Authorization': b'AWS4-HMAC-SHA256 ...'``) and as dict keys: ``Authorization``,
  ``X-Amz-Security-Token``, ``x-goog-*`` keys and signatures, ``Cookie``, OAuth fields;
- credential shapes wherever they appear: ``Bearer <token>``, ``SharedKey account:<sig>``,
  PEM private keys;
- every exact value given to :func:`register_secret` (the Coda API token, account keys),
  also URL-encoded.

:func:`install_log_redaction` (idempotent) applies it to every record of the libraries'
logger hierarchies. A filter on a logger sees only records logged on that very logger, not
on its children (``botocore.endpoint``, ``azure.core.pipeline.policies.http_logging_policy``
and the rest, many created lazily on first use), and a filter on a handler only what that
handler gets; so the filter is attached to the named loggers and their existing children,
and the log-record factory is wrapped so that records of those hierarchies are masked as
they are created, whichever logger, child or handler they go to later.
"""

from __future__ import annotations

import logging
import re
import threading
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol, TypeVar

__all__ = [
    "COVERED_LOGGERS",
    "REDACTED",
    "SecretRedactingFilter",
    "install_log_redaction",
    "redact",
    "redact_record",
    "register_secret",
]

K = TypeVar("K")

#: What a masked value is replaced with.
REDACTED = "<redacted>"

#: The logger hierarchies whose records are masked by :func:`install_log_redaction`.
COVERED_LOGGERS: tuple[str, ...] = (
    "urllib3",
    "requests",
    "botocore",
    "boto3",
    "s3transfer",
    "azure",  # azure.core.pipeline.policies.http_logging_policy, azure.storage.blob, ...
    "google",  # google.auth, google.cloud, google.resumable_media, google.api_core
    "google_auth_httplib2",
    "msal",
    "httpx",
    "httpcore",
    "hpack",  # HTTP/2 header compression logs header values
    "h2",
    "codomyrmex_cloud",
    "codomyrmex_coda_api",
)

# Registered values shorter than this are not masked: masking "abc" everywhere would mangle
# unrelated text, and no real credential is that short.
MIN_SECRET_LENGTH = 8

# Header, field and dict-key names whose value is a secret (lower case).
_SECRET_FIELDS = (
    "authorization",
    "proxy-authorization",
    "x-amz-security-token",
    "x-amz-signature",
    "x-amz-server-side-encryption-customer-key",
    "x-amz-copy-source-server-side-encryption-customer-key",
    "x-goog-signature",
    "x-goog-credential",
    "x-goog-api-key",
    "x-goog-encryption-key",
    "x-goog-copy-source-encryption-key",
    "x-ms-encryption-key",
    "x-ms-copy-source-authorization",
    "x-api-key",
    "cookie",
    "set-cookie",
    "accountkey",
    "sharedaccesssignature",
    "sharedaccesskey",
    "access_token",
    "accesstoken",
    "refresh_token",
    "id_token",
    "client_secret",
    "private_key",
    "assertion",
    "password",
    "sig",
    "signature",
)
_SECRET_KEYS = frozenset(_SECRET_FIELDS)
_FIELD_NAMES = "|".join(sorted((re.escape(name) for name in _SECRET_FIELDS), key=len, reverse=True))

# `name=value` in query strings and connection strings; SharedAccessSignature runs to the
# next `;` because its value is itself a query string.
_SAS_FIELD = re.compile(r"(?i)(?<![\w-])(SharedAccessSignature=)([^;\s'\"<>]+)")
_PARAM = re.compile(rf"(?i)(?<![\w-])({_FIELD_NAMES})=([^&;\s'\"<>,]+)")
# `name: value`, `'name': 'value'`, `"name": b"value"`; the value may start on the next
# line (botocore logs "Signature:\n<hex>"); a bare value runs to the end of the line (a comma
# or brace ends it too, where a dict repr would go on).
_HEADER = re.compile(
    rf"(?i)(?<![\w-])(?P<q>[\"']?)(?P<name>{_FIELD_NAMES})(?P=q)(?P<sep>[ \t]*:[ \t]*(?:\r?\n)?[ \t]*)"
    r"(?P<value>b?'[^'\r\n]*'|b?\"[^\"\r\n]*\"|[^\s,}][^\r\n,}]*)"
)
_BEARER = re.compile(r"(?i)\b(Bearer)(\s+)[A-Za-z0-9\-._~+/]{8,}=*")
_SHARED_KEY = re.compile(r"(?i)\b(SharedKey(?:Lite)?\s+[^:\s'\"]+:)[A-Za-z0-9+/]+=*")
_PEM = re.compile(r"-----BEGIN ([A-Z ]*)PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.DOTALL)


def _masked_value(value: str) -> str:
    """``REDACTED`` in the quoting of the value it replaces."""
    for prefix in ("b'", 'b"', "'", '"'):
        if value.startswith(prefix):
            return f"{prefix}{REDACTED}{prefix[-1]}"
    return REDACTED


class _Registry:
    """Exact secret values to mask, compiled into one pattern (longest first)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self.pattern: re.Pattern[str] | None = None

    def add(self, value: str) -> None:
        variants = {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value, safe="")}
        with self._lock:
            if variants <= self._values:
                return
            self._values |= variants
            alternatives = sorted((re.escape(v) for v in self._values), key=len, reverse=True)
            self.pattern = re.compile("|".join(alternatives))


_registry = _Registry()


def register_secret(value: str) -> None:
    """Mask every occurrence of ``value`` (and its URL-encoded forms) from now on.

    Clients register the secrets they are given (API tokens, account keys), so that a
    library that logs one verbatim, in whatever format, is still masked. Values shorter than
    8 characters are not registered: masking them would mangle unrelated text.

    Args:
        value: The secret, exactly as it could appear in a log line.

    Raises:
        TypeError: ``value`` is not a string.
        ValueError: ``value`` is empty or only whitespace.
    """
    if not isinstance(value, str):
        raise TypeError(f"value must be a str, got {type(value).__name__}")
    if not value.strip():
        raise ValueError("value must be a non-empty secret")
    if len(value) >= MIN_SECRET_LENGTH and value not in REDACTED:  # masking the mask would never end
        _registry.add(value)


def redact(text: str) -> str:
    """``text`` with every secret this module knows how to find replaced by ``<redacted>``.

    Idempotent: redacting a redacted text changes nothing.
    """
    if "PRIVATE KEY-----" in text:
        text = _PEM.sub(rf"-----BEGIN \1PRIVATE KEY-----{REDACTED}-----END \1PRIVATE KEY-----", text)
    registered = _registry.pattern
    if registered is not None:
        text = registered.sub(REDACTED, text)
    text = _SHARED_KEY.sub(rf"\1{REDACTED}", text)
    text = _BEARER.sub(rf"\1\2{REDACTED}", text)
    text = _HEADER.sub(lambda m: f"{m['q']}{m['name']}{m['q']}{m['sep']}{_masked_value(m['value'])}", text)
    text = _SAS_FIELD.sub(rf"\1{REDACTED}", text)
    return _PARAM.sub(rf"\1={REDACTED}", text)


def _redact_bytes(data: bytes) -> bytes:
    # surrogateescape round-trips any bytes, so only the masked parts change.
    text = data.decode("utf-8", "surrogateescape")
    masked = redact(text)
    return data if masked == text else masked.encode("utf-8", "surrogateescape")


class _Shown:
    """Stands in for an object whose str() or repr() held a secret, showing the masked
    text in both, so ``%s`` and ``%r`` format exactly as before, minus the secret."""

    __slots__ = ("_repr", "_str")

    def __init__(self, shown: str, represented: str) -> None:
        self._str = shown
        self._repr = represented

    def __str__(self) -> str:
        return self._str

    def __repr__(self) -> str:
        return self._repr

    def __format__(self, spec: str) -> str:
        return format(self._str, spec)


def _is_secret_key(key: object) -> bool:
    if isinstance(key, bytes):
        key = key.decode("latin-1")
    return isinstance(key, str) and key.strip().lower() in _SECRET_KEYS


def _mask_whole(value: object) -> object:
    if isinstance(value, bytes | bytearray):
        return REDACTED.encode()
    return REDACTED


def _redact_mapping(mapping: Mapping[K, object], depth: int = 0) -> dict[K, object]:
    """A dict of ``mapping`` whose secret-named keys have their values masked whole."""
    return {
        key: _mask_whole(item) if _is_secret_key(key) else _redact_value(item, depth + 1)
        for key, item in mapping.items()
    }


def _redact_value(value: object, depth: int = 0) -> object:
    """``value`` with secrets masked, keeping its type where it is a plain container."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bytes | bytearray):
        return _redact_bytes(bytes(value))
    if depth < 8:
        # Exactly dict/list/tuple: a subclass may have its own repr, so it is shown by text.
        if isinstance(value, dict) and type(value) is dict:
            return _redact_mapping(value, depth)
        if isinstance(value, list | tuple) and type(value) in (list, tuple):
            items = [_redact_value(item, depth + 1) for item in value]
            return items if isinstance(value, list) else tuple(items)
    # Anything else (header objects, prepared requests, exceptions): shown by its text.
    try:
        shown, represented = str(value), repr(value)
    except Exception:  # a broken __str__ must not break logging
        return value
    masked_str, masked_repr = redact(shown), redact(represented)
    if masked_str == shown and masked_repr == represented:
        return value
    return _Shown(masked_str, masked_repr)


# Attributes every LogRecord has; anything else came in through ``extra=``.
_STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
}
_MARK = "_codomyrmex_redacted"
_exception_formatter = logging.Formatter()


def redact_record(record: logging.LogRecord) -> None:
    """Mask secrets in ``record`` in place.

    The message, arguments, exception and stack text are masked once (a record is marked);
    ``extra`` attributes every time, since ``Logger.makeRecord`` adds them only after the
    record factory has run.
    """
    if not record.__dict__.get(_MARK):
        record.__dict__[_MARK] = True
        _redact_message(record)
    for name, value in list(record.__dict__.items()):
        if name not in _STANDARD_ATTRIBUTES and name != _MARK:
            record.__dict__[name] = _redact_value(value)


def _redact_message(record: logging.LogRecord) -> None:
    if not record.args:
        record.msg = _redact_value(record.msg)
    # With arguments the message is a format string from the library's code: left alone, so
    # its placeholders survive; the secrets come in through the arguments.
    elif isinstance(record.args, Mapping):
        record.args = _redact_mapping(record.args)
    else:
        record.args = tuple(_redact_value(arg) for arg in record.args)
    try:
        message = record.getMessage()
    except Exception:  # a malformed record is logging's to report, not ours
        message = None
    if message is not None and redact(message) != message:
        # A secret only visible once the arguments meet (a header name in one, its value
        # in the next): keep the masked message, drop the arguments.
        record.msg, record.args = redact(message), ()
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        # Formatters use a record's exc_text when it is set instead of rendering exc_info.
        record.exc_text = redact(_exception_formatter.formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


class SecretRedactingFilter(logging.Filter):
    """A ``logging.Filter`` that masks secrets in every record it sees and drops none.

    Attach it to a handler to mask everything that handler emits, or let
    :func:`install_log_redaction` apply it to the SDK libraries' records.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask ``record`` in place; always keep it."""
        redact_record(record)
        return True


class _RecordFactory(Protocol):
    def __call__(self, *args: object, **kwargs: object) -> logging.LogRecord: ...


_install_lock = threading.Lock()
_FILTER = SecretRedactingFilter()


def _covers(name: str, prefixes: tuple[str, ...]) -> bool:
    return name in prefixes or name.startswith(tuple(f"{prefix}." for prefix in prefixes))


def _wrap_factory(previous: Callable[..., logging.LogRecord], prefixes: tuple[str, ...]) -> _RecordFactory:
    dotted = tuple(f"{prefix}." for prefix in prefixes)

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if record.name in prefixes or record.name.startswith(dotted):
            redact_record(record)
            # The logger's own filter runs next (Logger.handle), when the record also
            # carries its ``extra`` attributes; a child created after install gets it here.
            logger = logging.getLogger(record.name)
            if _FILTER not in logger.filters:
                logger.addFilter(_FILTER)
        return record

    factory.__dict__["codomyrmex_redaction"] = prefixes
    return factory


def install_log_redaction(extra_loggers: Iterable[str] = ()) -> SecretRedactingFilter:
    """Mask secrets in every record of the SDK libraries' loggers (:data:`COVERED_LOGGERS`).

    Idempotent: calling it again (every client constructor may) adds nothing twice. It
    attaches the filter to the covered loggers and their existing children, and wraps the
    log-record factory so that children created later are covered as well.

    Args:
        extra_loggers: More logger hierarchies to cover (by name).

    Returns:
        The filter, to attach to handlers of your own if you wish.

    Raises:
        TypeError: ``extra_loggers`` is a string (pass a list of names).
    """
    if isinstance(extra_loggers, str):
        raise TypeError("extra_loggers must be an iterable of logger names, not a str")
    prefixes = tuple(dict.fromkeys((*COVERED_LOGGERS, *extra_loggers)))
    with _install_lock:
        current = logging.getLogRecordFactory()
        installed: tuple[str, ...] = getattr(current, "__dict__", {}).get("codomyrmex_redaction", ())
        if not set(prefixes) <= set(installed):
            # Wrap the factory in place now (a wrapped one keeps working underneath).
            logging.setLogRecordFactory(_wrap_factory(current, tuple(dict.fromkeys((*installed, *prefixes)))))
        existing = [name for name in logging.Logger.manager.loggerDict if _covers(name, prefixes)]
        for name in {*prefixes, *existing}:
            logger = logging.getLogger(name)
            if _FILTER not in logger.filters:
                logger.addFilter(_FILTER)
    return _FILTER
