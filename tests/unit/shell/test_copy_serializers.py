"""COPY FROM packs the common types itself (``conversion.serializer``): the bytes are the driver's
``to_binary``'s for every value, and a value the packing refuses gets the driver's answer or error."""

from __future__ import annotations

import pytest
from cassandra.cqltypes import lookup_casstype
from hypothesis import given, settings
from hypothesis import strategies as st

from shell.copy.conversion import serializer

BOUNDS = {
    "Int32Type": 2**31,
    "LongType": 2**63,
    "CounterColumnType": 2**63,
    "ShortType": 2**15,
    "ByteType": 2**7,
}
TYPES = [
    *BOUNDS,
    "DoubleType",
    "FloatType",
    "UTF8Type",
    "DateType",
    "ListType(Int32Type)",
    "ListType(UTF8Type)",
    "ListType(DateType)",
]


def _value(name: str) -> st.SearchStrategy[object]:
    if name in BOUNDS:  # in range, and just past it either way
        bound = BOUNDS[name]
        return st.integers(-bound - 2, bound + 1)
    if name in ("DoubleType", "FloatType"):
        return st.floats(allow_nan=False) | st.floats(min_value=-1e39, max_value=1e39)
    if name == "UTF8Type":
        return st.text(max_size=20)
    if name == "DateType":
        return st.integers(-(2**63) - 1, 2**63) | st.floats(min_value=-1e13, max_value=1e13)
    element = name[len("ListType(") : -1]
    return st.lists(_value(element), max_size=4)


def _outcome(serialize: object, value: object) -> object:
    try:
        return serialize(value)  # type: ignore[operator]
    except Exception as error:
        return type(error), str(error)


@pytest.mark.parametrize("name", TYPES)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_packed_bytes_and_errors_are_the_drivers(name: str, data: st.DataObject) -> None:
    kind = lookup_casstype(name)
    value = data.draw(_value(name))
    ours = _outcome(serializer(kind, 4), value)
    assert ours == _outcome(lambda v: kind.to_binary(v, 4), value)


def test_other_types_are_serialized_by_the_driver() -> None:
    kind = lookup_casstype("SetType(Int32Type)")
    assert serializer(kind, 4)({3, 1}) == kind.to_binary({3, 1}, 4)
