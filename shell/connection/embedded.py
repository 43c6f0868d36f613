"""The embedded connection: a cluster opened in this process through the ``engine`` facade.

Rows come back from the engine as the native protocol's serialized values; they are decoded here with
cassandra-driver's own type classes (looked up by each column type's Cassandra class name) and
``shell.connection.decoding``, so the values the shell formats are exactly those the remote connection
(``shell.connection.driver``) produces.
"""

from __future__ import annotations

import copy
import datetime
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import engine
from shell.completion.names import SchemaLike
from shell.connection.base import (
    DEFAULT_PROTOCOL_VERSION,
    DEFAULT_SETTINGS,
    QueryError,
    ServerInfo,
    Settings,
    TableLayout,
    TraceIncomplete,
    WriteDone,
    WriteFailure,
    full_cql_version,
)
from shell.connection.decoding import decode
from shell.output.engine_types import driver_type
from shell.output.errors import ServerError
from shell.output.result import ColumnKind, ColumnSpec, ResultPage, UserTypeSpec
from shell.output.tracing import Trace, TraceEvent

PROTOCOL_VERSION = DEFAULT_PROTOCOL_VERSION
#: the address the cluster's first node serves on under ``cqlkit serve`` (no socket is used in-process)
EMBEDDED_HOST = "127.0.0.1"
EMBEDDED_PORT = 9042
_RELEASE_VERSION = "5.0.0"
_CQL_VERSION = "3.4.7"

_KIND = {
    "partition_key": ColumnKind.PARTITION_KEY,
    "clustering": ColumnKind.CLUSTERING,
    "static": ColumnKind.STATIC,
    "regular": ColumnKind.REGULAR,
}


