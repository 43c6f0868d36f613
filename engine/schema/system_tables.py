"""Cassandra 5.0's system keyspaces: names, deterministic table ids, and the tables' definitions.

``system`` and ``system_schema`` are local (``LocalStrategy``); ``system_auth``, ``system_distributed``
and ``system_traces`` are replicated (``SimpleStrategy`` with RF 1, 3 and 2); ``system_views`` and
``system_virtual_schema`` are virtual. Every table here has Cassandra's exact columns, primary key,
comment and non-default options (``SystemKeyspace``, ``SchemaKeyspace``, ``AuthKeyspace``,
``SystemDistributedKeyspace``, ``TraceKeyspace``, ``VirtualSchemaKeyspace``), so ``DESCRIBE`` and
``system_schema`` show them as Cassandra does.

**Table ids.** System tables are not created by a statement, yet every node must give them the same id:
Cassandra derives it from the names (``TableId.forSystemTable`` / ``unsafeDeterministic``), as Java's
``UUID.nameUUIDFromBytes(keyspace bytes + table bytes)``, i.e. the MD5 of the UTF-8 names with the
version set to 3 and the IETF variant. Virtual tables use the same function.

Tables are declared with CQL (the columns and ``PRIMARY KEY`` of a ``CREATE TABLE``) and built with
:func:`table_from_cql`, which other modules can use to declare virtual tables.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import replace
from types import MappingProxyType

from engine.cql.ast.clauses import Direction
from engine.cql.ast.ddl import CreateTableStatement
from engine.cql.ast.terms import render_name
from engine.cql.parser import parse_one
from engine.schema.metadata import (
    LOCAL_STRATEGY,
    ClusteringOrder,
    ColumnKind,
    ColumnMetadata,
    DroppedColumn,
    IndexKind,
    IndexMetadata,
    KeyspaceMetadata,
    ReplicationParams,
    TableMetadata,
    TableParams,
)
from engine.schema.types import TEXT, resolve_type

SYSTEM = "system"
SYSTEM_SCHEMA = "system_schema"
SYSTEM_AUTH = "system_auth"
SYSTEM_DISTRIBUTED = "system_distributed"
SYSTEM_TRACES = "system_traces"
SYSTEM_VIEWS = "system_views"
SYSTEM_VIRTUAL_SCHEMA = "system_virtual_schema"

LOCAL_SYSTEM_KEYSPACE_NAMES = frozenset({SYSTEM, SYSTEM_SCHEMA})
REPLICATED_SYSTEM_KEYSPACE_NAMES = frozenset({SYSTEM_AUTH, SYSTEM_DISTRIBUTED, SYSTEM_TRACES})
VIRTUAL_SYSTEM_KEYSPACE_NAMES = frozenset({SYSTEM_VIEWS, SYSTEM_VIRTUAL_SCHEMA})
SYSTEM_KEYSPACE_NAMES = (
    LOCAL_SYSTEM_KEYSPACE_NAMES | REPLICATED_SYSTEM_KEYSPACE_NAMES | VIRTUAL_SYSTEM_KEYSPACE_NAMES
)
#: System tables kept in the node's storage engine (SSTables under ``data/system/<table>-<id>/``, in the
#: commitlog, read like user tables); the others are computed from node state or the schema when read.
STORED_SYSTEM_TABLES = frozenset({(SYSTEM, "paxos")})

_COMPACTION = "org.apache.cassandra.db.compaction."
STCS_MIN_THRESHOLD_2 = MappingProxyType(
    {"class": _COMPACTION + "SizeTieredCompactionStrategy", "max_threshold": "32", "min_threshold": "2"}
)
LCS = MappingProxyType(
    {"class": _COMPACTION + "LeveledCompactionStrategy", "max_threshold": "32", "min_threshold": "4"}
)
TWCS_ONE_DAY = MappingProxyType(
    {
        "class": _COMPACTION + "TimeWindowCompactionStrategy",
        "compaction_window_size": "1",
        "compaction_window_unit": "DAYS",
        "max_threshold": "32",
        "min_threshold": "4",
    }
)
_HOUR_MS = 3_600_000
_DAY_S = 86_400


def table_id(keyspace: str, table: str) -> uuid.UUID:
    """``TableId.forSystemTable``: Java's ``UUID.nameUUIDFromBytes(keyspace + table)`` (MD5, version 3)."""
    digest = hashlib.md5(keyspace.encode() + table.encode()).digest()
    return uuid.UUID(bytes=digest, version=3)


