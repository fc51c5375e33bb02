"""Writing the results: ``results.md`` (machine, versions, date, tables, goals, profiles) and a
stdout summary."""

from __future__ import annotations

import datetime
from pathlib import Path

from benchmarks.stats import Failure, Figure, spread

GROUPS = (
    ("coda", "Coda"),
    ("storage", "Object storage"),
    ("memory", "Peak RSS growth per transfer (each run in a fresh process)"),
    ("local", "LocalStore"),
    ("startup", "Cold start"),
)


def amount(value: float, unit: str) -> str:
    """A value in a readable unit: seconds as s/ms/us, anything else as is."""
    if unit != "s":
        return f"{value:.1f} {unit}"
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.1f} ms"
    return f"{value * 1e6:.0f} µs"


def triple(values: list[float], unit: str) -> str:
    low, mid, high = spread(values)
    return " / ".join(amount(v, unit) for v in (low, mid, high))


def verdict_text(figure: Figure) -> str:
    verdict = figure.verdict
    if verdict is None:
        return "reported"
    return "**met**" if verdict else "**MISSED**"


def times(ratio: float) -> str:
    """A ratio with enough digits to see which side of a goal it falls (1.097x, 12.4x, 943x)."""
    if ratio < 10:
        return f"{ratio:.3f}x"
    return f"{ratio:.1f}x" if ratio < 100 else f"{ratio:.0f}x"


def ratio_text(figure: Figure) -> str:
    if figure.group == "memory":
        return "—"
    low, high = figure.ratio_range
    return f"**{times(figure.ratio)}** ({times(low)}-{times(high)})"


def _table(figures: list[Figure]) -> list[str]:
    lines = [
        "| scenario | ours | ours min / median / max | peer | peer min / median / max | ratio (range) | goal "
        "| result |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for f in figures:
        goal = f.goal.text if f.goal else "—"
        lines.append(
            f"| {f.name} | `{f.ours_label}` | {triple(f.ours, f.unit)} | `{f.peer_label}` | "
            f"{triple(f.peer, f.unit)} | {ratio_text(f)} | {goal} | {verdict_text(f)} |"
        )
    return lines


def markdown(
    figures: list[Figure],
    failures: list[Failure],
    *,
    machine: dict[str, str],
    versions: dict[str, str],
    started: datetime.datetime,
    minutes: float,
    runs_text: str,
    chart: str | None,
) -> str:
    out = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {started:%Y-%m-%d %H:%M} UTC ({minutes:.1f} min for the run);"
        " do not edit by hand.",
        "Every figure measures the path a user takes by default (no tuning arguments on our side) next to",
        "the peer a user would pick instead, in the same run. "
        + runs_text
        + " The ratio is ours' median over the peer's median (below 1: ours is faster); the range is the",
        "smallest and largest ratio of the runs made in the same round. The load average around the run is under",
        "Machine: on 2 cores, other work running meanwhile makes the figures noisier, and a ratio near its goal",
        "can fall on either side of it from one run to the next.",
        "",
    ]
    if chart:
        out += [f"![ratios per scenario]({chart})", ""]
    out += ["## Goals", ""]
    with_goals = [f for f in figures if f.goal is not None]
    met = [f for f in with_goals if f.verdict]
    missed = [f for f in with_goals if f.verdict is False]
    out.append(
        f"{len(met)} of {len(with_goals)} goals met, {len(missed)} missed, {len(failures)} scenario(s) failed to run."
    )
    out.append("")
    for f in missed:
        reason = f" ({f.disqualified})" if f.disqualified else ""
        out.append(f"- MISSED: {f.name} vs `{f.peer_label}`: {_measured(f)}, goal {_goal(f)}{reason}; profile below.")
    for f in met:
        out.append(f"- met: {f.name} vs `{f.peer_label}`: {_measured(f)}, goal {_goal(f)}.")
    for failure in failures:
        out.append(f"- FAILED TO RUN: {failure.name}: {failure.error.splitlines()[-1] if failure.error else ''}")
    out.append("")
    for group, title in GROUPS:
        rows = [f for f in figures if f.group == group]
        if not rows:
            continue
        out += [f"## {title}", "", *_table(rows), ""]
        notes = [f"- {f.name} (`{f.peer_label}`): {note}" for f in rows for note in f.notes]
        if notes:
            out += [*notes, ""]
    if failures:
        out += ["## Scenarios that failed to run", ""]
        for failure in failures:
            out += [f"### {failure.name}", "", "```", failure.error.strip(), "```", ""]
    profiles: dict[str, list[Figure]] = {}
    for f in figures:
        if f.profile:
            profiles.setdefault(f.profile, []).append(f)
    if profiles:
        out += ["## Profiles of the missed goals", ""]
        for profile, explained in profiles.items():
            first = explained[0]
            against = ", ".join(f"`{f.peer_label}` ({_measured(f)})" for f in explained)
            out += [f"### {first.name}: `{first.ours_label}` vs {against}", "", "```", profile.strip(), "```", ""]
    out += ["## Machine", ""]
    out += [f"- {key}: {value}" for key, value in machine.items()]
    out += ["", "## Versions", ""]
    out += [f"- {key}: {value}" for key, value in versions.items()]
    out.append("")
    return "\n".join(out)


