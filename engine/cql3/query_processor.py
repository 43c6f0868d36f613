"""The entry point for CQL text on a node: parse, prepare (cached by id), execute.

``QueryProcessor.execute(query, client, options)`` runs one statement; ``prepare`` returns a
:class:`PreparedStatement` whose id is the MD5 of the query text with the keyspace it was prepared in
(Cassandra's ``QueryProcessor.computeId``), cached so EXECUTE can find it. USE, TRUNCATE and BATCH are
handled here; the statement families live in ``engine.cql3.statements``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import uuid
from dataclasses import dataclass

from engine.auth.resources import AuthResource, Permission
from engine.auth.service import AuthService
from engine.cql import ast, parse_one
from engine.cql.ast import ddl
from engine.cql3 import functions, tracing_steps
from engine.cql3.statements import auth_access
from engine.cql3.statements.auth import prepare_role_statement
from engine.cql3.statements.auth_permissions import prepare_permission_statement
from engine.cql3.statements.base import ClientState, ExecutionContext, Prepared
from engine.cql3.statements.modification_prepare import prepare_modification
from engine.cql3.statements.schema_statements import prepare_schema_statement
from engine.cql3.statements.select_prepare import prepare_select
from engine.cql3.terms import BindVariables, PrepareContext
from engine.errors import InvalidRequest, Unauthorized, Unprepared
from engine.schema.metadata import Schema, TableMetadata
from engine.service.query_options import DEFAULT_OPTIONS, QueryOptions
from engine.service.results import (
    ColumnSpec,
    ResultMessage,
    Rows,
    SchemaChange,
    SchemaChangeTarget,
    SchemaChangeType,
    SetKeyspace,
    Void,
)
from engine.service.tracing import TraceState


@dataclass(frozen=True)
class PreparedStatement:
    id: bytes
    query: str
    keyspace: str | None
    statement: Prepared


class _Use(Prepared):
    def __init__(self, keyspace: str) -> None:
        self.keyspace_name = keyspace

    def execute(self, ctx: ExecutionContext, client: ClientState, options: QueryOptions) -> ResultMessage:
        if ctx.catalog.schema.keyspace(self.keyspace_name) is None:
            raise InvalidRequest(f"Keyspace '{self.keyspace_name}' does not exist")
        client.keyspace = self.keyspace_name
        return ResultMessage(SetKeyspace(self.keyspace_name))


class _Truncate(Prepared):
    def __init__(self, table: TableMetadata) -> None:
        self.table_metadata = table

    def execute(self, ctx: ExecutionContext, client: ClientState, options: QueryOptions) -> ResultMessage:
        ctx.proxy.truncate(self.table_metadata.id)
        return ResultMessage(Void())


class _Batch(Prepared):
    def __init__(self, statement: ast.BatchStatement, parts: list[Prepared]) -> None:
        self.batch = statement
        self.parts = parts

    def execute(self, ctx: ExecutionContext, client: ClientState, options: QueryOptions) -> ResultMessage:
        from engine.cql3.statements import batch

        return batch.execute(ctx, [(p, options) for p in self._statements], options, self.batch.type)

    @property
    def _statements(self) -> list:
        from engine.cql3.statements.modification import ModificationStatement

        return [p for p in self.parts if isinstance(p, ModificationStatement)]

    def validate(self) -> None:
        """Cassandra's ``BatchStatement.validate``, run when the batch is prepared."""
        from engine.cql3.statements import batch

        attributes = self.batch.attributes
        batch.validate(
            self.batch.type,
            self._statements,
            timestamp_set=attributes.timestamp is not None,
            ttl_set=attributes.ttl is not None,
        )


class _Describe(Prepared):
    """Server-side DESCRIBE (Cassandra 4.0+): rows of ``keyspace_name, type, name[, create_statement]``."""

    def __init__(self, statement: ddl.DescribeStatement, cluster_name: str) -> None:
        self.statement = statement
        self.cluster_name = cluster_name

    def execute(self, ctx: ExecutionContext, client: ClientState, options: QueryOptions) -> ResultMessage:
        from engine.schema.describe import ClusterInfo, describe
        from engine.schema.types import parse_type

        result = describe(self.statement, ctx.catalog.schema, client.keyspace, ClusterInfo(self.cluster_name))
        types = [parse_type(t, "system", lambda k, n: None) for t in result.column_types]
        columns = tuple(ColumnSpec("", "", name, t) for name, t in zip(result.columns, types, strict=True))
        rows = tuple(
            tuple(None if v is None else t.serialize(v) for t, v in zip(types, row, strict=True))
            for row in result.rows
        )
        return ResultMessage(Rows(columns, rows))


