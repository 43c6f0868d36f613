"""Value formatting against cqlsh's own (``cqlshlib``), color on and off, hand-picked and generated."""

from __future__ import annotations

import datetime
import decimal
import uuid
import zoneinfo
from collections import namedtuple

import pytest
from cassandra.cqltypes import EMPTY, Int32Type, UTF8Type
from cassandra.util import Date, Duration, OrderedMapSerializedKey, SortedSet, Time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shell.output.colors import Ansi
from shell.output.cqltype import parse_cql_type
from shell.output.formatting import FormatOptions, format_cell, format_value
from shell.output.result import UserTypeSpec
from tests.unit.shell.oracle import oracle_cell
from tests.unit.shell.strategies import Sample, samples

Address = namedtuple("Address", ["street", "zip", "tags"])
ADDRESS = UserTypeSpec("address", ("street", "zip", "tags"), ("text", "int", "frozen<set<text>>"))
Wrapper = namedtuple("Wrapper", ["home", "when"])
WRAPPER = UserTypeSpec("wrapper", ("home", "when"), ("frozen<address>", "timestamp"))
USER_TYPES = {"address": ADDRESS, "wrapper": WRAPPER}

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
KOLKATA = zoneinfo.ZoneInfo("Asia/Kolkata")


def _map_with_serialized_keys(items: list[tuple[object, object]]) -> OrderedMapSerializedKey:
    result = OrderedMapSerializedKey(UTF8Type, 4)
    for key, value in items:
        result._insert_unchecked(key, UTF8Type.serialize(key, 4), value)
    return result


