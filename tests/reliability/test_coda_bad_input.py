"""Bad input to the Coda clients, as a table: each case must raise a typed error whose message
names the argument, send nothing and change nothing.

"Sent nothing" is counted at the server: the fake Coda server's own request log, which it
appends to when a request arrives, must not grow. "Changed nothing": the fake's whole state
(docs, pages, tables, rows) is compared before and after. Every case runs through
``CodaClient`` and ``AsyncCodaClient``.

Besides the refusals, names that are merely unusual (``/ ? # %``, spaces, line breaks,
Unicode, a name just under the length cap) are URL-encoded and must round-trip: the fake finds
the table, row, column or page by exactly that name. Input only Coda can judge (a column the
table lacks) is sent once, refused by the server with a typed error naming it, and writes
nothing.
"""

from __future__ import annotations

import decimal
import inspect
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from codomyrmex_coda_api.models import ImageUrlValue

from codomyrmex_cloud import (
    AsyncCodaClient,
    CodaClient,
    CodaConfigurationError,
    CodaError,
    CodaPartialWriteError,
    CodaValidationError,
    Paginated,
    RateLimits,
    RetryPolicy,
)
from codomyrmex_cloud.coda.arguments import MAX_SEGMENT_BYTES
from codomyrmex_cloud.coda.ratelimit import Limit
from codomyrmex_cloud.testing import FakeCoda, FakeCodaServer
from codomyrmex_cloud.testing.coda_limits import FakeLimits
from codomyrmex_cloud.testing.coda_state import DocState, TableState
from codomyrmex_cloud.testing.fake_coda import seed_demo
from tests.support.coda import TOKEN

D, T = "doc-id", "grid-xxx"
NAN, INF = math.nan, math.inf


@dataclass(frozen=True)
class Call:
    """One bad call: ``client.<method>(*args, **kwargs)`` must raise ``error`` naming ``argument``."""

    argument: str
    method: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    error: type[CodaError] = CodaConfigurationError


def bad(
    case_id: str, argument: str, method: str, *args: Any, error: type[CodaError] = CodaConfigurationError, **kwargs: Any
) -> Any:
    return pytest.param(Call(argument, method, args, kwargs, error), id=case_id)


def rows_of(count: int, last: dict[str, Any]) -> list[dict[str, Any]]:
    """``count`` good rows (three batches' worth when 1200) and a bad one at the end."""
    return [*({"Name": f"r{i}"} for i in range(count)), last]


