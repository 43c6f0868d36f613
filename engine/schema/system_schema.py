"""``system_schema`` and ``system_virtual_schema`` as rows computed from a :class:`Schema`.

Cassandra keeps its schema in the ``system_schema`` tables and reads it back from them; cqlkit keeps the
schema in memory (``engine.schema.catalog``) and serves these tables as *views* of it: :func:`rows`
produces, for one ``system_schema`` table, the rows Cassandra 5.0 would hold, as dicts from column name
to Python value (``text`` str, ``boolean`` bool, ``int`` int, ``double`` float, ``uuid`` UUID, ``blob``
bytes, ``timestamp`` as :func:`timestamp_value` makes it, frozen maps dict, frozen sets frozenset,
frozen lists list). Every column of the table is present; a cell Cassandra leaves unset is ``None``.

What Cassandra writes (``SchemaKeyspace``):

* every non-virtual keyspace is listed, the system keyspaces included (``system``, ``system_schema``,
  ``system_auth``, ``system_distributed``, ``system_traces``); virtual keyspaces are listed in
  ``system_virtual_schema`` instead (:func:`virtual_rows`);
* ``tables``/``views``: ``cdc`` only when CDC is enabled on the node, ``memtable`` only when not
  ``'default'``, ``allow_auto_snapshot``/``incremental_backups`` only when false (mixed-version upgrade
  guards); ``read_repair_chance`` and ``dclocal_read_repair_chance`` are always ``0.0``;
* ``columns.type`` is the CQL text of the column's type (never ``ReversedType``; the order is
  ``clustering_order``), ``position`` is -1 outside the primary key;
* ``dropped_columns.dropped_time`` is the drop's timestamp cut to milliseconds.

Rows come by partition key (``keyspace_name``) in name order, then in clustering order; reading a
table as Cassandra does orders the partitions by token, which is the reader's business.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from engine.cql.ast.terms import render_name
from engine.schema.metadata import ColumnMetadata, KeyspaceMetadata, Schema, TableMetadata, TableParams
from engine.schema.system_tables import (
    LOCAL_SYSTEM_KEYSPACE_NAMES,
    REPLICATED_SYSTEM_KEYSPACE_NAMES,
    SCHEMA_TABLE_DEFINITIONS,
    SYSTEM_KEYSPACE_NAMES,
    VIRTUAL_SYSTEM_KEYSPACE_NAMES,
    system_keyspaces,
    table_from_cql,
    table_id,
    virtual_keyspace,
    virtual_schema_keyspace,
)
from engine.schema.types import CqlType

__all__ = [
    "LOCAL_SYSTEM_KEYSPACE_NAMES",
    "REPLICATED_SYSTEM_KEYSPACE_NAMES",
    "SCHEMA_TABLE_DEFINITIONS",
    "SYSTEM_KEYSPACE_NAMES",
    "VIRTUAL_SYSTEM_KEYSPACE_NAMES",
    "rows",
    "system_keyspaces",
    "table_from_cql",
    "table_id",
    "timestamp_value",
    "virtual_keyspace",
    "virtual_rows",
    "virtual_schema_keyspace",
]

Row = dict[str, Any]


def timestamp_value(micros: int) -> int:
    """A ``timestamp`` cell's value: milliseconds since the epoch (Cassandra's ``Date``)."""
    return micros // 1000


def _columns_of(table: str) -> tuple[str, ...]:
    keyspace = next(k for k in system_keyspaces() if k.name == "system_schema")
    return tuple(c.name for c in keyspace.tables[table].columns)


def _complete(table: str, row: Row) -> Row:
    return {name: row.get(name) for name in _columns_of(table)}


def _utf8_key(name: str) -> bytes:
    return name.encode()


def _keyspaces(schema: Schema) -> list[KeyspaceMetadata]:
    """The schema's non-virtual keyspaces, plus the system keyspaces when the schema lacks them."""
    keyspaces = {k.name: k for k in system_keyspaces()}
    keyspaces.update(schema.keyspaces)
    return sorted((k for k in keyspaces.values() if not k.virtual), key=lambda k: _utf8_key(k.name))


def _sorted_tables(tables: Iterable[TableMetadata]) -> list[TableMetadata]:
    return sorted(tables, key=lambda t: _utf8_key(t.name))


