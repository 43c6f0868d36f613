"""The Python value classes: driver-like behaviour of Date, Time, Duration, SortedSet, OrderedMap, UDTs."""

from __future__ import annotations

import datetime
import pickle

import pytest

from engine.schema.values import (
    EMPTY,
    UNSET,
    Date,
    Duration,
    OrderedMap,
    SortedSet,
    Time,
    UserTypeValue,
)


def test_empty_and_unset_are_falsy_singleton_markers() -> None:
    assert not EMPTY and repr(EMPTY) == "EMPTY"
    assert not UNSET and repr(UNSET) == "UNSET"
    assert EMPTY != UNSET


def test_date_prints_iso_in_range_and_days_outside() -> None:
    assert str(Date(0)) == "1970-01-01"
    assert str(Date(-1)) == "1969-12-31"
    assert str(Date(19723)) == "2024-01-01"
    assert Date(19723).date() == datetime.date(2024, 1, 1)
    assert Date.from_date(datetime.date(2024, 1, 1)) == Date(19723)
    assert str(Date(-(2**31))) == str(-(2**31))
    with pytest.raises(ValueError):
        Date(-(2**31)).date()
    with pytest.raises(ValueError):
        Date(2**31)
    assert sorted([Date(3), Date(-2), Date(1)]) == [Date(-2), Date(1), Date(3)]


def test_time_prints_nanoseconds() -> None:
    t = Time(3_723_000_000_123)
    assert str(t) == "01:02:03.000000123"
    assert (t.hour, t.minute, t.second, t.nanosecond) == (1, 2, 3, 123)
    assert t.time() == datetime.time(1, 2, 3)
    assert Time.from_time(datetime.time(1, 2, 3, 4)) == Time(3_723_000_004_000)
    with pytest.raises(ValueError):
        Time(86_400_000_000_000)


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (Duration(0, 0, 5_400_000_000_000), "1h30m"),
        (Duration(0, -2, 0), "-2d"),
        (Duration(14, 3, 0), "1y2mo3d"),
        (Duration(0, 0, 12_000), "12us"),
        (Duration(13, 2, 36_300_000_000_000), "1y1mo2d10h5m"),
        (Duration(0, 0, 1_001_001_001), "1s1ms1us1ns"),
        (Duration(0, 0, 0), ""),
    ],
)
def test_duration_prints_like_cassandra(duration: Duration, text: str) -> None:
    assert str(duration) == text


def test_duration_refuses_mixed_signs() -> None:
    with pytest.raises(ValueError, match="must be all of the same sign"):
        Duration(1, -1, 0)


def test_sorted_set_keeps_order_and_equals_sets() -> None:
    s = SortedSet([1, 2, 3])
    assert list(s) == [1, 2, 3] and s[0] == 1 and len(s) == 3
    assert s == {3, 2, 1} and s == frozenset({1, 2, 3}) and s != {1, 2}
    assert 2 in s and 5 not in s
    assert hash(s) == hash(frozenset({1, 2, 3}))
    assert pickle.loads(pickle.dumps(s)) == s
    assert repr(s) == "SortedSet([1, 2, 3])"


def test_sorted_set_holds_unhashable_elements() -> None:
    s = SortedSet([[1], [2, 3]])
    assert [2, 3] in s and [4] not in s
    assert s == SortedSet([[1], [2, 3]])
    with pytest.raises(TypeError):
        hash(s)


def test_ordered_map_with_hashable_and_unhashable_keys() -> None:
    m = OrderedMap([("a", 1), ("b", 2)])
    assert list(m) == ["a", "b"] and m["b"] == 2 and m == {"b": 2, "a": 1}
    assert m.items() == [("a", 1), ("b", 2)] and m.values() == [1, 2]
    assert repr(m) == "OrderedMap([('a', 1), ('b', 2)])"
    with pytest.raises(KeyError):
        m["c"]
    unhashable = OrderedMap([([1, 2], "x"), ([3], "y")])
    assert unhashable[[3]] == "y" and [1, 2] in unhashable and [9] not in unhashable
    encoded = OrderedMap([([1, 2], "x")], key_encoder=lambda k: bytes(k))
    assert encoded[[1, 2]] == "x"
    assert pickle.loads(pickle.dumps(m)) == m


def test_user_type_value_is_namedtuple_like() -> None:
    v = UserTypeValue("address", ("street", "zip code"), ("Main", 12345))
    assert v.street == "Main" and v["zip code"] == 12345 and v[1] == 12345
    assert list(v) == ["Main", 12345] and len(v) == 2
    assert v._fields == ("street", "zip code") and v._asdict() == {"street": "Main", "zip code": 12345}
    assert v == ("Main", 12345) and v == UserTypeValue("address", ("street", "zip code"), ("Main", 12345))
    assert hash(v) == hash(("Main", 12345))
    assert repr(v) == "address(street='Main', zip code=12345)"
    with pytest.raises(AttributeError):
        v.city  # noqa: B018
    with pytest.raises(ValueError):
        UserTypeValue("t", ("a",), ())
