"""One test per normalisation rule, each on a small document showing the defect it answers."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from openapi import normalise as n

ROOT = Path(__file__).resolve().parents[2]

REF = n.SCHEMA_PREFIX


def doc_with(schemas: dict[str, Any], paths: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"openapi": "3.0.0", "paths": paths or {}, "components": {"schemas": schemas}}


def test_fix_path_template_syntax() -> None:
    doc = doc_with({}, {"/docs/${docId}/domains": {"get": {}}, "/docs/{docId}": {"get": {}}})
    assert n.fix_path_template_syntax(doc) == 1
    assert set(doc["paths"]) == {"/docs/{docId}/domains", "/docs/{docId}"}


def test_fix_path_template_syntax_refuses_to_overwrite_a_path() -> None:
    doc = doc_with({}, {"/a/${x}": {"get": {}}, "/a/{x}": {"post": {}}})
    with pytest.raises(ValueError, match="already exists"):
        n.fix_path_template_syntax(doc)


def test_collapse_annotating_allof_keeps_composition() -> None:
    annotated = {"allOf": [{"$ref": REF + "nextPageLink"}, {"type": "string", "example": "https://x"}]}
    composed = {"allOf": [{"$ref": REF + "Base"}, {"type": "object", "properties": {"a": {}}}]}
    doc = doc_with({"L": {"type": "object", "properties": {"next": annotated, "c": composed}}})
    assert n.collapse_annotating_allof(doc) == 1
    props = doc["components"]["schemas"]["L"]["properties"]
    assert props["next"] == {"$ref": REF + "nextPageLink"}
    assert "allOf" in props["c"]


def test_reference_narrowed_enums() -> None:
    schemas = {
        "Type": {"type": "string", "enum": ["page", "table"]},
        "PageType": {"type": "string", "enum": ["canvas"]},
        "Page": {
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": ["page"], "x-tsType": "Type.Page"},
                "odd": {"type": "string", "enum": ["zzz"], "x-tsType": "Type.Zzz"},  # not in Type: kept
            },
        },
    }
    doc = doc_with(schemas)
    assert n.reference_narrowed_enums(doc) == 1
    props = doc["components"]["schemas"]["Page"]["properties"]
    assert props["type"] == {"$ref": REF + "Type"}
    assert props["odd"]["enum"] == ["zzz"]


def test_drop_undeclared_required() -> None:
    doc = doc_with({"T": {"type": "object", "required": ["id", "viewId"], "properties": {"id": {}}}})
    assert n.drop_undeclared_required(doc) == 1
    assert doc["components"]["schemas"]["T"]["required"] == ["id"]


def test_allow_unknown_properties() -> None:
    doc = doc_with({"A": {"type": "object", "additionalProperties": False, "properties": {}}})
    assert n.allow_unknown_properties(doc) == 1
    assert "additionalProperties" not in doc["components"]["schemas"]["A"]


def _format_union() -> dict[str, Any]:
    obj = {"type": "object", "properties": {"type": {"type": "string"}}}
    return {
        "Simple": copy.deepcopy(obj),
        "Duration": {"allOf": [{"$ref": REF + "Simple"}, {"type": "object", "properties": {"p": {}}}]},
        "Email": {"allOf": [{"$ref": REF + "Simple"}, {"type": "object", "properties": {"e": {}}}]},
        "Format": {
            "x-schema-name": "Format",
            "oneOf": [{"$ref": REF + x} for x in ("Duration", "Email", "Simple")],
            "discriminator": {
                "propertyName": "type",
                "mapping": {"text": REF + "Simple", "other": REF + "Simple", "duration": REF + "Duration"},
            },
        },
    }


def test_annotate_discriminators_copies_tags_derives_missing_ones_and_finds_the_base() -> None:
    schemas = _format_union()
    schemas["Email"]["x-schema-name"] = "EmailFormat"
    schemas["EmailFormat"] = schemas.pop("Email")
    schemas["Format"]["oneOf"][1] = {"$ref": REF + "EmailFormat"}
    doc = doc_with(schemas)
    assert n.annotate_discriminators(doc) == 3
    out = doc["components"]["schemas"]
    assert out["Simple"]["x-discriminator-values"] == ["other", "text"]
    assert out["Simple"]["x-discriminator-fallback"] is True
    assert out["Duration"]["x-discriminator-values"] == ["duration"]
    assert out["EmailFormat"]["x-discriminator-values"] == ["email"]  # derived from the name
    assert out["Duration"]["x-discriminator-fallback"] is False


def test_annotate_discriminators_rejects_an_unmappable_branch() -> None:
    schemas = _format_union()  # "Email" does not end with the union name "Format"... it is "Email"
    doc = doc_with(schemas)
    with pytest.raises(ValueError, match="no discriminator mapping"):
        n.annotate_discriminators(doc)


def test_supply_documented_discriminators() -> None:
    branches = ["CurrencyValue", "ImageUrlValue", "PersonValue", "UrlValue", "RowValue"]
    schemas: dict[str, Any] = {b: {"type": "object"} for b in branches}
    schemas["RichSingleValue"] = {"oneOf": [{"$ref": REF + "ScalarValue"}] + [{"$ref": REF + b} for b in branches]}
    doc = doc_with(schemas)
    assert n.supply_documented_discriminators(doc) == 1
    mapping = doc["components"]["schemas"]["RichSingleValue"]["discriminator"]["mapping"]
    assert mapping["Person"] == REF + "PersonValue"
    schemas["RichSingleValue"]["oneOf"].pop()  # a spec that dropped RowValue must not pass
    del schemas["RichSingleValue"]["discriminator"]
    with pytest.raises(ValueError, match="no longer has"):
        n.supply_documented_discriminators(doc_with(schemas))


def _json_ld_union() -> dict[str, Any]:
    base = {"type": "object", "required": ["@type"], "properties": {"@type": {"type": "string"}}}
    return {
        "Base": base,
        "Money": {"allOf": [{"$ref": REF + "Base"}, {"type": "object", "properties": {"amount": {}}}]},
        "Image": {"allOf": [{"$ref": REF + "Base"}, {"type": "object", "properties": {"url": {}}}]},
        "Rich": {
            "x-schema-name": "Rich",
            "oneOf": [{"type": "string"}, {"$ref": REF + "Money"}, {"$ref": REF + "Image"}],
            "discriminator": {
                "propertyName": "@type",
                "mapping": {"MonetaryAmount": REF + "Money", "ImageObject": REF + "Image"},
            },
        },
    }


def test_add_discriminated_base_branch_gives_unknown_tags_the_base_as_fallback() -> None:
    doc = doc_with(_json_ld_union())
    assert n.add_discriminated_base_branch(doc) == 1
    out = doc["components"]["schemas"]
    assert out["Rich"]["oneOf"][-1] == {"$ref": REF + "Base"}
    assert n.annotate_discriminators(doc) == 3
    assert out["Base"]["x-discriminator-fallback"] is True and out["Base"]["x-discriminator-values"] == []
    assert out["Image"]["x-discriminator-fallback"] is False
    assert out["Image"]["x-discriminator-values"] == ["ImageObject"]


def test_add_discriminated_base_branch_leaves_a_union_that_lists_its_base() -> None:
    doc = doc_with(_format_union())  # Simple is a branch and the base of the others
    assert n.add_discriminated_base_branch(doc) == 0
    schemas = _json_ld_union()
    schemas["Image"] = {"type": "object", "properties": {"url": {}}}  # extends nothing: no common base
    doc = doc_with(schemas)
    assert n.add_discriminated_base_branch(doc) == 0
    assert len(doc["components"]["schemas"]["Rich"]["oneOf"]) == 3


def test_unify_cell_values_keeps_the_wider_branch() -> None:
    scalar = {"oneOf": [{"type": "string"}, {"type": "number"}]}
    schemas = {
        "Scalar": scalar,
        "Person": {"type": "object", "properties": {"name": {"type": "string"}}},
        "Value": {"oneOf": [{"$ref": REF + "Scalar"}, {"type": "array", "items": {"$ref": REF + "Scalar"}}]},
        "Rich": {
            "oneOf": [
                {"$ref": REF + "Scalar"},
                {"$ref": REF + "Person"},
                {"type": "array", "items": {"oneOf": [{"$ref": REF + "Scalar"}, {"$ref": REF + "Person"}]}},
            ]
        },
        "Cell": {"description": "d", "oneOf": [{"$ref": REF + "Value"}, {"$ref": REF + "Rich"}]},
        "Either": {"oneOf": [{"type": "string"}, {"$ref": REF + "Person"}]},  # disjoint: kept
    }
    doc = doc_with(schemas)
    assert n.unify_cell_values(doc) == 1
    out = doc["components"]["schemas"]
    assert out["Cell"] == {"description": "d", "$ref": REF + "Rich"}
    assert len(out["Either"]["oneOf"]) == 2


def test_normalise_is_pure_and_counts_every_rule() -> None:
    spec = json.loads((ROOT / "openapi" / "coda.oas.json").read_text())
    before = json.dumps(spec, sort_keys=True)
    normalised, counts = n.normalise(spec)
    assert json.dumps(spec, sort_keys=True) == before
    assert set(counts) == {rule.__name__ for rule in n.RULES}
    assert all(count > 0 for count in counts.values()), counts
    assert "/docs/{docId}/domains" in normalised["paths"]