def _params_row(params: TableParams, cdc_enabled: bool) -> Row:
    return {
        "bloom_filter_fp_chance": params.bloom_filter_fp_chance,
        "comment": params.comment,
        "dclocal_read_repair_chance": 0.0,
        "default_time_to_live": params.default_time_to_live,
        "gc_grace_seconds": params.gc_grace_seconds,
        "max_index_interval": params.max_index_interval,
        "memtable_flush_period_in_ms": params.memtable_flush_period_in_ms,
        "min_index_interval": params.min_index_interval,
        "read_repair_chance": 0.0,
        "speculative_retry": params.speculative_retry,
        "additional_write_policy": params.additional_write_policy,
        "crc_check_chance": params.crc_check_chance,
        "caching": dict(params.caching),
        "compaction": dict(params.compaction),
        "compression": dict(params.compression),
        "read_repair": params.read_repair,
        "extensions": dict(params.extensions),
        "cdc": params.cdc if cdc_enabled else None,
        "memtable": None if params.memtable == "default" else params.memtable,
        "allow_auto_snapshot": None if params.allow_auto_snapshot else False,
        "incremental_backups": None if params.incremental_backups else False,
    }


def _column_row(table: TableMetadata, column: ColumnMetadata) -> Row:
    return {
        "keyspace_name": table.keyspace,
        "table_name": table.name,
        "column_name": column.name,
        "clustering_order": column.clustering_order.value,
        "column_name_bytes": column.name.encode(),
        "kind": column.kind.value,
        "position": column.position,
        "type": column.type.cql(),
    }


def _by_column_name(table: TableMetadata) -> list[ColumnMetadata]:
    return sorted(table.columns, key=lambda c: _utf8_key(c.name))


# ---------------------------------------------------------------------------------------- tables


def _keyspaces_rows(schema: Schema, cdc: bool) -> Iterator[Row]:
    for ks in _keyspaces(schema):
        yield {
            "keyspace_name": ks.name,
            "durable_writes": ks.durable_writes,
            "replication": ks.replication.as_map(),
        }


def _tables_rows(schema: Schema, cdc: bool) -> Iterator[Row]:
    for ks in _keyspaces(schema):
        for table in _sorted_tables(ks.tables.values()):
            row = {"keyspace_name": ks.name, "table_name": table.name, "id": table.id}
            row["flags"] = frozenset(f.value for f in table.flags)
            row.update(_params_row(table.params, cdc))
            yield row


def _views_rows(schema: Schema, cdc: bool) -> Iterator[Row]:
    for ks in _keyspaces(schema):
        for view in _sorted_tables(ks.views.values()):
            base = ks.tables.get(view.base_table or "")
            where = getattr(view, "where_clause", None)
            if where is None:
                where = " AND ".join(f"{render_name(c.name)} IS NOT NULL" for c in view.primary_key)
            row: Row = {
                "keyspace_name": ks.name,
                "view_name": view.name,
                "base_table_id": base.id if base is not None else None,
                "base_table_name": view.base_table,
                "where_clause": where,
                "include_all_columns": bool(getattr(view, "include_all_columns", False)),
                "id": view.id,
            }
            row.update(_params_row(view.params, cdc))
            yield row


def _all_tables(ks: KeyspaceMetadata) -> list[TableMetadata]:
    return _sorted_tables((*ks.tables.values(), *ks.views.values()))


def _columns_rows(schema: Schema, cdc: bool) -> Iterator[Row]:
    for ks in _keyspaces(schema):
        for table in _all_tables(ks):
            for column in _by_column_name(table):
                yield _column_row(table, column)


def _dropped_columns_rows(schema: Schema, cdc: bool) -> Iterator[Row]:
    for ks in _keyspaces(schema):
        for table in _all_tables(ks):
            for name in sorted(table.dropped_columns, key=_utf8_key):
                dropped = table.dropped_columns[name]
                yield {
                    "keyspace_name": ks.name,
                    "table_name": table.name,
                    "column_name": name,
                    "dropped_time": timestamp_value(dropped.dropped_time),
                    "kind": dropped.kind.value,
                    "type": dropped.type.cql(),
                }


def _types_rows(schema: Schema, cdc: bool) -> Iterator[Row]:
    for ks in _keyspaces(schema):
        for name in sorted(ks.types, key=_utf8_key):
            user_type = ks.types[name]
            yield {
                "keyspace_name": ks.name,
                "type_name": name,
                "field_names": list(user_type.field_names),
                "field_types": [t.cql() for t in user_type.field_types],
            }


