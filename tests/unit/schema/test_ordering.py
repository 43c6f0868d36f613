"""``sort_key`` gives Cassandra's ``compare`` order of serialized values (and reverses under DESC)."""

from __future__ import annotations

import math
import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.schema import types as ct
from engine.schema.values import EMPTY, Date

from .support import NATIVE_VALUES, PROPERTY_SETTINGS


def ordered(t: ct.CqlType, values: list[Any]) -> list[Any]:
    """The values sorted by ``t``'s order of their bytes, read back."""
    return [t.deserialize(d) for d in sorted((t.serialize(v) for v in values), key=t.sort_key)]


def assert_order(t: ct.CqlType, expected: list[Any]) -> None:
    shuffled = list(reversed(expected))
    assert ordered(t, shuffled) == [t.deserialize(t.serialize(v)) for v in expected]
    assert ordered(ct.ReversedType(t), shuffled) == list(
        reversed([t.deserialize(t.serialize(v)) for v in expected])
    )


def test_integers_are_signed() -> None:
    assert_order(ct.INT, [EMPTY, -(2**31), -1, 0, 1, 2**31 - 1])
    assert_order(ct.BIGINT, [EMPTY, -(2**63), -1, 0, 2**63 - 1])
    assert_order(ct.SMALLINT, [-(2**15), -1, 0, 255, 256])
    assert_order(ct.TINYINT, [-128, -1, 0, 127])


def test_varints_are_numeric_whatever_their_length() -> None:
    assert_order(ct.VARINT, [EMPTY, -(2**100), -129, -128, -1, 0, 1, 127, 128, 2**100])
    # non-minimal encodings compare by value too
    assert ct.VARINT.compare(b"\x00\x01", b"\x01") == 0
    assert ct.VARINT.compare(b"\xff\xff", b"\xff") == 0


def test_decimals_are_numeric_across_scales() -> None:
    assert_order(
        ct.DECIMAL,
        [EMPTY, Decimal("-1E+3"), Decimal("-1.5"), Decimal("0.001"), Decimal("1.01"), Decimal("12")],
    )
    assert (
        ct.DECIMAL.compare(ct.DECIMAL.serialize(Decimal("1.0")), ct.DECIMAL.serialize(Decimal("1.00"))) == 0
    )


def test_floating_point_follows_java_compare() -> None:
    expected = [EMPTY, -math.inf, -1.5, -0.0, 0.0, 1e-300, 1.5, math.inf, math.nan]
    for t in (ct.DOUBLE, ct.FLOAT):
        data = sorted((t.serialize(v) for v in reversed(expected)), key=t.sort_key)
        got = [t.deserialize(d) for d in data]
        assert got[0] is EMPTY and math.isnan(got[-1])
        assert [str(v) for v in got[1:-1]] == ["-inf", "-1.5", "-0.0", "0.0", str(got[5]), "1.5", "inf"]
    other_nan = b"\x7f\xf0\x00\x00\x00\x00\x00\x01"
    assert ct.DOUBLE.compare(other_nan, ct.DOUBLE.serialize(math.nan)) == 0


def test_strings_and_blobs_order_by_unsigned_bytes() -> None:
    assert_order(ct.TEXT, ["", "A", "Z", "a", "ab", "é", "€", "𝄞"])
    assert_order(ct.ASCII, ["", "A", "a", "b"])
    assert_order(ct.BLOB, [b"", b"\x00", b"\x00\x00", b"\x7f", b"\x80", b"\xff"])
    assert_order(ct.INET, [EMPTY, "::1", "ff::", "1.2.3.4", "10.0.0.1", "255.0.0.0"])


def test_boolean_timestamp_date_time() -> None:
    assert_order(ct.BOOLEAN, [EMPTY, False, True])
    assert_order(ct.TIMESTAMP, [EMPTY, -(2**63), -1, 0, 1, 2**62])
    assert_order(ct.DATE, [Date(-(2**31)), Date(-1), Date(0), Date(2**31 - 1)])
    assert_order(ct.TIME, [0, 1, 86_399_999_999_999])


def _uuid1(timestamp: int, clock_seq: int = 0, node: int = 0) -> uuid.UUID:
    return uuid.UUID(
        fields=(
            timestamp & 0xFFFFFFFF,
            (timestamp >> 32) & 0xFFFF,
            ((timestamp >> 48) & 0x0FFF) | 0x1000,
            0x80 | clock_seq >> 8,
            clock_seq & 0xFF,
            node,
        )
    )


