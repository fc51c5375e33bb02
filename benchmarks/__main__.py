"""``make bench``: every scenario, ours next to its peers, written to bench/results.md + chart.

    python -m benchmarks                       # everything (the bench environment: make bench)
    python -m benchmarks --only coda           # a group: coda, storage, local, startup
    python -m benchmarks --only coda-read,storage-listing --runs 3 --size-mib 64

A full run writes ``bench/results.md`` and ``bench/ratios.png``; a subset (or smaller sizes)
writes to ``.bench/out/`` instead, so the committed results always come from a full run. A
scenario that fails is reported as failed (in the file and on stdout) and the rest still run.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from benchmarks import (
    chart,
    coda_calls,
    coda_read,
    coda_write,
    cold_start,
    environment_info,
    local_listing,
    report,
    storage_listing,
    storage_small,
    storage_transfer,
)
from benchmarks.options import Options
from benchmarks.stats import Failure, Figure
from benchmarks.storage_servers import Servers

ROOT = Path(__file__).resolve().parents[1]
Scenario = Callable[[Options, Servers], list[Figure]]

#: name -> (group, title, what it runs); the order is the order of the report.
SCENARIOS: dict[str, tuple[str, str, Scenario]] = {
    "coda-read": ("coda", "Coda read 2,500 rows", lambda o, s: coda_read.run(o)),
    "coda-calls": ("coda", "Coda get_doc/get_row per call", lambda o, s: coda_calls.run(o)),
    "coda-write": ("coda", "Coda upsert 10,000 rows", lambda o, s: coda_write.run(o)),
    "storage-transfer": ("storage", "Storage transfers", storage_transfer.run),
    "storage-listing": ("storage", "Storage listing", storage_listing.run),
    "storage-small": ("storage", "Storage small objects", storage_small.run),
    "local-listing": ("local", "LocalStore listing", lambda o, s: local_listing.run(o)),
    "startup": ("startup", "Cold start", lambda o, s: cold_start.run(o)),
}


def _selected(only: str | None) -> list[str]:
    if not only:
        return list(SCENARIOS)
    wanted = [w.strip() for w in only.split(",") if w.strip()]
    groups = {group for group, _, _ in SCENARIOS.values()}
    unknown = [w for w in wanted if w not in SCENARIOS and w not in groups]
    if unknown:
        choices = ", ".join(sorted(groups | set(SCENARIOS)))
        raise SystemExit(f"--only: unknown {', '.join(unknown)}; choose from {choices}")
    return [name for name, (group, _, _) in SCENARIOS.items() if name in wanted or group in wanted]


def main(argv: list[str] | None = None) -> int:
    defaults = Options(scratch=Path())
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated scenarios or groups (coda, storage, local, startup)")
    parser.add_argument("--runs", type=int, default=defaults.runs, help="measured rounds of quick figures")
    parser.add_argument("--short-runs", type=int, default=defaults.short_runs, help="rounds of millisecond figures")
    parser.add_argument("--slow-runs", type=int, default=defaults.slow_runs, help="measured rounds of slow figures")
    parser.add_argument("--size-mib", type=int, default=defaults.size_mib, help="transferred object size")
    parser.add_argument("--out", type=Path, help="where results.md and ratios.png go")
    args = parser.parse_args(argv)
    names = _selected(args.only)
    full = (
        not args.only
        and args.size_mib == defaults.size_mib
        and args.runs >= defaults.runs
        and args.short_runs >= defaults.short_runs
        and args.slow_runs >= defaults.slow_runs
    )
    out = args.out or (ROOT / "bench" if full else ROOT / ".bench" / "out")

    load_before = os.getloadavg()
    started = datetime.datetime.now(datetime.UTC)
    clock = time.monotonic()
    figures: list[Figure] = []
    failures: list[Failure] = []
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        options = Options(
            scratch=Path(tmp),
            runs=args.runs,
            short_runs=args.short_runs,
            slow_runs=args.slow_runs,
            size_mib=args.size_mib,
        )
        with Servers(Path(tmp)) as servers:
            for name in names:
                group, title, scenario = SCENARIOS[name]
                print(f"[{time.monotonic() - clock:6.0f} s] {title} ...", flush=True)
                try:
                    figures += scenario(options, servers)
                except Exception:
                    failures.append(Failure(group, title, traceback.format_exc()))
                    print(f"  failed:\n{traceback.format_exc()}", file=sys.stderr, flush=True)
    minutes = (time.monotonic() - clock) / 60
    chart_path = out / "ratios.png"
    chart.write(figures, chart_path)
    runs_text = (
        f"Each figure: one warm-up round, then {args.runs} rounds ({args.short_runs} for the per-call Coda figures and"
        f" the LocalStore listing, {args.slow_runs} for transfers, small objects and the upsert), ours and the peer"
        " interleaved in alternating order."
    )
    text = report.markdown(
        figures,
        failures,
        machine=environment_info.machine(load_before, os.getloadavg()),
        versions=environment_info.versions(),
        started=started,
        minutes=minutes,
        runs_text=runs_text,
        chart=chart_path.name if chart_path.exists() else None,
    )
    report.write(out / "results.md", text)
    if full:
        report.update_readme(ROOT / "README.md", report.readme_summary(figures, failures, started=started))
    print()
    print(report.summary(figures, failures))
    print(f"\n{len(figures)} figures in {minutes:.1f} min; written to {out / 'results.md'}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
