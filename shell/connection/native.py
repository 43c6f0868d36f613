"""The native connection: one socket speaking the CQL native protocol, for a remote run of statements.

``cqlkit cqlsh HOST -e ...`` (and ``-f``, piped input) spends most of its time starting up, not running
the statement: cassandra-driver's cluster machinery (its imports, an event-loop thread, a control
connection reading ``system.local``, ``system.peers`` and the whole schema from ``system_schema``)
costs more than the statement itself. A run of statements needs none of it, so a batch-mode remote
shell opens this connection instead (docs/decisions.md): one blocking socket, STARTUP (and
PlainText authentication), then QUERY messages, one at a time.

Requests are the ones cassandra-driver sends for a ``SimpleStatement`` (``shell.connection.native_codec``:
the same consistency, paging and serial-consistency parameters, a client-side timestamp), and results
are read into the values and type texts the driver would give (``shell.connection.native_types``,
tested value by value against the driver's classes), so the shell's output does not depend on which
remote connection ran the statement. Frames are cqlkit's own codec (``engine.transport.frame``, and
``engine.transport.segment``'s checksummed segments for v5 once STARTUP is answered). The protocol
version is negotiated as the driver does it: v5, then v4 and v3 when the server refuses, unless
``--protocol-version`` fixes one. cassandra-driver is loaded only for results holding types whose
values are its classes (date, time, duration, set, map, tuple, user types, vectors).

What the driver's session adds on top is reproduced where it shows in output:

* its default retry policy (``RetryPolicy``): a read timeout is retried once when enough replicas
  answered without data; a write timeout of a batch log write is retried once; Unavailable,
  Overloaded, IsBootstrapping, Truncate and Server errors move to the next host, and with the single
  host cqlsh allows that ends as ``NoHostAvailable``, printed with the coordinator's address and
  datacenter; a request without an answer within the request timeout is ``OperationTimedOut``;
* the column roles that color headers (read from ``system_schema.columns`` per table, only when color
  is on) and the user types of the queried keyspace (from ``system_schema.types``, only for results
  that hold a user type), as the driver's schema metadata would give them;
* the keyspace after ``USE`` (from the SET_KEYSPACE result).

COPY FROM's writes go out on a second socket of the same kind (``shell.connection.native_writes``).
Everything else a shell can ask of a connection (COPY's table layout, traces, schema names
for completion, replicas, LOGIN, a SOURCE'd file's session) goes to a driver connection opened on
first use with the same options and keyspace. A connection the native client cannot set up (TLS,
``--cqlversion``, a server asking for credentials none were given for, any failure while connecting) is not
attempted or abandoned: the caller opens the driver connection, which reports failures in the driver's
words.
"""

from __future__ import annotations

import enum
import select
import socket
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from engine.transport.frame import HEADER_LENGTH, Opcode, decode_header, encode_request
from engine.transport.segment import SegmentDecoder, encode_segments
from shell.connection.base import (
    DEFAULT_SETTINGS,
    Connection,
    PendingWrite,
    QueryError,
    ServerInfo,
    Settings,
    TableLayout,
    full_cql_version,
)
from shell.connection.native_codec import (
    Response,
    ResultKind,
    Timestamps,
    auth_response_body,
    decode_response,
    query_body,
    startup_body,
)
from shell.connection.native_types import decode
from shell.connection.remote_options import DriverOptions
from shell.output.errors import Coordinator, ErrorCode, ServerError, client_timeout_message
from shell.output.result import ColumnKind, ColumnSpec, ResultPage, UserTypeSpec
from shell.output.tracing import Trace

if TYPE_CHECKING:
    from shell.completion.names import SchemaLike
    from shell.connection.native_writes import NativeWriter

