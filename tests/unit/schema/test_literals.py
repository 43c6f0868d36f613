"""Literal terms coerced to values, and Cassandra 5.0's exact messages when they do not fit."""

from __future__ import annotations

import datetime
import math
import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given

from engine.cql.ast.terms import BindMarker, Term
from engine.errors import InvalidRequest
from engine.schema import types as ct
from engine.schema.values import EMPTY, UNSET, Date, Duration, SortedSet, Time

from .support import PROPERTY_SETTINGS, survives_text, term, typed_values

ADDRESS = ct.UserType("ks", "address", ("street", "zip"), (ct.TEXT, ct.INT))


def coerce(text: str, t: ct.CqlType, receiver: str = "c", **kwargs: Any) -> Any:
    return ct.coerce_literal(term(text), t, receiver, **kwargs)


def error(text: str, t: ct.CqlType, receiver: str = "c", **kwargs: Any) -> str:
    with pytest.raises(InvalidRequest) as exc:
        coerce(text, t, receiver, **kwargs)
    return str(exc.value)


@pytest.mark.parametrize(
    ("text", "t", "expected"),
    [
        ("42", ct.INT, 42),
        ("-42", ct.BIGINT, -42),
        ("42", ct.COUNTER, 42),
        ("127", ct.TINYINT, 127),
        ("123456789012345678901234567890", ct.VARINT, 123456789012345678901234567890),
        ("1.50", ct.DECIMAL, Decimal("1.50")),
        ("15", ct.DECIMAL, Decimal("15")),
        ("1e3", ct.DECIMAL, Decimal("1E+3")),
        ("1.5", ct.DOUBLE, 1.5),
        ("2", ct.DOUBLE, 2.0),
        ("0.1", ct.FLOAT, 0.10000000149011612),
        ("-Infinity", ct.DOUBLE, -math.inf),
        ("'abc'", ct.TEXT, "abc"),
        ("'it''s'", ct.ASCII, "it's"),
        ("0xCAFE", ct.BLOB, b"\xca\xfe"),
        ("0x", ct.BLOB, b""),
        ("true", ct.BOOLEAN, True),
        ("false", ct.BOOLEAN, False),
        ("'127.0.0.1'", ct.INET, "127.0.0.1"),
        ("'::1'", ct.INET, "::1"),
        ("''", ct.INET, EMPTY),
        ("''", ct.TIMESTAMP, EMPTY),
        ("123e4567-e89b-12d3-a456-426614174000", ct.UUID, uuid.UUID("123e4567-e89b-12d3-a456-426614174000")),
        ("'2024-01-02'", ct.DATE, Date(19724)),
        ("2147483648", ct.DATE, Date(0)),
        ("'10:11:12.5'", ct.TIME, Time(36_672_500_000_000)),
        ("1000", ct.TIME, Time(1000)),
        ("1h30m", ct.DURATION, Duration(0, 0, 5_400_000_000_000)),
        ("P1DT2H", ct.DURATION, Duration(0, 1, 7_200_000_000_000)),
        ("P1W", ct.DURATION, Duration(0, 7, 0)),
        ("-2d", ct.DURATION, Duration(0, -2, 0)),
        ("'2024-01-02 03:04:05.678+0000'", ct.TIMESTAMP, datetime.datetime(2024, 1, 2, 3, 4, 5, 678000)),
        ("1000", ct.TIMESTAMP, datetime.datetime(1970, 1, 1, 0, 0, 1)),
        ("[1, 2, 2]", ct.ListType(ct.INT), [1, 2, 2]),
        ("{3, 1, 2, 1}", ct.SetType(ct.INT), SortedSet([1, 2, 3])),
        ("{'b': 2, 'a': 1}", ct.MapType(ct.TEXT, ct.INT), {"a": 1, "b": 2}),
        ("{}", ct.MapType(ct.TEXT, ct.INT), {}),
        ("{}", ct.SetType(ct.INT), SortedSet()),
        ("(1, 'a')", ct.TupleType((ct.INT, ct.TEXT)), (1, "a")),
        ("(1, null)", ct.TupleType((ct.INT, ct.TEXT)), (1, None)),
        ("(1)", ct.TupleType((ct.INT, ct.TEXT)), (1, None)),
        ("{street: 'Main'}", ADDRESS, ("Main", None)),
        ("('Main', 5)", ADDRESS, ("Main", 5)),
        ("[1.5, 2]", ct.VectorType(ct.FLOAT, 2), [1.5, 2.0]),
        ("null", ct.INT, None),
        ("[[1], [2, 3]]", ct.ListType(ct.ListType(ct.INT, True)), [[1], [2, 3]]),
        (
            "{(1, 2): {'x'}}",
            ct.MapType(ct.TupleType((ct.INT, ct.INT)), ct.SetType(ct.TEXT, True)),
            {(1, 2): {"x"}},
        ),
    ],
)
def test_coerce(text: str, t: ct.CqlType, expected: Any) -> None:
    assert coerce(text, t) == expected


