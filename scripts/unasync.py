"""Generate the sync Coda client (``codomyrmex_cloud/coda/_sync``) from the async one (``_async``).

Modelled on httpcore's ``scripts/unasync.py``: every line of every ``_async`` module goes
through a list of token substitutions (``async def`` -> ``def``, ``AsyncCodaClient`` ->
``CodaClient``, ``asyncio.sleep`` -> ``time.sleep`` ...). Three directives, in comments, cover
what a token cannot:

- ``# unasync: async-only`` ... ``# unasync: end``: the lines between are dropped (``__await__``).
- A line that is only ``# unasync: CODE``: becomes ``CODE`` in the sync file (sync-only code).
- ``CODE  # unasync: REPLACEMENT`` on a line: the sync file has ``REPLACEMENT`` there.

The output is formatted with the pinned ruff and starts with a "generated; do not edit" line.

    python -m scripts.unasync          # write _sync/
    python -m scripts.unasync --check  # fail if _sync/ differs, or a substitution went unused
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASYNC_DIR = ROOT / "codomyrmex_cloud" / "coda" / "_async"
SYNC_DIR = ROOT / "codomyrmex_cloud" / "coda" / "_sync"

SUBS: list[tuple[str, str]] = [
    ("_async", "_sync"),
    ("import asyncio", "import time"),
    ("asyncio.sleep", "time.sleep"),
    ("asyncio", "sync"),
    ("async_batch_runner", "batch_runner"),  # the one module written once per side
    ("AsyncIterator", "Iterator"),
    ("Async([A-Z][A-Za-z0-9_]*)", r"\2"),  # group 1 is the leading boundary
    ("async def", "def"),
    ("async for", "for"),
    ("async with", "with"),
    ("await ", ""),
    ("handle_async_request", "handle_request"),
    ("set_async_httpx_client", "set_httpx_client"),
    ("aclose", "close"),
    ("aread", "read"),
    ("__aenter__", "__enter__"),
    ("__aexit__", "__exit__"),
    ("__aiter__", "__iter__"),
]
COMPILED = [(re.compile(r"(^|\b)" + pattern + r"($|\b)"), replacement) for pattern, replacement in SUBS]
DIRECTIVE = re.compile(r"^(?P<indent>\s*)(?P<code>.*?)\s*# unasync: (?P<arg>.*)$")


def unasync_source(source: str, used: set[int]) -> str:
    """The sync twin of one async module's source (before formatting)."""
    out: list[str] = []
    skipping = False
    for line in source.splitlines():
        match = DIRECTIVE.match(line)
        if match:
            arg = match.group("arg").strip()
            if arg == "async-only":
                skipping = True
                continue
            if arg == "end":
                skipping = False
                continue
            if not skipping:
                out.append(match.group("indent") + arg)
            continue
        if skipping:
            continue
        text = line
        for index, (regex, replacement) in enumerate(COMPILED):
            replaced = regex.sub(replacement, text)
            if replaced != text:
                used.add(index)
                text = replaced
        out.append(text)
    if skipping:
        raise SystemExit("unasync: '# unasync: async-only' without '# unasync: end'")
    return "\n".join(out) + "\n"


def generate(out_dir: Path) -> set[int]:
    """Write the sync package into ``out_dir``; return the indices of the substitutions used."""
    used: set[int] = set()
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in sorted(ASYNC_DIR.glob("*.py")):
        header = f"# Generated from codomyrmex_cloud/coda/_async/{path.name} by scripts/unasync.py; do not edit.\n"
        (out_dir / path.name).write_text(header + unasync_source(path.read_text(), used))
    ruff = [sys.executable, "-m", "ruff"]
    subprocess.run([*ruff, "check", "--fix-only", "--quiet", "--select", "I,F401", str(out_dir)], check=True, cwd=ROOT)
    subprocess.run([*ruff, "format", "--quiet", str(out_dir)], check=True, cwd=ROOT)
    return used


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if _sync/ is not what _async/ generates")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="unasync-", dir=ROOT / "codomyrmex_cloud" / "coda") as tmp:
        # Inside the package folder so ruff reads the project's own settings.
        fresh = Path(tmp)
        used = generate(fresh)
        unused = [SUBS[i][0] for i in range(len(SUBS)) if i not in used]
        if unused:
            print(f"unasync: substitutions never used (remove them): {unused}", file=sys.stderr)
            return 1
        expected = {p.name: p.read_text() for p in fresh.glob("*.py")}
    actual = {p.name: p.read_text() for p in SYNC_DIR.glob("*.py")} if SYNC_DIR.exists() else {}
    drift = sorted(name for name in expected.keys() | actual.keys() if expected.get(name) != actual.get(name))
    if args.check:
        if drift:
            print(f"unasync: _sync/ differs from what _async/ generates: {', '.join(drift)} (run make regenerate)")
            return 1
        print("unasync: _sync/ is up to date")
        return 0
    SYNC_DIR.mkdir(exist_ok=True)
    for name in actual.keys() - expected.keys():
        (SYNC_DIR / name).unlink()
    for name, text in expected.items():
        if actual.get(name) != text:
            (SYNC_DIR / name).write_text(text)
    print(f"unasync: {len(expected)} files in _sync/, {len(drift)} changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
