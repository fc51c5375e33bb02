"""The fake Coda's own reading of Coda's published rate limits.

Written from Coda's API reference ("Rate limiting"), independently of the client's limiter
(:mod:`codomyrmex_cloud.coda.ratelimit`), so that a request the client classifies wrongly
is answered with a 429 here instead of passing unnoticed:

=========================  ===========================
reading data               100 requests per 6 seconds
writing (POST/PUT/PATCH)    10 requests per 6 seconds
writing doc content          5 requests per 10 seconds
listing docs                 4 requests per 6 seconds
=========================  ===========================

DELETE is counted as a write (Coda's table lists POST/PUT/PATCH; deleting data is writing it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """``requests`` per ``seconds``, enforced as a sliding window."""

    requests: int
    seconds: float


@dataclass(frozen=True)
class FakeLimits:
    """The limits the fake enforces; ``FakeLimits.off()`` enforces none."""

    read: Window = Window(100, 6.0)
    write: Window = Window(10, 6.0)
    doc_content_write: Window = Window(5, 10.0)
    list_docs: Window = Window(4, 6.0)
    enabled: bool = True

    @classmethod
    def off(cls) -> FakeLimits:
        """No limits."""
        return cls(enabled=False)

    def windows_for(self, method: str, path: str) -> dict[str, Window]:
        """The windows a request (path relative to the API root) counts against, by name."""
        segments = [s for s in path.split("/") if s]
        if method in ("GET", "HEAD"):
            if segments == ["docs"]:
                return {"read": self.read, "list_docs": self.list_docs}
            return {"read": self.read}
        windows = {"write": self.write}
        # /docs/{doc}/pages and /docs/{doc}/pages/{page}: creating or updating page content.
        if method in ("POST", "PUT") and len(segments) in (3, 4) and segments[0] == "docs" and segments[2] == "pages":
            windows["doc_content_write"] = self.doc_content_write
        return windows
