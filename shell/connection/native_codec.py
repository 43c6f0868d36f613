"""The native connection's messages: the few requests it sends and the responses it reads (spec §4).

Requests: STARTUP (``CQL_VERSION``), AUTH_RESPONSE (a PlainText token) and QUERY with the parameters
cassandra-driver sends for a ``SimpleStatement`` (consistency, page size, paging state, serial
consistency and a client-side timestamp, as the driver's default ``MonotonicTimestampGenerator``
gives one)::

    QUERY body:  [long string] query  [short] consistency  flags (byte; int from v5)
                 [int] page size?  [bytes] paging state?  [short] serial consistency?  [long] timestamp?

Responses: READY, AUTHENTICATE, AUTH_SUCCESS, ERROR and RESULT. A response body may start with the
tracing session id (flag 0x02), the warnings (0x08) and a custom payload (0x04), in that order.
ERROR bodies become :class:`shell.output.errors.ServerError` with the extra fields under the names
cassandra-driver gives them (consistency by value, ``write_type`` by name, ``error_code_map`` from v5),
which is what the shell's error rendering reads. RESULT rows stay serialized; their column types are
:mod:`shell.connection.native_types`.

The frame header itself is ``engine.transport.frame``'s (9 bytes: version, flags, stream, opcode, length).
"""

from __future__ import annotations

import socket
import struct
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from engine.transport.frame import Opcode
from shell.connection.native_types import NativeType, read_type
from shell.output.errors import ErrorCode, ServerError

#: consistency levels by protocol value (spec §3)
CONSISTENCY_VALUES = {
    "ANY": 0x0000,
    "ONE": 0x0001,
    "TWO": 0x0002,
    "THREE": 0x0003,
    "QUORUM": 0x0004,
    "ALL": 0x0005,
    "LOCAL_QUORUM": 0x0006,
    "EACH_QUORUM": 0x0007,
    "SERIAL": 0x0008,
    "LOCAL_SERIAL": 0x0009,
    "LOCAL_ONE": 0x000A,
}

_INT = struct.Struct(">i")
_PAGE_SIZE = 0x04
_PAGING_STATE = 0x08
_SERIAL_CONSISTENCY = 0x10
_TIMESTAMP = 0x20
_TRACING = 0x02
_CUSTOM_PAYLOAD = 0x04
_WARNINGS = 0x08
_GLOBAL_TABLES_SPEC = 0x0001
_HAS_MORE_PAGES = 0x0002
_NO_METADATA = 0x0004
_METADATA_ID = 0x0008


class ResultKind:
    VOID = 0x0001
    ROWS = 0x0002
    SET_KEYSPACE = 0x0003
    PREPARED = 0x0004
    SCHEMA_CHANGE = 0x0005


class Timestamps:
    """Client-side write timestamps in microseconds, strictly increasing (the driver's default)."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        now = int(time.time() * 1e6)
        self._last = now if now > self._last else self._last + 1
        return self._last


def _string(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack(">H", len(data)) + data


def startup_body() -> bytes:
    return struct.pack(">H", 1) + _string("CQL_VERSION") + _string("3.0.0")


def auth_response_body(username: str, password: str) -> bytes:
    token = b"\x00" + username.encode("utf-8") + b"\x00" + password.encode("utf-8")
    return struct.pack(">i", len(token)) + token


def query_body(
    statement: str,
    version: int,
    *,
    consistency: str,
    serial_consistency: str,
    fetch_size: int | None,
    paging_state: bytes | None,
    timestamp: int,
) -> bytes:
    text = statement.encode("utf-8")
    flags = _SERIAL_CONSISTENCY | _TIMESTAMP
    tail = b""
    if fetch_size:
        flags |= _PAGE_SIZE
        tail += struct.pack(">i", fetch_size)
    if paging_state:
        flags |= _PAGING_STATE
        tail += struct.pack(">i", len(paging_state)) + paging_state
    tail += struct.pack(">H", CONSISTENCY_VALUES[serial_consistency]) + struct.pack(">q", timestamp)
    flag_bytes = struct.pack(">I", flags) if version >= 5 else struct.pack(">B", flags)
    return (
        struct.pack(">i", len(text))
        + text
        + struct.pack(">H", CONSISTENCY_VALUES[consistency])
        + flag_bytes
        + tail
    )


class Reader:
    """Reads the protocol's notations ([int], [string], [bytes]...) from a body."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def take(self, count: int) -> bytes:
        start = self.at
        self.at += count
        return self.data[start : self.at]

    def byte(self) -> int:
        self.at += 1
        return self.data[self.at - 1]

    def short(self) -> int:
        return int(struct.unpack_from(">H", self.data, self._advance(2))[0])

    def int(self) -> int:
        return int(struct.unpack_from(">i", self.data, self._advance(4))[0])

    def _advance(self, count: int) -> int:
        start = self.at
        self.at += count
        return start

    def string(self) -> str:
        return self.take(self.short()).decode("utf-8")

    def string_list(self) -> list[str]:
        return [self.string() for _ in range(self.short())]

    def bytes(self) -> bytes | None:
        length = self.int()
        return None if length < 0 else self.take(length)

    def short_bytes(self) -> bytes:
        return self.take(self.short())

    def inet_address(self) -> str:
        raw = self.take(self.byte())
        return socket.inet_ntop(socket.AF_INET6 if len(raw) == 16 else socket.AF_INET, raw)


