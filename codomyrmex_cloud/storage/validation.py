"""Argument checks every store runs first, before any request is sent or any file is touched.

Every refusal is an :class:`InvalidArgumentError` whose message and ``argument`` attribute
name the argument. The rules are per service (``Rules``), and ``PORTABLE`` (what LocalStore
enforces) accepts exactly what every cloud accepts, so code tested on a local folder works
on S3, GCS and Azure.

Keys (one rule for every store): a string of valid Unicode that is not blank (empty or only
whitespace: an unset variable, not a name), at most 1,024 bytes of UTF-8 (the S3/GCS/Azure
limit), with no control characters, no backslash (some services and HTTP stacks turn it into
``/``), no ``.`` or ``..`` path segment (HTTP stacks collapse them, which once let an Azure
key escape its container) and no empty segment (a leading ``/`` or ``//``, which
S3-compatible servers such as SeaweedFS collapse). Such keys are refused rather than
encoded, so a key means the same object on every store; everything else (``%2e%2e/x``,
spaces within a key, ``?``, ``#``, a trailing ``/``) is stored literally.

Buckets: each service's naming rule (``Rules.bucket_create``, wider ``bucket_address`` for
names that may already exist), stated in words in the message that refuses a name. A blank
bucket (or folder) is refused on every store.

Plain files (``FileSystemStore``, rules ``FILES``): a "bucket" is a folder path and a key a
file path inside it, so a key must also not end in ``/`` (a folder, not a file); options a
plain file cannot keep (metadata, content headers, tags, storage class, encryption,
``if_match``, versions) are refused with :class:`UnsupportedOperationError`.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from codomyrmex_cloud.storage.errors import InvalidArgumentError, UnsupportedOperationError
from codomyrmex_cloud.storage.types import (
    CustomerKey,
    Encryption,
    EncryptionScope,
    KmsKey,
    ManagedKey,
    PathLike,
)

MAX_KEY_BYTES = 1024
#: S3 and GCS refuse signed URLs valid longer than 7 days; Azure SAS gets the same bound.
MAX_SIGNED_URL_SECONDS = 7 * 24 * 3600
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

ServiceName = Literal["portable", "s3", "gcs", "azure", "files"]


@dataclass(frozen=True)
class Rules:
    """What one service accepts, checked locally before anything is sent."""

    service: ServiceName
    #: Names a new bucket may have (``create_bucket``).
    bucket_create: re.Pattern[str]
    #: Names an existing bucket may have (every other call): wider for legacy S3 names.
    bucket_address: re.Pattern[str]
    #: What a bucket is called in this service's messages ("S3 bucket", "Azure container").
    bucket_kind: str = "bucket"
    #: ``bucket_create`` in words: the message that refuses a new bucket's name states it.
    bucket_rule: str = ""
    #: ``bucket_address`` in words, where it is wider than ``bucket_rule``.
    bucket_address_rule: str = ""
    #: Reserved bucket prefixes/suffixes/substrings refused on create.
    bucket_reserved: tuple[str, ...] = ()
    #: Metadata keys (lowercase everywhere: S3 lowercases them, so any other spelling would
    #: not round-trip).
    metadata_key: re.Pattern[str] = re.compile(r"^[a-z0-9_][a-z0-9_-]*$")
    #: Metadata values must be printable ASCII (S3 and Azure send them as raw headers).
    metadata_ascii: bool = True
    #: Sum of metadata key and value bytes.
    metadata_max_bytes: int = 2048
    storage_classes: frozenset[str] = frozenset()
    encryption: tuple[type, ...] = ()
    tags: bool = True
    #: Buckets are folder paths and keys file paths (plain files on disk).
    folders: bool = False
    #: Objects keep user metadata.
    metadata: bool = True
    #: Objects keep ``Cache-Control``, ``Content-Encoding`` and ``Content-Disposition``.
    content_headers: bool = True
    #: Objects have entity tags (``if_match`` can be checked).
    etags: bool = True
    #: Objects have version ids (``version_id`` can be read and deleted).
    versions: bool = True


_S3_CLASSES = frozenset(
    {
        "STANDARD",
        "REDUCED_REDUNDANCY",
        "STANDARD_IA",
        "ONEZONE_IA",
        "INTELLIGENT_TIERING",
        "GLACIER",
        "GLACIER_IR",
        "DEEP_ARCHIVE",
        "EXPRESS_ONEZONE",
    }
)
_GCS_CLASSES = frozenset({"STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE"})
_AZURE_TIERS = frozenset({"Hot", "Cool", "Cold", "Archive"})
_AZURE_CONTAINER = r"[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}"
_AZURE_CONTAINER_RULE = (
    "3-63 characters: lower-case letters, digits and hyphens, starting and ending with a letter or"
    " digit, with no two hyphens in a row"
)

S3 = Rules(
    service="s3",
    bucket_create=re.compile(r"^[a-z0-9](?:[a-z0-9-]|\.(?!\.)){1,61}[a-z0-9]$"),
    # Buckets created in us-east-1 before 2018 may have upper case and underscores, and an
    # access point ARN is a valid Bucket parameter.
    bucket_address=re.compile(r"^(?:[A-Za-z0-9._-]{3,255}|arn:[A-Za-z0-9:/._-]+)$"),
    bucket_kind="S3 bucket",
    bucket_rule=(
        "3-63 characters: lower-case letters, digits, dots and hyphens, starting and ending with a"
        " letter or digit, with no two dots in a row"
    ),
    bucket_address_rule=(
        "3-255 letters, digits, dots, underscores and hyphens (a new bucket: 3-63 lower-case"
        " letters, digits, dots and hyphens), or an access point ARN"
    ),
    bucket_reserved=("xn--", "sthree-", "amzn-s3-demo-", "-s3alias", "--ol-s3", "--x-s3", ".mrap", "--table-s3"),
    storage_classes=_S3_CLASSES,
    encryption=(ManagedKey, KmsKey, CustomerKey),
)
GCS = Rules(
    service="gcs",
    # 3-63 characters, or up to 222 with dots when no dot-separated part is over 63.
    bucket_create=re.compile(r"^(?=.{3,222}$)(?!.*[^.]{64})[a-z0-9](?:[a-z0-9_-]|\.(?!\.)){0,220}[a-z0-9]$"),
    bucket_address=re.compile(r"^(?=.{3,222}$)(?!.*[^.]{64})[a-z0-9](?:[a-z0-9_-]|\.(?!\.)){0,220}[a-z0-9]$"),
    bucket_kind="GCS bucket",
    bucket_rule=(
        "3-63 characters, or up to 222 with dots where no dot-separated part is over 63: lower-case"
        " letters, digits, hyphens, underscores and dots, starting and ending with a letter or digit,"
        " with no two dots in a row"
    ),
    bucket_reserved=("goog", "google", "g00gle"),
    metadata_ascii=False,  # the JSON API carries UTF-8
    metadata_max_bytes=8192,
    storage_classes=_GCS_CLASSES,
    encryption=(ManagedKey, KmsKey, CustomerKey),
    tags=False,
)
AZURE = Rules(
    service="azure",
    bucket_create=re.compile(rf"^{_AZURE_CONTAINER}$"),
    bucket_address=re.compile(rf"^(?:{_AZURE_CONTAINER}|\$root|\$web|\$logs)$"),
    bucket_kind="Azure container",
    bucket_rule=_AZURE_CONTAINER_RULE,
    bucket_address_rule=f"{_AZURE_CONTAINER_RULE}; or $root, $web or $logs",
    # Azure metadata names are C# identifiers: no hyphen.
    metadata_key=re.compile(r"^[a-z_][a-z0-9_]*$"),
    metadata_max_bytes=8192,
    storage_classes=_AZURE_TIERS,
    encryption=(ManagedKey, EncryptionScope, CustomerKey),
)
#: The intersection of the three clouds: what LocalStore enforces.
PORTABLE = Rules(
    service="portable",
    bucket_create=re.compile(rf"^{_AZURE_CONTAINER}$"),
    bucket_address=re.compile(rf"^{_AZURE_CONTAINER}$"),
    bucket_kind="portable bucket (one every cloud accepts)",
    bucket_rule=_AZURE_CONTAINER_RULE,
    bucket_reserved=(*S3.bucket_reserved, *GCS.bucket_reserved),
    metadata_key=AZURE.metadata_key,
    storage_classes=_S3_CLASSES | _GCS_CLASSES | _AZURE_TIERS,
    encryption=(),
)
#: Plain files on disk (FileSystemStore): buckets are folders (checked by ``check_folder``,
#: so the name patterns accept any text), and a file keeps nothing but its bytes.
FILES = Rules(
    service="files",
    bucket_create=re.compile(r"(?s).+"),
    bucket_address=re.compile(r"(?s).+"),
    bucket_kind="folder",
    tags=False,
    folders=True,
    metadata=False,
    content_headers=False,
    etags=False,
    versions=False,
)


def _refuse(argument: str, message: str, *, bucket: str | None = None, key: str | None = None) -> InvalidArgumentError:
    return InvalidArgumentError(f"{argument}: {message}", argument=argument, bucket=bucket, key=key)


def _text(value: object, argument: str) -> str:
    if not isinstance(value, str):
        raise _refuse(argument, f"must be a str, not {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _refuse(argument, f"{value!r} is not valid Unicode (it holds a lone surrogate)") from None
    return value


# Names ---------------------------------------------------------------------------------


def check_bucket(bucket: object, rules: Rules, *, creating: bool = False, argument: str = "bucket") -> str:
    """Return ``bucket`` if the service accepts it as a bucket name, else refuse it.

    For plain files (``rules.folders``) a bucket is a folder path: see :func:`check_folder`.
    """
    if rules.folders:
        return check_folder(bucket, argument=argument)
    name = _text(bucket, argument)
    pattern = rules.bucket_create if creating else rules.bucket_address
    if not name.strip():
        raise _refuse(argument, f"{name!r} is blank; name the {rules.bucket_kind}")
    if not pattern.fullmatch(name):
        rule = rules.bucket_rule if creating else rules.bucket_address_rule or rules.bucket_rule
        raise _refuse(argument, f"{name!r} is not a valid {rules.bucket_kind} name: {rule}")
    if creating:
        try:
            ipaddress.ip_address(name)
        except ValueError:
            pass
        else:
            raise _refuse(argument, f"{name!r} looks like an IP address")
        for reserved in rules.bucket_reserved:
            if (
                name.startswith(reserved)
                or name.endswith(reserved)
                or (reserved in ("google", "g00gle") and reserved in name)
            ):
                raise _refuse(argument, f"{name!r} uses the reserved name part {reserved!r}")
    return name


def check_folder(folder: object, *, argument: str = "bucket") -> str:
    """A folder path standing for a bucket (plain files): a str that is not blank (empty or
    only whitespace, almost always a mistake such as an unset variable) and holds no NUL."""
    text = _text(folder, argument)
    if not text.strip() or "\x00" in text:
        raise _refuse(argument, f"{text!r} is not a folder path (one that is not blank and holds no NUL)")
    return text


def check_key(key: object, *, argument: str = "key", bucket: str | None = None, file: bool = False) -> str:
    """Return ``key`` if it is a valid object key on every store (see the module docstring).

    With ``file`` (plain files), the key must also name a file: no trailing ``/``.
    """
    text = _text(key, argument)
    if not text.strip():
        raise _refuse(argument, f"{text!r} is blank: a key must hold a character other than whitespace", bucket=bucket)
    size = len(text.encode("utf-8"))
    if size > MAX_KEY_BYTES:
        raise _refuse(argument, f"is {size} bytes of UTF-8; the limit is {MAX_KEY_BYTES}", bucket=bucket)
    control = _CONTROL.search(text)
    if control:
        raise _refuse(argument, f"{text!r} contains the control character {control.group()!r}", bucket=bucket)
    if "\\" in text:
        raise _refuse(argument, f"{text!r} contains a backslash, which some services turn into '/'", bucket=bucket)
    if any(segment in (".", "..") for segment in text.split("/")):
        raise _refuse(argument, f"{text!r} has a '.' or '..' path segment, which HTTP stacks collapse", bucket=bucket)
    if text.startswith("/") or "//" in text:
        raise _refuse(
            argument,
            f"{text!r} has an empty path segment (a leading '/' or '//'), which some servers collapse",
            bucket=bucket,
        )
    if file and text.endswith("/"):
        raise _refuse(argument, f"{text!r} ends in '/': it names a folder, not a file", bucket=bucket)
    return text


def check_keys(keys: object, *, bucket: str, file: bool = False) -> list[str]:
    """Validate a whole batch of keys before the first is acted on."""
    if isinstance(keys, str | bytes) or not isinstance(keys, Iterable):
        raise _refuse("keys", f"must be an iterable of keys, not {type(keys).__name__}", bucket=bucket)
    return [check_key(key, argument="keys", bucket=bucket, file=file) for key in keys]


def check_prefix(prefix: object, *, argument: str = "prefix") -> str:
    """A listing prefix: any valid key text, or empty."""
    text = _text(prefix, argument)
    if _CONTROL.search(text):
        raise _refuse(argument, f"{text!r} contains a control character")
    if len(text.encode("utf-8")) > MAX_KEY_BYTES:
        raise _refuse(argument, f"is longer than {MAX_KEY_BYTES} bytes")
    return text


def check_delimiter(delimiter: object) -> str | None:
    """None, or a non-empty string."""
    if delimiter is None:
        return None
    text = _text(delimiter, "delimiter")
    if not text or _CONTROL.search(text):
        raise _refuse("delimiter", "must be None or a non-empty string without control characters")
    return text


# Numbers -------------------------------------------------------------------------------


def _integer(value: object, argument: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _refuse(argument, f"must be an int, not {type(value).__name__}")
    return value


def check_positive_int(value: object, argument: str, *, allow_none: bool = False) -> int | None:
    """A positive integer (or None when allowed)."""
    if value is None and allow_none:
        return None
    number = _integer(value, argument)
    if number < 1:
        raise _refuse(argument, f"must be at least 1, got {number}")
    return number


def check_seconds(value: object, argument: str, *, allow_none: bool = True) -> float | None:
    """A positive, finite number of seconds (``timeout``, ``deadline``), or None when allowed."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _refuse(argument, f"must be a number of seconds, not {type(value).__name__}")
    seconds = float(value)
    if not math.isfinite(seconds) or seconds <= 0:
        raise _refuse(argument, f"must be a positive, finite number of seconds, got {value!r}")
    return seconds