# (CQL type text, value): every type, and the corners cqlsh has an opinion about.
CASES: list[tuple[str, object]] = [
    # text
    ("text", "plain"),
    ("text", ""),
    ("text", 'I\'m "quoted"'),
    ("text", "back\\slash \\n not a newline"),
    ("text", "line\nbreak\ttab\rcr\x00nul\x1besc\x7fdel\x9f\xa0nbsp\xadshy"),
    ("text", "中文字 wide"),
    ("text", "emoji 😀 zwj 👩\u200d💻 vs16 \u2764\ufe0f combining e\u0301 zw\u200bsp"),
    ("text", "\\u1234 \\x41 \\U0001F600 \\\\"),
    ("ascii", "ascii \x01"),
    ("varchar", "varchar é"),
    # numbers
    ("int", 0),
    ("int", -2147483648),
    ("bigint", 9223372036854775807),
    ("smallint", -32768),
    ("tinyint", 127),
    ("counter", 42),
    ("varint", 10**100),
    ("varint", -(10**4000)),
    ("float", 1.100000023841858),
    ("float", 0.0),
    ("float", -0.0),
    ("float", 1e-20),
    ("float", 3.4028234663852886e38),
    ("float", 100000.0),
    ("float", 12345.678),
    ("double", 0.1),
    ("double", 1 / 3),
    ("double", 123456789.123456789),
    ("double", 1e15),
    ("double", -1e-5),
    ("double", 0.00012345678),
    ("double", 5e-324),
    ("double", float("nan")),
    ("double", float("inf")),
    ("double", float("-inf")),
    ("decimal", decimal.Decimal("1E-14")),
    ("decimal", decimal.Decimal("19952.11882")),
    ("decimal", decimal.Decimal("10.0000000000000")),
    ("decimal", decimal.Decimal("-0")),
    ("decimal", decimal.Decimal("1E+30")),
    # others
    ("boolean", True),
    ("boolean", False),
    ("blob", b""),
    ("blob", b"\x00\x01\xfe\xff"),
    ("uuid", uuid.UUID("550e8400-e29b-41d4-a716-446655440000")),
    ("timeuuid", uuid.UUID("cf224520-6146-11f0-8c27-9f5b4c3f63d7")),
    ("inet", "127.0.0.1"),
    ("inet", "::1"),
    # temporal
    ("timestamp", datetime.datetime(2012, 5, 14, 12, 53, 20)),
    ("timestamp", datetime.datetime(2024, 2, 29, 23, 59, 59, 999000)),
    ("timestamp", datetime.datetime(1, 1, 1)),
    ("timestamp", datetime.datetime(999, 12, 31, 23, 0)),
    ("timestamp", datetime.datetime(1899, 12, 31, 12, 0, 0, 1000)),
    ("timestamp", datetime.datetime(9999, 12, 31, 23, 59, 59, 999000)),
    ("timestamp", datetime.datetime(2020, 1, 1, 12, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))),
    ("timestamp", 253402300800000),  # year 10000: the driver hook hands over epoch millis
    ("timestamp", -62135596800001),
    ("date", Date(0)),
    ("date", Date(-719163)),
    ("date", Date(2**31 - 1)),  # beyond datetime: shown as the day count
    ("date", Date(-(2**31))),
    ("time", Time(0)),
    ("time", Time(86_399_999_999_999)),
    ("duration", Duration(0, 0, 0)),
    ("duration", Duration(14, 3, 45030250000000)),
    ("duration", Duration(-1, -2, -3)),
    ("duration", Duration(0, 0, 1)),
    ("duration", Duration(12, 0, 3_600_000_000_001)),
    # collections
    ("list<text>", ["I'm newb", "a\\b", "\n"]),
    ("list<int>", []),
    ("set<text>", SortedSet(["b", "a", "I'm"])),
    ("set<int>", SortedSet()),
    ("set<inet>", SortedSet(["10.0.0.1", "127.0.0.1"])),
    ("list<timestamp>", [datetime.datetime(2020, 1, 1), 253402300800000]),
    ("map<int, text>", {2: "two", 1: "I'm newb"}),
    ("map<text, int>", _map_with_serialized_keys([("z", 1), ("a", 2)])),
    ("map<text, frozen<list<int>>>", {"b": [1, 2], "a": []}),
    ("map<int, text>", {}),
    ("map<frozen<tuple<int, text>>, boolean>", {(2, "x"): True, (1, "y"): False}),
    ("list<frozen<map<int, frozen<set<text>>>>>", [{1: SortedSet(["q'"])}, {}]),
    ("list<blob>", [b"", b"\x01"]),
    ("list<double>", [1.123456789, float("nan")]),
    ("list<duration>", [Duration(0, 1, 0)]),
    ("list<uuid>", [uuid.UUID(int=1)]),
    ("list<date>", [Date(1)]),
    ("list<decimal>", [decimal.Decimal("1.50")]),
    # tuples, with nulls (cqlsh prints None for most types and fails for some)
    ("frozen<tuple<int, text>>", (1, "I'm newb")),
    ("frozen<tuple<int, int>>", (1, None)),
    ("frozen<tuple<int, text>>", (1, None)),
    ("frozen<tuple<blob, inet>>", (None, None)),
    ("frozen<tuple<uuid, boolean, timestamp, date, time, decimal>>", (None, None, None, None, None, None)),
    ("frozen<tuple<double>>", (None,)),
    ("frozen<tuple<frozen<list<int>>>>", (None,)),
    ("frozen<tuple<int, text>>", (1, "a", "extra")),
    ("tuple<int, int>", (1, 2)),
    # vectors
    ("vector<float, 3>", [1.0, -2.0, float("nan")]),
    ("vector<int, 2>", [1, 2]),
    ("org.apache.cassandra.db.marshal.VectorType<float, 2>", [0.5, 1e10]),
    # UDTs
    ("frozen<address>", Address("1 Main St", 12345, SortedSet(["home", "I'm"]))),
    ("frozen<address>", Address(None, None, None)),
    ("address", Address("x", 1, SortedSet())),
    ("frozen<wrapper>", Wrapper(Address("s", 1, None), datetime.datetime(2000, 1, 1))),
    ("list<frozen<address>>", [Address("a", 1, None)]),
    ("frozen<unknown_udt>", Address("a\\b", 1, None)),  # not in metadata: its str, escaped
    # unusual / unknown types
    ("'org.apache.cassandra.db.marshal.DynamicCompositeType(s=>UTF8Type)'", b"\x00\x01"),
    ("'org.apache.cassandra.db.marshal.LexicalUUIDType'", uuid.UUID(int=7)),
    ("custom", "fallback \x80 é \\"),
    ("custom", 3.5),
    ("list<a>", [1]),  # cqlsh drops one-letter last parameters: fails to format
    # empty values
    ("int", EMPTY),
    ("text", EMPTY),
    ("list<int>", [EMPTY]),
    # nulls
    ("int", None),
    ("list<int>", None),
]

OPTION_SETS = [
    FormatOptions(),
    FormatOptions(color=True),
    FormatOptions(float_precision=3, double_precision=12),
    FormatOptions(color=True, timezone=NEW_YORK, timestamp_format="%Y-%m-%d %H:%M:%S%z"),
    FormatOptions(timezone=KOLKATA, timestamp_format="%d/%m/%Y %I:%M %p %Z"),
    FormatOptions(float_precision=0, double_precision=1),
]


def _assert_same(
    value: object, type_text: str, options: FormatOptions, user_types: dict[str, UserTypeSpec]
) -> None:
    expected = oracle_cell(value, type_text, options, user_types)
    cell, failure = format_cell(value, parse_cql_type(type_text, user_types), options)
    assert (cell.text, cell.width) == (expected.text, expected.width)
    assert ((failure.message,) if failure else ()) == expected.failures


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: repr(o)[:60])
@pytest.mark.parametrize(("type_text", "value"), CASES, ids=lambda x: repr(x)[:40])
def test_matches_cqlsh(type_text: str, value: object, options: FormatOptions) -> None:
    _assert_same(value, type_text, options, USER_TYPES)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sample=samples(), color=st.booleans(), precision=st.integers(0, 15))
