"""Schema statements: CREATE/ALTER/DROP KEYSPACE, TABLE, TYPE and INDEX.

Each statement is a schema transformation (Cassandra's ``AlterSchemaStatement.apply``): a pure function
from the current :class:`~engine.schema.metadata.Schema` to the next, raising Cassandra's error when the
change is invalid; the catalog applies it atomically and the node opens or drops table stores. The
result is a SCHEMA_CHANGE message, or VOID when ``IF [NOT] EXISTS`` made it a no-op.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from types import MappingProxyType

from engine.cql import ast
from engine.cql.ast import ddl
from engine.cql3 import properties
from engine.cql3.statements.base import ClientState, ExecutionContext, Prepared
from engine.errors import AlreadyExists, ConfigurationException, InvalidRequest, Unauthorized
from engine.schema.metadata import (
    ClusteringOrder,
    ColumnKind,
    ColumnMetadata,
    DroppedColumn,
    IndexKind,
    IndexMetadata,
    KeyspaceMetadata,
    Schema,
    TableMetadata,
)
from engine.schema.types import CqlType, UserType, resolve_type
from engine.service.query_options import QueryOptions
from engine.service.results import ResultMessage, SchemaChange, SchemaChangeTarget, SchemaChangeType, Void

_NAME = re.compile(r"\w+\Z", re.ASCII)
NAME_LENGTH = 48

CREATED, UPDATED, DROPPED = SchemaChangeType.CREATED, SchemaChangeType.UPDATED, SchemaChangeType.DROPPED


class _Noop(Exception):
    """The change does nothing (IF [NOT] EXISTS); the statement returns VOID."""


def _validate_name(kind: str, name: str) -> None:
    if not name or len(name) > NAME_LENGTH or not _NAME.match(name):
        raise InvalidRequest(
            f"{kind} name must not be empty, more than {NAME_LENGTH} characters long, or contain "
            f'non-alphanumeric-underscore characters (got "{name}")'
        )


def _keyspace(schema: Schema, name: str) -> KeyspaceMetadata:
    ks = schema.keyspace(name)
    if ks is None:
        raise InvalidRequest(f"Keyspace '{name}' doesn't exist")
    return ks


def _user_types(schema: Schema):
    return lambda keyspace, name: schema.user_type(keyspace, name)


@dataclass
class SchemaStatement(Prepared):
    """A schema change: ``transform`` computes the next schema and the change to report."""

    statement: ast.Statement
    keyspace_name: str

    def transform(self, schema: Schema, ctx: ExecutionContext) -> tuple[Schema, SchemaChange]:
        raise NotImplementedError(type(self.statement).__name__)

    def execute(self, ctx: ExecutionContext, client: ClientState, options: QueryOptions) -> ResultMessage:
        if ctx.catalog.is_system_keyspace(self.keyspace_name):
            raise Unauthorized(f"{self.keyspace_name} keyspace is not user-modifiable.")
        changes: list[SchemaChange] = []

        def change(schema: Schema) -> Schema:
            try:
                new, event = self.transform(schema, ctx)
            except _Noop:
                return schema
            changes.append(event)
            return new

        ctx.catalog.apply(change)
        if not changes:
            return ResultMessage(Void())
        return ResultMessage(changes[0])


# ------------------------------------------------------------------------------------- keyspaces


class CreateKeyspace(SchemaStatement):
    def transform(self, schema: Schema, ctx: ExecutionContext) -> tuple[Schema, SchemaChange]:
        st = self.statement
        assert isinstance(st, ddl.CreateKeyspaceStatement)
        _validate_name("Keyspace", st.keyspace)
        found = properties.collect(st.properties, properties.KEYSPACE_PROPERTIES)
        if "replication" not in found:
            raise ConfigurationException("Missing mandatory option 'replication'")
        replication = properties.replication(
            properties._as_map("replication", found["replication"]), st.keyspace
        )
        durable = (
            properties._boolean("durable_writes", found["durable_writes"])
            if "durable_writes" in found
            else True
        )
        if schema.keyspace(st.keyspace) is not None:
            if st.if_not_exists:
                raise _Noop
            raise AlreadyExists.for_keyspace(st.keyspace)
        ks = KeyspaceMetadata(st.keyspace, replication, durable)
        return schema.with_keyspace(ks), SchemaChange(CREATED, SchemaChangeTarget.KEYSPACE, st.keyspace)


class AlterKeyspace(SchemaStatement):
    def transform(self, schema: Schema, ctx: ExecutionContext) -> tuple[Schema, SchemaChange]:
        st = self.statement
        assert isinstance(st, ddl.AlterKeyspaceStatement)
        ks = schema.keyspace(st.keyspace)
        if ks is None:
            if st.if_exists:
                raise _Noop
            raise InvalidRequest(f"Keyspace '{st.keyspace}' doesn't exist")
        found = properties.collect(st.properties, properties.KEYSPACE_PROPERTIES)
        if "replication" in found:
            options = properties._as_map("replication", found["replication"])
            if "class" not in options:
                options["class"] = ks.replication.strategy_class
            ks = replace(ks, replication=properties.replication(options, st.keyspace))
        if "durable_writes" in found:
            ks = replace(ks, durable_writes=properties._boolean("durable_writes", found["durable_writes"]))
        return schema.with_keyspace(ks), SchemaChange(UPDATED, SchemaChangeTarget.KEYSPACE, st.keyspace)


class DropKeyspace(SchemaStatement):
    def transform(self, schema: Schema, ctx: ExecutionContext) -> tuple[Schema, SchemaChange]:
        st = self.statement
        assert isinstance(st, ddl.DropKeyspaceStatement)
        if schema.keyspace(st.keyspace) is None:
            if st.if_exists:
                raise _Noop
            raise InvalidRequest(f"Keyspace '{st.keyspace}' doesn't exist")
        return schema.without_keyspace(st.keyspace), SchemaChange(
            DROPPED, SchemaChangeTarget.KEYSPACE, st.keyspace
        )


# ---------------------------------------------------------------------------------------- tables


def _column_type(ref: ast.TypeRef, keyspace: str, schema: Schema) -> CqlType:
    return resolve_type(ref, keyspace, _user_types(schema))


class CreateTable(SchemaStatement):
    def transform(self, schema: Schema, ctx: ExecutionContext) -> tuple[Schema, SchemaChange]:
        st = self.statement
        assert isinstance(st, ddl.CreateTableStatement)
        keyspace = self.keyspace_name
        name = st.table.name
        ks = _keyspace(schema, keyspace)
        if ks.table_or_view(name) is not None:
            if st.if_not_exists:
                raise _Noop
            raise AlreadyExists.for_table(keyspace, name)
        _validate_name("Table", name)
        table = build_table(st, keyspace, schema)
        return (
            schema.with_keyspace(ks.with_table(table)),
            SchemaChange(CREATED, SchemaChangeTarget.TABLE, keyspace, name),
        )


def build_table(st: ddl.CreateTableStatement, keyspace: str, schema: Schema) -> TableMetadata:
    name = st.table.name
    qualified = f"{keyspace}.{name}"
    types: dict[str, CqlType] = {}
    statics: set[str] = set()
    inline_keys = []
    for definition in st.columns:
        if definition.name in types:
            raise InvalidRequest(f"Duplicate column '{definition.name}' declaration for table '{qualified}'")
        types[definition.name] = _column_type(definition.type, keyspace, schema)
        if definition.static:
            statics.add(definition.name)
        if definition.primary_key:
            inline_keys.append(ddl.PrimaryKey((definition.name,)))
    keys = [*inline_keys, *st.primary_keys]
    if not keys:
        raise InvalidRequest(f"No PRIMARY KEY specifed for table '{qualified}' (exactly one required)")
    if len(keys) > 1:
        raise InvalidRequest(f"Multiple PRIMARY KEY specified for table '{qualified}' (exactly one required)")
    key = keys[0]
    seen: set[str] = set()
    for column in (*key.partition_key, *key.clustering):
        if column not in types:
            raise InvalidRequest(
                f"Unknown definition {column} referenced in PRIMARY KEY for table '{qualified}'"
            )
        if column in seen:
            raise InvalidRequest(f"Duplicate column '{column}' in PRIMARY KEY clause for table '{qualified}'")
        seen.add(column)
        if types[column].is_multi_cell:
            raise InvalidRequest(
                f"Invalid non-frozen collection type {types[column].cql()} for PRIMARY KEY column '{column}'"
            )
        if types[column].is_counter:
            raise InvalidRequest(f"counter type is not supported for PRIMARY KEY column '{column}'")
        if column in statics:
            raise InvalidRequest(f"Static column '{column}' cannot be part of the PRIMARY KEY")
    orders = dict(st.options.clustering_order)
    for column in orders:
        if column not in key.clustering:
            if column in types:
                raise InvalidRequest(
                    f"Only clustering key columns can be defined in CLUSTERING ORDER directive: {column}"
                )
            raise InvalidRequest(f"Unknown definition {column} referenced in CLUSTERING ORDER directive")
    if orders and tuple(orders) != key.clustering[: len(orders)]:
        raise InvalidRequest(
            "The order of columns in the CLUSTERING ORDER directive must match that of the clustering columns"
        )
    if orders and len(orders) != len(key.clustering):
        missing = key.clustering[len(orders)]
        raise InvalidRequest(f"Missing CLUSTERING ORDER for column {missing}")
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
    for column, column_type in types.items():
        if column in seen:
            continue
        kind = ColumnKind.STATIC if column in statics else ColumnKind.REGULAR
        columns.append(ColumnMetadata(column, column_type, kind))
    value_columns = [c for c in columns if not c.kind.is_primary_key]
    counters = [c for c in value_columns if c.type.is_counter]
    if counters and len(counters) != len(value_columns):
        raise InvalidRequest("Cannot mix counter and non counter columns in the same table")
    if st.options.compact_storage:
        raise InvalidRequest("COMPACT STORAGE tables are not supported starting with version 4.0")
    params = properties.table_params(st.options.properties)
    if counters and params.default_time_to_live > 0:
        raise InvalidRequest("Cannot set default_time_to_live on a table with counters")
    return TableMetadata(keyspace, name, uuid.uuid1(), tuple(columns), params)


class AlterTable(SchemaStatement):
    def transform(self, schema: Schema, ctx: ExecutionContext) -> tuple[Schema, SchemaChange]:
        st = self.statement
        assert isinstance(st, ddl.AlterTableStatement)
        keyspace = self.keyspace_name
        ks = _keyspace(schema, keyspace)
        table = ks.tables.get(st.table.name)
        if table is None:
            if st.if_exists:
                raise _Noop
            raise InvalidRequest(f"Table '{keyspace}.{st.table.name}' doesn't exist")
        table = self._alter(table, st, schema, ctx)
        event = SchemaChange(UPDATED, SchemaChangeTarget.TABLE, keyspace, table.name)
        return schema.with_keyspace(ks.with_table(table)), event

    def _alter(
        self, table: TableMetadata, st: ddl.AlterTableStatement, schema: Schema, ctx: ExecutionContext
    ) -> TableMetadata:
        qualified = f"{table.keyspace}.{table.name}"
        match st.action:
            case ddl.AlterTableAction.ADD:
                columns = list(table.columns)
                for definition in st.added:
                    if table.column(definition.name) is not None or any(
                        c.name == definition.name for c in columns
                    ):
                        if st.if_column_exists:
                            continue
                        raise InvalidRequest(f"Column with name '{definition.name}' already exists")
                    column_type = _column_type(definition.type, table.keyspace, schema)
                    if definition.static and not table.clustering:
                        raise InvalidRequest(
                            "Static columns are only useful (and thus allowed) if the table has at least one clustering column"
                        )
                    if column_type.is_counter != table.is_counter:
                        raise InvalidRequest(
                            "Cannot add a counter column (" + definition.name + ") in a non counter table"
                            if column_type.is_counter
                            else "Cannot add a non counter column ("
                            + definition.name
                            + ") in a counter table"
                        )
                    dropped = table.dropped_columns.get(definition.name)
                    if (
                        dropped is not None
                        and dropped.type.cql() != column_type.cql()
                        and not column_type.is_multi_cell
                    ):
                        raise InvalidRequest(
                            f"Cannot re-add previously dropped column '{definition.name}' of type "
                            f"{column_type.cql()}, incompatible with previous type {dropped.type.cql()}"
                        )
                    kind = ColumnKind.STATIC if definition.static else ColumnKind.REGULAR
                    columns.append(ColumnMetadata(definition.name, column_type, kind))
                return table.with_columns(tuple(columns))
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
                    if table.indexes and any(
                        i.target.strip('"').endswith(name) for i in table.indexes.values()
                    ):
                        raise InvalidRequest(
                            f"Cannot drop column {name} because it has dependent secondary indexes"
                        )
                    columns = [c for c in columns if c.name != name]
                    dropped[name] = DroppedColumn(name, column.type, when, column.kind)
                return replace(table, columns=tuple(columns), dropped_columns=MappingProxyType(dropped))
            case ddl.AlterTableAction.RENAME:
                columns = list(table.columns)
                for old, new in st.renamed:
                    column = next((c for c in columns if c.name == old), None)
                    if column is None:
                        if st.if_column_exists:
                            continue
                        raise InvalidRequest(f"Column with name '{old}' doesn't exist")
                    if not column.is_primary_key:
                        raise InvalidRequest(f"Cannot rename non PRIMARY KEY column {old}")
                    if any(c.name == new for c in columns):
                        raise InvalidRequest(f"A column named {new} already exists")
                    columns = [replace(c, name=new) if c.name == old else c for c in columns]
                return table.with_columns(tuple(columns))
            case ddl.AlterTableAction.WITH:
                params = properties.table_params(st.properties, table.params)
                if table.is_counter and params.default_time_to_live > 0:
                    raise InvalidRequest("Cannot set default_time_to_live on a table with counters")
                return replace(table, params=params)
            case ddl.AlterTableAction.ALTER_TYPE:
                raise InvalidRequest("Altering column types is no longer supported")
        raise InvalidRequest(f"ALTER TABLE {st.action.value} is not supported")


class DropTable(SchemaStatement):
    def transform(self, schema: Schema, ctx: ExecutionContext) -> tuple[Schema, SchemaChange]:
        st = self.statement
        assert isinstance(st, ddl.DropTableStatement)
        keyspace = self.keyspace_name
        ks = schema.keyspace(keyspace)
        if ks is None:
            if st.if_exists:
                raise _Noop
            raise InvalidRequest(f"Keyspace '{keyspace}' doesn't exist")
        if st.table.name not in ks.tables:
            if st.if_exists:
                raise _Noop
            raise InvalidRequest(f"Table '{keyspace}.{st.table.name}' doesn't exist")
        return (
            schema.with_keyspace(ks.without_table(st.table.name)),
            SchemaChange(DROPPED, SchemaChangeTarget.TABLE, keyspace, st.table.name),
        )


# ----------------------------------------------------------------------------------------- types


class CreateType(SchemaStatement):
    def transform(self, schema: Schema, ctx: ExecutionContext) -> tuple[Schema, SchemaChange]:
        st = self.statement
        assert isinstance(st, ddl.CreateTypeStatement)
        keyspace = self.keyspace_name
        ks = _keyspace(schema, keyspace)
        name = st.name.name
        if name in ks.types:
            if st.if_not_exists:
                raise _Noop
            raise AlreadyExists(
                f"A user type with name '{name}' already exists", keyspace=keyspace, table=name
            )
        names: list[str] = []
        field_types: list[CqlType] = []
        for field_name, ref in st.fields:
            if field_name in names:
                raise InvalidRequest(f"Duplicate field name '{field_name}' in type '{name}'")
            field_type = _column_type(ref, keyspace, schema)
            if field_type.is_counter:
                raise InvalidRequest("A user type cannot contain counters")
            names.append(field_name)
            field_types.append(field_type)
        user_type = UserType(keyspace, name, tuple(names), tuple(field_types))
        return schema.with_keyspace(ks.with_type(user_type)), SchemaChange(
            CREATED, SchemaChangeTarget.TYPE, keyspace, name
        )


class AlterType(SchemaStatement):
    def transform(self, schema: Schema, ctx: ExecutionContext) -> tuple[Schema, SchemaChange]:
        st = self.statement
        assert isinstance(st, ddl.AlterTypeStatement)
        keyspace = self.keyspace_name
        ks = _keyspace(schema, keyspace)
        name = st.name.name
        old = ks.types.get(name)
        if old is None:
            if st.if_exists:
                raise _Noop
            raise InvalidRequest(f"No user type named '{name}' exists.")
        names, types = list(old.field_names), list(old.field_types)
        match st.action:
            case ddl.AlterTypeAction.ADD:
                assert st.field is not None and st.type is not None
                if st.field in names:
                    if st.if_field_exists:
                        raise _Noop
                    raise InvalidRequest(
                        f"Cannot add new field {st.field} to type {keyspace}.{name}: a field with name {st.field} already exists"
                    )
                field_type = _column_type(st.type, keyspace, schema)
                if field_type.references_counter():
                    raise InvalidRequest("A user type cannot contain counters")
                names.append(st.field)
                types.append(field_type)
            case ddl.AlterTypeAction.RENAME:
                for old_field, new_field in st.renamed:
                    if old_field not in names:
                        if st.if_field_exists:
                            continue
                        raise InvalidRequest(f"Unkown field {old_field} in user type {keyspace}.{name}")
                    if new_field in names:
                        raise InvalidRequest(f"Duplicate field name {new_field} in type {keyspace}.{name}")
                    names[names.index(old_field)] = new_field
            case ddl.AlterTypeAction.ALTER_TYPE:
                raise InvalidRequest("Alterations of field types are not supported")
        new = UserType(keyspace, name, tuple(names), tuple(types))
        ks = ks.with_type(new)
        for other in list(ks.types.values()):
            if other.name != name:
                ks = ks.with_type(_with_user_type(other, new))  # type: ignore[arg-type]
        for table in list(ks.tables.values()):
            columns = tuple(replace(c, type=_with_user_type(c.type, new)) for c in table.columns)
            ks = ks.with_table(replace(table, columns=columns))
        return schema.with_keyspace(ks), SchemaChange(UPDATED, SchemaChangeTarget.TYPE, keyspace, name)


def _with_user_type(t: CqlType, new: UserType) -> CqlType:
    """``t`` with every occurrence of the user type ``new`` names replaced by ``new`` (keeping frozenness)."""
    if isinstance(t, UserType):
        fields = tuple(_with_user_type(f, new) for f in t.field_types)
        if (t.keyspace, t.name) == (new.keyspace, new.name):
            return replace(new, frozen=t.frozen)
        return replace(t, field_types=fields)
    changes = {}
    for attribute in ("element", "key", "value", "base"):
        inner = getattr(t, attribute, None)
        if isinstance(inner, CqlType):
            changes[attribute] = _with_user_type(inner, new)
    elements = getattr(t, "elements", None)
    if isinstance(elements, tuple):
        changes["elements"] = tuple(_with_user_type(e, new) for e in elements)
    return replace(t, **changes) if changes else t  # type: ignore[type-var]


class DropType(SchemaStatement):
    def transform(self, schema: Schema, ctx: ExecutionContext) -> tuple[Schema, SchemaChange]:
        st = self.statement
        assert isinstance(st, ddl.DropTypeStatement)
        keyspace = self.keyspace_name
        ks = schema.keyspace(keyspace)
        name = st.name.name
        if ks is None or name not in ks.types:
            if st.if_exists:
                raise _Noop
            raise InvalidRequest(f"Type '{keyspace}.{name}' doesn't exist")
        for table in ks.tables.values():
            for column in table.columns:
                if _references(column.type, keyspace, name):
                    raise InvalidRequest(
                        f"Cannot drop user type '{keyspace}.{name}' as it is still used by table {keyspace}.{table.name}"
                    )
        return schema.with_keyspace(ks.without_type(name)), SchemaChange(
            DROPPED, SchemaChangeTarget.TYPE, keyspace, name
        )


def _references(column_type: CqlType, keyspace: str, name: str) -> bool:
    return name in re.findall(r"\w+", column_type.cql())


# --------------------------------------------------------------------------------------- indexes


class CreateIndex(SchemaStatement):
    def transform(self, schema: Schema, ctx: ExecutionContext) -> tuple[Schema, SchemaChange]:
        st = self.statement
        assert isinstance(st, ddl.CreateIndexStatement)
        keyspace = self.keyspace_name
        ks = _keyspace(schema, keyspace)
        table = ks.tables.get(st.table.name)
        if table is None:
            raise InvalidRequest(f"Table '{keyspace}.{st.table.name}' doesn't exist")
        if len(st.targets) != 1 and not st.custom:
            raise InvalidRequest("Only CUSTOM indexes support multiple columns")
        target = st.targets[0]
        column = table.column(target.column)
        if column is None:
            raise InvalidRequest(f"Column '{target.column}' doesn't exist")
        name = st.name or f"{table.name}_{target.column}_idx"
        existing = {i for t in ks.tables.values() for i in t.indexes}
        if name in existing:
            if st.if_not_exists:
                raise _Noop
            raise InvalidRequest(f"Index '{name}' already exists")
        target_text = (
            target.column
            if target.kind is ddl.IndexTargetKind.SIMPLE
            else f"{target.kind.value.lower()}({target.column})"
        )
        if target.kind is ddl.IndexTargetKind.SIMPLE and column.type.is_multi_cell:
            target_text = f"values({target.column})"
        options = {"target": target_text}
        kind = IndexKind.COMPOSITES
        if st.custom or st.using:
            kind = IndexKind.CUSTOM
            using = st.using or ""
            if using.lower() in ("sai", "storageattachedindex"):
                using = "org.apache.cassandra.index.sai.StorageAttachedIndex"
            options["class_name"] = using
        for prop in st.properties:
            if prop.name == "options" and isinstance(prop.value, ast.MapLiteral):
                options.update(properties._as_map("options", prop.value))
        index = IndexMetadata(name, kind, MappingProxyType(options))
        indexes = dict(table.indexes)
        indexes[name] = index
        table = replace(table, indexes=MappingProxyType(indexes))
        return schema.with_keyspace(ks.with_table(table)), SchemaChange(
            UPDATED, SchemaChangeTarget.TABLE, keyspace, table.name
        )


class DropIndex(SchemaStatement):
    def transform(self, schema: Schema, ctx: ExecutionContext) -> tuple[Schema, SchemaChange]:
        st = self.statement
        assert isinstance(st, ddl.DropIndexStatement)
        keyspace = self.keyspace_name
        ks = schema.keyspace(keyspace)
        name = st.index.name
        for table in ks.tables.values() if ks else ():
            if name in table.indexes:
                indexes = {n: i for n, i in table.indexes.items() if n != name}
                table = replace(table, indexes=MappingProxyType(indexes))
                event = SchemaChange(UPDATED, SchemaChangeTarget.TABLE, keyspace, table.name)
                return schema.with_keyspace(ks.with_table(table)), event  # type: ignore[union-attr]
        if st.if_exists:
            raise _Noop
        raise InvalidRequest(f"Index '{keyspace}.{name}' doesn't exist")


_BY_STATEMENT: dict[type, type[SchemaStatement]] = {
    ddl.CreateKeyspaceStatement: CreateKeyspace,
    ddl.AlterKeyspaceStatement: AlterKeyspace,
    ddl.DropKeyspaceStatement: DropKeyspace,
    ddl.CreateTableStatement: CreateTable,
    ddl.AlterTableStatement: AlterTable,
    ddl.DropTableStatement: DropTable,
    ddl.CreateTypeStatement: CreateType,
    ddl.AlterTypeStatement: AlterType,
    ddl.DropTypeStatement: DropType,
    ddl.CreateIndexStatement: CreateIndex,
    ddl.DropIndexStatement: DropIndex,
}


def prepare_schema_statement(statement: ast.Statement, client: ClientState) -> SchemaStatement | None:
    """The executable form of a schema statement, or None if ``statement`` is not one this module runs."""
    kind = _BY_STATEMENT.get(type(statement))
    if kind is None:
        return None
    match statement:
        case ddl.CreateKeyspaceStatement() | ddl.AlterKeyspaceStatement() | ddl.DropKeyspaceStatement():
            keyspace = statement.keyspace
        case (
            ddl.CreateTableStatement()
            | ddl.AlterTableStatement()
            | ddl.DropTableStatement()
            | ddl.CreateIndexStatement()
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
