"""Coda-shaped JSON payloads, written the way Coda's reference documents them."""

from __future__ import annotations

from typing import Any

BASE = "https://coda.io/apis/v1"
STAMP = "2026-01-02T03:04:05.000Z"


def doc_payload(doc_id: str = "AbCDeFGH", name: str = "Roadmap") -> dict[str, Any]:
    return {
        "id": doc_id,
        "type": "doc",
        "href": f"{BASE}/docs/{doc_id}",
        "browserLink": f"https://coda.io/d/_d{doc_id}",
        "name": name,
        "owner": "ada@example.com",
        "ownerName": "Ada",
        "createdAt": STAMP,
        "updatedAt": STAMP,
        "workspace": {
            "id": "ws-1",
            "type": "workspace",
            "browserLink": "https://coda.io/docs?workspaceId=ws-1",
        },
        "folder": {"id": "fl-1", "type": "folder", "browserLink": "https://coda.io/docs?folderId=fl-1"},
        "workspaceId": "ws-1",
        "folderId": "fl-1",
    }


def page_payload(page_id: str = "canvas-1") -> dict[str, Any]:
    return {
        "id": page_id,
        "type": "page",
        "href": f"{BASE}/docs/AbCDeFGH/pages/{page_id}",
        "browserLink": f"https://coda.io/d/_dAbCDeFGH/_su{page_id}",
        "name": "Launch",
        "isHidden": False,
        "isEffectivelyHidden": False,
        "children": [],
        "contentType": "canvas",
    }


def column_payload(format_: dict[str, Any], column_id: str = "c-1") -> dict[str, Any]:
    return {
        "id": column_id,
        "type": "column",
        "href": f"{BASE}/docs/AbCDeFGH/tables/grid-1/columns/{column_id}",
        "name": "Status",
        "format": format_,
        "parent": {
            "id": "grid-1",
            "type": "table",
            "tableType": "table",
            "href": f"{BASE}/docs/AbCDeFGH/tables/grid-1",
            "browserLink": "https://coda.io/d/_dAbCDeFGH#_tugrid-1",
            "name": "Tasks",
        },
    }


def row_payload(values: dict[str, Any], row_id: str = "i-1") -> dict[str, Any]:
    return {
        "id": row_id,
        "type": "row",
        "href": f"{BASE}/docs/AbCDeFGH/tables/grid-1/rows/{row_id}",
        "name": "Apple",
        "index": 0,
        "browserLink": f"https://coda.io/d/_dAbCDeFGH#_rui-{row_id}",
        "createdAt": STAMP,
        "updatedAt": STAMP,
        "values": values,
    }
