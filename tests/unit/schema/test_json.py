"""JSON as Cassandra's ``toJson``/``SELECT JSON`` writes it and ``fromJson``/``INSERT JSON`` reads it."""

from __future__ import annotations

import datetime
import json
import math
import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given

from engine.errors import InvalidRequest
from engine.schema import types as ct
from engine.schema.values import EMPTY, Date, Duration, SortedSet, Time

from .support import PROPERTY_SETTINGS, survives_text, typed_values

UDT = ct.UserType(
    "ks", "t", ("a", "b", "c", "Foo"), (ct.INT, ct.UUID, ct.SetType(ct.TEXT, True), ct.INT), frozen=True
)
U = uuid.UUID("6bddc89a-5644-11e4-97fc-56847afe9799")


@pytest.mark.parametrize(
    ("t", "value", "expected"),
    [
        (ct.ASCII, "ascii text", '"ascii text"'),
        (ct.ASCII, "", '""'),
        (ct.TEXT, "\u8422", '"\u8422"'),
        (ct.TEXT, 'a"b\\c\n\x00\x1f/', '"a\\"b\\\\c\\n\\u0000\\u001F/"'),
        (ct.BIGINT, -123123123123, "-123123123123"),
        (ct.INT, EMPTY, '""'),
        (ct.BLOB, b"\x00\x00\x00\x01", '"0x00000001"'),
        (ct.BLOB, b"", '"0x"'),
        (ct.BOOLEAN, False, "false"),
        (ct.DATE, Date.from_date(datetime.date(1987, 3, 23)), '"1987-03-23"'),
        (ct.DATE, Date(2**31 - 1), '"+5881580-07-11"'),
        (ct.DECIMAL, Decimal("123123.123123"), "123123.123123"),
        (ct.DECIMAL, Decimal("-1.23E-12"), "-1.23E-12"),
        (ct.DOUBLE, 123123.123123, "123123.123123"),
        (ct.DOUBLE, 123123.0, "123123.0"),
        (ct.DOUBLE, 1e10, "1.0E10"),
        (ct.DOUBLE, 0.0001, "1.0E-4"),
        (ct.DOUBLE, 5e-324, "4.9E-324"),
        (ct.FLOAT, 1.401298464324817e-45, "1.4E-45"),
        (ct.DOUBLE, math.nan, "null"),
        (ct.DOUBLE, -math.inf, "null"),
        (ct.FLOAT, 123.123, "123.123"),
        (ct.FLOAT, 123123.0, "123123.0"),
        (ct.FLOAT, math.inf, "null"),
        (ct.INET, "127.0.0.1", '"127.0.0.1"'),
        (ct.INET, "::1", '"0:0:0:0:0:0:0:1"'),
        (ct.INET, "2001:db8::ff00:42:8329", '"2001:db8:0:0:0:ff00:42:8329"'),
        (ct.SMALLINT, -32768, "-32768"),
        (ct.TINYINT, 127, "127"),
        (ct.TIME, Time(123), '"00:00:00.000000123"'),
        (ct.TIMESTAMP, datetime.datetime(2014, 1, 1), '"2014-01-01 00:00:00.000Z"'),
        (ct.TIMESTAMP, -1, '"1969-12-31 23:59:59.999Z"'),
        (ct.TIMEUUID, U, f'"{U}"'),
        (ct.UUID, U, f'"{U}"'),
        (ct.VARINT, 123123123123123123123, "123123123123123123123"),
        (ct.DURATION, Duration(0, 0, 12_000), '"12us"'),
        (ct.DURATION, Duration(13, 2, 36_300_000_000_000), '"1y1mo2d10h5m"'),
        (ct.ListType(ct.INT), [1, 2, 3], "[1, 2, 3]"),
        (ct.ListType(ct.INT), [], "[]"),
        (
            ct.SetType(ct.UUID),
            {uuid.UUID(int=2), uuid.UUID(int=1)},
            '["00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"]',
        ),
        (ct.MapType(ct.ASCII, ct.INT), {"b": 2, "a": 1}, '{"a": 1, "b": 2}'),
        (ct.MapType(ct.INT, ct.BOOLEAN), {1: False, 0: True}, '{"0": true, "1": false}'),
        (ct.MapType(ct.BOOLEAN, ct.BOOLEAN), {True: True, False: False}, '{"false": false, "true": true}'),
        (ct.MapType(ct.TupleType((ct.INT, ct.TEXT)), ct.BOOLEAN), {(0, "a"): True}, '{"[0, \\"a\\"]": true}'),
        (
            ct.MapType(ct.SetType(ct.TEXT, True), ct.BOOLEAN),
            {frozenset({"0", "1"}): True},
            '{"[\\"0\\", \\"1\\"]": true}',
        ),
        (ct.TupleType((ct.INT, ct.ASCII, ct.UUID)), (1, "foobar", None), '[1, "foobar", null]'),
        (UDT, (1, U, {"foo", "bar"}, 2), f'{{"a": 1, "b": "{U}", "c": ["bar", "foo"], "\\"Foo\\"": 2}}'),
        (UDT, (1, None, None, None), '{"a": 1, "b": null, "c": null, "\\"Foo\\"": null}'),
        (ct.VectorType(ct.FLOAT, 2), [1.0, 2.5], "[1.0, 2.5]"),
    ],
)
def test_to_json(t: ct.CqlType, value: Any, expected: str) -> None:
    assert t.to_json(value) == expected
    assert t.to_json(None) == "null"


