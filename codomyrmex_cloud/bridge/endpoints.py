"""Where an export goes and where an import comes from: a path, a store URL, ``-`` or a
binary stream you already hold.

A destination path or URL receives the whole file or nothing: it is written through the
store's ``open_write`` (a temporary file renamed into place on disk; parts committed as
one object on close in a bucket), and an error part-way leaves nothing.
``-`` is stdout (or stdin for a source).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from typing import BinaryIO

from codomyrmex_cloud.bridge.errors import BridgeError
from codomyrmex_cloud.bridge.formats import ByteSink
from codomyrmex_cloud.storage.urls import StorageURL, Stores, parse_url

#: A destination or source: a path or storage URL (``-`` for stdout/stdin), or an open
#: binary file.
Endpoint = str | os.PathLike[str] | BinaryIO

_CONTENT_TYPES = {"csv": "text/csv", "jsonl": "application/x-ndjson", "parquet": "application/vnd.apache.parquet"}


def describe(endpoint: Endpoint, *, dash: str) -> str:
    """How to name an endpoint in messages (``dash`` names ``-``: stdout or stdin)."""
    if isinstance(endpoint, str | os.PathLike):
        text = os.fspath(endpoint)
        return dash if text == "-" else text
    return getattr(endpoint, "name", None) or type(endpoint).__name__


@contextlib.contextmanager
def using(stores: Stores | None) -> Iterator[Stores]:
    """``stores``, or (None) a new :class:`Stores` whose clients are closed afterwards."""
    if stores is not None:
        yield stores
        return
    with Stores() as owned:
        yield owned


def location(endpoint: Endpoint, argument: str) -> StorageURL | None:
    """The storage URL an endpoint names (None for ``-`` and open files).

    Raises:
        InvalidArgumentError: A malformed URL.
        BridgeError: The URL names a prefix or folder instead of one file or object.
    """
    if not isinstance(endpoint, str | os.PathLike):
        return None
    text = os.fspath(endpoint)
    if text == "-":
        return None
    url = parse_url(text, argument=argument)
    if url.is_prefix or (url.is_file and url.local_path().is_dir()):
        raise BridgeError(f"{argument}: {text!r} is a folder or prefix; name a file, e.g. {text.rstrip('/')}/table.csv")
    return url


@contextlib.contextmanager
def open_sink(dest: Endpoint, *, fmt: str, stores: Stores, argument: str = "dest") -> Iterator[ByteSink]:
    """A binary sink for ``dest``; what was written is committed only if the block succeeds.

    Raises:
        InvalidArgumentError: A malformed URL.
        BridgeError: ``dest`` names a folder or prefix.
        StorageError: The store refused the upload (a missing bucket, no permission ...).
    """
    url = location(dest, argument)
    if url is None:
        sink: BinaryIO = sys.stdout.buffer if isinstance(dest, str | os.PathLike) else dest
        yield sink
        sink.flush()
        return
    store = stores.store(url.scheme)
    with store.open_write(url.bucket, url.key, content_type=_CONTENT_TYPES.get(fmt)) as writer:
        yield writer


@contextlib.contextmanager
def open_source(source: Endpoint, *, stores: Stores, argument: str = "source") -> Iterator[io.BufferedIOBase]:
    """A binary stream reading ``source``, closed afterwards (``-`` and open files are not).

    Raises:
        InvalidArgumentError: A malformed URL.
        BridgeError: ``source`` names a folder or prefix.
        ObjectNotFoundError: No such file or object.
    """
    url = location(source, argument)
    if url is None:
        stream = sys.stdin.buffer if isinstance(source, str | os.PathLike) else source
        yield stream  # type: ignore[misc] # any binary file reads like a buffered one here
        return
    store = stores.store(url.scheme)
    store.stat(url.bucket, url.key)  # a missing object fails here, typed, before any read
    with store.open_read(url.bucket, url.key) as stream:
        yield stream
