"""Vectors: ``vector<element, dimension>``, exactly ``dimension`` non-null elements (Cassandra 5.0).

Byte format (Cassandra's ``VectorType``; the native protocol carries a vector as the custom type
``org.apache.cassandra.db.marshal.VectorType(<element>,<dimension>)``):

* elements of a type Cassandra declares fixed-length (int, bigint, float, double, boolean, uuid,
  timeuuid, timestamp — not smallint, tinyint, date or time): the elements' bytes back to back;
* other elements: each as Cassandra's unsigned vint length, then its bytes.

An empty value stands for null. Vectors order element by element. Python values are lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.errors import InvalidRequest
from engine.schema.types import java
from engine.schema.types.base import (
    MARSHAL_PACKAGE,
    CqlType,
    MarshalException,
    decode_unsigned_vint,
    encode_unsigned_vint,
)
from engine.schema.types.collections import _ComplexMarshal, decode_json_string, marshal_of
from engine.schema.types.text import parse_hex
from engine.schema.values import EMPTY


def element_length(t: CqlType) -> int | None:
    """``valueLengthIfFixed`` of an element type (vectors of fixed elements are fixed too)."""
    if isinstance(t, VectorType):
        inner = element_length(t.element)
        return None if inner is None else inner * t.dimension
    return t.unwrap().value_length_if_fixed


@dataclass(frozen=True, slots=True)
class VectorType(_ComplexMarshal):
    element: CqlType
    dimension: int

    allows_empty = True

    def __post_init__(self) -> None:
        if self.dimension <= 0:
            raise InvalidRequest(f"vectors may only have positive dimensions; given {self.dimension}")

    @property
    def is_vector(self) -> bool:
        return True

    @property
    def is_frozen(self) -> bool:
        return True

    @property
    def subtypes(self) -> tuple[CqlType, ...]:
        return (self.element,)

    def cql(self) -> str:
        return f"vector<{self.element.cql()}, {self.dimension}>"

    def marshal(self, ignore_freezing: bool) -> str:
        return f"{MARSHAL_PACKAGE}VectorType({marshal_of(self.element, ignore_freezing)},{self.dimension})"

    # ------------------------------------------------------------------ bytes

    def split(self, data: bytes) -> list[bytes]:
        """The element bytes (each validated); raises on a wrong size."""
        size = element_length(self.element)
        out: list[bytes] = []
        offset = 0
        try:
            for _ in range(self.dimension):
                if size is None:
                    length, offset = decode_unsigned_vint(data, offset)
                else:
                    length = size
                if offset + length > len(data):
                    raise IndexError
                out.append(data[offset : offset + length])
                offset += length
        except IndexError:
            raise MarshalException("Not enough bytes to read a vector") from None
        if offset != len(data):
            raise MarshalException("Unexpected extraneous bytes after vector value")
        for part in out:
            self.element.validate(part)
        return out

    def build(self, elements: list[bytes]) -> bytes:
        if len(elements) != self.dimension:
            raise MarshalException(f"Required {self.dimension} elements, but saw {len(elements)}")
        if element_length(self.element) is not None:
            return b"".join(elements)
        return b"".join(encode_unsigned_vint(len(e)) + e for e in elements)

    def _serialize(self, value: Any) -> bytes:
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
            raise TypeError(f"vector values must be sequences, not {type(value).__name__}")
        items = list(value)
        if len(items) != self.dimension:
            raise MarshalException(f"Required {self.dimension} elements, but saw {len(items)}")
        parts = []
        for i, item in enumerate(items):
            data = None if item is None else self.element.serialize(item)
            if data is None or (not data and self.element.deserialize(b"") is EMPTY):
                raise MarshalException(
                    f"Element at index {i} is null (expected type {self.element.cql()}); given {items}"
                )
            parts.append(data)
        return self.build(parts)

    def _deserialize(self, data: bytes) -> Any:
        return [self.element.deserialize(p) for p in self.split(data)]

    def _validate(self, data: bytes) -> None:
        if data:
            self.split(data)

    def sort_key(self, data: bytes) -> Any:
        if not data:
            return (0,)
        key = self.element.sort_key
        return (1, tuple(key(p) for p in self.split(data)))

    # ------------------------------------------------------------------ text

    def _cql_literal(self, data: bytes) -> str:
        return "[" + ", ".join(self.element.bytes_to_cql_literal(p) for p in self.split(data)) + "]"

    def _json(self, data: bytes) -> str:
        return "[" + ", ".join(self.element.bytes_to_json(p) for p in self.split(data)) + "]"

    def parse_string(self, text: str) -> bytes:
        return parse_hex(text)

    def _from_json(self, obj: Any) -> bytes:
        obj = decode_json_string(obj)
        if not isinstance(obj, list):
            raise MarshalException(
                f"Expected a list, but got a {java.class_name(obj)}: {java.to_string(obj)}"
            )
        if len(obj) != self.dimension:
            raise MarshalException(
                f"List had incorrect size: expected {self.dimension} but given {len(obj)}; {java.to_string(obj)}"
            )
        parts = []
        for item in obj:
            if item is None:
                raise MarshalException("Invalid null element in list")
            parts.append(self.element._from_json(item))
        return self.build(parts)
