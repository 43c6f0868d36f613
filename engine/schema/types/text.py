"""Strings, bytes, booleans and addresses: ascii, text (varchar), blob, boolean, inet.

Byte formats (native protocol §6):

* ``ascii``: the characters' bytes, each below 0x80. ``text``: UTF-8. ``blob``: the bytes themselves.
  All three order by unsigned bytes (so text orders by UTF-8 bytes, i.e. code points), and their empty
  value is simply ``''``/``b''``.
* ``boolean``: one byte, 0 for false, anything else true; false sorts first.
* ``inet``: 4 bytes (IPv4) or 16 (IPv6), unsigned byte order (so every IPv4 address sorts before an
  IPv6 one with a larger first byte, as in Cassandra).

boolean and inet accept the empty value.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Any

from engine.schema.types import java
from engine.schema.types.base import (
    EMPTY_NUMERIC_KEY,
    MARSHAL_PACKAGE,
    CqlType,
    MarshalException,
    ProtocolTypeCode,
    hex_literal,
    quote_cql,
)


def _expected(kind: str, obj: Any) -> MarshalException:
    return MarshalException(f"Expected {kind}, but got a {java.class_name(obj)}: {java.to_string(obj)}")


def _java_length(text: str) -> int:
    """A string's length in Java chars (UTF-16 code units)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# ---------------------------------------------------------------------------------------------- ascii


@dataclass(frozen=True, slots=True)
class AsciiType(CqlType):
    bytes_are_canonical = True
    allows_empty = True
    protocol_code = ProtocolTypeCode.ASCII

    def cql(self) -> str:
        return "ascii"

    def marshal_name(self) -> str:
        return MARSHAL_PACKAGE + "AsciiType"

    def _empty_value(self) -> Any:
        return ""

    def _serialize(self, value: Any) -> bytes:
        if not isinstance(value, str):
            raise TypeError(f"ascii values must be str, not {type(value).__name__}")
        return self.parse_string(value)

    def _deserialize(self, data: bytes) -> Any:
        self.validate(data)
        return data.decode("ascii")

    def _validate(self, data: bytes) -> None:
        for b in data:
            if b >= 0x80:
                raise MarshalException(f"Invalid byte for ascii: {b - 256}")

    def sort_key(self, data: bytes) -> Any:
        return data

    def _cql_literal(self, data: bytes) -> str:
        return quote_cql(self._deserialize(data))

    def _json(self, data: bytes) -> str:
        return java.json_quote(self._deserialize(data))

    def parse_string(self, text: str) -> bytes:
        try:
            return text.encode("ascii")
        except UnicodeEncodeError as exc:
            bad = text[exc.start]
            kind = (
                "MalformedInputException" if 0xD800 <= ord(bad) <= 0xDFFF else "UnmappableCharacterException"
            )
            raise MarshalException(
                "Invalid ASCII character in string literal: "
                f"java.nio.charset.{kind}: Input length = {_java_length(bad)}"
            ) from None

    def _from_json(self, obj: Any) -> bytes:
        if not isinstance(obj, str):
            raise _expected("an ascii string", obj)
        return self.parse_string(obj)


# ---------------------------------------------------------------------------------------------- text


@dataclass(frozen=True, slots=True)
class TextType(CqlType):
    """``text``; ``varchar`` is the same type (it prints as ``text``)."""

    bytes_are_canonical = True
    allows_empty = True
    protocol_code = ProtocolTypeCode.VARCHAR

    def cql(self) -> str:
        return "text"

    def marshal_name(self) -> str:
        return MARSHAL_PACKAGE + "UTF8Type"

    def _empty_value(self) -> Any:
        return ""

    def _serialize(self, value: Any) -> bytes:
        if not isinstance(value, str):
            raise TypeError(f"text values must be str, not {type(value).__name__}")
        return self.parse_string(value)

    def _deserialize(self, data: bytes) -> Any:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise MarshalException("String didn't validate.") from None

    def _validate(self, data: bytes) -> None:
        self._deserialize(data)

    def sort_key(self, data: bytes) -> Any:
        return data

    def _cql_literal(self, data: bytes) -> str:
        return quote_cql(self._deserialize(data))

    def _json(self, data: bytes) -> str:
        return java.json_quote(self._deserialize(data))

    def parse_string(self, text: str) -> bytes:
        # Java encodes an unpaired surrogate as '?'.
        return text.encode("utf-8", "replace")

    def _from_json(self, obj: Any) -> bytes:
        if not isinstance(obj, str):
            raise _expected("a UTF-8 string", obj)
        return self.parse_string(obj)


# ---------------------------------------------------------------------------------------------- blob


def parse_hex(text: str) -> bytes:
    """Cassandra's ``BytesType.fromString`` (hex digits, even count, no ``0x``)."""
    if len(text) % 2 or not all(c in "0123456789abcdefABCDEF" for c in text):
        raise MarshalException(f"cannot parse '{text}' as hex bytes")
    return bytes.fromhex(text)


