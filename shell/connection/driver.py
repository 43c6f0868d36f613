"""The remote connection: any Cassandra, ScyllaDB or cqlkit server, through cassandra-driver, as cqlsh connects.

Connecting follows cqlsh 6.2: one contact point and a ``WhiteListRoundRobinPolicy`` on it (the shell
talks to that host only), the connect timeout for both the control connection and the pool, protocol
negotiation from the driver's newest version unless ``--protocol-version`` fixes one, a
``PlainTextAuthProvider`` for ``-u``/``-p``, TLS options from cqlshrc for ``--ssl``, and the request
timeout as the session's default. A failure to connect raises :class:`ConnectionFailed` whose text is
the driver's exception (``('Unable to connect to any servers', {'127.0.0.1:9042':
ConnectionRefusedError(...)})``), which the command line prints after ``Connection error: ``.

Results are adapted into :class:`shell.output.result.ResultPage`. Rows are not decoded by the driver:
the session's protocol handler keeps each page's serialized values and column metadata
(``shell.connection.raw_results``), and they are decoded as the embedded connection decodes its own.
Column roles (key colors) and user types come from the driver's schema metadata.

Errors are adapted into :class:`shell.output.errors.ServerError` (code, message, the driver's info
fields) and rendered by the same code as the embedded connection's; client-side failures
(``NoHostAvailable``, ``OperationTimedOut``...) print as cqlsh prints them: ``Class: str(error)``.
"""

from __future__ import annotations

import threading
import uuid
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cassandra
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster, NoHostAvailable, ResultSet, Session
from cassandra.connection import ConnectionBusy, ConnectionException, ProtocolError
from cassandra.metadata import protect_name
from cassandra.policies import WhiteListRoundRobinPolicy
from cassandra.protocol import ErrorMessage
from cassandra.query import (
    BatchStatement,
    BatchType,
    BoundStatement,
    PreparedStatement,
    QueryTrace,
    SimpleStatement,
    TraceUnavailable,
)

from shell.connection.base import (
    DEFAULT_SETTINGS,
    PendingWrite,
    QueryError,
    ServerInfo,
    Settings,
    TableLayout,
    TraceIncomplete,
    WriteDone,
    WriteFailure,
    full_cql_version,
)
from shell.connection.raw_results import (
    RawPage,
    RawProtocolHandler,
    decode_rows,
    plain_query_error,
    raw_page,
    server_error,
)
from shell.connection.remote_options import ConnectionFailed, DriverOptions
from shell.output.errors import Coordinator
from shell.output.result import ColumnKind, ColumnSpec, ResultPage, UserTypeSpec
from shell.output.tracing import Trace, TraceEvent

#: what cqlsh catches around a statement (``CQL_ERRORS``) and prints as ``Class: message``
DRIVER_ERRORS: tuple[type[BaseException], ...] = (
    cassandra.AlreadyExists,
    cassandra.AuthenticationFailed,
    cassandra.CoordinationFailure,
    cassandra.InvalidRequest,
    cassandra.Timeout,
    cassandra.Unauthorized,
    cassandra.OperationTimedOut,
    NoHostAvailable,
    ConnectionBusy,
    ProtocolError,
    ConnectionException,
    ErrorMessage,
    TraceUnavailable,
)


class _InFlight:
    """The batches of one :meth:`DriverConnection.write`: each releases its place in the window when it
    ends (on the driver's event loop), and the last one wakes :meth:`failures`."""

    def __init__(self, count: int, window: threading.BoundedSemaphore) -> None:
        self._left = count
        self._window = window
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._failed: list[WriteFailure] = []
        if count == 0:
            self._done.set()

    def finish(self, _result: object, index: int, error: BaseException | None = None) -> None:
        with self._lock:
            if error is not None:
                self._failed.append(WriteFailure(index, query_error(error), type(error).__name__))
            self._left -= 1
            if self._left == 0:
                self._done.set()
        self._window.release()

    def fail(self, error: BaseException, index: int) -> None:
        self.finish(None, index, error)

    def failures(self) -> list[WriteFailure]:
        self._done.wait()
        return sorted(self._failed, key=lambda f: f.batch)


