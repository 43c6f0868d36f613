"""Schema statements on user types and indexes: CREATE/ALTER/DROP TYPE, CREATE/DROP INDEX.

Each follows Cassandra 5.0's statement (``CreateTypeStatement``, ``AlterTypeStatement``,
``DropTypeStatement``, ``CreateIndexStatement``, ``DropIndexStatement``): the same checks in the same
order, with the same messages.
"""

from __future__ import annotations

import re
from dataclasses import replace
from types import MappingProxyType

from engine.cql import ast
from engine.cql.ast import ddl
from engine.cql3 import properties
from engine.cql3.relations import references_duration
from engine.cql3.statements.base import ExecutionContext
from engine.cql3.statements.schema_statements import (
    CREATED,
    DROPPED,
    UPDATED,
    Noop,
    SchemaStatement,
    column_type,
    keyspace_or_fail,
)
from engine.cql3.vector_functions import SimilarityFunction, is_float_vector
from engine.errors import ConfigurationException, InvalidRequest
from engine.schema.metadata import IndexKind, IndexMetadata, Schema, TableMetadata
from engine.schema.types import CqlType, UserType
from engine.service.results import SchemaChange, SchemaChangeTarget

SAI_CLASS = "org.apache.cassandra.index.sai.StorageAttachedIndex"


def _references(found: CqlType, keyspace: str, name: str) -> bool:
    """Whether a type uses the user type ``keyspace.name``, however deeply nested."""
    base = found.unwrap()
    if isinstance(base, UserType) and (base.keyspace, base.name) == (keyspace, name):
        return True
    return any(_references(t, keyspace, name) for t in base.subtypes)


# ----------------------------------------------------------------------------------------- types


class CreateType(SchemaStatement):
    permission = ("CREATE", "all tables")

    def transform(self, schema: Schema, ctx: ExecutionContext) -> tuple[Schema, SchemaChange]:
        st = self.statement
        assert isinstance(st, ddl.CreateTypeStatement)
        keyspace = self.keyspace_name
        ks = keyspace_or_fail(schema, keyspace)
        name = st.name.name
        if name in ks.types:
            if st.if_not_exists:
                raise Noop
            raise InvalidRequest(f"A user type with name '{name}' already exists")
        names = [field_name for field_name, _ in st.fields]
        for position, field_name in enumerate(names):
            if field_name in names[:position]:
                raise InvalidRequest(f"Duplicate field name '{field_name}' in type '{name}'")
        field_types = []
        for _, ref in st.fields:
            field_types.append(_field_type(ref, keyspace, schema))
        user_type = UserType(keyspace, name, tuple(names), tuple(field_types))
        return schema.with_keyspace(ks.with_type(user_type)), SchemaChange(
            CREATED, SchemaChangeTarget.TYPE, keyspace, name
        )


def _field_type(ref: ast.TypeRef, keyspace: str, schema: Schema) -> CqlType:
    """A field's type: no counters, no non-frozen user types (CreateTypeStatement / AlterTypeStatement)."""
    found = column_type(ref, keyspace, schema)
    if found.is_counter:
        raise InvalidRequest("A user type cannot contain counters")
    if found.is_udt and found.is_multi_cell:
        raise InvalidRequest("A user type cannot contain non-frozen UDTs")
    return found


