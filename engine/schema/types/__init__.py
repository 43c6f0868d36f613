"""The CQL type system of Cassandra 5.0: every type, its bytes, order, literals and text forms.

One module per concept:

* ``base`` — the :class:`CqlType` contract, :class:`ReversedType`, :class:`MarshalException`, vints.
* ``numeric``, ``text``, ``uuids``, ``temporal`` — the native types; ``native`` — their singletons,
  :data:`NATIVE_TYPES` and custom (Java class) types.
* ``collections`` (list, set, map), ``composite`` (tuple, user type), ``vector``.
* ``resolve`` — types from the AST (:func:`resolve_type`) or ``system_schema`` text (:func:`parse_type`).
* ``literals`` — literal terms as values, with Cassandra's messages (:func:`coerce_literal`).
* ``java``, ``timeparse`` — the Java and calendar behaviour Cassandra's formats and messages rely on.

Python values live in :mod:`engine.schema.values`.
"""

from engine.schema.types.base import (
    CqlType,
    Descending,
    MarshalException,
    ProtocolTypeCode,
    ReversedType,
)
from engine.schema.types.collections import ListType, MapType, SetType
from engine.schema.types.composite import TupleType, UserType
from engine.schema.types.literals import (
    NestedResolver,
    coerce_literal,
    coerce_literal_bytes,
    contains_bind_marker,
    is_assignable,
    term_text,
)
from engine.schema.types.native import (
    ASCII,
    BIGINT,
    BLOB,
    BOOLEAN,
    COUNTER,
    DATE,
    DECIMAL,
    DOUBLE,
    DURATION,
    FLOAT,
    INET,
    INT,
    NATIVE_TYPES,
    SMALLINT,
    TEXT,
    TIME,
    TIMESTAMP,
    TIMEUUID,
    TINYINT,
    UUID,
    VARINT,
    CustomType,
)
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
from engine.schema.types.resolve import UserTypes, parse_type, parse_type_ref, resolve_type
from engine.schema.types.temporal import DateType, DurationType, TimestampType, TimeType
from engine.schema.types.text import AsciiType, BlobType, BooleanType, InetType, TextType
from engine.schema.types.uuids import TimeuuidType, UuidType
from engine.schema.types.vector import VectorType

__all__ = [
    "ASCII",
    "BIGINT",
    "BLOB",
    "BOOLEAN",
    "COUNTER",
    "DATE",
    "DECIMAL",
    "DOUBLE",
    "DURATION",
    "FLOAT",
    "INET",
    "INT",
    "NATIVE_TYPES",
    "SMALLINT",
    "TEXT",
    "TIME",
    "TIMESTAMP",
    "TIMEUUID",
    "TINYINT",
    "UUID",
    "VARINT",
    "AsciiType",
    "BigintType",
    "BlobType",
    "BooleanType",
    "CounterType",
    "CqlType",
    "CustomType",
    "DateType",
    "DecimalType",
    "Descending",
    "DoubleType",
    "DurationType",
    "FloatType",
    "InetType",
    "IntType",
    "ListType",
    "MapType",
    "MarshalException",
    "NestedResolver",
    "ProtocolTypeCode",
    "ReversedType",
    "SetType",
    "SmallintType",
    "TextType",
    "TimeType",
    "TimestampType",
    "TimeuuidType",
    "TinyintType",
    "TupleType",
    "UserType",
    "UserTypes",
    "UuidType",
    "VarintType",
    "VectorType",
    "coerce_literal",
    "coerce_literal_bytes",
    "contains_bind_marker",
    "is_assignable",
    "parse_type",
    "parse_type_ref",
    "resolve_type",
    "term_text",
]
