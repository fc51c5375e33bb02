"""``codomyrmex-cloud coda ...``: docs, tables, columns and rows; export, import, delete.

DOC takes a doc id, its exact name or a coda.io link; TABLE a table id or name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import get_args

import click

from codomyrmex_cloud.bridge import export_table, import_rows
from codomyrmex_cloud.bridge.exporting import resolve_export_format
from codomyrmex_cloud.bridge.formats import RowsFormat, refuse_constant
from codomyrmex_cloud.bridge.importing import DEFAULT_BATCH_ROWS
from codomyrmex_cloud.bridge.tables import (
    RowSelection,
    column_type,
    find_doc,
    find_table,
    is_calculated,
    list_columns,
    row_values,
    select_pages,
)
from codomyrmex_cloud.cli.app import TrackedGroup, common_options, state
from codomyrmex_cloud.cli.errors import UsageProblem
from codomyrmex_cloud.cli.output import default_format, print_records, progress_bar
from codomyrmex_cloud.coda._sync import Table
from codomyrmex_cloud.coda.calls import ValueFormatName
from codomyrmex_cloud.coda.query import JSONScalar

FORMATS = click.Choice(get_args(RowsFormat))
VALUE_FORMATS = click.Choice(get_args(ValueFormatName))


def parse_condition(text: str) -> tuple[str, JSONScalar]:
    """``COLUMN=VALUE``: VALUE is JSON when it parses as a JSON scalar (``3``, ``true``,
    ``"007"``), else text."""
    column, sep, raw = text.partition("=")
    if not sep or not column.strip():
        raise click.BadParameter(f"expected COLUMN=VALUE, got {text!r}", param_hint="--where")
    try:
        value = json.loads(raw, parse_constant=refuse_constant)  # NaN is text
    except ValueError:
        return column.strip(), raw
    if isinstance(value, list | dict):
        return column.strip(), raw
    return column.strip(), value


def _conditions(where: Sequence[str]) -> list[tuple[str, JSONScalar]]:
    return [parse_condition(item) for item in where]


def _named(argument: str, value: str) -> str:
    """``value`` if it can name a doc or table; refused before any request otherwise."""
    if not value.strip():
        raise UsageProblem(f"{argument} must be an id or a name, got {value!r}")
    return value


def _table(doc: str, table: str) -> Table:
    _named("TABLE", table)  # both checked before the doc is looked up
    client = state().coda()
    return find_table(find_doc(client, _named("DOC", doc)), table)


def _format(fmt: str | None) -> RowsFormat:
    chosen = fmt or default_format(state().stdout_is_terminal)
    return chosen  # type: ignore[return-value] # click.Choice checked it


where_option = click.option(
    "--where",
    "where",
    multiple=True,
    metavar="COLUMN=VALUE",
    help="Keep rows whose COLUMN equals VALUE (JSON if it parses, else text); repeat for more.",
)
query_option = click.option("--query", metavar="Q", help="Coda's row filter, e.g. 'Status = \"Active\"'.")
value_format_option = click.option(
    "--value-format", type=VALUE_FORMATS, help="How Coda renders cells [default: simple]."
)


@click.group(cls=TrackedGroup)
def coda() -> None:
    """Coda docs, tables and rows (token: --coda-token or CODA_API_TOKEN)."""


@coda.command()
@click.option("--format", "fmt", type=FORMATS, help="Output format [default: table on a terminal, else jsonl].")
@common_options
def whoami(fmt: str | None) -> None:
    """The user the API token belongs to."""
    user = state().coda().whoami()
    record = {"name": user.name, "loginId": user.login_id, "workspace": user.workspace.id, "scoped": user.scoped}
    print_records(list(record), [[record]], _format(fmt))


@coda.command()
@click.option("--query", metavar="TEXT", help="Only docs whose name contains TEXT.")
@click.option("--format", "fmt", type=FORMATS, help="Output format [default: table on a terminal, else jsonl].")
@common_options
def docs(query: str | None, fmt: str | None) -> None:
    """Docs the token can see."""

    def pages() -> Iterator[list[Mapping[str, object]]]:
        for page in state().coda().list_docs(query=query).iter_pages():
            yield [
                {
                    "id": d.id,
                    "name": d.name,
                    "owner": d.model.owner,
                    "updated": d.model.updated_at.isoformat(timespec="seconds"),
                }
                for d in page.items
            ]

    print_records(["id", "name", "owner", "updated"], pages(), _format(fmt), title="Docs")


@coda.command()
@click.argument("doc")
@click.option("--format", "fmt", type=FORMATS, help="Output format [default: table on a terminal, else jsonl].")
@common_options
def tables(doc: str, fmt: str | None) -> None:
    """Tables and views of DOC."""
    found = find_doc(state().coda(), _named("DOC", doc))

    def pages() -> Iterator[list[Mapping[str, object]]]:
        for page in found.tables().iter_pages():
            yield [{"id": t.id, "name": t.name, "type": str(getattr(t.model, "table_type", ""))} for t in page.items]

    print_records(["id", "name", "type"], pages(), _format(fmt), title=f"Tables of {found.name}")


@coda.command()
@click.argument("doc")
@click.argument("table")
@click.option("--format", "fmt", type=FORMATS, help="Output format [default: table on a terminal, else jsonl].")
@common_options
def columns(doc: str, table: str, fmt: str | None) -> None:
    """Columns of TABLE: id, name, format type, and whether it is a formula."""
    found = _table(doc, table)
    records: list[Mapping[str, object]] = [
        {"id": c.id, "name": c.name, "type": column_type(c), "calculated": is_calculated(c)}
        for c in list_columns(found)
    ]
    print_records(["id", "name", "type", "calculated"], [records], _format(fmt), title=f"Columns of {found.name}")


@coda.command()
@click.argument("doc")
@click.argument("table")
@where_option
@query_option
@click.option("--max", "max_rows", type=click.IntRange(min=1), help="At most N rows (1 or more).")
@click.option("--format", "fmt", type=FORMATS, help="Output format [default: table on a terminal, else jsonl].")
@value_format_option
@common_options
def rows(
    doc: str,
    table: str,
    where: tuple[str, ...],
    query: str | None,
    max_rows: int | None,
    fmt: str | None,
    value_format: ValueFormatName | None,
) -> None:
    """Rows of TABLE, keyed by column name; rich values as text (table, csv) or JSON."""
    conditions = _conditions(where)
    found = _table(doc, table)
    names = [c.name for c in list_columns(found)]
    selection = RowSelection(query=query, where=conditions, max_rows=max_rows, value_format=value_format)
    pages = ([row_values(r) for r in page] for page in select_pages(found, selection))
    print_records(names, pages, _format(fmt), title=found.name)


@coda.command()
@click.argument("doc")
@click.argument("table")
@click.argument("dest")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl", "parquet"]),
    help="File format [default: from DEST's extension, else csv].",
)
@where_option
@query_option
@click.option("--max", "max_rows", type=click.IntRange(min=1), help="At most N rows (1 or more).")
@value_format_option
@common_options
def export(
    doc: str,
    table: str,
    dest: str,
    fmt: str | None,
    where: tuple[str, ...],
    query: str | None,
    max_rows: int | None,
    value_format: ValueFormatName | None,
) -> None:
    """Stream TABLE page by page into DEST: a path, a storage URL, or - for stdout.

    \b
    Examples:
      codomyrmex-cloud coda export "Product Roadmap" Tasks s3://bucket/tasks.parquet
      codomyrmex-cloud coda export doc-id grid-xyz - --format jsonl | jq .
    """
    run = state()
    conditions = _conditions(where)
    chosen = resolve_export_format(dest, fmt)
    found = _table(doc, table)
    total = found.row_count if not (where or query) else None
    with progress_bar(f"export {found.name}", unit="rows", total=total, enabled=run.show_progress) as bar:
        result = export_table(
            found,
            dest,
            format=chosen,
            query=query,
            where=conditions,
            max_rows=max_rows,
            value_format=value_format,
            progress=bar,
            stores=run.stores(),
        )
    message = f"exported {result.rows} rows of {found.name} to {result.destination} ({result.format})"
    if dest == "-":
        run.note(message)  # stdout carries the data
    else:
        run.say(message)


@coda.command(name="import")
@click.argument("doc")
@click.argument("table")
@click.argument("source")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "jsonl"]), help="File format [default: from the extension, else csv]."
)
@click.option(
    "--key-column",
    "key_columns",
    multiple=True,
    metavar="COLUMN",
    help="Upsert: update rows whose COLUMN matches (repeat for several); without it, rows are added.",
)
@click.option(
    "--batch-rows",
    type=click.IntRange(min=1),
    default=DEFAULT_BATCH_ROWS,
    show_default=True,
    help="Rows read per write call (each is sent in as few requests as Coda's 2 MB limit allows).",
)
@click.option("--no-wait", is_flag=True, help="Return once Coda accepted the writes, without waiting for them.")
@click.option("--timeout", type=click.FloatRange(min=0), default=300, show_default=True, help="Seconds to wait.")
@common_options
def import_(
    doc: str,
    table: str,
    source: str,
    fmt: str | None,
    key_columns: tuple[str, ...],
    batch_rows: int,
    no_wait: bool,
    timeout: float,
) -> None:
    """Write rows from SOURCE (CSV or JSON Lines: a path, a storage URL, or - for stdin) into TABLE.

    \b
    Examples:
      codomyrmex-cloud coda import "Product Roadmap" Tasks ./tasks.csv --key-column Name
      codomyrmex-cloud coda import doc-id Tasks gs://bucket/new.jsonl
    """
    run = state()
    found = _table(doc, table)
    with progress_bar(f"import into {found.name}", unit="rows", total=None, enabled=run.show_progress) as bar:
        result = import_rows(
            found,
            source,
            format=fmt,  # type: ignore[arg-type] # click.Choice checked it
            key_columns=key_columns,
            batch_rows=batch_rows,
            wait=not no_wait,
            timeout=timeout,
            progress=bar,
            stores=run.stores(),
        )
    if result.skipped_columns:
        run.note(f"skipped formula column(s): {', '.join(result.skipped_columns)}")
    how = f"upserted on {', '.join(result.key_columns)}" if result.key_columns else "inserted"
    applied = "applied by Coda" if result.waited else "accepted by Coda, not yet waited for"
    run.say(f"imported {result.rows} rows into {found.name} ({how}; {applied})")


@coda.command(name="delete-rows")
@click.argument("doc")
@click.argument("table")
@click.option(
    "--where",
    "where",
    multiple=True,
    required=True,
    metavar="COLUMN=VALUE",
    help="Delete rows whose COLUMN equals VALUE; repeat to require more.",
)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (needed when stdin is not a terminal).")
@common_options
def delete_rows(doc: str, table: str, where: tuple[str, ...], yes: bool) -> None:
    """Delete the rows of TABLE matching every --where (asks first unless --yes)."""
    run = state()
    conditions = _conditions(where)
    if not yes and not run.stdin_is_terminal:
        raise UsageProblem("deleting rows needs confirmation and stdin is not a terminal: pass --yes")
    found = _table(doc, table)
    ids = [row.id for page in select_pages(found, RowSelection(where=conditions)) for row in page]
    if not ids:
        run.say(f"no rows of {found.name} match; nothing deleted")
        return
    if not yes and not click.confirm(f"Delete {len(ids)} rows from {found.name}?", default=False, err=True):
        run.say("nothing deleted")
        return
    found.delete_rows(ids, wait=True)
    run.say(f"deleted {len(ids)} rows from {found.name}")
