"""Many small objects, one call each: ours (``upload(data=)``/``download``) against the SDK's
``put``/``get`` of one object, per call.

The objects are split over the measured rounds (1,000 in 3 rounds: 334, 333, 333 calls per
side), so the run stays short while every object is written and read once per side; each
round reports its seconds per call. A 50-call warm-up per side comes first.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from benchmarks.options import Options
from benchmarks.profiling import cprofile
from benchmarks.stats import Figure, Goal, Run, measure, seconds_of
from benchmarks.storage_raw import raw_calls
from benchmarks.storage_servers import BUCKET, REMOTE, SERVER_NAMES, Servers, store
from codomyrmex_cloud.testing.emulators import environment

WARMUP_CALLS = 50
PROFILED_CALLS = 200


def _loop(keys: list[str], call: Callable[[str], object]) -> Callable[[], Run]:
    """Call ``call`` on every key; seconds per call."""

    def run() -> Run:
        start = time.perf_counter()
        for key in keys:
            call(key)
        return Run((time.perf_counter() - start) / len(keys))

    return run


def _rounds(keys: list[str], rounds: int, call: Callable[[str], object]) -> Callable[[], Run]:
    """Each invocation calls ``call`` on the next of ``rounds`` interleaved slices of ``keys``."""
    slices = iter([keys[i::rounds] for i in range(rounds)])

    def run() -> Run:
        return _loop(next(slices), call)()

    return run


def run(options: Options, servers: Servers) -> list[Figure]:
    payload = os.urandom(options.small_kib * 1024)
    return [figure for backend in REMOTE for figure in _backend(options, servers, backend, payload)]


def _backend(options: Options, servers: Servers, backend: str, payload: bytes) -> list[Figure]:
    figures = []
    with environment(servers.env(backend)):
        ours_store = store(backend)
        raw = raw_calls(backend)
        ours_keys = [f"small/ours/{i:05d}" for i in range(options.small)]
        raw_keys = [f"small/raw/{i:05d}" for i in range(options.small)]
        uploads: dict[str, Callable[[str], object]] = {
            "ours": lambda key: ours_store.upload(BUCKET, key, data=payload),
            "raw": lambda key: raw.put(key, payload),
        }
        downloads: dict[str, Callable[[str], object]] = {
            "ours": lambda key: _same(ours_store.download(BUCKET, key), payload),
            "raw": lambda key: _same(raw.get(key), payload),
        }
        plan = (
            ("upload", uploads, {"ours": ours_keys, "raw": raw_keys}, raw.put_label),
            ("download", downloads, {"ours": ours_keys, "raw": ours_keys}, raw.get_label),
        )
        for verb, calls, keys, peer_label in plan:
            # A short warm-up (connections, first-call imports) instead of a full extra round.
            measure({n: _loop(keys[n][:WARMUP_CALLS], calls[n]) for n in calls}, runs=0)
            sides = {n: _rounds(keys[n], options.slow_runs, calls[n]) for n in calls}
            runs = measure(sides, runs=options.slow_runs, warmup=0, settle=os.sync)
            figure = Figure(
                group="storage",
                name=f"{backend} {verb} {options.small:,} x {options.small_kib} KiB per call ({SERVER_NAMES[backend]})",
                ours_label=f"{verb}(data=)" if verb == "upload" else "download()",
                peer_label=peer_label,
                ours=seconds_of(runs["ours"]),
                peer=seconds_of(runs["raw"]),
                goal=Goal("<= 1.1x raw SDK per call", 1.1),
            )
            if figure.verdict is False:
                figure.profile = cprofile(_loop(keys["ours"][:PROFILED_CALLS], calls["ours"]))
            figures.append(figure)
    return figures


def _same(data: bytes, expected: bytes) -> None:
    if data != expected:
        raise RuntimeError(f"downloaded {len(data)} bytes that differ from the {len(expected)} uploaded")
