"""Bytes: every type round-trips, validates, and matches cassandra-driver's serializers byte for byte."""

from __future__ import annotations

import datetime
import math
import uuid
from decimal import Decimal
from typing import Any

import pytest
from cassandra import cqltypes
from cassandra.cqltypes import lookup_casstype
from cassandra.util import Duration as DriverDuration
from hypothesis import given
from hypothesis import strategies as st

from engine.cql.ast.terms import NativeTypeName
from engine.schema import types as ct
from engine.schema.types.base import MarshalException
from engine.schema.values import EMPTY, Date, Duration, OrderedMap, SortedSet, Time, UserTypeValue

from .support import NATIVE_VALUES, PROPERTY_SETTINGS, typed_values


@given(typed_values())
@PROPERTY_SETTINGS
def test_round_trip(pair: tuple[ct.CqlType, Any]) -> None:
    t, value = pair
    data = t.serialize(value)
    t.validate(data)
    back = t.deserialize(data)
    assert t.serialize(back) == data
    if not isinstance(back, float) or not math.isnan(back):
        assert t.deserialize(t.serialize(back)) == back


@pytest.mark.parametrize("t", list(NATIVE_VALUES), ids=lambda t: t.cql())
def test_empty_values(t: ct.CqlType) -> None:
    if t.allows_empty:
        t.validate(b"")
        assert t.deserialize(b"") in (EMPTY, "", b"")
        assert t.serialize(t.deserialize(b"")) == b""
    else:
        with pytest.raises(MarshalException):
            t.validate(b"")


# ---------------------------------------------------------------------------------------------- oracle

_DRIVER_NAMES = {
    ct.ASCII: "AsciiType",
    ct.BIGINT: "LongType",
    ct.BLOB: "BytesType",
    ct.BOOLEAN: "BooleanType",
    ct.COUNTER: "CounterColumnType",
    ct.DATE: "SimpleDateType",
    ct.DECIMAL: "DecimalType",
    ct.DOUBLE: "DoubleType",
    ct.DURATION: "DurationType",
    ct.FLOAT: "FloatType",
    ct.INET: "InetAddressType",
    ct.INT: "Int32Type",
    ct.SMALLINT: "ShortType",
    ct.TEXT: "UTF8Type",
    ct.TIME: "TimeType",
    ct.TIMESTAMP: "TimestampType",
    ct.TIMEUUID: "TimeUUIDType",
    ct.TINYINT: "ByteType",
    ct.UUID: "UUIDType",
    ct.VARINT: "IntegerType",
}


def _driver_value(t: ct.CqlType, value: Any) -> Any:
    if isinstance(value, Date):
        return value.days_from_epoch + 2**31  # the driver reads ints as the raw unsigned value
    if isinstance(value, Time):
        return value.nanosecond_time
    if isinstance(value, Duration):
        return DriverDuration(value.months, value.days, value.nanoseconds)
    if isinstance(value, SortedSet):
        return list(value)
    if isinstance(value, OrderedMap):
        return OrderedMapDict(value.items())
    if isinstance(value, UserTypeValue):
        return tuple(_driver_value(f, v) for f, v in zip(t.unwrap().subtypes, value, strict=True))
    if isinstance(value, list):
        return [_driver_value(t.subtypes[0], v) for v in value]
    if isinstance(value, tuple):
        return tuple(
            None if v is None else _driver_value(s, v) for s, v in zip(t.subtypes, value, strict=False)
        )
    return value


class OrderedMapDict(dict):  # type: ignore[type-arg]
    """A dict keeping our order for the driver, with unhashable keys made hashable."""

    def __init__(self, items: list[tuple[Any, Any]]) -> None:
        super().__init__()
        self._items = items

    def items(self) -> Any:
        return self._items

    def __len__(self) -> int:
        return len(self._items)


def _driver_type(t: ct.CqlType) -> Any:
    """The driver's type class for ``t`` (built directly: the driver misparses all-digit hex names)."""
    if isinstance(t, ct.UserType):
        subtypes = tuple(_driver_type(f) for f in t.field_types)
        return cqltypes.UserType.make_udt_class(t.keyspace, t.name, t.field_names, subtypes)
    if isinstance(t, ct.VectorType):
        return cqltypes.VectorType.apply_parameters([_driver_type(t.element), t.dimension], None)
    if isinstance(t, ct.ListType | ct.SetType | ct.MapType | ct.TupleType):
        base = {ct.ListType: cqltypes.ListType, ct.SetType: cqltypes.SetType, ct.MapType: cqltypes.MapType}
        driver_class = base.get(type(t), cqltypes.TupleType)
        return driver_class.apply_parameters([_driver_type(s) for s in t.subtypes])
    return lookup_casstype(t.marshal_name())