def table_from_cql(
    keyspace: str, name: str, definition: str, *, virtual: bool = False, **params: object
) -> TableMetadata:
    """A table from the inside of ``CREATE TABLE ks.name (...)`` (columns, ``PRIMARY KEY``, optionally
    followed by ``) WITH CLUSTERING ORDER BY (...`` ), with the deterministic id and ``params``
    (TableParams fields, e.g. ``comment=``) over the defaults."""
    stmt = parse_one(f"CREATE TABLE {render_name(keyspace)}.{render_name(name)} ({definition})")
    assert isinstance(stmt, CreateTableStatement)
    if stmt.primary_keys:
        partition, clustering = stmt.primary_keys[0].partition_key, stmt.primary_keys[0].clustering
    else:
        partition, clustering = tuple(c.name for c in stmt.columns if c.primary_key), ()
    descending = {c for c, d in stmt.options.clustering_order if d is Direction.DESC}
    columns = []
    for column in stmt.columns:
        cql_type = resolve_type(column.type, keyspace, lambda _k, _n: None)
        if column.name in partition:
            columns.append(
                ColumnMetadata(column.name, cql_type, ColumnKind.PARTITION_KEY, partition.index(column.name))
            )
        elif column.name in clustering:
            order = ClusteringOrder.DESC if column.name in descending else ClusteringOrder.ASC
            columns.append(
                ColumnMetadata(
                    column.name, cql_type, ColumnKind.CLUSTERING, clustering.index(column.name), order
                )
            )
        else:
            kind = ColumnKind.STATIC if column.static else ColumnKind.REGULAR
            columns.append(ColumnMetadata(column.name, cql_type, kind))
    table_params = replace(TableParams(), **params) if params else TableParams()
    return TableMetadata(
        keyspace, name, table_id(keyspace, name), tuple(columns), table_params, virtual=virtual
    )


def _local(name: str, tables: Iterable[TableMetadata], virtual: bool = False) -> KeyspaceMetadata:
    return KeyspaceMetadata(
        name,
        ReplicationParams(LOCAL_STRATEGY),
        tables=MappingProxyType({t.name: t for t in tables}),
        virtual=virtual,
    )


def _replicated(name: str, rf: int, tables: Iterable[TableMetadata]) -> KeyspaceMetadata:
    return KeyspaceMetadata(
        name, ReplicationParams.simple(rf), tables=MappingProxyType({t.name: t for t in tables})
    )


def virtual_keyspace(name: str, tables: Iterable[TableMetadata]) -> KeyspaceMetadata:
    """A virtual keyspace (``KeyspaceMetadata.virtual``: local replication) holding virtual ``tables``."""
    return _local(name, (replace(t, virtual=True) for t in tables), virtual=True)


# ----------------------------------------------------------------------------------------- system


def _system(name: str, comment: str, definition: str, **params: object) -> TableMetadata:
    return table_from_cql(
        SYSTEM,
        name,
        definition,
        comment=comment,
        gc_grace_seconds=0,
        memtable_flush_period_in_ms=_HOUR_MS,
        **params,
    )


_PAXOS_INDEX = IndexMetadata(
    "PaxosUncommittedIndex",
    IndexKind.CUSTOM,
    MappingProxyType(
        {"class_name": "org.apache.cassandra.service.paxos.uncommitted.PaxosUncommittedIndex", "target": ""}
    ),
)


