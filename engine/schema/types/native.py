"""The native types as singletons, the name → type table, and custom (Java class) types.

``varchar`` is another name for ``text`` (the same type; it prints as ``text``). A custom type is
written as a quoted Java class name; when the class is one of Cassandra's native marshal types
(``'org.apache.cassandra.db.marshal.Int32Type'``) it *is* that native type, as in Cassandra. Other
classes become :class:`CustomType`, whose values are opaque bytes shown as blobs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from engine.cql.ast.terms import NativeTypeName
from engine.schema.types.base import MARSHAL_PACKAGE, CqlType, ProtocolTypeCode, hex_literal, quote_cql
from engine.schema.types.numeric import (
    BigintType,
    CounterType,
    DecimalType,
    DoubleType,
    FloatType,
    IntType,
    SmallintType,
    TinyintType,
    VarintType,
)
from engine.schema.types.temporal import DateType, DurationType, TimestampType, TimeType
from engine.schema.types.text import AsciiType, BlobType, BooleanType, InetType, TextType, parse_hex
from engine.schema.types.uuids import TimeuuidType, UuidType

ASCII = AsciiType()
BIGINT = BigintType()
BLOB = BlobType()
BOOLEAN = BooleanType()
COUNTER = CounterType()
DATE = DateType()
DECIMAL = DecimalType()
DOUBLE = DoubleType()
DURATION = DurationType()
FLOAT = FloatType()
INET = InetType()
INT = IntType()
SMALLINT = SmallintType()
TEXT = TextType()
TIME = TimeType()
TIMESTAMP = TimestampType()
TIMEUUID = TimeuuidType()
TINYINT = TinyintType()
UUID = UuidType()
VARINT = VarintType()

#: Every native type by its name; ``VARCHAR`` maps to ``TEXT``.
NATIVE_TYPES: Mapping[NativeTypeName, CqlType] = MappingProxyType(
    {
        NativeTypeName.ASCII: ASCII,
        NativeTypeName.BIGINT: BIGINT,
        NativeTypeName.BLOB: BLOB,
        NativeTypeName.BOOLEAN: BOOLEAN,
        NativeTypeName.COUNTER: COUNTER,
        NativeTypeName.DATE: DATE,
        NativeTypeName.DECIMAL: DECIMAL,
        NativeTypeName.DOUBLE: DOUBLE,
        NativeTypeName.DURATION: DURATION,
        NativeTypeName.FLOAT: FLOAT,
        NativeTypeName.INET: INET,
        NativeTypeName.INT: INT,
        NativeTypeName.SMALLINT: SMALLINT,
        NativeTypeName.TEXT: TEXT,
        NativeTypeName.TIME: TIME,
        NativeTypeName.TIMESTAMP: TIMESTAMP,
        NativeTypeName.TIMEUUID: TIMEUUID,
        NativeTypeName.TINYINT: TINYINT,
        NativeTypeName.UUID: UUID,
        NativeTypeName.VARCHAR: TEXT,
        NativeTypeName.VARINT: VARINT,
    }
)

#: Native types by their Cassandra class name (short and qualified).
_BY_MARSHAL_NAME: Mapping[str, CqlType] = MappingProxyType(
    {
        **{t.marshal_name(): t for t in NATIVE_TYPES.values()},
        **{t.marshal_name().removeprefix(MARSHAL_PACKAGE): t for t in NATIVE_TYPES.values()},
    }
)


def native_by_marshal_name(class_name: str) -> CqlType | None:
    return _BY_MARSHAL_NAME.get(class_name)


@dataclass(frozen=True, slots=True)
class CustomType(CqlType):
    """A type known only by its Java class; values are opaque bytes (rendered as blobs)."""

    class_name: str

    allows_empty = True
    protocol_code = ProtocolTypeCode.CUSTOM

    def cql(self) -> str:
        return quote_cql(self.class_name)

    def marshal_name(self) -> str:
        return self.class_name

    def _empty_value(self) -> Any:
        return b""

    def _serialize(self, value: Any) -> bytes:
        if isinstance(value, bytes | bytearray | memoryview):
            return bytes(value)
        raise TypeError(f"values of custom type {self.class_name} must be bytes")

    def _deserialize(self, data: bytes) -> Any:
        return bytes(data)

    def sort_key(self, data: bytes) -> Any:
        return data

    def _cql_literal(self, data: bytes) -> str:
        return hex_literal(data)

    def _json(self, data: bytes) -> str:
        return '"' + hex_literal(data) + '"'

    def parse_string(self, text: str) -> bytes:
        return parse_hex(text)

    def _from_json(self, obj: Any) -> bytes:
        return BLOB._from_json(obj)
