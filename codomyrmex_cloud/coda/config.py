"""Settings shared by the sync and async clients: token, URL, timeouts, retries, limits."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TypeVar

import httpx

from codomyrmex_cloud.coda.errors import CodaConfigurationError
from codomyrmex_cloud.coda.ratelimit import RateLimiter, RateLimits
from codomyrmex_cloud.coda.retry import RetryPolicy

TOKEN_ENV = "CODA_API_TOKEN"  # noqa: S105 - the variable name, not a token
BASE_URL_ENV = "CODA_BASE_URL"
DEFAULT_BASE_URL = "https://coda.io/apis/v1"
HttpxClientT = TypeVar("HttpxClientT", httpx.Client, httpx.AsyncClient)


@dataclass(frozen=True)
class ClientSettings:
    token: str = field(repr=False)
    base_url: str
    timeout: float
    retry: RetryPolicy
    limiter: RateLimiter

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
        token = api_token if api_token is not None else os.environ.get(TOKEN_ENV)
        if not token or not token.strip():
            raise CodaConfigurationError(
                f"no Coda API token: pass api_token= or set {TOKEN_ENV} (create one at coda.io/account)"
            )
        base_url = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise CodaConfigurationError(f"base_url must be an http(s) URL, got {base_url!r}")
        if timeout <= 0:
            raise CodaConfigurationError(f"timeout must be positive, got {timeout}")
        if max_retries < 0:
            raise CodaConfigurationError(f"max_retries must be >= 0, got {max_retries}")
        return cls(
            token=token.strip(),
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            retry=retry or RetryPolicy(max_retries=max_retries),
            limiter=RateLimiter(rate_limits),
        )

    def httpx_client(
        self, kind: type[HttpxClientT], transport: httpx.BaseTransport | httpx.AsyncBaseTransport
    ) -> HttpxClientT:
        """The httpx client the generated code sends through (auth header set here)."""
        return kind(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.token}", "User-Agent": "codomyrmex-cloud/0.1"},
            timeout=httpx.Timeout(self.timeout),
            transport=transport,  # type: ignore[arg-type]
            follow_redirects=False,
        )