V = CodaValidationError  # refused locally: status_code None
CALLS = [
    # Doc ids: Coda's shape, or refused
    bad("doc_id-None", "doc_id", "get_doc", None),
    bad("doc_id-int", "doc_id", "get_doc", 123),
    bad("doc_id-empty", "doc_id", "get_doc", ""),
    bad("doc_id-whitespace", "doc_id", "get_doc", "  \t"),
    bad("doc_id-slash", "doc_id", "get_doc", "doc/id"),
    bad("doc_id-question", "doc_id", "get_doc", "doc?id=1"),
    bad("doc_id-hash", "doc_id", "get_doc", "doc#id"),
    bad("doc_id-percent", "doc_id", "get_doc", "%2e%2e"),
    bad("doc_id-dotdot", "doc_id", "delete_doc", ".."),
    bad("doc_id-link", "resolve_browser_link", "get_doc", "https://coda.io/d/Roadmap_dAbCdEf"),
    bad("doc_id-unicode", "doc_id", "get_doc", "dóc-id"),
    bad("doc_id-nul", "doc_id", "get_doc", "doc\x00id"),
    bad("doc_id-too-long", "doc_id", "list_pages", "d" * 65),
    bad("source_doc-slash", "source_doc", "create_doc", "Copy", source_doc="a/b"),
    # Ids and names sent as one path segment: refused only when they cannot be sent as given
    bad("table-empty", "table", "get_table", D, ""),
    bad("table-whitespace", "table", "get_table", D, " \t\n"),
    bad("table-None", "table", "get_table", D, None),
    bad("table-list", "table", "list_columns", D, ["Tasks"]),
    bad("table-dot", "table", "get_table", D, "."),
    bad("table-dotdot", "table", "get_table", D, ".."),
    bad("table_id-dotdot-delete-row", "table_id", "delete_row", D, "..", "Task 1"),
    bad("page-dotdot-delete", "page", "delete_page", D, ".."),
    bad("page-dotdot-update", "page", "update_page", D, "..", name="x"),
    bad("page-nul", "page", "get_page", D, "Ho\x00me"),
    bad("row-nul", "row", "get_row", D, T, "Task\x001"),
    bad("row-surrogate", "row", "get_row", D, T, "Task \ud800"),
    bad("row-too-long", "row", "get_row", D, T, "x" * (MAX_SEGMENT_BYTES + 1)),
    bad("row-too-long-once-encoded", "row", "update_row", D, T, "é" * 400, {"Name": "x"}),
    bad("row-dotdot-update", "row", "update_row", D, T, "..", {"Name": "x"}),
    bad("column-empty-button", "column", "push_button", D, T, "Task 1", ""),
    bad("column-int", "column", "get_column", D, T, 3),
    bad("formula-whitespace", "formula", "get_formula", D, "   "),
    bad("control-None", "control", "get_control", D, None),
    bad("permission_id-space", "permission_id", "delete_permission", D, "perm 1"),
    bad("permission_id-dotdot", "permission_id", "delete_permission", D, ".."),
    bad("request_id-empty", "request_id", "get_mutation_status", ""),
    bad("request_id-newline", "request_id", "get_mutation_status", "mutate:1\n"),
    bad("url-no-scheme", "url", "resolve_browser_link", "coda.io/d/x_dAbc"),
    bad("url-None", "url", "resolve_browser_link", None),
    # Text fields
    bad("title-None", "title", "create_doc", None),
    bad("title-whitespace", "title", "create_doc", "   "),
    bad("title-surrogate", "title", "create_doc", "Plan \udcff"),
    bad("title-empty-update", "title", "update_doc", D, title=""),
    bad("update_doc-nothing", "title", "update_doc", D),
    bad("name-empty-page", "name", "create_page", D, ""),
    bad("icon_name-whitespace", "icon_name", "create_page", D, "Notes", icon_name=" "),
    bad("html-and-markdown", "html/markdown", "update_page", D, "Home", html="<p/>", markdown="x"),
    bad("markdown-bytes", "markdown", "create_page", D, "Notes", markdown=b"# x"),
    bad("email-newline", "email", "add_permission", D, access="readonly", email="ada@example.com\nBcc: x"),
    bad("email-no-at", "email", "add_permission", D, access="readonly", email="ada"),
    bad("domain-space", "domain", "add_permission", D, access="readonly", domain="exa mple.com"),
    bad("principal-none", "email", "add_permission", D, access="readonly"),
    bad("principal-two", "email", "add_permission", D, access="readonly", email="a@b.c", anyone=True),
    # Choices and flags: the generated enums would send any string
    bad("access-unknown", "access", "add_permission", D, access="owner", email="a@b.c"),
    bad("value_format-unknown", "value_format", "list_rows", D, T, value_format="fancy"),
    bad("value_format-get_row", "value_format", "get_row", D, T, "Task 1", value_format="RICH"),
    bad("sort_by-unknown", "sort_by", "list_rows", D, T, sort_by="newest"),
    bad("table_types-str", "table_types", "list_tables", D, table_types="table"),
    bad("table_types-unknown", "table_types", "list_tables", D, table_types=["grid"]),
    bad("insertion_mode-unknown", "insertion_mode", "update_page", D, "Home", html="x", insertion_mode="prepend"),
    bad("format-unknown", "format", "export_page", D, "Home", format="pdf"),
    bad("use_column_names-str", "use_column_names", "list_rows", D, T, use_column_names="no"),
    bad("visible_only-int", "visible_only", "list_columns", D, T, visible_only=1),
    bad("is_owner-str", "is_owner", "list_docs", is_owner="yes"),
    bad("allow_copying-str", "allow_copying", "update_acl_settings", D, allow_copying="false"),
    bad("query-int-list_docs", "query", "list_docs", query=5),
    bad("sync_token-empty", "sync_token", "list_rows", D, T, sync_token=""),
    # Sizes, limits and timeouts
    bad("page_size-zero", "page_size", "list_rows", D, T, page_size=0),
    bad("page_size-negative", "page_size", "list_tables", D, page_size=-5),
    bad("page_size-bool", "page_size", "list_docs", page_size=True),
    bad("limit-float", "limit", "list_rows", D, T, limit=1.5),
    bad("limit-str", "limit", "list_pages", D, limit="10"),
    bad("max_items-zero", "max_items", "list_docs", max_items=0),
    bad("page_size-and-limit", "page_size/limit", "list_rows", D, T, page_size=10, limit=20),
    bad("wait-negative", "wait", "update_row", D, T, "Task 1", {"Name": "x"}, wait=-1),
    bad("wait-nan", "wait", "update_row", D, T, "Task 1", {"Name": "x"}, wait=NAN),
    bad("wait-inf", "wait", "delete_row", D, T, "Task 1", wait=INF),
    bad("wait-str", "wait", "insert_rows", D, T, [{"Name": "x"}], wait="5"),
    bad("export-timeout-negative", "timeout", "export_page", D, "Home", timeout=-1),
    bad("export-timeout-nan", "timeout", "export_page", D, "Home", timeout=NAN),
    # Malformed queries and filters
    bad("query-unquoted-value", "query", "list_rows", D, T, query="Status = Active", error=V),
    bad("query-no-value", "query", "list_rows", D, T, query='"Status":', error=V),
    bad("query-no-column", "query", "list_rows", D, T, query=':"x"', error=V),
    bad("query-list-value", "query", "list_rows", D, T, query='"Status":["a","b"]', error=V),
    bad("query-bad-escape", "query", "list_rows", D, T, query='"Sta\\qtus":"x"', error=V),
    bad("query-nan", "query", "list_rows", D, T, query='"Status":NaN', error=V),
    bad("query-infinity", "query", "list_rows", D, T, query="Status = Infinity", error=V),
    bad("query-huge-number", "query", "list_rows", D, T, query='"Status":1e999', error=V),
    bad("query-bytes", "query", "list_rows", D, T, query=b'"Status":"x"', error=V),
    bad("query-and-where", "query/where", "list_rows", D, T, query='"A":1', where={"A": 1}, error=V),
    bad("where-two-columns", "where", "list_rows", D, T, where={"Name": "a", "Status": "b"}, error=V),
    bad("where-empty-column", "where", "list_rows", D, T, where={"": 1}, error=V),
    bad("where-infinity", "where", "list_rows", D, T, where={"Status": INF}, error=V),
    bad("where-list-value", "where", "list_rows", D, T, where={"Status": ["a"]}, error=V),
    bad("where-bytes-value", "where", "list_rows", D, T, where={"Status": b"x"}, error=V),
    bad("where-pairs", "where", "list_rows", D, T, where=[("Status", "x")], error=V),
    bad("where-too-long", "where", "list_rows", D, T, where={"Name": "x" * 3000}, error=V),
    # Rows and cells: every row is checked before the first batch is sent
    bad("rows-None", "rows", "insert_rows", D, T, None),
    bad("rows-one-mapping", "rows", "insert_rows", D, T, {"Name": "x"}),
    bad("rows-str", "rows", "upsert_rows", D, T, "Name", key_columns=["Name"]),
    bad("rows-int", "rows", "insert_rows", D, T, 5),
    bad("row-empty", "rows", "insert_rows", D, T, [{}]),
    bad("row-not-mapping", "rows", "insert_rows", D, T, [["Name", "x"]]),
    bad("column-key-empty", "rows", "insert_rows", D, T, [{"": "x"}]),
    bad("column-key-whitespace", "rows", "insert_rows", D, T, [{"  ": "x"}]),
    bad("column-key-int", "rows", "insert_rows", D, T, [{5: "x"}]),
    bad("column-key-surrogate", "rows", "insert_rows", D, T, [{"Na\ud800me": "x"}]),
    bad("cell-None", "'Status'", "insert_rows", D, T, [{"Name": "x", "Status": None}], error=V),
    bad("cell-nan", "'Name'", "insert_rows", D, T, [{"Name": NAN}], error=V),
    bad("cell-inf", "'Name'", "upsert_rows", D, T, [{"Name": -INF}], key_columns=["Name"], error=V),
    bad("cell-decimal-nan", "'Name'", "insert_rows", D, T, [{"Name": decimal.Decimal("NaN")}], error=V),
    bad("cell-bytes", "'Owner'", "insert_rows", D, T, [{"Owner": b"raw"}], error=V),
    bad("cell-dict", "'Name'", "insert_rows", D, T, [{"Name": {"a": 1}}], error=V),
    bad("cell-set", "'Name'", "insert_rows", D, T, [{"Name": {1, 2}}], error=V),
    bad("cell-complex", "'Name'", "insert_rows", D, T, [{"Name": 1j}], error=V),
    bad("cell-object", "'Name'", "insert_rows", D, T, [{"Name": object()}], error=V),
    bad("cell-lists-too-deep", "'Name'", "insert_rows", D, T, [{"Name": [[["x"]]]}], error=V),
    bad("cell-surrogate", "'Name'", "insert_rows", D, T, [{"Name": "x\udc80"}], error=V),
    bad(
        "cell-image-read-back",
        "'Name'",
        "insert_rows",
        D,
        T,
        [
            {
                "Name": ImageUrlValue.from_dict(
                    {"@context": "http://schema.org/", "@type": "ImageObject", "url": "https://x/y.png"}
                )
            }
        ],
        error=V,
    ),
    bad("cell-bad-after-1200-good", "'Status'", "insert_rows", D, T, rows_of(1200, {"Status": NAN}), error=V),
    bad("row-over-request-size", "rows", "insert_rows", D, T, [{"Name": "x" * 2_000_000}], error=V),
    bad("update-values-None", "values", "update_row", D, T, "Task 1", None),
    bad("update-values-empty", "values", "update_row", D, T, "Task 1", {}),
    bad("update-values-nan", "values", "update_row", D, T, "Task 1", {"Name": NAN}, error=V),
    bad("key_columns-empty", "key_columns", "upsert_rows", D, T, [{"Name": "x"}], key_columns=[]),
    bad("key_columns-str", "key_columns", "upsert_rows", D, T, [{"Name": "x"}], key_columns="Name"),
    bad("key_columns-empty-name", "key_columns[0]", "upsert_rows", D, T, [{"Name": "x"}], key_columns=[""]),
    bad("key_columns-None-name", "key_columns[1]", "upsert_rows", D, T, [{"Name": "x"}], key_columns=["Name", None]),
    bad("row_ids-str", "row_ids", "delete_rows", D, T, "i-abc"),
    bad("row_ids-None-item", "row_ids[1]", "delete_rows", D, T, ["i-1", None]),
    bad("row_ids-empty-item", "row_ids[0]", "delete_rows", D, T, [""]),
    bad("row_ids-whitespace-item", "row_ids[0]", "delete_rows", D, T, ["i-1 i-2"]),
]


