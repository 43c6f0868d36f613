"""Schema elements as CQL text, exactly as Cassandra 5.0 prints them (``SchemaElement.toCqlString``).

These are the ``create_statement`` texts of server-side DESCRIBE (``engine.schema.describe``) and of a
snapshot's ``schema.cql``. The layout is ``CqlBuilder``'s: four spaces per indent level, table options one
per line in Cassandra's fixed order (``TableParams.appendCqlTo``), maps with single-quoted keys sorted by
key, doubles as Java's ``Double.toString`` prints them (``0.01``, ``1.0``, ``1.0E-4``).

Names are quoted only when needed (:func:`engine.cql.ast.terms.render_name`, Cassandra's
``ColumnIdentifier.maybeQuote``). One deliberate difference: a user type's own name in ``CREATE TYPE``
is quoted with :func:`render_type_name`, so that the text parses again (Cassandra prints ``ks.date``,
which its own grammar refuses).

Column order in ``CREATE TABLE`` is Cassandra's creation order, which is *not* the ``SELECT *`` order:
partition key, clustering, then static and regular columns with, in each group, simple columns
(including frozen collections) sorted by name before complex (non-frozen collection and UDT) columns
sorted by name (``Columns`` keeps simple and complex cells apart).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from engine.cql.ast.terms import render_name, render_string, render_type_name
from engine.schema.metadata import (
    ClusteringOrder,
    ColumnKind,
    ColumnMetadata,
    IndexKind,
    IndexMetadata,
    KeyspaceMetadata,
    TableMetadata,
)
from engine.schema.types import CqlType, UserType
from engine.schema.types.java import double_to_string as java_double

_INDENT = "    "
_LOCATOR_PACKAGE = "org.apache.cassandra.locator."


# ------------------------------------------------------------------------------------------ values


def _java_bool(value: bool) -> str:
    return "true" if value else "false"


def cql_map(values: Mapping[str, str], quote_values: bool = True) -> str:
    """``CqlBuilder.append(Map)``: ``{'k': 'v', ...}`` sorted by key."""
    items = []
    for key in sorted(values):
        value = values[key]
        items.append(f"{render_string(key)}: {render_string(value) if quote_values else value}")
    return "{" + ", ".join(items) + "}"


def table_name(keyspace: str, name: str) -> str:
    """``TableMetadata.toString``: ``ks.t`` with each part quoted when needed."""
    return f"{render_name(keyspace)}.{render_name(name)}"


# --------------------------------------------------------------------------------------- keyspaces


def replication_cql(keyspace: KeyspaceMetadata) -> str:
    """``ReplicationParams.appendCqlTo``: strategies of Cassandra's locator package by simple name."""
    strategy = keyspace.replication.strategy_class
    if strategy.startswith(_LOCATOR_PACKAGE) and "." not in strategy[len(_LOCATOR_PACKAGE) :]:
        strategy = strategy[len(_LOCATOR_PACKAGE) :]
    parts = [f"'class': {render_string(strategy)}"]
    options = keyspace.replication.options
    parts.extend(f"{render_string(k)}: {render_string(options[k])}" for k in sorted(options))
    return "{" + ", ".join(parts) + "}"


def keyspace_cql(keyspace: KeyspaceMetadata, if_not_exists: bool = False) -> str:
    name = render_name(keyspace.name)
    if keyspace.virtual:
        return (
            f"/*\nWarning: Keyspace {name} is a virtual keyspace and cannot be recreated with CQL.\n"
            f"Structure, for reference:\nVIRTUAL KEYSPACE {name};\n*/"
        )
    head = "CREATE KEYSPACE IF NOT EXISTS " if if_not_exists else "CREATE KEYSPACE "
    durable = _java_bool(keyspace.durable_writes)
    # The two spaces before AND are Cassandra's (KeyspaceMetadata.toCqlString).
    return f"{head}{name} WITH replication = {replication_cql(keyspace)}  AND durable_writes = {durable};"


# ------------------------------------------------------------------------------------------ types


def is_multi_cell(cql_type: CqlType) -> bool:
    """A non-frozen collection or user type: stored as one cell per element (a complex column)."""
    return bool(cql_type.is_multi_cell)


def referenced_user_types(cql_type: CqlType) -> Iterator[UserType]:
    """User types used by ``cql_type``, dependencies before the types that use them."""
    for sub in cql_type.subtypes:
        yield from referenced_user_types(sub)
    if isinstance(cql_type, UserType):
        yield cql_type


