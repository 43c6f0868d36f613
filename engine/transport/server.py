"""The native protocol server: an asyncio TCP listener on its own thread, statements in a thread pool.

``NativeServer(handler, host, port).start()`` binds (port 0 picks a free one: see :attr:`port`) and
serves until :meth:`stop`. Each connection gets its own :class:`~engine.transport.connection.ProtocolConnection`
(protocol state) and :class:`~engine.transport.handler.ClientSession` (statement state). The event loop
only moves bytes and frames; QUERY/PREPARE/EXECUTE/BATCH run in the pool, so requests on different
streams overlap and are answered in the order they finish, as the protocol allows. A handler that runs
statements one at a time anyway (a node: ``engine.cluster.server``) gives them a pool of one thread
(``statement_workers``): with more, each request woke an idle thread that only took the interpreter lock to
wait on the handler's lock (a sixth of a served COPY FROM's CPU); logins keep the shared pool. The
statements of one read go to that pool as one work item, run one after the other, each answered as soon as
it is done: one hand-off between the threads per read instead of one per request. Answers come back to
the loop in batches (:class:`_Completions`): one wake-up for every answer ready by then.

After a schema change succeeds, every connection that REGISTERed for SCHEMA_CHANGE gets the event
(Cassandra pushes them to all registered connections, the one that made the change included);
:meth:`publish` pushes any event from any thread (topology and status changes come from the cluster).

With an ``ssl_context`` (``engine.transport.tls``) every accepted connection is TLS: the handshake runs
before the connection's protocol state exists, and a client that does not complete it within
``ssl_handshake_timeout`` (a plaintext client, a wrong CA, no client certificate when one is required) is
disconnected without a frame being read or anything being logged above debug.

Robustness: a connection's bad bytes are answered on that connection alone; an exception in a handler
is logged and answered as a server error; nothing a client sends stops the listener. :meth:`stop`
drains: it stops accepting, lets running requests finish (up to a timeout), then closes connections.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import logging
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from engine.transport.connection import Dispatch, ProtocolConnection, Reply, State
from engine.transport.dispatch import run_request
from engine.transport.events import Event, SchemaChangeEvent
from engine.transport.frame import DEFAULT_MAX_FRAME_SIZE
from engine.transport.handler import ClientSession, RequestHandler
from engine.transport.messages import AuthResponse

log = logging.getLogger(__name__)


class _Completions:
    """Answers that pool threads hand to the event loop, with one wake-up per batch of them.

    ``loop.run_in_executor`` wakes the loop once per request (a write to its self-pipe and a future
    chained across threads); under load that costs more than the frames themselves. Here a thread appends
    the answer's callback and wakes the loop only when the list was empty: the loop then runs every
    callback queued by the time it drains.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self._pending: list[Callable[[], None]] = []

    def post(self, callback: Callable[[], None]) -> None:
        with self._lock:
            wake = not self._pending
            self._pending.append(callback)
        if wake:
            # a closed loop (the server stopped) has nobody left waiting for the answer
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._drain)

    def _drain(self) -> None:
        with self._lock:
            callbacks, self._pending = self._pending, []
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("Answering a request failed")


READ_SIZE = 64 * 1024


#: Cassandra's ConnectionStage names for the connection states
_STAGES = {State.UNINITIALIZED: "established", State.AUTHENTICATION: "authenticating", State.READY: "ready"}


@dataclass(frozen=True)
class ConnectedClient:
    """One open connection (``system_views.clients``)."""

    address: str
    port: int
    stage: str  # established, authenticating, ready
    protocol_version: int | None
    client_options: dict[str, str]
    driver_name: str | None
    driver_version: str | None
    request_count: int
    ssl_enabled: bool
    ssl_protocol: str | None
    ssl_cipher_suite: str | None
    session: ClientSession


@dataclass(eq=False)
class _Client:
    protocol: ProtocolConnection
    writer: asyncio.StreamWriter
    session: ClientSession
    address: str
    tasks: set[asyncio.Future[None]] = field(default_factory=set)  # its requests in the pool
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    def write(self, data: bytes) -> None:
        if not self.writer.is_closing():
            self.writer.write(data)


