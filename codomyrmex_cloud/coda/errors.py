"""Every error the Coda client raises, in one tree::

    CodaError
    ├── CodaConfigurationError        no API token, bad base URL, bad argument (also a ValueError)
    ├── CodaClosedError               the client was used after close()
    ├── CodaAPIError                  Coda answered with an error, or with a 2xx we cannot read
    │   ├── CodaValidationError       400, 422; ``status_code=None`` when refused locally before
    │   │                             sending (a malformed query, a cell value Coda cannot take);
    │   │                             also a ValueError, as CodaConfigurationError is
    │   ├── CodaAuthenticationError   401
    │   ├── CodaForbiddenError        403
    │   ├── CodaNotFoundError         404
    │   ├── CodaGoneError             410
    │   ├── CodaRateLimitError        429 (``retry_after`` seconds)
    │   ├── CodaServerError           5xx
    │   └── CodaResponseError         a 2xx whose body is not JSON or lacks a required field
    ├── CodaConnectionError           no answer: DNS, refused, reset
    │   └── CodaTimeoutError          no answer in time
    ├── CodaPaginationError           no next page, or the server repeated a page token
    └── CodaMutationError             a 202 write Coda reports as failed, or a wait that timed out
        └── CodaPartialWriteError     a bulk write failed part-way; what was accepted is attached

HTTP statuses are mapped to classes in exactly one place, :func:`error_for_status`; the
transport errors of httpx are mapped in :func:`translate_transport_error`. Messages carry the
method, the URL and Coda's own message, never the API token (requests carry it only in the
``Authorization`` header, which no message includes).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import httpx


class CodaError(Exception):
    """Base class of every error raised by codomyrmex_cloud's Coda client."""


class CodaConfigurationError(CodaError, ValueError):
    """The client or a call was configured wrongly (missing token, bad argument)."""


class CodaClosedError(CodaError):
    """The client was used after ``close()`` (or after its ``with`` block ended)."""


class CodaAPIError(CodaError):
    """Coda answered with an error status (or a success we cannot read).

    Attributes:
        status_code: The HTTP status; None for input refused locally before anything was sent.
        message: Coda's own message (``message`` of the error body), or the reason phrase.
        method: HTTP method of the request.
        url: URL of the request (the token is never part of it).
        request_id: Coda's request id, where the response carried one.
        body: The decoded JSON error body, if any.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None,
        method: str = "",
        url: str = "",
        request_id: str | None = None,
        body: object = None,
    ) -> None:
        self.status_code = status_code
        self.message = message
        self.method = method
        self.url = url
        self.request_id = request_id
        self.body = body
        where = f" ({method} {url})" if method else ""
        rid = f" [request {request_id}]" if request_id else ""
        prefix = f"{status_code} " if status_code is not None else ""
        super().__init__(f"{prefix}{message}{where}{rid}")


class CodaValidationError(CodaAPIError, ValueError):
    """400/422: Coda rejected the request; or, with ``status_code=None``, the client refused
    to send it (a malformed query, a cell value Coda cannot store), so nothing was sent.

    Also a ``ValueError``, like :class:`CodaConfigurationError`: ``except ValueError`` catches
    every bad value, whether the client or Coda refused it."""


def refused(message: str) -> CodaValidationError:
    """A local refusal: raised before sending, so it carries no HTTP status."""
    return CodaValidationError(message, status_code=None)


class CodaAuthenticationError(CodaAPIError):
    """401: the API token is missing, wrong or revoked."""


class CodaForbiddenError(CodaAPIError):
    """403: the token is valid but may not do this."""


class CodaNotFoundError(CodaAPIError):
    """404: the doc, table, row or other resource does not exist (or is not visible)."""


class CodaGoneError(CodaAPIError):
    """410: the resource existed and has been deleted."""


class CodaRateLimitError(CodaAPIError):
    """429: too many requests; ``retry_after`` is the wait Coda asked for, in seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class CodaServerError(CodaAPIError):
    """5xx: Coda failed. 500/502/503/504 are retried first when repeating the request is safe
    (never an insert without key columns, never a 501); this is raised once retries run out."""


class CodaResponseError(CodaAPIError):
    """Coda answered 2xx, but the body is not JSON or lacks a field the spec requires."""


