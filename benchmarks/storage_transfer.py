"""Uploading and downloading one large object, per backend and direction, in child processes.

Sides: ours (``upload``/``download`` with ``local_path=``, defaults), the SDK a user would call
instead with its defaults (boto3's ``upload_file``/``download_file``; google's
``upload_from_filename``/``download_to_filename``; azure's ``upload_blob``/
``download_blob().readinto``; a plain file copy for the local store), and on S3 obstore.
Every run is a fresh interpreter (see :mod:`benchmarks.storage_child`), so each figure also
carries the peak RSS growth of every run.

Downloads all read one object that ours uploaded beforehand; uploads write one key per side.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks.options import Options
from benchmarks.profiling import py_spy
from benchmarks.stats import Figure, Goal, Run, Side, measure, rss_of, seconds_of
from benchmarks.storage_servers import BUCKET, SERVER_NAMES, Servers, store
from codomyrmex_cloud.testing.emulators import environment

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("local", "s3", "gcs", "azure")
RAW_LABELS = {
    ("s3", "up"): "boto3 upload_file",
    ("s3", "down"): "boto3 download_file",
    ("gcs", "up"): "google upload_from_filename",
    ("gcs", "down"): "google download_to_filename",
    ("azure", "up"): "azure upload_blob",
    ("azure", "down"): "azure download_blob().readinto",
    ("local", "up"): "shutil.copyfile",
    ("local", "down"): "shutil.copyfile",
}
RSS_LIMIT_MIB = 64.0
DOWNLOAD_KEY = "transfer/download.bin"


def _child(spec: dict[str, object]) -> list[str]:
    return [sys.executable, "-m", "benchmarks.storage_child", json.dumps(spec)]


def _side(spec: dict[str, object], env: dict[str, str]) -> Side:
    def run() -> Run:
        done = subprocess.run(
            _child(spec), env={**os.environ, **env}, cwd=ROOT, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{spec['backend']}/{spec['side']}/{spec['direction']} failed:\n{done.stderr[-3000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        if spec["direction"] == "down":  # every download starts with no file at the target
            Path(str(spec["path"])).unlink(missing_ok=True)
        return Run(result["seconds"], result["growth_mib"])

    return run


def _source(options: Options) -> Path:
    source = options.scratch / f"source-{options.size_mib}MiB.bin"
    if not source.exists():
        with source.open("wb") as handle:
            for _ in range(options.size_mib):
                handle.write(os.urandom(1024 * 1024))
    return source


def run(options: Options, servers: Servers) -> list[Figure]:
    source = _source(options)
    figures = []
    for backend in BACKENDS:
        env = servers.env(backend)
        with environment(env):
            store(backend).upload(BUCKET, DOWNLOAD_KEY, local_path=source)
        if backend == "local":  # the plain-copy peer reads its own copy of the same bytes
            copy = Path(env["LOCAL_ROOT"]) / "plain-copy" / DOWNLOAD_KEY
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, copy)
        peers = ["raw", "obstore"] if backend == "s3" else ["raw"]
        for direction in ("up", "down"):
            specs: dict[str, dict[str, object]] = {}
            for side in ["ours", *peers]:
                if direction == "up":
                    specs[side] = {"key": f"transfer/{side}.bin", "path": str(source)}
                else:
                    specs[side] = {"key": DOWNLOAD_KEY, "path": str(options.scratch / f"download-{side}.bin")}
                specs[side].update(backend=backend, side=side, direction=direction)
            sides = {side: _side(spec, env) for side, spec in specs.items()}
            runs = measure(sides, runs=options.slow_runs, settle=os.sync)
            profile = None  # one profile of ours explains every goal it missed here
            for peer in peers:
                figure = _figure(options, backend, direction, peer, runs["ours"], runs[peer])
                if figure.verdict is False:
                    profile = profile or py_spy(_child(specs["ours"]), env)
                    figure.profile = profile
                figures.append(figure)
            figures.append(_memory_figure(backend, direction, peers, runs, specs["ours"], env))
    return figures


def _figure(options: Options, backend: str, direction: str, peer: str, ours: list[Run], theirs: list[Run]) -> Figure:
    verb = "upload" if direction == "up" else "download"
    where = SERVER_NAMES[backend]
    name = f"{backend} {verb} {options.size_mib} MiB ({where})"
    goal: Goal | None
    if peer == "obstore":
        goal = Goal("<= 1.2x obstore", 1.2)
        label = "obstore put" if direction == "up" else "obstore get().stream()"
    else:
        goal = None if backend == "local" else Goal("<= 1.0x raw SDK", 1.0)
        label = RAW_LABELS[(backend, direction)]
    return Figure(
        group="storage",
        name=name,
        ours_label=f"{verb}(local_path=)",
        peer_label=label,
        ours=seconds_of(ours),
        peer=seconds_of(theirs),
        goal=goal,
        ours_rss=rss_of(ours),
        peer_rss=rss_of(theirs),
    )


def _memory_figure(
    backend: str,
    direction: str,
    peers: list[str],
    runs: dict[str, list[Run]],
    spec: dict[str, object],
    env: dict[str, str],
) -> Figure:
    """Peak RSS growth of ours (worst run) against the same of the first peer; goal absolute."""
    verb = "upload" if direction == "up" else "download"
    peer = peers[0]
    figure = Figure(
        group="memory",
        name=f"{backend} {verb} peak RSS growth",
        ours_label=f"{verb}(local_path=)",
        peer_label=RAW_LABELS[(backend, direction)],
        ours=rss_of(runs["ours"]),
        peer=rss_of(runs[peer]),
        unit="MiB",
        goal=Goal(f"<= {RSS_LIMIT_MIB:.0f} MiB", RSS_LIMIT_MIB, kind="absolute"),
    )
    if len(peers) > 1:
        obstore = rss_of(runs["obstore"])
        figure.notes.append(f"obstore peak RSS growth: {min(obstore):.1f} / {max(obstore):.1f} MiB (min / max)")
    if figure.verdict is False:
        memory = subprocess.run(
            _child({**spec, "memory": True}),
            env={**os.environ, **env},
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        figure.profile = memory.stdout.strip() or memory.stderr[-2000:]
    return figure
