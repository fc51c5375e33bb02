"""Profiles that explain a missed goal: cProfile in-process, py-spy for a child process.

cProfile sees only the thread that runs the code, which is all of a Coda call or a listing;
a transfer spreads its work over an SDK's worker threads, so a child process running one
transfer is sampled by py-spy instead (every thread, native frames excluded).
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

TOP = 10


def cprofile(run: Callable[[], object], *, top: int = TOP) -> str:
    """Run ``run`` once under cProfile; the top entries by own time, then by cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        run()
    finally:
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs()
    out.write(f"cProfile, top {top} by own time:\n")
    stats.sort_stats("tottime").print_stats(top)
    out.write(f"cProfile, top {top} by cumulative time:\n")
    stats.sort_stats("cumulative").print_stats(top)
    return _trim(out.getvalue())


def _trim(text: str) -> str:
    """Drop pstats' preamble lines (the ordering note, blank runs) but keep the tables."""
    lines = [line.rstrip() for line in text.splitlines()]
    kept = [line for line in lines if line and not line.lstrip().startswith(("Ordered by", "List reduced"))]
    return "\n".join(kept)


def py_spy(command: Sequence[str], env: dict[str, str], *, top: int = TOP, rate: int = 250) -> str:
    """Sample ``command`` (every thread) with py-spy; functions by own and by total samples."""
    binary = Path(sys.executable).with_name("py-spy")
    if not binary.exists():
        return f"(py-spy is not installed beside {sys.executable})"
    with tempfile.TemporaryDirectory(prefix="bench-spy-") as tmp:
        raw = Path(tmp) / "samples.txt"
        spy = [str(binary), "record", "--format", "raw", "--rate", str(rate), "--output", str(raw), "--"]
        done = subprocess.run([*spy, *command], env={**os.environ, **env}, capture_output=True, text=True, check=False)
        if done.returncode != 0 or not raw.exists():
            return f"(py-spy failed: {done.stderr.strip()[-500:]})"
        collapsed = raw.read_text()
    summary = summarise_stacks(collapsed, top=top)
    seconds = _reported_seconds(done.stdout)
    if seconds is None:
        return summary
    busy = sum(count for stack, count in _stacks(collapsed) if "importlib._bootstrap" not in stack)
    return (
        f"the profiled transfer took {seconds:.2f} s; py-spy saw {busy / rate:.2f} thread-seconds of non-idle threads"
        f" ({busy} samples at {rate}/s, imports left out); the rest of the time every thread was idle (waiting on"
        " the server or the disk)\n" + summary
    )


def _reported_seconds(stdout: str) -> float | None:
    """The ``seconds`` of the JSON line a benchmark child printed (py-spy's own lines around it)."""
    for line in reversed(stdout.splitlines()):
        try:
            return float(json.loads(line)["seconds"])
        except (ValueError, KeyError, TypeError):
            continue
    return None


def _stacks(collapsed: str) -> list[tuple[str, int]]:
    """(stack, samples) pairs of py-spy's collapsed format: ``frame;frame;... count``."""
    pairs = []
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if stack and count_text.isdigit():
            pairs.append((stack, int(count_text)))
    return pairs


#: Frames every thread's stack starts with (interpreter and thread-pool plumbing): no information.
ROOT_FRAMES = frozenset(
    {
        "<module>",
        "_run_module_as_main",
        "_run_code",
        "Thread._bootstrap",
        "Thread._bootstrap_inner",
        "Thread.run",
        "_worker",
        "_WorkItem.run",
    }
)


def summarise_stacks(collapsed: str, *, top: int = TOP) -> str:
    """Own and total sample counts per function from py-spy's collapsed stacks.

    Stacks inside the import machinery are left out: they are the child's setup (imports
    before the transfer starts), not the transfer.
    """
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = skipped = 0
    for stack, count in _stacks(collapsed):
        if "importlib._bootstrap" in stack:
            skipped += count
            continue
        samples += count
        frames = stack.split(";")
        own[frames[-1]] += count
        for frame in set(frames):
            if frame.split(" (", 1)[0] not in ROOT_FRAMES:
                total[frame] += count
    if not samples:
        return "py-spy: no samples (the process was idle or ended at once)"
    lines = [f"py-spy, {samples} samples of non-idle threads ({skipped} in imports left out); top {top} by own:"]
    lines += [f"  {100 * n / samples:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    lines.append(f"top {top} by total samples (the function and what it called; thread plumbing left out):")
    lines += [f"  {100 * n / samples:5.1f}%  {frame}" for frame, n in total.most_common(top)]
    return "\n".join(lines)