class DriverConnection:
    def __init__(self, options: DriverOptions, keyspace: str | None = None) -> None:
        self.options = options
        self.cluster, self.session = _connect(options, options.username, options.password, keyspace)
        self._prepared: dict[str, PreparedStatement] = {}
        self._window: threading.BoundedSemaphore | None = None
        self._trace_ids: list[uuid.UUID] = []
        self._trace_session: Session | None = None

    # ------------------------------------------------------------------ statements

    @property
    def keyspace(self) -> str | None:
        return self.session.keyspace

    @property
    def protocol_version(self) -> int:
        return int(self.cluster.protocol_version)

    def execute(self, statement: str, settings: Settings = DEFAULT_SETTINGS) -> Iterator[ResultPage]:
        query = SimpleStatement(
            statement,
            consistency_level=cassandra.ConsistencyLevel.name_to_value[settings.consistency],
            serial_consistency_level=cassandra.ConsistencyLevel.name_to_value[settings.serial_consistency],
            fetch_size=settings.fetch_size,
        )
        result = self._run(query, settings.tracing, None)
        if not result.column_names:
            warnings = result.response_future.warnings
            if warnings:  # cqlsh prints a statement's warnings whatever it returns
                yield ResultPage((), (), tuple(warnings))
            return
        while True:
            yield self._page(result)
            if not result.has_more_pages:
                return
            result = self._run(query, settings.tracing, result.paging_state)

    def _run(self, query: SimpleStatement, trace: bool, paging_state: bytes | None) -> ResultSet:
        if paging_state is None:
            self._trace_ids = []
        try:
            result = self.session.execute(query, trace=trace, paging_state=paging_state)
        except DRIVER_ERRORS as error:
            raise query_error(error) from None
        future = result.response_future
        if trace and future._query_traces:  # a server that traces nothing answers without a trace id
            self._trace_ids.extend(future.get_query_trace_ids())
        return result

    @property
    def last_trace_ids(self) -> Sequence[uuid.UUID]:
        return list(self._trace_ids)

    def trace(self, session_id: uuid.UUID, max_wait: float, consistency: str, complete: bool = True) -> Trace:
        """``system_traces`` read by the driver's ``QueryTrace`` (cqlsh's ``print_trace_session``), on a
        session of its own: the shell's session keeps rows serialized."""
        if self._trace_session is None:
            self._trace_session = self.cluster.connect()
        found = QueryTrace(session_id, self._trace_session)
        try:
            found.populate(
                max_wait=max_wait,
                wait_for_complete=complete,
                query_cl=cassandra.ConsistencyLevel.name_to_value[consistency],
            )
        except TraceUnavailable as error:
            raise TraceIncomplete(str(error)) from None
        except DRIVER_ERRORS as error:
            raise query_error(error) from None
        events = tuple(
            TraceEvent(e.description, e.thread_name, e.datetime, str(e.source), e.source_elapsed)
            for e in found.events or ()
        )
        return Trace(
            session_id,
            str(found.request_type),
            found.started_at,
            str(found.coordinator),
            str(found.client),
            found.duration,
            events,
        )

    def _page(self, result: ResultSet) -> ResultPage:
        current = result.current_rows  # the ResultSet wraps a non-iterable page in a list
        rows = (current if isinstance(current, RawPage) else current[0]).rows
        metadata = rows.column_metadata
        decoded = decode_rows(rows, self.cluster.protocol_version)
        columns = tuple(
            ColumnSpec(name, kind.cql_parameterized_type(), self._kind(ks, table, name))
            for ks, table, name, kind in metadata
        )
        future = result.response_future
        trace_ids = future.get_query_trace_ids() if future._query_traces else []
        return ResultPage(
            columns,
            decoded,
            tuple(future.warnings or ()),
            result.paging_state,
            self._user_types(metadata[0][0] if metadata else self.keyspace),
            trace_ids[-1] if trace_ids else None,
        )

    def _kind(self, keyspace: str, table: str, name: str) -> ColumnKind:
        ks = self.cluster.metadata.keyspaces.get(keyspace)
        meta = ks and (ks.tables.get(table) or ks.views.get(table))
        if not meta:
            return ColumnKind.NONE
        if any(c.name == name for c in meta.partition_key):
            return ColumnKind.PARTITION_KEY
        if any(c.name == name for c in meta.clustering_key):
            return ColumnKind.CLUSTERING
        column = meta.columns.get(name)
        if column is None:
            return ColumnKind.NONE
        return ColumnKind.STATIC if column.is_static else ColumnKind.REGULAR

    def _user_types(self, keyspace: str | None) -> dict[str, UserTypeSpec]:
        ks = self.cluster.metadata.keyspaces.get(keyspace) if keyspace else None
        if ks is None:
            return {}
        return {
            name: UserTypeSpec(name, tuple(t.field_names), tuple(t.field_types))
            for name, t in ks.user_types.items()
        }

    # ------------------------------------------------------------------ the session

    def set_keyspace(self, keyspace: str) -> None:
        try:
            self.session.set_keyspace(keyspace)
        except DRIVER_ERRORS as error:
            raise query_error(error) from None

    def server_info(self) -> ServerInfo:
        local: dict[str, object] = {}
        for page in self.execute("SELECT * FROM system.local WHERE key = 'local'"):
            if page.rows:
                local = dict(zip([c.name for c in page.columns], page.rows[0], strict=True))
            break
        return ServerInfo(
            cluster_name=str(self.cluster.metadata.cluster_name),
            host=self.options.host,
            port=self.options.port,
            release_version=str(local.get("release_version")),
            cql_version=full_cql_version(str(local.get("cql_version"))),
            protocol_version=int(self.cluster.protocol_version),
        )

    def schema(self) -> DriverSchema:
        return DriverSchema(self.cluster.metadata)

    def replicas(self, token: int, keyspace: str | None) -> Sequence[str]:
        token_map = self.cluster.metadata.token_map
        if token_map is None:
            return []
        return [host.address for host in token_map.get_replicas(keyspace, token_map.token_class(token))]

    def login(self, username: str, password: str) -> None:
        """cqlsh's LOGIN: a new connection as ``username``; the old one stays if this one fails."""
        try:
            cluster, session = _connect(self.options, username, password, self.keyspace)
        except ConnectionFailed as error:
            raise QueryError(str(error)) from None
        self.cluster.shutdown()
        self.cluster, self.session = cluster, session
        self._prepared = {}
        self._trace_session = None
        self.options.username, self.options.password = username, password

    def table_layout(self, keyspace: str, table: str) -> TableLayout | None:
        ks = self.cluster.metadata.keyspaces.get(keyspace)
        if ks is None:
            raise QueryError(f"Keyspace {keyspace!r} not found.")
        meta = ks.tables.get(table)
        if meta is None:
            return None
        # the prepared SELECT's metadata gives the driver's type classes (as cqlsh's ImportConversion)
        select = "SELECT * FROM %s.%s" % (protect_name(keyspace), protect_name(table))  # noqa: UP031
        prepared = self.session.prepare(select)
        types = {column[2]: column[3] for column in prepared.result_metadata}
        return TableLayout(
            keyspace,
            table,
            tuple(meta.columns),
            tuple(c.name for c in meta.partition_key),
            tuple(c.name for c in meta.primary_key),
            types,
        )

    def write(
        self,
        query: str,
        batches: Sequence[Sequence[Sequence[bytes | None]]],
        consistency: str,
        concurrency: int,
        counter: bool = False,
    ) -> PendingWrite:
        """Each batch an UNLOGGED (or COUNTER) batch of bound statements whose values are set already
        serialized, sent with ``execute_async``; at most ``concurrency`` batches in flight (the caller
        waits for room, which paces it), results collected by the driver's event loop while the caller
        prepares the next rows."""
        prepared = self._prepared.get(query)
        if prepared is None:
            try:
                prepared = self._prepared[query] = self.session.prepare(query)
            except DRIVER_ERRORS as error:
                failed = [
                    WriteFailure(i, query_error(error), type(error).__name__) for i in range(len(batches))
                ]
                return WriteDone(tuple(failed))
        if self._window is None:
            self._window = threading.BoundedSemaphore(max(1, concurrency))
        level = cassandra.ConsistencyLevel.name_to_value[consistency]
        kind = BatchType.COUNTER if counter else BatchType.UNLOGGED
        pending = _InFlight(len(batches), self._window)
        for index, rows in enumerate(batches):
            if len(rows) == 1:
                statement: BoundStatement | BatchStatement = _bound(prepared, rows[0], level)
            else:
                statement = BatchStatement(batch_type=kind, consistency_level=level)
                for row in rows:
                    statement.add(_bound(prepared, row, level))
            self._window.acquire()
            try:
                future = self.session.execute_async(statement)
            except DRIVER_ERRORS as error:
                pending.finish(None, index, error)
                continue
            future.add_callbacks(
                callback=pending.finish, callback_args=(index,), errback=pending.fail, errback_args=(index,)
            )
        return pending

    def collect_writes(self) -> None:
        """Nothing to do: the driver's event loop settles answers as they come."""

    def fork(self) -> DriverConnection:
        forked = object.__new__(DriverConnection)
        forked.options = self.options
        forked.cluster = self.cluster
        forked.session = _session(self.cluster, self.keyspace, self.options)
        forked._prepared = {}
        forked._window = None
        forked._trace_ids = []
        forked._trace_session = None
        return forked

    def close(self) -> None:
        self.cluster.shutdown()


