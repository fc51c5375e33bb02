"""LocalStore: listing a 100-object prefix in a 5,000-object bucket.

Two figures: against a directory scan of the same 100 files (what a user without a store
would do), and against the same listing in a bucket that holds only those 100 objects. The
goal is the second: the cost must follow what the prefix matches, not the bucket's size.
"""

from __future__ import annotations

import os
import time

from benchmarks.options import Options
from benchmarks.profiling import cprofile
from benchmarks.stats import Figure, Goal, Run, measure, seconds_of
from codomyrmex_cloud import LocalStore

PREFIXES = 50
PER_PREFIX = 100
WANTED = "p07/"
#: "Proportional": 50x more objects in the bucket may cost at most this factor.
PROPORTIONAL = 1.5


def run(options: Options) -> list[Figure]:
    root = options.scratch / "local-listing"
    big, alone = LocalStore(root / "big"), LocalStore(root / "alone")
    big.create_bucket("bucket")
    alone.create_bucket("bucket")
    plain = root / "plain"
    for p in range(PREFIXES):
        folder = plain / f"p{p:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(PER_PREFIX):
            key = f"p{p:02d}/obj-{i:03d}"
            big.upload("bucket", key, data=b"x" * 64)
            if key.startswith(WANTED):
                alone.upload("bucket", key, data=b"x" * 64)
            (folder / f"obj-{i:03d}").write_bytes(b"x" * 64)

    def listing(store: LocalStore) -> Run:
        start = time.perf_counter()
        count = sum(1 for _ in store.list_objects("bucket", prefix=WANTED))
        elapsed = time.perf_counter() - start
        _check(count)
        return Run(elapsed)

    def scan() -> Run:
        start = time.perf_counter()
        entries = sorted((entry.name, entry.stat().st_size) for entry in os.scandir(plain / WANTED.rstrip("/")))
        elapsed = time.perf_counter() - start
        _check(len(entries))
        return Run(elapsed)

    sides = {"big": lambda: listing(big), "alone": lambda: listing(alone), "scan": scan}
    runs = measure(sides, runs=options.short_runs, settle=os.sync)
    total = PREFIXES * PER_PREFIX
    against_scan = Figure(
        group="local",
        name=f"LocalStore list a {PER_PREFIX}-object prefix of {total:,}",
        ours_label="list_objects(prefix=)",
        peer_label="os.scandir + stat of a folder",
        ours=seconds_of(runs["big"]),
        peer=seconds_of(runs["scan"]),
    )
    proportional = Figure(
        group="local",
        name=f"LocalStore list a {PER_PREFIX}-object prefix: {total:,}-object bucket vs {PER_PREFIX}",
        ours_label=f"in a {total:,}-object bucket",
        peer_label=f"same prefix, bucket of {PER_PREFIX}",
        ours=seconds_of(runs["big"]),
        peer=seconds_of(runs["alone"]),
        goal=Goal(f"proportional to the prefix (<= {PROPORTIONAL}x)", PROPORTIONAL),
    )
    if proportional.verdict is False:
        proportional.profile = cprofile(lambda: listing(big))
    return [against_scan, proportional]


def _check(count: int) -> None:
    if count != PER_PREFIX:
        raise RuntimeError(f"listed {count} objects, expected {PER_PREFIX}")
