"""UUIDs: ``uuid`` (any version) and ``timeuuid`` (version 1 only). 16 bytes, big-endian, or empty.

The two types order differently (Cassandra's ``UUIDType`` and ``TimeUUIDType``, CASSANDRA-8730):

* ``uuid``: by version first; version-1 UUIDs then by timestamp, others by their high 64 bits
  unsigned; then the low 64 bits unsigned.
* ``timeuuid``: by timestamp, then the low 8 bytes compared as *signed* bytes.
"""

from __future__ import annotations

import re
import struct
import uuid
from dataclasses import dataclass
from typing import Any

from engine.schema.types import java
from engine.schema.types.base import MARSHAL_PACKAGE, CqlType, MarshalException, ProtocolTypeCode

_UUID_RE = re.compile(r"[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}\Z")
_SIGNED_BYTES = 0x8080808080808080  # flips each byte's sign bit: unsigned order = signed byte order
_TWO_LONGS = struct.Struct(">QQ").unpack


def _timestamp(msb: int) -> int:
    """The 60-bit timestamp of a version-1 UUID's high bits (Cassandra's reorderTimestampBytes)."""
    return ((msb & 0x0FFF) << 48) | (((msb >> 16) & 0xFFFF) << 32) | (msb >> 32)


def parse_uuid(text: str) -> bytes:
    """Cassandra's ``UUIDType.parse``: empty, or the 8-4-4-4-12 hex form; anything else is refused."""
    if not text:
        return b""
    if not _UUID_RE.match(text):
        raise MarshalException(f"Unable to make UUID from '{text}'")
    return uuid.UUID(text).bytes


def _to_bytes(value: Any, type_name: str) -> bytes:
    if isinstance(value, uuid.UUID):
        return value.bytes
    if isinstance(value, str):
        return parse_uuid(value) or uuid.UUID(value).bytes
    if isinstance(value, bytes) and len(value) == 16:
        return value
    raise TypeError(f"{type_name} values must be uuid.UUID, not {type(value).__name__}")


class _UuidBase(CqlType):
    __slots__ = ()
    allows_empty = True
    fixed_length = 16
    value_length_if_fixed = 16

    def _length_message(self, size: int) -> str:
        return f"UUID should be 16 or 0 bytes ({size})"

    def _deserialize(self, data: bytes) -> Any:
        self.validate(data)
        return uuid.UUID(bytes=bytes(data))

    def _cql_literal(self, data: bytes) -> str:
        return str(self._deserialize(data))

    def _json(self, data: bytes) -> str:
        return '"' + str(self._deserialize(data)) + '"'


@dataclass(frozen=True, slots=True)
class UuidType(_UuidBase):
    bytes_are_canonical = True
    protocol_code = ProtocolTypeCode.UUID

    def cql(self) -> str:
        return "uuid"

    def marshal_name(self) -> str:
        return MARSHAL_PACKAGE + "UUIDType"

    def _serialize(self, value: Any) -> bytes:
        return _to_bytes(value, "uuid")

    def sort_key(self, data: bytes) -> Any:
        if not data:
            return ()
        msb, lsb = _TWO_LONGS(data)
        version = (msb >> 12) & 0xF
        high = _timestamp(msb) if version == 1 else msb
        return (version, high, lsb)

    def parse_string(self, text: str) -> bytes:
        return parse_uuid(text)

    def _from_json(self, obj: Any) -> bytes:
        if not isinstance(obj, str):
            raise MarshalException(
                "Expected a string representation of a uuid, "
                f"but got a {java.class_name(obj)}: {java.to_string(obj)}"
            )
        return parse_uuid(obj)


@dataclass(frozen=True, slots=True)
class TimeuuidType(_UuidBase):
    bytes_are_canonical = True
    protocol_code = ProtocolTypeCode.TIMEUUID

    def cql(self) -> str:
        return "timeuuid"

    def marshal_name(self) -> str:
        return MARSHAL_PACKAGE + "TimeUUIDType"

    def _serialize(self, value: Any) -> bytes:
        data = _to_bytes(value, "timeuuid")
        if data[6] >> 4 != 1:
            raise MarshalException("TimeUUID supports only version 1 UUIDs")
        return data

    def validate(self, data: bytes) -> None:
        super(TimeuuidType, self).validate(data)
        if data and data[6] & 0xF0 != 0x10:
            raise MarshalException("Invalid version for TimeUUID type.")

    def sort_key(self, data: bytes) -> Any:
        if not data:
            return ()
        msb, lsb = _TWO_LONGS(data)
        return (_timestamp(msb), lsb ^ _SIGNED_BYTES)

    def parse_string(self, text: str) -> bytes:
        if text and not _UUID_RE.match(text):
            raise MarshalException(f"Unknown timeuuid representation: {text}")
        data = parse_uuid(text)
        if len(data) == 16 and data[6] >> 4 != 1:
            raise MarshalException("TimeUUID supports only version 1 UUIDs")
        return data

    def _from_json(self, obj: Any) -> bytes:
        if not isinstance(obj, str):
            raise MarshalException(
                "Expected a string representation of a timeuuid, "
                f"but got a {java.class_name(obj)}: {java.to_string(obj)}"
            )
        return self.parse_string(obj)