def _table_ids(statement: Prepared) -> list[uuid.UUID]:
    """The tables a prepared statement reads or writes (a batch: its statements')."""
    table = getattr(statement, "table_metadata", None)
    if table is not None:
        return [table.id]
    return [t for part in getattr(statement, "parts", ()) for t in _table_ids(part)]


class QueryProcessor:
    def __init__(self, ctx: ExecutionContext, cluster_name: str = "Test Cluster") -> None:
        self.ctx = ctx
        self.cluster_name = cluster_name
        self._prepared: dict[bytes, PreparedStatement] = {}
        self._lock = threading.Lock()
        #: authentication and authorization; AllowAll until :meth:`install_auth`
        self.auth = AuthService.allow_all()
        ctx.catalog.listeners.append(self._forget_dropped)
        ctx.can_unmask = lambda client, keyspace, table: self._has_table_permission(
            client, Permission.UNMASK, keyspace, table
        )
        ctx.can_select_masked = lambda client, keyspace, table: self._has_table_permission(
            client, Permission.SELECT_MASKED, keyspace, table
        )

    def _has_table_permission(
        self, client: ClientState, permission: Permission, keyspace: str, table: str
    ) -> bool:
        """ClientState.hasTablePermission: granted on the table or a parent; superusers have every
        permission, and without an authorizer everyone has (AllowAllAuthorizer)."""
        auth = self.auth
        if not auth.authorizer.requires_authorization:
            return True
        user = auth.effective_user(client.user)
        if user is None:
            return False
        if auth.is_super(user):
            return True
        resource = AuthResource.table(keyspace, table)
        return any(permission in auth.permissions(user, r) for r in resource.chain())

    def _forget_dropped(self, old: Schema, new: Schema) -> None:
        """Cassandra's ``removeInvalidPreparedStatements``: a statement on a dropped table (or keyspace)
        leaves the cache, so executing its id answers Unprepared and a driver prepares it again."""
        with self._lock:
            for statement_id, prepared in list(self._prepared.items()):
                if any(new.table_by_id(t) is None for t in _table_ids(prepared.statement)):
                    del self._prepared[statement_id]

    def install_auth(self, service: AuthService) -> None:
        """Run this node with ``service``'s authenticator and authorizer (``engine.auth``); its
        ``system_auth`` rows become readable where no node state hook serves them."""
        self.auth = service
        if self.ctx.node_state_rows is None:
            self.ctx.node_state_rows = lambda keyspace, table: (
                service.store.rows(table) if keyspace == "system_auth" else iter(())
            )

    def check_access(self, prepared: Prepared, client: ClientState) -> None:
        """Raise Unauthorized unless the client's user may run ``prepared`` (role and permission
        statements check themselves when they run)."""
        if self.auth.enabled:
            auth_access.check(self.auth, client.user, prepared.access)  # type: ignore[arg-type]

    # ------------------------------------------------------------------------------------ queries

    def execute(
        self, query: str, client: ClientState, options: QueryOptions = DEFAULT_OPTIONS
    ) -> ResultMessage:
        trace = self._begin_trace(client, options, "Execute CQL3 query", query)
        if trace is not None:
            trace.trace(f"Parsing {query}")
        statement = parse_one(query)
        if trace is not None:
            trace.trace("Preparing statement")
        prepared = self.prepare_statement(statement, client)
        if (len(prepared.bind_specs) != len(options.values) and options.values) or (
            prepared.bind_specs and not options.values
        ):
            raise InvalidRequest(
                f"There were {len(prepared.bind_specs)} markers(?) in CQL but {len(options.values)} bound variables"
            )
        return self._run(prepared, client, options)

    def prepare(self, query: str, client: ClientState) -> PreparedStatement:
        statement_id = hashlib.md5(((client.keyspace or "") + query).encode()).digest()
        with self._lock:
            cached = self._prepared.get(statement_id)
        if cached is not None:
            return cached
        prepared = PreparedStatement(
            statement_id, query, client.keyspace, self.prepare_statement(parse_one(query), client)
        )
        with self._lock:
            self._prepared[statement_id] = prepared
        return prepared

    def execute_prepared(
        self, statement_id: bytes, client: ClientState, options: QueryOptions
    ) -> ResultMessage:
        with self._lock:
            prepared = self._prepared.get(statement_id)
        if prepared is None:
            raise Unprepared(
                f"Prepared query with ID {statement_id.hex()} not found (either the query was not prepared on this host (maybe the host has been restarted?) or you have prepared too many queries and it has been evicted from the internal cache)",
                statement_id=statement_id,
            )
        if len(prepared.statement.bind_specs) != len(options.values):
            raise InvalidRequest(
                f"There were {len(prepared.statement.bind_specs)} markers(?) in CQL but {len(options.values)} bound variables"
            )
        self._begin_trace(client, options, "Execute CQL3 prepared query", prepared.query)
        return self._run(prepared.statement, client, options)

    def _begin_trace(
        self, client: ClientState, options: QueryOptions, request: str, query: str
    ) -> TraceState | None:
        """Open the trace of a request that asked for one (``options.tracing``), as the current one."""
        ctx = self.ctx
        ctx.trace = None
        if not options.tracing or ctx.traces is None:
            return None
        parameters = {
            "consistency_level": options.consistency.name,
            "query": query,
            "serial_consistency_level": options.serial_consistency.name,
        }
        if options.page_size is not None and options.page_size > 0:
            parameters["page_size"] = str(options.page_size)
        ctx.trace = TraceState(
            ctx.new_timeuuid(), ctx.address, 7000, client.address, request, parameters, ctx.new_timeuuid
        )
        return ctx.trace

    def _run(self, prepared: Prepared, client: ClientState, options: QueryOptions) -> ResultMessage:
        trace = self.ctx.trace if options.tracing else None
        try:
            self.check_access(prepared, client)
            self.ctx.warnings = []
            if trace is not None:
                tracing_steps.before(trace, prepared, self.ctx)
            message = prepared.execute(self.ctx, client, options)
        finally:
            if trace is not None and self.ctx.traces is not None:
                self.ctx.traces.add(trace.finish())
                self.ctx.trace = None
        if self.auth.authorizer.requires_authorization and isinstance(message.result, SchemaChange):
            self._after_schema_change(message.result, client)
        if trace is not None:
            message = dataclasses.replace(message, trace_id=trace.session_id)
        return message

    def _after_schema_change(self, change: SchemaChange, client: ClientState) -> None:
        """The creator of a keyspace or table gets every permission on it; dropping one forgets the
        grants on it (Cassandra's ``grantPermissionsToCreator`` and ``AuthSchemaChangeListener``)."""
        if change.target is SchemaChangeTarget.KEYSPACE:
            resource = AuthResource.keyspace(change.keyspace)
        elif change.target is SchemaChangeTarget.TABLE and change.name is not None:
            resource = AuthResource.table(change.keyspace, change.name)
        else:
            return
        authorizer = self.auth.authorizer
        if (
            change.change is SchemaChangeType.CREATED
            and client.user is not None
            and not client.user.is_anonymous
        ):
            authorizer.grant(resource.applicable_permissions(), resource, client.user.name)
        elif change.change is SchemaChangeType.DROPPED:
            authorizer.revoke_all_on(resource)

    # -------------------------------------------------------------------------------- preparation

    def _table(self, name: ast.QualifiedName, client: ClientState) -> TableMetadata:
        keyspace = client.keyspace_for(name.keyspace)
        schema = self.ctx.catalog.schema
        ks = schema.keyspace(keyspace)
        if ks is None:
            raise InvalidRequest(f"keyspace {keyspace} does not exist")
        table = ks.table_or_view(name.name)
        if table is None:
            raise InvalidRequest(f"table {name.name} does not exist")
        return table

    def _check_modifiable(self, table: TableMetadata, *, truncation: bool = False) -> None:
        if table.virtual:  # AbstractVirtualTable.apply / truncate
            action = "Truncation" if truncation else "Modification"
            raise InvalidRequest(f"{action} is not supported by table {table.keyspace}.{table.name}")
        # ClientState.preventSystemKSSchemaModification / the system keyspaces' write protection
        if self.ctx.catalog.is_system_keyspace(table.keyspace):
            raise Unauthorized(f"{table.keyspace} keyspace is not user-modifiable.")

    def prepare_statement(self, statement: ast.Statement, client: ClientState) -> Prepared:
        schema = self.ctx.catalog.schema
        auth_statement = prepare_role_statement(statement, self.auth) or prepare_permission_statement(
            statement, self.auth, client, schema
        )
        if auth_statement is not None:
            return auth_statement
        prepared = self._prepare_statement(statement, client)
        prepared.access = auth_access.requirements(statement, client.keyspace, schema)
        return prepared

    def _prepare_statement(self, statement: ast.Statement, client: ClientState) -> Prepared:
        schema_statement = prepare_schema_statement(statement, client)
        if schema_statement is not None:
            return schema_statement
        bind_variables = BindVariables.for_statement(statement)
        match statement:
            case ast.UseStatement(keyspace=keyspace):
                return _Use(keyspace)
            case ast.TruncateStatement(table=name):
                table = self._table(name, client)
                self._check_modifiable(table, truncation=True)
                return _Truncate(table)
            case ast.SelectStatement():
                table = self._table(statement.table, client)
                ctx = PrepareContext(table.keyspace, table.name, bind_variables, functions.resolve)
                prepared: Prepared = prepare_select(statement, table, ctx)
            case (
                ast.InsertStatement()
                | ast.InsertJsonStatement()
                | ast.UpdateStatement()
                | ast.DeleteStatement()
            ):
                table = self._table(statement.table, client)
                self._check_modifiable(table)
                ctx = PrepareContext(table.keyspace, table.name, bind_variables, functions.resolve)
                prepared = prepare_modification(statement, table, ctx)
            case ast.BatchStatement():
                parts: list[Prepared] = []
                for inner in statement.statements:
                    table = self._table(inner.table, client)
                    self._check_modifiable(table)
                    ctx = PrepareContext(table.keyspace, table.name, bind_variables, functions.resolve)
                    parts.append(prepare_modification(inner, table, ctx))
                batch = _Batch(statement, parts)
                batch.validate()
                if statement.attributes.timestamp is not None:
                    # Attributes.prepare("[batch]", "[batch]"): the batch's timestamp, for every statement.
                    from engine.cql3 import terms as terms_module
                    from engine.cql3.statements.modification import ModificationStatement
                    from engine.schema.types import NATIVE_TYPES

                    bigint = NATIVE_TYPES[ast.NativeTypeName.BIGINT]
                    ctx = PrepareContext("[batch]", "[batch]", bind_variables, functions.resolve)
                    timestamp = terms_module.prepare(
                        statement.attributes.timestamp,
                        ColumnSpec("[batch]", "[batch]", "[timestamp]", bigint),
                        ctx,
                    )
                    for part in parts:
                        assert isinstance(part, ModificationStatement)
                        part.timestamp = timestamp
                prepared = batch
            case ddl.DescribeStatement():
                return _Describe(statement, self.cluster_name)
            case ddl.CreateViewStatement():
                # Cassandra 5.0 ships with materialized_views_enabled: false; cqlkit answers as such a node.
                raise InvalidRequest("Materialized views are disabled. Enable in cassandra.yaml to use.")
            case ddl.CreateFunctionStatement() | ddl.CreateAggregateStatement():
                # Cassandra runs UDFs as Java (or JavaScript before 5.0); cqlkit has no sandbox for them and
                # answers as a Cassandra node with user_defined_functions_enabled: false does.
                raise InvalidRequest(
                    "User-defined functions are disabled in cassandra.yaml - set "
                    "user_defined_functions_enabled=true to enable"
                )
            case _:
                raise InvalidRequest(
                    f"{type(statement).__name__.removesuffix('Statement')} statements are not supported yet"
                )
        prepared.bind_specs = tuple(bind_variables.specs)
        prepared.bind_names = tuple(bind_variables.names)
        return prepared