@dataclass(frozen=True, slots=True)
class BlobType(CqlType):
    bytes_are_canonical = True
    allows_empty = True
    protocol_code = ProtocolTypeCode.BLOB

    def cql(self) -> str:
        return "blob"

    def marshal_name(self) -> str:
        return MARSHAL_PACKAGE + "BytesType"

    def _empty_value(self) -> Any:
        return b""

    def _serialize(self, value: Any) -> bytes:
        if isinstance(value, bytes | bytearray | memoryview):
            return bytes(value)
        raise TypeError(f"blob values must be bytes, not {type(value).__name__}")

    def _deserialize(self, data: bytes) -> Any:
        return bytes(data)

    def sort_key(self, data: bytes) -> Any:
        return data

    def _cql_literal(self, data: bytes) -> str:
        return hex_literal(data)

    def bytes_to_cql_literal(self, data: bytes | None) -> str:
        return "null" if data is None else hex_literal(data)

    def _json(self, data: bytes) -> str:
        return '"' + hex_literal(data) + '"'

    def parse_string(self, text: str) -> bytes:
        return parse_hex(text)

    def _from_json(self, obj: Any) -> bytes:
        try:
            if not isinstance(obj, str):
                raise MarshalException(java.class_cast_message(obj, "String"))
            if not obj.startswith("0x"):
                raise MarshalException(f"String representation of blob is missing 0x prefix: {obj}")
            return parse_hex(obj[2:])
        except MarshalException as exc:
            raise MarshalException(
                f"Value '{java.to_string(obj)}' is not a valid blob representation: {exc.message}"
            ) from None


# ---------------------------------------------------------------------------------------------- boolean


@dataclass(frozen=True, slots=True)
class BooleanType(CqlType):
    allows_empty = True
    numeric_key = True
    fixed_length = 1
    value_length_if_fixed = 1
    protocol_code = ProtocolTypeCode.BOOLEAN

    def cql(self) -> str:
        return "boolean"

    def marshal_name(self) -> str:
        return MARSHAL_PACKAGE + "BooleanType"

    def _length_message(self, size: int) -> str:
        return f"Expected 1 or 0 byte value ({size})"

    def _serialize(self, value: Any) -> bytes:
        return b"\x01" if value else b"\x00"

    def _deserialize(self, data: bytes) -> Any:
        self.validate(data)
        return data != b"\x00"

    def sort_key(self, data: bytes) -> Any:
        if not data:
            return EMPTY_NUMERIC_KEY
        return 0 if data == b"\x00" else 1

    def _cql_literal(self, data: bytes) -> str:
        return "true" if self._deserialize(data) else "false"

    _json = _cql_literal

    def parse_string(self, text: str) -> bytes:
        lowered = text.lower()
        if not text or lowered == "false":
            return b"\x00"
        if lowered == "true":
            return b"\x01"
        raise MarshalException(f"Unable to make boolean from '{text}'")

    def _from_json(self, obj: Any) -> bytes:
        if isinstance(obj, str):
            return self.parse_string(obj)
        if not isinstance(obj, bool):
            raise _expected("a boolean value", obj)
        return self._serialize(obj)


# ---------------------------------------------------------------------------------------------- inet


def inet_bytes(text: str) -> bytes:
    """The address bytes of an IPv4/IPv6 literal (``ValueError`` otherwise)."""
    address = ipaddress.ip_address(text)
    return address.packed


@dataclass(frozen=True, slots=True)
class InetType(CqlType):
    """Python values are strings: ``'127.0.0.1'``, ``'::1'`` (compressed, as the driver returns)."""

    bytes_are_canonical = True
    allows_empty = True
    protocol_code = ProtocolTypeCode.INET

    def cql(self) -> str:
        return "inet"

    def marshal_name(self) -> str:
        return MARSHAL_PACKAGE + "InetAddressType"

    def _serialize(self, value: Any) -> bytes:
        if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
            return value.packed
        if isinstance(value, str):
            try:
                return inet_bytes(value)
            except ValueError:
                raise MarshalException(f"Unable to make inet address from '{value}'") from None
        raise TypeError(f"inet values must be str or ipaddress addresses, not {type(value).__name__}")

    def _deserialize(self, data: bytes) -> Any:
        self.validate(data)
        return socket.inet_ntop(socket.AF_INET if len(data) == 4 else socket.AF_INET6, data)

    def _validate(self, data: bytes) -> None:
        if len(data) not in (0, 4, 16):
            raise MarshalException(f"Expected 4 or 16 byte inetaddress; got {data.hex()}")

    def sort_key(self, data: bytes) -> Any:
        return data

    def _cql_literal(self, data: bytes) -> str:
        self.validate(data)
        return quote_cql(java.inet_host_address(data))

    def _json(self, data: bytes) -> str:
        self.validate(data)
        return '"' + java.inet_host_address(data) + '"'

    def parse_string(self, text: str) -> bytes:
        """``InetAddress.getByName`` on a literal (no name resolution beyond ``localhost``); an
        IPv4-mapped IPv6 address becomes its 4 IPv4 bytes, as Java makes it an ``Inet4Address``."""
        if not text:
            return b""
        literal = text[1:-1] if text.startswith("[") and text.endswith("]") else text
        if literal.lower() == "localhost":
            return b"\x7f\x00\x00\x01"
        try:
            address = ipaddress.ip_address(literal)
        except ValueError:
            raise MarshalException(f"Unable to make inet address from '{text}'") from None
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            return address.ipv4_mapped.packed
        return address.packed

    def _from_json(self, obj: Any) -> bytes:
        if not isinstance(obj, str):
            raise _expected("a string representation of an inet value", obj)
        return self.parse_string(obj)
