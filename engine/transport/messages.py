"""Request messages (v3/v4/v5 spec §4.1) and how their bodies decode.

:func:`decode_request` turns one frame body into a frozen message. Version differences: query and
batch flags are a [byte] before v5 and an [int] from v5, which adds the per-query keyspace (0x80) and
``now_in_seconds`` (0x100); v5 PREPARE carries flags and an optional keyspace, v5 EXECUTE the result
metadata id the client holds. A custom payload ([bytes map] first in the body, flag 0x04) is read and
ignored, as Cassandra's default query handler ignores it. Decoding errors are
:class:`~engine.errors.ProtocolError` with the field that failed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from engine.db.consistency_level import ConsistencyLevel
from engine.errors import ProtocolError
from engine.service.query_options import BoundValue, QueryOptions
from engine.transport.frame import Flag, Opcode
from engine.transport.handler import BatchChild, BatchRequest, BatchType
from engine.transport.notation import BodyReader

EVENT_TYPES = ("TOPOLOGY_CHANGE", "STATUS_CHANGE", "SCHEMA_CHANGE")
_LONG_MIN = -(2**63)


class QueryFlag(enum.IntFlag):
    VALUES = 0x01
    SKIP_METADATA = 0x02
    PAGE_SIZE = 0x04
    PAGING_STATE = 0x08
    SERIAL_CONSISTENCY = 0x10
    DEFAULT_TIMESTAMP = 0x20
    NAMES_FOR_VALUES = 0x40
    KEYSPACE = 0x80  # v5
    NOW_IN_SECONDS = 0x100  # v5


@dataclass(frozen=True, slots=True)
class Startup:
    options: dict[str, str]


@dataclass(frozen=True, slots=True)
class Options:
    pass


@dataclass(frozen=True, slots=True)
class Credentials:
    pass


@dataclass(frozen=True, slots=True)
class Query:
    query: str
    options: QueryOptions
    skip_metadata: bool = False


@dataclass(frozen=True, slots=True)
class Prepare:
    query: str
    keyspace: str | None = None


@dataclass(frozen=True, slots=True)
class Execute:
    statement_id: bytes
    options: QueryOptions
    skip_metadata: bool = False
    result_metadata_id: bytes | None = None  # v5


@dataclass(frozen=True, slots=True)
class Batch:
    request: BatchRequest


@dataclass(frozen=True, slots=True)
class Register:
    events: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AuthResponse:
    token: bytes | None


Request = Startup | Options | Credentials | Query | Prepare | Execute | Batch | Register | AuthResponse


@dataclass(frozen=True, slots=True)
class DecodedRequest:
    message: Request
    tracing: bool = False
    custom_payload: dict[str, bytes | None] = field(default_factory=dict)


def _consistency(reader: BodyReader) -> ConsistencyLevel:
    code = reader.read_consistency()
    try:
        return ConsistencyLevel.from_code(code)
    except ValueError:
        raise ProtocolError(f"Unknown code {code} for a consistency level") from None


def _flags(reader: BodyReader, version: int) -> int:
    return reader.read_int() & 0xFFFFFFFF if version >= 5 else reader.read_byte()


def _timestamp(reader: BodyReader) -> int:
    value = reader.read_long()
    if value == _LONG_MIN:
        raise ProtocolError(
            f"Out of bound timestamp, must be in [{_LONG_MIN + 1}, {2**63 - 1}] (got {value})"
        )
    return value


def _query_parameters(reader: BodyReader, version: int) -> tuple[QueryOptions, bool]:
    consistency = _consistency(reader)
    flags = QueryFlag(_flags(reader, version) & 0x1FF)
    values: tuple[BoundValue, ...] = ()
    names: tuple[str, ...] | None = None
    if QueryFlag.VALUES in flags:
        count = reader.read_short()
        if QueryFlag.NAMES_FOR_VALUES in flags:
            pairs = [(reader.read_string(), reader.read_value()) for _ in range(count)]
            names = tuple(n for n, _ in pairs)
            values = tuple(v for _, v in pairs)
        else:
            values = reader.read_values(count)
    page_size = reader.read_int() if QueryFlag.PAGE_SIZE in flags else None
    paging_state = reader.read_bytes() if QueryFlag.PAGING_STATE in flags else None
    serial = _consistency(reader) if QueryFlag.SERIAL_CONSISTENCY in flags else ConsistencyLevel.SERIAL
    timestamp = _timestamp(reader) if QueryFlag.DEFAULT_TIMESTAMP in flags else None
    keyspace = None
    now_in_seconds = None
    if version >= 5:
        if QueryFlag.KEYSPACE in flags:
            keyspace = reader.read_string()
        if QueryFlag.NOW_IN_SECONDS in flags:
            now_in_seconds = reader.read_int()
    options = QueryOptions(
        consistency=consistency,
        values=values,
        names=names,
        page_size=page_size if page_size is not None and page_size > 0 else None,
        paging_state=paging_state,
        serial_consistency=serial,
        timestamp=timestamp,
        keyspace=keyspace,
        now_in_seconds=now_in_seconds,
    )
    return options, QueryFlag.SKIP_METADATA in flags


def _startup(reader: BodyReader, version: int) -> Startup:
    return Startup(reader.read_string_map())


def _query(reader: BodyReader, version: int) -> Query:
    text = reader.read_long_string()
    options, skip = _query_parameters(reader, version)
    return Query(text, options, skip)


def _prepare(reader: BodyReader, version: int) -> Prepare:
    text = reader.read_long_string()
    keyspace = None
    if version >= 5:
        flags = reader.read_int()
        if flags & 0x01:
            keyspace = reader.read_string()
    return Prepare(text, keyspace)


def _execute(reader: BodyReader, version: int) -> Execute:
    statement_id = reader.read_short_bytes()
    metadata_id = reader.read_short_bytes() if version >= 5 else None
    options, skip = _query_parameters(reader, version)
    return Execute(statement_id, options, skip, metadata_id)


def _batch(reader: BodyReader, version: int) -> Batch:
    kind = reader.read_byte()
    try:
        batch_type = BatchType(kind)
    except ValueError:
        raise ProtocolError(f"Unknown batch type {kind}") from None
    count = reader.read_short()
    children = reader.read_prepared_children(count, BatchChild)
    for _ in range(count - len(children)):
        child_kind = reader.read_byte()
        if child_kind == 0:
            statement: str | bytes = reader.read_long_string()
        elif child_kind == 1:
            statement = reader.read_short_bytes()
        else:
            raise ProtocolError(f"Invalid query kind in BATCH messages. Must be 0 or 1 but got {child_kind}")
        values = reader.read_values(reader.read_short())
        children.append(BatchChild(statement, values))
    consistency = _consistency(reader)
    flags = QueryFlag(_flags(reader, version) & 0x1FF)
    if QueryFlag.NAMES_FOR_VALUES in flags:
        raise ProtocolError("Named values are not supported in BATCH statements")
    serial = _consistency(reader) if QueryFlag.SERIAL_CONSISTENCY in flags else ConsistencyLevel.SERIAL
    timestamp = _timestamp(reader) if QueryFlag.DEFAULT_TIMESTAMP in flags else None
    keyspace = None
    now_in_seconds = None
    if version >= 5:
        if QueryFlag.KEYSPACE in flags:
            keyspace = reader.read_string()
        if QueryFlag.NOW_IN_SECONDS in flags:
            now_in_seconds = reader.read_int()
    options = QueryOptions(
        consistency=consistency,
        serial_consistency=serial,
        timestamp=timestamp,
        keyspace=keyspace,
        now_in_seconds=now_in_seconds,
    )
    return Batch(BatchRequest(batch_type, tuple(children), options))


def _register(reader: BodyReader, version: int) -> Register:
    events = tuple(reader.read_string_list())
    for event in events:
        if event not in EVENT_TYPES:
            raise ProtocolError(
                f"Invalid value '{event}' for Event.Type (expected one of {', '.join(EVENT_TYPES)})"
            )
    return Register(events)


def _auth_response(reader: BodyReader, version: int) -> AuthResponse:
    return AuthResponse(reader.read_bytes())


def _options(reader: BodyReader, version: int) -> Options:
    return Options()


def _credentials(reader: BodyReader, version: int) -> Credentials:
    raise ProtocolError("CREDENTIALS message is only supported in protocol version 1; use AUTH_RESPONSE")


_DECODERS = {
    Opcode.STARTUP: _startup,
    Opcode.OPTIONS: _options,
    Opcode.CREDENTIALS: _credentials,
    Opcode.QUERY: _query,
    Opcode.PREPARE: _prepare,
    Opcode.EXECUTE: _execute,
    Opcode.BATCH: _batch,
    Opcode.REGISTER: _register,
    Opcode.AUTH_RESPONSE: _auth_response,
}


def decode_request(opcode: Opcode, version: int, flags: Flag, body: bytes) -> DecodedRequest:
    """The request in a (decompressed) frame body."""
    reader = BodyReader(body, opcode.name)
    payload: dict[str, bytes | None] = {}
    if Flag.CUSTOM_PAYLOAD in flags:
        if version < 4:
            raise ProtocolError("Received frame with CUSTOM_PAYLOAD flag for native protocol version < 4")
        payload = reader.read_bytes_map()
    message = _DECODERS[opcode](reader, version)
    return DecodedRequest(message, Flag.TRACING in flags, payload)