def _system_tables() -> list[TableMetadata]:
    local = _system(
        "local",
        "information about the local node",
        "key text, bootstrapped text, broadcast_address inet, broadcast_port int, cluster_name text, "
        "cql_version text, data_center text, gossip_generation int, host_id uuid, listen_address inet, "
        "listen_port int, native_protocol_version text, partitioner text, rack text, release_version text, "
        "rpc_address inet, rpc_port int, schema_version uuid, tokens set<varchar>, "
        "truncated_at map<uuid, blob>, PRIMARY KEY ((key))",
    )
    # recordDeprecatedSystemColumn: dropped "forever" (Long.MAX_VALUE).
    thrift = DroppedColumn("thrift_version", TEXT, 2**63 - 1)
    local = replace(local, dropped_columns=MappingProxyType({"thrift_version": thrift}))
    paxos = _system(
        "paxos",
        "in-progress paxos proposals",
        "row_key blob, cf_id UUID, in_progress_ballot timeuuid, in_progress_read_ballot timeuuid, "
        "most_recent_commit blob, most_recent_commit_at timeuuid, most_recent_commit_version int, "
        "proposal blob, proposal_ballot timeuuid, proposal_version int, PRIMARY KEY ((row_key), cf_id)",
        compaction=LCS,
    )
    paxos = replace(paxos, indexes=MappingProxyType({_PAXOS_INDEX.name: _PAXOS_INDEX}))
    return [
        _system(
            "IndexInfo",
            "built column indexes",
            "table_name text, index_name text, value blob, PRIMARY KEY ((table_name), index_name)",
        ),
        _system(
            "batches",
            "batches awaiting replay",
            "id timeuuid, mutations list<blob>, version int, PRIMARY KEY ((id))",
            compaction=STCS_MIN_THRESHOLD_2,
        ),
        paxos,
        _system(
            "paxos_repair_history",
            "paxos repair history",
            "keyspace_name text, table_name text, points frozen<list<tuple<blob, timeuuid>>>, "
            "PRIMARY KEY (keyspace_name, table_name)",
        ),
        local,
        _system(
            "peers_v2",
            "information about known peers in the cluster",
            "peer inet, peer_port int, data_center text, host_id uuid, preferred_ip inet, preferred_port int, "
            "rack text, release_version text, native_address inet, native_port int, schema_version uuid, "
            "tokens set<varchar>, PRIMARY KEY ((peer), peer_port)",
        ),
        _system(
            "peers",
            "information about known peers in the cluster",
            "peer inet, data_center text, host_id uuid, preferred_ip inet, rack text, release_version text, "
            "rpc_address inet, schema_version uuid, tokens set<varchar>, PRIMARY KEY ((peer))",
        ),
        _system(
            "peer_events_v2",
            "events related to peers",
            "peer inet, peer_port int, hints_dropped map<timeuuid, int>, PRIMARY KEY ((peer), peer_port)",
        ),
        _system(
            "peer_events",
            "events related to peers",
            "peer inet, hints_dropped map<timeuuid, int>, PRIMARY KEY ((peer))",
        ),
        _system(
            "compaction_history",
            "week-long compaction history",
            "id timeuuid, bytes_in bigint, bytes_out bigint, columnfamily_name text, compacted_at timestamp, "
            "keyspace_name text, rows_merged map<int, bigint>, compaction_properties frozen<map<text, text>>, "
            "PRIMARY KEY ((id))",
            default_time_to_live=7 * _DAY_S,
        ),
        _system(
            "sstable_activity",
            "historic sstable read rates",
            "keyspace_name text, columnfamily_name text, generation int, rate_120m double, rate_15m double, "
            "PRIMARY KEY ((keyspace_name, columnfamily_name, generation))",
        ),
        _system(
            "sstable_activity_v2",
            "historic sstable read rates",
            "keyspace_name text, table_name text, id text, rate_120m double, rate_15m double, "
            "PRIMARY KEY ((keyspace_name, table_name, id))",
        ),
        _system(
            "size_estimates",
            "per-table primary range size estimates, table is deprecated in favor of table_estimates",
            "keyspace_name text, table_name text, range_start text, range_end text, mean_partition_size bigint, "
            "partitions_count bigint, PRIMARY KEY ((keyspace_name), table_name, range_start, range_end)",
        ),
        _system(
            "table_estimates",
            "per-table range size estimates",
            "keyspace_name text, table_name text, range_type text, range_start text, range_end text, "
            "mean_partition_size bigint, partitions_count bigint, "
            "PRIMARY KEY ((keyspace_name), table_name, range_type, range_start, range_end)",
        ),
        _system(
            "available_ranges_v2",
            "available keyspace/ranges during bootstrap/replace that are ready to be served",
            "keyspace_name text, full_ranges set<blob>, transient_ranges set<blob>, PRIMARY KEY ((keyspace_name))",
        ),
        _system(
            "available_ranges",
            "available keyspace/ranges during bootstrap/replace that are ready to be served",
            "keyspace_name text, ranges set<blob>, PRIMARY KEY ((keyspace_name))",
        ),
        _system(
            "transferred_ranges_v2",
            "record of transferred ranges for streaming operation",
            "operation text, peer inet, peer_port int, keyspace_name text, ranges set<blob>, "
            "PRIMARY KEY ((operation, keyspace_name), peer, peer_port)",
        ),
        _system(
            "transferred_ranges",
            "record of transferred ranges for streaming operation",
            "operation text, peer inet, keyspace_name text, ranges set<blob>, "
            "PRIMARY KEY ((operation, keyspace_name), peer)",
        ),
        _system(
            "view_builds_in_progress",
            "views builds current progress",
            "keyspace_name text, view_name text, start_token varchar, end_token varchar, last_token varchar, "
            "keys_built bigint, PRIMARY KEY ((keyspace_name), view_name, start_token, end_token)",
        ),
        _system(
            "built_views",
            "built views",
            "keyspace_name text, view_name text, status_replicated boolean, PRIMARY KEY ((keyspace_name), view_name)",
        ),
        _system(
            "prepared_statements",
            "prepared statements",
            "prepared_id blob, logged_keyspace text, query_string text, PRIMARY KEY ((prepared_id))",
        ),
        _system(
            "repairs",
            "repairs",
            "parent_id timeuuid, started_at timestamp, last_update timestamp, repaired_at timestamp, state int, "
            "coordinator inet, coordinator_port int, participants set<inet>, participants_wp set<text>, "
            "ranges set<blob>, cfids set<uuid>, PRIMARY KEY (parent_id)",
        ),
        _system(
            "top_partitions",
            "Stores the top partitions",
            "keyspace_name text, table_name text, top_type text, top frozen<list<tuple<text, bigint>>>, "
            "last_update timestamp, PRIMARY KEY (keyspace_name, table_name, top_type)",
        ),
    ]