@pytest.mark.parametrize("t", list(NATIVE_VALUES), ids=lambda t: t.cql())
@given(data=st.data())
@PROPERTY_SETTINGS
def test_native_bytes_match_the_driver(t: ct.CqlType, data: st.DataObject) -> None:
    value = data.draw(NATIVE_VALUES[t])
    if t == ct.TIMESTAMP and isinstance(value, int) and not -(2**62) < value < 2**62:
        return  # the driver goes through a float for int millis
    driver = lookup_casstype(_DRIVER_NAMES[t])
    assert t.serialize(value) == driver.serialize(_driver_value(t, value), 4)
    if t == ct.TIMESTAMP:
        return  # the driver reads through float seconds (off by a microsecond) and fails out of range
    back = driver.deserialize(t.serialize(value), 4)
    mine = t.deserialize(t.serialize(value))
    if t == ct.DATE:
        assert back.days_from_epoch == mine.days_from_epoch
    elif t == ct.TIME:
        assert back.nanosecond_time == mine.nanosecond_time
    elif t == ct.DURATION:
        assert (back.months, back.days, back.nanoseconds) == (mine.months, mine.days, mine.nanoseconds)
    elif isinstance(mine, float) and math.isnan(mine):
        assert math.isnan(back)
    elif t == ct.INET:
        assert back == mine
    else:
        assert back == mine


@given(typed_values())
@PROPERTY_SETTINGS
def test_composite_bytes_match_the_driver(pair: tuple[ct.CqlType, Any]) -> None:
    t, value = pair
    if t in NATIVE_VALUES or _uses(t, (ct.DATE, ct.TIME, ct.DURATION, ct.TIMESTAMP)):
        return
    canonical = t.deserialize(t.serialize(value))
    driver = _driver_type(t)
    assert driver.serialize(_driver_value(t, canonical), 4) == t.serialize(canonical)


def _uses(t: ct.CqlType, natives: tuple[ct.CqlType, ...]) -> bool:
    return t in natives or any(_uses(s, natives) for s in t.subtypes)


