"""The public Coda API's shape: sync and async twins alike, annotations that resolve, docstrings."""

from __future__ import annotations

import inspect
import typing

import pytest

import codomyrmex_cloud
from codomyrmex_cloud.coda import _async, _sync

TWINS = [(getattr(_sync, name[len("Async") :]), getattr(_async, name)) for name in _async.__all__]
# The Coda half of the public API (storage has its own tests): our classes, and the generated
# models we re-export.
PUBLIC_CLASSES = [
    value
    for name in codomyrmex_cloud.__all__
    if inspect.isclass(value := getattr(codomyrmex_cloud, name))
    and not value.__module__.startswith("codomyrmex_cloud.storage")
]


def public_members(cls: type) -> dict[str, object]:
    return {name: member for name, member in inspect.getmembers(cls) if not name.startswith("_")}


def normalised(signature: inspect.Signature) -> str:
    # The twins differ only in Async prefixes, awaitables and asyncio/time.
    text = str(signature).replace("Async", "").replace("Awaitable[None]", "None")
    return text.replace("asyncio.sleep", "time.sleep").replace("AsyncIterator", "Iterator")


@pytest.mark.parametrize(("sync_cls", "async_cls"), TWINS, ids=[a.__name__ for _, a in TWINS])
def test_every_sync_class_has_its_async_twins_names_and_signatures(sync_cls: type, async_cls: type) -> None:
    sync_members, async_members = public_members(sync_cls), public_members(async_cls)
    assert sync_members.keys() == async_members.keys()
    for name, member in sync_members.items():
        twin = async_members[name]
        if callable(member) and not isinstance(member, type):
            assert normalised(inspect.signature(member)) == normalised(inspect.signature(twin)), name  # type: ignore[arg-type]
            if inspect.iscoroutinefunction(twin) or inspect.isasyncgenfunction(twin):
                assert not inspect.iscoroutinefunction(member), name


def test_the_drift_the_issue_found_is_gone() -> None:
    for name in ("page", "delete", "browser_link", "update", "search_principals"):
        assert hasattr(_async.AsyncDoc, name), name
    assert hasattr(_async.AsyncPage, "delete") and hasattr(_async.AsyncRow, "push_button")


@pytest.mark.parametrize("cls", PUBLIC_CLASSES, ids=[c.__name__ for c in PUBLIC_CLASSES])
def test_annotations_resolve_at_runtime(cls: type) -> None:
    ours = cls.__module__.startswith("codomyrmex_cloud")
    typing.get_type_hints(cls)
    for name, member in inspect.getmembers(cls):
        if name.startswith("_") and not (ours and name in ("__init__", "__getitem__")):
            continue
        target = member.fget if isinstance(member, property) else member
        if inspect.isfunction(target) and target.__module__.startswith(("codomyrmex_cloud", "codomyrmex_coda_api")):
            typing.get_type_hints(target)


@pytest.mark.parametrize("cls", [c for pair in TWINS for c in pair], ids=lambda c: c.__name__)
def test_every_public_method_has_a_docstring(cls: type) -> None:
    missing = []
    for name, member in public_members(cls).items():
        target = member.fget if isinstance(member, property) else member
        if (inspect.isfunction(target) or isinstance(member, property)) and not inspect.getdoc(target):
            missing.append(name)
    assert missing == []


def test_cell_value_is_the_precise_union() -> None:
    from codomyrmex_coda_api.models import CurrencyValue, PersonValue

    args = typing.get_args(codomyrmex_cloud.CellValue)
    assert str in args and CurrencyValue in args and PersonValue in args and object not in args


def generated_models_in(annotation: object, found: set[type]) -> None:
    """Add every generated model ``annotation`` names, and the models their fields name."""
    if isinstance(annotation, type) and annotation.__module__.startswith("codomyrmex_coda_api.models."):
        if annotation in found:
            return
        found.add(annotation)
        for field_type in typing.get_type_hints(annotation).values():
            generated_models_in(field_type, found)
        return
    for arg in typing.get_args(annotation):
        generated_models_in(arg, found)


def facade_models() -> set[type]:
    """Every generated model the Coda façade can hand out: named by a public annotation (a
    return type, ``.model``, a cell value), or by a field of such a model."""
    found: set[type] = set()
    for name in codomyrmex_cloud.__all__:
        value = getattr(codomyrmex_cloud, name)
        if getattr(value, "__module__", "").startswith("codomyrmex_cloud.storage"):
            continue
        generated_models_in(value, found)  # re-exported models and aliases (CellValue, ColumnFormat)
        if not inspect.isclass(value):
            continue
        for base in getattr(value, "__orig_bases__", ()):  # Doc is Wrapped[CodaClient, DocModel]: .model
            generated_models_in(base, found)
        for _, member in inspect.getmembers(value):
            target = member.fget if isinstance(member, property) else member
            if inspect.isfunction(target):
                for hint in typing.get_type_hints(target).values():
                    generated_models_in(hint, found)
    return found


def test_type_hints_resolve_on_every_model_the_facade_hands_out() -> None:
    from codomyrmex_coda_api.models import (
        Column,
        CurrencyValue,
        Doc,
        LinkedDataObject,
        Page,
        Row,
        RowDetail,
        Table,
        WorkspaceReference,
    )

    models = facade_models()
    expected = {
        codomyrmex_cloud.User,
        codomyrmex_cloud.Formula,
        codomyrmex_cloud.Control,
        codomyrmex_cloud.Permission,
        codomyrmex_cloud.MutationStatus,
        Doc,
        Page,
        Table,
        Column,
        Row,
        RowDetail,
        CurrencyValue,
        LinkedDataObject,
        WorkspaceReference,  # a field of User: reached through the model's own hints
    }
    assert expected <= models
    for model in models:  # generated_models_in already resolved each class's fields
        if hasattr(model, "__attrs_attrs__"):  # enums have no methods of their own to check
            for name in ("__init__", "to_dict", "from_dict"):
                typing.get_type_hints(getattr(model, name))
