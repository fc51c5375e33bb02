"""Packaging promises: the alias import path, lazy imports, and the public names."""

from __future__ import annotations

import subprocess
import sys

import codomyrmex.cloud
import codomyrmex_cloud

HEAVY = ("codomyrmex_coda_api.models.", "boto3", "botocore", "google.cloud", "azure.storage")


def loaded_after(statement: str) -> list[str]:
    code = f"import sys; {statement}; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return [m for m in out.splitlines() if m.startswith(HEAVY)]


def test_importing_the_package_loads_no_generated_model_and_no_cloud_sdk() -> None:
    assert loaded_after("import codomyrmex_cloud") == []
    assert loaded_after("import codomyrmex.cloud") == []


def test_the_sync_coda_client_does_not_import_asyncio() -> None:
    code = "import sys; from codomyrmex_cloud import CodaClient; print('asyncio' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "False"


def test_the_alias_hands_out_the_same_objects() -> None:
    assert codomyrmex.cloud.__all__ == codomyrmex_cloud.__all__
    for name in codomyrmex_cloud.__all__:
        assert getattr(codomyrmex.cloud, name) is getattr(codomyrmex_cloud, name), name


def test_the_lazy_map_all_and_the_type_checking_imports_agree() -> None:
    import ast
    from pathlib import Path

    assert codomyrmex_cloud.__all__ == ["__version__", *codomyrmex_cloud._EXPORTS]
    tree = ast.parse(Path(codomyrmex_cloud.__file__).read_text())
    checked = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING")
    imported = {
        alias.name: node.module
        for node in checked.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.asname == alias.name  # the explicit re-export form
    }
    assert imported == codomyrmex_cloud._EXPORTS


def test_every_public_name_resolves() -> None:
    for name in codomyrmex_cloud.__all__:
        assert getattr(codomyrmex_cloud, name) is not None
    assert set(dir(codomyrmex_cloud)) >= set(codomyrmex_cloud.__all__)