def no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CODA_API_TOKEN", raising=False)


@dataclass(frozen=True)
class Config:
    """Constructor arguments that must be refused (``base_url`` is the fake's unless given)."""

    argument: str
    kwargs: dict[str, Any]


def bad_config(case_id: str, argument: str, **kwargs: Any) -> Any:
    return pytest.param(Config(argument, kwargs), id=case_id)


CONFIGS = [
    bad_config("api_token-missing", "api_token", api_token=None),
    bad_config("api_token-empty", "api_token", api_token=""),
    bad_config("api_token-newline", "api_token", api_token=TOKEN + "\nX-Injected: 1"),
    bad_config("api_token-space", "api_token", api_token="tok en"),
    bad_config("api_token-non-ascii", "api_token", api_token=TOKEN + "é"),
    bad_config("api_token-int", "api_token", api_token=1234),
    bad_config("base_url-no-scheme", "base_url", base_url="coda.io/apis/v1"),
    bad_config("base_url-ftp", "base_url", base_url="ftp://coda.io/apis/v1"),
    bad_config("base_url-no-host", "base_url", base_url="https://"),
    bad_config("base_url-userinfo", "base_url", base_url="https://ada:pw@127.0.0.1/apis/v1"),
    bad_config("base_url-query", "base_url", base_url="http://127.0.0.1/apis/v1?x=1"),
    bad_config("base_url-fragment", "base_url", base_url="http://127.0.0.1/apis/v1#top"),
    bad_config("base_url-space", "base_url", base_url="http://127.0.0.1/apis v1"),
    bad_config("base_url-int", "base_url", base_url=8080),
    bad_config("timeout-zero", "timeout", timeout=0),
    bad_config("timeout-negative", "timeout", timeout=-1.0),
    bad_config("timeout-nan", "timeout", timeout=NAN),
    bad_config("timeout-inf", "timeout", timeout=INF),
    bad_config("timeout-str", "timeout", timeout="30"),
    bad_config("timeout-None", "timeout", timeout=None),
    bad_config("timeout-bool", "timeout", timeout=True),
    bad_config("max_retries-negative", "max_retries", max_retries=-1),
    bad_config("max_retries-float", "max_retries", max_retries=1.5),
    bad_config("max_retries-bool", "max_retries", max_retries=True),
    bad_config("retry-int", "retry", retry=3),
    bad_config("rate_limits-str", "rate_limits", rate_limits="fast"),
]