def check_range(start: object, end: object) -> tuple[int, int | None]:
    """``start`` >= 0 and ``end`` (exclusive) >= ``start``, or None for "to the end"."""
    first = _integer(start, "start")
    if first < 0:
        raise _refuse("start", f"must be >= 0, got {first}")
    if end is None:
        return first, None
    last = _integer(end, "end")
    if last < first:
        raise _refuse("end", f"must be >= start ({first}), got {last}")
    return first, last


def check_expiry(expires_in: object, *, maximum: int = MAX_SIGNED_URL_SECONDS) -> int:
    """Seconds a signed URL stays valid: 1 .. 7 days (int seconds or a timedelta)."""
    if isinstance(expires_in, timedelta):
        seconds = expires_in.total_seconds()
        if seconds != int(seconds):
            raise _refuse("expires_in", "must be a whole number of seconds")
        value = int(seconds)
    else:
        value = _integer(expires_in, "expires_in")
    if value <= 0 or value > maximum:
        raise _refuse("expires_in", f"must be between 1 and {maximum} seconds (7 days), got {value}")
    return value


# Headers, metadata, conditions ---------------------------------------------------------


def check_header(value: object, argument: str) -> str | None:
    """An HTTP header value we send (content type, cache control, ...): printable ASCII."""
    if value is None:
        return None
    text = _text(value, argument)
    if not text or not all(" " <= ch <= "~" for ch in text):
        raise _refuse(argument, f"{text!r} must be non-empty printable ASCII (no CR, LF or control characters)")
    return text


