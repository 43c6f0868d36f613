"""Python values of CQL types, shaped like what cassandra-driver returns.

A CQL value travels as bytes (native protocol, storage) and as a Python value (literals, results handed
to embedded users, JSON). The type module (`engine.schema.types`) converts between the two; this module
holds the Python-side classes the driver has no standard-library equivalent for:

=============  ==============================================================================
CQL type       Python value
=============  ==============================================================================
date           :class:`Date` — days from 1970-01-01, the full range Cassandra stores (±2^31 days)
time           :class:`Time` — nanoseconds since midnight
duration       :class:`Duration` — months, days, nanoseconds (all of one sign)
set            :class:`SortedSet` — immutable, iterates in Cassandra's element order
map            :class:`OrderedMap` — immutable mapping in Cassandra's key order; keys may be unhashable
user type      :class:`UserTypeValue` — a namedtuple-like value with the type's field names
empty value    :data:`EMPTY` — the zero-length value most native types accept besides null
unset          :data:`UNSET` — a bound value marked unset: leave the column as it is
=============  ==============================================================================

``EMPTY``: Cassandra accepts a zero-length byte value for int, bigint, float, double, decimal,
varint, boolean, uuid, timeuuid, inet, timestamp and counter columns, distinct from null (cqlsh shows
it blank, ``toJson`` renders it as ``""``). The driver turns it into ``None`` or its own ``EMPTY``
marker; cqlkit always uses :data:`EMPTY`, so the value survives a round trip. For ascii, text and blob
the empty value is simply ``''``/``b''``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator, Mapping, Set
from dataclasses import dataclass, field
from typing import Any

NANOS_PER_MICRO = 1_000
NANOS_PER_MILLI = 1_000_000
NANOS_PER_SECOND = 1_000_000_000
NANOS_PER_MINUTE = 60 * NANOS_PER_SECOND
NANOS_PER_HOUR = 60 * NANOS_PER_MINUTE
NANOS_PER_DAY = 24 * NANOS_PER_HOUR
MONTHS_PER_YEAR = 12

#: Days from epoch Cassandra's ``date`` can hold: the unsigned 32-bit value minus 2^31.
DATE_MIN_DAYS = -(2**31)
DATE_MAX_DAYS = 2**31 - 1

_EPOCH_DATE = datetime.date(1970, 1, 1)
_EPOCH_ORDINAL = _EPOCH_DATE.toordinal()


@dataclass(frozen=True, slots=True)
class EmptyValue:
    """The zero-length value of a type that is not a string type (see the module docstring)."""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "EMPTY"


#: The one empty value.
EMPTY = EmptyValue()


@dataclass(frozen=True, slots=True)
class UnsetValue:
    """A bound value the client marked *unset* (protocol v4+): the column is left as it is."""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "UNSET"


#: The one unset value.
UNSET = UnsetValue()


# ---------------------------------------------------------------------------------------------- date


@dataclass(frozen=True, slots=True, order=True)
class Date:
    """A day, as days from 1970-01-01 (negative before). Wider than ``datetime.date``: Cassandra's
    range is ±2^31 days, so out-of-range days print as their number, like the driver's ``Date``."""

    days_from_epoch: int

    def __post_init__(self) -> None:
        if not DATE_MIN_DAYS <= self.days_from_epoch <= DATE_MAX_DAYS:
            raise ValueError(f"date out of range: {self.days_from_epoch} days from epoch")

    @classmethod
    def from_date(cls, value: datetime.date) -> Date:
        return cls(value.toordinal() - _EPOCH_ORDINAL)

    def date(self) -> datetime.date:
        """The ``datetime.date``; ``ValueError`` outside years 1-9999."""
        ordinal = self.days_from_epoch + _EPOCH_ORDINAL
        if not 1 <= ordinal <= datetime.date.max.toordinal():
            raise ValueError(f"{self!r} exceeds ranges for built-in datetime.date")
        return datetime.date.fromordinal(ordinal)

    def __str__(self) -> str:
        try:
            return self.date().isoformat()
        except ValueError:
            return str(self.days_from_epoch)


# ---------------------------------------------------------------------------------------------- time


