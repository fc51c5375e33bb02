"""Regenerate the low-level Coda client in ``generated/`` from Coda's OpenAPI spec.

Pipeline: fetch (URL, path, or the pinned copy) -> verify (sha256 + API version recorded in
``openapi/provenance.json``) -> normalise (``openapi/normalise.py``) -> generate
(openapi-python-client with ``openapi/generator-config.yaml`` and ``openapi/templates``) ->
format (pinned ruff) -> compare with ``generated/`` and replace it.

Any generator warning fails the run: a warning means part of the API was dropped, and a new
spec defect must be answered by a normalisation rule, not shipped silently.

Usage::

    python -m scripts.regenerate                 # regenerate from the pinned spec
    python -m scripts.regenerate --check         # regenerate to a temp dir, fail on drift
    python -m scripts.regenerate --spec URL --pin  # adopt a new spec: re-pin, then regenerate
"""

from __future__ import annotations

import argparse
import contextlib
import filecmp
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openapi.normalise import normalise

ROOT = Path(__file__).resolve().parent.parent
OPENAPI_DIR = ROOT / "openapi"
PINNED_SPEC = OPENAPI_DIR / "coda.oas.json"
PROVENANCE = OPENAPI_DIR / "provenance.json"
CONFIG = OPENAPI_DIR / "generator-config.yaml"
TEMPLATES = OPENAPI_DIR / "templates"
GENERATED = ROOT / "generated"
PACKAGE = "codomyrmex_coda_api"

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


class RegenerateError(Exception):
    """The spec could not be turned into a complete, warning-free client."""


@dataclass(frozen=True)
class Summary:
    version: str
    operations: int
    models: int
    typed_2xx: int
    untyped_2xx: tuple[str, ...]
    warnings: tuple[str, ...]
    rule_counts: dict[str, int]


def read_spec(source: str) -> bytes:
    """Read the spec from a URL or a local path."""
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=60) as response:  # noqa: S310 - user-given URL
            data: bytes = response.read()
            return data
    return Path(source).read_bytes()


def verify(raw: bytes, provenance: dict[str, Any]) -> dict[str, Any]:
    """Check the spec against the recorded sha256 and API version; return the parsed spec."""
    digest = hashlib.sha256(raw).hexdigest()
    spec: dict[str, Any] = json.loads(raw)
    version = spec.get("info", {}).get("version")
    if digest != provenance["sha256"] or version != provenance["version"]:
        raise RegenerateError(
            f"spec sha256 {digest[:12]}… version {version} does not match the pin "
            f"({provenance['sha256'][:12]}… version {provenance['version']}); "
            "rerun with --pin to adopt it"
        )
    return spec