@dataclass(frozen=True)
class Column:
    keyspace: str
    table: str
    name: str
    type: NativeType


@dataclass
class Response:
    """One response: its opcode, the tracing id and warnings it carries, and what its body says."""

    opcode: int
    trace_id: uuid.UUID | None = None
    warnings: tuple[str, ...] = ()
    error: ServerError | None = None
    kind: int = 0
    new_keyspace: str | None = None
    columns: tuple[Column, ...] = ()
    rows: list[list[bytes | None]] = field(default_factory=list)
    paging_state: bytes | None = None
    prepared_id: bytes | None = None


def prepare_body(statement: str, version: int) -> bytes:
    """PREPARE: the statement ([long string]); v5 adds its flags (none: no per-query keyspace)."""
    text = statement.encode("utf-8")
    return struct.pack(">i", len(text)) + text + (struct.pack(">I", 0) if version >= 5 else b"")


def batch_body(
    kind: int,
    statement_id: bytes,
    rows: Sequence[Sequence[bytes | None]],
    version: int,
    *,
    consistency: str,
    timestamp: int,
) -> bytes:
    """BATCH of one prepared statement with each row's values (already serialized; None is null), at
    ``consistency`` with a client timestamp, as the driver sends a ``BatchStatement`` of bound statements."""
    head = b"\x01" + struct.pack(">H", len(statement_id)) + statement_id
    parts = [struct.pack(">BH", kind, len(rows))]
    pack_int = _INT.pack
    for values in rows:
        parts.append(head + struct.pack(">H", len(values)))
        for value in values:
            if value is None:
                parts.append(b"\xff\xff\xff\xff")
            else:
                parts.append(pack_int(len(value)))
                parts.append(value)
    flags = struct.pack(">I", _TIMESTAMP) if version >= 5 else struct.pack(">B", _TIMESTAMP)
    parts.append(struct.pack(">H", CONSISTENCY_VALUES[consistency]) + flags + struct.pack(">q", timestamp))
    return b"".join(parts)


def decode_response(opcode: int, flags: int, body: bytes, version: int) -> Response:
    reader = Reader(body)
    response = Response(opcode)
    if flags & _TRACING:
        response.trace_id = uuid.UUID(bytes=reader.take(16))
    if flags & _WARNINGS:
        response.warnings = tuple(reader.string_list())
    if flags & _CUSTOM_PAYLOAD:
        for _ in range(reader.short()):
            reader.string()
            reader.bytes()
    if opcode == Opcode.ERROR:
        response.error = _error(reader, version)
    elif opcode == Opcode.RESULT:
        response.kind = reader.int()
        if response.kind == ResultKind.ROWS:
            _rows(reader, response)
        elif response.kind == ResultKind.SET_KEYSPACE:
            response.new_keyspace = reader.string()
        elif response.kind == ResultKind.PREPARED:
            response.prepared_id = reader.short_bytes()
    return response


def _rows(reader: Reader, response: Response) -> None:
    flags = reader.int()
    count = reader.int()
    if flags & _HAS_MORE_PAGES:
        response.paging_state = reader.bytes()
    if flags & _METADATA_ID:
        reader.short_bytes()
    columns: list[Column] = []
    if not flags & _NO_METADATA:
        shared = (reader.string(), reader.string()) if flags & _GLOBAL_TABLES_SPEC else None
        for _ in range(count):
            keyspace, table = shared if shared is not None else (reader.string(), reader.string())
            columns.append(Column(keyspace, table, reader.string(), read_type(reader)))
    response.columns = tuple(columns)
    width = len(columns)
    response.rows = [[reader.bytes() for _ in range(width)] for _ in range(reader.int())]


def _error(reader: Reader, version: int) -> ServerError:
    code = reader.int()
    message = reader.string()
    info: dict[str, object] = {}
    if code == ErrorCode.UNAVAILABLE:
        info = {
            "consistency": reader.short(),
            "required_replicas": reader.int(),
            "alive_replicas": reader.int(),
        }
    elif code in (
        ErrorCode.READ_TIMEOUT,
        ErrorCode.WRITE_TIMEOUT,
        ErrorCode.READ_FAILURE,
        ErrorCode.WRITE_FAILURE,
    ):
        info = {
            "consistency": reader.short(),
            "received_responses": reader.int(),
            "required_responses": reader.int(),
        }
        if code in (ErrorCode.READ_FAILURE, ErrorCode.WRITE_FAILURE):
            if version >= 5:
                codes = {}
                for _ in range(reader.int()):
                    address = reader.inet_address()
                    codes[address] = reader.short()
                info["failures"] = len(codes)
                info["error_code_map"] = codes
            else:
                info["failures"] = reader.int()
                info["error_code_map"] = None
        if code in (ErrorCode.READ_TIMEOUT, ErrorCode.READ_FAILURE):
            info["data_retrieved"] = bool(reader.byte())
        else:
            info["write_type"] = reader.string()
    elif code == ErrorCode.FUNCTION_FAILURE:
        info = {"keyspace": reader.string(), "function": reader.string(), "arg_types": reader.string_list()}
    elif code == ErrorCode.ALREADY_EXISTS:
        info = {"keyspace": reader.string(), "table": reader.string()}
    return ServerError(f"0x{code:04x}", code, message, info)