def test_known_encodings() -> None:
    assert ct.VARINT.serialize(0) == b"\x00"
    assert ct.VARINT.serialize(128) == b"\x00\x80"
    assert ct.VARINT.serialize(-129) == b"\xff\x7f"
    assert ct.DECIMAL.serialize(Decimal("1.50")) == b"\x00\x00\x00\x02\x00\x96"
    assert ct.DECIMAL.deserialize(b"\x00\x00\x00\x02\x00\x96") == Decimal("1.50")
    assert str(ct.DECIMAL.deserialize(b"\x00\x00\x00\x02\x00\x96")) == "1.50"
    assert ct.DATE.serialize(Date(0)) == b"\x80\x00\x00\x00"
    assert ct.DATE.serialize(datetime.date(1969, 12, 31)) == b"\x7f\xff\xff\xff"
    assert ct.DATE.serialize(0) == b"\x00\x00\x00\x00"  # an int is the raw value, as in CQL and the driver
    assert ct.DURATION.serialize(Duration(1, 2, 3)) == b"\x02\x04\x06"
    assert ct.TIMESTAMP.serialize(datetime.datetime(1970, 1, 1, 0, 0, 1)) == (1000).to_bytes(8, "big")
    aware = datetime.datetime(1970, 1, 1, 1, 0, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
    assert ct.TIMESTAMP.serialize(aware) == (1000).to_bytes(8, "big")
    assert ct.TIMESTAMP.deserialize((2**62).to_bytes(8, "big")) == 2**62  # outside datetime: the millis
    assert ct.FLOAT.deserialize(ct.FLOAT.serialize(0.1)) == 0.10000000149011612
    assert ct.INET.serialize("::ffff:1.2.3.4") == bytes(10) + b"\xff\xff\x01\x02\x03\x04"
    assert ct.INET.deserialize(bytes(15) + b"\x01") == "::1"
    vector = ct.VectorType(ct.TEXT, 2)
    assert vector.serialize(["a", ""]) == b"\x01a\x00"


def test_sets_and_maps_are_sorted_and_deduplicated() -> None:
    s = ct.SetType(ct.INT)
    assert s.deserialize(s.serialize([3, 1, 2, 1])) == SortedSet([1, 2, 3])
    assert s.serialize({3, 1, 2}) == s.serialize([1, 2, 3])
    decimals = ct.SetType(ct.DECIMAL)
    assert list(decimals.deserialize(decimals.serialize([Decimal("1.0"), Decimal("1.00")]))) == [
        Decimal("1.0")
    ]
    m = ct.MapType(ct.TEXT, ct.INT)
    assert list(m.deserialize(m.serialize({"b": 2, "a": 1}))) == ["a", "b"]
    assert m.serialize([("a", 1), ("a", 2)]) == m.serialize({"a": 2})
    unhashable = ct.MapType(ct.ListType(ct.INT, True), ct.INT)
    value = unhashable.deserialize(unhashable.serialize([([2], 1), ([1, 5], 2)]))
    assert list(value) == [[1, 5], [2]] and value[[2]] == 1
    # whatever order a client sends, values read back sorted
    raw = b"\x00\x00\x00\x02" + b"\x00\x00\x00\x04\x00\x00\x00\x02" + b"\x00\x00\x00\x04\x00\x00\x00\x01"
    assert s.deserialize(raw) == SortedSet([1, 2]) and s.normalize(raw) == s.serialize([1, 2])


def test_tuples_and_user_types_hold_nulls_and_short_values() -> None:
    t = ct.TupleType((ct.INT, ct.TEXT))
    assert t.serialize((1, None)) == b"\x00\x00\x00\x04\x00\x00\x00\x01\xff\xff\xff\xff"
    assert t.deserialize(b"\x00\x00\x00\x04\x00\x00\x00\x01") == (1, None)
    udt = ct.UserType("ks", "address", ("street", "zip"), (ct.TEXT, ct.INT))
    value = udt.deserialize(udt.serialize({"street": "Main"}))
    assert value.street == "Main" and value.zip is None and value == ("Main", None)
    assert udt.serialize(("Main", 1)) == udt.serialize(
        UserTypeValue("address", ("street", "zip"), ("Main", 1))
    )
    with pytest.raises(MarshalException, match="Unknown field 'city' in value of user defined type address"):
        udt.serialize({"city": "x"})
    with pytest.raises(
        MarshalException, match=r"Tuple value contained too many fields \(expected 2, got 3\)"
    ):
        t.serialize((1, "a", 2))


@pytest.mark.parametrize(
    ("t", "data", "message"),
    [
        (ct.INT, b"\x00\x01", "Expected 4 or 0 byte int (2)"),
        (ct.BIGINT, b"\x00", "Expected 8 or 0 byte long (1)"),
        (ct.COUNTER, b"\x00", "Expected 8 or 0 byte long (1)"),
        (ct.SMALLINT, b"", "Expected 2 bytes for a smallint (0)"),
        (ct.TINYINT, b"\x00\x00", "Expected 1 byte for a tinyint (2)"),
        (ct.FLOAT, b"\x00", "Expected 4 or 0 byte value for a float (1)"),
        (ct.DOUBLE, b"\x00", "Expected 8 or 0 byte value for a double (1)"),
        (ct.DECIMAL, b"\x00", "Expected 0 or at least 4 bytes (1)"),
        (ct.BOOLEAN, b"\x00\x00", "Expected 1 or 0 byte value (2)"),
        (ct.UUID, b"\x00", "UUID should be 16 or 0 bytes (1)"),
        (ct.TIMEUUID, uuid.uuid4().bytes, "Invalid version for TimeUUID type."),
        (ct.TIMESTAMP, b"\x00", "Expected 8 or 0 byte long for date (1)"),
        (ct.DATE, b"", "Expected 4 byte long for date (0)"),
        (ct.TIME, b"\x00", "Expected 8 byte long for time (1)"),
        (ct.DURATION, b"\x00", "Expected at least 3 bytes for a duration (1)"),
        (
            ct.DURATION,
            b"\x02\x01\x00",
            "The duration months, days and nanoseconds must be all of the same sign (1, -1, 0)",
        ),
        (ct.INET, b"\x01\x02", "Expected 4 or 16 byte inetaddress; got 0102"),
        (ct.ASCII, b"\xc3\xa9", "Invalid byte for ascii: -61"),
        (ct.TEXT, b"\xff", "String didn't validate."),
        (ct.ListType(ct.INT), b"", "Not enough bytes to read a list"),
        (ct.ListType(ct.INT), b"\x00\x00\x00\x01\x00\x00\x00\x04\x00", "Not enough bytes to read a list"),
        (ct.SetType(ct.INT), b"\x00\x00\x00\x00\x00", "Unexpected extraneous bytes after set value"),
        (ct.MapType(ct.INT, ct.INT), b"\x00\x00\x00\x01", "Not enough bytes to read a map"),
        (ct.TupleType((ct.INT,)), b"\x00\x00", "Not enough bytes to read size of 0th component"),
        (
            ct.TupleType((ct.INT,)),
            b"\x00\x00\x00\x04\x00\x00\x00\x01\x00",
            "Invalid remaining data after end of tuple value",
        ),
        (ct.VectorType(ct.FLOAT, 2), b"\x00\x00\x00\x00", "Not enough bytes to read a vector"),
    ],
)
def test_validate_messages(t: ct.CqlType, data: bytes, message: str) -> None:
    with pytest.raises(MarshalException) as exc:
        t.validate(data)
    assert exc.value.message == message


def test_reversed_type_delegates_everything_but_order() -> None:
    r = ct.ReversedType(ct.INT)
    assert r.cql() == "int" and r.unwrap() == ct.INT and r.is_reversed
    assert r.serialize(5) == ct.INT.serialize(5) and r.deserialize(ct.INT.serialize(5)) == 5
    assert r.to_json(5) == "5" and r.to_cql_literal(5) == "5"
    assert r.compare(ct.INT.serialize(1), ct.INT.serialize(2)) == 1
    assert ct.ReversedType(ct.TEXT).compare(b"a", b"b") == 1


def test_types_are_hashable_values() -> None:
    assert ct.ListType(ct.INT) == ct.ListType(ct.INT) and hash(ct.ListType(ct.INT)) == hash(
        ct.ListType(ct.INT)
    )
    assert ct.ListType(ct.INT) != ct.ListType(ct.INT, frozen=True)
    assert ct.NATIVE_TYPES[NativeTypeName.ASCII] == ct.ASCII
    assert ct.NATIVE_TYPES[NativeTypeName.VARCHAR] is ct.TEXT and ct.TEXT.cql() == "text"
    assert {ct.INT: 1}[ct.IntType()] == 1
    assert ct.ListType(ct.INT).is_multi_cell and ct.ListType(ct.INT).freeze().is_frozen
    assert ct.COUNTER.is_counter and ct.MapType(ct.TEXT, ct.COUNTER).references_counter()


def test_marshal_names() -> None:
    frozen_list = ct.ListType(ct.INT, frozen=True)
    assert frozen_list.marshal_name() == (
        "org.apache.cassandra.db.marshal.FrozenType(org.apache.cassandra.db.marshal.ListType("
        "org.apache.cassandra.db.marshal.Int32Type))"
    )
    nested = ct.ListType(frozen_list)
    assert nested.marshal_name() == (
        "org.apache.cassandra.db.marshal.ListType(org.apache.cassandra.db.marshal.FrozenType("
        "org.apache.cassandra.db.marshal.ListType(org.apache.cassandra.db.marshal.Int32Type)))"
    )
    udt = ct.UserType("ks", "point", ("x",), (ct.TEXT,), frozen=True)
    assert udt.marshal_name() == (
        "org.apache.cassandra.db.marshal.FrozenType(org.apache.cassandra.db.marshal.UserType("
        "ks,706f696e74,78:org.apache.cassandra.db.marshal.UTF8Type))"
    )
    assert lookup_casstype(udt.marshal_name()).cql_parameterized_type().endswith("frozen<point>>")
    vector = ct.VectorType(ct.FLOAT, 3)
    assert vector.marshal_name() == (
        "org.apache.cassandra.db.marshal.VectorType(org.apache.cassandra.db.marshal.FloatType,3)"
    )
