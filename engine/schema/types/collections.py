"""Collections: list, set, map — frozen (one value) or not (one cell per element).

Byte format (native protocol v3+ §6, also how a frozen collection is stored): an int32 element count,
then each element as an int32 length and its bytes; a map writes key, value, key, value... Elements
are never null. Sets are written sorted by the element type's order without duplicates, maps sorted by
key; cqlkit re-sorts whatever a client sends, as Cassandra does.

Order of frozen collections (Cassandra's ``ListType.compareListOrSet``/``MapType.compareMaps``):
element by element (a map: key, then value), then the shorter first.

Python values: ``list`` for lists, :class:`~engine.schema.values.SortedSet` for sets,
:class:`~engine.schema.values.OrderedMap` for maps (keys may be unhashable, e.g. frozen lists).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.schema.types import java
from engine.schema.types.base import (
    INT32,
    MARSHAL_PACKAGE,
    CqlType,
    MarshalException,
    ProtocolTypeCode,
    pack_int32,
)
from engine.schema.values import OrderedMap, SortedSet, pairs

_INT32 = struct.Struct(">i")


def read_elements(data: bytes, kind: str, count_factor: int = 1) -> list[bytes]:
    """The element byte strings of a serialized collection (``count_factor`` 2 for maps)."""
    unpack = _INT32.unpack_from
    end = len(data)
    try:
        count = unpack(data, 0)[0]
        if count < 0:
            raise MarshalException(f"The data cannot be deserialized as a {kind}")
        offset = INT32
        out: list[bytes] = []
        for _ in range(count * count_factor):
            size = unpack(data, offset)[0]
            offset += INT32
            if size < 0:
                raise MarshalException("Null value read when not allowed")
            if offset + size > end:
                raise IndexError
            out.append(data[offset : offset + size])
            offset += size
    except (IndexError, struct.error):
        raise MarshalException(f"Not enough bytes to read a {kind}") from None
    if offset != len(data):
        raise MarshalException(f"Unexpected extraneous bytes after {kind} value")
    return out


def pack_elements(elements: list[bytes], count: int) -> bytes:
    parts = [pack_int32(count)]
    for element in elements:
        parts.append(pack_int32(len(element)))
        parts.append(element)
    return b"".join(parts)


def decode_json_string(obj: Any) -> Any:
    """Collections and tuples given as a JSON string hold JSON (Cassandra's ``JsonUtils.decodeJson``)."""
    if not isinstance(obj, str):
        return obj
    try:
        return json.loads(obj)
    except ValueError as exc:
        raise MarshalException(f"Error decoding JSON string: {exc}") from None


def json_object_key(key_json: str) -> str:
    """A map key in JSON: keys that do not render as strings are quoted (``{"1": true}``)."""
    return key_json if key_json.startswith('"') else java.json_quote(key_json)


def marshal_of(t: CqlType, ignore_freezing: bool) -> str:
    if isinstance(t, _ComplexMarshal):
        return t.marshal(ignore_freezing)
    return t.marshal_name()


class _ComplexMarshal(CqlType):
    """Types whose Cassandra class name shows freezing (``FrozenType(...)``) and nests other types."""

    __slots__ = ()

    def marshal(self, ignore_freezing: bool) -> str:
        raise NotImplementedError

    def marshal_name(self) -> str:
        return self.marshal(False)

    def normalize(self, data: bytes) -> bytes:
        """The canonical bytes of a value: sets and maps sorted and de-duplicated, at every level."""
        return self.serialize(self.deserialize(data))


def frozen_wrapper(body: str, frozen: bool, ignore_freezing: bool) -> str:
    return f"{MARSHAL_PACKAGE}FrozenType({body})" if frozen and not ignore_freezing else body


class _CollectionType(_ComplexMarshal):
    __slots__ = ()
    kind_name: str

    @property
    def is_collection(self) -> bool:
        return True

    @property
    def is_multi_cell(self) -> bool:
        return not self.frozen  # type: ignore[attr-defined]

    @property
    def is_frozen(self) -> bool:
        return self.frozen  # type: ignore[attr-defined]

    def _wrap_cql(self, body: str) -> str:
        return f"frozen<{body}>" if self.frozen else body  # type: ignore[attr-defined]

    def sort_key(self, data: bytes) -> Any:
        if not data:
            return (0,)
        element_key = self._element_keys()
        parts = read_elements(data, self.kind_name, 2 if isinstance(self, MapType) else 1)
        return (1, tuple(k(p) for k, p in zip(element_key(len(parts)), parts, strict=True)))

    def _element_keys(self) -> Any:
        raise NotImplementedError

    def _validate(self, data: bytes) -> None:
        self._deserialize(data)


# ---------------------------------------------------------------------------------------------- list


@dataclass(frozen=True, slots=True)
class ListType(_CollectionType):
    element: CqlType
    frozen: bool = False

    kind_name = "list"
    protocol_code = ProtocolTypeCode.LIST

    @property
    def subtypes(self) -> tuple[CqlType, ...]:
        return (self.element,)

    def freeze(self) -> CqlType:
        return ListType(self.element.freeze(), True)

    def cql(self) -> str:
        return self._wrap_cql(f"list<{self.element.cql()}>")

    def marshal(self, ignore_freezing: bool) -> str:
        inner = marshal_of(self.element, ignore_freezing or self.frozen)
        return frozen_wrapper(f"{MARSHAL_PACKAGE}ListType({inner})", self.frozen, ignore_freezing)

    def _element_keys(self) -> Any:
        key = self.element.sort_key
        return lambda n: [key] * n

    def serialize_elements(self, elements: list[bytes]) -> bytes:
        return pack_elements(elements, len(elements))

    def _serialize(self, value: Any) -> bytes:
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
            raise TypeError(f"list values must be sequences, not {type(value).__name__}")
        return self.serialize_elements([_element_bytes(self.element, v) for v in value])

    def _deserialize(self, data: bytes) -> Any:
        element = self.element
        return [element.deserialize(p) for p in self.validated_elements(data)]

    def validated_elements(self, data: bytes) -> list[bytes]:
        """The elements' bytes, in order, each validated: with an element type whose bytes are canonical,
        the whole of the list's validation (and what a write stores, one cell per element)."""
        return _validated(self.element, read_elements(data, "list"))

    def _cql_literal(self, data: bytes) -> str:
        parts = read_elements(data, "list")
        return "[" + ", ".join(self.element.bytes_to_cql_literal(p) for p in parts) + "]"

    def _json(self, data: bytes) -> str:
        parts = read_elements(data, "list")
        return "[" + ", ".join(self.element.bytes_to_json(p) for p in parts) + "]"

    def parse_string(self, text: str) -> bytes:
        raise MarshalException(f"Unable to make {self.cql()} from '{text}'")

    def _from_json(self, obj: Any) -> bytes:
        obj = decode_json_string(obj)
        if not isinstance(obj, list):
            raise _expected("a list", obj)
        elements = []
        for item in obj:
            if item is None:
                raise MarshalException("Invalid null element in list")
            elements.append(self.element._from_json(item))
        return self.serialize_elements(elements)


# ---------------------------------------------------------------------------------------------- set


@dataclass(frozen=True, slots=True)
class SetType(_CollectionType):
    element: CqlType
    frozen: bool = False

    kind_name = "set"
    protocol_code = ProtocolTypeCode.SET

    @property
    def subtypes(self) -> tuple[CqlType, ...]:
        return (self.element,)

    def freeze(self) -> CqlType:
        return SetType(self.element.freeze(), True)

    def cql(self) -> str:
        return self._wrap_cql(f"set<{self.element.cql()}>")

    def marshal(self, ignore_freezing: bool) -> str:
        inner = marshal_of(self.element, ignore_freezing or self.frozen)
        return frozen_wrapper(f"{MARSHAL_PACKAGE}SetType({inner})", self.frozen, ignore_freezing)

    def _element_keys(self) -> Any:
        key = self.element.sort_key
        return lambda n: [key] * n

    def sorted_elements(self, elements: Iterable[bytes]) -> list[bytes]:
        """Elements in the element type's order, duplicates (by that order) dropped."""
        key = self.element.sort_key
        keyed = sorted(((key(e), i, e) for i, e in enumerate(elements)), key=lambda t: (t[0], t[1]))
        out: list[bytes] = []
        previous: Any = _NO_KEY
        for k, _, e in keyed:
            if previous is _NO_KEY or previous != k:
                out.append(e)
            previous = k
        return out

    def serialize_elements(self, elements: Iterable[bytes]) -> bytes:
        ordered = self.sorted_elements(elements)
        return pack_elements(ordered, len(ordered))

    def _serialize(self, value: Any) -> bytes:
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
            raise TypeError(f"set values must be iterables, not {type(value).__name__}")
        return self.serialize_elements([_element_bytes(self.element, v) for v in value])

    def _deserialize(self, data: bytes) -> Any:
        element = self.element
        parts = self.sorted_elements(_validated(element, read_elements(data, "set")))
        return SortedSet(element.deserialize(p) for p in parts)

    def _cql_literal(self, data: bytes) -> str:
        parts = self.sorted_elements(read_elements(data, "set"))
        return "{" + ", ".join(self.element.bytes_to_cql_literal(p) for p in parts) + "}"

    def _json(self, data: bytes) -> str:
        parts = self.sorted_elements(read_elements(data, "set"))
        return "[" + ", ".join(self.element.bytes_to_json(p) for p in parts) + "]"

    def parse_string(self, text: str) -> bytes:
        raise MarshalException(f"Unable to make {self.cql()} from '{text}'")

    def _from_json(self, obj: Any) -> bytes:
        obj = decode_json_string(obj)
        if not isinstance(obj, list):
            raise _expected("a list (representing a set)", obj)
        elements = []
        for item in obj:
            if item is None:
                raise MarshalException("Invalid null element in set")
            elements.append(self.element._from_json(item))
        return self.serialize_elements(elements)


# ---------------------------------------------------------------------------------------------- map


@dataclass(frozen=True, slots=True)
class MapType(_CollectionType):
    key: CqlType
    value: CqlType
    frozen: bool = False

    kind_name = "map"
    protocol_code = ProtocolTypeCode.MAP

    @property
    def subtypes(self) -> tuple[CqlType, ...]:
        return (self.key, self.value)

    def freeze(self) -> CqlType:
        return MapType(self.key.freeze(), self.value.freeze(), True)

    def cql(self) -> str:
        return self._wrap_cql(f"map<{self.key.cql()}, {self.value.cql()}>")

    def marshal(self, ignore_freezing: bool) -> str:
        inner = ignore_freezing or self.frozen
        body = f"{MARSHAL_PACKAGE}MapType({marshal_of(self.key, inner)},{marshal_of(self.value, inner)})"
        return frozen_wrapper(body, self.frozen, ignore_freezing)

    def _element_keys(self) -> Any:
        pair = (self.key.sort_key, self.value.sort_key)
        return lambda n: pair * (n // 2)

    def sorted_entries(self, entries: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        """Entries in key order; for keys equal by that order, the last value wins (a ``TreeMap``)."""
        key = self.key.sort_key
        keyed = sorted(((key(k), i, k, v) for i, (k, v) in enumerate(entries)), key=lambda t: (t[0], t[1]))
        out: list[tuple[bytes, bytes]] = []
        previous: Any = _NO_KEY
        for sort_key, _, k, v in keyed:
            if previous is not _NO_KEY and previous == sort_key:
                out[-1] = (out[-1][0], v)
            else:
                out.append((k, v))
            previous = sort_key
        return out

    def serialize_entries(self, entries: Iterable[tuple[bytes, bytes]]) -> bytes:
        ordered = self.sorted_entries(entries)
        return pack_elements([part for entry in ordered for part in entry], len(ordered))

    def _serialize(self, value: Any) -> bytes:
        if isinstance(value, str | bytes) or not isinstance(value, Mapping | Iterable):
            raise TypeError(f"map values must be mappings, not {type(value).__name__}")
        return self.serialize_entries(
            (_element_bytes(self.key, k), _element_bytes(self.value, v)) for k, v in pairs(value)
        )

    def _entries(self, data: bytes) -> list[tuple[bytes, bytes]]:
        parts = read_elements(data, "map", 2)
        return self.sorted_entries(zip(parts[0::2], parts[1::2], strict=True))

    def _deserialize(self, data: bytes) -> Any:
        key_type, value_type = self.key, self.value
        entries = self._entries(data)
        for k, v in entries:
            key_type.validate(k)
            value_type.validate(v)
        return OrderedMap(
            ((key_type.deserialize(k), value_type.deserialize(v)) for k, v in entries),
            key_encoder=key_type.serialize,
        )

    def _cql_literal(self, data: bytes) -> str:
        k, v = self.key, self.value
        entries = self._entries(data)
        return (
            "{"
            + ", ".join(f"{k.bytes_to_cql_literal(a)}: {v.bytes_to_cql_literal(b)}" for a, b in entries)
            + "}"
        )

    def _json(self, data: bytes) -> str:
        k, v = self.key, self.value
        entries = self._entries(data)
        return (
            "{"
            + ", ".join(f"{json_object_key(k.bytes_to_json(a))}: {v.bytes_to_json(b)}" for a, b in entries)
            + "}"
        )

    def parse_string(self, text: str) -> bytes:
        raise MarshalException(f"Unable to make {self.cql()} from '{text}'")

    def _from_json(self, obj: Any) -> bytes:
        obj = decode_json_string(obj)
        if not isinstance(obj, dict):
            raise _expected("a map", obj)
        entries = []
        for k, v in obj.items():
            if k is None:
                raise MarshalException("Invalid null key in map")
            if v is None:
                raise MarshalException("Invalid null value in map")
            entries.append((self.key._from_json(k), self.value._from_json(v)))
        return self.serialize_entries(entries)


# ---------------------------------------------------------------------------------------------- helpers

_NO_KEY = object()


def _expected(kind: str, obj: Any) -> MarshalException:
    return MarshalException(f"Expected {kind}, but got a {java.class_name(obj)}: {java.to_string(obj)}")


def _element_bytes(element: CqlType, value: Any) -> bytes:
    if value is None:
        raise MarshalException("null is not supported inside collections")
    return element.serialize(value)


def _validated(element: CqlType, parts: list[bytes]) -> list[bytes]:
    fixed = element.fixed_length
    if fixed is not None and all(len(part) == fixed for part in parts):
        return parts  # what validate checks of a fixed-length type (its error comes from validate below)
    for part in parts:
        element.validate(part)
    return parts
