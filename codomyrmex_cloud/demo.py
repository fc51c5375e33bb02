"""``make demo``: the seed's quick start on the embedded defaults (no account, no network)."""

from __future__ import annotations

import pkgutil

import codomyrmex_coda_api.api

import codomyrmex_cloud


def main() -> None:
    print(f"codomyrmex-cloud {codomyrmex_cloud.__version__}")
    tags = [m.name for m in pkgutil.iter_modules(codomyrmex_coda_api.api.__path__)]
    for tag in tags:
        module = __import__(f"codomyrmex_coda_api.api.{tag}", fromlist=["_"])
        ops = [m.name for m in pkgutil.iter_modules(module.__path__)]
        print(f"  {tag}: {len(ops)} operations")


if __name__ == "__main__":
    main()