#: Policy objects built wrong: refused when built, before any client exists.
POLICIES: list[Any] = [
    pytest.param(lambda: RetryPolicy(max_retries=-1), "RetryPolicy.max_retries", id="retry-max_retries-negative"),
    pytest.param(
        lambda: RetryPolicy(max_connection_retries=0.5),  # type: ignore[arg-type]
        "RetryPolicy.max_connection_retries",
        id="retry-connection-float",
    ),
    pytest.param(lambda: RetryPolicy(backoff_base=NAN), "RetryPolicy.backoff_base", id="retry-backoff-nan"),
    pytest.param(lambda: RetryPolicy(backoff_max=-1), "RetryPolicy.backoff_max", id="retry-backoff_max-negative"),
    pytest.param(
        lambda: RetryPolicy(jitter=0.5),  # type: ignore[arg-type]
        "RetryPolicy.jitter",
        id="retry-jitter-not-callable",
    ),
    pytest.param(lambda: Limit(0, 6.0), "Limit.requests", id="limit-zero-requests"),
    pytest.param(lambda: Limit(10, -6.0), "Limit.seconds", id="limit-negative-window"),
    pytest.param(lambda: Limit(10, INF), "Limit.seconds", id="limit-infinite-window"),
    pytest.param(lambda: RateLimits(margin=-0.1), "RateLimits.margin", id="rate-limits-negative-margin"),
    pytest.param(
        lambda: RateLimits(write=(10, 6)),  # type: ignore[arg-type]
        "RateLimits.write",
        id="rate-limits-tuple",
    ),
]