@pytest.mark.parametrize(
    ("t", "value", "literal"),
    [
        (ct.TEXT, "it's", "'it''s'"),
        (ct.ASCII, "", "''"),
        (ct.BLOB, b"\xca\xfe", "0xcafe"),
        (ct.BLOB, b"", "0x"),
        (ct.INT, EMPTY, "null"),
        (ct.BIGINT, -5, "-5"),
        (ct.DECIMAL, Decimal("-1.23E-12"), "-0.00000000000123"),
        (ct.DOUBLE, 1e10, "1.0E10"),
        (ct.DOUBLE, math.nan, "NaN"),
        (ct.FLOAT, -math.inf, "-Infinity"),
        (ct.BOOLEAN, True, "true"),
        (ct.UUID, uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
        (ct.INET, "::1", "'0:0:0:0:0:0:0:1'"),
        (ct.TIMESTAMP, datetime.datetime(2024, 1, 1), "'2024-01-01T00:00:00.000Z'"),
        (ct.DATE, Date(0), "'1970-01-01'"),
        (ct.TIME, Time(1), "'00:00:00.000000001'"),
        (ct.DURATION, Duration(0, 0, 5_400_000_000_000), "1h30m"),
        (ct.ListType(ct.TEXT), ["a", "b"], "['a', 'b']"),
        (ct.SetType(ct.INT), {2, 1}, "{1, 2}"),
        (ct.MapType(ct.TEXT, ct.INT), {"b": 1, "a": 2}, "{'a': 2, 'b': 1}"),
        (ct.TupleType((ct.INT, ct.TEXT)), (1, None), "(1, null)"),
        (
            ct.UserType("ks", "u", ("a", "Street name"), (ct.INT, ct.TEXT)),
            (1, "x"),
            "{a: 1, \"Street name\": 'x'}",
        ),
        (ct.VectorType(ct.FLOAT, 2), [1.0, 2.0], "[1.0, 2.0]"),
        (ct.INT, None, "null"),
    ],
)
def test_to_cql_literal(t: ct.CqlType, value: Any, literal: str) -> None:
    assert t.to_cql_literal(value) == literal


def test_reversed_receivers_coerce_as_their_base() -> None:
    assert coerce("5", ct.ReversedType(ct.INT)) == 5
    assert coerce("[1]", ct.ReversedType(ct.ListType(ct.INT, True))) == [1]


def test_now_reads_the_injected_clock() -> None:
    assert coerce("'now'", ct.TIMESTAMP, now_millis=lambda: 86_400_000) == datetime.datetime(1970, 1, 2)


@pytest.mark.parametrize(
    ("text", "t", "receiver", "message"),
    [
        ("'abc'", ct.INT, "k", 'Invalid STRING constant (abc) for "k" of type int'),
        ("1", ct.TEXT, "name", 'Invalid INTEGER constant (1) for "name" of type text'),
        ("1.5", ct.INT, "k", 'Invalid FLOAT constant (1.5) for "k" of type int'),
        ("true", ct.TEXT, "k", 'Invalid BOOLEAN constant (true) for "k" of type text'),
        ("0xff", ct.TEXT, "k", 'Invalid HEX constant (0xff) for "k" of type text'),
        ("1h", ct.TIMESTAMP, "k", 'Invalid DURATION constant (1h) for "k" of type timestamp'),
        ("'1h'", ct.DURATION, "d", 'Invalid STRING constant (1h) for "d" of type duration'),
        (
            "123e4567-e89b-12d3-a456-426614174000",
            ct.TEXT,
            "k",
            'Invalid UUID constant (123e4567-e89b-12d3-a456-426614174000) for "k" of type text',
        ),
        ("'x'", ct.ListType(ct.INT), "l", 'Invalid STRING constant (x) for "l" of type list<int>'),
        ("1", ct.ReversedType(ct.TEXT), "c", 'Invalid INTEGER constant (1) for "c" of type text'),
        ("''", ct.INT, "k", 'Invalid STRING constant () for "k" of type int'),
        ("99999999999", ct.INT, "k", "Unable to make int from '99999999999'"),
        ("99999999999999999999", ct.BIGINT, "k", "Unable to make long from '99999999999999999999'"),
        ("99999999999999999999", ct.COUNTER, "k", "Unable to make long from '99999999999999999999'"),
        ("40000", ct.SMALLINT, "k", "Unable to make short from '40000'"),
        ("128", ct.TINYINT, "k", "Unable to make byte from '128'"),
        (
            "'é'",
            ct.ASCII,
            "k",
            "Invalid ASCII character in string literal: java.nio.charset.UnmappableCharacterException: Input length = 1",
        ),
        ("0x123", ct.BLOB, "k", "cannot parse '123' as hex bytes"),
        ("'xyz'", ct.INET, "k", "Unable to make inet address from 'xyz'"),
        ("'2024-13-01'", ct.DATE, "k", "Unable to coerce '2024-13-01' to a formatted date (long)"),
        ("'2023-02-29'", ct.DATE, "k", "Unable to coerce '2023-02-29' to a formatted date (long)"),
        ("4294967296", ct.DATE, "k", "Unable to make unsigned int (for date) from: '4294967296'"),
        ("-1", ct.DATE, "k", "Unable to make unsigned int (for date) from: '-1'"),
        (
            "'+9999999-01-01'",
            ct.DATE,
            "k",
            "Input date +9999999-01-01 is greater than max supported date +5881580-07-11T00:00Z",
        ),
        (
            "'-9999999-01-01'",
            ct.DATE,
            "k",
            "Input date -9999999-01-01 is less than min supported date -5877641-06-23T00:00Z",
        ),
        ("'25:00:00'", ct.TIME, "k", "(TimeType) Unable to coerce '25:00:00' to a formatted time (long)"),
        ("'10:00'", ct.TIME, "k", "(TimeType) Unable to coerce '10:00' to a formatted time (long)"),
        ("86400000000000", ct.TIME, "k", "Unable to make long (for time) from: '86400000000000'"),
        ("'tomorrow'", ct.TIMESTAMP, "k", "Unable to parse a date/time from 'tomorrow'"),
        (
            "99999999999999999999",
            ct.TIMESTAMP,
            "k",
            "Unable to make long (for date) from: '99999999999999999999'",
        ),
        ("5", ct.DURATION, "d", "Unable to convert '5' to a duration"),
        ("1h1h", ct.DURATION, "d", "Invalid duration. The hours are specified multiple times"),
        ("1m1h", ct.DURATION, "d", "Invalid duration. The minutes should be after hours"),
        ("123e4567-e89b-42d3-a456-426614174000", ct.TIMEUUID, "k", "TimeUUID supports only version 1 UUIDs"),
        ("null", ct.COUNTER, "c", "Invalid null value for counter increment/decrement"),
    ],
)
def test_constant_errors(text: str, t: ct.CqlType, receiver: str, message: str) -> None:
    assert error(text, t, receiver) == message


LIST = ct.ListType(ct.INT)
SET = ct.SetType(ct.INT)
MAP = ct.MapType(ct.TEXT, ct.INT)
TUPLE = ct.TupleType((ct.INT, ct.INT))
VECTOR = ct.VectorType(ct.FLOAT, 2)


@pytest.mark.parametrize(
    ("text", "t", "receiver", "message"),
    [
        ("[1]", SET, "s", "Unexpected receiver type 'set<int>'; only list and vector are expected"),
        ("[1]", ct.INT, "k", "Unexpected receiver type 'int'; only list and vector are expected"),
        ("[[1]]", LIST, "l", "Unexpected receiver type 'int'; only list and vector are expected"),
        ("['a']", LIST, "l", "Invalid list literal for l: value 'a' is not of type int"),
        ("[1, null]", LIST, "l", "null is not supported inside collections"),
        (
            "[1, ?]",
            LIST,
            "l",
            "Invalid list literal for l: bind variables are not supported inside collection literals",
        ),
        ("['x']", ct.ListType(ct.INT, True), "l", "Invalid list literal for l: value 'x' is not of type int"),
        ("[99999999999]", LIST, "l", "Unable to make int from '99999999999'"),
        ("{1}", LIST, "l", "Invalid set literal for l of type list<int>"),
        ("{}", LIST, "l", "Invalid set literal for l of type list<int>"),
        ("{'a'}", SET, "s", "Invalid set literal for s: value 'a' is not of type int"),
        ("{1, null}", SET, "s", "null is not supported inside collections"),
        (
            "{?}",
            SET,
            "s",
            "Invalid set literal for s: bind variables are not supported inside collection literals",
        ),
        ("{'a': 1}", LIST, "m", "Invalid map literal for m of type list<int>"),
        ("{'a': 1}", SET, "s", "Invalid map literal for s of type set<int>"),
        ("{1: 1}", MAP, "m", "Invalid map literal for m: key 1 is not of type text"),
        ("{'a': 'b'}", MAP, "m", "Invalid map literal for m: value 'b' is not of type int"),
        ("{'a': null}", MAP, "m", "null is not supported inside collections"),
        (
            "{'a': ?}",
            MAP,
            "m",
            "Invalid map literal for m: bind variables are not supported inside collection literals",
        ),
        (
            "(1, 2, 3)",
            TUPLE,
            "t",
            "Invalid tuple literal for t: too many elements. Type frozen<tuple<int, int>> expects 2 but got 3",
        ),
        ("(1, 'a')", TUPLE, "t", "Invalid tuple literal for t: component 1 is not of type int"),
        ("(1, 2)", ct.INT, "k", "Invalid tuple type literal for k of type int"),
        (
            "('a', 1, 2)",
            ADDRESS,
            "u",
            "Invalid tuple literal for u: too many elements. Type address expects 2 but got 3",
        ),
        ("{street: 1}", ADDRESS, "u", "Invalid user type literal for u: field street is not of type text"),
        ("{x: 1}", ADDRESS, "u", "Unknown field 'x' in value of user defined type address"),
        ("{street: 'a'}", MAP, "m", "Invalid user type literal for m of type map<text, int>"),
        ("{'street': 'a'}", ADDRESS.freeze(), "u", "Invalid map literal for u of type frozen<address>"),
        ("{zip: 'x'}", ADDRESS, "u", "Invalid user type literal for u: field zip is not of type int"),
        ("{zip: 99999999999}", ADDRESS, "u", "Unable to make int from '99999999999'"),
        (
            "[1.0]",
            VECTOR,
            "v",
            "Invalid vector literal for v of type vector<float, 2>; expected 2 elements, but given 1",
        ),
        ("[1.0, 'a']", VECTOR, "v", "Invalid vector literal for v: value 'a' is not of type float"),
        ("[1.0, null]", VECTOR, "v", "null is not supported inside vectors"),
        (
            "[[1]]",
            ct.ListType(ct.SetType(ct.INT, True)),
            "l",
            "Unexpected receiver type 'frozen<set<int>>'; only list and vector are expected",
        ),
        (
            "[{1: 'a'}]",
            ct.ListType(ct.SetType(ct.INT, True)),
            "l",
            "Invalid list literal for l: value {1: 'a'} is not of type frozen<set<int>>",
        ),
        (
            "{['x']: 'a'}",
            ct.MapType(ct.ListType(ct.INT, True), ct.TEXT),
            "m",
            "Invalid map literal for m: key ['x'] is not of type frozen<list<int>>",
        ),
    ],
)
def test_collection_errors(text: str, t: ct.CqlType, receiver: str, message: str) -> None:
    assert error(text, t, receiver) == message


def test_nested_receivers_are_named_as_cassandra_names_them() -> None:
    seen: list[tuple[str, str]] = []

    def resolver(t: Term, type_: ct.CqlType, receiver: str) -> object:
        seen.append((type_.cql(), receiver))
        return 7

    coerce("(1, ?)", TUPLE, "t", resolve_nested=resolver)
    coerce("{zip: ?}", ADDRESS, "u", resolve_nested=resolver)
    coerce("[?, 1.0]", VECTOR, "v", resolve_nested=resolver)
    assert seen == [("int", "t[1]"), ("int", "u.zip"), ("float", "value(v)")]
    assert ct.coerce_literal(BindMarker(), ct.INT, "k", resolver) == 7
    assert (
        error("['x']", ct.ListType(ct.INT, True), "l")
        == "Invalid list literal for l: value 'x' is not of type int"
    )


def test_unset_values_inside_literals() -> None:
    def unset(t: Term, type_: ct.CqlType, receiver: str) -> object:
        return UNSET

    with pytest.raises(InvalidRequest, match="Invalid unset value for tuple field number 1"):
        coerce("(1, ?)", TUPLE, "t", resolve_nested=unset)
    with pytest.raises(
        InvalidRequest, match="Invalid unset value for field 'zip' of user defined type address"
    ):
        coerce("{zip: ?}", ADDRESS.freeze(), "u", resolve_nested=unset)
    assert coerce("{zip: ?}", ADDRESS, "u", resolve_nested=unset) == (None, None)
    assert ct.coerce_literal(BindMarker(), ct.INT, "k", unset) is UNSET


def test_term_text_matches_cassandra() -> None:
    assert (
        ct.term_text(term("[1, 'a', ?, null, {k: 1}, (1, 2), {'x': 1}]"))
        == "[1, 'a', ?, NULL, {k: 1}, (1, 2), {'x': 1}]"
    )
    assert ct.term_text(term("(int) 5")) == "(int)5"
    assert ct.term_text(term("now()")) == "now()"


@given(typed_values())
@PROPERTY_SETTINGS
def test_cql_literals_read_back_to_the_same_value(pair: tuple[ct.CqlType, Any]) -> None:
    """``to_cql_literal`` writes what the parser and ``coerce_literal`` read back: the same value (equal
    in the type's order; a decimal's negative scale is not kept, its literal being plain)."""
    t, value = pair
    if not survives_text(t, t.deserialize(t.serialize(value))):
        return
    literal = t.to_cql_literal(value)
    data = ct.coerce_literal_bytes(term(literal), t, "c")
    assert isinstance(data, bytes) and t.compare(data, t.serialize(value)) == 0, literal
