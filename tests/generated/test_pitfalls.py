"""The known pitfalls of generating a client from Coda's spec, each proved handled.

These run the *generated* code (``generated/codomyrmex_coda_api``) on Coda-shaped payloads
through an in-process transport, so a regeneration that reintroduces a pitfall fails here.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from codomyrmex_coda_api import AuthenticatedClient
from codomyrmex_coda_api.api.columns import get_column
from codomyrmex_coda_api.api.custom_doc_domains import list_custom_doc_domains
from codomyrmex_coda_api.api.docs import list_docs
from codomyrmex_coda_api.api.pages import get_page
from codomyrmex_coda_api.models import (
    ColumnDetail,
    Control,
    DocList,
    DurationColumnFormat,
    LinkColumnFormat,
    NumericColumnFormat,
    Page,
    PageType,
    ReferenceColumnFormat,
    Row,
    SimpleColumnFormat,
    Table,
    Type,
)
from codomyrmex_coda_api.models.currency_value import CurrencyValue
from codomyrmex_coda_api.models.image_url_value import ImageUrlValue
from codomyrmex_coda_api.models.linked_data_object import LinkedDataObject
from codomyrmex_coda_api.models.person_value import PersonValue
from codomyrmex_coda_api.models.row_value import RowValue
from codomyrmex_coda_api.models.url_value import UrlValue

from codomyrmex_cloud import CodaClient
from codomyrmex_cloud.testing import FakeCoda
from tests.payloads import column_payload, doc_payload, page_payload, row_payload


def client_answering(payload: Any, seen: list[httpx.Request] | None = None) -> AuthenticatedClient:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(200, json=payload)

    client = AuthenticatedClient(base_url="https://coda.test/apis/v1", token="t")
    client.set_httpx_client(
        httpx.Client(base_url="https://coda.test/apis/v1", transport=httpx.MockTransport(handler))
    )
    return client


def test_get_column_imports_and_parses_its_format() -> None:
    payload = column_payload(format_={"type": "duration", "isArray": False, "precision": 2, "maxUnit": "hours"})
    response = get_column.sync_detailed("d", "t", "c", client=client_answering(payload))
    assert isinstance(response.parsed, ColumnDetail)
    fmt = response.parsed.format_
    assert isinstance(fmt, DurationColumnFormat)
    assert fmt.precision == 2
    assert fmt.max_unit == "hours"


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("text", SimpleColumnFormat),
        ("number", NumericColumnFormat),
        ("percent", NumericColumnFormat),
        ("lookup", ReferenceColumnFormat),
        ("person", ReferenceColumnFormat),
        ("duration", DurationColumnFormat),
        ("link", LinkColumnFormat),  # omitted from the spec's mapping; derived by the rule
    ],
)
def test_column_format_dispatches_on_type(tag: str, expected: type) -> None:
    table = {"id": "grid-2", "type": "table", "tableType": "table", "href": "h", "browserLink": "b", "name": "T"}
    column = ColumnDetail.from_dict(column_payload(format_={"type": tag, "isArray": False, "table": table}))
    assert type(column.format_) is expected


def test_column_format_with_unknown_type_parses_as_base_and_keeps_the_tag() -> None:
    column = ColumnDetail.from_dict(
        column_payload(format_={"type": "hologram", "isArray": True, "depth": 3})
    )
    assert type(column.format_) is SimpleColumnFormat
    assert column.format_.type_ == "hologram"
    assert column.format_.additional_properties == {"depth": 3}


def test_domains_path_typo_is_repaired() -> None:
    seen: list[httpx.Request] = []
    list_custom_doc_domains.sync_detailed("AbC", client=client_answering({"customDocDomains": []}, seen))
    assert seen[0].url.path == "/apis/v1/docs/AbC/domains"


def test_page_table_control_survive_the_type_enum_collision() -> None:
    page = Page.from_dict(page_payload())
    assert page.type_ is Type.PAGE
    assert page.content_type is PageType.CANVAS  # the component enum keeps its own values
    assert Table.__name__ == "Table" and Control.__name__ == "Control"
    response = get_page.sync_detailed("d", "p", client=client_answering(page_payload()))
    assert isinstance(response.parsed, Page)


def test_annotating_allof_is_a_plain_reference() -> None:
    payload = {
        "items": [doc_payload()],
        "href": "https://coda.io/apis/v1/docs",
        "nextPageToken": "tok",
        "nextPageLink": "https://coda.io/apis/v1/docs?pageToken=tok",
    }
    response = list_docs.sync_detailed(client=client_answering(payload))
    assert isinstance(response.parsed, DocList)
    assert response.parsed.next_page_link == "https://coda.io/apis/v1/docs?pageToken=tok"
    assert response.parsed.items[0].name == "Roadmap"


def test_cell_values_parse_by_shape_and_json_ld_type() -> None:
    person = {"@context": "http://schema.org/", "@type": "Person", "name": "Ada", "email": "a@x.io"}
    url = {"@context": "http://schema.org/", "@type": "WebPage", "name": "Coda", "url": "https://coda.io"}
    money = {"@context": "http://schema.org/", "@type": "MonetaryAmount", "currency": "USD", "amount": 4.5}
    lookup = {
        "@context": "http://schema.org/",
        "@type": "StructuredValue",
        "additionalType": "row",
        "name": "Apple",
        "url": "https://coda.io/d/_dAbC#_rui-1",
        "tableId": "grid-1",
        "rowId": "i-1",
        "tableUrl": "https://coda.io/d/_dAbC#_tugrid-1",
    }
    values = {"a": "text", "b": 3, "c": True, "d": ["x", 1.5], "e": person, "f": url, "g": money, "h": lookup}
    row = Row.from_dict(row_payload(values))
    got = row.values.additional_properties
    assert got["a"] == "text" and got["b"] == 3 and got["c"] is True and got["d"] == ["x", 1.5]
    assert isinstance(got["e"], PersonValue) and got["e"].email == "a@x.io"
    assert isinstance(got["f"], UrlValue) and got["f"].url == "https://coda.io"
    assert isinstance(got["g"], CurrencyValue) and got["g"].amount == 4.5
    assert isinstance(got["h"], RowValue) and got["h"].row_id == "i-1"
    assert row.to_dict()["values"] == values


def test_unknown_fields_and_enum_values_parse_and_stay_reachable() -> None:
    payload = doc_payload()
    payload["viewId"] = "v-123"  # the field that broke codaio
    payload["workspace"]["brandNewField"] = {"nested": [1, 2]}
    payload["type"] = "docV2"  # an enum value this spec does not list
    docs = DocList.from_dict({"items": [payload]})
    doc = docs.items[0]
    assert doc.additional_properties["viewId"] == "v-123"
    assert doc.workspace.additional_properties["brandNewField"] == {"nested": [1, 2]}
    assert doc.type_ == "docV2" and isinstance(doc.type_, Type)
    round_trip = doc.to_dict()
    assert round_trip["viewId"] == "v-123" and round_trip["type"] == "docV2"
    dates = ("createdAt", "updatedAt")  # re-serialised in ISO form, same instants
    assert {k: v for k, v in json.loads(json.dumps(round_trip)).items() if k not in dates} == {
        k: v for k, v in payload.items() if k not in dates
    }


DURATION = {"@context": "http://schema.org/", "@type": "Duration", "days": 1, "hours": 2}


def test_an_unknown_json_ld_type_parses_as_the_base_and_round_trips() -> None:
    image = {"@context": "http://schema.org/", "@type": "ImageObject", "url": "https://x/i.png"}
    values = {"d": DURATION, "l": [DURATION, image]}
    row = Row.from_dict(row_payload(values))
    got = row.values.additional_properties
    assert type(got["d"]) is LinkedDataObject  # not ImageUrlValue, which requires nothing more
    assert got["d"].type_ == "Duration" and got["d"].additional_properties == {"days": 1, "hours": 2}
    listed = got["l"]
    assert isinstance(listed, list)
    assert type(listed[0]) is LinkedDataObject and type(listed[1]) is ImageUrlValue
    assert row.to_dict()["values"] == values


def test_an_unknown_json_ld_type_reads_through_the_facade() -> None:
    fake = FakeCoda(token="t")
    table = fake.add_doc("D", doc_id="doc-1").add_table("T", ["Name", "Took"])
    table.add_row({"Name": "a", "Took": DURATION})
    with CodaClient("t", base_url=fake.BASE_URL, transport=fake.transport()) as coda:
        row = next(iter(coda.list_rows("doc-1", table.id, value_format="rich")))
        cell = row["Took"]
        assert type(cell) is LinkedDataObject
        assert cell.to_dict() == DURATION
        model_cell = row.model.values.additional_properties["Took"]
        assert type(model_cell) is LinkedDataObject and model_cell.to_dict() == DURATION
        assert row.model.to_dict()["values"]["Took"] == DURATION
