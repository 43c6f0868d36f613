"""Tuples and user-defined types: a fixed sequence of typed, possibly null, components.

Byte format (native protocol §6, also the stored form of a frozen value): each component as an int32
length and its bytes, length -1 for null. A value may hold fewer components than its type (a user
type gained fields after the value was written); the missing ones read as null.

Order (Cassandra's ``TupleType.compareCustom``): component by component, null first; a value whose
remaining components are all null equals the shorter one. Python values: ``tuple`` for tuples,
:class:`~engine.schema.values.UserTypeValue` for user types (padded with None to the type's size).

A user type is a tuple with a keyspace, a name and field names, as in Cassandra (``UserType extends
TupleType``), so a tuple literal can fill one. Tuples are always frozen and print as
``frozen<tuple<...>>``, which is how Cassandra 5.0 writes them in DESCRIBE and ``system_schema``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.cql.ast.terms import render_name
from engine.schema.types import java
from engine.schema.types.base import (
    INT32,
    MARSHAL_PACKAGE,
    CqlType,
    MarshalException,
    ProtocolTypeCode,
    int32,
)
from engine.schema.types.collections import _ComplexMarshal, decode_json_string, frozen_wrapper, marshal_of
from engine.schema.values import UserTypeValue


def split_components(
    data: bytes, size: int, what: str = "component", names: tuple[str, ...] = ()
) -> list[bytes | None]:
    """The components of a serialized tuple/UDT (None for null), at most ``size`` of them."""
    out: list[bytes | None] = []
    offset, length = 0, len(data)
    for i in range(size):
        if offset == length:
            break
        label = f" {names[i]}" if names else ""
        if offset + INT32 > length:
            raise MarshalException(f"Not enough bytes to read size of {i}th {what}{label}")
        n = int32(data, offset)
        offset += INT32
        if n < 0:
            out.append(None)
            continue
        if offset + n > length:
            raise MarshalException(f"Not enough bytes to read {i}th {what}{label}")
        out.append(data[offset : offset + n])
        offset += n
    if offset != length:
        kind = "UDT" if names else "tuple"
        raise MarshalException(f"Invalid remaining data after end of {kind} value")
    return out


def build_components(components: Iterable[bytes | None]) -> bytes:
    parts = []
    for component in components:
        if component is None:
            parts.append(b"\xff\xff\xff\xff")
        else:
            parts.append(len(component).to_bytes(INT32, "big"))
            parts.append(component)
    return b"".join(parts)


def split_escaped(text: str) -> list[str]:
    """Cassandra's ``AbstractCompositeType.split``: split on ``:`` not escaped by a backslash."""
    if not text:
        return []
    out, previous, backslashes = [], 0, 0
    for i, char in enumerate(text):
        if char == ":" and backslashes % 2 == 0:
            out.append(text[previous:i])
            previous = i + 1
        backslashes = backslashes + 1 if char == "\\" else 0
    out.append(text[previous:])
    return out


class _TupleBase(_ComplexMarshal):
    """What tuples and user types share; ``types`` are the component types."""

    __slots__ = ()

    @property
    def types(self) -> tuple[CqlType, ...]:
        raise NotImplementedError

    @property
    def is_tuple(self) -> bool:
        return True

    @property
    def subtypes(self) -> tuple[CqlType, ...]:
        return self.types

    def _names(self) -> tuple[str, ...]:
        return ()

    def split(self, data: bytes) -> list[bytes | None]:
        """Components, padded with None to the type's size."""
        parts = split_components(
            data, len(self.types), "field" if self._names() else "component", self._names()
        )
        return parts + [None] * (len(self.types) - len(parts))

    def _validate(self, data: bytes) -> None:
        for t, part in zip(self.types, self.split(data), strict=True):
            if part is not None:
                t.validate(part)

    def _component_bytes(self, values: list[Any]) -> bytes:
        if len(values) > len(self.types):
            raise MarshalException(
                f"Tuple value contained too many fields (expected {len(self.types)}, got {len(values)})"
            )
        return build_components(
            None if v is None else t.serialize(v) for t, v in zip(self.types, values, strict=False)
        )

    def _values(self, data: bytes) -> list[Any]:
        return [
            None if p is None else t.deserialize(p) for t, p in zip(self.types, self.split(data), strict=True)
        ]

    def sort_key(self, data: bytes) -> Any:
        if not data:
            return (0,)
        parts = split_components(data, len(self.types))
        while parts and parts[-1] is None:
            parts.pop()
        return (
            1,
            *(((0,) if p is None else (1, t.sort_key(p))) for t, p in zip(self.types, parts, strict=False)),
        )

    def parse_string(self, text: str) -> bytes:
        fields = split_escaped(text)
        if len(fields) > len(self.types):
            raise MarshalException(
                f"Invalid tuple literal: too many elements. Type {self.cql()} expects {len(self.types)} "
                f"but got {len(fields)}"
            )
        parts: list[bytes | None] = []
        for t, field in zip(self.types, fields, strict=False):
            if field == "@":
                parts.append(None)
            else:
                parts.append(t.parse_string(field.replace("\\:", ":").replace("\\@", "@")))
        return build_components(parts)


