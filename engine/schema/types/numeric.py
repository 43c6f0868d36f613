"""Numbers: tinyint, smallint, int, bigint, counter, varint, decimal, float, double.

Byte formats (native protocol §6):

* ``tinyint``/``smallint``/``int``/``bigint``/``counter``: 1/2/4/8-byte big-endian two's complement.
* ``varint``: big-endian two's complement of any length (Java's ``BigInteger.toByteArray``: the
  shortest form, zero is one byte).
* ``decimal``: a 4-byte scale, then the unscaled value as a varint; the value is
  ``unscaled * 10**-scale``.
* ``float``/``double``: IEEE 754 binary32/binary64, big-endian.

int, bigint, counter, varint, decimal, float and double accept the empty value; tinyint and smallint do
not. Order is numeric (Cassandra's ``Double.compare`` for floating point: ``-0.0 < 0.0`` and NaN above
+Infinity, all NaNs equal), so every key here is a number and reverses by negation.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from engine.schema.types import java
from engine.schema.types.base import (
    EMPTY_NUMERIC_KEY,
    MARSHAL_PACKAGE,
    CqlType,
    MarshalException,
    ProtocolTypeCode,
    check_marshal,
)


def encode_varint(value: int) -> bytes:
    """The shortest big-endian two's complement bytes of ``value`` (Java's ``BigInteger.toByteArray``)."""
    return value.to_bytes((value + (value < 0)).bit_length() // 8 + 1, "big", signed=True)


def decode_varint(data: bytes) -> int:
    return int.from_bytes(data, "big", signed=True)


_FIXED_INTS = {n: struct.Struct(f">{c}").unpack for n, c in ((1, "b"), (2, "h"), (4, "i"), (8, "q"))}


def _as_int(value: Any, type_name: str) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal | float) and value == int(value):
        return int(value)
    raise TypeError(f"{type_name} values must be integers, not {type(value).__name__}")


# ---------------------------------------------------------------------------------------------- fixed-width


class _FixedIntegerType(CqlType):
    """Common body of the fixed-width integer types."""

    __slots__ = ()
    bits: ClassVar[int]
    java_parse_name: ClassVar[str]  # as in "Unable to make <name> from '...'"
    json_name: ClassVar[str]  # as in "Expected a <name> value, but got a ..."
    marshal_class: ClassVar[str]
    numeric_key = True

    def cql(self) -> str:
        return self.protocol_code.name.lower()

    def marshal_name(self) -> str:
        return MARSHAL_PACKAGE + self.marshal_class

    def _serialize(self, value: Any) -> bytes:
        number = _as_int(value, self.cql())
        low, high = -(2 ** (self.bits - 1)), 2 ** (self.bits - 1) - 1
        if not low <= number <= high:
            raise MarshalException(f"Value {number} out of range for {self.cql()}")
        return number.to_bytes(self.bits // 8, "big", signed=True)

    def _deserialize(self, data: bytes) -> Any:
        self.validate(data)
        return int.from_bytes(data, "big", signed=True)

    def sort_key(self, data: bytes) -> Any:
        # struct is ~3x faster than int.from_bytes here, and this runs for every clustering comparison.
        return _FIXED_INTS[len(data)](data)[0] if data else EMPTY_NUMERIC_KEY

    def _cql_literal(self, data: bytes) -> str:
        return str(self._deserialize(data))

    def _json(self, data: bytes) -> str:
        return str(self._deserialize(data))

    def parse_string(self, text: str) -> bytes:
        if not text:
            return b""
        try:
            number = java.parse_integer(text, self.bits)
        except ValueError:
            raise MarshalException(f"Unable to make {self.java_parse_name} from '{text}'") from None
        return number.to_bytes(self.bits // 8, "big", signed=True)


@dataclass(frozen=True, slots=True)
class TinyintType(_FixedIntegerType):
    bytes_are_canonical = True
    bits = 8
    fixed_length = 1
    java_parse_name = "byte"
    json_name = "byte"
    marshal_class = "ByteType"
    protocol_code = ProtocolTypeCode.TINYINT

    def _length_message(self, size: int) -> str:
        return f"Expected 1 byte for a tinyint ({size})"

    def _from_json(self, obj: Any) -> bytes:
        return _narrow_from_json(self, obj)


@dataclass(frozen=True, slots=True)
class SmallintType(_FixedIntegerType):
    bytes_are_canonical = True
    bits = 16
    fixed_length = 2
    java_parse_name = "short"
    json_name = "short"
    marshal_class = "ShortType"
    protocol_code = ProtocolTypeCode.SMALLINT

    def _length_message(self, size: int) -> str:
        return f"Expected 2 bytes for a smallint ({size})"

    def _from_json(self, obj: Any) -> bytes:
        return _narrow_from_json(self, obj)


def _narrow_from_json(t: _FixedIntegerType, obj: Any) -> bytes:
    # ShortType/ByteType.fromJSONObject parse String.valueOf(number): 1.5 fails with "Unable to make".
    if isinstance(obj, str) or (isinstance(obj, int | float) and not isinstance(obj, bool)):
        return t.parse_string(java.to_string(obj))
    raise MarshalException(
        f"Expected a {t.json_name} value, but got a {java.class_name(obj)}: {java.to_string(obj)}"
    )


@dataclass(frozen=True, slots=True)
class IntType(_FixedIntegerType):
    bytes_are_canonical = True
    bits = 32
    fixed_length = 4
    value_length_if_fixed = 4
    allows_empty = True
    java_parse_name = "int"
    json_name = "int"
    marshal_class = "Int32Type"
    protocol_code = ProtocolTypeCode.INT

    def _length_message(self, size: int) -> str:
        return f"Expected 4 or 0 byte int ({size})"

    def _from_json(self, obj: Any) -> bytes:
        if isinstance(obj, str):
            return self.parse_string(obj)
        if java.class_name(obj) != "Integer":
            raise MarshalException(
                f"Expected an int value, but got a {java.class_name(obj)}: {java.to_string(obj)}"
            )
        return self._serialize(obj)


@dataclass(frozen=True, slots=True)
class BigintType(_FixedIntegerType):
    bytes_are_canonical = True
    bits = 64
    fixed_length = 8
    value_length_if_fixed = 8
    allows_empty = True
    java_parse_name = "long"
    json_name = "bigint"
    marshal_class = "LongType"
    protocol_code = ProtocolTypeCode.BIGINT

    def _length_message(self, size: int) -> str:
        return f"Expected 8 or 0 byte long ({size})"

    def _from_json(self, obj: Any) -> bytes:
        if isinstance(obj, str):
            return self.parse_string(obj)
        if java.class_name(obj) not in ("Integer", "Long"):
            raise MarshalException(
                f"Expected a bigint value, but got a {java.class_name(obj)}: {java.to_string(obj)}"
            )
        return self._serialize(obj)


@dataclass(frozen=True, slots=True)
class CounterType(_FixedIntegerType):
    """A counter's value is a bigint; counters only change by increments (``UPDATE ... c = c + 1``)."""

    bits = 64
    fixed_length = 8
    value_length_if_fixed = 8
    allows_empty = True
    java_parse_name = "long"
    json_name = "bigint"
    marshal_class = "CounterColumnType"
    protocol_code = ProtocolTypeCode.COUNTER

    @property
    def is_counter(self) -> bool:
        return True

    def _length_message(self, size: int) -> str:
        return f"Expected 8 or 0 byte long ({size})"

    def _from_json(self, obj: Any) -> bytes:
        return BigintType()._from_json(obj)


