"""Column types of a RESULT (``[option]``, spec §4.2.5.2) and their values, as cassandra-driver reads them.

The shell's result model holds the Python values cassandra-driver returns and the CQL type text its type
classes print (``shell.output.result``). Most columns are of types whose values are plain Python
objects — text, numbers, booleans, blobs, uuids, timestamps, addresses and lists of those — and this
module reads them itself, exactly as the driver's ``cqltypes`` classes do (including its quirks: a
``text`` column is ``varchar``, a timestamp is ``epoch + timedelta(seconds=ms / 1000.0)``, an empty
element inside a list is ``None``). Types whose values are the driver's own classes (date, time,
duration, set, map, tuple, user types, vectors and custom types) are handed, as their raw ``[option]``
bytes, to the driver's ``read_type``, which loads ``cassandra`` only for results that hold them.

:func:`decode` is ``shell.connection.decoding.decode`` for these types: ``None`` for null, the driver's
``EMPTY`` for a zero-length value of a type without an empty form, the integer milliseconds for a
timestamp outside ``datetime``'s range.
"""

from __future__ import annotations

import abc
import datetime
import socket
import struct
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shell.connection.native_codec import Reader

_EPOCH = datetime.datetime(1970, 1, 1)
_LIST = 0x0020
_MAP = 0x0021
_SET = 0x0022
_UDT = 0x0030
_TUPLE = 0x0031
_CUSTOM = 0x0000


def _unpack(fmt: str) -> Callable[[bytes], object]:
    unpack = struct.Struct(fmt).unpack

    def read(value: bytes) -> object:
        return unpack(value)[0]

    return read


def _varint(value: bytes) -> int:
    return int.from_bytes(value, "big", signed=True)


def _decimal(value: bytes) -> object:
    from decimal import Decimal

    scale = struct.unpack(">i", value[:4])[0]
    return Decimal("%de%d" % (_varint(value[4:]), -scale))  # noqa: UP031 - the driver's exact text


def _inet(value: bytes) -> str:
    if len(value) == 16:
        return socket.inet_ntop(socket.AF_INET6, value)
    return socket.inet_ntoa(value)


def _timestamp(value: bytes) -> datetime.datetime:
    return _EPOCH + datetime.timedelta(seconds=struct.unpack(">q", value)[0] / 1000.0)


def _uuid(value: bytes) -> uuid.UUID:
    return uuid.UUID(bytes=value)


def _boolean(value: bytes) -> bool:
    return bool(struct.unpack(">b", value)[0])


# protocol code -> (the driver's typename, whether an empty value is a value, its decoder)
_SIMPLE: dict[int, tuple[str, bool, Callable[[bytes], object]]] = {
    0x0001: ("ascii", True, lambda v: v.decode("ascii")),
    0x0002: ("bigint", False, _unpack(">q")),
    0x0003: ("blob", True, bytes),
    0x0004: ("boolean", False, _boolean),
    0x0005: ("counter", False, _unpack(">q")),
    0x0006: ("decimal", False, _decimal),
    0x0007: ("double", False, _unpack(">d")),
    0x0008: ("float", False, _unpack(">f")),
    0x0009: ("int", False, _unpack(">i")),
    0x000A: ("text", True, lambda v: v.decode("utf8")),
    0x000B: ("timestamp", False, _timestamp),
    0x000C: ("uuid", False, _uuid),
    0x000D: ("varchar", True, lambda v: v.decode("utf8")),
    0x000E: ("varint", False, _varint),
    0x000F: ("timeuuid", False, _uuid),
    0x0010: ("inet", False, _inet),
    0x0013: ("smallint", False, _unpack(">h")),
    0x0014: ("tinyint", False, _unpack(">b")),
}