# ---------------------------------------------------------------------------------------------- tuple


@dataclass(frozen=True, slots=True)
class TupleType(_TupleBase):
    elements: tuple[CqlType, ...]

    protocol_code = ProtocolTypeCode.TUPLE

    @property
    def types(self) -> tuple[CqlType, ...]:
        return self.elements

    @property
    def is_frozen(self) -> bool:
        return True

    def freeze(self) -> CqlType:
        return self

    def cql(self) -> str:
        return f"frozen<{self.cql_unfrozen()}>"

    def cql_unfrozen(self) -> str:
        return "tuple<" + ", ".join(t.cql() for t in self.elements) + ">"

    def marshal(self, ignore_freezing: bool) -> str:
        return f"{MARSHAL_PACKAGE}TupleType(" + ",".join(marshal_of(t, True) for t in self.elements) + ")"

    def _serialize(self, value: Any) -> bytes:
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
            raise TypeError(f"tuple values must be sequences, not {type(value).__name__}")
        return self._component_bytes(list(value))

    def _deserialize(self, data: bytes) -> Any:
        self.validate(data)
        return tuple(self._values(data))

    def _cql_literal(self, data: bytes) -> str:
        parts = split_components(data, len(self.elements))
        return (
            "("
            + ", ".join(t.bytes_to_cql_literal(p) for t, p in zip(self.elements, parts, strict=False))
            + ")"
        )

    def _json(self, data: bytes) -> str:
        return (
            "["
            + ", ".join(t.bytes_to_json(p) for t, p in zip(self.elements, self.split(data), strict=True))
            + "]"
        )

    def _from_json(self, obj: Any) -> bytes:
        obj = decode_json_string(obj)
        if not isinstance(obj, list):
            raise MarshalException(
                "Expected a list representation of a tuple, "
                f"but got a {java.class_name(obj)}: {java.to_string(obj)}"
            )
        size = len(self.elements)
        if len(obj) > size:
            raise MarshalException(f"Tuple contains extra items (expected {size}): {java.to_string(obj)}")
        if len(obj) < size:
            raise MarshalException(f"Tuple is missing items (expected {size}): {java.to_string(obj)}")
        return build_components(
            None if item is None else t._from_json(item) for t, item in zip(self.elements, obj, strict=True)
        )


# ---------------------------------------------------------------------------------------------- user type