def check_metadata(metadata: object, rules: Rules) -> dict[str, str]:
    """User metadata the service stores and returns unchanged, or refuse it whole."""
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping):
        raise _refuse("metadata", f"must be a mapping of str to str, not {type(metadata).__name__}")
    if metadata and not rules.metadata:
        raise UnsupportedOperationError(f"metadata: {rules.service} objects keep no user metadata")
    checked: dict[str, str] = {}
    total = 0
    for name, value in metadata.items():
        if not isinstance(name, str) or not rules.metadata_key.fullmatch(name):
            raise _refuse(
                "metadata",
                f"key {name!r} is not accepted by {rules.service}: use lower-case letters, digits"
                + (" and _" if rules.metadata_key is AZURE.metadata_key else ", _ and -"),
            )
        if not isinstance(value, str):
            raise _refuse("metadata", f"value of {name!r} must be a str, not {type(value).__name__}")
        _text(value, "metadata")
        if _CONTROL.search(value):
            raise _refuse("metadata", f"value of {name!r} contains a control character")
        if rules.metadata_ascii and not all(" " <= ch <= "~" for ch in value):
            raise _refuse("metadata", f"value of {name!r} must be printable ASCII on {rules.service}")
        if value != value.strip():
            raise _refuse("metadata", f"value of {name!r} has leading or trailing spaces, which headers lose")
        total += len(name.encode()) + len(value.encode())
        checked[name] = value
    if total > rules.metadata_max_bytes:
        raise _refuse("metadata", f"is {total} bytes; {rules.service} stores at most {rules.metadata_max_bytes}")
    return checked


