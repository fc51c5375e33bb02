"""How much each scenario does: the issue's sizes by default, smaller for a quick look."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Options:
    """Sizes and run counts shared by every scenario.

    Attributes:
        runs: Measured rounds (after one warm-up) of figures whose run takes under a second.
        short_runs: Measured rounds of figures whose run takes milliseconds (per-call Coda
            figures, LocalStore listing): many rounds, so a burst of other work on the machine
            moves no median.
        slow_runs: Measured rounds of figures whose run takes seconds (transfers, the upsert).
        size_mib: Size of the transferred object.
        listed: Objects in the listing scenario.
        small: Objects in the small-object scenario (each a separate call).
        small_kib: Size of each small object.
        scratch: A folder for source files, downloads and the local store.
    """

    scratch: Path
    runs: int = 5
    short_runs: int = 15
    slow_runs: int = 3
    size_mib: int = 256
    listed: int = 5_000
    small: int = 1_000
    small_kib: int = 4
