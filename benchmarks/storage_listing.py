"""Listing every object under a prefix: ours (``list_objects``) against each SDK's paginator."""

from __future__ import annotations

import os
import time

from benchmarks.options import Options
from benchmarks.profiling import cprofile
from benchmarks.stats import Figure, Goal, Run, measure, seconds_of
from benchmarks.storage_raw import put_many, raw_calls
from benchmarks.storage_servers import BUCKET, REMOTE, SERVER_NAMES, Servers, store
from codomyrmex_cloud.testing.emulators import environment

PREFIX = "listing/"


def run(options: Options, servers: Servers) -> list[Figure]:
    return [_backend(options, servers, backend) for backend in REMOTE]


def _backend(options: Options, servers: Servers, backend: str) -> Figure:
    with environment(servers.env(backend)):
        ours_store = store(backend)
        raw = raw_calls(backend)
        put_many(raw, (f"{PREFIX}{i:06d}" for i in range(options.listed)), b"x")

        def ours() -> Run:
            start = time.perf_counter()
            count = sum(1 for _ in ours_store.list_objects(BUCKET, prefix=PREFIX))
            elapsed = time.perf_counter() - start
            _check(count, options.listed)
            return Run(elapsed)

        def theirs() -> Run:
            start = time.perf_counter()
            count = raw.list_count(PREFIX)
            elapsed = time.perf_counter() - start
            _check(count, options.listed)
            return Run(elapsed)

        runs = measure({"ours": ours, "raw": theirs}, runs=options.runs, settle=os.sync)
        figure = Figure(
            group="storage",
            name=f"{backend} list {options.listed:,} objects ({SERVER_NAMES[backend]})",
            ours_label="list_objects(prefix=)",
            peer_label=raw.list_label,
            ours=seconds_of(runs["ours"]),
            peer=seconds_of(runs["raw"]),
            goal=Goal("<= 1.05x raw paginator", 1.05),
        )
        if figure.verdict is False:
            figure.profile = cprofile(ours)
        return figure


def _check(count: int, expected: int) -> None:
    if count != expected:
        raise RuntimeError(f"listed {count} objects, expected {expected}")
