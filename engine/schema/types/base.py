"""The contract every CQL type keeps, and the pieces all types share.

A :class:`CqlType` is an immutable, hashable description of a type (a frozen dataclass): two equal
types are interchangeable. It works on a value in three forms:

* **bytes** — the native protocol's serialized form (v4/v5 spec §6), also what is stored. Nulls are
  never bytes (the protocol writes them as length -1); a zero-length value is the *empty* value.
* **Python values** — see :mod:`engine.schema.values` (``int``, ``str``, ``Date``, ``SortedSet``...).
  ``serialize`` also takes natural inputs (``set``, ``dict``, ``datetime.date``, ``int`` millis...).
* **text** — CQL literals (``to_cql_literal``), JSON (``to_json``/``from_json``) and Cassandra's
  ``fromString`` parsing (``from_string``), with Cassandra's exact error messages.

Internally each type works on bytes, as Cassandra does; Python values exist only at the API edge, so
two paths that produce bytes (a CQL literal, a JSON document, a bound value) can never disagree.

Ordering: ``sort_key(data)`` maps serialized bytes to a Python object whose natural order is
Cassandra's ``AbstractType.compare``. Types whose keys are numbers say so (``numeric_key``), which lets
:class:`ReversedType` invert them by negation instead of a wrapper object. Empty values sort first.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from engine.errors import InvalidRequest
from engine.schema.values import EMPTY, EmptyValue

INT32 = 4


class MarshalException(InvalidRequest):
    """A value that does not fit its type (Cassandra's ``MarshalException``). Cassandra reports these
    as Invalid requests with the same text; JSON decoding prefixes the column name (see ``from_json``)."""


class ProtocolTypeCode(enum.IntEnum):
    """The [option] id of a type in result metadata (native protocol v4/v5 §4.2.5.2)."""

    CUSTOM = 0x0000
    ASCII = 0x0001
    BIGINT = 0x0002
    BLOB = 0x0003
    BOOLEAN = 0x0004
    COUNTER = 0x0005
    DECIMAL = 0x0006
    DOUBLE = 0x0007
    FLOAT = 0x0008
    INT = 0x0009
    TIMESTAMP = 0x000B
    UUID = 0x000C
    VARCHAR = 0x000D
    VARINT = 0x000E
    TIMEUUID = 0x000F
    INET = 0x0010
    DATE = 0x0011
    TIME = 0x0012
    SMALLINT = 0x0013
    TINYINT = 0x0014
    DURATION = 0x0015
    LIST = 0x0020
    MAP = 0x0021
    SET = 0x0022
    UDT = 0x0030
    TUPLE = 0x0031


MARSHAL_PACKAGE = "org.apache.cassandra.db.marshal."

#: Sort key of the empty value for types whose keys are numbers: below every number.
EMPTY_NUMERIC_KEY = float("-inf")


class CqlType(ABC):
    """A CQL type. Subclasses are frozen dataclasses; see the module docstring for the contract."""

    __slots__ = ()

    #: True when ``sort_key`` returns numbers (int, float or Decimal), so negation reverses the order.
    numeric_key: ClassVar[bool] = False
    #: The type accepts the zero-length value (and deserializes it to ``EMPTY``, or ``''``/``b''``).
    allows_empty: ClassVar[bool] = False
    #: The serialized length when every value has the same one (empty values aside); drives validation.
    fixed_length: ClassVar[int | None] = None
    #: Cassandra's ``valueLengthIfFixed``, which decides the vector element format. It is not declared
    #: for every fixed-size type: smallint, tinyint, date and time vectors use length-prefixed elements.
    value_length_if_fixed: ClassVar[int | None] = None
    protocol_code: ClassVar[ProtocolTypeCode] = ProtocolTypeCode.CUSTOM
    #: Every valid value's bytes are the bytes ``serialize(deserialize(data))`` gives back, so a bound
    #: value, once validated, is stored as the client sent it (as Cassandra stores every bound value)
    #: without the round trip through a Python value. False where the round trip normalizes (boolean,
    #: varint, decimal, duration, collections, tuples, user types, vectors) or checks more than
    #: ``validate`` does (time's range).
    bytes_are_canonical: ClassVar[bool] = False

    # ------------------------------------------------------------------ kind

    @property
    def is_multi_cell(self) -> bool:
        """Stored as one cell per element/field (non-frozen list, set, map, user type)."""
        return False

    @property
    def is_frozen(self) -> bool:
        """A complex type stored as one cell: frozen collections and UDTs, tuples, vectors."""
        return False

    @property
    def is_counter(self) -> bool:
        return False

    @property
    def is_collection(self) -> bool:
        return False

    @property
    def is_tuple(self) -> bool:
        """Tuples and user types (a user type is a tuple with field names, as in Cassandra)."""
        return False

    @property
    def is_udt(self) -> bool:
        return False

    @property
    def is_vector(self) -> bool:
        return False

    @property
    def is_reversed(self) -> bool:
        return False

    @property
    def subtypes(self) -> tuple[CqlType, ...]:
        return ()

    def freeze(self) -> CqlType:
        """The frozen variant (itself for types that have no multi-cell form)."""
        return self

    def unwrap(self) -> CqlType:
        """The type without a ``ReversedType`` wrapper."""
        return self

    def references_counter(self) -> bool:
        return self.is_counter or any(t.references_counter() for t in self.subtypes)

    # ------------------------------------------------------------------ names

    @abstractmethod
    def cql(self) -> str:
        """The type as Cassandra prints it in DESCRIBE and ``system_schema.columns.type``."""

    def __str__(self) -> str:
        return self.cql()

    @abstractmethod
    def marshal_name(self) -> str:
        """Cassandra's internal class name (``AbstractType.toString``), used by the native protocol
        for custom types such as vectors: ``org.apache.cassandra.db.marshal.Int32Type``."""

    # ------------------------------------------------------------------ bytes

    def serialize(self, value: Any) -> bytes:
        """A Python value as native-protocol bytes. ``EMPTY`` gives the empty value; None (null) has
        no serialized form and raises ``TypeError``; a value the type cannot hold raises
        :class:`MarshalException` (or ``TypeError`` for a value of the wrong Python kind)."""
        if value is None:
            raise TypeError(f"null has no serialized form (type {self.cql()})")
        if isinstance(value, EmptyValue):
            if not self.allows_empty:
                raise MarshalException(f"{self.cql()} values cannot be empty")
            return b""
        return self._serialize(value)

    @abstractmethod
    def _serialize(self, value: Any) -> bytes: ...

    def deserialize(self, data: bytes) -> Any:
        """Bytes as the Python value (``EMPTY`` for an empty value of a non-string type)."""
        if not data and self.allows_empty:
            return self._empty_value()
        return self._deserialize(data)

    def _empty_value(self) -> Any:
        return EMPTY

    @abstractmethod
    def _deserialize(self, data: bytes) -> Any: ...

    def validate(self, data: bytes) -> None:
        """Raise :class:`MarshalException` with Cassandra's message if ``data`` is not a valid value."""
        if self.fixed_length is not None:
            size = len(data)
            if size != self.fixed_length and not (size == 0 and self.allows_empty):
                raise MarshalException(self._length_message(size))
            return
        self._validate(data)

    def _length_message(self, size: int) -> str:
        return f"Expected {self.fixed_length} bytes for a {self.cql()} value ({size})"

    def _validate(self, data: bytes) -> None:
        return None

    def normalize(self, data: bytes) -> bytes:
        """The canonical bytes of a value (sets and maps inside sorted and de-duplicated, as Cassandra
        stores what clients send); native values are already canonical."""
        return data

    @abstractmethod
    def sort_key(self, data: bytes) -> Any:
        """A key whose order is Cassandra's ``compare`` of serialized values (empty values first)."""

    def compare(self, left: bytes, right: bytes) -> int:
        """Cassandra's ``compare``: negative, zero or positive."""
        a, b = self.sort_key(left), self.sort_key(right)
        return -1 if a < b else (1 if b < a else 0)

    # ------------------------------------------------------------------ text

    def to_cql_literal(self, value: Any) -> str:
        """The value as a CQL literal (Cassandra's ``toCQLLiteral``); None is ``null``."""
        if value is None:
            return "null"
        return self.bytes_to_cql_literal(self.serialize(value))

    def bytes_to_cql_literal(self, data: bytes | None) -> str:
        if data is None:
            return "null"
        if not data and self.allows_empty and self._empty_value() is EMPTY:
            return "null"
        return self._cql_literal(data)

    @abstractmethod
    def _cql_literal(self, data: bytes) -> str: ...

    def to_json(self, value: Any) -> str:
        """The value as JSON (Cassandra's ``toJSONString``, used by ``SELECT JSON`` and ``toJson``)."""
        if value is None:
            return "null"
        return self.bytes_to_json(self.serialize(value))

    def bytes_to_json(self, data: bytes | None) -> str:
        if data is None:
            return "null"
        if not data and self.allows_empty and self._empty_value() is EMPTY:
            return '""'
        return self._json(data)

    @abstractmethod
    def _json(self, data: bytes) -> str: ...

    def from_json(self, obj: Any, receiver: str) -> Any:
        """The Python value of parsed JSON (``json.loads`` output) for column ``receiver``, as
        ``INSERT JSON``/``fromJson`` decode it; errors read ``Error decoding JSON value for
        <receiver>: <why>`` like Cassandra's."""
        if obj is None:
            return None
        return self.deserialize(self.json_to_bytes(obj, receiver))

    def json_to_bytes(self, obj: Any, receiver: str) -> bytes:
        try:
            return self._from_json(obj)
        except MarshalException as exc:
            raise InvalidRequest(f"Error decoding JSON value for {receiver}: {exc.message}") from None

    @abstractmethod
    def _from_json(self, obj: Any) -> bytes:
        """Cassandra's ``fromJSONObject`` for a non-null parsed JSON value."""

    def from_string(self, text: str) -> Any:
        """Cassandra's ``fromString``: the value of a constant's text, as a Python value."""
        return self.deserialize(self.parse_string(text))

    @abstractmethod
    def parse_string(self, text: str) -> bytes:
        """Cassandra's ``fromString``, as bytes."""


# ---------------------------------------------------------------------------------------------- reversed


class Descending:
    """Inverts the order of a non-numeric sort key (bytes, tuples)."""

    __slots__ = ("key",)

    def __init__(self, key: Any) -> None:
        self.key = key

    def __lt__(self, other: Descending) -> bool:
        return other.key < self.key

    def __gt__(self, other: Descending) -> bool:
        return self.key < other.key

    def __le__(self, other: Descending) -> bool:
        return not self.key < other.key

    def __ge__(self, other: Descending) -> bool:
        return not other.key < self.key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Descending) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"Descending({self.key!r})"