@pytest.mark.parametrize(
    ("t", "text", "expected"),
    [
        (ct.ASCII, '"ascii \\" text"', 'ascii " text'),
        (ct.BIGINT, '"123123123123"', 123123123123),
        (ct.BIGINT, "123", 123),
        (ct.BLOB, '"0x00000001"', b"\x00\x00\x00\x01"),
        (ct.BOOLEAN, '"false"', False),
        (ct.BOOLEAN, "true", True),
        (ct.DATE, '"1987-03-23"', Date.from_date(datetime.date(1987, 3, 23))),
        (ct.DECIMAL, "123123.123123", Decimal("123123.123123")),
        (ct.DECIMAL, '"-1.23E-12"', Decimal("-1.23E-12")),
        (ct.DOUBLE, "123123", 123123.0),
        (ct.DOUBLE, '"123123"', 123123.0),
        (ct.FLOAT, '"123123.0"', 123123.0),
        (ct.INET, '"::1"', "::1"),
        (ct.INT, '"123123"', 123123),
        (ct.SMALLINT, "32767", 32767),
        (ct.TINYINT, '"127"', 127),
        (ct.TEXT, '"\\u2013"', "\u2013"),
        (ct.TIME, '"07:35:07.000111222"', Time(27_307_000_111_222)),
        (ct.TIMESTAMP, "123123123123", datetime.datetime(1973, 11, 26, 0, 52, 3, 123000)),
        (ct.TIMESTAMP, '"2014-01-01"', datetime.datetime(2014, 1, 1)),
        (ct.TIMEUUID, '"6BDDC89A-5644-11E4-97FC-56847AFE9799"', U),
        (ct.UUID, f'"{U}"', U),
        (ct.VARINT, '"1234567890123456789012345678901234567890"', 1234567890123456789012345678901234567890),
        (ct.DURATION, '"53us"', Duration(0, 0, 53_000)),
        (ct.DURATION, '"P2W"', Duration(0, 14, 0)),
        (ct.ListType(ct.INT), "[1, 2, 3]", [1, 2, 3]),
        (ct.ListType(ct.INT), '"[1, 2]"', [1, 2]),
        (ct.SetType(ct.INT), "[3, 1, 2, 1]", SortedSet([1, 2, 3])),
        (ct.MapType(ct.INT, ct.BOOLEAN), '{"1": false, "0": true}', {0: True, 1: False}),
        (
            ct.MapType(ct.ListType(ct.INT, True), ct.BOOLEAN),
            '{"[3, 4]": true, "[0, 1]": false}',
            {(0, 1): False, (3, 4): True},
        ),
        (ct.TupleType((ct.INT, ct.TEXT)), "[1, null]", (1, None)),
        (
            UDT,
            '{"b": "6bddc89a-5644-11e4-97fc-56847afe9799", "A": 1, "c": ["foo", "bar"]}',
            (1, U, {"bar", "foo"}, None),
        ),
        (UDT, '{"a": null, "\\"Foo\\"": 3}', (None, None, None, 3)),
        (ct.VectorType(ct.FLOAT, 2), "[1, 2.5]", [1.0, 2.5]),
    ],
)
def test_from_json(t: ct.CqlType, text: str, expected: Any) -> None:
    value = t.from_json(json.loads(text), "v")
    if isinstance(expected, dict):
        assert (
            dict(zip([tuple(k) if isinstance(k, list) else k for k in value], value.values(), strict=True))
            == expected
        )
    else:
        assert value == expected


