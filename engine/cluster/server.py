"""A node served over the native protocol: the composition of a :class:`~engine.cluster.node.Node` and
a :class:`~engine.transport.server.NativeServer`.

:class:`NodeRequestHandler` adapts the node's query processor to the transport's
:class:`~engine.transport.handler.RequestHandler`: one :class:`NodeSession` (a ``ClientState``) per
connection; protocol-level features the query processor does not know are done here: named values
(matched to the markers' names), the v5 per-query keyspace, protocol BATCH messages (children with
their own values, one server timestamp for the whole batch as Cassandra's ``BatchStatement`` uses) and
the PREPARED metadata (bind columns named after their markers, partition key indexes).

Statements run one at a time per node (``execution_lock``): the statement layer's
``ExecutionContext`` keeps per-execution warnings and the last timestamp in shared fields, and LWTs
read-then-write; the pool keeps the event loop free, the lock keeps execution correct.

:class:`NodeServer` also installs the node's ``node_state_rows`` hook, so ``system.local`` and the
peers tables describe this node (``engine.cluster.local_tables``).
"""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from engine.auth.authenticator import SaslNegotiator
from engine.auth.service import AuthService
from engine.cluster.local_tables import NodeInfo, node_state_rows
from engine.cluster.node import Node
from engine.cql import ast
from engine.cql3.query_processor import PreparedStatement
from engine.cql3.statements import batch as batch_statement
from engine.cql3.statements.base import ClientState, Prepared
from engine.cql3.statements.modification import ModificationStatement
from engine.errors import InvalidRequest, Unprepared
from engine.service.query_options import BoundValue, QueryOptions
from engine.service.results import ColumnSpec, ResultMessage
from engine.transport.frame import DEFAULT_MAX_FRAME_SIZE
from engine.transport.handler import AuthOutcome, BatchRequest, PreparedInfo
from engine.transport.server import NativeServer
from engine.transport.tls import TlsConfigurationError, server_ssl_context


def _unprepared(statement_id: bytes) -> Unprepared:
    return Unprepared(
        f"Prepared query with ID {statement_id.hex()} not found (either the query was not prepared on this "
        "host (maybe the host has been restarted?) or you have prepared too many queries and it has been "
        "evicted from the internal cache)",
        statement_id=statement_id,
    )


def _markers_mismatch(expected: int, got: int) -> InvalidRequest:
    return InvalidRequest(f"There were {expected} markers(?) in CQL but {got} bound variables")


def _pk_indexes(statement: Prepared) -> tuple[int, ...]:
    restrictions = getattr(statement, "restrictions", None)
    indexes = getattr(restrictions, "partition_key_bind_indexes", ()) or statement.partition_key_bind_indexes
    return tuple(indexes)


def _bind_columns(statement: Prepared) -> tuple[ColumnSpec, ...]:
    names = statement.bind_names or (None,) * len(statement.bind_specs)
    return tuple(
        spec if name is None else dataclasses.replace(spec, name=name)
        for spec, name in zip(statement.bind_specs, names, strict=True)
    )


def _order_named(statement: Prepared, options: QueryOptions) -> QueryOptions:
    """Values sent with names (flag 0x40) in marker order, as Cassandra's ``OptionsWithNames``:
    a marker whose name was not sent gets no value (and the count check reports it)."""
    if options.names is None:
        return options
    sent = dict(zip(options.names, options.values, strict=True))
    names = statement.bind_names or (None,) * len(statement.bind_specs)
    ordered: list[BoundValue] = []
    for spec, name in zip(statement.bind_specs, names, strict=True):
        key = name or spec.name
        if key in sent:
            ordered.append(sent[key])
    return dataclasses.replace(options, values=tuple(ordered), names=None)


