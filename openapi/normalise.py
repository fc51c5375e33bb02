"""Normalisation rules applied to Coda's OpenAPI spec before openapi-python-client sees it.

Each rule answers one defect of the published spec (or one gap of the generator) and is a
general rule over the document, never an edit of a named schema: a future spec that has the
same defect elsewhere is fixed the same way, and a future spec with a *new* defect makes the
generator warn, which ``scripts/regenerate.py`` turns into a failure.

Every rule is a pure function ``dict -> int`` that mutates the document in place and returns
how many places it changed, so the regenerate summary can say what each rule did and the unit
tests can prove each rule on a small document.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from typing import Any

JSON = dict[str, Any]
Rule = Callable[[JSON], int]

SCHEMA_PREFIX = "#/components/schemas/"

# Keys that make a schema more than an annotation: if an allOf member has any of these it
# contributes structure, so collapsing the allOf would lose information.
_STRUCTURAL_KEYS = frozenset({"$ref", "properties", "allOf", "oneOf", "anyOf", "items", "enum", "required", "not"})


def _walk(node: Any) -> Iterator[JSON]:
    """Yield every dict in the document, parents before children."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            yield current
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)


def _schemas(doc: JSON) -> JSON:
    schemas: JSON = doc.setdefault("components", {}).setdefault("schemas", {})
    return schemas


def _ref_name(ref: str) -> str | None:
    return ref[len(SCHEMA_PREFIX) :] if ref.startswith(SCHEMA_PREFIX) else None


def fix_path_template_syntax(doc: JSON) -> int:
    """Rewrite JavaScript-style ``${param}`` path templates to OpenAPI's ``{param}``.

    Defect: the spec has ``/docs/${docId}/domains``; the generator would send the literal
    ``$`` and produce a URL Coda does not serve.
    """
    paths: JSON = doc.get("paths", {})
    fixed = 0
    for path in list(paths):
        repaired = re.sub(r"\$\{([^}]+)\}", r"{\1}", path)
        if repaired != path:
            if repaired in paths:
                raise ValueError(f"{path!r} repairs to {repaired!r}, which already exists")
            paths[repaired] = paths.pop(path)
            fixed += 1
    return fixed


def collapse_annotating_allof(doc: JSON) -> int:
    """Replace ``allOf: [{$ref: X}, {annotations only}]`` by ``$ref: X``.

    Defect: Coda uses allOf to attach an example or description to a reference (for
    example ``nextPageLink`` and ``DurationColumnFormat.maxUnit``). That is not object
    composition, and the generator rejects it ("Cannot take allOf a non-object"), dropping
    every list response that contains a ``nextPageLink``. The annotations carry no type
    information, so keeping only the reference loses nothing the client can use.
    """
    collapsed = 0
    for node in _walk(doc):
        members = node.get("allOf")
        if not isinstance(members, list):
            continue
        refs = [m for m in members if isinstance(m, dict) and "$ref" in m]
        others = [m for m in members if isinstance(m, dict) and "$ref" not in m]
        if len(refs) != 1 or any(_STRUCTURAL_KEYS & m.keys() for m in others):
            continue
        if any(m.get("type") not in (None, "string", "number", "integer", "boolean") for m in others):
            continue
        del node["allOf"]
        node["$ref"] = refs[0]["$ref"]
        # OpenAPI 3.0 ignores siblings of $ref; drop them so the generator sees a plain reference.
        for key in [k for k in node if k != "$ref"]:
            del node[key]
        collapsed += 1
    return collapsed


def reference_narrowed_enums(doc: JSON) -> int:
    """Replace an inline enum that Coda marks as a member of a named enum by that named enum.

    Defect: resource ``type`` fields are inline one-value enums (Page.type = ["page"]) that
    the generator names ``<Schema><Property>``; for Page, Table and Control that name is
    already taken by a component enum with other values (``PageType`` lists page kinds), so
    the generator drops Page, Table and Control entirely. Coda annotates these enums with
    ``x-tsType: "Type.Page"``: the value belongs to the component enum ``Type``. Pointing the
    property at that enum removes the collision, yields one enum class instead of dozens,
    and (with our forward-compatible enum template) keeps unknown values parseable.
    """
    schemas = _schemas(doc)
    replaced = 0
    for node in _walk(doc):
        ts_type = node.get("x-tsType")
        values = node.get("enum")
        if not isinstance(ts_type, str) or not isinstance(values, list) or "$ref" in node:
            continue
        target = ts_type.split(".", 1)[0]
        target_schema = schemas.get(target)
        if not isinstance(target_schema, dict) or not set(values) <= set(target_schema.get("enum", [])):
            continue
        node.clear()
        node["$ref"] = SCHEMA_PREFIX + target
        replaced += 1
    return replaced