# The world: one fake server for the module, its state fingerprinted around every case ------


@pytest.fixture(scope="module")
def world() -> Iterator[FakeCodaServer]:
    fake = FakeCoda(token=TOKEN, rate_limits=FakeLimits.off())
    seed_demo(fake)
    with FakeCodaServer(fake) as server:
        yield server


def fingerprint(fake: FakeCoda) -> str:
    """Everything a call could change: docs, pages, tables, columns, rows and their values."""

    def table(t: TableState) -> object:
        return (t.id, t.name, [(c.id, c.name) for c in t.columns], [(r.id, r.values) for r in t.rows])

    def doc(d: DocState) -> object:
        pages = [(p.id, p.name, p.subtitle, p.content, p.is_hidden) for p in d.pages]
        return (d.id, d.name, pages, [table(t) for t in d.tables], d.settings, len(d.permissions))

    return repr(([doc(d) for d in fake.docs.values()], sorted(fake.deleted_docs)))


@dataclass
class Unchanged:
    """Asserts the server saw no request and no state changed since it was made."""

    fake: FakeCoda
    requests: int = 0
    state: str = ""

    def __post_init__(self) -> None:
        self.requests = len(self.fake.log)
        self.state = fingerprint(self.fake)

    def check(self) -> None:
        arrived = self.fake.log[self.requests :]
        assert arrived == [], f"requests reached the server: {arrived}"
        assert fingerprint(self.fake) == self.state, "the fake's state changed"