class NodeRequestHandler:
    """:class:`~engine.transport.handler.RequestHandler` for one node."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.execution_lock = threading.RLock()
        self._prepared: dict[bytes, PreparedStatement] = {}
        self._prepared_lock = threading.Lock()

    def open_session(self, client_address: str) -> NodeSession:
        return NodeSession(self, client_address)

    def remember(self, prepared: PreparedStatement) -> None:
        with self._prepared_lock:
            self._prepared[prepared.id] = prepared

    def prepared(self, statement_id: bytes) -> PreparedStatement:
        with self._prepared_lock:
            found = self._prepared.get(statement_id)
        if found is None:
            raise _unprepared(statement_id)
        return found


class NodeSession:
    """One connection's :class:`~engine.transport.handler.ClientSession` on a node."""

    def __init__(self, handler: NodeRequestHandler, client_address: str) -> None:
        self.handler = handler
        self.client_address = client_address
        # "host:port" from the transport; the host is what system_traces.sessions.client names
        self.client = ClientState(address=client_address.rsplit(":", 1)[0].strip("[]"))
        self._processor = handler.node.query_processor
        self._negotiator: SaslNegotiator | None = None

    @property
    def authenticator_class(self) -> str | None:
        """What AUTHENTICATE names after STARTUP; None when the node requires no login."""
        authenticator = self._processor.auth.authenticator
        return authenticator.class_name if authenticator.requires_authentication else None

    def authenticate(self, token: bytes | None) -> AuthOutcome:
        """One SASL step (``AuthResponse.execute``): on completion the connection's user is set."""
        auth = self._processor.auth
        if self._negotiator is None:
            self._negotiator = auth.authenticator.new_sasl_negotiator()
        challenge = self._negotiator.evaluate_response(token or b"")
        if not self._negotiator.is_complete():
            return AuthOutcome(False, challenge)
        user = self._negotiator.authenticated_user()
        auth.check_can_login(user)
        self.client.user = user
        self._negotiator = None
        return AuthOutcome(True, challenge)

    def _client(self, keyspace: str | None) -> ClientState:
        """The per-query keyspace of v5 acts like a USE for that query only (same user)."""
        return dataclasses.replace(self.client, keyspace=keyspace) if keyspace is not None else self.client

    def query(self, query: str, options: QueryOptions) -> ResultMessage:
        client = self._client(options.keyspace)
        with self.handler.execution_lock:
            if options.names is not None:
                prepared = self._processor.prepare(query, client)
                options = _order_named(prepared.statement, options)
                return self._processor.execute_prepared(prepared.id, client, options)
            return self._processor.execute(query, client, options)

    def prepare(self, query: str, keyspace: str | None) -> PreparedInfo:
        with self.handler.execution_lock:
            prepared = self._processor.prepare(query, self._client(keyspace))
        self.handler.remember(prepared)
        statement = prepared.statement
        return PreparedInfo(
            prepared.id, _bind_columns(statement), _pk_indexes(statement), statement.result_columns
        )

    def execute(self, statement_id: bytes, options: QueryOptions) -> ResultMessage:
        with self.handler.execution_lock:
            if options.names is not None:
                options = _order_named(self.handler.prepared(statement_id).statement, options)
            return self._processor.execute_prepared(statement_id, self._client(options.keyspace), options)

    def batch(self, batch: BatchRequest) -> ResultMessage:
        client = self._client(batch.options.keyspace)
        with self.handler.execution_lock:
            parts = []
            last: tuple[str | bytes, ModificationStatement] | None = None
            for child in batch.children:
                if last is None or child.statement != last[0]:  # children often repeat one statement
                    last = (child.statement, self._batch_statement(child.statement, client))
                part = last[1]
                if len(part.bind_specs) != len(child.values):
                    raise _markers_mismatch(len(part.bind_specs), len(child.values))
                parts.append((part, child.values))
            batch_type = ast.BatchType[batch.type.name]
            return batch_statement.execute_protocol_batch(
                self.handler.node.context, parts, batch.options, batch_type
            )

    def _batch_statement(self, statement: str | bytes, client: ClientState) -> ModificationStatement:
        if isinstance(statement, bytes):
            prepared = self.handler.prepared(statement)
        else:
            prepared = self._processor.prepare(statement, client)
        part = prepared.statement
        if not isinstance(part, ModificationStatement):
            raise InvalidRequest(
                "Invalid statement in batch: only UPDATE, INSERT and DELETE statements are allowed."
            )
        self._processor.check_access(part, client)
        return part

    def close(self) -> None:
        pass