class NativeServer:
    def __init__(
        self,
        handler: RequestHandler,
        host: str = "127.0.0.1",
        port: int = 9042,
        *,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
        workers: int = 4,
        statement_workers: int | None = None,
        name: str = "native-transport",
        ssl_context: ssl.SSLContext | None = None,
        ssl_handshake_timeout: float = 10.0,
    ) -> None:
        self.handler = handler
        self.host = host
        self.port = port
        self.max_frame_size = max_frame_size
        self.name = name
        self.ssl_context = ssl_context
        self.ssl_handshake_timeout = ssl_handshake_timeout
        self._workers = workers
        # statements (QUERY, PREPARE, EXECUTE, BATCH) on a pool of their own when the handler runs them one
        # at a time anyway: idle threads woken for each request would only pass the interpreter lock around
        self._statement_workers = statement_workers
        self._loop: asyncio.AbstractEventLoop | None = None
        self._completions: _Completions | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.AbstractServer | None = None
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._statements: concurrent.futures.ThreadPoolExecutor | None = None
        self._clients: set[_Client] = set()
        self._started = threading.Event()
        self._start_error: BaseException | None = None

    # ------------------------------------------------------------------------------- lifecycle

    def start(self) -> None:
        """Bind and serve on a background thread; returns once the socket listens (raises
        ``OSError`` if it cannot bind)."""
        self._executor = concurrent.futures.ThreadPoolExecutor(
            self._workers, thread_name_prefix=f"{self.name}-request"
        )
        self._statements = self._executor
        if self._statement_workers is not None:
            self._statements = concurrent.futures.ThreadPoolExecutor(
                self._statement_workers, thread_name_prefix=f"{self.name}-statement"
            )
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        self._started.wait()
        if self._start_error is not None:
            self._thread.join()
            self._executor.shutdown(wait=False)
            self._statements.shutdown(wait=False)
            raise self._start_error

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._completions = _Completions(loop)
        try:
            self._server = loop.run_until_complete(
                asyncio.start_server(
                    self._serve_client,
                    self.host,
                    self.port,
                    limit=READ_SIZE,
                    ssl=self.ssl_context,
                    # asyncio refuses a handshake timeout without TLS
                    ssl_handshake_timeout=None if self.ssl_context is None else self.ssl_handshake_timeout,
                )
            )
        except BaseException as e:
            self._start_error = e
            self._started.set()
            loop.close()
            return
        self.port = self._server.sockets[0].getsockname()[1]
        self._started.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop accepting, finish running requests (up to ``timeout`` seconds), close connections."""
        loop = self._loop
        if loop is None or self._thread is None or not self._thread.is_alive():
            return
        future = asyncio.run_coroutine_threadsafe(self._drain(timeout), loop)
        with contextlib.suppress(Exception):
            future.result(timeout + 5)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(timeout + 5)
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        if self._statements is not None:
            self._statements.shutdown(wait=True)

    async def _drain(self, timeout: float) -> None:
        assert self._server is not None
        self._server.close()
        pending = [t for c in self._clients for t in c.tasks]
        if pending:
            await asyncio.wait(pending, timeout=timeout)
        clients = list(self._clients)
        for client in clients:
            client.writer.close()
        if clients:
            await asyncio.wait([asyncio.ensure_future(c.closed.wait()) for c in clients], timeout=timeout)

    @property
    def connection_count(self) -> int:
        return len(self._clients)

    def connected_clients(self) -> list[ConnectedClient]:
        """The open connections, as ``system_views.clients`` lists them (Cassandra's ``ConnectedClient``)."""
        out = []
        for client in list(self._clients):
            host, _, port = client.address.rpartition(":")
            protocol = client.protocol
            ssl = client.writer.get_extra_info("ssl_object")
            options = protocol.startup_options
            cipher = ssl.cipher() if ssl is not None else None
            out.append(
                ConnectedClient(
                    host.strip("[]"),
                    int(port) if port.isdigit() else 0,
                    _STAGES[protocol.state],
                    protocol.version,
                    dict(options),
                    options.get("DRIVER_NAME"),
                    options.get("DRIVER_VERSION"),
                    protocol.requests,
                    ssl is not None,
                    ssl.version() if ssl is not None else None,
                    cipher[0] if cipher else None,
                    client.session,
                )
            )
        return out

    # ---------------------------------------------------------------------------------- events

    def publish(self, event: Event) -> None:
        """Push ``event`` to every connection registered for its type (callable from any thread)."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._broadcast, event)

    def _broadcast(self, event: Event) -> None:
        for client in self._clients:
            data = client.protocol.encode_event(event)
            if data is not None:
                client.write(data)

    # ----------------------------------------------------------------------------- connections

    async def _serve_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        address = f"{peer[0]}:{peer[1]}" if peer else "unknown"
        try:
            session = self.handler.open_session(address)
        except Exception:
            log.exception("Could not open a session for %s", address)
            writer.close()
            return
        authenticator = getattr(session, "authenticator_class", None)
        client = _Client(ProtocolConnection(self.max_frame_size, authenticator), writer, session, address)
        self._clients.add(client)
        try:
            await self._read_loop(client, reader)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except Exception:
            log.exception("Connection %s failed", address)
        finally:
            self._clients.discard(client)
            if client.tasks:
                await asyncio.wait(list(client.tasks))
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            try:
                session.close()
            except Exception:
                log.exception("Closing the session of %s failed", address)
            client.closed.set()

    async def _read_loop(self, client: _Client, reader: asyncio.StreamReader) -> None:
        loop = asyncio.get_running_loop()
        while True:
            data = await reader.read(READ_SIZE)
            if not data:
                return
            statements: list[Dispatch] = []  # this read's statements: one hand-off to their own pool
            for item in client.protocol.receive(data):
                if isinstance(item, Reply):
                    client.write(item.data)
                    continue
                client.protocol.requests += 1
                if self._statements is self._executor or isinstance(item.request.message, AuthResponse):
                    self._submit(loop, client, [item], self._executor)
                else:
                    statements.append(item)
            if statements:
                self._submit(loop, client, statements, self._statements)
            await client.writer.drain()
            if client.protocol.closing:
                return

    def _submit(
        self,
        loop: asyncio.AbstractEventLoop,
        client: _Client,
        items: list[Dispatch],
        pool: concurrent.futures.ThreadPoolExecutor | None,
    ) -> None:
        """Run requests in ``pool``, one after the other; each answer comes back through
        :class:`_Completions` as soon as it is ready."""
        dones = []
        for _ in items:
            done = loop.create_future()  # what closing the connection and stop() wait for
            client.tasks.add(done)
            done.add_done_callback(client.tasks.discard)
            dones.append(done)
        try:
            assert pool is not None
            pool.submit(self._work, client, items, dones)
        except RuntimeError:  # the pool is shutting down
            log.exception("Request on %s could not run", client.address)
            for done in dones:
                done.set_result(None)

    def _work(self, client: _Client, items: list[Dispatch], dones: list[asyncio.Future[None]]) -> None:
        """A pool thread: execute each request, then hand its answer to the event loop."""
        assert self._completions is not None
        for item, done in zip(items, dones, strict=True):
            outcome: tuple[object, object] | None = None
            try:
                outcome = run_request(client.session, item.stream, item.version, item.request)
            except Exception:  # run_request answers every error itself: this is a defect, logged
                log.exception("Request on %s could not run", client.address)
            self._completions.post(functools.partial(self._finish, client, outcome, done))

    def _finish(
        self, client: _Client, outcome: tuple[object, object] | None, done: asyncio.Future[None]
    ) -> None:
        """The event loop: write the answer, announce a schema change, mark the request done."""
        try:
            if outcome is not None:
                response, change = outcome
                client.write(client.protocol.encode(response))  # type: ignore[arg-type]
                if change is not None:
                    self._broadcast(SchemaChangeEvent(change))  # type: ignore[arg-type]
        finally:
            if not done.done():
                done.set_result(None)