def test_generated_values_match_cqlsh(sample: Sample, color: bool, precision: int) -> None:
    options = FormatOptions(color=color, float_precision=precision, double_precision=15 - precision)
    _assert_same(sample.value, sample.type_text, options, dict(sample.user_types))


@settings(max_examples=200, deadline=None)
@given(
    instant=st.datetimes(min_value=datetime.datetime(1, 1, 2), max_value=datetime.datetime(9999, 12, 30)),
    zone=st.sampled_from(
        ["UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Kiritimati"]
    ),
    fmt=st.sampled_from(["%Y-%m-%d %H:%M:%S.%f%z", "%Y-%m-%d %H:%M:%S%z", "%c %Z", "%s"]),
)
def test_timestamps_in_timezones_match_cqlsh(instant: datetime.datetime, zone: str, fmt: str) -> None:
    options = FormatOptions(timezone=zoneinfo.ZoneInfo(zone), timestamp_format=fmt)
    _assert_same(instant, "timestamp", options, {})


def test_default_options_are_cqlsh_defaults() -> None:
    options = FormatOptions()
    assert (options.float_precision, options.double_precision) == (5, 5)
    assert options.timestamp_format == "%Y-%m-%d %H:%M:%S.%f%z"
    assert options.timezone is None


@pytest.mark.parametrize(
    ("type_text", "value", "shown"),
    [
        ("text", "I'm newb", "I'm newb"),
        ("list<text>", ["I'm newb"], "['I''m newb']"),
        ("set<text>", SortedSet(["I'm newb"]), "{'I''m newb'}"),
        ("map<int, text>", {1: "I'm newb"}, "{1: 'I''m newb'}"),
        ("frozen<tuple<int, text>>", (1, "I'm newb"), "(1, 'I''m newb')"),
        ("boolean", True, "True"),
        ("float", 1.2000000476837158, "1.2"),
        ("double", -0.0001, "-0.0001"),
        ("double", 1e7, "1e+07"),
        ("float", 100000.0, "1e+05"),
        ("timestamp", datetime.datetime(2012, 5, 14, 12, 53, 20), "2012-05-14 12:53:20.000000+0000"),
        ("duration", Duration(0, 0, 45030250000000), "12h30m30s250ms"),
        ("blob", b"\x00\x01\x02", "0x000102"),
        ("blob", b"", "0x"),
        ("vector<float, 3>", [1.0, -2.0, float("nan")], "[1, -2, NaN]"),
        ("int", EMPTY, ""),
    ],
)
def test_reference_examples(type_text: str, value: object, shown: str) -> None:
    assert format_value(value, type_text, FormatOptions()).text == shown


def test_udt_with_null_field_shows_null() -> None:
    value = Address("x", None, None)
    assert format_value(value, "frozen<address>", FormatOptions(), USER_TYPES).text == (
        "{street: 'x', zip: null, tags: null}"
    )


def test_colors_are_cqlsh_codes() -> None:
    colored = format_value(["a\n"], "list<text>", FormatOptions(color=True)).text
    assert colored == (
        f"{Ansi.BLUE}[{Ansi.RESET}{Ansi.YELLOW}'a{Ansi.DARK_MAGENTA}\\n{Ansi.YELLOW}'{Ansi.RESET}{Ansi.BLUE}]{Ansi.RESET}"
    )
    assert Ansi.YELLOW == "\033[0;1;33m"
    assert format_value(None, "int", FormatOptions(color=True)).text == "\033[0;1;31mnull\033[0m"


def test_widths_count_wide_characters_and_ignore_color() -> None:
    assert format_value("中文", "text", FormatOptions()).width == 4
    assert format_value("中文", "text", FormatOptions(color=True)).width == 4
    # Colored, a doubled backslash shows as one: one cell narrower.
    assert format_value("a\\b", "text", FormatOptions()).width == 4
    assert format_value("a\\b", "text", FormatOptions(color=True)).width == 3


def test_unformattable_value_falls_back_to_repr() -> None:
    cell, failure = format_cell(
        (1, None), parse_cql_type("frozen<tuple<int, text>>"), FormatOptions(color=True)
    )
    assert cell.text == f"{Ansi.RED}(1, None){Ansi.RESET}"
    assert cell.width == len("(1, None)")
    assert failure is not None
    assert (
        failure.message == "Failed to format value (1, None) : 'NoneType' object has no attribute 'replace'"
    )


def test_driver_type_names_round_trip() -> None:
    # What cassandra-driver's cql_typename gives is what the parser reads.
    from cassandra.cqltypes import cql_typename, lookup_casstype

    assert cql_typename(lookup_casstype("MapType(UTF8Type, ListType(Int32Type))")) == "map<text, list<int>>"
    assert cql_typename(lookup_casstype("TupleType(Int32Type, UTF8Type)")) == "frozen<tuple<int, text>>"
    assert Int32Type.typename == "int"