@dataclass(frozen=True, slots=True)
class UserType(_TupleBase):
    """A user-defined type of ``keyspace``. Non-frozen by default (stored one cell per field)."""

    keyspace: str
    name: str
    field_names: tuple[str, ...]
    field_types: tuple[CqlType, ...]
    frozen: bool = False

    protocol_code = ProtocolTypeCode.UDT

    def __post_init__(self) -> None:
        if len(self.field_names) != len(self.field_types):
            raise ValueError("a user type needs one type per field")

    @property
    def types(self) -> tuple[CqlType, ...]:
        return self.field_types

    def _names(self) -> tuple[str, ...]:
        return self.field_names

    @property
    def is_udt(self) -> bool:
        return True

    @property
    def is_multi_cell(self) -> bool:
        return not self.frozen

    @property
    def is_frozen(self) -> bool:
        return self.frozen

    def freeze(self) -> CqlType:
        if self.frozen:
            return self
        return UserType(
            self.keyspace, self.name, self.field_names, tuple(t.freeze() for t in self.field_types), True
        )

    def field_position(self, name: str) -> int | None:
        try:
            return self.field_names.index(name)
        except ValueError:
            return None

    def field_type(self, name: str) -> CqlType | None:
        position = self.field_position(name)
        return None if position is None else self.field_types[position]

    def cql(self) -> str:
        name = render_name(self.name)
        return f"frozen<{name}>" if self.frozen else name

    def marshal(self, ignore_freezing: bool) -> str:
        inner = ignore_freezing or self.frozen
        fields = ",".join(
            f"{n.encode().hex()}:{marshal_of(t, inner)}"
            for n, t in zip(self.field_names, self.field_types, strict=True)
        )
        body = f"{MARSHAL_PACKAGE}UserType({self.keyspace},{self.name.encode().hex()},{fields})"
        return frozen_wrapper(body, self.frozen, ignore_freezing)

    def _serialize(self, value: Any) -> bytes:
        if isinstance(value, UserTypeValue):
            if value.field_names != self.field_names[: len(value.field_names)]:
                return self._component_bytes([_field_of(value._asdict(), n) for n in self.field_names])
            return self._component_bytes(list(value.values))
        if isinstance(value, Mapping):
            unknown = [k for k in value if k not in self.field_names]
            if unknown:
                raise MarshalException(
                    f"Unknown field '{unknown[0]}' in value of user defined type {self.name}"
                )
            return self._component_bytes([value.get(n) for n in self.field_names])
        if hasattr(value, "_fields") or (hasattr(value, "__dict__") and not isinstance(value, Iterable)):
            return self._component_bytes([getattr(value, n, None) for n in self.field_names])
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            raise TypeError(
                f"values of {self.name} must be mappings or sequences, not {type(value).__name__}"
            )
        return self._component_bytes(list(value))

    def _deserialize(self, data: bytes) -> Any:
        self.validate(data)
        return UserTypeValue(self.name, self.field_names, tuple(self._values(data)))

    def _cql_literal(self, data: bytes) -> str:
        parts = split_components(data, len(self.field_types), "field", self.field_names)
        return (
            "{"
            + ", ".join(
                f"{render_name(n)}: {t.bytes_to_cql_literal(p)}"
                for n, t, p in zip(self.field_names, self.field_types, parts, strict=False)
            )
            + "}"
        )

    def _json(self, data: bytes) -> str:
        return (
            "{"
            + ", ".join(
                f"{java.json_quote(_json_field_name(n))}: {t.bytes_to_json(p)}"
                for n, t, p in zip(self.field_names, self.field_types, self.split(data), strict=True)
            )
            + "}"
        )

    def _from_json(self, obj: Any) -> bytes:
        obj = decode_json_string(obj)
        if not isinstance(obj, dict):
            raise MarshalException(f"Expected a map, but got a {java.class_name(obj)}: {java.to_string(obj)}")
        fields = _json_case_sensitivity(obj)
        parts: list[bytes | None] = []
        found = 0
        for name, t in zip(self.field_names, self.field_types, strict=True):
            item = fields.get(name)
            if item is None:
                parts.append(None)
            else:
                parts.append(t._from_json(item))
                found += 1
        if found != len(fields):
            for key in fields:
                if key not in self.field_names:
                    raise MarshalException(f"Unknown field '{key}' in value of user defined type {self.name}")
        return build_components(parts)


def _field_of(values: dict[str, Any], name: str) -> Any:
    return values.get(name)


def _json_field_name(name: str) -> str:
    return f'"{name}"' if name != name.lower() else name


def _json_case_sensitivity(obj: dict[str, Any]) -> dict[str, Any]:
    """Cassandra's ``Json.handleCaseSensitivity``: ``"\\"Name\\""`` keeps its case, other keys are lower-cased."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if len(key) >= 2 and key.startswith('"') and key.endswith('"'):
            out[key[1:-1]] = value
        else:
            out[key.lower()] = value
    return out