@dataclass(frozen=True, slots=True, order=True)
class Time:
    """A time of day with nanosecond precision."""

    nanosecond_time: int

    def __post_init__(self) -> None:
        if not 0 <= self.nanosecond_time < NANOS_PER_DAY:
            raise ValueError(f"time out of range: {self.nanosecond_time} ns")

    @classmethod
    def from_time(cls, value: datetime.time) -> Time:
        return cls(
            value.hour * NANOS_PER_HOUR
            + value.minute * NANOS_PER_MINUTE
            + value.second * NANOS_PER_SECOND
            + value.microsecond * NANOS_PER_MICRO
        )

    @property
    def hour(self) -> int:
        return self.nanosecond_time // NANOS_PER_HOUR

    @property
    def minute(self) -> int:
        return self.nanosecond_time % NANOS_PER_HOUR // NANOS_PER_MINUTE

    @property
    def second(self) -> int:
        return self.nanosecond_time % NANOS_PER_MINUTE // NANOS_PER_SECOND

    @property
    def nanosecond(self) -> int:
        return self.nanosecond_time % NANOS_PER_SECOND

    def time(self) -> datetime.time:
        """The ``datetime.time`` (microsecond precision: nanoseconds are truncated)."""
        return datetime.time(self.hour, self.minute, self.second, self.nanosecond // NANOS_PER_MICRO)

    def __str__(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}:{self.second:02d}.{self.nanosecond:09d}"


# ---------------------------------------------------------------------------------------------- duration


@dataclass(frozen=True, slots=True)
class Duration:
    """Months, days and nanoseconds, kept apart because months and days vary in length.
    A negative duration has every non-zero part negative (Cassandra refuses mixed signs)."""

    months: int = 0
    days: int = 0
    nanoseconds: int = 0

    def __post_init__(self) -> None:
        parts = (self.months, self.days, self.nanoseconds)
        if not (all(p >= 0 for p in parts) or all(p <= 0 for p in parts)):
            raise ValueError(
                "The duration months, days and nanoseconds must be all of the same sign "
                f"({self.months}, {self.days}, {self.nanoseconds})"
            )

    def __str__(self) -> str:
        """Cassandra's ``Duration.toString``: ``1y2mo3d4h5m6s7ms8us9ns``, zero units omitted."""
        out = ["-"] if (self.months < 0 or self.days < 0 or self.nanoseconds < 0) else []
        months, days, nanos = abs(self.months), abs(self.days), abs(self.nanoseconds)
        months = _append_unit(out, months, MONTHS_PER_YEAR, "y")
        _append_unit(out, months, 1, "mo")
        _append_unit(out, days, 1, "d")
        if nanos:
            for divisor, unit in (
                (NANOS_PER_HOUR, "h"),
                (NANOS_PER_MINUTE, "m"),
                (NANOS_PER_SECOND, "s"),
                (NANOS_PER_MILLI, "ms"),
                (NANOS_PER_MICRO, "us"),
                (1, "ns"),
            ):
                nanos = _append_unit(out, nanos, divisor, unit)
        return "".join(out)


def _append_unit(out: list[str], dividend: int, divisor: int, unit: str) -> int:
    if dividend == 0 or dividend < divisor:
        return dividend
    out.append(f"{dividend // divisor}{unit}")
    return dividend % divisor


# ---------------------------------------------------------------------------------------------- set


class SortedSet(Set[Any]):
    """An immutable set iterating in the order its type sorts elements (Cassandra's comparator).

    Built by the set type from already ordered, de-duplicated items. Elements need not be hashable
    (a ``set<frozen<list<int>>>`` holds lists); the set itself is hashable when they are, and compares
    equal to a ``set``/``frozenset`` with the same elements.
    """

    __slots__ = ("_hashed", "_items")

    def __init__(self, items: Iterable[Any] = ()) -> None:
        self._items: tuple[Any, ...] = tuple(items)
        self._hashed: frozenset[Any] | None = None

    def _lookup(self) -> frozenset[Any] | None:
        if self._hashed is None:
            try:
                self._hashed = frozenset(self._items)
            except TypeError:
                return None
        return self._hashed

    def __contains__(self, item: object) -> bool:
        hashed = self._lookup()
        if hashed is not None:
            try:
                return item in hashed
            except TypeError:
                return False
        return any(item == element for element in self._items)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def __reversed__(self) -> Iterator[Any]:
        return reversed(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int) -> Any:
        return self._items[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SortedSet):
            return len(self) == len(other) and all(item in other for item in self._items)
        if isinstance(other, Set):
            try:
                return len(self) == len(other) and all(item in self for item in other)
            except TypeError:
                return False
        return NotImplemented

    def __hash__(self) -> int:
        return hash(frozenset(self._items))

    def __repr__(self) -> str:
        return f"SortedSet({list(self._items)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (SortedSet, (self._items,))


# ---------------------------------------------------------------------------------------------- map


class OrderedMap(Mapping[Any, Any]):
    """An immutable mapping iterating in the order its type sorts keys (Cassandra's comparator).

    Keys may be unhashable (a ``map<frozen<list<int>>, int>`` has list keys): lookups then go through
    ``key_encoder`` (the key type's serializer, like the driver's ``OrderedMapSerializedKey``), or a
    linear scan when no encoder was given.
    """

    __slots__ = ("_encoded", "_index", "_key_encoder", "_keys", "_values")

    def __init__(
        self,
        items: Iterable[tuple[Any, Any]] = (),
        key_encoder: Callable[[Any], bytes] | None = None,
    ) -> None:
        pairs = list(items)
        self._keys: tuple[Any, ...] = tuple(k for k, _ in pairs)
        self._values: tuple[Any, ...] = tuple(v for _, v in pairs)
        self._key_encoder = key_encoder
        self._index: dict[Any, int] | None = None
        self._encoded: dict[bytes, int] | None = None
        try:
            self._index = {k: i for i, k in enumerate(self._keys)}
        except TypeError:
            if key_encoder is not None:
                self._encoded = {key_encoder(k): i for i, k in enumerate(self._keys)}

    def _position(self, key: object) -> int:
        if self._index is not None:
            try:
                return self._index[key]
            except TypeError:
                raise KeyError(key) from None
        if self._encoded is not None and self._key_encoder is not None:
            try:
                return self._encoded[self._key_encoder(key)]
            except (TypeError, ValueError):
                raise KeyError(key) from None
        for i, k in enumerate(self._keys):
            if k == key:
                return i
        raise KeyError(key)

    def __getitem__(self, key: object) -> Any:
        return self._values[self._position(key)]

    def __contains__(self, key: object) -> bool:
        try:
            self._position(key)
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[Any]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def items(self) -> Any:  # a list of pairs, as unhashable keys cannot make an ItemsView set
        return list(zip(self._keys, self._values, strict=True))

    def values(self) -> Any:
        return list(self._values)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        if len(self) != len(other):
            return False
        for key, value in zip(self._keys, self._values, strict=True):
            try:
                if other[key] != value:
                    return False
            except (KeyError, TypeError):
                return False
        return True

    def __hash__(self) -> int:
        return hash(frozenset(zip(self._keys, self._values, strict=True)))

    def __repr__(self) -> str:
        pairs = ", ".join(f"({k!r}, {v!r})" for k, v in zip(self._keys, self._values, strict=True))
        return f"OrderedMap([{pairs}])"

    def __reduce__(self) -> tuple[Any, ...]:
        return (OrderedMap, (self.items(),))


# ---------------------------------------------------------------------------------------------- UDT


@dataclass(frozen=True, slots=True, eq=False)
class UserTypeValue:
    """A value of a user-defined type: its field values, in declaration order, with names.

    Behaves like the driver's per-type namedtuple: attribute access by field name (fields whose name
    is not a Python identifier are reached with ``value['Field name']``), iteration over values,
    ``len``, indexing, ``_fields``/``_asdict()``; equal to another value with the same fields and
    values, and to a plain tuple of the same values. (A field named like one of this class's own
    attributes — ``values``, ``type_name``, ``field_names`` — is reached with ``value['values']``.)
    """

    type_name: str
    field_names: tuple[str, ...]
    values: tuple[Any, ...]
    _positions: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.field_names) != len(self.values):
            raise ValueError(f"{len(self.field_names)} fields but {len(self.values)} values")
        object.__setattr__(self, "_positions", {n: i for i, n in enumerate(self.field_names)})

    def __getattr__(self, name: str) -> Any:
        try:
            positions = object.__getattribute__(self, "_positions")
        except AttributeError:
            raise AttributeError(name) from None
        try:
            return self.values[positions[name]]
        except KeyError:
            raise AttributeError(f"{self.type_name!r} value has no field {name!r}") from None

    def __getitem__(self, key: int | str) -> Any:
        if isinstance(key, str):
            return self.values[self._positions[key]]
        return self.values[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)

    @property
    def _fields(self) -> tuple[str, ...]:
        return self.field_names

    def _asdict(self) -> dict[str, Any]:
        return dict(zip(self.field_names, self.values, strict=True))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, UserTypeValue):
            return self.field_names == other.field_names and self.values == other.values
        if isinstance(other, tuple):
            return self.values == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.values)

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={v!r}" for n, v in zip(self.field_names, self.values, strict=True))
        return f"{self.type_name}({inner})"


def pairs(value: Mapping[Any, Any] | Iterable[tuple[Any, Any]]) -> Iterator[tuple[Any, Any]]:
    """The (key, value) pairs of a mapping or of an iterable of pairs."""
    if isinstance(value, Mapping):
        return iter(value.items())
    return ((k, v) for k, v in value)