# ---------------------------------------------------------------------------------- system_schema


_TABLE_PARAMS_COLUMNS = (
    "allow_auto_snapshot boolean, bloom_filter_fp_chance double, caching frozen<map<text, text>>, "
    "comment text, compaction frozen<map<text, text>>, compression frozen<map<text, text>>, memtable text, "
    "crc_check_chance double, dclocal_read_repair_chance double, default_time_to_live int, "
    "extensions frozen<map<text, blob>>, "
)
_TABLE_PARAMS_COLUMNS_2 = "gc_grace_seconds int, incremental_backups boolean, id uuid, "
_TABLE_PARAMS_COLUMNS_3 = (
    "max_index_interval int, memtable_flush_period_in_ms int, min_index_interval int, read_repair_chance double, "
    "speculative_retry text, additional_write_policy text, cdc boolean, read_repair text, "
)

SCHEMA_TABLE_DEFINITIONS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "keyspaces": (
            "keyspace definitions",
            "keyspace_name text, durable_writes boolean, replication frozen<map<text, text>>, "
            "PRIMARY KEY ((keyspace_name))",
        ),
        "tables": (
            "table definitions",
            "keyspace_name text, table_name text, "
            + _TABLE_PARAMS_COLUMNS
            + "flags frozen<set<text>>, "
            + _TABLE_PARAMS_COLUMNS_2
            + _TABLE_PARAMS_COLUMNS_3
            + "PRIMARY KEY ((keyspace_name), table_name)",
        ),
        "columns": (
            "column definitions",
            "keyspace_name text, table_name text, column_name text, clustering_order text, "
            "column_name_bytes blob, kind text, position int, type text, "
            "PRIMARY KEY ((keyspace_name), table_name, column_name)",
        ),
        "column_masks": (
            "column dynamic data masks",
            "keyspace_name text, table_name text, column_name text, function_keyspace text, function_name text, "
            "function_argument_types frozen<list<text>>, function_argument_values frozen<list<text>>, "
            "function_argument_nulls frozen<list<boolean>>, PRIMARY KEY ((keyspace_name), table_name, column_name)",
        ),
        "triggers": (
            "trigger definitions",
            "keyspace_name text, table_name text, trigger_name text, options frozen<map<text, text>>, "
            "PRIMARY KEY ((keyspace_name), table_name, trigger_name)",
        ),
        "dropped_columns": (
            "dropped column registry",
            "keyspace_name text, table_name text, column_name text, dropped_time timestamp, kind text, type text, "
            "PRIMARY KEY ((keyspace_name), table_name, column_name)",
        ),
        "views": (
            "view definitions",
            "keyspace_name text, view_name text, base_table_id uuid, base_table_name text, where_clause text, "
            + _TABLE_PARAMS_COLUMNS
            + _TABLE_PARAMS_COLUMNS_2
            + "include_all_columns boolean, "
            + _TABLE_PARAMS_COLUMNS_3
            + "PRIMARY KEY ((keyspace_name), view_name)",
        ),
        "types": (
            "user defined type definitions",
            "keyspace_name text, type_name text, field_names frozen<list<text>>, field_types frozen<list<text>>, "
            "PRIMARY KEY ((keyspace_name), type_name)",
        ),
        "functions": (
            "user defined function definitions",
            "keyspace_name text, function_name text, argument_types frozen<list<text>>, "
            "argument_names frozen<list<text>>, body text, language text, return_type text, "
            "called_on_null_input boolean, PRIMARY KEY ((keyspace_name), function_name, argument_types)",
        ),
        "aggregates": (
            "user defined aggregate definitions",
            "keyspace_name text, aggregate_name text, argument_types frozen<list<text>>, final_func text, "
            "initcond text, return_type text, state_func text, state_type text, "
            "PRIMARY KEY ((keyspace_name), aggregate_name, argument_types)",
        ),
        "indexes": (
            "secondary index definitions",
            "keyspace_name text, table_name text, index_name text, kind text, options frozen<map<text, text>>, "
            "PRIMARY KEY ((keyspace_name), table_name, index_name)",
        ),
    }
)


