"""The chart of ratios per scenario (matplotlib, PNG): one bar per figure, log scale, the range of
per-round ratios as a whisker, the goal as a black tick; green met, red missed, grey reported."""

from __future__ import annotations

from pathlib import Path

from benchmarks.report import times
from benchmarks.stats import Figure

COLOURS = {True: "#2e7d32", False: "#c62828", None: "#9e9e9e"}


def write(figures: list[Figure], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    shown = [f for f in figures if f.group != "memory"]
    if not shown:
        return
    labels = [f"{f.name}\nvs {f.peer_label}" for f in shown]
    ratios = [f.ratio for f in shown]
    lows = [f.ratio - f.ratio_range[0] for f in shown]
    highs = [f.ratio_range[1] - f.ratio for f in shown]
    height = 0.55 * len(shown) + 1.5
    fig, ax = plt.subplots(figsize=(11, height))
    positions = list(range(len(shown)))[::-1]
    ax.barh(
        positions,
        ratios,
        color=[COLOURS[f.verdict] for f in shown],
        xerr=[lows, highs],
        error_kw={"ecolor": "#424242", "capsize": 2, "linewidth": 0.8},
        height=0.6,
    )
    for y, figure in zip(positions, shown, strict=True):
        if figure.goal is not None and figure.goal.kind == "ratio":
            ax.plot([figure.goal.limit] * 2, [y - 0.38, y + 0.38], color="black", linewidth=2)
        right = max(figure.ratio, figure.ratio_range[1], figure.goal.limit if figure.goal else 0.0)
        ax.text(right * 1.08, y, times(figure.ratio), va="center", fontsize=7)
    ax.set_yticks(positions)
    ax.set_yticklabels(labels, fontsize=6.5)
    ax.set_xscale("log")
    ax.axvline(1.0, color="#616161", linestyle="--", linewidth=0.8)
    ax.set_xlabel("ours / peer (median time; below 1 = ours faster). Black tick: goal.")
    ax.set_title("codomyrmex-cloud vs peers, same run (green met, red missed, grey reported only)", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