@dataclass(frozen=True, slots=True)
class ReversedType(CqlType):
    """A clustering column in DESC order: the base type with its comparison inverted. Prints as the
    base (the order shows in ``WITH CLUSTERING ORDER BY``, not in the type)."""

    base: CqlType

    def __post_init__(self) -> None:
        if isinstance(self.base, ReversedType):
            raise ValueError("a ReversedType cannot wrap another ReversedType")

    @property
    def is_reversed(self) -> bool:
        return True

    @property  # type: ignore[override]
    def allows_empty(self) -> bool:
        return self.base.allows_empty

    @property  # type: ignore[override]
    def fixed_length(self) -> int | None:
        return self.base.fixed_length

    @property  # type: ignore[override]
    def value_length_if_fixed(self) -> int | None:
        return self.base.value_length_if_fixed

    @property  # type: ignore[override]
    def protocol_code(self) -> ProtocolTypeCode:
        return self.base.protocol_code

    @property  # type: ignore[override]
    def bytes_are_canonical(self) -> bool:
        return self.base.bytes_are_canonical

    def unwrap(self) -> CqlType:
        return self.base

    @property
    def subtypes(self) -> tuple[CqlType, ...]:
        return (self.base,)

    @property
    def is_multi_cell(self) -> bool:
        return self.base.is_multi_cell

    @property
    def is_frozen(self) -> bool:
        return self.base.is_frozen

    @property
    def is_counter(self) -> bool:
        return self.base.is_counter

    @property
    def is_collection(self) -> bool:
        return self.base.is_collection

    @property
    def is_tuple(self) -> bool:
        return self.base.is_tuple

    @property
    def is_udt(self) -> bool:
        return self.base.is_udt

    @property
    def is_vector(self) -> bool:
        return self.base.is_vector

    def cql(self) -> str:
        return self.base.cql()

    def marshal_name(self) -> str:
        return f"{MARSHAL_PACKAGE}ReversedType({self.base.marshal_name()})"

    def serialize(self, value: Any) -> bytes:
        return self.base.serialize(value)

    def _serialize(self, value: Any) -> bytes:
        return self.base.serialize(value)

    def deserialize(self, data: bytes) -> Any:
        return self.base.deserialize(data)

    def _deserialize(self, data: bytes) -> Any:
        return self.base.deserialize(data)

    def validate(self, data: bytes) -> None:
        self.base.validate(data)

    def normalize(self, data: bytes) -> bytes:
        return self.base.normalize(data)

    def sort_key(self, data: bytes) -> Any:
        key = self.base.sort_key(data)
        return -key if self.base.numeric_key else Descending(key)

    def bytes_to_cql_literal(self, data: bytes | None) -> str:
        return self.base.bytes_to_cql_literal(data)

    def _cql_literal(self, data: bytes) -> str:
        return self.base.bytes_to_cql_literal(data)

    def bytes_to_json(self, data: bytes | None) -> str:
        return self.base.bytes_to_json(data)

    def _json(self, data: bytes) -> str:
        return self.base.bytes_to_json(data)

    def _from_json(self, obj: Any) -> bytes:
        return self.base._from_json(obj)

    def parse_string(self, text: str) -> bytes:
        return self.base.parse_string(text)