class AlterType(SchemaStatement):
    permission = ("ALTER", "all tables")

    def transform(self, schema: Schema, ctx: ExecutionContext) -> tuple[Schema, SchemaChange]:
        st = self.statement
        assert isinstance(st, ddl.AlterTypeStatement)
        keyspace = self.keyspace_name
        ks = schema.keyspace(keyspace)
        name = st.name.name
        old = ks.types.get(name) if ks is not None else None
        if ks is None or old is None:
            if st.if_exists:
                raise Noop
            raise InvalidRequest(f"Type {keyspace}.{name} doesn't exist")
        qualified = f"{keyspace}.{name}"
        names, types = list(old.field_names), list(old.field_types)
        match st.action:
            case ddl.AlterTypeAction.ADD:
                assert st.field is not None and st.type is not None
                field_type = _field_type(st.type, keyspace, schema)
                if st.field in names:
                    if st.if_field_exists:
                        raise Noop
                    raise InvalidRequest(
                        f"Cannot add field {st.field} to type {qualified}: a field with name {st.field} already exists"
                    )
                if _references(field_type, keyspace, name):
                    raise InvalidRequest(
                        f"Cannot add new field {st.field} of type {st.type.cql()} to user type {qualified} as it "
                        "would create a circular reference"
                    )
                in_keys = [
                    f"{t.keyspace}.{t.name}"
                    for t in ks.tables.values()
                    if any(_references(c.type, keyspace, name) for c in t.partition_key)
                ]
                if in_keys:
                    raise InvalidRequest(
                        f"Cannot add new field {st.field} of type {st.type.cql()} to user type {qualified} as the "
                        f"type is being used in partition key by the following tables: {', '.join(in_keys)}"
                    )
                names.append(st.field)
                types.append(field_type)
            case ddl.AlterTypeAction.RENAME:
                for old_field, new_field in st.renamed:
                    if old_field not in names:
                        if st.if_field_exists:
                            continue
                        raise InvalidRequest(f"Unkown field {old_field} in user type {qualified}")  # (sic)
                    names[names.index(old_field)] = new_field
                for field_name in names:
                    if names.count(field_name) > 1:
                        # (sic) AlterTypeStatement passes the keyspace where the type's name was meant
                        raise InvalidRequest(f"Duplicate field name {field_name} in type {keyspace}")
            case ddl.AlterTypeAction.ALTER_TYPE:
                raise InvalidRequest("Altering field types is no longer supported")
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
    permission = ("DROP", "all tables")

    def transform(self, schema: Schema, ctx: ExecutionContext) -> tuple[Schema, SchemaChange]:
        st = self.statement
        assert isinstance(st, ddl.DropTypeStatement)
        keyspace = self.keyspace_name
        ks = schema.keyspace(keyspace)
        name = st.name.name
        if ks is None or name not in ks.types:
            if st.if_exists:
                raise Noop
            raise InvalidRequest(f"Type '{keyspace}.{name}' doesn't exist")
        types = [t.name for t in ks.types.values() if t.name != name and _references(t, keyspace, name)]
        if types:
            raise InvalidRequest(
                f"Cannot drop user type '{keyspace}.{name}' as it is still used by user types {', '.join(types)}"
            )
        tables = sorted(
            t.name for t in ks.tables.values() if any(_references(c.type, keyspace, name) for c in t.columns)
        )
        if tables:
            raise InvalidRequest(
                f"Cannot drop user type '{keyspace}.{name}' as it is still used by tables {', '.join(tables)}"
            )
        return schema.with_keyspace(ks.without_type(name)), SchemaChange(
            DROPPED, SchemaChangeTarget.TYPE, keyspace, name
        )


# --------------------------------------------------------------------------------------- indexes


def index_column(target: str) -> str:
    """The column an index target names (``v``, ``values(v)``, ``keys(m)``, ``"Quoted"``...)."""
    match = re.fullmatch(r"(?:values|keys|entries|full)\((.*)\)", target)
    column = match.group(1) if match else target
    return column[1:-1].replace('""', '"') if column.startswith('"') and column.endswith('"') else column


def _default_index_name(table: str, column: str | None) -> str:
    """IndexMetadata.generateDefaultIndexName: non-word characters dropped."""
    base = f"{table}_{column}_idx" if column is not None else f"{table}_idx"
    return re.sub(r"\W", "", base)


