"""The Coda client, façade, paging and mutations of one flavour (asyncio or sync).

The folder ``_sync`` is generated from the folder next to it by ``scripts/unasync.py``
(``make regenerate``); ``make check-generated`` fails when it differs from a fresh run.
"""

# The façade first: it imports the client at its end (they refer to each other at runtime).
# isort: off
from codomyrmex_cloud.coda._async.facade import AsyncColumn, AsyncDoc, AsyncPage, AsyncRow, AsyncTable
from codomyrmex_cloud.coda._async.client import AsyncCodaClient

# isort: on
from codomyrmex_cloud.coda._async.mutations import AsyncMutation
from codomyrmex_cloud.coda._async.paging import AsyncPaginated

__all__ = [
    "AsyncCodaClient",
    "AsyncColumn",
    "AsyncDoc",
    "AsyncMutation",
    "AsyncPage",
    "AsyncPaginated",
    "AsyncRow",
    "AsyncTable",
]
