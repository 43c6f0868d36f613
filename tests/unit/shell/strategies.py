"""Hypothesis strategies: a CQL type (as ``cql_typename`` text) together with a driver-typed value of it."""

from __future__ import annotations

import datetime
import decimal
import itertools
from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from cassandra.cqltypes import EMPTY
from cassandra.util import Date, Duration, SortedSet, Time
from hypothesis import strategies as st

from shell.output.result import UserTypeSpec

# Text that stresses escaping and width: controls, quotes, backslashes, NBSP/soft hyphen, wide CJK,
# emoji (with ZWJ and variation selectors), combining marks, plus anything else Unicode has.
_TRICKY = (
    "\x00\x01\t\n\r\x1b\x7f\x80\x9f\xa0\xad'\"\\\\uxU{}[]:, é中文字😀👩\u200d💻\u2764\ufe0f\u0301\u200b\uff21"
)
TEXT = st.text(st.sampled_from(_TRICKY) | st.characters(blacklist_categories=("Cs",)), max_size=12)


@dataclass(frozen=True)
class TypeDesc:
    """A generated type: its text, a strategy for its values, the UDTs it needs, how it may be used."""

    text: str
    values: st.SearchStrategy[object]
    user_types: Mapping[str, UserTypeSpec] = field(default_factory=dict)
    collection: bool = False  # needs frozen<> when nested


@dataclass(frozen=True)
class Sample:
    type_text: str
    value: object
    user_types: Mapping[str, UserTypeSpec]


def _decimal(unscaled: int, scale: int) -> decimal.Decimal:
    return decimal.Decimal(f"{unscaled}E{-scale}")


_DATETIMES = st.datetimes(
    min_value=datetime.datetime(1, 1, 1), max_value=datetime.datetime(9999, 12, 31, 23, 59, 59)
)
_MILLIS_OUT_OF_RANGE = st.one_of(
    st.integers(min_value=253402300800000, max_value=2**63 - 1),
    st.integers(min_value=-(2**63), max_value=-62135596800001),
)

SCALARS: dict[str, tuple[st.SearchStrategy[object], bool]] = {
    "text": (TEXT, True),
    "ascii": (st.text(st.characters(max_codepoint=127), max_size=10), True),
    "int": (st.integers(-(2**31), 2**31 - 1), True),
    "bigint": (st.integers(-(2**63), 2**63 - 1), True),
    "smallint": (st.integers(-(2**15), 2**15 - 1), True),
    "tinyint": (st.integers(-128, 127), True),
    "counter": (st.integers(-(2**63), 2**63 - 1), True),
    "varint": (st.integers(-(10**60), 10**60) | st.integers(-(10**3000), 10**3000), True),
    "float": (st.floats(width=32), True),
    "double": (st.floats(), True),
    "decimal": (st.builds(_decimal, st.integers(-(10**40), 10**40), st.integers(-60, 60)), True),
    "boolean": (st.booleans(), True),
    "blob": (st.binary(max_size=12), True),
    "uuid": (st.uuids(), True),
    "timeuuid": (st.uuids(version=1), True),
    "inet": (st.ip_addresses().map(str), True),
    "timestamp": (_DATETIMES | _MILLIS_OUT_OF_RANGE, False),
    "date": (st.builds(Date, st.integers(-(2**31), 2**31 - 1)), True),
    "time": (st.builds(Time, st.integers(0, 86_399_999_999_999)), True),
    "duration": (
        st.builds(
            Duration,
            st.integers(-(2**31), 2**31 - 1),
            st.integers(-(2**31), 2**31 - 1),
            st.integers(-(2**63), 2**63 - 1),
        ),
        False,
    ),
}

_udt_names = itertools.count()


def _scalar(name: str) -> TypeDesc:
    return TypeDesc(name, SCALARS[name][0])


def scalar_types() -> st.SearchStrategy[TypeDesc]:
    return st.sampled_from(sorted(SCALARS)).map(_scalar)


def orderable_scalar_types() -> st.SearchStrategy[TypeDesc]:
    """Set elements and map keys (their values compare, so SortedSet and cqlsh's sorting work)."""
    return st.sampled_from(sorted(name for name, (_, orderable) in SCALARS.items() if orderable)).map(_scalar)


def _nested(desc: TypeDesc) -> str:
    return f"frozen<{desc.text}>" if desc.collection else desc.text


def _merge(*descs: TypeDesc) -> dict[str, UserTypeSpec]:
    merged: dict[str, UserTypeSpec] = {}
    for desc in descs:
        merged.update(desc.user_types)
    return merged


def _list_of(element: TypeDesc) -> TypeDesc:
    return TypeDesc(
        f"list<{_nested(element)}>", st.lists(element.values, max_size=4), element.user_types, collection=True
    )


def _set_of(element: TypeDesc) -> TypeDesc:
    values = st.lists(element.values, max_size=4).map(SortedSet)
    return TypeDesc(f"set<{_nested(element)}>", values, element.user_types, collection=True)


def _map_of(pair: tuple[TypeDesc, TypeDesc]) -> TypeDesc:
    key, value = pair
    values = st.dictionaries(key.values, value.values, max_size=4)
    return TypeDesc(f"map<{_nested(key)}, {_nested(value)}>", values, _merge(key, value), collection=True)


def _tuple_of(elements: list[TypeDesc]) -> TypeDesc:
    text = f"frozen<tuple<{', '.join(_nested(e) for e in elements)}>>"
    values = st.tuples(*(st.none() | e.values for e in elements))
    return TypeDesc(text, values, _merge(*elements))


def _udt_of(fields: list[tuple[str, TypeDesc]]) -> TypeDesc:
    name = f"udt{next(_udt_names)}"
    names = tuple(field_name for field_name, _ in fields)
    spec = UserTypeSpec(name, names, tuple(_nested(desc) for _, desc in fields))
    row_class = namedtuple(name, names)  # type: ignore[misc]  # what the driver builds for a UDT
    values = st.tuples(*(st.none() | desc.values for _, desc in fields)).map(lambda items: row_class(*items))
    return TypeDesc(f"frozen<{name}>", values, {**_merge(*(d for _, d in fields)), name: spec})


def _vector_of(element: str, size: int) -> TypeDesc:
    values = SCALARS[element][0]
    return TypeDesc(f"vector<{element}, {size}>", st.lists(values, min_size=size, max_size=size))


_FIELD_NAMES = st.sampled_from(["a", "street", "zip_code", "naïve", "x1", "City", "f"])


def _extend(children: st.SearchStrategy[TypeDesc]) -> st.SearchStrategy[TypeDesc]:
    orderable = orderable_scalar_types()
    fields = st.lists(st.tuples(_FIELD_NAMES, children), min_size=1, max_size=3, unique_by=lambda f: f[0])
    return st.one_of(
        children.map(_list_of),
        orderable.map(_set_of),
        st.tuples(orderable, children).map(_map_of),
        st.lists(children, min_size=1, max_size=3).map(_tuple_of),
        fields.map(_udt_of),
    )


def cql_types() -> st.SearchStrategy[TypeDesc]:
    vectors = st.builds(_vector_of, st.sampled_from(["float", "double", "int", "bigint"]), st.integers(1, 4))
    return st.recursive(scalar_types() | vectors, _extend, max_leaves=6)


@st.composite
def samples(draw: Callable[[st.SearchStrategy[object]], object]) -> Sample:
    desc = draw(cql_types())
    assert isinstance(desc, TypeDesc)
    value = draw(st.none() | st.just(EMPTY) | desc.values)
    return Sample(desc.text, value, dict(desc.user_types))