def types_in_dependency_order(types: Iterable[UserType]) -> list[UserType]:
    """``Types.sortedStream``: by name (UTF-8 bytes), each type preceded by the types it uses."""
    by_name = {t.name: t for t in types}
    ordered: dict[str, UserType] = {}
    for name in sorted(by_name, key=str.encode):
        for used in referenced_user_types(by_name[name]):
            if used.name in by_name and used.name not in ordered:
                ordered[used.name] = by_name[used.name]
    return list(ordered.values())


def type_cql(user_type: UserType, if_not_exists: bool = False) -> str:
    head = "CREATE TYPE IF NOT EXISTS " if if_not_exists else "CREATE TYPE "
    name = f"{render_name(user_type.keyspace)}.{render_type_name(user_type.name)}"
    fields = ",\n".join(
        f"{_INDENT}{render_name(n)} {t.cql()}"
        for n, t in zip(user_type.field_names, user_type.field_types, strict=True)
    )
    return f"{head}{name} (\n{fields}\n);"


# ----------------------------------------------------------------------------------------- tables


def create_order(table: TableMetadata) -> list[ColumnMetadata]:
    """``allColumnsInCreateOrder``: keys by position, then statics and regulars, simple before complex."""

    def value_key(column: ColumnMetadata) -> tuple[int, bool, bytes]:
        return (
            (0 if column.kind is ColumnKind.STATIC else 1),
            is_multi_cell(column.type),
            column.name.encode(),
        )

    return [*table.partition_key, *table.clustering, *sorted(table.value_columns, key=value_key)]


def _column_cql(column: ColumnMetadata) -> str:
    text = f"{render_name(column.name)} {column.type.cql()}"
    if column.kind is ColumnKind.STATIC:
        text += " static"
    if column.mask is not None:  # ColumnMask.appendCqlTo
        text += " MASKED WITH " + column.mask.cql()
    return text


def _primary_key_cql(table: TableMetadata) -> str:
    partition = [render_name(c.name) for c in table.partition_key]
    head = partition[0] if len(partition) == 1 else "(" + ", ".join(partition) + ")"
    return "PRIMARY KEY (" + ", ".join([head, *(render_name(c.name) for c in table.clustering)]) + ")"


def _clustering_order_cql(table: TableMetadata) -> str | None:
    if not table.clustering:
        return None
    order = ", ".join(
        f"{render_name(c.name)} {'DESC' if c.clustering_order is ClusteringOrder.DESC else 'ASC'}"
        for c in table.clustering
    )
    return f"CLUSTERING ORDER BY ({order})"


def table_options(table: TableMetadata, with_internals: bool) -> list[str]:
    """The WITH clause, one option per line (``appendTableOptions`` + ``TableParams.appendCqlTo``)."""
    options = []
    if with_internals:
        options.append(f"ID = {table.id}")
    clustering = _clustering_order_cql(table)
    if clustering is not None:
        options.append(clustering)
    p = table.params
    if table.virtual:
        options.append(f"comment = {render_string(p.comment)}")
        return options
    options += [
        f"additional_write_policy = {render_string(p.additional_write_policy)}",
        f"allow_auto_snapshot = {_java_bool(p.allow_auto_snapshot)}",
        f"bloom_filter_fp_chance = {java_double(p.bloom_filter_fp_chance)}",
        f"caching = {cql_map(p.caching)}",
        f"cdc = {_java_bool(p.cdc)}",
        f"comment = {render_string(p.comment)}",
        f"compaction = {cql_map(p.compaction)}",
        f"compression = {cql_map(p.compression)}",
        f"memtable = {render_string(p.memtable)}",
        f"crc_check_chance = {java_double(p.crc_check_chance)}",
    ]
    if not table.is_view:
        options.append(f"default_time_to_live = {p.default_time_to_live}")
    extensions = {k: "0x" + v.hex() for k, v in p.extensions.items()}
    options += [
        f"extensions = {cql_map(extensions, quote_values=False)}",
        f"gc_grace_seconds = {p.gc_grace_seconds}",
        f"incremental_backups = {_java_bool(p.incremental_backups)}",
        f"max_index_interval = {p.max_index_interval}",
        f"memtable_flush_period_in_ms = {p.memtable_flush_period_in_ms}",
        f"min_index_interval = {p.min_index_interval}",
        f"read_repair = {render_string(p.read_repair)}",
        f"speculative_retry = {render_string(p.speculative_retry)}",
    ]
    return options