def test_timeuuids_order_by_time_then_signed_low_bytes() -> None:
    early, late = _uuid1(1), _uuid1(2**59)
    assert_order(ct.TIMEUUID, [EMPTY, early, _uuid1(2**40), late])
    # same timestamp: the low 8 bytes compare as signed bytes (0xff... is negative)
    low_negative = uuid.UUID(bytes=_uuid1(5).bytes[:8] + b"\xff" * 8)
    low_positive = uuid.UUID(bytes=_uuid1(5).bytes[:8] + b"\x00" * 8)
    assert_order(ct.TIMEUUID, [low_negative, low_positive])


def test_uuids_order_by_version_then_time_then_unsigned_bytes() -> None:
    v4_low = uuid.UUID("00000000-0000-4000-8000-000000000000")
    v4_high = uuid.UUID("ffffffff-ffff-4fff-bfff-ffffffffffff")
    v1 = _uuid1(2**59)
    v3 = uuid.UUID("00000000-0000-3000-8000-000000000000")
    assert_order(ct.UUID, [EMPTY, _uuid1(1), v1, v3, v4_low, v4_high])
    same_time_low = uuid.UUID(bytes=_uuid1(5).bytes[:8] + b"\x00" * 8)
    same_time_high = uuid.UUID(bytes=_uuid1(5).bytes[:8] + b"\xff" * 8)
    assert_order(ct.UUID, [same_time_low, same_time_high])  # unsigned here, unlike timeuuid


def test_frozen_collections_compare_element_wise_then_by_size() -> None:
    lists = ct.ListType(ct.INT, frozen=True)
    assert_order(lists, [[], [-1], [-1, 0], [0], [0, 0], [1]])
    sets = ct.SetType(ct.TEXT, frozen=True)
    assert_order(sets, [[], ["a"], ["a", "b"], ["b"]])
    maps = ct.MapType(ct.INT, ct.TEXT, frozen=True)
    assert_order(maps, [{}, {1: "a"}, {1: "a", 2: "a"}, {1: "b"}, {2: ""}])


def test_tuples_order_nulls_first_and_ignore_trailing_nulls() -> None:
    t = ct.TupleType((ct.INT, ct.TEXT))
    assert_order(t, [(None, None), (None, "a"), (1, None), (1, ""), (1, "a"), (2, None)])
    assert t.compare(t.serialize((1, None)), t.serialize((1,))) == 0
    udt = ct.UserType("ks", "p", ("x", "y"), (ct.INT, ct.INT), frozen=True)
    assert_order(udt, [(None, 5), (0, None), (0, 1), (1, 0)])


def test_vectors_compare_element_wise() -> None:
    assert_order(ct.VectorType(ct.FLOAT, 2), [[-1.0, 5.0], [0.0, -1.0], [0.0, 0.0]])
    assert_order(ct.VectorType(ct.TEXT, 2), [["a", "z"], ["b", ""], ["b", "a"]])


@pytest.mark.parametrize("t", [t for t in NATIVE_VALUES if t not in (ct.DURATION,)], ids=lambda t: t.cql())
@given(data=st.data())
@PROPERTY_SETTINGS
def test_sort_key_is_a_total_order_reversed_by_reversed_type(t: ct.CqlType, data: st.DataObject) -> None:
    values = data.draw(st.lists(NATIVE_VALUES[t], min_size=2, max_size=6))
    encoded = [t.serialize(v) for v in values]
    forward = sorted(encoded, key=t.sort_key)
    backward = sorted(encoded, key=ct.ReversedType(t).sort_key)
    assert [t.sort_key(d) for d in forward] == [t.sort_key(d) for d in reversed(backward)]
    a, b = encoded[0], encoded[1]
    assert t.compare(a, b) == -t.compare(b, a) == -ct.ReversedType(t).compare(a, b)


@given(st.lists(st.integers(-(2**40), 2**40), min_size=2, max_size=8))
@PROPERTY_SETTINGS
def test_integer_order_is_numeric_order(values: list[int]) -> None:
    for t in (ct.BIGINT, ct.VARINT, ct.DECIMAL, ct.COUNTER):
        assert [int(v) for v in ordered(t, values)] == sorted(values)
    encoded = sorted((ct.TIMESTAMP.serialize(v) for v in values), key=ct.TIMESTAMP.sort_key)
    assert [int.from_bytes(d, "big", signed=True) for d in encoded] == sorted(values)


@given(st.lists(st.floats(allow_nan=False), min_size=2, max_size=8))
@PROPERTY_SETTINGS
def test_double_order_is_java_double_compare(values: list[float]) -> None:
    got = ordered(ct.DOUBLE, values)
    assert got == sorted(values, key=lambda x: (x, math.copysign(1, x)))


@given(st.lists(st.text(), min_size=2, max_size=8))
@PROPERTY_SETTINGS
def test_text_order_is_code_point_order(values: list[str]) -> None:
    assert ordered(ct.TEXT, values) == sorted(values)
