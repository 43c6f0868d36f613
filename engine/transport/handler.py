"""What the transport needs from a node: the seam between the native protocol and statement execution.

The transport sits beside ``engine.cql3`` (it may not import it), so it states what it calls as small
protocols and the composition root (``engine.cluster.server``) adapts a node's query processor to them.
A :class:`RequestHandler` opens one :class:`ClientSession` per connection; the session owns that
connection's state (its keyspace) and runs its statements. Its methods are blocking: the server calls
them from a thread pool, and raises nothing but :class:`~engine.errors.CqlError` to mean a request-level
error (anything else is answered as a server error).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from engine.service.query_options import BoundValue, QueryOptions
from engine.service.results import ColumnSpec, ResultMessage


@dataclass(frozen=True, slots=True)
class PreparedInfo:
    """A prepared statement as the PREPARE result describes it."""

    statement_id: bytes
    bind_columns: tuple[ColumnSpec, ...]
    #: indexes of the bind markers that give the partition key, in key order (v4+), for token-aware routing
    pk_indexes: tuple[int, ...]
    #: the columns its rows will have; empty for statements that return no rows
    result_columns: tuple[ColumnSpec, ...]


class BatchType(enum.IntEnum):
    LOGGED = 0
    UNLOGGED = 1
    COUNTER = 2


class BatchChild(NamedTuple):
    """One statement of a BATCH and its values (a named tuple, not a frozen dataclass: one is made per row
    of a batch, and a tuple is made in C)."""

    #: the query text, or the id of a prepared statement
    statement: str | bytes
    values: tuple[BoundValue, ...]


@dataclass(frozen=True, slots=True)
class BatchRequest:
    type: BatchType
    children: tuple[BatchChild, ...]
    #: consistency, serial consistency, timestamp, keyspace (v5), now_in_seconds (v5); no values
    options: QueryOptions


class ClientSession(Protocol):
    """One connection's statement execution (blocking; see the module docstring)."""

    def query(self, query: str, options: QueryOptions) -> ResultMessage: ...

    def prepare(self, query: str, keyspace: str | None) -> PreparedInfo: ...

    def execute(self, statement_id: bytes, options: QueryOptions) -> ResultMessage: ...

    def batch(self, batch: BatchRequest) -> ResultMessage: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class AuthOutcome:
    """One AUTH_RESPONSE evaluated: complete (AUTH_SUCCESS with ``token``) or a challenge to send."""

    complete: bool
    token: bytes | None = None


class AuthenticatingSession(Protocol):
    """What a session offers when its node requires a login (PasswordAuthenticator)."""

    #: the authenticator class AUTHENTICATE names, or None when no login is required
    authenticator_class: str | None

    def authenticate(self, token: bytes | None) -> AuthOutcome:
        """Evaluate one SASL response; raises AuthenticationError on bad credentials."""
        ...


class RequestHandler(Protocol):
    def open_session(self, client_address: str) -> ClientSession: ...
