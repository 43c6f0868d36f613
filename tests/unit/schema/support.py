"""Shared helpers of the schema tests: parsing literal terms, hypothesis strategies of typed values."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from engine.cql.ast.terms import Term
from engine.cql.parser import parse_one
from engine.schema import types as ct
from engine.schema.values import EMPTY, NANOS_PER_DAY, Date, Duration, Time

PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def term(text: str) -> Term:
    """The term a CQL literal parses to (as the value of an INSERT)."""
    statement = parse_one(f"INSERT INTO t (x) VALUES ({text})")
    return statement.values[0]  # type: ignore[attr-defined]


def no_user_types(keyspace: str, name: str) -> None:
    return None


_decimals = st.builds(
    lambda unscaled, exponent: Decimal(
        (0 if unscaled >= 0 else 1, tuple(map(int, str(abs(unscaled)))), exponent)
    ),
    st.integers(-(10**30), 10**30),
    st.integers(-40, 40),
)
_durations = st.tuples(
    st.integers(0, 2**31 - 1), st.integers(0, 2**31 - 1), st.integers(0, 2**63 - 1), st.booleans()
).map(lambda t: Duration(-t[0], -t[1], -t[2]) if t[3] else Duration(t[0], t[1], t[2]))
_timestamps = st.one_of(
    st.datetimes().map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)),
    st.integers(-(2**63), 2**63 - 1),
)

NATIVE_VALUES: dict[ct.CqlType, st.SearchStrategy[Any]] = {
    ct.ASCII: st.text(st.characters(max_codepoint=127)),
    ct.BIGINT: st.integers(-(2**63), 2**63 - 1),
    ct.BLOB: st.binary(),
    ct.BOOLEAN: st.booleans(),
    ct.COUNTER: st.integers(-(2**63), 2**63 - 1),
    ct.DATE: st.integers(-(2**31), 2**31 - 1).map(Date),
    ct.DECIMAL: _decimals,
    ct.DOUBLE: st.floats(),
    ct.DURATION: _durations,
    ct.FLOAT: st.floats(width=32),
    ct.INET: st.ip_addresses().map(str),
    ct.INT: st.integers(-(2**31), 2**31 - 1),
    ct.SMALLINT: st.integers(-(2**15), 2**15 - 1),
    ct.TEXT: st.text(st.characters(blacklist_categories=("Cs",))),
    ct.TIME: st.integers(0, NANOS_PER_DAY - 1).map(Time),
    ct.TIMESTAMP: _timestamps,
    ct.TIMEUUID: st.uuids(version=1),
    ct.TINYINT: st.integers(-128, 127),
    ct.UUID: st.uuids(),
    ct.VARINT: st.integers(-(2**200), 2**200),
}

_ELEMENT_TYPES = [t for t in NATIVE_VALUES if t not in (ct.COUNTER, ct.DURATION)]


@st.composite
def typed_values(draw: st.DrawFn, depth: int = 2) -> tuple[ct.CqlType, Any]:
    """A (type, value) pair: a native type, or a collection/tuple/UDT/vector of frozen parts."""
    return draw(_typed(depth))


def _typed(depth: int) -> st.SearchStrategy[tuple[ct.CqlType, Any]]:
    natives = st.sampled_from(list(NATIVE_VALUES)).flatmap(lambda t: NATIVE_VALUES[t].map(lambda v: (t, v)))
    if depth == 0:
        return natives
    return st.one_of(natives, _composite(depth))


def _element_strategy(depth: int) -> st.SearchStrategy[ct.CqlType]:
    natives = st.sampled_from(_ELEMENT_TYPES)
    if depth <= 1:
        return natives
    return st.one_of(natives, _types(depth - 1))


@st.composite
def _types(draw: st.DrawFn, depth: int) -> ct.CqlType:
    element = _element_strategy(depth)
    kind = draw(st.sampled_from(["list", "set", "map", "tuple", "udt", "vector"]))
    frozen = draw(st.booleans())
    if kind == "list":
        return ct.ListType(draw(element).freeze(), frozen)
    if kind == "set":
        return ct.SetType(draw(element).freeze(), frozen)
    if kind == "map":
        return ct.MapType(draw(element).freeze(), draw(element).freeze(), frozen)
    if kind == "tuple":
        return ct.TupleType(tuple(draw(element).freeze() for _ in range(draw(st.integers(1, 3)))))
    if kind == "udt":
        n = draw(st.integers(1, 3))
        names = tuple(draw(st.sampled_from(["a", "b", "Street", "zip code", "c"])) + str(i) for i in range(n))
        return ct.UserType(
            "ks",
            draw(st.sampled_from(["address", "Point"])),
            names,
            tuple(draw(element).freeze() for _ in range(n)),
            frozen,
        )
    return ct.VectorType(draw(element).freeze(), draw(st.integers(1, 3)))


def values_of(t: ct.CqlType) -> st.SearchStrategy[Any]:
    """Python values of any type built by ``_types``."""
    t = t.unwrap()
    if t in NATIVE_VALUES:
        return NATIVE_VALUES[t]
    if isinstance(t, ct.ListType):
        return st.lists(values_of(t.element), max_size=3)
    if isinstance(t, ct.SetType):
        return st.lists(values_of(t.element), max_size=3)
    if isinstance(t, ct.MapType):
        return st.lists(st.tuples(values_of(t.key), values_of(t.value)), max_size=3)
    if isinstance(t, ct.UserType):
        return st.tuples(*(st.one_of(st.none(), values_of(f)) for f in t.field_types))
    if isinstance(t, ct.TupleType):
        return st.tuples(*(st.one_of(st.none(), values_of(e)) for e in t.elements))
    if isinstance(t, ct.VectorType):
        return st.lists(values_of(t.element), min_size=t.dimension, max_size=t.dimension)
    raise AssertionError(t)


@st.composite
def _composite(draw: st.DrawFn, depth: int) -> tuple[ct.CqlType, Any]:
    t = draw(_types(depth))
    return t, draw(values_of(t))


def a_date(days: int) -> datetime.date:
    return datetime.date(1970, 1, 1) + datetime.timedelta(days=days)


def survives_text(t: ct.CqlType, value: Any) -> bool:
    """Whether a value's CQL literal and JSON read back as the value. Not so, in Cassandra too, for
    empty values (printed ``null``/``""``), timestamps printed in the Julian calendar (before 1583) or
    outside years 1-9999, and zero durations (printed as nothing)."""
    if value is EMPTY:
        return False
    if value is None:
        return True
    base = t.unwrap()
    if base == ct.TIMESTAMP:
        return not isinstance(value, int) and value.year >= 1583
    if base == ct.DURATION:
        return value != Duration()
    if isinstance(base, ct.MapType):
        return all(survives_text(base.key, k) and survives_text(base.value, v) for k, v in value.items())
    if isinstance(base, ct.TupleType | ct.UserType):
        return all(survives_text(s, v) for s, v in zip(base.subtypes, value, strict=False))
    if isinstance(base, ct.ListType | ct.SetType | ct.VectorType):
        return all(survives_text(base.subtypes[0], v) for v in value)
    return True
