"""What the shell needs of a connection, whichever kind it is (embedded engine or cassandra-driver).

The statement runner (``shell.batch``), the special commands and completion talk to a :class:`Connection`
only. Each kind adapts its own results into :class:`shell.output.result.ResultPage` and its own errors
into :class:`QueryError`, whose text is what cqlsh prints for the failure, so rendering never knows which
connection produced it.

A statement runs with the session settings the shell keeps (:class:`Settings`: consistency, serial
consistency, page size, tracing); the first page comes back from :meth:`Connection.execute` and later
pages are fetched lazily as the caller iterates.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from shell.output.colors import Ansi
from shell.output.errors import Coordinator, ServerError, error_message
from shell.output.result import ResultPage
from shell.output.tracing import Trace

if TYPE_CHECKING:
    from shell.completion.names import SchemaLike

CQLSH_VERSION = "6.2.0"
#: the protocol version the embedded connection speaks (what ``cqlkit serve`` offers first)
DEFAULT_PROTOCOL_VERSION = 5


class TraceIncomplete(Exception):
    """A trace session still running after the wait (cqlsh's ``TraceUnavailable``)."""


class QueryError(Exception):
    """A statement failed. ``text`` is cqlsh's line for it (``InvalidRequest: Error from server: ...``);
    ``message`` is the bare server message, which is all cqlsh prints for a failed DESCRIBE."""

    def __init__(self, text: str, message: str | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.message = text if message is None else message

    @classmethod
    def from_server(cls, error: ServerError, coordinator: Coordinator | None = None) -> QueryError:
        return cls(error_message(error, coordinator=coordinator), error.message)


@dataclass(frozen=True)
class Settings:
    """The session settings every statement runs with (cqlsh's CONSISTENCY, SERIAL CONSISTENCY, PAGING,
    TRACING); ``fetch_size`` None fetches the whole result in one page."""

    consistency: str = "ONE"
    serial_consistency: str = "SERIAL"
    fetch_size: int | None = 100
    tracing: bool = False


@dataclass(frozen=True)
class ServerInfo:
    """What the banner, ``SHOW VERSION`` and ``SHOW HOST`` print."""

    cluster_name: str
    host: str
    port: int
    release_version: str
    cql_version: str
    protocol_version: int = DEFAULT_PROTOCOL_VERSION

    def version_line(self) -> str:
        return (
            f"[cqlsh {CQLSH_VERSION} | Cassandra {self.release_version} | CQL spec {self.cql_version} | "
            f"Native protocol v{self.protocol_version}]"
        )

    def host_line(self, color: bool) -> str:
        name = f"{Ansi.BLUE}{self.cluster_name}{Ansi.RESET}" if color else self.cluster_name
        return f"Connected to {name} at {self.host}:{self.port}"


def full_cql_version(version: str) -> str:
    """cqlsh's ``full_cql_version``: pad to three parts (``3.4`` -> ``3.4.0``)."""
    while version.count(".") < 2:
        version += ".0"
    return version


DEFAULT_SETTINGS = Settings()


@dataclass(frozen=True)
class TableLayout:
    """What COPY needs of a table: its columns in schema order (partition key, clustering, then the rest
    by name: cqlsh's default column list), its keys, and each column's cassandra-driver type class (which
    parses and serializes COPY's values on either connection)."""

    keyspace: str
    name: str
    columns: tuple[str, ...]
    partition_key: tuple[str, ...]
    primary_key: tuple[str, ...]
    types: Mapping[str, type]

    @property
    def is_counter(self) -> bool:
        return any(t.typename == "counter" for t in self.types.values())  # type: ignore[attr-defined]


@dataclass(frozen=True)
class WriteFailure:
    """One batch of :meth:`Connection.write` that failed, by its index, with the error."""

    batch: int
    error: QueryError
    name: str  # the driver exception's class name, as COPY reports it


class PendingWrite(Protocol):
    """Writes under way (:meth:`Connection.write`); :meth:`failures` waits for the last of them."""

    def failures(self) -> list[WriteFailure]: ...


@dataclass(frozen=True)
class WriteDone:
    """Writes already finished (a connection that writes synchronously)."""

    failed: tuple[WriteFailure, ...] = ()

    def failures(self) -> list[WriteFailure]:
        return list(self.failed)


class Connection(Protocol):
    """One session with a cluster, as the shell uses it."""

    @property
    def keyspace(self) -> str | None:
        """The current keyspace (after ``USE`` or ``-k``), or None."""

    def execute(self, statement: str, settings: Settings = ...) -> Iterator[ResultPage]:
        """The pages of ``statement``'s result (none for a statement without rows); raises QueryError."""

    def set_keyspace(self, keyspace: str) -> None:
        """``USE keyspace``; raises QueryError."""

    def server_info(self) -> ServerInfo: ...

    def schema(self) -> SchemaLike | None:
        """The schema's names (keyspaces, tables, columns, types) for completion and COPY."""

    def replicas(self, token: int, keyspace: str | None) -> Sequence[str]:
        """The addresses of the replicas of ``token`` in ``keyspace`` (``SHOW REPLICAS``)."""

    def login(self, username: str, password: str) -> None:
        """Authenticate again as ``username`` (``LOGIN``); raises QueryError and keeps the old login."""

    def table_layout(self, keyspace: str, table: str) -> TableLayout | None:
        """The table's layout, None if the keyspace has no such table; QueryError if no such keyspace."""

    def write(
        self,
        query: str,
        batches: Sequence[Sequence[Sequence[bytes | None]]],
        consistency: str,
        concurrency: int,
        counter: bool = False,
    ) -> PendingWrite:
        """Start running the prepared ``query`` once per row, rows grouped in unlogged (counter: counter)
        batches, values already serialized, up to ``concurrency`` batches in flight across calls; returns
        at once when the connection can write in the background (the caller prepares more rows
        meanwhile), and the pending writes tell the failed batches."""

    @property
    def last_trace_ids(self) -> Sequence[uuid.UUID]:
        """The trace sessions the server started for the last statement (TRACING ON)."""

    def trace(
        self, session_id: uuid.UUID, max_wait: float, consistency: str, complete: bool = True
    ) -> Trace | None:
        """The trace of ``session_id``; None if the server has none; raises TraceIncomplete when the
        session did not finish within ``max_wait`` seconds (and ``complete`` is asked for)."""

    def collect_writes(self) -> None:
        """Settle the answers to ``write``'s batches that have arrived, without waiting, so that batches
        waiting for room go out (a connection whose answers are handled in the background does nothing)."""

    def fork(self) -> Connection:
        """A second session on the same cluster, in the same keyspace (a ``SOURCE``d file's sub-shell)."""

    def close(self) -> None: ...