def _schema_tables() -> list[TableMetadata]:
    return [
        table_from_cql(
            SYSTEM_SCHEMA,
            name,
            definition,
            comment=comment,
            gc_grace_seconds=7 * _DAY_S,
            memtable_flush_period_in_ms=_HOUR_MS,
        )
        for name, (comment, definition) in SCHEMA_TABLE_DEFINITIONS.items()
    ]


# ------------------------------------------------------------------------- replicated keyspaces


def _auth(name: str, comment: str, definition: str) -> TableMetadata:
    return table_from_cql(SYSTEM_AUTH, name, definition, comment=comment, gc_grace_seconds=90 * _DAY_S)


def _auth_tables() -> list[TableMetadata]:
    return [
        _auth(
            "roles",
            "role definitions",
            "role text, is_superuser boolean, can_login boolean, salted_hash text, member_of set<text>, "
            "PRIMARY KEY(role)",
        ),
        _auth(
            "role_members",
            "role memberships lookup table",
            "role text, member text, PRIMARY KEY(role, member)",
        ),
        _auth(
            "role_permissions",
            "permissions granted to db roles",
            "role text, resource text, permissions set<text>, PRIMARY KEY(role, resource)",
        ),
        _auth(
            "resource_role_permissons_index",
            "index of db roles with permissions granted on a resource",
            "resource text, role text, PRIMARY KEY(resource, role)",
        ),
        _auth(
            "network_permissions",
            "user network permissions",
            "role text, dcs frozen<set<text>>, PRIMARY KEY(role)",
        ),
        _auth(
            "cidr_permissions",
            "user cidr permissions",
            "role text, cidr_groups frozen<set<text>>, PRIMARY KEY(role)",
        ),
        _auth(
            "cidr_groups",
            "cidr groups to cidrs mapping",
            "cidr_group text, cidrs frozen<set<tuple<inet, smallint>>>, PRIMARY KEY(cidr_group)",
        ),
        _auth(
            "identity_to_role",
            "mtls authorized identities lookup table",
            "identity text, role text, PRIMARY KEY(identity)",
        ),
    ]