def drop_undeclared_required(doc: JSON) -> int:
    """Remove names from ``required`` that the schema never declares as properties.

    Defect: ``Table`` requires ``viewId`` but has no ``viewId`` property while forbidding
    additional properties, so no Table can be valid. The field is kept when Coda sends it
    (as an unknown field, see ``allow_unknown_properties``), and is not demanded otherwise.
    """
    dropped = 0
    for node in _walk(doc):
        required, properties = node.get("required"), node.get("properties")
        if not isinstance(required, list) or not isinstance(properties, dict):
            continue
        kept = [name for name in required if name in properties]
        if len(kept) != len(required):
            dropped += len(required) - len(kept)
            node["required"] = kept
    return dropped


def allow_unknown_properties(doc: JSON) -> int:
    """Drop ``additionalProperties: false`` so responses keep fields the spec does not know.

    Defect (of the pairing of spec and generator): Coda adds response fields over time
    (codaio broke on a new ``viewId``). With ``additionalProperties: false`` the generated
    models silently discard unknown keys; without it they keep them in
    ``additional_properties``, reachable and round-tripped by ``to_dict``.
    """
    opened = 0
    for node in _walk(doc):
        if node.get("additionalProperties") is False:
            del node["additionalProperties"]
            opened += 1
    return opened


# Discriminators Coda documents only in prose. The ``valueFormat`` parameter's description in
# the spec shows each rich cell value with its JSON-LD ``@type`` ("MonetaryAmount" for
# currency, "StructuredValue" for a row lookup, ...), but ``RichSingleValue`` declares no
# discriminator, and its branches cannot be told apart by shape (``ImageUrlValue`` requires
# nothing beyond ``@type``, so it would swallow every person, link and row value).
DOCUMENTED_DISCRIMINATORS: dict[str, tuple[str, dict[str, str]]] = {
    "RichSingleValue": (
        "@type",
        {
            "MonetaryAmount": "CurrencyValue",
            "ImageObject": "ImageUrlValue",
            "Person": "PersonValue",
            "WebPage": "UrlValue",
            "StructuredValue": "RowValue",
        },
    ),
}


def supply_documented_discriminators(doc: JSON) -> int:
    """Add the discriminators of ``DOCUMENTED_DISCRIMINATORS`` to their oneOf schemas.

    Defect: see ``DOCUMENTED_DISCRIMINATORS``. A schema that already declares a
    discriminator, or whose branches no longer match the table, is an error, so a spec
    change that invalidates the table is caught instead of mis-parsing cell values.
    """
    schemas = _schemas(doc)
    supplied = 0
    for name, (prop, mapping) in DOCUMENTED_DISCRIMINATORS.items():
        union = schemas.get(name)
        if union is None:
            continue
        if "discriminator" in union:
            raise ValueError(f"{name} now declares its own discriminator; drop it from the table")
        branch_refs = {b.get("$ref") for b in union.get("oneOf", [])}
        missing = [t for t in mapping.values() if SCHEMA_PREFIX + t not in branch_refs]
        if missing:
            raise ValueError(f"{name} no longer has the branches {missing}; update the table")
        union["discriminator"] = {
            "propertyName": prop,
            "mapping": {tag: SCHEMA_PREFIX + target for tag, target in mapping.items()},
        }
        supplied += 1
    return supplied


