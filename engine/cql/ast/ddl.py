"""Schema statements: keyspaces, tables, user types, indexes, materialized views, triggers, functions,
aggregates, and DESCRIBE.

Table and view definitions keep the primary key as written (inline ``PRIMARY KEY`` flags and/or a
``PRIMARY KEY (...)`` clause) so that statement preparation can report Cassandra's errors for
conflicting definitions; properties keep their written order for the same reason (duplicates are
an error there too).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from engine.cql.ast.clauses import Direction, Relation, Selection
from engine.cql.ast.dml import Statement, _where
from engine.cql.ast.terms import (
    Constant,
    FunctionName,
    MapLiteral,
    QualifiedName,
    Term,
    TypeRef,
    render_name,
    render_string,
)


def _if_not_exists(flag: bool) -> str:
    return " IF NOT EXISTS" if flag else ""


def _if_exists(flag: bool) -> str:
    return " IF EXISTS" if flag else ""


# ---------------------------------------------------------------------------------------- properties


@dataclass(frozen=True, slots=True)
class KeywordValue:
    """A property value written as a bare (unreserved) keyword, e.g. ``WITH x = static``."""

    keyword: str

    def cql(self) -> str:
        return self.keyword


PropertyValue = Constant | MapLiteral | KeywordValue


@dataclass(frozen=True, slots=True)
class Property:
    name: str
    value: PropertyValue

    def cql(self) -> str:
        return f"{render_name(self.name)} = {self.value.cql()}"


def _properties(properties: tuple[Property, ...]) -> str:
    return " AND ".join(p.cql() for p in properties)


# ----------------------------------------------------------------------------------------- keyspaces


@dataclass(frozen=True, slots=True)
class CreateKeyspaceStatement(Statement):
    keyspace: str
    properties: tuple[Property, ...]
    if_not_exists: bool = False

    def cql(self) -> str:
        name = render_name(self.keyspace)
        return (
            f"CREATE KEYSPACE{_if_not_exists(self.if_not_exists)} {name} WITH {_properties(self.properties)}"
        )


@dataclass(frozen=True, slots=True)
class AlterKeyspaceStatement(Statement):
    keyspace: str
    properties: tuple[Property, ...]
    if_exists: bool = False

    def cql(self) -> str:
        name = render_name(self.keyspace)
        return f"ALTER KEYSPACE{_if_exists(self.if_exists)} {name} WITH {_properties(self.properties)}"


@dataclass(frozen=True, slots=True)
class DropKeyspaceStatement(Statement):
    keyspace: str
    if_exists: bool = False

    def cql(self) -> str:
        return f"DROP KEYSPACE{_if_exists(self.if_exists)} {render_name(self.keyspace)}"


# -------------------------------------------------------------------------------------------- tables


@dataclass(frozen=True, slots=True)
class ColumnMask:
    """``MASKED WITH function(args)``; ``MASKED WITH DEFAULT`` is ``system.mask_default()``."""

    function: FunctionName
    arguments: tuple[Term, ...] = ()

    def cql(self) -> str:
        if self.function == DEFAULT_MASK and not self.arguments:
            return "MASKED WITH DEFAULT"
        return f"MASKED WITH {self.function.cql()}({', '.join(a.cql() for a in self.arguments)})"


DEFAULT_MASK = FunctionName("system", "mask_default")


@dataclass(frozen=True, slots=True)
class ColumnDefinition:
    name: str
    type: TypeRef
    static: bool = False
    mask: ColumnMask | None = None
    primary_key: bool = False  # written inline: `id int PRIMARY KEY`

    def cql(self) -> str:
        text = f"{render_name(self.name)} {self.type.cql()}"
        if self.static:
            text += " STATIC"
        if self.mask is not None:
            text += " " + self.mask.cql()
        if self.primary_key:
            text += " PRIMARY KEY"
        return text


@dataclass(frozen=True, slots=True)
class PrimaryKey:
    """``PRIMARY KEY ((a, b), c, d)``: partition key columns, then clustering columns."""

    partition_key: tuple[str, ...]
    clustering: tuple[str, ...] = ()

    def cql(self) -> str:
        if len(self.partition_key) == 1:
            head = render_name(self.partition_key[0])
        else:
            head = "(" + ", ".join(render_name(c) for c in self.partition_key) + ")"
        return "PRIMARY KEY (" + ", ".join([head, *(render_name(c) for c in self.clustering)]) + ")"


@dataclass(frozen=True, slots=True)
class TableOptions:
    """The WITH clause of CREATE TABLE / CREATE MATERIALIZED VIEW."""

    properties: tuple[Property, ...] = ()
    clustering_order: tuple[tuple[str, Direction], ...] = ()
    compact_storage: bool = False

    def cql(self) -> str:
        parts = []
        if self.compact_storage:
            parts.append("COMPACT STORAGE")
        if self.clustering_order:
            order = ", ".join(f"{render_name(c)} {d.value}" for c, d in self.clustering_order)
            parts.append(f"CLUSTERING ORDER BY ({order})")
        parts.extend(p.cql() for p in self.properties)
        return " WITH " + " AND ".join(parts) if parts else ""


@dataclass(frozen=True, slots=True)
class CreateTableStatement(Statement):
    table: QualifiedName
    columns: tuple[ColumnDefinition, ...]
    primary_keys: tuple[PrimaryKey, ...] = ()  # as written; more than one is an error for preparation
    options: TableOptions = TableOptions()
    if_not_exists: bool = False

    def cql(self) -> str:
        elements = [c.cql() for c in self.columns] + [k.cql() for k in self.primary_keys]
        head = f"CREATE TABLE{_if_not_exists(self.if_not_exists)} {self.table.cql()}"
        return f"{head} ({', '.join(elements)}){self.options.cql()}"


class AlterTableAction(enum.Enum):
    ALTER_TYPE = "alter_type"
    MASK = "mask"
    DROP_MASK = "drop_mask"
    ADD = "add"
    DROP = "drop"
    RENAME = "rename"
    DROP_COMPACT_STORAGE = "drop_compact_storage"
    WITH = "with"


@dataclass(frozen=True, slots=True)
class AlterTableStatement(Statement):
    """ALTER TABLE; which fields are used depends on ``action``."""

    table: QualifiedName
    action: AlterTableAction
    if_exists: bool = False
    column_name: str | None = None  # ALTER_TYPE, MASK, DROP_MASK
    type: TypeRef | None = None  # ALTER_TYPE
    mask: ColumnMask | None = None  # MASK
    added: tuple[ColumnDefinition, ...] = ()  # ADD
    dropped: tuple[str, ...] = ()  # DROP
    renamed: tuple[tuple[str, str], ...] = ()  # RENAME
    properties: tuple[Property, ...] = ()  # WITH
    if_column_exists: bool = False  # ALTER/DROP/RENAME IF EXISTS; ADD IF NOT EXISTS
    timestamp: int | None = None  # DROP ... USING TIMESTAMP
    parenthesized: bool = False  # ADD/DROP written with a column list in parentheses

    def cql(self) -> str:
        head = f"ALTER TABLE{_if_exists(self.if_exists)} {self.table.cql()} "
        return head + self._instruction()

    def _instruction(self) -> str:
        column = render_name(self.column_name) if self.column_name is not None else ""
        match self.action:
            case AlterTableAction.ALTER_TYPE:
                assert self.type is not None
                return f"ALTER {column} TYPE {self.type.cql()}"
            case AlterTableAction.MASK:
                assert self.mask is not None
                return f"ALTER{_if_exists(self.if_column_exists)} {column} {self.mask.cql()}"
            case AlterTableAction.DROP_MASK:
                return f"ALTER{_if_exists(self.if_column_exists)} {column} DROP MASKED"
            case AlterTableAction.ADD:
                columns = ", ".join(c.cql() for c in self.added)
                if self.parenthesized:
                    columns = f"({columns})"
                return f"ADD{_if_not_exists(self.if_column_exists)} {columns}"
            case AlterTableAction.DROP:
                columns = ", ".join(render_name(c) for c in self.dropped)
                if self.parenthesized:
                    columns = f"({columns})"
                text = f"DROP{_if_exists(self.if_column_exists)} {columns}"
                if self.timestamp is not None:
                    text += f" USING TIMESTAMP {self.timestamp}"
                return text
            case AlterTableAction.RENAME:
                pairs = " AND ".join(f"{render_name(a)} TO {render_name(b)}" for a, b in self.renamed)
                return f"RENAME{_if_exists(self.if_column_exists)} {pairs}"
            case AlterTableAction.DROP_COMPACT_STORAGE:
                return "DROP COMPACT STORAGE"
            case AlterTableAction.WITH:
                return f"WITH {_properties(self.properties)}"


@dataclass(frozen=True, slots=True)
class DropTableStatement(Statement):
    table: QualifiedName
    if_exists: bool = False

    def cql(self) -> str:
        return f"DROP TABLE{_if_exists(self.if_exists)} {self.table.cql()}"


# ---------------------------------------------------------------------------------------- user types


@dataclass(frozen=True, slots=True)
class CreateTypeStatement(Statement):
    name: QualifiedName
    fields: tuple[tuple[str, TypeRef], ...]
    if_not_exists: bool = False

    def cql(self) -> str:
        fields = ", ".join(f"{render_name(n)} {t.cql()}" for n, t in self.fields)
        return f"CREATE TYPE{_if_not_exists(self.if_not_exists)} {self.name.type_cql()} ({fields})"


class AlterTypeAction(enum.Enum):
    ALTER_TYPE = "alter_type"
    ADD = "add"
    RENAME = "rename"


@dataclass(frozen=True, slots=True)
class AlterTypeStatement(Statement):
    name: QualifiedName
    action: AlterTypeAction
    if_exists: bool = False
    field: str | None = None  # ALTER_TYPE, ADD
    type: TypeRef | None = None  # ALTER_TYPE, ADD
    renamed: tuple[tuple[str, str], ...] = ()  # RENAME
    if_field_exists: bool = False  # ADD IF NOT EXISTS, RENAME IF EXISTS

    def cql(self) -> str:
        head = f"ALTER TYPE{_if_exists(self.if_exists)} {self.name.type_cql()} "
        match self.action:
            case AlterTypeAction.ALTER_TYPE:
                assert self.field is not None and self.type is not None
                return head + f"ALTER {render_name(self.field)} TYPE {self.type.cql()}"
            case AlterTypeAction.ADD:
                assert self.field is not None and self.type is not None
                field = f"{render_name(self.field)} {self.type.cql()}"
                return head + f"ADD{_if_not_exists(self.if_field_exists)} {field}"
            case AlterTypeAction.RENAME:
                pairs = " AND ".join(f"{render_name(a)} TO {render_name(b)}" for a, b in self.renamed)
                return head + f"RENAME{_if_exists(self.if_field_exists)} {pairs}"


@dataclass(frozen=True, slots=True)
class DropTypeStatement(Statement):
    name: QualifiedName
    if_exists: bool = False

    def cql(self) -> str:
        return f"DROP TYPE{_if_exists(self.if_exists)} {self.name.type_cql()}"


# ------------------------------------------------------------------------------------------- indexes


class IndexTargetKind(enum.Enum):
    SIMPLE = "simple"
    VALUES = "VALUES"
    KEYS = "KEYS"
    ENTRIES = "ENTRIES"
    FULL = "FULL"


@dataclass(frozen=True, slots=True)
class IndexTarget:
    column: str
    kind: IndexTargetKind = IndexTargetKind.SIMPLE

    def cql(self) -> str:
        if self.kind is IndexTargetKind.SIMPLE:
            return render_name(self.column)
        return f"{self.kind.value}({render_name(self.column)})"


@dataclass(frozen=True, slots=True)
class CreateIndexStatement(Statement):
    table: QualifiedName
    targets: tuple[IndexTarget, ...]
    name: str | None = None
    custom: bool = False
    using: str | None = None
    properties: tuple[Property, ...] = ()
    if_not_exists: bool = False

    def cql(self) -> str:
        text = "CREATE CUSTOM INDEX" if self.custom else "CREATE INDEX"
        text += _if_not_exists(self.if_not_exists)
        if self.name is not None:
            text += f" {render_name(self.name)}"
        text += f" ON {self.table.cql()} ({', '.join(t.cql() for t in self.targets)})"
        if self.using is not None:
            text += f" USING {render_string(self.using)}"
        if self.properties:
            text += f" WITH {_properties(self.properties)}"
        return text


@dataclass(frozen=True, slots=True)
class DropIndexStatement(Statement):
    index: QualifiedName
    if_exists: bool = False

    def cql(self) -> str:
        return f"DROP INDEX{_if_exists(self.if_exists)} {self.index.cql()}"


# -------------------------------------------------------------------------------- materialized views


@dataclass(frozen=True, slots=True)
class CreateViewStatement(Statement):
    view: QualifiedName
    base_table: QualifiedName
    selection: tuple[Selection, ...] | None  # None for `*`
    where: tuple[Relation, ...]
    primary_key: PrimaryKey
    options: TableOptions = TableOptions()
    if_not_exists: bool = False

    def cql(self) -> str:
        selection = "*" if self.selection is None else ", ".join(s.cql() for s in self.selection)
        return (
            f"CREATE MATERIALIZED VIEW{_if_not_exists(self.if_not_exists)} {self.view.cql()} AS "
            f"SELECT {selection} FROM {self.base_table.cql()}{_where(self.where)} "
            f"{self.primary_key.cql()}{self.options.cql()}"
        )


@dataclass(frozen=True, slots=True)
class AlterViewStatement(Statement):
    view: QualifiedName
    properties: tuple[Property, ...]
    if_exists: bool = False

    def cql(self) -> str:
        head = f"ALTER MATERIALIZED VIEW{_if_exists(self.if_exists)} {self.view.cql()}"
        return f"{head} WITH {_properties(self.properties)}"


@dataclass(frozen=True, slots=True)
class DropViewStatement(Statement):
    view: QualifiedName
    if_exists: bool = False

    def cql(self) -> str:
        return f"DROP MATERIALIZED VIEW{_if_exists(self.if_exists)} {self.view.cql()}"


# ------------------------------------------------------------------------------------------ triggers


@dataclass(frozen=True, slots=True)
class CreateTriggerStatement(Statement):
    name: str
    table: QualifiedName
    trigger_class: str
    if_not_exists: bool = False

    def cql(self) -> str:
        head = f"CREATE TRIGGER{_if_not_exists(self.if_not_exists)} {render_name(self.name)}"
        return f"{head} ON {self.table.cql()} USING {render_string(self.trigger_class)}"


@dataclass(frozen=True, slots=True)
class DropTriggerStatement(Statement):
    name: str
    table: QualifiedName
    if_exists: bool = False

    def cql(self) -> str:
        return f"DROP TRIGGER{_if_exists(self.if_exists)} {render_name(self.name)} ON {self.table.cql()}"


# ------------------------------------------------------------------------- functions and aggregates


def _types(types: tuple[TypeRef, ...]) -> str:
    return "(" + ", ".join(t.cql() for t in types) + ")"


@dataclass(frozen=True, slots=True)
class CreateFunctionStatement(Statement):
    name: FunctionName
    arguments: tuple[tuple[str, TypeRef], ...]
    called_on_null_input: bool
    return_type: TypeRef
    language: str
    body: str
    or_replace: bool = False
    if_not_exists: bool = False

    def cql(self) -> str:
        head = "CREATE OR REPLACE FUNCTION" if self.or_replace else "CREATE FUNCTION"
        arguments = ", ".join(f"{render_name(n)} {t.cql()}" for n, t in self.arguments)
        on_null = "CALLED ON NULL INPUT" if self.called_on_null_input else "RETURNS NULL ON NULL INPUT"
        return (
            f"{head}{_if_not_exists(self.if_not_exists)} {self.name.cql()}({arguments}) {on_null} "
            f"RETURNS {self.return_type.cql()} LANGUAGE {self.language} AS {render_string(self.body)}"
        )


@dataclass(frozen=True, slots=True)
class DropFunctionStatement(Statement):
    name: FunctionName
    argument_types: tuple[TypeRef, ...] | None = None  # None: no signature given
    if_exists: bool = False

    def cql(self) -> str:
        signature = "" if self.argument_types is None else _types(self.argument_types)
        return f"DROP FUNCTION{_if_exists(self.if_exists)} {self.name.cql()}{signature}"


@dataclass(frozen=True, slots=True)
class CreateAggregateStatement(Statement):
    name: FunctionName
    argument_types: tuple[TypeRef, ...]
    state_function: str
    state_type: TypeRef
    final_function: str | None = None
    initial_condition: Term | None = None
    or_replace: bool = False
    if_not_exists: bool = False

    def cql(self) -> str:
        head = "CREATE OR REPLACE AGGREGATE" if self.or_replace else "CREATE AGGREGATE"
        text = (
            f"{head}{_if_not_exists(self.if_not_exists)} {self.name.cql()}{_types(self.argument_types)} "
            f"SFUNC {render_name(self.state_function)} STYPE {self.state_type.cql()}"
        )
        if self.final_function is not None:
            text += f" FINALFUNC {render_name(self.final_function)}"
        if self.initial_condition is not None:
            text += f" INITCOND {self.initial_condition.cql()}"
        return text


@dataclass(frozen=True, slots=True)
class DropAggregateStatement(Statement):
    name: FunctionName
    argument_types: tuple[TypeRef, ...] | None = None
    if_exists: bool = False

    def cql(self) -> str:
        signature = "" if self.argument_types is None else _types(self.argument_types)
        return f"DROP AGGREGATE{_if_exists(self.if_exists)} {self.name.cql()}{signature}"


# ------------------------------------------------------------------------------------------ DESCRIBE


class DescribeKind(enum.Enum):
    CLUSTER = "CLUSTER"
    SCHEMA = "SCHEMA"
    FULL_SCHEMA = "FULL SCHEMA"
    KEYSPACES = "KEYSPACES"
    KEYSPACE = "KEYSPACE"
    ONLY_KEYSPACE = "ONLY KEYSPACE"
    TABLES = "TABLES"
    TABLE = "TABLE"
    INDEX = "INDEX"
    MATERIALIZED_VIEW = "MATERIALIZED VIEW"
    TYPES = "TYPES"
    TYPE = "TYPE"
    FUNCTIONS = "FUNCTIONS"
    FUNCTION = "FUNCTION"
    AGGREGATES = "AGGREGATES"
    AGGREGATE = "AGGREGATE"
    GENERIC = "GENERIC"  # DESCRIBE <name> or DESCRIBE <ks>.<name>: whatever the name turns out to be


@dataclass(frozen=True, slots=True)
class DescribeStatement(Statement):
    kind: DescribeKind
    keyspace: str | None = None
    name: str | None = None
    with_internals: bool = False

    def cql(self) -> str:
        target = self.kind.value
        if self.kind is DescribeKind.GENERIC:
            target = ""
        if self.kind in (DescribeKind.FUNCTION, DescribeKind.AGGREGATE) and self.name is not None:
            target += " " + FunctionName(self.keyspace, self.name).cql()
        elif self.kind is DescribeKind.TYPE and self.name is not None:
            target += " " + QualifiedName(self.keyspace, self.name).type_cql()
        elif self.name is not None:
            target += " " + QualifiedName(self.keyspace, self.name).cql()
        elif self.keyspace is not None:
            target += " " + render_name(self.keyspace)
        text = "DESCRIBE " + target.strip()
        return text + (" WITH INTERNALS" if self.with_internals else "")
