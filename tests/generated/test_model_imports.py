"""How the generated models import each other (``openapi/templates/model.py.jinja``).

A model imports the models it refers to at the end of its module, not inside ``to_dict`` /
``from_dict`` on every call (the per-row cost the issue measured) and not only for type
checkers (which made ``typing.get_type_hints`` raise NameError).
"""

from __future__ import annotations

import dis
import re
import types
import typing
from pathlib import Path

import codomyrmex_coda_api.models as models
import pytest

MODELS_DIR = Path(models.__file__).parent
TRAILER = "\n# Referenced models, imported last"
MODEL_IMPORT = re.compile(r"^from \.\.models\.(\w+) import", re.MULTILINE)


def all_model_classes() -> list[type]:
    return [value for name in models.__all__ if isinstance(value := getattr(models, name), type)]


def imports_in(code: types.CodeType) -> list[str]:
    """Names imported anywhere in ``code``, nested functions included."""
    found = [i.argval for i in dis.get_instructions(code) if i.opname == "IMPORT_NAME"]
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found += imports_in(const)
    return found


def test_no_model_method_imports_anything_when_called() -> None:
    offenders = []
    for cls in all_model_classes():
        for name in ("to_dict", "from_dict", "to_multipart"):
            method = getattr(cls, name, None)
            function = getattr(method, "__func__", method)
            if isinstance(function, types.FunctionType) and imports_in(function.__code__):
                offenders.append(f"{cls.__name__}.{name}")
    assert offenders == []


def test_every_models_annotations_resolve_at_runtime() -> None:
    unresolved = []
    for cls in all_model_classes():
        try:
            typing.get_type_hints(cls)
            for name in ("__init__", "to_dict", "from_dict", "__getitem__", "__setitem__"):
                if (method := getattr(cls, name, None)) is not None and hasattr(method, "__code__"):
                    typing.get_type_hints(method)
        except NameError as exc:
            unresolved.append(f"{cls.__name__}: {exc}")
    assert unresolved == []


def test_a_model_imported_first_never_needs_itself_before_its_class_exists() -> None:
    # Imports at the top of a model module run before its class is bound; if one of them led
    # back to the module (through any chain of imports), importing it first would fail. The
    # imports after the class (the trailer) may form cycles: the class is bound by then.
    top: dict[str, set[str]] = {}
    every: dict[str, set[str]] = {}
    for path in MODELS_DIR.glob("*.py"):
        if path.name == "__init__.py":
            continue
        head, _, trailer = path.read_text().partition(TRAILER)
        top[path.stem] = set(MODEL_IMPORT.findall(head))
        every[path.stem] = top[path.stem] | set(MODEL_IMPORT.findall(trailer))
    assert sum(map(len, every.values())) > sum(map(len, top.values())), "the trailer imports are gone"

    def reachable(start: str) -> set[str]:
        seen: set[str] = set()
        stack = [start]
        while stack:
            module = stack.pop()
            if module not in seen:
                seen.add(module)
                stack.extend(every.get(module, ()))
        return seen

    cycles = [(module, first) for module, firsts in top.items() for first in firsts if module in reachable(first)]
    assert cycles == []


@pytest.mark.parametrize("module", ["row", "row_detail", "column_detail", "user", "doc"])
def test_a_model_module_imports_alone_in_a_fresh_process(module: str) -> None:
    import subprocess
    import sys

    code = f"import codomyrmex_coda_api.models.{module}"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
