"""Run every benchmark and print its figures."""

from __future__ import annotations

from benchmarks import coda, import_cost, storage


def main() -> None:
    import_cost.main()
    coda.main()
    storage.main([])


if __name__ == "__main__":
    main()
