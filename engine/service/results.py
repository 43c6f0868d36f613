"""Result messages of statement execution (shared by ``engine.cql3``, which produces them, and ``engine.transport``, which encodes them), as the native protocol's RESULT kinds (v4 spec §4.2.5).

Rows carry their values serialized (the protocol's ``[bytes]``: ``None`` is null), with the CQL type of
each column, so the transport can send them as they are and the embedded API deserializes them into
Python values.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field

from engine.schema.types import CqlType


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    keyspace: str
    table: str
    name: str
    type: CqlType


class ResultKind(enum.Enum):
    VOID = 0x0001
    ROWS = 0x0002
    SET_KEYSPACE = 0x0003
    PREPARED = 0x0004
    SCHEMA_CHANGE = 0x0005


@dataclass(frozen=True, slots=True)
class Rows:
    columns: tuple[ColumnSpec, ...]
    rows: tuple[tuple[bytes | None, ...], ...]
    paging_state: bytes | None = None
    kind: ResultKind = field(default=ResultKind.ROWS, init=False)


@dataclass(frozen=True, slots=True)
class Void:
    kind: ResultKind = field(default=ResultKind.VOID, init=False)


class SchemaChangeType(enum.Enum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    DROPPED = "DROPPED"


class SchemaChangeTarget(enum.Enum):
    KEYSPACE = "KEYSPACE"
    TABLE = "TABLE"
    TYPE = "TYPE"
    FUNCTION = "FUNCTION"
    AGGREGATE = "AGGREGATE"


@dataclass(frozen=True, slots=True)
class SchemaChange:
    change: SchemaChangeType
    target: SchemaChangeTarget
    keyspace: str
    name: str | None = None
    argument_types: tuple[str, ...] = ()
    kind: ResultKind = field(default=ResultKind.SCHEMA_CHANGE, init=False)


@dataclass(frozen=True, slots=True)
class SetKeyspace:
    keyspace: str
    kind: ResultKind = field(default=ResultKind.SET_KEYSPACE, init=False)


Result = Rows | Void | SchemaChange | SetKeyspace


@dataclass(frozen=True, slots=True)
class ResultMessage:
    """A statement's result plus the warnings Cassandra attaches to the response."""

    result: Result
    warnings: tuple[str, ...] = ()
    #: the trace session of a traced request (``engine.service.tracing``)
    trace_id: uuid.UUID | None = None