class CreateIndex(SchemaStatement):
    permission = ("ALTER", "table")

    def table_name(self) -> str | None:
        return self.statement.table.name  # type: ignore[attr-defined]

    def transform(self, schema: Schema, ctx: ExecutionContext) -> tuple[Schema, SchemaChange]:
        st = self.statement
        assert isinstance(st, ddl.CreateIndexStatement)
        keyspace = self.keyspace_name
        ks = keyspace_or_fail(schema, keyspace)
        table = ks.tables.get(st.table.name)
        if table is None:
            raise InvalidRequest(f"Table '{st.table.name}' doesn't exist")
        existing = {i for t in ks.tables.values() for i in t.indexes}
        if st.name is not None and st.name in existing:
            if st.if_not_exists:
                raise Noop
            raise InvalidRequest(f"Index '{st.name}' already exists")
        if table.is_counter:
            raise InvalidRequest("Secondary indexes on counter tables aren't supported")
        targets = []
        for target in st.targets:  # IndexTarget.Raw.prepare
            column = table.column(target.column)
            if column is None:
                raise InvalidRequest(
                    f"Undefined column name {target.column} in table {keyspace}.{table.name}"
                )
            kind = target.kind
            if kind is ddl.IndexTargetKind.SIMPLE and column.type.is_collection:
                kind = ddl.IndexTargetKind.VALUES
            targets.append((column, kind))
        custom = st.custom or st.using is not None
        if not targets:  # CREATE INDEX ON t () parses: the statement refuses it
            if not custom:
                raise InvalidRequest("Only CUSTOM indexes can be created without specifying a target column")
            # every index class cqlkit knows (SAI, legacy) needs a target, as Cassandra's TargetParser does
            name = st.name or _default_index_name(table.name, None)
            raise ConfigurationException(f"No target definition found for index {name}")
        if len(targets) > 1:
            if not custom:
                raise InvalidRequest("Only CUSTOM indexes support multiple columns")
            seen = set()
            for column, _ in targets:
                if column.name in seen:
                    raise InvalidRequest(f"Duplicate column '{column.name}' in index target list")
                seen.add(column.name)
        for column, kind in targets:
            _validate_target(table, column, kind, custom)
        column, kind = targets[0]
        target_text = (
            column.name if kind is ddl.IndexTargetKind.SIMPLE else f"{kind.value.lower()}({column.name})"
        )
        options = {"target": target_text}
        index_kind = IndexKind.COMPOSITES
        if custom:
            index_kind = IndexKind.CUSTOM
            using = st.using or ""
            if using.lower() in ("sai", "storageattachedindex"):
                using = SAI_CLASS
            options["class_name"] = using
            for prop in st.properties:
                if prop.name == "options" and isinstance(prop.value, ast.MapLiteral):
                    options.update(properties._as_map("options", prop.value))
        name = st.name
        if name is None:  # KeyspaceMetadata.findAvailableIndexName
            base = _default_index_name(table.name, column.name if len(targets) == 1 else None)
            name, suffix = base, 0
            while name in existing:
                suffix += 1
                name = f"{base}_{suffix}"
        index = IndexMetadata(name, index_kind, MappingProxyType(options))
        for other in table.indexes.values():  # IndexMetadata.equalsWithoutName
            if other.kind == index.kind and dict(other.options) == dict(index.options):
                if st.if_not_exists:
                    raise Noop
                raise InvalidRequest(f"Index {name} is a duplicate of existing index {other.name}")
        if options.get("class_name") == SAI_CLASS and column.type.is_vector:
            ctx.warnings.append(_validate_vector_index(column.type, options))
        indexes = dict(table.indexes)
        indexes[name] = index
        table = replace(table, indexes=MappingProxyType(indexes))
        return schema.with_keyspace(ks.with_table(table)), SchemaChange(
            UPDATED, SchemaChangeTarget.TABLE, keyspace, table.name
        )