def check_tags(tags: object, rules: Rules) -> dict[str, str]:
    """Object tags: at most 10, keys 1-128 and values 0-256 characters (S3 and Azure)."""
    if tags is None:
        return {}
    if not rules.tags:
        hint = " (use metadata)" if rules.metadata else ""
        raise UnsupportedOperationError(f"tags: {rules.service} has no object tags{hint}")
    if not isinstance(tags, Mapping):
        raise _refuse("tags", f"must be a mapping of str to str, not {type(tags).__name__}")
    allowed = re.compile(r"^[A-Za-z0-9 +\-=._:/@]*$")
    checked: dict[str, str] = {}
    for name, value in tags.items():
        if not isinstance(name, str) or not 1 <= len(name) <= 128 or not allowed.fullmatch(name):
            raise _refuse("tags", f"key {name!r} must be 1-128 letters, digits, spaces or + - = . _ : / @")
        if not isinstance(value, str) or len(value) > 256 or not allowed.fullmatch(value):
            raise _refuse("tags", f"value of {name!r} must be 0-256 letters, digits, spaces or + - = . _ : / @")
        checked[name] = value
    if len(checked) > 10:
        raise _refuse("tags", f"{len(checked)} tags; the limit is 10")
    return checked


def check_etag(value: object, argument: str) -> str | None:
    """An entity tag for ``if_match``: a non-empty token (quotes are optional)."""
    if value is None:
        return None
    text = _text(value, argument)
    bare = text.strip('"')
    if not bare or not all(" " < ch <= "~" for ch in bare) or bare == "*":
        raise _refuse(argument, f"{text!r} is not an entity tag (a non-empty printable token, not '*')")
    return bare


