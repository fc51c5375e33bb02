"""Fixtures of the reliability suites: fault proxies whose counters add up to one tally,
printed at the end of the run (the fault counts a closing note reports), and DEBUG logs of
every library captured for the secret scans."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator

import pytest

from codomyrmex_cloud.log_redaction import install_log_redaction
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


# DEBUG logs of every library, captured -----------------------------------------------------


class CapturedLogs(logging.Handler):
    """Every record at DEBUG and above, formatted as a user's handler would show it, plus the
    ``extra`` attributes a structured (JSON) handler would emit."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []
        self.names: set[str] = set()
        self._standard = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format(record)
        extras = {k: v for k, v in record.__dict__.items() if k not in self._standard and not k.startswith("_")}
        with self.lock or contextlib.nullcontext():
            self.lines.append(f"{text} {extras!r}" if extras else text)
            self.names.add(record.name)

    def saw(self, prefix: str) -> bool:
        """Whether any record came from the ``prefix`` logger hierarchy."""
        return any(name == prefix or name.startswith(f"{prefix}.") for name in self.names)


@pytest.fixture
def debug_logs() -> Iterator[CapturedLogs]:
    """Root and every existing logger at DEBUG, into one capturing handler; redaction installed.

    google-auth turns propagation of the ``google`` logger off unless that logger is
    configured; it is configured (and propagating) here, as a user debugging GCS would do.
    """
    install_log_redaction()
    handler = CapturedLogs()
    root = logging.getLogger()
    loggers = [logging.getLogger(name) for name in list(logging.Logger.manager.loggerDict)]
    saved = [(logger, logger.level, logger.propagate, logger.disabled) for logger in loggers]
    saved_root = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
    logging.getLogger("google").setLevel(logging.DEBUG)
    logging.getLogger("google").propagate = True
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(saved_root)
        for logger, level, propagate, disabled in saved:
            logger.setLevel(level)
            logger.propagate = propagate
            logger.disabled = disabled
