"""The native protocol's [notations] (v4/v5 spec §3): the typed fields every message body is made of.

:class:`BodyReader` reads them from one message body with bounds checks, so a truncated or lying body
raises :class:`~engine.errors.ProtocolError` naming the field that did not fit (``Not enough bytes to
read a [long string] of 100 bytes (7 left)``) instead of an ``IndexError``. The ``write_*`` functions
return the bytes of one field; callers join them. All integers are big-endian; ``[short]`` is unsigned,
``[int]`` and ``[long]`` signed.
"""

from __future__ import annotations

import ipaddress
import struct
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from engine.errors import ProtocolError
from engine.service.query_options import UNSET, BoundValue

_SHORT = struct.Struct(">H")
_INT = struct.Struct(">i")
_LONG = struct.Struct(">q")

_Child = TypeVar("_Child", bound=tuple)  # type: ignore[type-arg]

try:  # the bound values of EXECUTE and BATCH read in C (_notation.c): the same reading, for speed only
    from engine.transport import _notation as native_notation
except ImportError:  # installed without a C compiler: the Python loops below
    native_notation = None  # type: ignore[assignment]


class BodyReader:
    """Reads [notations] from a message body, front to back."""

    __slots__ = ("_bytes", "_data", "_offset", "what")

    #: the C reader of bound values, or None for the Python loops (the tests run both)
    native: Any = native_notation

    def __init__(self, data: bytes, what: str = "message") -> None:
        self._bytes = bytes(data)  # sliced into values: one copy each (a memoryview slice would add one)
        self._data = memoryview(self._bytes)
        self._offset = 0
        self.what = what  # e.g. "QUERY", to name the message in errors

    @property
    def remaining(self) -> int:
        return len(self._data) - self._offset

    def _take(self, size: int, field: str) -> memoryview:
        if size > self.remaining:
            raise ProtocolError(
                f"Not enough bytes to read {field} of {size} bytes ({self.remaining} left) in {self.what} body"
            )
        start = self._offset
        self._offset += size
        return self._data[start : self._offset]

    # ---------------------------------------------------------------------------------- integers

    def read_byte(self) -> int:
        return self._take(1, "a [byte]")[0]

    def read_short(self) -> int:
        return _SHORT.unpack(self._take(2, "a [short]"))[0]

    def read_int(self) -> int:
        return _INT.unpack(self._take(4, "an [int]"))[0]

    def read_long(self) -> int:
        return _LONG.unpack(self._take(8, "a [long]"))[0]

    # ------------------------------------------------------------------------------------ strings

    def _utf8(self, raw: memoryview, field: str) -> str:
        try:
            return bytes(raw).decode("utf-8")
        except UnicodeDecodeError as e:
            raise ProtocolError(f"Cannot decode {field} as UTF-8 in {self.what} body: {e.reason}") from None

    def read_string(self) -> str:
        return self._utf8(self._take(self.read_short(), "a [string]"), "a [string]")

    def read_long_string(self) -> str:
        length = self.read_int()
        if length < 0:
            raise ProtocolError(f"Invalid [long string] length {length} in {self.what} body")
        return self._utf8(self._take(length, "a [long string]"), "a [long string]")

    def read_string_list(self) -> list[str]:
        return [self.read_string() for _ in range(self.read_short())]

    def read_string_map(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for _ in range(self.read_short()):
            key = self.read_string()
            out[key] = self.read_string()
        return out

    def read_string_multimap(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for _ in range(self.read_short()):
            key = self.read_string()
            out[key] = self.read_string_list()
        return out

    # -------------------------------------------------------------------------------------- bytes

    def read_bytes(self) -> bytes | None:
        length = self.read_int()
        if length < 0:
            return None
        return bytes(self._take(length, "a [bytes]"))

    def read_value(self) -> BoundValue:
        """A bound [value]: bytes, ``None`` (n = -1) or :data:`UNSET` (n = -2)."""
        length = self.read_int()
        if length == -1:
            return None
        if length == -2:
            return UNSET
        if length < -2:
            raise ProtocolError(f"Invalid [value] length {length} in {self.what} body")
        return bytes(self._take(length, "a [value]"))

    def read_values(self, count: int) -> tuple[BoundValue, ...]:
        """``count`` bound [value]s: what EXECUTE and each BATCH statement carry, read in one loop (a
        large batch has thousands); a value that does not fit is left to :meth:`read_value`, which
        raises its error."""
        if self.native is not None:
            values, self._offset = self.native.read_values(self._bytes, self._offset, count, UNSET)
            if len(values) == count:
                return values  # type: ignore[no-any-return]
            return values + tuple(self.read_value() for _ in range(count - len(values)))
        data, offset, end = self._bytes, self._offset, len(self._bytes)
        unpack = _INT.unpack_from
        out: list[BoundValue] = []
        append = out.append
        for _ in range(count):
            if end - offset < 4:
                break
            length = unpack(data, offset)[0]
            if length >= 0:
                if offset + 4 + length > end:
                    break
                offset += 4
                append(data[offset : offset + length])
                offset += length
            elif length == -1:
                offset += 4
                append(None)
            elif length == -2:
                offset += 4
                append(UNSET)
            else:
                break
        self._offset = offset
        for _ in range(count - len(out)):
            append(self.read_value())
        return tuple(out)

    def read_prepared_children(self, count: int, child_type: type[_Child]) -> list[_Child]:
        """Up to ``count`` BATCH children of kind 1 (a prepared id and its values), read in one loop: what a
        batch of one prepared statement is made of. Each is a ``child_type`` (a tuple type of the id and the
        values). Stops before the first child that is not one, or does not fit, leaving it to the general
        reading (which raises its error). Repeated ids are one object."""
        if self.native is not None:
            children, self._offset = self.native.read_prepared_children(
                self._bytes, self._offset, count, child_type, UNSET
            )
            return children  # type: ignore[no-any-return]
        make = tuple.__new__  # a child_type from an (id, values) pair, in C (NamedTuple._make checks more)
        data, end = self._bytes, len(self._bytes)
        unpack_short = _SHORT.unpack_from
        children: list[_Child] = []
        append = children.append
        last = b""
        for _ in range(count):
            offset = self._offset
            if end - offset < 3 or data[offset] != 1:
                break
            length = unpack_short(data, offset + 1)[0]
            start = offset + 3
            if start + length + 2 > end:
                break
            statement = data[start : start + length]
            if statement == last:
                statement = last
            else:
                last = statement
            self._offset = start + length + 2
            try:
                values = self.read_values(unpack_short(data, start + length)[0])
            except ProtocolError:
                self._offset = offset
                break
            append(make(child_type, (statement, values)))
        return children

    def read_short_bytes(self) -> bytes:
        return bytes(self._take(self.read_short(), "a [short bytes]"))

    def read_bytes_map(self) -> dict[str, bytes | None]:
        out: dict[str, bytes | None] = {}
        for _ in range(self.read_short()):
            key = self.read_string()
            out[key] = self.read_bytes()
        return out

    def read_uuid(self) -> uuid.UUID:
        return uuid.UUID(bytes=bytes(self._take(16, "a [uuid]")))

    def read_inet(self) -> tuple[str, int]:
        size = self.read_byte()
        if size not in (4, 16):
            raise ProtocolError(f"Invalid [inet] address size {size} in {self.what} body")
        address = ipaddress.ip_address(bytes(self._take(size, "an [inet] address")))
        return str(address), self.read_int()

    def read_consistency(self) -> int:
        return self.read_short()


# ---------------------------------------------------------------------------------------- writers


def write_byte(value: int) -> bytes:
    return bytes((value,))


def write_short(value: int) -> bytes:
    return _SHORT.pack(value)


def write_int(value: int) -> bytes:
    return _INT.pack(value)


def write_long(value: int) -> bytes:
    return _LONG.pack(value)


def write_string(value: str) -> bytes:
    data = value.encode("utf-8")
    return _SHORT.pack(len(data)) + data


def write_long_string(value: str) -> bytes:
    data = value.encode("utf-8")
    return _INT.pack(len(data)) + data


def write_string_list(values: Iterable[str]) -> bytes:
    items = list(values)
    return _SHORT.pack(len(items)) + b"".join(write_string(v) for v in items)


def write_string_map(values: Mapping[str, str]) -> bytes:
    return _SHORT.pack(len(values)) + b"".join(write_string(k) + write_string(v) for k, v in values.items())


def write_string_multimap(values: Mapping[str, Iterable[str]]) -> bytes:
    return _SHORT.pack(len(values)) + b"".join(
        write_string(k) + write_string_list(v) for k, v in values.items()
    )


def write_bytes(value: bytes | None) -> bytes:
    if value is None:
        return _INT.pack(-1)
    return _INT.pack(len(value)) + value


def write_value(value: BoundValue) -> bytes:
    if value is UNSET:
        return _INT.pack(-2)
    return write_bytes(value)  # type: ignore[arg-type]


def write_short_bytes(value: bytes) -> bytes:
    return _SHORT.pack(len(value)) + value


def write_bytes_map(values: Mapping[str, bytes | None]) -> bytes:
    return _SHORT.pack(len(values)) + b"".join(write_string(k) + write_bytes(v) for k, v in values.items())


def write_uuid(value: uuid.UUID) -> bytes:
    return value.bytes


def write_inetaddr(address: str) -> bytes:
    packed = ipaddress.ip_address(address).packed
    return bytes((len(packed),)) + packed


def write_inet(address: str, port: int) -> bytes:
    return write_inetaddr(address) + _INT.pack(port)


def write_consistency(code: int) -> bytes:
    return _SHORT.pack(code)