def add_discriminated_base_branch(doc: JSON) -> int:
    """Add to a discriminated oneOf, as its last branch, the schema all its branches extend.

    Defect: ``RichSingleValue`` discriminates on ``@type`` (see ``DOCUMENTED_DISCRIMINATORS``)
    and each of its object branches extends ``LinkedDataObject`` through allOf, but the union
    does not list ``LinkedDataObject`` itself. A JSON-LD ``@type`` the spec does not list (Coda
    adds types over time, e.g. ``"Duration"``) then has no branch of its own, and the
    generator's first-match parsing hands it to ``ImageUrlValue``, whose only required fields
    are the base's: a duration would read as an image. With the base as a branch,
    ``annotate_discriminators`` makes it the union's fallback, so an unknown tag parses as the
    base with every field kept (``additional_properties``) and written back by ``to_dict``.
    A union that already lists its base (``ColumnFormat`` lists ``SimpleColumnFormat``) is
    left as it is.
    """
    schemas = _schemas(doc)
    added = 0
    for union in list(_walk(doc)):
        branches = union.get("oneOf")
        if not isinstance(union.get("discriminator"), dict) or not isinstance(branches, list):
            continue
        names = [name for b in branches if (name := _ref_name(b.get("$ref", ""))) and _is_object(schemas, name)]
        if not names or _common_base(schemas, names) is not None:
            continue
        extended = [
            {ref for m in schemas[name].get("allOf", []) if isinstance(ref := m.get("$ref"), str)} for name in names
        ]
        shared = set.intersection(*extended)
        if len(shared) != 1:
            continue  # no single base (or an ambiguous one): nothing to fall back to
        base = shared.pop()
        if _ref_name(base) not in schemas:
            raise ValueError(f"discriminated union branches extend {base!r}, which is not a component schema")
        branches.append({"$ref": base})
        added += 1
    return added


def annotate_discriminators(doc: JSON) -> int:
    """Copy each ``discriminator.mapping`` onto its branches as ``x-discriminator-*`` keys.

    Defect (of the generator): openapi-python-client ignores discriminators and parses a
    oneOf by trying each branch in order, so every ``ColumnFormat`` becomes the first branch
    that happens to fit. Our union template reads these keys and dispatches on the tag; the
    ``x-discriminator-fallback`` branch (the one every other branch extends, if any) takes
    tags a newer API adds. A branch outside the mapping that every mapped branch extends
    (added by ``add_discriminated_base_branch``) is that fallback, with no tag of its own.
    """
    schemas = _schemas(doc)
    annotated = 0
    for union in list(_walk(doc)):
        discriminator = union.get("discriminator")
        branches = union.get("oneOf")
        if not isinstance(discriminator, dict) or not isinstance(branches, list):
            continue
        prop = discriminator["propertyName"]
        values_by_branch: dict[str, list[str]] = {}
        for tag, ref in discriminator.get("mapping", {}).items():
            name = _ref_name(ref)
            if name is None or name not in schemas:
                raise ValueError(f"discriminator mapping {tag!r} -> {ref!r} is not a component schema")
            values_by_branch.setdefault(name, []).append(tag)
        branch_names = [_ref_name(b.get("$ref", "")) for b in branches]
        union_name = union.get("x-schema-name", "")
        mapped = list(values_by_branch)
        for name in branch_names:
            if name is None or name in values_by_branch or not _is_object(schemas, name):
                continue
            if mapped and _common_base(schemas, [name, *mapped]) == name:
                values_by_branch[name] = []  # the base every mapped branch extends: the fallback
                continue
            # Coda's ColumnFormat mapping omits EmailColumnFormat and LinkColumnFormat although
            # both are branches. Derive the tag from the branch name ("Email" + "ColumnFormat"
            # -> "email") when that tag is otherwise unclaimed; anything else is an error.
            tag = name[: -len(union_name)] if union_name and name.endswith(union_name) else ""
            tag = tag[:1].lower() + tag[1:]
            claimed = {t for tags in values_by_branch.values() for t in tags}
            if not tag or tag in claimed:
                raise ValueError(f"oneOf branch {name} of {union_name} has no discriminator mapping")
            values_by_branch[name] = [tag]
        fallback = _common_base(schemas, list(values_by_branch))
        for name, tags in values_by_branch.items():
            branch = schemas[name]
            previous = branch.get("x-discriminator-values")
            if previous is not None and (sorted(previous), branch.get("x-discriminator-property")) != (
                sorted(tags),
                prop,
            ):
                raise ValueError(f"{name} is a branch of two discriminated unions with different tags")
            branch["x-discriminator-property"] = prop
            branch["x-discriminator-values"] = sorted(tags)
            branch["x-discriminator-fallback"] = name == fallback
            annotated += 1
    return annotated