def generate(spec: dict[str, Any], out_dir: Path) -> Summary:
    """Normalise ``spec`` and generate the package into ``out_dir / PACKAGE``."""
    from openapi_python_client import Project
    from openapi_python_client.config import Config, ConfigFile, MetaType
    from openapi_python_client.parser import GeneratorData

    normalised, rule_counts = normalise(spec)
    config = Config.from_sources(
        ConfigFile.load_from_path(CONFIG),
        MetaType.NONE,
        document_source=PINNED_SPEC,
        file_encoding="utf-8",
        overwrite=True,
        output_path=out_dir / PACKAGE,
    )
    data = GeneratorData.from_dict(normalised, config=config)
    if not isinstance(data, GeneratorData):
        raise RegenerateError(f"generator rejected the spec: {data.header} {data.detail}")
    project = Project(openapi=data, custom_template_path=TEMPLATES, config=config)
    with contextlib.redirect_stdout(io.StringIO()):  # its "Generating <dir>" line
        errors = project.build()
    warnings = tuple(f"{e.level.value}: {e.header} {e.detail or ''}".strip() for e in errors)

    # Every 2xx the spec declares must come back as a typed model; the generator omits a
    # response it cannot parse (with a warning), so compare against the spec, not its output.
    declared_by_route = {
        (method, re.sub(r"\{[^}]*\}", "{}", route)): operation.get("responses", {})
        for route, item in normalised["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }
    typed, untyped = 0, []
    for collection in data.endpoint_collections_by_tag.values():
        for endpoint in collection.endpoints:
            path = endpoint.path.get_untrusted_value()
            declared = declared_by_route[(endpoint.method, re.sub(r"\{[^}]*\}", "{}", path))]
            parsed = {
                r.status_code.pattern: r.prop
                for r in endpoint.responses
                if r.prop.__class__.__name__ not in ("AnyProperty", "NoneProperty")
            }
            for status in sorted(s for s in declared if s.startswith("2")):
                if status in parsed:
                    typed += 1
                else:
                    untyped.append(f"{endpoint.method.upper()} {path} {status}")
    operations = sum(1 for item in normalised["paths"].values() for method in item if method in HTTP_METHODS)
    generated_ops = sum(len(c.endpoints) for c in data.endpoint_collections_by_tag.values())
    if generated_ops != operations:
        warnings += (f"only {generated_ops} of {operations} operations were generated",)
    format_tree(out_dir / PACKAGE, spec["info"]["version"])
    models = len(list((out_dir / PACKAGE / "models").glob("*.py"))) - 1  # minus __init__
    return Summary(
        version=spec["info"]["version"],
        operations=generated_ops,
        models=models,
        typed_2xx=typed,
        untyped_2xx=tuple(untyped),
        warnings=warnings,
        rule_counts=rule_counts,
    )


def format_tree(package_dir: Path, version: str) -> None:
    """Mark every file as generated, then sort imports and format with the pinned ruff."""
    header = (
        f"# Generated by scripts/regenerate.py (openapi-python-client) from Coda API {version}; do not edit by hand.\n"
    )
    for path in sorted(package_dir.rglob("*.py")):
        path.write_text(header + path.read_text(encoding="utf-8"), encoding="utf-8")
    # PEP 561 marker: users' type checkers read the generated models the façade hands out.
    (package_dir / "py.typed").write_text("")
    ruff = [sys.executable, "-m", "ruff"]
    common = ["--isolated", "--line-length", "120", "--target-version", "py311"]
    subprocess.run(
        [*ruff, "check", *common, "--fix-only", "--select", "I,F401,UP", "--quiet", str(package_dir)],
        check=True,
    )
    subprocess.run([*ruff, "format", *common, "--quiet", str(package_dir)], check=True)


def tree_diff(old: Path, new: Path) -> tuple[list[str], list[str], list[str]]:
    """Return (added, removed, changed) relative file paths between two trees."""
    old_files = {p.relative_to(old).as_posix() for p in old.rglob("*") if p.is_file()} if old.exists() else set()
    new_files = {p.relative_to(new).as_posix() for p in new.rglob("*") if p.is_file()}
    changed = sorted(f for f in old_files & new_files if not filecmp.cmp(old / f, new / f, shallow=False))
    return sorted(new_files - old_files), sorted(old_files - new_files), changed


def describe_diff(added: list[str], removed: list[str], changed: list[str]) -> str:
    """A readable summary of how the generated client changed: operations, models, files."""
    if not (added or removed or changed):
        return "generated/ is unchanged"

    def kind(paths: list[str], folder: str) -> list[str]:
        return [Path(p).stem for p in paths if p.startswith(folder) and not p.endswith("__init__.py")]

    lines = [f"generated/ changed: {len(added)} added, {len(removed)} removed, {len(changed)} changed files"]
    for label, paths in (("+", added), ("-", removed), ("~", changed)):
        ops = kind(paths, f"{PACKAGE}/api/")
        models = kind(paths, f"{PACKAGE}/models/")
        if ops:
            lines.append(f"  {label} operations: {', '.join(ops[:20])}{' …' if len(ops) > 20 else ''}")
        if models:
            lines.append(f"  {label} models: {', '.join(models[:20])}{' …' if len(models) > 20 else ''}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default=str(PINNED_SPEC), help="URL or path of Coda's spec (default: pinned)")
    parser.add_argument("--pin", action="store_true", help="adopt --spec as the new pinned spec")
    parser.add_argument("--check", action="store_true", help="fail if generated/ differs from a fresh run")
    parser.add_argument("--output", type=Path, default=GENERATED, help="where the package tree lives")
    args = parser.parse_args(argv)

    raw = read_spec(args.spec)
    provenance = json.loads(PROVENANCE.read_text())
    if args.pin:
        spec = json.loads(raw)
        provenance.update(sha256=hashlib.sha256(raw).hexdigest(), version=spec["info"]["version"], source=args.spec)
        PINNED_SPEC.write_bytes(raw)
        PROVENANCE.write_text(json.dumps(provenance, indent=2) + "\n")
    try:
        spec = verify(raw, provenance)
        with tempfile.TemporaryDirectory(prefix="coda-gen-") as tmp:
            summary = generate(spec, Path(tmp))
            print(
                f"Coda API {summary.version}: {summary.operations} operations, {summary.models} models, "
                f"{summary.typed_2xx} typed 2xx responses, {len(summary.untyped_2xx)} untyped, "
                f"{len(summary.warnings)} warnings "
                f"(rules: {', '.join(f'{k}={v}' for k, v in summary.rule_counts.items())})"
            )
            problems = list(summary.warnings) + [f"untyped 2xx response: {u}" for u in summary.untyped_2xx]
            if problems:
                for problem in problems:
                    print(problem, file=sys.stderr)
                raise RegenerateError(f"{len(problems)} generator problems; answer them with a normalisation rule")
            old, new = args.output / PACKAGE, Path(tmp) / PACKAGE
            diff = tree_diff(old, new)
            print(describe_diff(*diff))
            if args.check:
                return 1 if any(diff) else 0
            if any(diff):
                shutil.rmtree(old, ignore_errors=True)
                shutil.copytree(new, old)
    except RegenerateError as exc:
        print(f"regenerate: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
