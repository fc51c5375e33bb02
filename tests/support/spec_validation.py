"""Validate every request and response against Coda's pinned spec (openapi-core).

The transport sits between the client and the wire in the Coda integration tests, so the
fake server cannot drift from Coda's spec and the client cannot send what Coda would reject.
The spec is the pinned one with only the defects repaired that make it reject valid data
(the same rules ``openapi/normalise.py`` applies for the generator): the path-template typo,
``required`` names that are never declared, the ambiguous cell-value ``oneOf`` (a string is
valid under both branches, which ``oneOf`` forbids), and ``allOf`` members that each forbid
the others' properties (merged here into one object schema). Everything else, including
``additionalProperties: false``, is validated as published. Error statuses the spec does not
list for an operation (Coda's 410 for deleted docs, for one) are not validated.
"""

from __future__ import annotations

import json
import threading
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.responses.exceptions import ResponseNotFound
from werkzeug.datastructures import Headers, ImmutableMultiDict

from openapi import normalise

ROOT = Path(__file__).resolve().parents[2]

SPEC_HOST = "https://coda.io"


def merge_object_allof(spec: dict[str, Any]) -> int:
    """Replace ``allOf`` of object schemas with one object schema holding all their properties."""
    schemas = spec["components"]["schemas"]

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        ref = schema.get("$ref", "")
        return resolve(schemas[ref.rsplit("/", 1)[-1]]) if ref else schema

    def merged(schema: dict[str, Any]) -> dict[str, Any] | None:
        members = [resolve(m) for m in schema["allOf"]]
        members = [merged(m) or m if "allOf" in m else m for m in members]
        if not all(m.get("type") == "object" or "properties" in m for m in members):
            return None
        result: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": False}
        required: list[str] = []
        for member in members:
            result["properties"].update(member.get("properties", {}))
            required += [r for r in member.get("required", []) if r not in required]
            if member.get("additionalProperties", False) is not False:
                result["additionalProperties"] = member["additionalProperties"]
        if required:
            result["required"] = required
        return result

    count = 0
    for node in list(normalise._walk(spec)):
        if isinstance(node.get("allOf"), list):
            replacement = merged(node)
            if replacement is not None:
                description = node.get("description")
                node.clear()
                node.update(replacement)
                if description:
                    node["description"] = description
                count += 1
    return count


@cache
def coda_openapi() -> OpenAPI:
    spec: dict[str, Any] = json.loads((ROOT / "openapi" / "coda.oas.json").read_text())
    normalise.fix_path_template_syntax(spec)
    normalise.drop_undeclared_required(spec)
    normalise.unify_cell_values(spec)
    merge_object_allof(spec)
    return OpenAPI.from_dict(spec)


class _Request:
    def __init__(self, request: httpx.Request, api_root: str) -> None:
        self.host_url = SPEC_HOST
        self.path = "/apis/v1" + request.url.path[len(httpx.URL(api_root).path) :]
        self.method = request.method.lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(request.url.params.multi_items())),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
        )
        self.content_type = request.headers.get("content-type", "")
        self.body = request.content or None


class _Response:
    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "").split(";")[0]
        self.headers = Headers(list(response.headers.items()))
        self.data = response.content


class SpecValidationError(AssertionError):
    pass


class _Checker:
    """Validates one exchange at a time; shared by the sync and async transports."""

    def __init__(self, api_root: str) -> None:
        self.api_root = api_root
        self.validated = 0
        self._lock = threading.Lock()

    def in_api(self, request: httpx.Request) -> bool:
        """Whether ``request`` goes to the API (the spec covers nothing else)."""
        return request.url.path.startswith(httpx.URL(self.api_root).path)

    def request(self, request: httpx.Request) -> _Request:
        wrapped = _Request(request, self.api_root)
        try:
            coda_openapi().validate_request(wrapped)
        except Exception as exc:
            raise SpecValidationError(f"request {request.method} {request.url} is off-spec: {exc!r}") from exc
        return wrapped

    def response(self, wrapped: _Request, request: httpx.Request, response: httpx.Response) -> None:
        try:
            coda_openapi().validate_response(wrapped, _Response(response))
        except ResponseNotFound:
            if response.status_code < 400:
                raise
        except Exception as exc:
            raise SpecValidationError(
                f"response {response.status_code} to {request.method} {request.url} is off-spec: "
                f"{exc!r} {getattr(exc, '__cause__', '')!r} body={response.content[:300]!r}"
            ) from exc
        with self._lock:
            self.validated += 1


class ValidatingTransport(httpx.BaseTransport):
    """Wraps a transport; raises SpecValidationError on any request or response off-spec."""

    def __init__(self, inner: httpx.BaseTransport, api_root: str) -> None:
        self.inner = inner
        self.checker = _Checker(api_root)

    @property
    def validated(self) -> int:
        return self.checker.validated

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self.checker.in_api(request):  # a download link: outside the spec
            return self.inner.handle_request(request)
        wrapped = self.checker.request(request)
        response = self.inner.handle_request(request)
        response.read()
        self.checker.response(wrapped, request, response)
        return response

    def close(self) -> None:
        self.inner.close()


class AsyncValidatingTransport(httpx.AsyncBaseTransport):
    """Async twin of :class:`ValidatingTransport`."""

    def __init__(self, inner: httpx.AsyncBaseTransport, api_root: str) -> None:
        self.inner = inner
        self.checker = _Checker(api_root)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.checker.in_api(request):  # a download link: outside the spec
            return await self.inner.handle_async_request(request)
        wrapped = self.checker.request(request)
        response = await self.inner.handle_async_request(request)
        await response.aread()
        self.checker.response(wrapped, request, response)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