@pytest.mark.parametrize(
    ("t", "text", "message"),
    [
        (
            ct.ASCII,
            '"\\u1fff\\u2013"',
            "Invalid ASCII character in string literal: java.nio.charset.UnmappableCharacterException: Input length = 1",
        ),
        (ct.ASCII, "123", "Expected an ascii string, but got a Integer: 123"),
        (
            ct.BIGINT,
            "9223372036854775808",
            "Expected a bigint value, but got a BigInteger: 9223372036854775808",
        ),
        (ct.BIGINT, "123.456", "Expected a bigint value, but got a Double: 123.456"),
        (ct.BIGINT, '"abc"', "Unable to make long from 'abc'"),
        (ct.BIGINT, '["abc"]', "Expected a bigint value, but got a ArrayList: [abc]"),
        (
            ct.BLOB,
            '"xyzz"',
            "Value 'xyzz' is not a valid blob representation: String representation of blob is missing 0x prefix: xyzz",
        ),
        (
            ct.BLOB,
            '"0x123"',
            "Value '0x123' is not a valid blob representation: cannot parse '123' as hex bytes",
        ),
        (
            ct.BLOB,
            "123",
            "Value '123' is not a valid blob representation: class java.lang.Integer cannot be cast to class java.lang.String (java.lang.Integer and java.lang.String are in module java.base of loader 'bootstrap')",
        ),
        (ct.BOOLEAN, '"abc"', "Unable to make boolean from 'abc'"),
        (ct.BOOLEAN, "123", "Expected a boolean value, but got a Integer: 123"),
        (ct.DATE, "123", "Expected a string representation of a date value, but got a Integer: 123"),
        (ct.DATE, '"xyz"', "Unable to coerce 'xyz' to a formatted date (long)"),
        (ct.DECIMAL, '"xyzz"', "Value 'xyzz' is not a valid representation of a decimal value"),
        (ct.DECIMAL, "true", "Value 'true' is not a valid representation of a decimal value"),
        (ct.DOUBLE, '"xyzz"', "Unable to make double from 'xyzz'"),
        (ct.DOUBLE, "true", "Expected a double value, but got a Boolean: true"),
        (ct.FLOAT, "true", "Expected a float value, but got a Boolean: true"),
        (ct.INET, '"xyzz"', "Unable to make inet address from 'xyzz'"),
        (ct.INET, "123", "Expected a string representation of an inet value, but got a Integer: 123"),
        (ct.INT, "2147483648", "Expected an int value, but got a Long: 2147483648"),
        (ct.INT, "123.456", "Expected an int value, but got a Double: 123.456"),
        (ct.INT, '"xyzz"', "Unable to make int from 'xyzz'"),
        (ct.INT, "true", "Expected an int value, but got a Boolean: true"),
        (ct.SMALLINT, "32768", "Unable to make short from '32768'"),
        (ct.SMALLINT, "123.456", "Unable to make short from '123.456'"),
        (ct.SMALLINT, "true", "Expected a short value, but got a Boolean: true"),
        (ct.TINYINT, "128", "Unable to make byte from '128'"),
        (ct.TINYINT, "true", "Expected a byte value, but got a Boolean: true"),
        (ct.TEXT, "123", "Expected a UTF-8 string, but got a Integer: 123"),
        (ct.TIME, "123456", "Expected a string representation of a time value, but got a Integer: 123456"),
        (ct.TIME, '"xyz"', "(TimeType) Unable to coerce 'xyz' to a formatted time (long)"),
        (
            ct.TIMESTAMP,
            "123.456",
            "Expected a long or a datestring representation of a timestamp value, but got a Double: 123.456",
        ),
        (ct.TIMESTAMP, '"abcd"', "Unable to parse a date/time from 'abcd'"),
        (ct.TIMEUUID, '"00000000-0000-0000-0000-000000000000"', "TimeUUID supports only version 1 UUIDs"),
        (ct.TIMEUUID, "123", "Expected a string representation of a timeuuid, but got a Integer: 123"),
        (
            ct.UUID,
            '"00000000-0000-0000-zzzz-000000000000"',
            "Unable to make UUID from '00000000-0000-0000-zzzz-000000000000'",
        ),
        (ct.UUID, "123", "Expected a string representation of a uuid, but got a Integer: 123"),
        (ct.VARINT, "123123.123", "Value '123123.123' is not a valid representation of a varint value"),
        (ct.VARINT, '""', "Value '' is not a valid representation of a varint value"),
        (ct.DURATION, "1", "Expected a string representation of a duration, but got a Integer: 1"),
        (ct.ListType(ct.INT), "123", "Expected a list, but got a Integer: 123"),
        (ct.ListType(ct.INT), '["abc"]', "Unable to make int from 'abc'"),
        (ct.ListType(ct.INT), "[null]", "Invalid null element in list"),
        (ct.SetType(ct.UUID), "123", "Expected a list (representing a set), but got a Integer: 123"),
        (ct.SetType(ct.UUID), "[null]", "Invalid null element in set"),
        (ct.MapType(ct.ASCII, ct.INT), "123", "Expected a map, but got a Integer: 123"),
        (ct.MapType(ct.ASCII, ct.INT), '{"a": null}', "Invalid null value in map"),
        (
            ct.TupleType((ct.INT, ct.TEXT)),
            '[1, "a", 2]',
            "Tuple contains extra items (expected 2): [1, a, 2]",
        ),
        (ct.TupleType((ct.INT, ct.TEXT)), "[1]", "Tuple is missing items (expected 2): [1]"),
        (
            ct.TupleType((ct.INT, ct.TEXT)),
            "{}",
            "Expected a list representation of a tuple, but got a LinkedHashMap: {}",
        ),
        (UDT, '{"xxx": 1}', "Unknown field 'xxx' in value of user defined type t"),
        (UDT, '{"a": "foobar"}', "Unable to make int from 'foobar'"),
        (UDT, "[1]", "Expected a map, but got a ArrayList: [1]"),
        (ct.VectorType(ct.FLOAT, 2), "[1.0]", "List had incorrect size: expected 2 but given 1; [1.0]"),
        (ct.VectorType(ct.FLOAT, 2), "[1.0, null]", "Invalid null element in list"),
    ],
)
def test_from_json_errors(t: ct.CqlType, text: str, message: str) -> None:
    with pytest.raises(InvalidRequest) as exc:
        t.from_json(json.loads(text), "v")
    assert str(exc.value) == f"Error decoding JSON value for v: {message}"