#: the versions tried, newest first, when none is given (the driver's order for a Cassandra server)
VERSIONS = (5, 4, 3)
#: the first version whose frames travel in checksummed segments after STARTUP
SEGMENTED_FROM = 5
_KINDS = {
    "partition_key": ColumnKind.PARTITION_KEY,
    "clustering": ColumnKind.CLUSTERING,
    "static": ColumnKind.STATIC,
    "regular": ColumnKind.REGULAR,
}
#: the errors the driver's default retry policy sends to the next host (there is none: NoHostAvailable)
_NEXT_HOST = frozenset(
    {
        ErrorCode.OVERLOADED,
        ErrorCode.IS_BOOTSTRAPPING,
        ErrorCode.TRUNCATE_ERROR,
        ErrorCode.SERVER_ERROR,
    }
)


class Unsupported(Exception):
    """The native connection cannot serve this server or these options; use the driver connection."""


class Retry(enum.Enum):
    """What the driver's retry policy does with an error."""

    SAME_HOST = "retry"
    NEXT_HOST = "next host"
    RETHROW = "rethrow"


def retry_decision(error: ServerError, retries: int) -> Retry:
    """cassandra-driver's default ``RetryPolicy`` (cqlsh sets none), for a statement answered ``error``
    after ``retries`` retries."""
    info = error.info
    if error.code == ErrorCode.READ_TIMEOUT:
        enough = int(info.get("received_responses", 0)) >= int(info.get("required_responses", 0))  # type: ignore[call-overload]
        if retries == 0 and enough and not info.get("data_retrieved"):
            return Retry.SAME_HOST
        return Retry.RETHROW
    if error.code == ErrorCode.WRITE_TIMEOUT:
        if retries == 0 and info.get("write_type") == "BATCH_LOG":
            return Retry.SAME_HOST
        return Retry.RETHROW
    if error.code == ErrorCode.UNAVAILABLE:
        return Retry.NEXT_HOST if retries == 0 else Retry.RETHROW
    if error.code in _NEXT_HOST:
        return Retry.NEXT_HOST
    return Retry.RETHROW


class WireClosed(Exception):
    """The server closed the connection (or broke v5's framing)."""


class Wire:
    """One socket: request frames out, response frames in; v5 frames inside segments once STARTUP is
    answered. Requests go one at a time; an answer to an older stream (one that timed out) is skipped."""

    def __init__(self, sock: socket.socket, version: int) -> None:
        self.sock = sock
        self.version = version
        self.segments: SegmentDecoder | None = None
        self._frames = bytearray()
        self._stream = 0

    def start_segments(self) -> None:
        if self.version >= SEGMENTED_FROM:
            self.segments = SegmentDecoder()

    def call(self, opcode: Opcode, body: bytes, timeout: float, *, tracing: bool = False) -> Response | None:
        """Send a request; its response (None when ``timeout`` seconds pass without one)."""
        self._stream = self._stream % 32767 + 1
        frame = encode_request(self.version, 0x02 if tracing else 0, self._stream, opcode, body)
        self.sock.sendall(encode_segments([frame]) if self.segments is not None else frame)
        deadline = time.monotonic() + timeout
        while True:
            answer = self.next_frame(deadline)
            if answer is None:
                return None
            _version, flags, stream, code, _length = decode_header(answer)
            if stream == self._stream:
                return decode_response(code, flags, answer[HEADER_LENGTH:], self.version)

    def next_frame(self, deadline: float) -> bytes | None:
        """The next response frame, or None when ``deadline`` (``time.monotonic()``) passes first."""
        while True:
            frame = self._buffered_frame()
            if frame is not None:
                return frame
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(1 << 16)
            except TimeoutError:
                return None
            self._feed(data)

    def ready_frame(self) -> bytes | None:
        """The next response frame if it has arrived, without waiting for one."""
        while True:
            frame = self._buffered_frame()
            if frame is not None:
                return frame
            if not select.select([self.sock], [], [], 0)[0]:
                return None
            self._feed(self.sock.recv(1 << 16))

    def _buffered_frame(self) -> bytes | None:
        buffered = self._frames
        if len(buffered) >= HEADER_LENGTH:
            end = HEADER_LENGTH + int.from_bytes(buffered[5:9], "big")
            if len(buffered) >= end:
                frame = bytes(buffered[:end])
                del buffered[:end]
                return frame
        return None

    def _feed(self, data: bytes) -> None:
        if not data:
            raise WireClosed()
        if self.segments is None:
            self._frames += data
            return
        for payload in self.segments.feed(data):
            self._frames += payload
        if self.segments.error is not None:
            raise WireClosed()

    def close(self) -> None:
        self.sock.close()