def _bound(prepared: PreparedStatement, values: Sequence[bytes | None], level: int) -> BoundStatement:
    bound = BoundStatement(prepared, consistency_level=level)
    bound.values = list(values)  # already serialized (shell.copy.conversion)
    return bound


def _connect(
    options: DriverOptions, username: str | None, password: str | None, keyspace: str | None
) -> tuple[Cluster, Session]:
    kwargs: dict[str, object] = dict(options.extra)
    if options.protocol_version is not None:
        kwargs["protocol_version"] = options.protocol_version
    if options.cql_version is not None:
        kwargs["cql_version"] = options.cql_version
    with warnings.catch_warnings():
        # cqlsh's legacy Cluster arguments (no execution profiles) draw a DeprecationWarning
        warnings.simplefilter("ignore", DeprecationWarning)
        cluster = _cluster(options, username, password, kwargs)
    try:
        return cluster, _session(cluster, keyspace, options)
    except DRIVER_ERRORS as error:
        cluster.shutdown()
        raise ConnectionFailed(str(error)) from None


def _cluster(
    options: DriverOptions, username: str | None, password: str | None, kwargs: dict[str, Any]
) -> Cluster:
    return Cluster(
        contact_points=(options.host,),
        port=options.port,
        auth_provider=PlainTextAuthProvider(username=username, password=password) if username else None,
        ssl_options=dict(options.ssl_options) if options.ssl_options is not None else None,
        load_balancing_policy=WhiteListRoundRobinPolicy([options.host]),
        control_connection_timeout=options.connect_timeout,
        connect_timeout=options.connect_timeout,
        **kwargs,
    )


