"""``system_views``: Cassandra's virtual tables of node state, as definitions (the rows come from the node).

Cassandra 5.0 registers these tables in ``SystemViewsKeyspace``; cqlkit defines the ones it can fill with
real figures, each with the columns, primary key and comment of Cassandra's class (named in each entry):

* ``caches`` (CachesTable): the key and chunk caches (cqlkit has no row or counter cache);
* ``clients`` (ClientsTable): the native-protocol connections of the node's server;
* ``settings`` (SettingsTable) and ``system_properties`` (SystemPropertiesTable): name/value pairs;
* ``snapshots`` (SnapshotsTable), ``sstable_tasks`` (SSTableTasksTable: running compactions);
* ``thread_pools`` (ThreadPoolsTable): the node's stages;
* per-table metrics (TableMetricTables): ``local_read_latency``, ``local_write_latency``,
  ``disk_usage``, ``max_partition_size``.

Virtual tables are read-only and live in no SSTable: a SELECT reads the rows the node computes at that
moment (``engine.cql3.statements.base.VirtualTables``), and ``system_virtual_schema`` describes them.
"""

from __future__ import annotations

import functools

from engine.schema.metadata import KeyspaceMetadata
from engine.schema.system_tables import (
    SYSTEM_VIEWS,
    table_from_cql,
    virtual_keyspace,
    virtual_schema_keyspace,
)

_LATENCY = (
    'keyspace_name text, table_name text, count bigint, max_ms double, "50th_ms" double, "99th_ms" double, '
    "per_second double, PRIMARY KEY ((keyspace_name, table_name))"
)
_STORAGE = "keyspace_name text, table_name text, mebibytes bigint, PRIMARY KEY ((keyspace_name, table_name))"

#: name → (columns and primary key, comment)
DEFINITIONS: dict[str, tuple[str, str]] = {
    "caches": (
        "name text PRIMARY KEY, capacity_bytes bigint, entry_count int, hit_count bigint, hit_ratio double, "
        "recent_hit_rate_per_second bigint, recent_request_rate_per_second bigint, request_count bigint, "
        "size_bytes bigint",
        "system caches",
    ),
    "clients": (
        "address inet, port int, client_options frozen<map<text, text>>, connection_stage text, "
        "driver_name text, driver_version text, hostname text, protocol_version int, request_count bigint, "
        "ssl_cipher_suite text, ssl_enabled boolean, ssl_protocol text, username text, "
        "PRIMARY KEY (address, port)",
        "currently connected clients",
    ),
    "settings": ("name text PRIMARY KEY, value text", "current settings"),
    "system_properties": ("name text PRIMARY KEY, value text", "Cassandra relevant system properties"),
    "snapshots": (
        "name text, keyspace_name text, table_name text, created_at timestamp, ephemeral boolean, "
        "expires_at timestamp, size_on_disk bigint, true_size bigint, "
        "PRIMARY KEY (name, keyspace_name, table_name)",
        "available snapshots",
    ),
    "sstable_tasks": (
        "keyspace_name text, table_name text, task_id uuid, completion_ratio double, kind text, "
        "progress bigint, total bigint, unit text, PRIMARY KEY (keyspace_name, table_name, task_id)",
        "current sstable tasks",
    ),
    "thread_pools": (
        "name text PRIMARY KEY, active_tasks int, active_tasks_limit int, blocked_tasks bigint, "
        "blocked_tasks_all_time bigint, completed_tasks bigint, pending_tasks int",
        "",
    ),
    "local_read_latency": (_LATENCY, ""),
    "local_write_latency": (_LATENCY, ""),
    "disk_usage": (_STORAGE, ""),
    "max_partition_size": (_STORAGE, ""),
}


@functools.cache
def system_views_keyspace() -> KeyspaceMetadata:
    tables = []
    for name, (definition, comment) in DEFINITIONS.items():
        tables.append(table_from_cql(SYSTEM_VIEWS, name, definition, comment=comment))
    return virtual_keyspace(SYSTEM_VIEWS, tables)


def virtual_keyspaces() -> tuple[KeyspaceMetadata, ...]:
    """Every virtual keyspace a node has: ``system_views`` and ``system_virtual_schema``."""
    return (system_views_keyspace(), virtual_schema_keyspace())
