"""What the command prints: records as a table, CSV, JSON or JSON Lines, and progress bars.

Data goes to stdout; progress, notes and errors to stderr. Progress bars appear only when
stderr is a terminal and ``--quiet`` is off, so piped and scripted runs print data alone.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Literal

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table as RichTable
from rich.text import Text

from codomyrmex_cloud.bridge.cells import cell_text
from codomyrmex_cloud.bridge.formats import RowsFormat, row_writer
from codomyrmex_cloud.storage.types import ProgressCallback


def default_format(stdout_is_terminal: bool) -> RowsFormat:
    """A rich table on a terminal, JSON Lines when piped."""
    return "table" if stdout_is_terminal else "jsonl"


def print_records(
    columns: Sequence[str], pages: Iterable[Sequence[Mapping[str, object]]], fmt: RowsFormat, *, title: str = ""
) -> int:
    """Print records (rows, docs, tables ...) in ``fmt``; return how many were printed.

    Every format but ``table`` streams page by page; ``table`` gathers the rows first to
    size its columns.
    """
    count = 0
    if fmt == "table":
        table = RichTable(title=title or None, show_lines=False, header_style="bold")
        for name in columns:
            table.add_column(name, overflow="fold")
        for page in pages:
            for record in page:
                table.add_row(*(Text(cell_text(record.get(name))) for name in columns))
                count += 1
        Console().print(table)
        return count
    out = sys.stdout.buffer
    writer = row_writer(fmt, out, columns, ())
    for page in pages:
        writer.write_rows(page)
        count += len(page)
        out.flush()
    writer.close()
    out.flush()
    return count


class _RowRate(ProgressColumn):
    """Rows per second."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} rows/s", style="progress.data.speed")


@contextlib.contextmanager
def progress_bar(
    description: str, *, unit: Literal["bytes", "rows"], total: int | None, enabled: bool
) -> Iterator[ProgressCallback | None]:
    """A progress bar on stderr (bytes or rows, rate, ETA) and its ``(done, total)`` callback.

    Yields None when ``enabled`` is false, so callers pass it straight on as ``progress=``.
    """
    if not enabled:
        yield None
        return
    counting: list[ProgressColumn] = (
        [DownloadColumn(), TransferSpeedColumn()] if unit == "bytes" else [MofNCompleteColumn(), _RowRate()]
    )
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        *counting,
        TimeRemainingColumn(),
        console=Console(stderr=True),
    )
    with progress:
        task = progress.add_task(description, total=total)

        def update(done: int, new_total: int | None) -> None:
            progress.update(task, completed=done, total=new_total if new_total is not None else total)

        yield update