# ---------------------------------------------------------------------------------------------- helpers


def int32(data: bytes, offset: int) -> int:
    """The signed big-endian int32 at ``offset``."""
    return int.from_bytes(data[offset : offset + INT32], "big", signed=True)


def pack_int32(value: int) -> bytes:
    return value.to_bytes(INT32, "big", signed=True)


def hex_literal(data: bytes) -> str:
    return "0x" + data.hex()


def quote_cql(text: str) -> str:
    """A CQL string literal: single quotes, quotes inside doubled."""
    return "'" + text.replace("'", "''") + "'"


def check_marshal(condition: bool, message: Callable[[], str]) -> None:
    if not condition:
        raise MarshalException(message())


# ---------------------------------------------------------------------------------------------- vints


def encode_unsigned_vint(value: int) -> bytes:
    """Cassandra's unsigned vint (``VIntCoding.writeUnsignedVInt``): the count of leading 1 bits in the
    first byte is the count of extra bytes; the value's remaining bits follow, big-endian."""
    if value < 0x80:
        return bytes((value,))
    size = (639 - (64 - (value | 1).bit_length()) * 9) >> 6
    if size == 9:
        return b"\xff" + value.to_bytes(8, "big")
    data = bytearray(value.to_bytes(size, "big"))
    data[0] |= (0xFF << (9 - size)) & 0xFF
    return bytes(data)


def decode_unsigned_vint(data: bytes, offset: int) -> tuple[int, int]:
    """The value at ``offset`` and the offset after it; ``IndexError`` if the bytes run out."""
    first = data[offset]
    extra = 8 - (~first & 0xFF).bit_length() if first != 0xFF else 8
    if extra == 0:
        return first, offset + 1
    end = offset + 1 + extra
    if end > len(data):
        raise IndexError("truncated vint")
    value = first & (0xFF >> (extra + 1)) if extra < 8 else 0
    value = (value << (8 * extra)) | int.from_bytes(data[offset + 1 : end], "big")
    return value, end


def encode_vint(value: int) -> bytes:
    """Cassandra's signed vint: zig-zag, then unsigned vint."""
    return encode_unsigned_vint((value << 1) ^ (value >> 63))


def decode_vint(data: bytes, offset: int) -> tuple[int, int]:
    raw, end = decode_unsigned_vint(data, offset)
    return (raw >> 1) ^ -(raw & 1), end