class NodeServer:
    """A node's native protocol endpoint; ``start()``/``stop()``, ``port`` once started."""

    def __init__(
        self,
        node: Node,
        host: str = "127.0.0.1",
        port: int = 9042,
        *,
        workers: int = 4,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
        authenticator: str | None = None,
        authorizer: str | None = None,
        ssl_certfile: str | Path | None = None,
        ssl_keyfile: str | Path | None = None,
        ssl_ca_certfile: str | Path | None = None,
        ssl_require_client_auth: bool = False,
    ) -> None:
        self.node = node
        # cassandra.yaml's client_encryption_options (engine.transport.tls): TLS when a certificate is given
        ssl_context = None
        if ssl_certfile is not None:
            ssl_context = server_ssl_context(
                ssl_certfile,
                ssl_keyfile,
                ca_certfile=ssl_ca_certfile,
                require_client_auth=ssl_require_client_auth,
            )
        elif ssl_keyfile is not None or ssl_ca_certfile is not None or ssl_require_client_auth:
            raise TlsConfigurationError("TLS options need the server certificate (ssl_certfile)")
        if authenticator is not None or authorizer is not None:
            # cassandra.yaml's authenticator/authorizer; the state lives in <data>/system_auth
            node.query_processor.install_auth(
                AuthService.create(
                    node.directory / "data" / "system_auth",
                    authenticator=authenticator or "AllowAllAuthenticator",
                    authorizer=authorizer or "AllowAllAuthorizer",
                )
            )
        self.handler = NodeRequestHandler(node)
        self.transport = NativeServer(
            self.handler,
            host,
            port,
            workers=workers,
            statement_workers=1,  # statements hold execution_lock: one thread runs them in arrival order
            max_frame_size=max_frame_size,
            name=f"{node.name}-native",
            ssl_context=ssl_context,
        )
        # the ring's view: this node's tokens from cluster.json, and every other node of the cluster as a
        # peer at its own address (127.0.0.N) on the same native port, so drivers see the whole ring
        local, peers = node.node_infos(port)
        self.info = dataclasses.replace(local, native_address=host)
        self.peers: list[NodeInfo] = peers
        self.gossip_generation = int(time.time())
        node.context.node_state_rows = self._node_state_rows

    @property
    def host(self) -> str:
        return self.transport.host

    @property
    def port(self) -> int:
        return self.transport.port

    @property
    def host_id(self) -> uuid.UUID:
        return self.info.host_id

    def _node_state_rows(self, keyspace: str, table: str) -> Iterator[dict[str, object]]:
        if keyspace == "system_auth":
            return self.node.query_processor.auth.store.rows(table)
        return node_state_rows(
            keyspace,
            table,
            local=self.info,
            peers=self.peers,
            cluster_name=self.node.query_processor.cluster_name,
            schema_version=self.node.catalog.schema.version,
            gossip_generation=self.gossip_generation,
        )

    def start(self) -> None:
        self.transport.start()
        self.info = dataclasses.replace(self.info, native_port=self.transport.port)
        self.node.views.clients = self._client_rows
        self.node.native_transport_active = True  # nodetool info's "Native Transport active"

    def _client_rows(self) -> Iterator[dict[str, object]]:
        """``system_views.clients``: this endpoint's connections."""
        for c in self.transport.connected_clients():
            user = getattr(getattr(c.session, "client", None), "user", None)
            yield {
                "address": c.address,
                "port": c.port,
                "hostname": c.address,
                "username": getattr(user, "name", None) or ("anonymous" if c.stage == "ready" else None),
                "connection_stage": c.stage,
                "protocol_version": c.protocol_version,
                "client_options": c.client_options,
                "driver_name": c.driver_name,
                "driver_version": c.driver_version,
                "request_count": c.request_count,
                "ssl_enabled": c.ssl_enabled,
                "ssl_protocol": c.ssl_protocol,
                "ssl_cipher_suite": c.ssl_cipher_suite,
            }

    def stop(self, timeout: float = 10.0) -> None:
        """Drain the endpoint (running requests finish); the node itself stays open."""
        self.transport.stop(timeout)
        if self.node.views.clients == self._client_rows:
            self.node.views.clients = None
            self.node.native_transport_active = False
        if self.node.context.node_state_rows == self._node_state_rows:
            self.node.context.node_state_rows = None

    def __enter__(self) -> NodeServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
