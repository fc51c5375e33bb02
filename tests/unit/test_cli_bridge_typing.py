"""The command line's and the bridge's public names: annotations resolve at runtime,
docstrings exist, and the entry points are installed."""

from __future__ import annotations

import inspect
import subprocess
import sys
import typing
from types import ModuleType

import pytest

import codomyrmex_cloud.bridge
import codomyrmex_cloud.bridge.cells
import codomyrmex_cloud.bridge.endpoints
import codomyrmex_cloud.bridge.errors
import codomyrmex_cloud.bridge.exporting
import codomyrmex_cloud.bridge.formats
import codomyrmex_cloud.bridge.importing
import codomyrmex_cloud.bridge.parquet
import codomyrmex_cloud.bridge.tables
import codomyrmex_cloud.cli.app
import codomyrmex_cloud.storage.files
import codomyrmex_cloud.storage.tree
import codomyrmex_cloud.storage.urls

MODULES = [
    codomyrmex_cloud.bridge,
    codomyrmex_cloud.bridge.cells,
    codomyrmex_cloud.bridge.endpoints,
    codomyrmex_cloud.bridge.errors,
    codomyrmex_cloud.bridge.exporting,
    codomyrmex_cloud.bridge.formats,
    codomyrmex_cloud.bridge.importing,
    codomyrmex_cloud.bridge.parquet,
    codomyrmex_cloud.bridge.tables,
    codomyrmex_cloud.cli.app,
    codomyrmex_cloud.storage.files,
    codomyrmex_cloud.storage.tree,
    codomyrmex_cloud.storage.urls,
]


def public(module: ModuleType) -> list[tuple[str, object]]:
    """The module's public functions and classes, and every public method of those classes
    that this SDK defines (inherited ones included: ``FileSystemStore`` offers ``BaseStore``'s
    whole API)."""
    names = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
    found: list[tuple[str, object]] = []
    for name in names:
        value = getattr(module, name)
        home = getattr(value, "__module__", "")
        if not home.startswith(module.__name__) or not (inspect.isfunction(value) or inspect.isclass(value)):
            continue
        found.append((f"{home}.{name}", value))
        if inspect.isclass(value):
            for attr, member in inspect.getmembers(value, inspect.isfunction):
                ours = member.__module__.startswith("codomyrmex_cloud.")  # not click's, io's ...
                if ours and not attr.startswith("_"):
                    found.append((f"{home}.{name}.{attr}", member))
    return found


def test_the_walk_sees_inherited_methods() -> None:
    walked = dict(public(codomyrmex_cloud.storage.files))
    for method in ("upload", "download", "open_write", "list_objects", "close", "path"):
        assert f"codomyrmex_cloud.storage.files.FileSystemStore.{method}" in walked


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_annotations_resolve_and_docstrings_exist(module: ModuleType) -> None:
    for name, value in public(module):
        typing.get_type_hints(value)
        assert inspect.getdoc(value), f"{name} has no docstring"


def test_python_dash_m_runs_the_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "codomyrmex_cloud", "--version"], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == f"codomyrmex-cloud, version {codomyrmex_cloud.__version__}"
    helped = subprocess.run(
        [sys.executable, "-m", "codomyrmex_cloud", "--help"], capture_output=True, text=True, timeout=60, check=True
    )
    for command in ("coda", "ls", "cp", "sync", "rm", "cat", "stat"):
        assert f"  {command} " in helped.stdout