def _with_clause(options: list[str]) -> str:
    return options[0] + "".join(f"\n{_INDENT}AND {o}" for o in options[1:]) + ";"


def table_cql(table: TableMetadata, with_internals: bool = False, if_not_exists: bool = False) -> str:
    """``CREATE TABLE`` (or the commented ``VIRTUAL TABLE`` structure); ``with_internals`` adds the table
    id and the dropped columns (``ALTER TABLE ... DROP ... USING TIMESTAMP``, then re-``ADD`` for columns
    dropped and added again)."""
    name = table_name(table.keyspace, table.name)
    dropped = dict(table.dropped_columns) if with_internals else {}
    lines = []
    if table.virtual:
        lines.append(
            f"/*\nWarning: Table {name} is a virtual table and cannot be recreated with CQL.\n"
            f"Structure, for reference:\nVIRTUAL TABLE "
        )
    else:
        lines.append("CREATE TABLE IF NOT EXISTS " if if_not_exists else "CREATE TABLE ")
    lines[0] += f"{name} ("
    single_key = len(table.partition_key) == 1 and not table.clustering
    columns = [c for c in create_order(table) if c.name not in dropped]
    # The dropped columns are listed as they were, so the DROP below applies to the created table.
    definitions = [
        _column_cql(c) + (" PRIMARY KEY" if single_key and c.kind is ColumnKind.PARTITION_KEY else "")
        for c in columns
    ]
    definitions += [_column_cql(ColumnMetadata(d.name, d.type, d.kind)) for d in dropped.values()]
    if not single_key:
        definitions.append(_primary_key_cql(table))
    lines += [f"{_INDENT}{d}," for d in definitions[:-1]]
    lines.append(f"{_INDENT}{definitions[-1]}")
    lines.append(") WITH " + _with_clause(table_options(table, with_internals)))
    text = "\n".join(lines)
    if table.virtual:
        text += "\n*/"
    for column_name, column in dropped.items():
        text += f"\nALTER TABLE {name} DROP {render_name(column_name)} USING TIMESTAMP {column.dropped_time};"
        live = table.column(column_name)
        if live is not None:
            text += f"\nALTER TABLE {name} ADD {_column_cql(live)};"
    return text


# ------------------------------------------------------------------------------------------ views


def view_cql(view: TableMetadata, with_internals: bool = False, if_not_exists: bool = False) -> str:
    """``ViewMetadata.toCqlString``.

    The view's WHERE clause and whether it selects ``*`` come from ``view.where_clause`` and
    ``view.include_all_columns`` when the metadata has them; otherwise the clause is the primary key
    columns' ``IS NOT NULL`` restrictions and the selected columns are listed.
    """
    head = "CREATE MATERIALIZED VIEW IF NOT EXISTS " if if_not_exists else "CREATE MATERIALIZED VIEW "
    where = getattr(view, "where_clause", None)
    if where is None:
        where = " AND ".join(f"{render_name(c.name)} IS NOT NULL" for c in view.primary_key)
    if getattr(view, "include_all_columns", False):
        selection = "*"
    else:
        selection = ", ".join(render_name(c.name) for c in view.columns)
    return (
        f"{head}{table_name(view.keyspace, view.name)} AS\n"
        f"{_INDENT}SELECT {selection}\n"
        f"{_INDENT}FROM {table_name(view.keyspace, view.base_table or '')}\n"
        f"{_INDENT}WHERE {where}\n"
        f"{_INDENT}{_primary_key_cql(view)}\n"
        f" WITH {_with_clause(table_options(view, with_internals))}"
    )


# ---------------------------------------------------------------------------------------- indexes


def index_cql(table: TableMetadata, index: IndexMetadata, if_not_exists: bool = False) -> str:
    """``IndexMetadata.toCqlString``: the target as stored; custom indexes with their class and options."""
    head = "IF NOT EXISTS " if if_not_exists else ""
    on = f"{render_name(index.name)} ON {table_name(table.keyspace, table.name)} ({index.target})"
    if index.kind is IndexKind.CUSTOM:
        options = {k: v for k, v in index.options.items() if k not in ("target", "class_name")}
        text = f"CREATE CUSTOM INDEX {head}{on} USING {render_string(index.options.get('class_name', ''))}"
        if options:
            text += f" WITH OPTIONS = {cql_map(options)}"
        return text + ";"
    return f"CREATE INDEX {head}{on};"
