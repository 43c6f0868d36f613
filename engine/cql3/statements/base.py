"""What every executable statement sees: the node's catalog, storage proxy, clock and client state.

A statement is prepared once (``prepare``: checked against the schema, its bind markers collected) and
executed any number of times with :class:`~engine.service.query_options.QueryOptions`.
"""

from __future__ import annotations

import abc
import os
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from engine.auth.users import AuthenticatedUser
from engine.cql3.terms import BindContext
from engine.errors import InvalidRequest
from engine.locator import Topology
from engine.schema.catalog import Catalog
from engine.service.query_options import QueryOptions
from engine.service.results import ColumnSpec, ResultMessage
from engine.service.storage_proxy import StorageProxy
from engine.service.tracing import TraceState, TraceStore


@dataclass
class ClientState:
    """One connection's (or embedded session's) state: its current keyspace and, once logged in, its
    user (None before login; see ``engine.auth.service.AuthService.effective_user``)."""

    keyspace: str | None = None
    user: AuthenticatedUser | None = None
    address: str = "127.0.0.1"  # the client's address (system_traces.sessions.client)

    def keyspace_for(self, explicit: str | None) -> str:
        keyspace = explicit or self.keyspace
        if keyspace is None:
            raise InvalidRequest(
                "No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename"
            )
        return keyspace


class VirtualTables(Protocol):
    """The rows of a node's ``system_views`` tables, computed when read (``engine.probe.system_views``)."""

    def rows(self, table: str) -> Iterable[dict[str, object]]: ...


def _wall_clock_micros() -> int:
    return time.time_ns() // 1000


@dataclass
class ExecutionContext:
    catalog: Catalog
    proxy: StorageProxy
    clock_micros: Callable[[], int] = _wall_clock_micros
    new_timeuuid: Callable[[], uuid.UUID] = uuid.uuid1
    warnings: list[str] = field(default_factory=list)
    #: rows of the node-state system tables (system.local, system.peers, ...) by (keyspace, table); the
    #: node supplies it (system_schema is generated from the schema instead)
    node_state_rows: Callable[[str, str], Iterable[dict[str, object]]] | None = None
    #: the rows of ``system_views`` (None: the tables exist but are empty)
    virtual_tables: VirtualTables | None = None
    #: the cluster's nodes by datacenter and rack, which replication options are checked against (None:
    #: no check of datacenter names, no replication-factor warnings)
    topology: Topology | None = None
    num_tokens: int = 16
    #: where traced requests are kept (``engine.service.tracing``; None: tracing is off), this node's
    #: address as a trace names it, and the trace of the request running now
    traces: TraceStore | None = None
    address: str = "127.0.0.1"
    trace: TraceState | None = None
    #: cassandra.yaml's ``dynamic_data_masking_enabled`` (off by default, as in Cassandra 5.0): whether
    #: CREATE/ALTER TABLE may declare column masks; the ``CQLKIT_DYNAMIC_DATA_MASKING_ENABLED``
    #: environment variable (``true``) turns it on for the nodes a process opens (docs/compatibility.md)
    dynamic_data_masking_enabled: bool = field(
        default_factory=lambda: os.environ.get("CQLKIT_DYNAMIC_DATA_MASKING_ENABLED", "").lower() == "true"
    )
    #: whether a user may read a table's masked columns unmasked (UNMASK), and filter on them
    #: (UNMASK or SELECT_MASKED): set by the query processor from its authorizer; None: everyone may
    can_unmask: Callable[[ClientState, str, str], bool] | None = None
    can_select_masked: Callable[[ClientState, str, str], bool] | None = None
    _last_timestamp: int = 0

    def next_timestamp(self) -> int:
        """A server-side write timestamp: the clock in µs, strictly increasing (Cassandra's
        ``ClientState.getTimestamp`` keeps them unique per node)."""
        now = self.clock_micros()
        if now <= self._last_timestamp:
            now = self._last_timestamp + 1
        self._last_timestamp = now
        return now

    def bind_context(self, options: QueryOptions) -> BindContext:
        now = self.clock_micros()
        seconds = options.now_in_seconds if options.now_in_seconds is not None else now // 1_000_000
        return BindContext(options, now, seconds, self.new_timeuuid)


class Prepared(abc.ABC):
    """An executable statement."""

    bind_specs: tuple[ColumnSpec, ...] = ()
    bind_names: tuple[str | None, ...] = ()
    result_columns: tuple[ColumnSpec, ...] = ()
    #: the table a statement is about, for the protocol's result metadata and partition-key indexes
    keyspace: str | None = None
    table: str | None = None
    partition_key_bind_indexes: tuple[int, ...] = ()
    #: what running it needs (``engine.cql3.statements.auth_access.requirements``), set when prepared
    access: tuple[object, ...] = ()

    @abc.abstractmethod
    def execute(self, ctx: ExecutionContext, client: ClientState, options: QueryOptions) -> ResultMessage: ...
