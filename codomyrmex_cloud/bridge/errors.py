"""Errors of the Coda ⇄ storage bridge (the storage and Coda errors pass through unchanged)."""

from __future__ import annotations


class BridgeError(ValueError):
    """The data or arguments of an export or import were refused.

    Raised for an unknown format, a column the table lacks, a malformed line of the source,
    a value Coda cannot store, or a doc name that matches several docs. When it is raised
    part-way through an import, ``rows_written`` says how many rows Coda had already been
    sent (re-running an upsert with key columns is safe).

    Attributes:
        rows_written: Rows sent to Coda before the error (0 when raised up front).
    """

    def __init__(self, message: str, *, rows_written: int = 0) -> None:
        super().__init__(message)
        self.rows_written = rows_written