# ---------------------------------------------------------------------------------------------- varint


@dataclass(frozen=True, slots=True)
class VarintType(CqlType):
    allows_empty = True
    numeric_key = True
    protocol_code = ProtocolTypeCode.VARINT

    def cql(self) -> str:
        return "varint"

    def marshal_name(self) -> str:
        return MARSHAL_PACKAGE + "IntegerType"

    def _serialize(self, value: Any) -> bytes:
        return encode_varint(_as_int(value, "varint"))

    def _deserialize(self, data: bytes) -> Any:
        return decode_varint(data)

    def sort_key(self, data: bytes) -> Any:
        return decode_varint(data) if data else EMPTY_NUMERIC_KEY

    def _cql_literal(self, data: bytes) -> str:
        return str(decode_varint(data))

    def _json(self, data: bytes) -> str:
        return str(decode_varint(data))

    def parse_string(self, text: str) -> bytes:
        if not text:
            return b""
        try:
            return encode_varint(java.parse_integer(text, None))
        except ValueError:
            raise MarshalException(f"unable to make int from '{text}'") from None

    def _from_json(self, obj: Any) -> bytes:
        try:
            return encode_varint(java.parse_integer(java.to_string(obj), None))
        except ValueError:
            raise MarshalException(
                f"Value '{java.to_string(obj)}' is not a valid representation of a varint value"
            ) from None