def _open_wire(options: DriverOptions, version: int) -> Wire:
    """A connection at ``version``, started (and authenticated); Unsupported if the server refuses."""
    try:
        # an ASCII host goes to getaddrinfo as bytes: a str is IDNA-encoded first, which loads the
        # stringprep and unicodedata modules for nothing
        host = options.host.encode("ascii") if options.host.isascii() else options.host
        sock = socket.create_connection((host, options.port), timeout=options.connect_timeout)  # type: ignore[arg-type]
    except OSError as error:
        raise Unsupported(str(error)) from None
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    wire = Wire(sock, version)
    try:
        answer = wire.call(Opcode.STARTUP, startup_body(), options.connect_timeout)
        wire.start_segments()
        if answer is not None and answer.opcode == Opcode.AUTHENTICATE and options.username:
            body = auth_response_body(options.username, options.password or "")
            answer = wire.call(Opcode.AUTH_RESPONSE, body, options.connect_timeout)
            if answer is not None and answer.opcode == Opcode.AUTH_SUCCESS:
                return wire
        if answer is None or answer.opcode != Opcode.READY:
            raise Unsupported("the server did not start the connection")
    except Unsupported:
        wire.close()
        raise
    except Exception as error:  # any failure to start: the driver connection reports it in its words
        wire.close()
        raise Unsupported(str(error)) from None
    return wire