class EmbeddedConnection:
    def __init__(self, cluster: str | Path | None = None, keyspace: str | None = None) -> None:
        self.cluster = engine.Cluster.open(cluster)
        self.session = self.cluster.connect(keyspace)
        self._trace_ids: list[uuid.UUID] = []

    @property
    def keyspace(self) -> str | None:
        return self.session.keyspace

    def execute(self, statement: str, settings: Settings = DEFAULT_SETTINGS) -> Iterator[ResultPage]:
        """The pages of ``statement``'s result (none for statements without rows); raises QueryError.

        The serial consistency setting has no effect here (the engine's conditional statements take the
        serial level from the cluster). With TRACING ON each request is traced, as the driver asks for.
        """
        level = engine.ConsistencyLevel[settings.consistency]
        fetch_size = settings.fetch_size
        self._trace_ids = []
        try:
            result = self.session.execute(
                statement, consistency_level=level, fetch_size=fetch_size, trace=settings.tracing
            )
        except engine.CqlError as error:
            raise QueryError.from_server(server_error(error)) from None
        self._note_trace(result)
        if not result.column_specs:
            if result.warnings:  # cqlsh prints a statement's warnings whatever it returns
                yield ResultPage((), (), tuple(result.warnings))
            return
        while True:
            yield self._page(result)
            if not result.has_more_pages:
                return
            try:
                result = self.session.execute(
                    statement,
                    consistency_level=level,
                    fetch_size=fetch_size,
                    paging_state=result.paging_state,
                    trace=settings.tracing,
                )
            except engine.CqlError as error:
                raise QueryError.from_server(server_error(error)) from None
            self._note_trace(result)

    def set_keyspace(self, keyspace: str) -> None:
        try:
            self.session.set_keyspace(keyspace)
        except engine.CqlError as error:
            raise QueryError.from_server(server_error(error)) from None

    def server_info(self) -> ServerInfo:
        """Versions and cluster name from ``system.local`` when it has a row, else what a cqlkit node
        reports (Cassandra ``5.0.0``, CQL spec ``3.4.7``, the cluster's directory name)."""
        local: dict[str, object] = {}
        try:
            for page in self.execute("SELECT * FROM system.local WHERE key = 'local'"):
                if page.rows:
                    local = dict(zip([c.name for c in page.columns], page.rows[0], strict=True))
                break
        except QueryError:
            pass
        return ServerInfo(
            cluster_name=str(local.get("cluster_name") or self.cluster.directory.name),
            host=EMBEDDED_HOST,
            port=EMBEDDED_PORT,
            release_version=str(local.get("release_version") or _RELEASE_VERSION),
            cql_version=full_cql_version(str(local.get("cql_version") or _CQL_VERSION)),
        )

    def schema(self) -> SchemaLike:
        return self.session.schema  # type: ignore[return-value]

    def replicas(self, token: int, keyspace: str | None) -> Sequence[str]:
        """The embedded cluster has one node, which holds every token of every keyspace."""
        known = keyspace is not None and self.session.schema.keyspace(keyspace) is not None
        return [EMBEDDED_HOST] if known else []

    def login(self, username: str, password: str) -> None:
        """The engine has no authentication yet: every login succeeds (``AllowAllAuthenticator``)."""

    def table_layout(self, keyspace: str, table: str) -> TableLayout | None:
        ks = self.session.schema.keyspace(keyspace)
        if ks is None:
            raise QueryError(f"Keyspace {keyspace!r} not found.")
        meta = ks.tables.get(table)
        if meta is None:
            return None
        return TableLayout(
            keyspace,
            table,
            tuple(c.name for c in meta.columns),
            tuple(c.name for c in meta.partition_key),
            tuple(c.name for c in meta.primary_key),
            {c.name: driver_type(c.type) for c in meta.columns},
        )

    def write(
        self,
        query: str,
        batches: Sequence[Sequence[Sequence[bytes | None]]],
        consistency: str,
        concurrency: int,
        counter: bool = False,
    ) -> WriteDone:
        """Each batch as the remote connections send it (one row: the statement alone; more: an UNLOGGED, or
        COUNTER, batch), run by the engine in process before this returns."""
        prepared = self.session.prepare(query)
        level = engine.ConsistencyLevel[consistency]
        kind = engine.BatchType.COUNTER if counter else engine.BatchType.UNLOGGED
        failures = []
        for index, rows in enumerate(batches):
            try:
                if len(rows) == 1:
                    self.session.execute(prepared, rows[0], consistency_level=level, serialized=True)
                else:
                    self.session.execute_batch(prepared, rows, consistency_level=level, batch_type=kind)
            except engine.CqlError as error:
                failures.append(
                    WriteFailure(index, QueryError.from_server(server_error(error)), type(error).__name__)
                )
        return WriteDone(tuple(failures))

    def _note_trace(self, result: engine.ResultSet) -> None:
        if result.trace_id is not None:
            self._trace_ids.append(result.trace_id)

    @property
    def last_trace_ids(self) -> Sequence[uuid.UUID]:
        return list(self._trace_ids)

    def trace(
        self, session_id: uuid.UUID, max_wait: float, consistency: str, complete: bool = True
    ) -> Trace | None:
        """The session and events of ``system_traces``, read as the driver's ``QueryTrace`` reads them.
        In-process a traced request is stored when it completes, so the session is there at once."""
        try:
            session = self.session.execute(
                "SELECT * FROM system_traces.sessions WHERE session_id = ?", (session_id,)
            ).one()
            if session is None:
                raise TraceIncomplete(f"Trace information was not available within {max_wait:f} seconds.")
            events = self.session.execute(
                "SELECT * FROM system_traces.events WHERE session_id = ?", (session_id,)
            ).all()
        except engine.CqlError as error:
            raise QueryError.from_server(server_error(error)) from None
        return Trace(
            session_id,
            session.request,
            _naive_utc(session.started_at),
            session.coordinator,
            session.client,
            datetime.timedelta(microseconds=session.duration) if session.duration is not None else None,
            tuple(
                TraceEvent(
                    e.activity,
                    e.thread,
                    _uuid_time(e.event_id),
                    e.source,
                    datetime.timedelta(microseconds=e.source_elapsed)
                    if e.source_elapsed is not None
                    else None,
                )
                for e in events
            ),
        )

    def collect_writes(self) -> None:
        """Nothing to do: ``write`` runs the batches before it returns."""

    def fork(self) -> EmbeddedConnection:
        forked = copy.copy(self)
        forked.session = self.cluster.connect(self.keyspace)
        return forked

    def _page(self, result: engine.ResultSet) -> ResultPage:
        schema = self.session.schema
        specs = result.column_specs
        columns = []
        decoders = []
        user_types: dict[str, UserTypeSpec] = {}
        for spec in specs:
            table = schema.table(spec.keyspace, spec.table)
            column = table.column(spec.name) if table is not None else None
            kind = _KIND[column.kind.value] if column is not None else ColumnKind.NONE
            decoder = driver_type(spec.type)
            columns.append(ColumnSpec(spec.name, decoder.cql_parameterized_type(), kind))
            decoders.append(decoder)
            ks = schema.keyspace(spec.keyspace)
            for user_type in ks.types.values() if ks is not None else ():
                user_types[user_type.name] = UserTypeSpec(
                    user_type.name,
                    user_type.field_names,
                    tuple(driver_type(t).cql_parameterized_type() for t in user_type.field_types),
                )
        rows = [
            tuple(
                decode(decoder, value, PROTOCOL_VERSION) for decoder, value in zip(decoders, raw, strict=True)
            )
            for raw in result.raw_rows
        ]
        return ResultPage(tuple(columns), rows, tuple(result.warnings), result.paging_state, user_types)

    def close(self) -> None:
        self.cluster.shutdown()


def server_error(error: engine.CqlError) -> ServerError:
    """An engine error as the server error a driver would report."""
    info: dict[str, object] = {}
    for name, attribute in (
        ("consistency", "consistency"),
        ("required_replicas", "required"),
        ("alive_replicas", "alive"),
        ("required_responses", "block_for"),
        ("received_responses", "received"),
        ("keyspace", "keyspace"),
        ("table", "table"),
    ):
        if hasattr(error, attribute):
            info[name] = getattr(error, attribute)
    write_type = getattr(error, "write_type", None)
    if write_type is not None:  # the driver shows the name ('SIMPLE', 'BATCH', ...)
        info["write_type"] = write_type.value
    return ServerError(type(error).__name__, int(error.code), error.message, info)


#: 100-ns intervals between the UUID epoch (1582-10-15) and the Unix epoch
_UUID_EPOCH_OFFSET = 0x01B21DD213814000


def _uuid_time(event_id: uuid.UUID) -> datetime.datetime:
    """When a time-based UUID was made, in UTC, as the driver's ``TraceEvent.datetime`` gives it (aware,
    where the session's ``started_at`` is naive: cqlsh prints the two differently)."""
    micros = (event_id.time - _UUID_EPOCH_OFFSET) // 10
    return datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(microseconds=micros)


def _naive_utc(moment: datetime.datetime) -> datetime.datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.UTC).replace(tzinfo=None)
    return moment
