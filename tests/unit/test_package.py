"""Packaging promises: the alias import path, lazy imports, and the public names."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from types import ModuleType

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


def type_checking_imports(module: ModuleType, *, explicit: bool) -> dict[str, str | None]:
    """name -> module of the ``from ... import`` statements under ``if TYPE_CHECKING:``
    (with ``explicit``, only the ``import X as X`` re-export form)."""
    tree = ast.parse(Path(str(module.__file__)).read_text())
    checked = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING")
    return {
        alias.name: node.module
        for node in checked.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.asname == alias.name or not explicit
    }


def test_the_lazy_map_all_and_the_type_checking_imports_agree() -> None:
    assert codomyrmex_cloud.__all__ == ["__version__", *codomyrmex_cloud._EXPORTS]
    assert type_checking_imports(codomyrmex_cloud, explicit=True) == codomyrmex_cloud._EXPORTS


def test_storage_loads_its_cloud_clients_on_first_use() -> None:
    from codomyrmex_cloud import storage

    assert type_checking_imports(storage, explicit=False) == storage._LAZY
    assert set(storage._LAZY) <= set(storage.__all__)
    for statement in (
        "import codomyrmex_cloud.storage",
        "from codomyrmex_cloud import LocalStore, FileSystemStore, StorageError, open_store, copy_object",
    ):
        assert loaded_after(statement) == [], statement
    assert "boto3" in loaded_after("from codomyrmex_cloud import S3Client")  # for its annotations
    for name in storage.__all__:
        assert getattr(storage, name) is not None, name
    assert set(dir(storage)) >= set(storage.__all__)


def test_every_public_name_resolves() -> None:
    for name in codomyrmex_cloud.__all__:
        assert getattr(codomyrmex_cloud, name) is not None
    assert set(dir(codomyrmex_cloud)) >= set(codomyrmex_cloud.__all__)
