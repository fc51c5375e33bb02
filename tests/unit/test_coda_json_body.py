"""Coda answers are read by orjson, and by the standard library wherever orjson refuses what
the standard library accepts, so the value never depends on the decoder."""

from __future__ import annotations

import json
import math

import pytest

from codomyrmex_cloud.coda import json_body


@pytest.mark.parametrize(
    "body",
    [
        b'{"items": [{"id": "i-1", "values": {"N": 1, "T": "\\u00e9t\\u00e9"}}], "nextPageToken": null}',
        '{"name": "Zoë"}'.encode("utf-16"),  # the standard library detects UTF-16; orjson does not
        b"[1e400, -0.0, 5e-324]",
    ],
)
def test_the_value_is_the_standard_librarys(body: bytes) -> None:
    assert json_body.loads(body) == json.loads(body)


def test_an_integer_beyond_64_bits_is_the_double_coda_holds() -> None:
    value = json_body.loads(b'{"big": 100000000000000000000}')["big"]  # 1e20, as JavaScript prints it
    assert value == 1e20 and isinstance(value, float)


def test_nan_reads_as_the_standard_library_reads_it() -> None:
    assert math.isnan(json_body.loads(b'{"v": NaN}')["v"])


@pytest.mark.parametrize("body", [b"", b"<html>", b'{"a": 1', b"\xff\xfe\x00"])
def test_a_body_that_is_not_json_is_a_value_error(body: bytes) -> None:
    with pytest.raises(ValueError):
        json_body.loads(body)
