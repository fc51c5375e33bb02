"""Settings shared by the sync and async clients: token, URL, timeouts, retries, limits."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TypeVar

import httpx

from codomyrmex_cloud.coda import arguments as check
from codomyrmex_cloud.coda.errors import CodaConfigurationError
from codomyrmex_cloud.coda.ratelimit import RateLimiter, RateLimits
from codomyrmex_cloud.coda.retry import RetryPolicy
from codomyrmex_cloud.log_redaction import install_log_redaction, register_secret

TOKEN_ENV = "CODA_API_TOKEN"  # noqa: S105 - the variable name, not a token
BASE_URL_ENV = "CODA_BASE_URL"
DEFAULT_BASE_URL = "https://coda.io/apis/v1"
HttpxClientT = TypeVar("HttpxClientT", httpx.Client, httpx.AsyncClient)


#: Seconds to establish a connection, whatever ``timeout`` is: a host that does not answer a
#: connect fails fast (the request timeout bounds a slow answer, not a dead host).
CONNECT_TIMEOUT = 5.0
#: The clients' default ``timeout=``: seconds for one attempt's read/write.
REQUEST_TIMEOUT = 30.0


@dataclass(frozen=True)
class ClientSettings:
    """A client's resolved configuration (the token is never part of its repr)."""

    token: str = field(repr=False)
    base_url: str
    timeout: float
    retry: RetryPolicy
    rate_limits: RateLimits | None
    token_from_env: bool

    @property
    def limiter(self) -> RateLimiter:
        """The process-wide limiter of this token at this base URL (see ``RateLimiter.shared``)."""
        return RateLimiter.shared(self.token, self.base_url, self.rate_limits)

    @classmethod
    def resolve(
        cls,
        api_token: str | None,
        base_url: str | None,
        timeout: float,
        max_retries: int,
        retry: RetryPolicy | None,
        rate_limits: RateLimits | None,
    ) -> ClientSettings:
        """Settings from the arguments, then the environment, then Coda's defaults.

        Raises:
            CodaConfigurationError: No token or one that cannot be sent in a header, a base URL
                that is not a plain http(s) URL, a timeout that is not a positive finite number,
                a max_retries that is not an integer >= 0, or a retry/rate_limits of another type
                (the message names the argument, and never holds the token).
        """
        token = _token(api_token if api_token is not None else os.environ.get(TOKEN_ENV))
        if base_url is None:  # an explicit "" is refused below, not replaced by the environment
            base_url = os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        base_url = _base_url(base_url)
        check.seconds("timeout", timeout, positive=True)
        check.count("max_retries", max_retries, minimum=0)
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise CodaConfigurationError(f"retry must be a RetryPolicy, got {type(retry).__name__}")
        if rate_limits is not None and not isinstance(rate_limits, RateLimits):
            raise CodaConfigurationError(f"rate_limits must be a RateLimits, got {type(rate_limits).__name__}")
        # httpx/httpcore log at DEBUG what they send; the token must not reach those logs.
        install_log_redaction()
        register_secret(token)
        return cls(
            token=token,
            base_url=base_url,
            timeout=timeout,
            retry=retry or RetryPolicy(max_retries=max_retries),
            rate_limits=rate_limits,
            token_from_env=api_token is None,
        )

    def httpx_client(
        self, kind: type[HttpxClientT], transport: httpx.BaseTransport | httpx.AsyncBaseTransport
    ) -> HttpxClientT:
        """The httpx client the generated code sends through (auth header set here)."""
        return kind(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.token}", "User-Agent": "codomyrmex-cloud/0.1"},
            timeout=httpx.Timeout(self.timeout, connect=min(CONNECT_TIMEOUT, self.timeout)),
            transport=transport,  # type: ignore[arg-type]
            follow_redirects=False,
        )


def _token(value: object) -> str:
    """The token without outer whitespace, if it can go in an ``Authorization`` header."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise CodaConfigurationError(
            f"api_token: no Coda API token; pass api_token= or set {TOKEN_ENV} (create one at coda.io/account)"
        )
    if not isinstance(value, str):
        raise CodaConfigurationError(f"api_token must be a str, got {type(value).__name__}")
    token = value.strip()
    # Never echo the token: say only what is wrong with it.
    if not token.isascii() or not token.isprintable() or any(char.isspace() for char in token):
        raise CodaConfigurationError(
            "api_token: the token holds whitespace, a line break, a control or a non-ASCII character, which no "
            "Coda token has (copied with extra text?)"
        )
    return token


def _base_url(value: object) -> str:
    """``value`` without a trailing slash, if it is an http(s) URL with a host and nothing after its path."""
    if not isinstance(value, str):
        raise CodaConfigurationError(f"base_url must be a str, got {type(value).__name__}")
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL as exc:
        raise CodaConfigurationError(f"base_url: {value!r} is not a URL ({exc})") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise CodaConfigurationError(f"base_url must be an http(s) URL with a host, got {value!r}")
    if url.userinfo:
        # Credentials in a URL end up in logs and error messages; the token is the credential.
        raise CodaConfigurationError("base_url must not hold a user name or password; pass the token as api_token")
    if url.query or url.fragment or "?" in value or "#" in value:
        raise CodaConfigurationError(f"base_url must not have a query or fragment, got {value!r}")
    if any(char.isspace() for char in value):
        raise CodaConfigurationError(f"base_url must not contain whitespace, got {value!r}")
    return value.rstrip("/")