# ---------------------------------------------------------------------------------------------- decimal


def encode_decimal(value: Decimal) -> bytes:
    if not value.is_finite():
        raise MarshalException(f"Unable to make decimal from {value}")
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    unscaled = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
    scale = -exponent
    check_marshal(-(2**31) <= scale < 2**31, lambda: f"Decimal scale out of range: {scale}")
    return scale.to_bytes(4, "big", signed=True) + encode_varint(unscaled)


def decode_decimal(data: bytes) -> Decimal:
    """The decimal with its scale kept (``1.50`` stays ``1.50``); exact, whatever the precision."""
    scale = int.from_bytes(data[:4], "big", signed=True)
    return Decimal(f"{decode_varint(data[4:])}E{-scale}")


@dataclass(frozen=True, slots=True)
class DecimalType(CqlType):
    allows_empty = True
    numeric_key = True
    protocol_code = ProtocolTypeCode.DECIMAL

    def cql(self) -> str:
        return "decimal"

    def marshal_name(self) -> str:
        return MARSHAL_PACKAGE + "DecimalType"

    def _serialize(self, value: Any) -> bytes:
        if isinstance(value, Decimal):
            return encode_decimal(value)
        if isinstance(value, int | float | str):
            return encode_decimal(Decimal(str(value)) if isinstance(value, float) else Decimal(value))
        raise TypeError(f"decimal values must be Decimal, int or float, not {type(value).__name__}")

    def _deserialize(self, data: bytes) -> Any:
        self.validate(data)
        return decode_decimal(data)

    def _validate(self, data: bytes) -> None:
        if data and len(data) < 4:
            raise MarshalException(f"Expected 0 or at least 4 bytes ({len(data)})")

    def sort_key(self, data: bytes) -> Any:
        return decode_decimal(data) if data else EMPTY_NUMERIC_KEY

    def _cql_literal(self, data: bytes) -> str:
        return java.big_decimal_to_plain_string(decode_decimal(data))

    def _json(self, data: bytes) -> str:
        return java.big_decimal_to_string(decode_decimal(data))

    def parse_string(self, text: str) -> bytes:
        if not text:
            return b""
        try:
            return encode_decimal(java.parse_big_decimal(text))
        except ValueError:
            raise MarshalException(f"unable to make BigDecimal from '{text}'") from None

    def _from_json(self, obj: Any) -> bytes:
        try:
            return encode_decimal(java.parse_big_decimal(java.to_string(obj)))
        except ValueError:
            raise MarshalException(
                f"Value '{java.to_string(obj)}' is not a valid representation of a decimal value"
            ) from None


# ---------------------------------------------------------------------------------------------- floating point

_FLOAT32 = struct.Struct(">f")
_FLOAT64 = struct.Struct(">d")
_CANONICAL_NAN64 = 0x7FF8000000000000
_CANONICAL_NAN32 = 0x7FC00000