def check_conditions(if_match: object, if_none_match: object) -> tuple[str | None, bool]:
    """``(etag, create_only)``: at most one condition, each well formed."""
    if if_none_match not in (None, "*"):
        raise _refuse("if_none_match", 'accepts only "*" (write only if no object exists)')
    etag = check_etag(if_match, "if_match")
    if etag is not None and if_none_match is not None:
        raise _refuse("if_match", "pass if_match or if_none_match, not both")
    return etag, if_none_match == "*"


def check_version_id(value: object, rules: Rules | None = None) -> str | None:
    """A version id as the service reported it (refused where objects have no versions)."""
    if value is None:
        return None
    if rules is not None and not rules.versions:
        raise UnsupportedOperationError(f"version_id: {rules.service} objects have no versions")
    text = _text(value, "version_id")
    if not text or not all(" " < ch <= "~" for ch in text):
        raise _refuse("version_id", f"{text!r} is not a version id")
    return text


def check_storage_class(value: object, rules: Rules) -> str | None:
    """A storage class (tier) the service has."""
    if value is None:
        return None
    if not rules.storage_classes:
        raise UnsupportedOperationError(f"storage_class: {rules.service} has no storage classes")
    text = _text(value, "storage_class")
    if text not in rules.storage_classes:
        raise _refuse(
            "storage_class", f"{text!r} is not a {rules.service} storage class: {sorted(rules.storage_classes)}"
        )
    return text


