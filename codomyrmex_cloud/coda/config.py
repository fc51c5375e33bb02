"""Settings shared by the sync and async clients: token, URL, timeouts, retries, limits."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TypeVar

import httpx

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
            CodaConfigurationError: No token, a base URL that is not http(s), a non-positive
                timeout or a negative max_retries (the message names the argument).
        """
        token = api_token if api_token is not None else os.environ.get(TOKEN_ENV)
        if not token or not token.strip():
            raise CodaConfigurationError(
                f"api_token: no Coda API token; pass api_token= or set {TOKEN_ENV} (create one at coda.io/account)"
            )
        base_url = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise CodaConfigurationError(f"base_url must be an http(s) URL, got {base_url!r}")
        if timeout <= 0:
            raise CodaConfigurationError(f"timeout must be positive, got {timeout}")
        if max_retries < 0:
            raise CodaConfigurationError(f"max_retries must be >= 0, got {max_retries}")
        # httpx/httpcore log at DEBUG what they send; the token must not reach those logs.
        install_log_redaction()
        register_secret(token.strip())
        return cls(
            token=token.strip(),
            base_url=base_url.rstrip("/"),
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