def _goal(figure: Figure) -> str:
    return figure.goal.text if figure.goal else "none"


def _measured(figure: Figure) -> str:
    if figure.group == "memory":
        return f"worst run +{max(figure.ours):.0f} MiB"
    return times(figure.ratio)


def summary(figures: list[Figure], failures: list[Failure]) -> str:
    """A compact table for stdout."""
    lines = []
    for f in figures:
        verdict = {None: "", True: "met", False: "MISSED"}[f.verdict]
        if f.group == "memory":
            measured = f"ours max +{max(f.ours):.0f} MiB, peer max +{max(f.peer):.0f} MiB"
        else:
            _, ours, _ = spread(f.ours)
            _, peer, _ = spread(f.peer)
            measured = f"{amount(ours, f.unit)} vs {amount(peer, f.unit)} = {times(f.ratio)}"
        lines.append(f"{f.name[:58]:58} | vs {f.peer_label[:40]:40} | {measured:38} | {verdict}")
    lines += [f"FAILED: {failure.name}: {failure.error.strip().splitlines()[-1]}" for failure in failures]
    return "\n".join(lines)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


#: The README's benchmark summary lives between these lines; a full ``make bench`` rewrites it.
README_START = "<!-- bench summary: written by make bench -->"
README_END = "<!-- end of bench summary -->"


def readme_summary(figures: list[Figure], failures: list[Failure], *, started: datetime.datetime) -> str:
    """The goals of a run as one table: each ratio with its range, min/median/max of each side."""
    scored = [f for f in figures if f.goal is not None]
    met = sum(1 for f in scored if f.verdict)
    lines = [
        f"Last full run: {started:%Y-%m-%d %H:%M} UTC, {met} of {len(scored)} goals met"
        + (f", {len(failures)} scenario(s) failed to run" if failures else "")
        + " (figures for each side, the machine and profiles: [bench/results.md](bench/results.md)).",
        "",
        "| scenario | ours vs peer | ratio (range) | ours min / median / max | peer min / median / max | goal "
        "| result |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for f in scored:
        measured = ratio_text(f) if f.group != "memory" else f"worst +{max(f.ours):.0f} MiB (peer +{max(f.peer):.0f})"
        lines.append(
            f"| {f.name} | `{f.ours_label}` vs `{f.peer_label}` | {measured} | {triple(f.ours, f.unit)} "
            f"| {triple(f.peer, f.unit)} | {f.goal.text if f.goal else ''} | {verdict_text(f)} |"
        )
    return "\n".join(lines)


def update_readme(path: Path, summary: str) -> None:
    """Replace the text between the README's summary markers (left as is without them)."""
    text = path.read_text(encoding="utf-8")
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        return
    path.write_text(text[: start + len(README_START)] + "\n" + summary + "\n" + text[end:], encoding="utf-8")