def check_encryption(value: object, rules: Rules, *, argument: str = "encryption") -> Encryption | None:
    """An encryption setting this service supports."""
    if value is None:
        return None
    if not isinstance(value, ManagedKey | KmsKey | EncryptionScope | CustomerKey):
        raise _refuse(
            argument, f"must be ManagedKey, KmsKey, EncryptionScope or CustomerKey, not {type(value).__name__}"
        )
    if not isinstance(value, rules.encryption):
        raise UnsupportedOperationError(f"{argument}: {type(value).__name__} is not available on {rules.service}")
    if isinstance(value, CustomerKey) and (not isinstance(value.key, bytes) or len(value.key) != 32):
        raise _refuse(argument, "a CustomerKey is 32 bytes (AES-256)")
    if isinstance(value, KmsKey) and (not isinstance(value.key_id, str) or not value.key_id.strip()):
        raise _refuse(argument, "KmsKey.key_id must be a non-empty string")
    if isinstance(value, EncryptionScope) and (not isinstance(value.name, str) or not value.name.strip()):
        raise _refuse(argument, "EncryptionScope.name must be a non-empty string")
    return value


def check_customer_key(value: object, rules: Rules, *, argument: str = "customer_key") -> CustomerKey | None:
    """The key a read (or a copy's source) needs for an object written with ``CustomerKey``
    encryption."""
    if value is None:
        return None
    if not isinstance(value, CustomerKey):
        raise _refuse(argument, f"must be a CustomerKey, not {type(value).__name__}")
    checked = check_encryption(value, rules, argument=argument)
    assert isinstance(checked, CustomerKey)
    return checked


def check_method(method: object) -> Literal["GET", "PUT"]:
    """``GET`` or ``PUT`` (case-insensitive)."""
    text = _text(method, "method").upper()
    if text == "GET":
        return "GET"
    if text == "PUT":
        return "PUT"
    raise _refuse("method", f"signed URLs grant GET or PUT, not {method!r}")


# Local paths ---------------------------------------------------------------------------


def check_download_path(local_path: object) -> Path:
    """A file path a download may replace: not a directory, in an existing folder."""
    if not isinstance(local_path, str | Path) and not hasattr(local_path, "__fspath__"):
        raise _refuse("local_path", f"must be a path, not {type(local_path).__name__}")
    _no_nul(local_path)
    path = Path(local_path)
    if str(path) == "" or path.is_dir():
        raise _refuse("local_path", f"{str(path)!r} is a directory; name the file to write")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise _refuse("local_path", f"the folder of {str(path)!r} does not exist")
    return path