def sync_client(server: FakeCodaServer) -> CodaClient:
    return CodaClient(TOKEN, base_url=server.base_url, max_retries=0, rate_limits=RateLimits.disabled())


def async_client(server: FakeCodaServer) -> AsyncCodaClient:
    return AsyncCodaClient(TOKEN, base_url=server.base_url, max_retries=0, rate_limits=RateLimits.disabled())


def check_error(error: BaseException, expected: type[CodaError], argument: str) -> None:
    assert isinstance(error, expected), f"{type(error).__name__}: {error}"
    assert argument in str(error), f"the message does not name {argument!r}: {error}"
    assert TOKEN not in str(error) and TOKEN not in repr(error)
    if isinstance(error, CodaValidationError):
        assert error.status_code is None, "refused locally, so no HTTP status"


# The catalogue ------------------------------------------------------------------------------


@pytest.mark.parametrize("call", CALLS)
def test_bad_call_is_refused_before_sending(call: Call, world: FakeCodaServer) -> None:
    unchanged = Unchanged(world.fake)
    with sync_client(world) as client, pytest.raises(CodaError) as caught:
        result = getattr(client, call.method)(*call.args, **call.kwargs)
        if isinstance(result, Paginated):
            list(result)
    check_error(caught.value, call.error, call.argument)
    unchanged.check()


