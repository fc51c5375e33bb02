"""The ``codomyrmex-cloud`` command line (also ``python -m codomyrmex_cloud``).

Commands are built on click and print with rich; the work itself is done by public SDK
functions (:mod:`codomyrmex_cloud.bridge`, :mod:`codomyrmex_cloud.storage.tree`), so
everything the command does is also one call away in Python.
"""

from codomyrmex_cloud.cli.app import main

__all__ = ["main"]