VECTOR_USAGE_WARNING = (
    "SAI ANN indexes on vector columns are experimental and are not recommended for production use.\n"
    "They don't yet support SELECT queries with:\n"
    " * Consistency level higher than ONE/LOCAL_ONE.\n"
    " * Paging.\n"
    " * No LIMIT clauses.\n"
    " * PER PARTITION LIMIT clauses.\n"
    " * GROUP BY clauses.\n"
    " * Aggregation functions.\n"
    " * Filters on columns without a SAI index."
)


def _validate_vector_index(column_type: CqlType, options: dict[str, str]) -> str:
    """StorageAttachedIndex.validateOptions for a vector column (``IndexWriterConfig.fromOptions`` is given
    no index name there, hence Cassandra's ``for index null``); returns the warning it gives."""
    similarity = options.get("similarity_function", "COSINE").upper()
    valid = [f.value for f in SimilarityFunction]
    if similarity not in valid:
        raise InvalidRequest(
            f"Similarity function {similarity} was not recognized for index null. "
            f"Valid values are: {', '.join(valid)}"
        )
    if not is_float_vector(column_type):
        raise InvalidRequest("SAI ANN indexes are only allowed on vector columns with float elements")
    if column_type.unwrap().dimension == 1 and similarity == "COSINE":  # type: ignore[attr-defined]
        raise InvalidRequest("Cosine similarity is not supported for single-dimension vectors")
    return VECTOR_USAGE_WARNING


def _validate_target(table: TableMetadata, column, kind: ddl.IndexTargetKind, custom: bool) -> None:
    """CreateIndexStatement.validateIndexTarget."""
    name = column.name
    column_type = column.type.unwrap()
    words = {
        ddl.IndexTargetKind.VALUES: "values",
        ddl.IndexTargetKind.KEYS: "keys",
        ddl.IndexTargetKind.ENTRIES: "entries",
        ddl.IndexTargetKind.FULL: "full",
        ddl.IndexTargetKind.SIMPLE: "",
    }
    if references_duration(column_type):
        if column_type.is_collection:
            raise InvalidRequest("Secondary indexes are not supported on collections containing durations")
        if column_type.is_udt:
            raise InvalidRequest("Secondary indexes are not supported on UDTs containing durations")
        if column_type.is_tuple:
            raise InvalidRequest("Secondary indexes are not supported on tuples containing durations")
        raise InvalidRequest("Secondary indexes are not supported on duration columns")
    if column.kind.value == "partition_key" and len(table.partition_key) == 1:
        raise InvalidRequest(f"Cannot create secondary index on the only partition key column {name}")
    frozen_collection = column_type.is_collection and not column_type.is_multi_cell
    if frozen_collection and kind is not ddl.IndexTargetKind.FULL:
        raise InvalidRequest(
            f"Cannot create {words[kind]}() index on frozen column {name}. Frozen collections are immutable and "
            f"must be fully indexed by using the 'full({name})' modifier"
        )
    if not frozen_collection and kind is ddl.IndexTargetKind.FULL:
        raise InvalidRequest("full() indexes can only be created on frozen collections")
    if not column_type.is_collection and kind is not ddl.IndexTargetKind.SIMPLE:
        raise InvalidRequest(
            f"Cannot create {words[kind]}() index on {name}. Non-collection columns only support simple indexes"
        )
    is_map = getattr(column_type, "kind_name", None) == "map" and column_type.is_multi_cell
    if not is_map and kind in (ddl.IndexTargetKind.KEYS, ddl.IndexTargetKind.ENTRIES):
        raise InvalidRequest(f"Cannot create index on {words[kind]} of column {name} with non-map type")
    if column_type.is_udt and column_type.is_multi_cell:
        raise InvalidRequest(f"Cannot create index on non-frozen UDT column {name}")


class DropIndex(SchemaStatement):
    # DropIndexStatement.authorize checks ALTER on the indexed table, when there is one
    permission = ("ALTER", None)

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
            raise Noop
        raise InvalidRequest(f"Index '{keyspace}.{name}' doesn't exist")
