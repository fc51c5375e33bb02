"""codomyrmex-cloud: a typed SDK for Coda and object storage.

Public names load on first use (PEP 562): ``import codomyrmex_cloud`` imports neither the
generated Coda models (over a second for all of them) nor boto3, google-cloud-storage or
azure-storage-blob. Type checkers see the real imports below.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# name -> module that defines it; the single source of truth for the public API.
_EXPORTS: dict[str, str] = {
    # Coda errors
    "CodaError": "codomyrmex_cloud.coda.errors",
    "CodaAPIError": "codomyrmex_cloud.coda.errors",
    "CodaAuthenticationError": "codomyrmex_cloud.coda.errors",
    "CodaForbiddenError": "codomyrmex_cloud.coda.errors",
    "CodaNotFoundError": "codomyrmex_cloud.coda.errors",
    "CodaGoneError": "codomyrmex_cloud.coda.errors",
    "CodaRateLimitError": "codomyrmex_cloud.coda.errors",
    "CodaValidationError": "codomyrmex_cloud.coda.errors",
    "CodaServerError": "codomyrmex_cloud.coda.errors",
    "CodaConnectionError": "codomyrmex_cloud.coda.errors",
    "CodaTimeoutError": "codomyrmex_cloud.coda.errors",
    "CodaMutationError": "codomyrmex_cloud.coda.errors",
    "CodaConfigurationError": "codomyrmex_cloud.coda.errors",
}

__all__ = ["__version__", *_EXPORTS]  # noqa: PLE0604 - the keys are the strings

if TYPE_CHECKING:
    from codomyrmex_cloud.coda.errors import CodaAPIError as CodaAPIError
    from codomyrmex_cloud.coda.errors import CodaAuthenticationError as CodaAuthenticationError
    from codomyrmex_cloud.coda.errors import CodaConfigurationError as CodaConfigurationError
    from codomyrmex_cloud.coda.errors import CodaConnectionError as CodaConnectionError
    from codomyrmex_cloud.coda.errors import CodaError as CodaError
    from codomyrmex_cloud.coda.errors import CodaForbiddenError as CodaForbiddenError
    from codomyrmex_cloud.coda.errors import CodaGoneError as CodaGoneError
    from codomyrmex_cloud.coda.errors import CodaMutationError as CodaMutationError
    from codomyrmex_cloud.coda.errors import CodaNotFoundError as CodaNotFoundError
    from codomyrmex_cloud.coda.errors import CodaRateLimitError as CodaRateLimitError
    from codomyrmex_cloud.coda.errors import CodaServerError as CodaServerError
    from codomyrmex_cloud.coda.errors import CodaTimeoutError as CodaTimeoutError
    from codomyrmex_cloud.coda.errors import CodaValidationError as CodaValidationError


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