class CodaConnectionError(CodaError):
    """No HTTP answer: the connection could not be made or broke."""


class CodaTimeoutError(CodaConnectionError):
    """No HTTP answer within the configured timeout."""


class CodaPaginationError(CodaError):
    """Asked for a page that does not exist, or the server sent a page token twice."""


class CodaMutationError(CodaError):
    """A queued write (HTTP 202) failed, or waiting for it timed out."""

    def __init__(self, message: str, *, request_ids: tuple[str, ...] = ()) -> None:
        self.request_ids = request_ids
        super().__init__(message)


_BY_STATUS: Mapping[int, type[CodaAPIError]] = {
    400: CodaValidationError,
    401: CodaAuthenticationError,
    403: CodaForbiddenError,
    404: CodaNotFoundError,
    410: CodaGoneError,
    422: CodaValidationError,
    429: CodaRateLimitError,
}


def _decode_body(response: httpx.Response) -> object:
    try:
        return json.loads(response.content) if response.content else None
    except ValueError:
        return response.text[:500]


def error_for_status(response: httpx.Response, *, retry_after: float | None = None) -> CodaAPIError:
    """Build the exception for an error response (the one place statuses become classes)."""
    body = _decode_body(response)
    message = ""
    if isinstance(body, dict):
        message = str(body.get("message") or body.get("statusMessage") or "")
    if not message:
        message = response.reason_phrase or "error"
    request = response.request
    common = {
        "status_code": response.status_code,
        "method": request.method,
        "url": str(request.url),
        "request_id": response.headers.get("x-request-id") or response.headers.get("x-coda-request-id"),
        "body": body,
    }
    if response.status_code == 429:
        return CodaRateLimitError(message, retry_after=retry_after, **common)
    cls = _BY_STATUS.get(response.status_code)
    if cls is None:
        cls = CodaServerError if response.status_code >= 500 else CodaAPIError
    return cls(message, **common)


def translate_transport_error(
    exc: httpx.TransportError, request: httpx.Request, *, may_have_applied: bool = False
) -> CodaConnectionError:
    """Map an httpx transport error to our tree (the caller raises it ``from exc``).

    ``may_have_applied``: the request reached the server and was not repeated because
    repeating it is unsafe (an insert); the message says so, since Coda may have written it.
    """
    kind = CodaTimeoutError if isinstance(exc, httpx.TimeoutException) else CodaConnectionError
    message = f"{type(exc).__name__} for {request.method} {request.url}: {exc}"
    if may_have_applied:
        message += (
            "; the request was sent and not repeated (repeating an insert would duplicate rows), "
            "so Coda may already have written it: check the table before retrying"
        )
    return kind(message)


class CodaPartialWriteError(CodaMutationError):
    """A bulk write failed after some of its batches were accepted (or may have been).

    Nothing is lost: ``request_ids`` and ``rows_accepted`` say what Coda took (wait for it
    with ``client.get_mutation_status``), and three sets of row ranges, indexes into the
    sequence of rows the write was given, cover every row exactly once. ``__cause__`` is the
    error of the first failed batch.

    Attributes:
        request_ids: Coda's request ids of the accepted batches, in the rows' order.
        rows_accepted: How many rows those batches carried.
        row_ids: Row ids Coda reported for them (added rows for an insert or upsert).
        accepted_rows: Rows Coda accepted (queued for writing).
        maybe_applied_rows: Rows whose request failed after it may have reached Coda (a 5xx,
            a timeout, a connection broken after sending): check the table before resending.
        not_applied_rows: Rows Coda refused (a 4xx) or that were never sent: safe to resend.
    """

    def __init__(
        self,
        message: str,
        *,
        request_ids: tuple[str, ...],
        rows_accepted: int,
        row_ids: tuple[str, ...],
        accepted_rows: tuple[range, ...] = (),
        maybe_applied_rows: tuple[range, ...] = (),
        not_applied_rows: tuple[range, ...] = (),
    ) -> None:
        super().__init__(message, request_ids=request_ids)
        self.rows_accepted = rows_accepted
        self.row_ids = row_ids
        self.accepted_rows = accepted_rows
        self.maybe_applied_rows = maybe_applied_rows
        self.not_applied_rows = not_applied_rows
