"""Import cost of ``codomyrmex_cloud`` against importing every generated model (its peer)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time


def _seconds(statement: str, runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    baseline = _seconds("pass")
    ours = _seconds("import codomyrmex_cloud") - baseline
    peer = _seconds("import codomyrmex_coda_api.models as m; [getattr(m, n) for n in m.__all__]") - baseline
    print(
        f"import codomyrmex_cloud: {ours * 1000:.0f} ms; all generated models: {peer * 1000:.0f} ms "
        f"(ratio {ours / peer:.3f})"
    )


if __name__ == "__main__":
    main()