def _distributed_tables() -> list[TableMetadata]:
    repair = {"default_time_to_live": 30 * _DAY_S, "compaction": TWCS_ONE_DAY}
    return [
        table_from_cql(
            SYSTEM_DISTRIBUTED,
            "repair_history",
            "keyspace_name text, columnfamily_name text, id timeuuid, parent_id timeuuid, range_begin text, "
            "range_end text, coordinator inet, coordinator_port int, participants set<inet>, "
            "participants_v2 set<text>, exception_message text, exception_stacktrace text, status text, "
            "started_at timestamp, finished_at timestamp, PRIMARY KEY ((keyspace_name, columnfamily_name), id)",
            comment="Repair history",
            **repair,
        ),
        table_from_cql(
            SYSTEM_DISTRIBUTED,
            "parent_repair_history",
            "parent_id timeuuid, keyspace_name text, columnfamily_names set<text>, started_at timestamp, "
            "finished_at timestamp, exception_message text, exception_stacktrace text, requested_ranges set<text>, "
            "successful_ranges set<text>, options map<text, text>, PRIMARY KEY (parent_id)",
            comment="Repair history",
            **repair,
        ),
        table_from_cql(
            SYSTEM_DISTRIBUTED,
            "view_build_status",
            "keyspace_name text, view_name text, host_id uuid, status text, "
            "PRIMARY KEY ((keyspace_name, view_name), host_id)",
            comment="Materialized View build status",
        ),
        table_from_cql(
            SYSTEM_DISTRIBUTED,
            "partition_denylist",
            "ks_name text, table_name text, key blob, PRIMARY KEY ((ks_name, table_name), key)",
            comment="Partition keys which have been denied access",
        ),
    ]


def _traces_tables() -> list[TableMetadata]:
    return [
        table_from_cql(
            SYSTEM_TRACES,
            "sessions",
            "session_id uuid, command text, client inet, coordinator inet, coordinator_port int, duration int, "
            "parameters map<text, text>, request text, started_at timestamp, PRIMARY KEY ((session_id))",
            comment="tracing sessions",
            gc_grace_seconds=0,
        ),
        table_from_cql(
            SYSTEM_TRACES,
            "events",
            "session_id uuid, event_id timeuuid, activity text, source inet, source_port int, source_elapsed int, "
            "thread text, PRIMARY KEY ((session_id), event_id)",
            comment="tracing events",
            gc_grace_seconds=0,
        ),
    ]


@functools.cache
def system_keyspaces() -> tuple[KeyspaceMetadata, ...]:
    """The non-virtual system keyspaces, as Cassandra 5.0 defines them (default ``*_default_rf``)."""
    return (
        _local(SYSTEM, _system_tables()),
        _local(SYSTEM_SCHEMA, _schema_tables()),
        _replicated(SYSTEM_AUTH, 1, _auth_tables()),
        _replicated(SYSTEM_DISTRIBUTED, 3, _distributed_tables()),
        _replicated(SYSTEM_TRACES, 2, _traces_tables()),
    )


@functools.cache
def virtual_schema_keyspace() -> KeyspaceMetadata:
    """``system_virtual_schema``: the definitions of the virtual keyspaces, tables and columns."""
    ks = SYSTEM_VIRTUAL_SCHEMA
    return virtual_keyspace(
        ks,
        [
            table_from_cql(
                ks, "keyspaces", "keyspace_name text PRIMARY KEY", comment="virtual keyspace definitions"
            ),
            table_from_cql(
                ks,
                "tables",
                "keyspace_name text, table_name text, comment text, PRIMARY KEY ((keyspace_name), table_name)",
                comment="virtual table definitions",
            ),
            table_from_cql(
                ks,
                "columns",
                "keyspace_name text, table_name text, column_name text, clustering_order text, "
                "column_name_bytes blob, kind text, position int, type text, "
                "PRIMARY KEY ((keyspace_name), table_name, column_name)",
                comment="virtual column definitions",
            ),
        ],
    )