def check_upload_path(local_path: PathLike) -> Path:
    """An existing regular file to upload."""
    if not isinstance(local_path, str | Path) and not hasattr(local_path, "__fspath__"):
        raise _refuse("local_path", f"must be a path, not {type(local_path).__name__}")
    _no_nul(local_path)
    path = Path(local_path)
    if not path.exists():
        raise _refuse("local_path", f"{str(path)!r} does not exist")
    if not path.is_file():
        raise _refuse("local_path", f"{str(path)!r} is not a regular file")
    return path


def _no_nul(local_path: object, argument: str = "local_path") -> None:
    if "\x00" in str(local_path):
        raise _refuse(argument, "contains a NUL character, which no file path can hold")


def check_root(root: object, *, argument: str = "root") -> Path:
    """A folder to keep objects in: a path (str or PathLike) without NUL that is not a file."""
    if not isinstance(root, str | Path) and not hasattr(root, "__fspath__"):
        raise _refuse(argument, f"must be a path, not {type(root).__name__}")
    _no_nul(root, argument)
    path = Path(root)
    if str(root) == "" or (path.exists() and not path.is_dir()):
        raise _refuse(argument, f"{str(path)!r} is not a folder")
    return path


# Client configuration ------------------------------------------------------------------


def check_flag(value: object, argument: str) -> bool:
    """``value`` if it is a ``bool`` (``bool("no")`` is True: a string is refused, not converted)."""
    if not isinstance(value, bool):
        raise _refuse(argument, f"must be True or False, not {value!r}")
    return value


def check_callback(value: object, argument: str = "progress") -> None:
    """None, or something callable (``progress(done, total)``)."""
    if value is not None and not callable(value):
        raise _refuse(argument, f"must be a callable or None, not {type(value).__name__}")