def _as_float(value: Any, type_name: str) -> float:
    if isinstance(value, float | int | Decimal) and not isinstance(value, bool):
        return float(value)
    raise TypeError(f"{type_name} values must be numbers, not {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class FloatType(CqlType):
    """A 32-bit float; Python values are floats rounded to 32 bits."""

    bytes_are_canonical = True
    allows_empty = True
    numeric_key = True
    fixed_length = 4
    value_length_if_fixed = 4
    protocol_code = ProtocolTypeCode.FLOAT

    def cql(self) -> str:
        return "float"

    def marshal_name(self) -> str:
        return MARSHAL_PACKAGE + "FloatType"

    def _length_message(self, size: int) -> str:
        return f"Expected 4 or 0 byte value for a float ({size})"

    def _serialize(self, value: Any) -> bytes:
        return _FLOAT32.pack(java.to_float32(_as_float(value, "float")))

    def _deserialize(self, data: bytes) -> Any:
        self.validate(data)
        return _FLOAT32.unpack(data)[0]

    def sort_key(self, data: bytes) -> Any:
        # Float.compare: order of floatToIntBits (NaN canonical), negatives flipped so more negative
        # sorts lower, -0.0 just below 0.0.
        if not data:
            return EMPTY_NUMERIC_KEY
        bits = int.from_bytes(data, "big", signed=True)
        if bits & 0x7FFFFFFF > 0x7F800000:
            return _CANONICAL_NAN32
        return bits ^ 0x7FFFFFFF if bits < 0 else bits

    def _cql_literal(self, data: bytes) -> str:
        return java.float_to_string(self._deserialize(data))

    def _json(self, data: bytes) -> str:
        value = self._deserialize(data)
        return "null" if math.isnan(value) or math.isinf(value) else java.float_to_string(value)

    def parse_string(self, text: str) -> bytes:
        if not text:
            return b""
        try:
            return _FLOAT32.pack(java.to_float32(java.parse_double(text)))
        except ValueError:
            raise MarshalException(f"Unable to make float from '{text}'") from None

    def _from_json(self, obj: Any) -> bytes:
        if isinstance(obj, str):
            return self.parse_string(obj)
        if isinstance(obj, int | float) and not isinstance(obj, bool):
            return self._serialize(obj)
        raise MarshalException(
            f"Expected a float value, but got a {java.class_name(obj)}: {java.to_string(obj)}"
        )


@dataclass(frozen=True, slots=True)
class DoubleType(CqlType):
    bytes_are_canonical = True
    allows_empty = True
    numeric_key = True
    fixed_length = 8
    value_length_if_fixed = 8
    protocol_code = ProtocolTypeCode.DOUBLE

    def cql(self) -> str:
        return "double"

    def marshal_name(self) -> str:
        return MARSHAL_PACKAGE + "DoubleType"

    def _length_message(self, size: int) -> str:
        return f"Expected 8 or 0 byte value for a double ({size})"

    def _serialize(self, value: Any) -> bytes:
        return _FLOAT64.pack(_as_float(value, "double"))

    def _deserialize(self, data: bytes) -> Any:
        self.validate(data)
        return _FLOAT64.unpack(data)[0]

    def sort_key(self, data: bytes) -> Any:
        if not data:
            return EMPTY_NUMERIC_KEY
        bits = int.from_bytes(data, "big", signed=True)
        if bits & 0x7FFFFFFFFFFFFFFF > 0x7FF0000000000000:
            return _CANONICAL_NAN64
        return bits ^ 0x7FFFFFFFFFFFFFFF if bits < 0 else bits

    def _cql_literal(self, data: bytes) -> str:
        return java.double_to_string(self._deserialize(data))

    def _json(self, data: bytes) -> str:
        value = self._deserialize(data)
        return "null" if math.isnan(value) or math.isinf(value) else java.double_to_string(value)

    def parse_string(self, text: str) -> bytes:
        if not text:
            return b""
        try:
            return _FLOAT64.pack(java.parse_double(text))
        except ValueError:
            raise MarshalException(f"Unable to make double from '{text}'") from None

    def _from_json(self, obj: Any) -> bytes:
        if isinstance(obj, str):
            return self.parse_string(obj)
        if isinstance(obj, int | float) and not isinstance(obj, bool):
            return self._serialize(obj)
        raise MarshalException(
            f"Expected a double value, but got a {java.class_name(obj)}: {java.to_string(obj)}"
        )