def _session(cluster: Cluster, keyspace: str | None, options: DriverOptions) -> Session:
    session = cluster.connect(keyspace)
    session.default_timeout = options.request_timeout
    session.row_factory = raw_page
    session.client_protocol_handler = RawProtocolHandler
    return session


def query_error(error: BaseException) -> QueryError:
    """A driver exception as the shell reports it: server errors through ``shell.output.errors``."""
    if isinstance(error, NoHostAvailable) and len(error.errors) == 1:
        ((host, inner),) = error.errors.items()
        server = server_error(inner)
        if server is not None:
            endpoint = getattr(host, "endpoint", host)
            coordinator = Coordinator(str(endpoint), getattr(host, "datacenter", None))
            return QueryError.from_server(server, coordinator)
    return plain_query_error(error)


@dataclass(frozen=True)
class _Column:
    name: str


class _TableNames:
    def __init__(self, meta: Any) -> None:
        self._meta = meta

    @property
    def columns(self) -> Sequence[_Column]:
        return [_Column(name) for name in self._meta.columns]


class _KeyspaceNames:
    def __init__(self, meta: Any) -> None:
        self._meta = meta

    @property
    def tables(self) -> Mapping[str, _TableNames]:
        return {name: _TableNames(t) for name, t in dict(self._meta.tables).items()}

    @property
    def views(self) -> Mapping[str, _TableNames]:
        return {name: _TableNames(v) for name, v in dict(self._meta.views).items()}

    @property
    def types(self) -> Mapping[str, object]:
        return dict(self._meta.user_types)


class DriverSchema:
    """The driver's schema metadata seen through ``shell.completion.names.SchemaLike``.

    The driver keeps it current: a statement that changes the schema returns only once the driver has
    read the new schema (as for cqlsh), and other clients' changes arrive as SCHEMA_CHANGE events that
    the driver applies in its own background thread. Each dict is copied (one C-level step under the
    GIL) before it is walked, so a refresh running meanwhile never breaks a completion.
    """

    def __init__(self, metadata: Any) -> None:
        self._metadata = metadata

    @property
    def keyspaces(self) -> Mapping[str, _KeyspaceNames]:
        return {name: _KeyspaceNames(ks) for name, ks in dict(self._metadata.keyspaces).items()}

    def table(self, keyspace: str, name: str) -> Any:
        ks = self._metadata.keyspaces.get(keyspace)
        return ks.tables.get(name) if ks is not None else None
