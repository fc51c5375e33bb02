"""``codomyrmex.cloud``: the import path used by the Codomyrmex platform's docs.

It is an alias of :mod:`codomyrmex_cloud`, not a copy: every name resolves to the same
object (``codomyrmex.cloud.CodaClient is codomyrmex_cloud.CodaClient``) and loads as lazily.
``codomyrmex`` itself is a namespace package, so this distribution can sit beside the rest
of the platform.
"""

from typing import TYPE_CHECKING

import codomyrmex_cloud as _impl

__all__ = _impl.__all__

if TYPE_CHECKING:
    from codomyrmex_cloud import *  # noqa: F403
else:

    def __getattr__(name: str) -> object:
        return getattr(_impl, name)


def __dir__() -> list[str]:
    return list(__all__)