class NativeConnection:
    """A :class:`~shell.connection.base.Connection` over one socket (see the module docstring)."""

    def __init__(
        self, options: DriverOptions, keyspace: str | None = None, *, column_kinds: bool = False
    ) -> None:
        if options.ssl_options is not None or options.cql_version is not None:
            raise Unsupported("TLS and --cqlversion are the driver connection's")
        self.options = options
        self._column_kinds = column_kinds
        versions = (options.protocol_version,) if options.protocol_version else VERSIONS
        wire: Wire | None = None
        for version in versions:
            try:
                wire = _open_wire(options, version)
                break
            except Unsupported:
                if version == versions[-1]:
                    raise
        assert wire is not None
        self._wire = wire
        self._keyspace: str | None = None
        self._driver: Connection | None = None
        self._delegate = False  # after LOGIN every statement goes through the driver connection
        self._trace_ids: list[uuid.UUID] = []
        self._kinds: dict[tuple[str, str], dict[str, ColumnKind]] = {}
        self._datacenter: str | None = None
        self._timestamps = Timestamps()
        self._writer: NativeWriter | None = None  # COPY FROM's, opened by its first write
        if keyspace:
            try:
                self.set_keyspace(keyspace)
            except QueryError:
                self._wire.close()
                raise Unsupported(f"keyspace {keyspace!r}") from None

    # ------------------------------------------------------------------ statements

    @property
    def keyspace(self) -> str | None:
        if self._delegate and self._driver is not None:
            return self._driver.keyspace
        return self._keyspace

    @property
    def protocol_version(self) -> int:
        return self._wire.version

    def execute(self, statement: str, settings: Settings = DEFAULT_SETTINGS) -> Iterator[ResultPage]:
        if self._delegate:
            yield from self._driver_connection().execute(statement, settings)
            return
        self._trace_ids = []
        answer, traces = self._query(statement, settings, None)
        if answer.kind != ResultKind.ROWS:
            if answer.kind == ResultKind.SET_KEYSPACE:
                self._keyspace = answer.new_keyspace
            if answer.warnings:  # cqlsh prints a statement's warnings whatever it returns
                yield ResultPage((), (), answer.warnings)
            return
        while True:
            yield self._page(answer, traces)
            if not answer.paging_state:
                return
            answer, traces = self._query(statement, settings, answer.paging_state)

    def _query(
        self, statement: str, settings: Settings, paging_state: bytes | None
    ) -> tuple[Response, list[uuid.UUID]]:
        """The statement's response after the driver's retries, with the tracing sessions it started."""
        retries = 0
        traces: list[uuid.UUID] = []
        while True:
            body = query_body(
                statement,
                self._wire.version,
                consistency=settings.consistency,
                serial_consistency=settings.serial_consistency,
                fetch_size=settings.fetch_size,
                paging_state=paging_state,
                timestamp=self._timestamps.next(),
            )
            answer = self._call(body, tracing=settings.tracing)
            if answer.trace_id is not None:
                traces.append(answer.trace_id)
            if answer.error is None:
                self._trace_ids.extend(traces)
                return answer, traces
            decision = retry_decision(answer.error, retries)
            if decision is Retry.SAME_HOST:
                retries += 1
                continue
            coordinator = None
            if decision is Retry.NEXT_HOST:
                coordinator = Coordinator(self._endpoint, self._data_center())
            raise QueryError.from_server(answer.error, coordinator)

    def _call(self, body: bytes, *, tracing: bool = False) -> Response:
        try:
            answer = self._wire.call(Opcode.QUERY, body, self.options.request_timeout, tracing=tracing)
        except (WireClosed, OSError):
            endpoint = self._endpoint
            raise QueryError(
                "NoHostAvailable: ('Unable to complete the operation against any hosts', "
                f"{{<Host: {endpoint} {self._datacenter}>: "
                f"ConnectionShutdown('Connection to {endpoint} was closed')}})"
            ) from None
        if answer is None:
            text = client_timeout_message(self._endpoint)
            raise QueryError(text, text.partition(": ")[2])
        return answer

    @property
    def _endpoint(self) -> str:
        return f"{self.options.host}:{self.options.port}"

    def _data_center(self) -> str | None:
        if self._datacenter is None:
            found = self._rows("SELECT data_center FROM system.local")
            if found:
                self._datacenter = str(found[0][0])
        return self._datacenter

    def _decoded(self, answer: Response) -> list[tuple[object, ...]]:
        version = self._wire.version
        kinds = [column.type for column in answer.columns]
        return [
            tuple(decode(kind, value, version) for kind, value in zip(kinds, row, strict=True))
            for row in answer.rows
        ]

    def _page(self, answer: Response, traces: list[uuid.UUID]) -> ResultPage:
        columns = tuple(
            ColumnSpec(c.name, c.type.cql_parameterized_type(), self._kind(c.keyspace, c.table, c.name))
            for c in answer.columns
        )
        user_types: dict[str, UserTypeSpec] = {}
        if any(column.type.holds_user_type() for column in answer.columns):
            user_types = self._user_types(answer.columns[0].keyspace)
        return ResultPage(
            columns,
            self._decoded(answer),
            answer.warnings,
            answer.paging_state,
            user_types,
            traces[-1] if traces else None,
        )

    def _rows(self, statement: str) -> list[tuple[object, ...]]:
        body = query_body(
            statement,
            self._wire.version,
            consistency="ONE",
            serial_consistency="SERIAL",
            fetch_size=None,
            paging_state=None,
            timestamp=self._timestamps.next(),
        )
        answer = self._call(body)
        if answer.error is not None or answer.kind != ResultKind.ROWS:
            return []
        return self._decoded(answer)

    def _kind(self, keyspace: str, table: str, name: str) -> ColumnKind:
        """The column's role, as the driver's table metadata gives it; only headers' colors show it."""
        if not self._column_kinds or not keyspace or not table:
            return ColumnKind.NONE
        kinds = self._kinds.get((keyspace, table))
        if kinds is None:
            found = self._rows(
                "SELECT column_name, kind FROM system_schema.columns "
                f"WHERE keyspace_name = {_literal(keyspace)} AND table_name = {_literal(table)}"
            )
            kinds = self._kinds[(keyspace, table)] = {
                str(column): _KINDS.get(str(kind), ColumnKind.REGULAR) for column, kind in found
            }
        if not kinds:
            return ColumnKind.NONE
        return kinds.get(name, ColumnKind.NONE)

    def _user_types(self, keyspace: str | None) -> dict[str, UserTypeSpec]:
        if not keyspace:
            return {}
        found = self._rows(
            "SELECT type_name, field_names, field_types FROM system_schema.types "
            f"WHERE keyspace_name = {_literal(keyspace)}"
        )
        return {
            str(name): UserTypeSpec(str(name), tuple(names or ()), tuple(types or ()))  # type: ignore[call-overload]
            for name, names, types in found
        }

    @property
    def last_trace_ids(self) -> Sequence[uuid.UUID]:
        if self._delegate:
            return self._driver_connection().last_trace_ids
        return list(self._trace_ids)

    # ------------------------------------------------------------------ the session

    def set_keyspace(self, keyspace: str) -> None:
        if self._delegate:
            self._driver_connection().set_keyspace(keyspace)
            return
        for _ in self.execute('USE "%s"' % keyspace.replace('"', '""')):  # noqa: UP031
            pass

    def server_info(self) -> ServerInfo:
        if self._delegate:
            return self._driver_connection().server_info()
        local: dict[str, object] = {}
        for page in self.execute("SELECT * FROM system.local WHERE key = 'local'"):
            if page.rows:
                local = dict(zip([c.name for c in page.columns], page.rows[0], strict=True))
            break
        return ServerInfo(
            cluster_name=str(local.get("cluster_name")),
            host=self.options.host,
            port=self.options.port,
            release_version=str(local.get("release_version")),
            cql_version=full_cql_version(str(local.get("cql_version"))),
            protocol_version=self._wire.version,
        )

    # ------------------------------------------------------------------ the driver's part

    def _driver_connection(self) -> Connection:
        if self._driver is None:
            from shell.connection.driver import DriverConnection
            from shell.connection.target import quiet_driver_logging

            quiet_driver_logging()
            self._driver = DriverConnection(self.options, self._keyspace)
        return self._driver

    def schema(self) -> SchemaLike | None:
        return self._driver_connection().schema()

    def replicas(self, token: int, keyspace: str | None) -> Sequence[str]:
        return self._driver_connection().replicas(token, keyspace)

    def login(self, username: str, password: str) -> None:
        self._driver_connection().login(username, password)
        self._delegate = True

    def table_layout(self, keyspace: str, table: str) -> TableLayout | None:
        return self._driver_connection().table_layout(keyspace, table)

    def write(
        self,
        query: str,
        batches: Sequence[Sequence[Sequence[bytes | None]]],
        consistency: str,
        concurrency: int,
        counter: bool = False,
    ) -> PendingWrite:
        """COPY FROM's batches, pipelined on a connection of their own (``shell.connection.native_writes``)."""
        if self._delegate:
            return self._driver_connection().write(query, batches, consistency, concurrency, counter)
        if self._writer is None:
            from shell.connection.native_writes import NativeWriter  # COPY FROM only

            try:
                wire = _open_wire(self.options, self._wire.version)
            except Unsupported:
                return self._driver_connection().write(query, batches, consistency, concurrency, counter)
            self._writer = NativeWriter(wire, self._endpoint, self._data_center, self.options.request_timeout)
        return self._writer.write(query, batches, consistency, concurrency, counter)

    def trace(
        self, session_id: uuid.UUID, max_wait: float, consistency: str, complete: bool = True
    ) -> Trace | None:
        return self._driver_connection().trace(session_id, max_wait, consistency, complete)

    def collect_writes(self) -> None:
        if self._writer is not None:  # COPY's own connection (a delegated one writes through the driver)
            self._writer.collect()

    def fork(self) -> Connection:
        if self._delegate:
            return self._driver_connection().fork()
        try:
            return NativeConnection(self.options, self.keyspace, column_kinds=self._column_kinds)
        except Unsupported:
            return self._driver_connection().fork()

    def close(self) -> None:
        self._wire.close()
        if self._writer is not None:
            self._writer.close()
        if self._driver is not None:
            self._driver.close()


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