def check_endpoint(value: object, argument: str, *, path: bool = False, query: bool = False) -> str | None:
    """None, or the URL of a service: ``http(s)://host[:port]``.

    Refused: another scheme or none (``127.0.0.1:9000``), no host, a user or password (they
    would be logged), a fragment, whitespace; a path unless ``path`` (an S3 endpoint with a
    path sends every request under it: ``http://host/bucket`` would address bucket "bucket");
    a query unless ``query`` (Azure's account URL may carry a SAS).
    """
    if value is None:
        return None
    text = _text(value, argument)
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise _refuse(argument, f"{text!r} is not a URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _refuse(argument, f"{text!r} must be an http:// or https:// URL with a host")
    if parts.username is not None or parts.password is not None:
        raise _refuse(argument, "must not hold a user name or password (pass credentials separately)")
    if any(ch.isspace() or not ch.isprintable() for ch in text):
        raise _refuse(argument, f"{text!r} contains whitespace or a control character")
    if parts.fragment or text.endswith("#"):
        raise _refuse(argument, f"{text!r} must not have a #fragment")
    if not query and (parts.query or "?" in text):
        raise _refuse(argument, f"{text!r} must not have a ?query")
    if not path and parts.path not in ("", "/"):
        raise _refuse(argument, f"{text!r} has a path; give the service's root (scheme, host and port)")
    return text


def check_secret(value: object, argument: str) -> str | None:
    """None, or a credential sent in a header or signature: printable ASCII without
    whitespace. The message never repeats the value."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise _refuse(argument, f"must be a str, not {type(value).__name__}")
    if not value or not all("!" <= ch <= "~" for ch in value):
        raise _refuse(
            argument, "must be non-empty printable ASCII without whitespace (it holds a line break, space or other)"
        )
    return value


def check_word(value: object, argument: str, pattern: str = r"[A-Za-z0-9][A-Za-z0-9._-]*") -> str | None:
    """None, or a name such as a region, project or profile: ``pattern`` (no spaces or control)."""
    if value is None:
        return None
    text = _text(value, argument)
    if not re.fullmatch(pattern, text):
        raise _refuse(argument, f"{text!r} is not a valid {argument}")
    return text


def check_proxies(value: object) -> dict[str, str] | None:
    """None, or a mapping of scheme to proxy URL."""
    if value is None:
        return None
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(u, str) for k, u in value.items()):
        raise _refuse("proxies", f"must be a mapping of scheme to proxy URL, not {type(value).__name__}")
    return dict(value) or None


# Option bundles ------------------------------------------------------------------------


@dataclass(frozen=True)
class WriteOptions:
    """Everything an upload asks of the service besides the bytes, already validated."""

    content_type: str = "application/octet-stream"
    metadata: Mapping[str, str] = field(default_factory=dict)
    if_match: str | None = None
    create_only: bool = False
    cache_control: str | None = None
    content_encoding: str | None = None
    content_disposition: str | None = None
    storage_class: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    encryption: Encryption | None = None


@dataclass(frozen=True)
class ReadOptions:
    """What a read pins or proves, already validated."""

    version_id: str | None = None
    if_match: str | None = None
    customer_key: CustomerKey | None = None


@dataclass(frozen=True)
class CopyOptions:
    """What a server-side copy reads its source with and writes its destination with,
    already validated.

    Attributes:
        source: The source's version and the key it was written with (``CustomerKey``).
        encryption: The destination's encryption, after the copy rule: the caller's
            ``encryption``, else the source's customer key (a copy of a ``CustomerKey``
            object stays encrypted with that key), else None (the destination bucket's
            default).
    """

    source: ReadOptions = field(default_factory=ReadOptions)
    encryption: Encryption | None = None


def write_options(
    rules: Rules,
    *,
    content_type: object = None,
    metadata: object = None,
    if_match: object = None,
    if_none_match: object = None,
    cache_control: object = None,
    content_encoding: object = None,
    content_disposition: object = None,
    storage_class: object = None,
    tags: object = None,
    encryption: object = None,
) -> WriteOptions:
    """Validate every write option at once; the first bad one is refused by name."""
    etag, create_only = check_conditions(if_match, if_none_match)
    _check_supported(rules, if_match=etag, headers=(cache_control, content_encoding, content_disposition))
    return WriteOptions(
        content_type=check_header(content_type, "content_type") or "application/octet-stream",
        metadata=check_metadata(metadata, rules),
        if_match=etag,
        create_only=create_only,
        cache_control=check_header(cache_control, "cache_control"),
        content_encoding=check_header(content_encoding, "content_encoding"),
        content_disposition=check_header(content_disposition, "content_disposition"),
        storage_class=check_storage_class(storage_class, rules),
        tags=check_tags(tags, rules),
        encryption=check_encryption(encryption, rules),
    )


def read_options(
    rules: Rules, *, version_id: object = None, if_match: object = None, customer_key: object = None
) -> ReadOptions:
    """Validate the options of a read."""
    options = ReadOptions(
        version_id=check_version_id(version_id, rules),
        if_match=check_etag(if_match, "if_match"),
        customer_key=check_customer_key(customer_key, rules),
    )
    _check_supported(rules, if_match=options.if_match)
    return options


def copy_options(
    rules: Rules, *, version_id: object = None, source_customer_key: object = None, encryption: object = None
) -> CopyOptions:
    """Validate a copy's options (each refused by its own name) and apply the copy rule:
    without ``encryption``, a source written with a ``CustomerKey`` is copied under that key."""
    source = ReadOptions(
        version_id=check_version_id(version_id, rules),
        customer_key=check_customer_key(source_customer_key, rules, argument="source_customer_key"),
    )
    destination = check_encryption(encryption, rules)
    return CopyOptions(source=source, encryption=destination if destination is not None else source.customer_key)


def _check_supported(rules: Rules, *, if_match: str | None, headers: tuple[object, ...] = ()) -> None:
    """Refuse options the service's objects cannot keep (plain files: no etags, no headers)."""
    if if_match is not None and not rules.etags:
        raise UnsupportedOperationError(f"if_match: {rules.service} objects have no entity tags")
    names = ("cache_control", "content_encoding", "content_disposition")
    for name, value in zip(names, headers, strict=False):
        if value is not None and not rules.content_headers:
            raise UnsupportedOperationError(f"{name}: {rules.service} objects keep no content headers")