def test_duration_parse_errors_are_not_wrapped() -> None:
    with pytest.raises(InvalidRequest) as exc:
        ct.DURATION.from_json("xyz", "d")
    assert str(exc.value) == "Unable to convert 'xyz' to a duration"


def test_from_json_null_is_null() -> None:
    assert ct.INT.from_json(None, "v") is None


@given(typed_values())
@PROPERTY_SETTINGS
def test_json_round_trip(pair: tuple[ct.CqlType, Any]) -> None:
    """What ``to_json`` writes, ``from_json`` reads back — except NaN/Infinity (written as null), empty
    values and zero durations (written as ``""``), and decimals (JSON numbers are read as doubles, as
    Jackson reads them for Cassandra)."""
    t, value = pair
    text = t.to_json(value)
    if ("null" in text and not _has_null(value)) or _uses(t, ct.DECIMAL):
        return
    if not survives_text(t, t.deserialize(t.serialize(value))):
        return
    data = t.json_to_bytes(json.loads(text), "v")
    assert t.compare(data, t.serialize(value)) == 0, text


def _uses(t: ct.CqlType, native: ct.CqlType) -> bool:
    return t == native or any(_uses(s, native) for s in t.subtypes)


def _has_null(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str | bytes):
        return False
    if isinstance(value, tuple | list):
        return any(_has_null(v) for v in value)
    return False
