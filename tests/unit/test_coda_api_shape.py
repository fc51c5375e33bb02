"""The public Coda API's shape: sync and async twins alike, annotations that resolve, docstrings."""

from __future__ import annotations

import inspect
import typing

import pytest

import codomyrmex_cloud
from codomyrmex_cloud.coda import _async, _sync
from tests.support.public_api import PublicApi, module_of

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


def test_cell_value_is_the_precise_union() -> None:
    from codomyrmex_coda_api.models import CurrencyValue, PersonValue

    args = typing.get_args(codomyrmex_cloud.CellValue)
    assert str in args and CurrencyValue in args and PersonValue in args and object not in args


OURS = ("codomyrmex_cloud.", "codomyrmex_coda_api.")


def is_ours(obj: object) -> bool:
    module = module_of(obj)
    return module.startswith(OURS) and not module.startswith("codomyrmex_cloud.storage")


API = PublicApi(is_ours)


def test_the_walk_reaches_the_facade_paging_mutations_errors_and_policies() -> None:
    names = {cls.__name__ for cls in API.classes}
    expected = {"CodaClient", "AsyncCodaClient", "Doc", "Table", "Row", "Paginated", "AsyncPaginated", "Mutation"}
    expected |= {"CodaAPIError", "CodaPartialWriteError", "RateLimits", "Limit", "RetryPolicy", "AuthenticatedClient"}
    assert expected <= names
    assert {"CodaClient.list_rows", "Paginated.next_page", "Mutation.wait", "RetryPolicy.backoff"} <= API.members.keys()


def test_every_public_class_method_and_property_has_a_docstring() -> None:
    missing = [cls.__qualname__ for cls in API.classes if not inspect.getdoc(cls)]
    for qualname, member in API.members.items():
        target = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
        if not qualname.endswith(".__init__") and not inspect.getdoc(target):
            missing.append(qualname)
    assert missing == []


def test_type_hints_resolve_on_every_public_class_method_and_property() -> None:
    # PublicApi resolved every class body and member while walking; this names what it checked.
    assert len(API.members) > 300
    for member in API.members.values():
        target = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
        typing.get_type_hints(target)


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

    models = {cls for cls in API.classes if cls.__module__.startswith("codomyrmex_coda_api.models.")}
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
    for model in models:
        typing.get_type_hints(model)
        if hasattr(model, "__attrs_attrs__"):  # enums have no methods of their own to check
            for name in ("__init__", "to_dict", "from_dict"):
                typing.get_type_hints(getattr(model, name))