def _is_object(schemas: JSON, name: str) -> bool:
    """Whether a component schema describes an object (it can carry a discriminator)."""
    schema = schemas[name]
    return schema.get("type") == "object" or "properties" in schema or "allOf" in schema


def _common_base(schemas: JSON, names: list[str]) -> str | None:
    """The branch that every other branch includes through allOf, if there is one."""
    for candidate in names:
        ref = SCHEMA_PREFIX + candidate
        if all(
            other == candidate or any(m.get("$ref") == ref for m in schemas[other].get("allOf", [])) for other in names
        ):
            return candidate
    return None


def unify_cell_values(doc: JSON) -> int:
    """Collapse a oneOf of which one branch accepts everything another branch accepts.

    Defect: ``CellValue = oneOf[Value, RichValue]`` and every ``Value`` (a scalar or an
    array of scalars) is also a ``RichValue`` (whose single values include the scalars), so
    the union is ambiguous and the generator's first-match parsing depends on branch order.
    The rule keeps the widest branch when one branch's reachable leaf schemas are a subset
    of another's.
    """
    schemas = _schemas(doc)
    collapsed = 0
    for node in _walk(doc):
        branches = node.get("oneOf")
        if not isinstance(branches, list) or len(branches) != 2 or "discriminator" in node:
            continue
        leaves = [_leaf_set(schemas, b) for b in branches]
        if leaves[0] is None or leaves[1] is None:
            continue
        if leaves[0] <= leaves[1] or leaves[1] <= leaves[0]:
            wider = branches[1] if leaves[0] <= leaves[1] else branches[0]
            del node["oneOf"]
            node.update(copy.deepcopy(wider))
            collapsed += 1
    return collapsed


def _leaf_set(schemas: JSON, schema: JSON, depth: int = 0) -> frozenset[str] | None:
    """Describe what a schema accepts as a set of leaf shapes (array depth + scalar/ref)."""
    if depth > 32:  # the spec nests cell values ~10 deep; deeper means a cycle
        return None
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = _ref_name(ref)
        target = schemas.get(name or "")
        if target is None:
            return None
        if "oneOf" in target:
            return _leaf_set(schemas, target, depth + 1)
        if target.get("type") in ("string", "number", "integer", "boolean"):
            return frozenset({f"type:{target['type']}"})
        return frozenset({f"ref:{name}"})
    if "oneOf" in schema:
        result: set[str] = set()
        for branch in schema["oneOf"]:
            leaves = _leaf_set(schemas, branch, depth + 1)
            if leaves is None:
                return None
            result |= leaves
        return frozenset(result)
    if schema.get("type") == "array":
        inner = _leaf_set(schemas, schema.get("items", {}), depth + 1)
        return None if inner is None else frozenset(f"array<{leaf}>" for leaf in inner)
    if schema.get("type") in ("string", "number", "integer", "boolean"):
        return frozenset({f"type:{schema['type']}"})
    return None


# Order matters: paths first (independent), then allOf collapse (exposes plain refs), then
# documented discriminators and their base branches, enum references, openness, and last the discriminator
# annotations and cell-value unification, which read the final branches.
RULES: tuple[Rule, ...] = (
    fix_path_template_syntax,
    collapse_annotating_allof,
    supply_documented_discriminators,
    add_discriminated_base_branch,
    reference_narrowed_enums,
    drop_undeclared_required,
    allow_unknown_properties,
    annotate_discriminators,
    unify_cell_values,
)


def normalise(doc: JSON) -> tuple[JSON, dict[str, int]]:
    """Return a normalised deep copy of ``doc`` and how many places each rule changed."""
    result = copy.deepcopy(doc)
    counts = {rule.__name__: rule(result) for rule in RULES}
    return result, counts
