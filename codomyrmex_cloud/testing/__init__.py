"""Fakes you can use in your own tests: a stateful Coda API (in-process or on loopback)."""

from codomyrmex_cloud.testing.fake_coda import FakeCoda, FakeCodaServer, seed_demo

__all__ = ["FakeCoda", "FakeCodaServer", "seed_demo"]
