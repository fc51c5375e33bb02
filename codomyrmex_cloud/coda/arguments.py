"""Checks of the arguments every Coda call takes, run before a request is built.

Each check returns the value to send or raises :class:`CodaConfigurationError` whose message
starts with the argument's name (``table: ...``), so nothing is sent for input that is wrong
here. What is refused and what is merely URL-encoded, per kind of argument:

=======================  =====================================================================
argument                 rule
=======================  =====================================================================
``doc_id``               Coda's doc id shape: 1-64 letters, digits, ``-`` or ``_`` (a browser
                         link is refused with a pointer to ``resolve_browser_link``).
id or name (``table``,   Any text: ``/ ? # %``, spaces, newlines and any Unicode are
``table_id``, ``page``,  percent-encoded into one path segment and reach Coda unchanged (a row
``row``, ``column``,     is named by its display value, which is free text). Refused: not a
``formula``,             ``str``; empty or only whitespace; ``.`` or ``..`` (an HTTP client
``control``)             resolves them as path steps, so ``delete_page(doc, "..")`` would
                         become ``DELETE /docs/{doc}``); NUL; text that is not valid Unicode
                         (a lone surrogate has no UTF-8 form); more than
                         :data:`MAX_SEGMENT_BYTES` once encoded (servers refuse request lines
                         over 8 KiB; use the id).
opaque ids               As an id or name, and without whitespace: Coda's ids never have any.
(``request_id``,
``permission_id``,
row ids to delete)
text fields              ``str`` (or None where optional); names and titles not empty or
                         only whitespace; valid Unicode.
choices                  One of the ``Literal`` values the signature names (the generated
                         enums would send an unknown value as it is).
flags                    ``bool`` (or None where optional).
seconds                  A finite ``int``/``float`` (not ``bool``) within the stated bounds.
=======================  =====================================================================
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any, TypeVar, get_args
from urllib.parse import quote

from codomyrmex_cloud.coda.errors import CodaConfigurationError

T = TypeVar("T")

#: A Coda doc id: the shape ``coda.io/d/<name>_d<id>`` links carry (10 characters today).
DOC_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: The most bytes one id or name may take in the URL once percent-encoded. A request line
#: longer than 8 KiB is refused by common servers and proxies (nginx's default buffer); a
#: path has at most three names (``push_button``), so three of these and a query still fit.
MAX_SEGMENT_BYTES = 2048
_DOT_SEGMENTS = frozenset({".", ".."})


def _type_name(value: object) -> str:
    return "None" if value is None else type(value).__name__


def _unicode(name: str, value: str) -> None:
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise CodaConfigurationError(
                f"{name}: the text is not valid Unicode (it holds a lone surrogate, which has no UTF-8 form)"
            ) from None


def string(name: str, value: object) -> str:
    """``value`` if it is a ``str`` of valid Unicode."""
    if not isinstance(value, str):
        raise CodaConfigurationError(f"{name} must be a str, got {_type_name(value)}")
    _unicode(name, value)
    return value


def optional_string(name: str, value: object) -> str | None:
    """None, or ``value`` checked by :func:`string`."""
    return None if value is None else string(name, value)


def title(name: str, value: object) -> str:
    """A name or title to set: a ``str`` that is not empty or only whitespace."""
    text = string(name, value)
    if not text.strip():
        raise CodaConfigurationError(f"{name} must not be empty or only whitespace, got {text!r}")
    return text


def optional_title(name: str, value: object) -> str | None:
    """None, or ``value`` checked by :func:`title`."""
    return None if value is None else title(name, value)


def doc_id(value: object, name: str = "doc_id") -> str:
    """A doc id as Coda shapes them (see the module docstring)."""
    text = string(name, value)
    if DOC_ID.match(text) is None:
        hint = " (for a coda.io link, call resolve_browser_link first)" if "://" in text else ""
        raise CodaConfigurationError(
            f"{name}: {text[:80]!r} is not a Coda doc id (1-64 letters, digits, '-' or '_'){hint}"
        )
    return text


def id_or_name(name: str, value: object) -> str:
    """An id or a name sent as one URL path segment (see the module docstring)."""
    text = string(name, value)
    if not text.strip():
        raise CodaConfigurationError(f"{name} must not be empty or only whitespace, got {text!r}")
    if text in _DOT_SEGMENTS:
        raise CodaConfigurationError(
            f"{name}: {text!r} cannot be sent as a name (HTTP resolves it as a path step); use the id"
        )
    if "\x00" in text:
        raise CodaConfigurationError(f"{name} must not contain a NUL character")
    encoded = len(quote(text, safe=""))
    if encoded > MAX_SEGMENT_BYTES:
        raise CodaConfigurationError(
            f"{name}: {len(text)} characters take {encoded} bytes in the URL, over the {MAX_SEGMENT_BYTES} "
            "this client sends for one id or name (servers refuse long request lines); use the id"
        )
    return text


def opaque_id(name: str, value: object) -> str:
    """An id Coda issued (request, permission, row id): as :func:`id_or_name`, no whitespace."""
    text = id_or_name(name, value)
    if any(char.isspace() for char in text):
        raise CodaConfigurationError(f"{name}: {text[:80]!r} is not a Coda id (ids have no whitespace)")
    return text


def id_list(name: str, values: object) -> list[str]:
    """A sequence of opaque ids (not a single ``str``), each checked by :func:`opaque_id`."""
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise CodaConfigurationError(f"{name} must be a sequence of ids (a list), got {_type_name(values)}")
    return [opaque_id(f"{name}[{index}]", value) for index, value in enumerate(values)]


def choice(name: str, value: object, allowed: Any) -> Any:
    """``value`` if it is one of the ``Literal`` type ``allowed``'s values."""
    options: tuple[object, ...] = get_args(allowed)
    if not isinstance(value, str) or value not in options:
        listed = ", ".join(repr(option) for option in options)
        raise CodaConfigurationError(f"{name} must be one of {listed}, got {value!r}")
    return value


def optional_choice(name: str, value: object, allowed: Any) -> Any:
    """None, or ``value`` checked by :func:`choice`."""
    return None if value is None else choice(name, value, allowed)


def choices(name: str, values: object, allowed: Any) -> list[Any] | None:
    """None, or a sequence (not a single ``str``) of values each checked by :func:`choice`."""
    if values is None:
        return None
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise CodaConfigurationError(f"{name} must be a sequence (a list), got {_type_name(values)}")
    return [choice(f"{name}[{index}]", value, allowed) for index, value in enumerate(values)]


def flag(name: str, value: object) -> bool:
    """``value`` if it is a ``bool``."""
    if not isinstance(value, bool):
        raise CodaConfigurationError(f"{name} must be True or False, got {value!r}")
    return value


def optional_flag(name: str, value: object) -> bool | None:
    """None, or ``value`` checked by :func:`flag`."""
    return None if value is None else flag(name, value)


def seconds(name: str, value: object, *, positive: bool) -> float:
    """A finite number of seconds: > 0 when ``positive``, else >= 0."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CodaConfigurationError(f"{name} must be a finite number of seconds, got {value!r}")
    if value < 0 or (positive and value == 0):
        bound = "> 0" if positive else ">= 0"
        raise CodaConfigurationError(f"{name} must be {bound} seconds, got {value!r}")
    return float(value)


def count(name: str, value: object, *, minimum: int) -> int:
    """An ``int`` (not ``bool``) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise CodaConfigurationError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value
