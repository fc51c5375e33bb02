# Generated from codomyrmex_cloud/coda/_async/__init__.py by scripts/unasync.py; do not edit.
"""The Coda client, façade, paging and mutations of one flavour (sync or sync).

The folder ``_sync`` is generated from the folder next to it by ``scripts/unasync.py``
(``make regenerate``); ``make check-generated`` fails when it differs from a fresh run.
"""

# The façade first: it imports the client at its end (they refer to each other at runtime).
# isort: off
from codomyrmex_cloud.coda._sync.facade import Column, Doc, Page, Row, Table
from codomyrmex_cloud.coda._sync.client import CodaClient

# isort: on
from codomyrmex_cloud.coda._sync.mutations import Mutation
from codomyrmex_cloud.coda._sync.paging import Paginated

__all__ = [
    "CodaClient",
    "Column",
    "Doc",
    "Mutation",
    "Page",
    "Paginated",
    "Row",
    "Table",
]