@pytest.mark.anyio
@pytest.mark.parametrize("call", CALLS)
async def test_bad_call_is_refused_before_sending_async(call: Call, world: FakeCodaServer) -> None:
    unchanged = Unchanged(world.fake)
    async with async_client(world) as client:
        with pytest.raises(CodaError) as caught:
            result = getattr(client, call.method)(*call.args, **call.kwargs)
            if inspect.isawaitable(result):
                await result
    check_error(caught.value, call.error, call.argument)
    unchanged.check()


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("kind", [CodaClient, AsyncCodaClient])
def test_bad_configuration_is_refused(
    config: Config, kind: type[CodaClient | AsyncCodaClient], world: FakeCodaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_token(monkeypatch)
    unchanged = Unchanged(world.fake)
    kwargs = {"api_token": TOKEN, "base_url": world.base_url, **config.kwargs}
    with pytest.raises(CodaConfigurationError) as caught:
        kind(**kwargs)
    check_error(caught.value, CodaConfigurationError, config.argument)
    assert "X-Injected" not in str(caught.value)
    unchanged.check()


@pytest.mark.parametrize(("build", "argument"), POLICIES)
def test_bad_policy_is_refused_when_built(build: Callable[[], object], argument: str) -> None:
    with pytest.raises(CodaConfigurationError) as caught:
        build()
    check_error(caught.value, CodaConfigurationError, argument)


def test_a_nan_wait_on_a_mutation_is_refused_instead_of_polling_forever(world: FakeCodaServer) -> None:
    with sync_client(world) as client:
        mutation = client.update_row(D, T, "Task 2", {"Status": "Done"})
        unchanged = Unchanged(world.fake)
        for timeout in (NAN, INF, -1.0):
            with pytest.raises(CodaConfigurationError, match="timeout"):
                mutation.wait(timeout=timeout)
        unchanged.check()


# Input only Coda can judge: sent once, refused by the server, nothing written ----------------


@pytest.mark.parametrize(
    ("method", "args", "kwargs"),
    [
        pytest.param("insert_rows", (D, T, [{"Name": "x", "Nope": 1}]), {}, id="insert-unknown-column"),
        pytest.param("upsert_rows", (D, T, [{"Name": "x"}]), {"key_columns": ["Nope"]}, id="upsert-unknown-key-column"),
        pytest.param("update_row", (D, T, "Task 1", {"Nope": 1}), {}, id="update-unknown-column"),
        pytest.param("list_rows", (D, T), {"where": {"Nope": 1}}, id="filter-unknown-column"),
    ],
)
def test_unknown_columns_are_refused_by_the_server_and_nothing_is_written(
    method: str, args: tuple[Any, ...], kwargs: dict[str, Any], world: FakeCodaServer
) -> None:
    before = len(world.fake.log)
    state = fingerprint(world.fake)
    with sync_client(world) as client, pytest.raises(CodaValidationError) as caught:
        result = getattr(client, method)(*args, **kwargs)
        if isinstance(result, Paginated):
            list(result)
    assert caught.value.status_code == 400 and "Nope" in str(caught.value)
    assert [status for _, _, status in world.fake.log[before:]] == [400]
    assert fingerprint(world.fake) == state


def test_an_unknown_column_in_a_later_batch_is_a_partial_write_that_says_which_rows(world: FakeCodaServer) -> None:
    doc = world.fake.add_doc("Partial")
    table = doc.add_table("Items", ["Name"])
    rows: list[dict[str, Any]] = [{"Name": f"r{i}"} for i in range(500)] + [{"Name": "x", "Nope": 1}]
    with sync_client(world) as client, pytest.raises(CodaPartialWriteError) as caught:
        client.insert_rows(doc.id, table.id, rows, batch_rows=500)
    error = caught.value
    assert error.accepted_rows == (range(0, 500),) and error.not_applied_rows == (range(500, 501),)
    assert error.maybe_applied_rows == () and isinstance(error.__cause__, CodaValidationError)
    assert [row.values[table.columns[0].id] for row in table.rows] == [f"r{i}" for i in range(500)]


# Unusual names are encoded, not refused: they round-trip ------------------------------------

ODD_NAMES = [
    "Q&A / 50% ? #1",
    "a/b/../c",
    "%2F%00 not decoded twice",
    " padded ",
    "line one\nline two",
    "Задачи ✓ 🐜",
    "...",
    "x" * (MAX_SEGMENT_BYTES // 3) + "é" * 10,  # long, and still under the cap once encoded
]


@pytest.mark.parametrize("name", ODD_NAMES, ids=[f"name{i}" for i in range(len(ODD_NAMES))])
def test_odd_names_round_trip_through_every_named_argument(name: str, world: FakeCodaServer) -> None:
    doc = world.fake.add_doc("Encoding")
    table = doc.add_table(name, [name, "Note"])
    table.add_row({name: name, "Note": "before"})
    table.add_column("Press", "button")
    doc.add_page(name)
    with sync_client(world) as client:
        assert client.get_table(doc.id, name).id == table.id
        assert client.get_column(doc.id, name, name).name == name
        assert client.get_page(doc.id, name).name == name
        row = client.get_row(doc.id, name, name)
        assert row.name == name and row[name] == name
        assert [r.id for r in client.list_rows(doc.id, name, where={name: name})] == [row.id]
        client.update_row(doc.id, name, name, {"Note": "after"})
        client.push_button(doc.id, name, name, "Press")
        client.upsert_rows(doc.id, name, [{name: name, "Note": "upserted"}], key_columns=[name])
        assert client.get_row(doc.id, table.id, row.id)["Note"] == "upserted"
        client.delete_row(doc.id, name, name)
    assert table.rows == []


def test_names_that_must_be_ids_work_by_id(world: FakeCodaServer) -> None:
    doc = world.fake.add_doc("Dots")
    table = doc.add_table("..", ["Name"])
    table.add_row({"Name": ".."})
    with sync_client(world) as client:
        assert client.get_table(doc.id, table.id).name == ".."
        assert client.get_row(doc.id, table.id, table.rows[0].id).name == ".."
        client.delete_row(doc.id, table.id, table.rows[0].id)
    assert table.rows == [] and doc.id in world.fake.docs


def test_integers_beyond_a_double_are_written_as_their_exact_digits(world: FakeCodaServer) -> None:
    doc = world.fake.add_doc("Numbers")
    table = doc.add_table("N", ["Name", "Big"])
    big = 2**64 + 1
    with sync_client(world) as client:
        client.insert_rows(doc.id, table.id, [{"Name": "a", "Big": big}, {"Name": "b", "Big": 2**53}])
    assert [row.values[table.columns[1].id] for row in table.rows] == [str(big), 2**53]
