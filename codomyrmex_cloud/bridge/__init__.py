"""The Coda ⇄ storage bridge: a table into a file or bucket, and rows from one into a table.

>>> from codomyrmex_cloud import CodaClient
>>> from codomyrmex_cloud.bridge import export_table, import_rows
>>> table = CodaClient().get_doc("doc-id").table("Tasks")  # doctest: +SKIP
>>> export_table(table, "s3://my-bucket/tasks.parquet")  # doctest: +SKIP
>>> import_rows(table, "gs://my-bucket/edited.csv", key_columns=["Name"])  # doctest: +SKIP

Both stream: an export writes each page of rows before reading the next, an import sends
each batch before reading the next, so memory stays bounded whatever the table's size.
The command line's ``coda export`` and ``coda import`` are these two functions.
"""

from codomyrmex_cloud.bridge.errors import BridgeError
from codomyrmex_cloud.bridge.exporting import ExportResult, RowProgress, export_table
from codomyrmex_cloud.bridge.formats import ExportFormat, ImportFormat
from codomyrmex_cloud.bridge.importing import ImportResult, import_rows
from codomyrmex_cloud.bridge.tables import find_doc, find_table

__all__ = [
    "BridgeError",
    "ExportFormat",
    "ExportResult",
    "ImportFormat",
    "ImportResult",
    "RowProgress",
    "export_table",
    "find_doc",
    "find_table",
    "import_rows",
]