class NativeType(abc.ABC):
    """A column type: its CQL text as the driver prints it, and how its values decode."""

    @abc.abstractmethod
    def cql_parameterized_type(self) -> str:
        """The type's CQL text, as the driver's ``cql_parameterized_type`` prints it."""

    def holds_user_type(self) -> bool:
        return False

    def empty_is_value(self) -> bool:
        return False

    @abc.abstractmethod
    def deserialize(self, value: bytes, protocol_version: int) -> object:
        """A non-empty value's bytes as the driver decodes them."""

    def element(self, value: bytes | None, protocol_version: int) -> object:
        """A value inside a collection (the driver's ``from_binary``: empty means None there)."""
        if value is None or (not value and not self.empty_is_value()):
            return None
        return self.deserialize(value, protocol_version)


class SimpleType(NativeType):
    def __init__(self, code: int) -> None:
        self.typename, self._empty_ok, self._decode = _SIMPLE[code]

    def cql_parameterized_type(self) -> str:
        return self.typename

    def empty_is_value(self) -> bool:
        return self._empty_ok

    def deserialize(self, value: bytes, protocol_version: int) -> object:
        return self._decode(value)


class ListOf(NativeType):
    def __init__(self, element: NativeType) -> None:
        self.element_type = element

    def cql_parameterized_type(self) -> str:
        return f"list<{self.element_type.cql_parameterized_type()}>"

    def deserialize(self, value: bytes, protocol_version: int) -> object:
        count = struct.unpack_from(">i", value, 0)[0]
        at = 4
        out: list[object] = []
        inner = max(3, protocol_version)
        for _ in range(count):
            length = struct.unpack_from(">i", value, at)[0]
            at += 4
            if length < 0:
                out.append(None)
                continue
            out.append(self.element_type.element(value[at : at + length], inner))
            at += length
        return out


class DriverType(NativeType):
    """A type whose values are cassandra-driver's classes: read by the driver from its ``[option]``."""

    def __init__(self, option: bytes) -> None:
        self.option = option
        self._class: Any = None

    @property
    def driver_class(self) -> Any:
        if self._class is None:
            import io

            from cassandra.protocol import ResultMessage

            self._class = ResultMessage.read_type(io.BytesIO(self.option), {})
        return self._class

    def cql_parameterized_type(self) -> str:
        return str(self.driver_class.cql_parameterized_type())

    def holds_user_type(self) -> bool:
        from shell.connection.raw_results import mentions_user_type

        return mentions_user_type([self.driver_class])

    def empty_is_value(self) -> bool:
        return bool(self.driver_class.empty_binary_ok)

    def deserialize(self, value: bytes, protocol_version: int) -> object:
        return self.driver_class.deserialize(value, protocol_version)

    def element(self, value: bytes | None, protocol_version: int) -> object:
        return self.driver_class.from_binary(value, protocol_version)


def read_type(reader: Reader) -> NativeType:
    start = reader.at
    code = reader.short()
    if code in _SIMPLE:
        return SimpleType(code)
    if code == _LIST:
        element = read_type(reader)
        if not isinstance(element, DriverType):
            return ListOf(element)
    else:
        _skip_parameters(reader, code)
    return DriverType(reader.data[start : reader.at])


def _skip_parameters(reader: Reader, code: int) -> None:
    if code == _SET:
        read_type(reader)
    elif code == _MAP:
        read_type(reader)
        read_type(reader)
    elif code == _TUPLE:
        for _ in range(reader.short()):
            read_type(reader)
    elif code == _UDT:
        reader.string()
        reader.string()
        for _ in range(reader.short()):
            reader.string()
            read_type(reader)
    elif code == _CUSTOM:
        reader.string()
    # any other code: the driver's read_type reports it (NotSupportedError), as for the driver connection


def decode(kind: NativeType, value: bytes | None, protocol_version: int) -> object:
    if value is None:
        return None
    if not value and not kind.empty_is_value():
        from cassandra.cqltypes import EMPTY

        return EMPTY
    try:
        return kind.deserialize(value, protocol_version)
    except OverflowError:
        return int.from_bytes(value, "big", signed=True)
