"""Interleaved runs and what one figure holds: samples of ours and a peer, a goal, a verdict.

Every figure is measured the same way: one warm-up round that is thrown away, then ``runs``
rounds; in each round every side runs once, and the order of the sides alternates from one
round to the next (A B, B A, ...) so neither side always runs on a warmer cache or a quieter
machine. A side's run function does its own setup and returns only the seconds of the part
being compared (plus, for transfers, the peak RSS growth it measured).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Run:
    """One run of one side: seconds, and the peak RSS growth when it was measured."""

    seconds: float
    rss_growth_mib: float | None = None


#: A side of a comparison: runs once, returns what it measured.
Side = Callable[[], Run]


def measure(
    sides: Mapping[str, Side], *, runs: int, warmup: int = 1, settle: Callable[[], None] | None = None
) -> dict[str, list[Run]]:
    """Run every side ``warmup + runs`` times, interleaved; return the runs after the warm-up.

    ``settle`` runs (untimed) before every run: storage scenarios pass ``os.sync`` so the
    previous run's writes are on disk before the next run starts, not flushed during it.
    """
    names = list(sides)
    kept: dict[str, list[Run]] = {name: [] for name in names}
    for round_ in range(warmup + runs):
        order = names if round_ % 2 == 0 else names[::-1]
        for name in order:
            if settle is not None:
                settle()
            result = sides[name]()
            if round_ >= warmup:
                kept[name].append(result)
    return kept


@dataclass(frozen=True)
class Goal:
    """What the issue asks of a figure.

    ``kind="ratio"``: ours' median / the peer's median must be at most ``limit`` (below it
    when ``strict``). ``kind="absolute"``: ours' worst run must be at most ``limit`` in the
    figure's unit.
    """

    text: str
    limit: float
    kind: str = "ratio"
    strict: bool = False

    def met(self, value: float) -> bool:
        return value < self.limit if self.strict else value <= self.limit


@dataclass
class Figure:
    """One row of the results table: ours against one peer (or a computed floor)."""

    group: str
    name: str
    ours_label: str
    peer_label: str
    ours: list[float]
    peer: list[float]
    unit: str = "s"
    goal: Goal | None = None
    notes: list[str] = field(default_factory=list)
    profile: str | None = None
    ours_rss: list[float] = field(default_factory=list)
    peer_rss: list[float] = field(default_factory=list)
    #: Set when a condition of the goal other than time failed (e.g. a 429 reached the client).
    disqualified: str | None = None

    @property
    def ratio(self) -> float:
        """Ours' median over the peer's median (below 1: ours is faster)."""
        peer = statistics.median(self.peer)
        return statistics.median(self.ours) / peer if peer > 0 else math.inf

    @property
    def ratio_range(self) -> tuple[float, float]:
        """Smallest and largest ratio of runs made in the same round."""
        pairs = [o / p for o, p in zip(self.ours, self.peer, strict=False) if p > 0]
        return (min(pairs), max(pairs)) if pairs else (self.ratio, self.ratio)

    @property
    def verdict(self) -> bool | None:
        """True when the goal is met, False when missed, None when there is no goal."""
        if self.goal is None:
            return None
        if self.disqualified:
            return False
        if self.goal.kind == "absolute":
            return self.goal.met(max(self.ours))
        return self.goal.met(self.ratio)


@dataclass
class Failure:
    """A scenario that could not run: reported in the results as such, never dropped."""

    group: str
    name: str
    error: str


def spread(values: list[float]) -> tuple[float, float, float]:
    """min, median, max."""
    return min(values), statistics.median(values), max(values)


def seconds_of(runs: list[Run], *, per: int = 1) -> list[float]:
    """The seconds of each run, divided by ``per`` (calls per run) for per-call figures."""
    return [run.seconds / per for run in runs]


def rss_of(runs: list[Run]) -> list[float]:
    return [run.rss_growth_mib for run in runs if run.rss_growth_mib is not None]
