"""``--where COLUMN=VALUE``: VALUE is JSON when it is a JSON scalar, else text (NaN included)."""

from __future__ import annotations

import io

import pytest

from codomyrmex_cloud.bridge.errors import BridgeError
from codomyrmex_cloud.bridge.formats import read_jsonl
from codomyrmex_cloud.cli.coda_commands import parse_condition


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Qty=3", ("Qty", 3)),
        ("Done=true", ("Done", True)),
        ('Code="007"', ("Code", "007")),
        ("Status=NaN", ("Status", "NaN")),
        ("Status=Infinity", ("Status", "Infinity")),
        ("Status=-Infinity", ("Status", "-Infinity")),
        ("Tags=[1]", ("Tags", "[1]")),
        ("Name=Ada Lovelace", ("Name", "Ada Lovelace")),
        (" Name =x=y", ("Name", "x=y")),
    ],
)
def test_where_values(text: str, expected: tuple[str, object]) -> None:
    assert parse_condition(text) == expected


def test_a_jsonl_line_with_nan_is_not_json() -> None:
    lines = io.BytesIO(b'{"Name": "a", "Qty": 1}\n{"Name": "b", "Qty": NaN}\n')
    records = read_jsonl(lines)
    assert next(records) == ("line 1", {"Name": "a", "Qty": 1})
    with pytest.raises(BridgeError, match="line 2: not JSON: NaN is not JSON"):
        next(records)
