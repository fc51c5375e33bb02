"""A walk over the public API: everything reachable from ``codomyrmex_cloud.__all__``, for the
tests that check annotations resolve at runtime and docstrings exist."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable

import codomyrmex_cloud


def module_of(obj: object) -> str:
    """The module that defines ``obj`` ("" for values that name none)."""
    return getattr(obj, "__module__", None) or ""


class PublicApi:
    """Everything public reachable from the names of ``codomyrmex_cloud.__all__`` that ``ours``
    accepts: those functions, the classes (and the classes their annotations name, that
    ``ours`` also accepts), and their public methods and properties (``__init__`` included),
    found by following every annotation (return types, arguments, fields, generic bases such
    as ``Wrapped[CodaClient, DocModel]`` behind ``doc.model``). Every annotation met on the
    way is resolved with ``typing.get_type_hints``, so building the walk is the first check.
    """

    def __init__(self, ours: Callable[[object], bool]) -> None:
        self._ours = ours
        self.classes: list[type] = []
        self.functions: dict[str, Callable[..., object]] = {}  # exported functions, by name
        self.members: dict[str, object] = {}  # "Class.name" -> function or property
        for name in codomyrmex_cloud.__all__:
            value = getattr(codomyrmex_cloud, name)
            if not ours(value):
                continue
            if inspect.isfunction(value):
                self.functions[name] = value
                for hint in typing.get_type_hints(value).values():
                    self.visit(hint)
            else:
                self.visit(value)

    def visit(self, annotation: object) -> None:
        """Walk ``annotation``: a class of ours, or the arguments of a generic alias."""
        if isinstance(annotation, list | tuple):  # Callable[[int, int], None]
            for item in annotation:
                self.visit(item)
            return
        if not isinstance(annotation, type):
            for arg in typing.get_args(annotation):
                self.visit(arg)
            return
        if not self._ours(annotation) or annotation in self.classes:
            return
        self.classes.append(annotation)
        for hint in typing.get_type_hints(annotation).values():
            self.visit(hint)
        for base in getattr(annotation, "__orig_bases__", ()):
            self.visit(base)
        for name, member in inspect.getmembers(annotation):
            target = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
            if (
                (name.startswith("_") and name != "__init__")
                or not inspect.isfunction(target)
                or not self._ours(target)
            ):
                continue
            self.members[f"{annotation.__qualname__}.{name}"] = member
            for hint in typing.get_type_hints(target).values():
                self.visit(hint)

    def targets(self) -> dict[str, Callable[..., object]]:
        """Every function, method and property getter the walk found, by qualified name."""
        found: dict[str, object] = dict(self.functions)
        for qualname, member in self.members.items():
            found[qualname] = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
        return {name: target for name, target in found.items() if callable(target)}
