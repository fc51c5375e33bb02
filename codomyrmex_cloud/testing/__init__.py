"""Fakes you can use in your own tests: a stateful Coda API (in-process or on loopback).

The names load on first use, so ``python -m codomyrmex_cloud.testing.fake_coda`` runs the
module once (importing it here would make ``-m`` run a second copy and warn).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__all__ = ["FakeCoda", "FakeCodaServer", "seed_demo"]

if TYPE_CHECKING:
    from codomyrmex_cloud.testing.fake_coda import FakeCoda as FakeCoda
    from codomyrmex_cloud.testing.fake_coda import FakeCodaServer as FakeCodaServer
    from codomyrmex_cloud.testing.fake_coda import seed_demo as seed_demo


def __getattr__(name: str) -> object:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module("codomyrmex_cloud.testing.fake_coda"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
