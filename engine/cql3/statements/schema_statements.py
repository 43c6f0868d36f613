"""Schema statements: CREATE/ALTER/DROP KEYSPACE and TABLE (types and indexes: ``schema_objects``).

Each statement is a schema transformation (Cassandra's ``AlterSchemaStatement.apply``): a pure function
from the current :class:`~engine.schema.metadata.Schema` to the next, raising Cassandra's error when the
change is invalid; the catalog applies it atomically and the node opens or drops table stores. The
result is a SCHEMA_CHANGE message, or VOID when ``IF [NOT] EXISTS`` made it a no-op.

Before the transformation come the statement's permission check (``ClientState``'s protection of the
system keyspaces: ``Unauthorized``) and ``AlterSchemaStatement.execute``'s checks of the keyspace name.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from types import MappingProxyType

from engine.cql import ast
from engine.cql.ast import ddl
from engine.cql3 import masking, properties
from engine.cql3.relations import references_duration
from engine.cql3.statements.base import ClientState, ExecutionContext, Prepared
from engine.errors import AlreadyExists, ConfigurationException, InvalidRequest, Unauthorized
from engine.locator import validate_options
from engine.schema.metadata import (
    ClusteringOrder,
    ColumnKind,
    ColumnMask,
    ColumnMetadata,
    DroppedColumn,
    KeyspaceMetadata,
    ReplicationParams,
    Schema,
    TableMetadata,
)
from engine.schema.system_tables import (
    LOCAL_SYSTEM_KEYSPACE_NAMES,
    REPLICATED_SYSTEM_KEYSPACE_NAMES,
    VIRTUAL_SYSTEM_KEYSPACE_NAMES,
)
from engine.schema.types import CqlType, resolve_type
from engine.service.query_options import QueryOptions
from engine.service.results import ResultMessage, SchemaChange, SchemaChangeTarget, SchemaChangeType, Void

_NAME = re.compile(r"\w+\Z", re.ASCII)
NAME_LENGTH = 48

CREATED, UPDATED, DROPPED = SchemaChangeType.CREATED, SchemaChangeType.UPDATED, SchemaChangeType.DROPPED


class Noop(Exception):
    """The change does nothing (IF [NOT] EXISTS); the statement returns VOID."""


def valid_name(name: str) -> bool:
    """SchemaConstants.isValidName."""
    return bool(name) and len(name) <= NAME_LENGTH and bool(_NAME.match(name))


def keyspace_or_fail(schema: Schema, name: str) -> KeyspaceMetadata:
    ks = schema.keyspace(name)
    if ks is None:
        raise InvalidRequest(f"Keyspace '{name}' doesn't exist")
    return ks


def user_types(schema: Schema):
    return lambda keyspace, name: schema.user_type(keyspace, name)


def column_type(ref: ast.TypeRef, keyspace: str, schema: Schema) -> CqlType:
    return resolve_type(ref, keyspace, user_types(schema))


@dataclass
class SchemaStatement(Prepared):
    """A schema change: ``transform`` computes the next schema and the change to report."""

    statement: ast.Statement
    keyspace_name: str

    #: the permission the statement needs and on what (``authorize``): None (all keyspaces), "keyspace",
    #: "all tables" or "table" — for ClientState.preventSystemKSSchemaModification
    permission = ("CREATE", None)

    def transform(self, schema: Schema, ctx: ExecutionContext) -> tuple[Schema, SchemaChange]:
        raise NotImplementedError(type(self.statement).__name__)

    def table_name(self) -> str | None:
        return None

    def authorize(self) -> None:
        """ClientState.preventSystemKSSchemaModification: no DDL in the local system keyspaces; in the
        replicated ones only ALTER KEYSPACE (and DROP of legacy auth tables, which cqlkit does not have)."""
        permission, level = self.permission
        keyspace = self.keyspace_name
        if level is None:
            return
        if keyspace in LOCAL_SYSTEM_KEYSPACE_NAMES:
            raise Unauthorized(f"{keyspace} keyspace is not user-modifiable.")
        if keyspace in REPLICATED_SYSTEM_KEYSPACE_NAMES:
            if permission == "ALTER" and level == "keyspace":
                return
            resource = {
                "keyspace": f"<keyspace {keyspace}>",
                "all tables": f"<all tables in {keyspace}>",
                "table": f"<table {keyspace}.{self.table_name()}>",
            }[level]
            raise Unauthorized(f"Cannot {permission} {resource}")

    def execute(self, ctx: ExecutionContext, client: ClientState, options: QueryOptions) -> ResultMessage:
        self.authorize()
        keyspace = self.keyspace_name
        # AlterSchemaStatement.execute
        if keyspace in LOCAL_SYSTEM_KEYSPACE_NAMES:
            raise InvalidRequest(f"System keyspace '{keyspace}' is not user-modifiable")
        if keyspace in VIRTUAL_SYSTEM_KEYSPACE_NAMES:
            raise InvalidRequest(f"Virtual keyspace '{keyspace}' is not user-modifiable")
        if not valid_name(keyspace):
            raise InvalidRequest(
                f"Keyspace name must not be empty, more than {NAME_LENGTH} characters long, or contain "
                f"non-alphanumeric-underscore characters (got '{keyspace}')"
            )
        changes: list[SchemaChange] = []

        def change(schema: Schema) -> Schema:
            try:
                new, event = self.transform(schema, ctx)
            except Noop:
                return schema
            changes.append(event)
            return new

        ctx.catalog.apply(change)
        if not changes:
            return ResultMessage(Void(), tuple(ctx.warnings))
        return ResultMessage(changes[0], tuple(ctx.warnings))


# ------------------------------------------------------------------------------------- keyspaces


def _keyspace_options(found: dict[str, object]) -> dict[str, str] | None:
    """KeyspaceAttributes.validate: a replication map names its class."""
    if "replication" not in found:
        return None
    options = properties._as_map("replication", found["replication"])
    if options and "class" not in options:
        raise ConfigurationException("Missing replication strategy class")
    return options


def _replication(
    options: dict[str, str], keyspace: str, ctx: ExecutionContext, previous: dict[str, str] | None = None
) -> ReplicationParams:
    """The keyspace's replication: the options' own checks (``properties.replication``), then, on a node
    that knows its cluster's topology, the strategy's (``engine.locator.validate_options``: datacenter
    names, NetworkTopologyStrategy's ``replication_factor`` expansion) and its warnings, such as a
    replication factor higher than the number of nodes."""
    replication = properties.replication(options, keyspace, previous)
    if ctx.topology is None:
        return replication
    requested = {k: v for k, v in options.items() if k != "class"}
    validated = validate_options(
        replication.strategy_class,
        requested,
        keyspace,
        ctx.topology,
        default_rf=int(properties.DEFAULT_KEYSPACE_RF),
        previous_options=previous,
        num_tokens=ctx.num_tokens,
    )
    ctx.warnings.extend(w for w in validated.warnings if w not in ctx.warnings)
    return validated.as_params()


class CreateKeyspace(SchemaStatement):
    permission = ("CREATE", None)

    def transform(self, schema: Schema, ctx: ExecutionContext) -> tuple[Schema, SchemaChange]:
        st = self.statement
        assert isinstance(st, ddl.CreateKeyspaceStatement)
        found = properties.collect(st.properties, properties.KEYSPACE_PROPERTIES)
        options = _keyspace_options(found)
        if options is None:
            raise InvalidRequest("Missing mandatory option 'replication'")
        if schema.keyspace(st.keyspace) is not None:
            if st.if_not_exists:
                raise Noop
            raise AlreadyExists.for_keyspace(st.keyspace)
        durable = (
            properties._boolean("durable_writes", found["durable_writes"])
            if "durable_writes" in found
            else True
        )
        replication = _replication(options, st.keyspace, ctx)
        ks = KeyspaceMetadata(st.keyspace, replication, durable)
        return schema.with_keyspace(ks), SchemaChange(CREATED, SchemaChangeTarget.KEYSPACE, st.keyspace)


class AlterKeyspace(SchemaStatement):
    permission = ("ALTER", "keyspace")

    def transform(self, schema: Schema, ctx: ExecutionContext) -> tuple[Schema, SchemaChange]:
        st = self.statement
        assert isinstance(st, ddl.AlterKeyspaceStatement)
        found = properties.collect(st.properties, properties.KEYSPACE_PROPERTIES)
        options = _keyspace_options(found)
        ks = schema.keyspace(st.keyspace)
        if ks is None:
            if st.if_exists:
                raise Noop
            raise InvalidRequest(f"Keyspace '{st.keyspace}' doesn't exist")
        if "durable_writes" in found:
            ks = replace(ks, durable_writes=properties._boolean("durable_writes", found["durable_writes"]))
        if options:  # KeyspaceAttributes.asAlteredKeyspaceParams: without a class, the replication stays
            previous = dict(ks.replication.options)
            ks = replace(ks, replication=_replication(options, st.keyspace, ctx, previous))
        return schema.with_keyspace(ks), SchemaChange(UPDATED, SchemaChangeTarget.KEYSPACE, st.keyspace)


class DropKeyspace(SchemaStatement):
    permission = ("DROP", "keyspace")

    def transform(self, schema: Schema, ctx: ExecutionContext) -> tuple[Schema, SchemaChange]:
        st = self.statement
        assert isinstance(st, ddl.DropKeyspaceStatement)
        if schema.keyspace(st.keyspace) is None:
            if st.if_exists:
                raise Noop
            raise InvalidRequest(f"Keyspace '{st.keyspace}' doesn't exist")
        return schema.without_keyspace(st.keyspace), SchemaChange(
            DROPPED, SchemaChangeTarget.KEYSPACE, st.keyspace
        )


# ---------------------------------------------------------------------------------------- tables


class CreateTable(SchemaStatement):
    permission = ("CREATE", "all tables")

    def transform(self, schema: Schema, ctx: ExecutionContext) -> tuple[Schema, SchemaChange]:
        st = self.statement
        assert isinstance(st, ddl.CreateTableStatement)
        keyspace = self.keyspace_name
        name = st.table.name
        # ColumnProperties.Raw.validate, before anything else of the statement
        if any(d.mask is not None for d in st.columns) and not ctx.dynamic_data_masking_enabled:
            raise InvalidRequest(masking.DISABLED_ERROR_MESSAGE)
        ks = keyspace_or_fail(schema, keyspace)
        if ks.table_or_view(name) is not None:
            if st.if_not_exists:
                raise Noop
            raise AlreadyExists.for_table(keyspace, name)
        table = build_table(st, keyspace, schema)
        return (
            schema.with_keyspace(ks.with_table(table)),
            SchemaChange(CREATED, SchemaChangeTarget.TABLE, keyspace, name),
        )


def check_parsed_table(st: ddl.CreateTableStatement) -> None:
    """What Cassandra's parser and ``CreateTableStatement.Raw`` refuse before anything else: a column declared
    twice, several PRIMARY KEY definitions (or none), a column twice in CLUSTERING ORDER BY. Names are the
    table as written (``QualifiedName.toString``)."""
    written = st.table.name if st.table.keyspace is None else f"{st.table.keyspace}.{st.table.name}"
    seen: set[str] = set()
    keys = 0
    for definition in st.columns:
        if definition.name in seen:
            raise InvalidRequest(f"Duplicate column '{definition.name}' declaration for table '{written}'")
        seen.add(definition.name)
        if definition.primary_key:
            keys += 1
            if keys > 1:
                raise InvalidRequest(
                    f"Multiple PRIMARY KEY specified for table '{written}' (exactly one required)"
                )
    for _ in st.primary_keys:
        keys += 1
        if keys > 1:
            raise InvalidRequest(
                f"Multiple PRIMARY KEY specified for table '{written}' (exactly one required)"
            )
    ordered: set[str] = set()
    for column, _direction in st.options.clustering_order:
        if column in ordered:
            raise InvalidRequest(
                f"Duplicate column '{column}' in CLUSTERING ORDER BY clause for table '{written}'"
            )
        ordered.add(column)
    if keys == 0:
        raise InvalidRequest(f"No PRIMARY KEY specifed for table '{written}' (exactly one required)")


def build_table(st: ddl.CreateTableStatement, keyspace: str, schema: Schema) -> TableMetadata:
    """CreateTableStatement.builder, then TableMetadata.validate."""
    name = st.table.name
    params = properties.table_params(st.options.properties)  # TableAttributes.validate comes first
    table_id = properties.table_id(st.options.properties)
    types: dict[str, CqlType] = {}
    masks: dict[str, ColumnMask] = {}
    statics: set[str] = set()
    inline_keys = []
    for definition in st.columns:
        types[definition.name] = column_type(definition.type, keyspace, schema)
        if definition.mask is not None:
            masks[definition.name] = masking.prepare_mask(
                definition.mask, keyspace, name, definition.name, types[definition.name]
            )
        if definition.static:
            statics.add(definition.name)
        if definition.primary_key:
            inline_keys.append(ddl.PrimaryKey((definition.name,)))
    for found in types.values():
        if found.is_udt and found.is_multi_cell and any(f.is_multi_cell for f in found.subtypes):
            raise InvalidRequest("Non-frozen UDTs with nested non-frozen collections are not supported")
    key = [*inline_keys, *st.primary_keys][0]
    seen: set[str] = set()
    for column in (*key.partition_key, *key.clustering):
        if column not in types:
            raise InvalidRequest(f"Unknown column '{column}' referenced in PRIMARY KEY for table '{name}'")
        if column in seen:
            raise InvalidRequest(f"Duplicate column '{column}' in PRIMARY KEY clause for table '{name}'")
        seen.add(column)
        found = types[column]
        if found.is_multi_cell:
            what = "collection" if found.is_collection else "user-defined"
            raise InvalidRequest(
                f"Invalid non-frozen {what} type {found.cql()} for PRIMARY KEY column '{column}'"
            )
        if found.is_counter:
            raise InvalidRequest(f"counter type is not supported for PRIMARY KEY column '{column}'")
        if references_duration(found):
            raise InvalidRequest(f"duration type is not supported for PRIMARY KEY column '{column}'")
        if column in statics:
            raise InvalidRequest(f"Static column '{column}' cannot be part of the PRIMARY KEY")
    orders = dict(st.options.clustering_order)
    not_clustering = [c for c in orders if c not in key.clustering]
    if not_clustering:
        raise InvalidRequest(
            "Only clustering key columns can be defined in CLUSTERING ORDER directive: "
            f"[{', '.join(not_clustering)}] are not clustering columns"
        )
    for position, column in enumerate(orders):
        expected = key.clustering[position]
        if column != expected:
            if expected in orders:
                raise InvalidRequest(
                    "The order of columns in the CLUSTERING ORDER directive must match that of the clustering "
                    f"columns ({expected} must appear before {column})"
                )
            raise InvalidRequest(f"Missing CLUSTERING ORDER for column {expected}")
    if st.options.compact_storage:
        # Cassandra 5.0 creates COMPACT STORAGE tables unless the compact_tables guardrail is off; cqlkit has
        # no compact tables and answers as a node with compact_tables_enabled: false.
        raise InvalidRequest(
            "Guardrail compact_tables violated: Creation of new COMPACT STORAGE tables is not allowed"
        )
    if statics and not key.clustering:
        raise InvalidRequest(
            "Static columns are only useful (and thus allowed) if the table has at least one clustering column"
        )
    columns = []
    for position, column in enumerate(key.partition_key):
        columns.append(ColumnMetadata(column, types[column], ColumnKind.PARTITION_KEY, position))
    for position, column in enumerate(key.clustering):
        direction = orders.get(column, ast.Direction.ASC)
        order = ClusteringOrder.DESC if direction is ast.Direction.DESC else ClusteringOrder.ASC
        columns.append(ColumnMetadata(column, types[column], ColumnKind.CLUSTERING, position, order))
    for column, found in types.items():
        if column in seen:
            continue
        kind = ColumnKind.STATIC if column in statics else ColumnKind.REGULAR
        columns.append(ColumnMetadata(column, found, kind))
    columns = [replace(c, mask=masks.get(c.name)) for c in columns]
    value_columns = [c for c in columns if not c.kind.is_primary_key]
    if any(t.is_counter for t in types.values()):
        if any(not c.type.is_counter for c in value_columns):
            raise InvalidRequest("Cannot mix counter and non counter columns in the same table")
        if params.default_time_to_live > 0:
            raise InvalidRequest("Cannot set default_time_to_live on a table with counters")
    if not valid_name(name):
        # TableMetadata.validate (except: "<keyspace>.<table>: ..." as a ConfigurationException)
        raise ConfigurationException(
            f"{keyspace}.{name}: Table name must not be empty, more than {NAME_LENGTH} characters long, or "
            f'contain non-alphanumeric-underscore characters (got "{name}")'
        )
    return TableMetadata(keyspace, name, table_id or uuid.uuid1(), tuple(columns), params)


def _counter_mix(table: TableMetadata, counter_table: bool) -> None:
    """TableMetadata.validate: a counter table (decided when it was created) has only counter columns, and
    only it has them."""
    for column in table.columns:
        if column.kind.is_primary_key:
            continue
        if counter_table and not column.type.is_counter:
            raise ConfigurationException(
                f'{table.keyspace}.{table.name}: Cannot have a non counter column ("{column.name}") in a counter table'
            )
        if not counter_table and column.type.is_counter:
            raise ConfigurationException(
                f'{table.keyspace}.{table.name}: Cannot have a counter column ("{column.name}") in a non counter table'
            )


class AlterTable(SchemaStatement):
    permission = ("ALTER", "table")

    def table_name(self) -> str | None:
        return self.statement.table.name  # type: ignore[attr-defined]

    def transform(self, schema: Schema, ctx: ExecutionContext) -> tuple[Schema, SchemaChange]:
        st = self.statement
        assert isinstance(st, ddl.AlterTableStatement)
        keyspace = self.keyspace_name
        # ColumnProperties.Raw.validate / AlterColumn.validate: masks may be dropped but not declared
        declares_mask = st.mask is not None or any(d.mask is not None for d in st.added)
        if declares_mask and not ctx.dynamic_data_masking_enabled:
            raise InvalidRequest(masking.DISABLED_ERROR_MESSAGE)
        ks = schema.keyspace(keyspace)
        table = ks.tables.get(st.table.name) if ks is not None else None
        if ks is None or table is None:
            if st.if_exists:
                raise Noop
            raise InvalidRequest(f"Table '{keyspace}.{st.table.name}' doesn't exist")
        table = self._alter(table, st, schema, ctx)
        if table == ks.tables[st.table.name]:
            raise Noop  # AlterSchemaStatement: an unchanged schema answers VOID
        event = SchemaChange(UPDATED, SchemaChangeTarget.TABLE, keyspace, table.name)
        return schema.with_keyspace(ks.with_table(table)), event

    def _alter(
        self, table: TableMetadata, st: ddl.AlterTableStatement, schema: Schema, ctx: ExecutionContext
    ) -> TableMetadata:
        qualified = f"{table.keyspace}.{table.name}"
        match st.action:
            case ddl.AlterTableAction.MASK | ddl.AlterTableAction.DROP_MASK:
                return _alter_mask(table, st)
            case ddl.AlterTableAction.ADD:
                return self._add(table, st, schema)
            case ddl.AlterTableAction.DROP:
                columns = list(table.columns)
                dropped = dict(table.dropped_columns)
                when = st.timestamp if st.timestamp is not None else ctx.next_timestamp()
                for name in st.dropped:
                    column = table.column(name)
                    if column is None:
                        if st.if_column_exists:
                            continue
                        raise InvalidRequest(f"Column {name} was not found in table '{qualified}'")
                    if column.is_primary_key:
                        raise InvalidRequest(f"Cannot drop PRIMARY KEY column {name}")
                    if column.type.is_udt and column.type.is_multi_cell:
                        raise InvalidRequest(
                            f"Cannot drop non-frozen column {name} of user type {column.type.cql()}"
                        )
                    dependent = _dependent_indexes(table, name)
                    if dependent:
                        raise InvalidRequest(
                            f"Cannot drop column {name} because it has dependent secondary indexes ({', '.join(dependent)})"
                        )
                    columns = [c for c in columns if c.name != name]
                    dropped[name] = DroppedColumn(name, column.type, when, column.kind)
                return replace(table, columns=tuple(columns), dropped_columns=MappingProxyType(dropped))
            case ddl.AlterTableAction.RENAME:
                columns = list(table.columns)
                for old, new in st.renamed:
                    column = next((c for c in columns if c.name == old), None)
                    if column is None:
                        # TableMetadata.getExistingColumn throws before IF EXISTS is looked at
                        raise InvalidRequest(f"Undefined column name {old} in table {qualified}")
                    if not column.is_primary_key:
                        raise InvalidRequest(f"Cannot rename non PRIMARY KEY column {old}")
                    if any(c.name == new for c in columns):
                        raise InvalidRequest(
                            f"Cannot rename column {old} to {new} in table '{qualified}'; another column with "
                            "that name already exists"
                        )
                    dependent = _dependent_indexes(table, old)
                    if dependent:
                        raise InvalidRequest(
                            f"Can't rename column {old} because it has dependent secondary indexes ({', '.join(dependent)})"
                        )
                    columns = [replace(c, name=new) if c.name == old else c for c in columns]
                return table.with_columns(tuple(columns))
            case ddl.AlterTableAction.WITH:
                if properties.table_id(st.properties) is not None:
                    raise ConfigurationException("Cannot alter table id.")
                params = properties.table_params(st.properties, table.params)
                if table.is_counter and params.default_time_to_live > 0:
                    raise InvalidRequest("Cannot set default_time_to_live on a table with counters")
                return replace(table, params=params)
            case ddl.AlterTableAction.ALTER_TYPE:
                raise InvalidRequest("Altering column types is no longer supported")
        raise InvalidRequest(f"ALTER TABLE {st.action.value} is not supported")

    def _add(self, table: TableMetadata, st: ddl.AlterTableStatement, schema: Schema) -> TableMetadata:
        """AlterTableStatement.AddColumns (then TableMetadata.validate)."""
        columns = list(table.columns)
        for definition in st.added:
            added = column_type(definition.type, table.keyspace, schema)
            if any(c.name == definition.name for c in columns):
                if st.if_column_exists:
                    continue
                raise InvalidRequest(f"Column with name '{definition.name}' already exists")
            if definition.static and not table.clustering:
                raise InvalidRequest(
                    "Static columns are only useful (and thus allowed) if the table has at least one clustering column"
                )
            dropped = table.dropped_columns.get(definition.name)
            if dropped is not None:
                if dropped.type.cql() != added.cql() and not added.is_multi_cell:
                    raise InvalidRequest(
                        f"Cannot re-add previously dropped column '{definition.name}' of type "
                        f"{added.cql()}, incompatible with previous type {dropped.type.cql()}"
                    )
                if (dropped.kind is ColumnKind.STATIC) != definition.static:
                    kind, previous = ("STATIC", "REGULAR") if definition.static else ("REGULAR", "STATIC")
                    raise InvalidRequest(
                        f"Cannot re-add previously dropped column '{definition.name}' of kind {kind}, "
                        f"incompatible with previous kind {previous}"
                    )
                if table.is_counter:
                    raise InvalidRequest(f"Cannot re-add previously dropped counter column {definition.name}")
            kind = ColumnKind.STATIC if definition.static else ColumnKind.REGULAR
            mask = None
            if definition.mask is not None:
                mask = masking.prepare_mask(
                    definition.mask, table.keyspace, table.name, definition.name, added
                )
            columns.append(ColumnMetadata(definition.name, added, kind, mask=mask))
        altered = table.with_columns(tuple(columns))
        _counter_mix(altered, table.is_counter)
        return altered


def _alter_mask(table: TableMetadata, st: ddl.AlterTableStatement) -> TableMetadata:
    """AlterTableStatement.MaskColumn: ``ALTER c MASKED WITH ...`` / ``ALTER c DROP MASKED``."""
    assert st.column_name is not None
    column = table.column(st.column_name)
    if column is None:
        if st.if_column_exists:
            return table
        raise InvalidRequest(f"Column with name '{st.column_name}' doesn't exist on table '{table.name}'")
    mask = None
    if st.mask is not None:
        mask = masking.prepare_mask(st.mask, table.keyspace, table.name, column.name, column.type)
    columns = tuple(replace(c, mask=mask) if c.name == column.name else c for c in table.columns)
    return table.with_columns(columns)


def _dependent_indexes(table: TableMetadata, column: str) -> list[str]:
    from engine.cql3.statements.schema_objects import index_column

    return [name for name, index in table.indexes.items() if index_column(index.target) == column]


class DropTable(SchemaStatement):
    permission = ("DROP", "table")

    def table_name(self) -> str | None:
        return self.statement.table.name  # type: ignore[attr-defined]

    def transform(self, schema: Schema, ctx: ExecutionContext) -> tuple[Schema, SchemaChange]:
        st = self.statement
        assert isinstance(st, ddl.DropTableStatement)
        keyspace = self.keyspace_name
        ks = schema.keyspace(keyspace)
        if ks is None or st.table.name not in ks.tables:
            if st.if_exists:
                raise Noop
            raise InvalidRequest(f"Table '{keyspace}.{st.table.name}' doesn't exist")
        return (
            schema.with_keyspace(ks.without_table(st.table.name)),
            SchemaChange(DROPPED, SchemaChangeTarget.TABLE, keyspace, st.table.name),
        )


def prepare_schema_statement(statement: ast.Statement, client: ClientState) -> SchemaStatement | None:
    """The executable form of a schema statement, or None if ``statement`` is not one this module runs."""
    from engine.cql3.statements import schema_objects, triggers

    by_statement: dict[type, type[SchemaStatement]] = {
        ddl.CreateKeyspaceStatement: CreateKeyspace,
        ddl.AlterKeyspaceStatement: AlterKeyspace,
        ddl.DropKeyspaceStatement: DropKeyspace,
        ddl.CreateTableStatement: CreateTable,
        ddl.AlterTableStatement: AlterTable,
        ddl.DropTableStatement: DropTable,
        ddl.CreateTypeStatement: schema_objects.CreateType,
        ddl.AlterTypeStatement: schema_objects.AlterType,
        ddl.DropTypeStatement: schema_objects.DropType,
        ddl.CreateIndexStatement: schema_objects.CreateIndex,
        ddl.DropIndexStatement: schema_objects.DropIndex,
        ddl.CreateTriggerStatement: triggers.CreateTrigger,
        ddl.DropTriggerStatement: triggers.DropTrigger,
    }
    kind = by_statement.get(type(statement))
    if kind is None:
        return None
    match statement:
        case ddl.CreateKeyspaceStatement() | ddl.AlterKeyspaceStatement() | ddl.DropKeyspaceStatement():
            keyspace = statement.keyspace
        case ddl.CreateTableStatement():
            check_parsed_table(statement)
            keyspace = client.keyspace_for(statement.table.keyspace)
        case (
            ddl.AlterTableStatement()
            | ddl.DropTableStatement()
            | ddl.CreateIndexStatement()
            | ddl.CreateTriggerStatement()
            | ddl.DropTriggerStatement()
        ):
            keyspace = client.keyspace_for(statement.table.keyspace)
        case ddl.CreateTypeStatement() | ddl.AlterTypeStatement() | ddl.DropTypeStatement():
            keyspace = client.keyspace_for(statement.name.keyspace)
        case ddl.DropIndexStatement():
            keyspace = client.keyspace_for(statement.index.keyspace)
        case _:
            return None
    prepared = kind(statement, keyspace)
    prepared.keyspace = keyspace
    return prepared