def _indexes_rows(schema: Schema, cdc: bool) -> Iterator[Row]:
    for ks in _keyspaces(schema):
        for table in _sorted_tables(ks.tables.values()):
            for name in sorted(table.indexes, key=_utf8_key):
                index = table.indexes[name]
                yield {
                    "keyspace_name": ks.name,
                    "table_name": table.name,
                    "index_name": name,
                    "kind": index.kind.value,
                    "options": dict(index.options),
                }


def _column_masks_rows(schema: Schema, cdc: bool) -> Iterator[Row]:
    """SchemaKeyspace.addColumnMaskToSchemaMutation: the function, its partial arguments' types and
    values as text (``AbstractType.getString``), with a null flag per argument."""
    for ks in _keyspaces(schema):
        for table in _all_tables(ks):
            for column in _by_column_name(table):
                mask = column.mask
                if mask is None:
                    continue
                arguments = list(zip(mask.argument_types, mask.argument_values, strict=True))
                yield {
                    "keyspace_name": ks.name,
                    "table_name": table.name,
                    "column_name": column.name,
                    "function_keyspace": mask.keyspace,
                    "function_name": mask.function,
                    "function_argument_types": [t.cql() for t, _ in arguments],
                    "function_argument_values": ["" if v is None else _as_string(t, v) for t, v in arguments],
                    "function_argument_nulls": [v is None for _, v in arguments],
                }


def _as_string(value_type: CqlType, value: bytes) -> str:
    """AbstractType.getString: text as itself, a blob as hex digits, other values as their CQL literal
    without quotes (dates, times, ...)."""
    decoded = value_type.deserialize(value)
    if isinstance(decoded, str):
        return decoded
    if isinstance(decoded, bytes | bytearray):
        return bytes(decoded).hex()
    literal = value_type.to_cql_literal(decoded)
    return literal[1:-1] if literal.startswith("'") and literal.endswith("'") else literal


def _no_rows(schema: Schema, cdc: bool) -> Iterator[Row]:
    # Triggers (never created: engine.cql3.statements.triggers), functions and aggregates (refused) have
    # no rows.
    return iter(())


_PRODUCERS: dict[str, Callable[[Schema, bool], Iterator[Row]]] = {
    "keyspaces": _keyspaces_rows,
    "tables": _tables_rows,
    "columns": _columns_rows,
    "column_masks": _column_masks_rows,
    "triggers": _no_rows,
    "dropped_columns": _dropped_columns_rows,
    "views": _views_rows,
    "types": _types_rows,
    "functions": _no_rows,
    "aggregates": _no_rows,
    "indexes": _indexes_rows,
}
assert set(_PRODUCERS) == set(SCHEMA_TABLE_DEFINITIONS)


def rows(table_name: str, schema: Schema, *, cdc_enabled: bool = False) -> Iterator[Row]:
    """The rows of ``system_schema.<table_name>`` for ``schema`` (``cdc_enabled``: the node's
    ``cdc_enabled`` setting, which decides whether the ``cdc`` column is written)."""
    producer = _PRODUCERS.get(table_name)
    if producer is None:
        raise KeyError(f"no table system_schema.{table_name}")
    for row in producer(schema, cdc_enabled):
        yield _complete(table_name, row)


# --------------------------------------------------------------------------- system_virtual_schema


def virtual_rows(table_name: str, virtual_keyspaces: Iterable[KeyspaceMetadata]) -> Iterator[Row]:
    """The rows of ``system_virtual_schema.<table_name>`` (``keyspaces``, ``tables``, ``columns``)
    describing ``virtual_keyspaces`` (the node's registered virtual keyspaces;
    ``system_virtual_schema`` itself is added when missing)."""
    keyspaces = {k.name: k for k in virtual_keyspaces}
    keyspaces.setdefault(virtual_schema_keyspace().name, virtual_schema_keyspace())
    ordered = sorted(keyspaces.values(), key=lambda k: _utf8_key(k.name))
    if table_name == "keyspaces":
        for ks in ordered:
            yield {"keyspace_name": ks.name}
    elif table_name == "tables":
        for ks in ordered:
            for table in _sorted_tables(ks.tables.values()):
                yield {"keyspace_name": ks.name, "table_name": table.name, "comment": table.params.comment}
    elif table_name == "columns":
        for ks in ordered:
            for table in _sorted_tables(ks.tables.values()):
                for column in _by_column_name(table):
                    yield _column_row(table, column)
    else:
        raise KeyError(f"no table system_virtual_schema.{table_name}")
