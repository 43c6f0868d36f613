"""COPY FROM converts a row in one pass when every field converts and packs, and works field by field only
when one fails (``RowConverter.convert`` and ``_convert_carefully``): both give the same bytes for every
row, and a failing row gets the same ParseError whichever way it went. Composite fields split on
``str.split`` when nothing in them is quoted or nested; the parts are the bracket-aware walk's."""

from __future__ import annotations

import pytest
from cassandra import cqltypes
from hypothesis import given, settings
from hypothesis import strategies as st

from shell.copy.conversion import ParseError, RowConverter, split

TYPES = [
    cqltypes.Int32Type,
    cqltypes.LongType,
    cqltypes.ShortType,
    cqltypes.DoubleType,
    cqltypes.FloatType,
    cqltypes.UTF8Type,
    cqltypes.AsciiType,
    cqltypes.BooleanType,
    cqltypes.DateType,
    cqltypes.ListType.apply_parameters([cqltypes.Int32Type]),
    cqltypes.SetType.apply_parameters([cqltypes.UTF8Type]),
    cqltypes.ListType.apply_parameters([cqltypes.DateType]),
    cqltypes.InetAddressType,
]

# fields that convert, fields that do not, and the edges between: empty, null-like, out of range
fields = st.one_of(
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "2147483648",
            "40000",
            "1.5",
            "nan",
            "1,5",
            "true",
            "x",
            "2024-01-02 03:04:05.678+0000",
            "2024-13-02 03:04:05.678+0000",
            "2024-01-02",
            "1704164645678",
            "[]",
            "[1, 2]",
            "[1,]",
            "[, 1]",
            "['a', 'b''c']",
            "{'a', 'b'}",
            "{}",
            "[2024-01-02 03:04:05.000+0000]",
            "127.0.0.1",
            "NULL",
        ]
    ),
    st.text(alphabet="0123456789-.,[]{}' :+x", max_size=12),
)


def _outcome(converter: RowConverter, method: str, row: list[str]) -> object:
    try:
        return getattr(converter, method)(row)
    except ParseError as error:
        return ("ParseError", str(error))


def _converter(types: list[type], nullval: str) -> RowConverter:
    return RowConverter(
        [f"c{i}" for i in range(len(types))],
        types,
        ["c0"],
        nullval=nullval,
        decimal_sep=".",
        thousands_sep="",
        boolstyle=("True", "False"),
        datetimeformat="%Y-%m-%d %H:%M:%S.%f%z",
        protocol_version=5,
    )


@pytest.mark.parametrize("nullval", ["", "NULL"])
@settings(max_examples=400, deadline=None, derandomize=True)
@given(kind=st.sampled_from(TYPES), field=fields)
def test_one_pass_and_field_by_field_agree(nullval: str, kind: type, field: str) -> None:
    converter = _converter([cqltypes.Int32Type, kind], nullval)
    assert _outcome(converter, "convert", ["1", field]) == _outcome(
        converter, "_convert_carefully", ["1", field]
    )


@settings(max_examples=100, deadline=None, derandomize=True)
@given(row=st.lists(fields, min_size=len(TYPES), max_size=len(TYPES)))
def test_whole_rows_agree(row: list[str]) -> None:
    converter = _converter(TYPES, "")
    row[0] = row[0] or "1"  # a null key is refused before either path
    assert _outcome(converter, "convert", row) == _outcome(converter, "_convert_carefully", row)


def test_a_failing_field_is_named_as_before() -> None:
    converter = _converter(
        [cqltypes.Int32Type, cqltypes.Int32Type, cqltypes.ListType.apply_parameters([cqltypes.Int32Type])], ""
    )
    assert converter.convert(["1", "", "[1, 2]"])[1] is None  # an empty field that does not parse is null
    with pytest.raises(ParseError, match="Failed to parse x : invalid literal for int"):
        converter.convert(["1", "x", "[]"])
    with pytest.raises(ParseError, match="Failed to parse \\[1, \\] : Empty values are not allowed"):
        converter.convert(["1", "2", "[1, ]"])
    with pytest.raises(ParseError, match="Failed to parse 2147483648 : 'i' format requires"):
        converter.convert(["1", "2147483648", "[]"])


@pytest.mark.parametrize(
    ("text", "separator", "parts"),
    [
        ("[]", ",", []),
        ("[1]", ",", ["1"]),
        ("[1,]", ",", ["1"]),
        ("[,1]", ",", ["", "1"]),
        ("[1,,]", ",", ["1", ""]),
        ("[1, 2, 3]", ",", ["1", " 2", " 3"]),
        ("{a:b:c}", ":", ["a", "b", "c"]),
        ("[1, '2,3', (4, 5)]", ",", ["1", " '2,3'", " (4, 5)"]),
        ("{'a': [1, 2], 'b': {3}}", ",", ["'a': [1, 2]", " 'b': {3}"]),
        ("['it''s', 'x,y']", ",", ["'it''s'", " 'x,y'"]),
    ],
)
def test_split(text: str, separator: str, parts: list[str]) -> None:
    assert split(text, separator) == parts
