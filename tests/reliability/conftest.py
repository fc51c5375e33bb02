"""Fixtures of the reliability suites: fault proxies whose counters add up to one tally,
printed at the end of the run (the fault counts a closing note reports)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator

import pytest

from tests.support.fault_proxy import FaultProxy, FaultSchedule


class FaultTally:
    """What every proxy of the session saw, summed when each one stops."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.proxies = 0
        self.seen = 0
        self.forwarded = 0
        self.faults: Counter[str] = Counter()

    def add(self, proxy: FaultProxy) -> None:
        stats = proxy.stats()
        with self._lock:
            self.proxies += 1
            self.seen += stats.seen
            self.forwarded += stats.forwarded
            self.faults.update({fault.value: count for fault, count in stats.faults.items()})

    def summary(self) -> str:
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(self.faults.items()))
        return (
            f"fault proxies: {self.proxies}, requests {self.seen}, forwarded {self.forwarded}, "
            f"faults {sum(self.faults.values())} ({kinds or 'none'})"
        )


_TALLY = FaultTally()


@pytest.fixture
def fault_proxy() -> Iterator[Callable[[str, FaultSchedule], FaultProxy]]:
    """Start proxies to an upstream URL; each is stopped (and tallied) after the test."""
    started: list[FaultProxy] = []

    def start(upstream: str, schedule: FaultSchedule) -> FaultProxy:
        proxy = FaultProxy(upstream, schedule).start()
        started.append(proxy)
        return proxy

    yield start
    for proxy in started:
        proxy.stop()
        _TALLY.add(proxy)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _TALLY.proxies:
        terminalreporter.write_line(_TALLY.summary())
