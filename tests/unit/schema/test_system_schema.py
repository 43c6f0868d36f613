"""System keyspaces (definitions, deterministic ids) and system_schema / system_virtual_schema rows."""

from __future__ import annotations

import uuid
from dataclasses import replace
from types import MappingProxyType

import pytest

from engine.schema.metadata import (
    LOCAL_STRATEGY,
    ClusteringOrder,
    ColumnKind,
    DroppedColumn,
    IndexKind,
    IndexMetadata,
    KeyspaceMetadata,
    ReplicationParams,
    Schema,
)
from engine.schema.system_schema import (
    SYSTEM_KEYSPACE_NAMES,
    rows,
    system_keyspaces,
    table_from_cql,
    table_id,
    virtual_keyspace,
    virtual_rows,
    virtual_schema_keyspace,
)
from engine.schema.types import UserType, parse_type


def native(name: str):
    return parse_type(name, "ks", lambda _k, _n: None)


# ---------------------------------------------------------------------------------------- table ids


@pytest.mark.parametrize(
    ("keyspace", "table", "expected"),
    [
        # The data directory names every Cassandra node has (system/local-7ad54392..., ...).
        ("system", "local", "7ad54392-bcdd-35a6-8417-4e047860b377"),
        ("system", "peers", "37f71aca-7dc2-383b-a706-72528af04d4f"),
        ("system", "peers_v2", "c4325fbb-8e5e-3baf-bd07-0f9250ed818e"),
        ("system", "IndexInfo", "9f5c6374-d485-3229-9a0a-5094af9ad1e3"),
        ("system", "table_estimates", "176c39cd-b93d-33a5-a218-8eb06a56f66e"),
        ("system", "available_ranges_v2", "4224a088-2ac9-3d0c-889d-fbb5f0facda0"),
        ("system_schema", "tables", "afddfb9d-bc1e-3068-8056-eed6c302ba09"),
        ("system_schema", "keyspaces", "abac5682-dea6-31c5-b535-b3d6cffd0fb6"),
        ("system_auth", "roles", "5bc52802-de25-35ed-aeab-188eecebb090"),
    ],
)
def test_table_id_for_system_table(keyspace, table, expected):
    assert table_id(keyspace, table) == uuid.UUID(expected)
    ks = next(k for k in system_keyspaces() if k.name == keyspace)
    assert ks.tables[table].id == uuid.UUID(expected)


# -------------------------------------------------------------------------------- system keyspaces


def test_system_keyspaces():
    keyspaces = {k.name: k for k in system_keyspaces()}
    assert set(keyspaces) == {"system", "system_schema", "system_auth", "system_distributed", "system_traces"}
    assert set(keyspaces) | {"system_views", "system_virtual_schema"} == SYSTEM_KEYSPACE_NAMES
    assert keyspaces["system"].replication == ReplicationParams(LOCAL_STRATEGY)
    assert keyspaces["system_auth"].replication.as_map() == {
        "class": "org.apache.cassandra.locator.SimpleStrategy",
        "replication_factor": "1",
    }
    assert keyspaces["system_distributed"].replication.options["replication_factor"] == "3"
    assert keyspaces["system_traces"].replication.options["replication_factor"] == "2"
    assert set(keyspaces["system_schema"].tables) == {
        "keyspaces",
        "tables",
        "columns",
        "column_masks",
        "triggers",
        "dropped_columns",
        "views",
        "types",
        "functions",
        "aggregates",
        "indexes",
    }
    assert {
        "local",
        "peers",
        "peers_v2",
        "size_estimates",
        "sstable_activity",
        "sstable_activity_v2",
        "compaction_history",
        "paxos",
        "batches",
        "available_ranges",
        "prepared_statements",
        "top_partitions",
        "IndexInfo",
    } <= set(keyspaces["system"].tables)
    assert set(keyspaces["system_auth"].tables) == {
        "roles",
        "role_members",
        "role_permissions",
        "network_permissions",
        "resource_role_permissons_index",
        "cidr_permissions",
        "cidr_groups",
        "identity_to_role",
    }
    assert set(keyspaces["system_distributed"].tables) == {
        "repair_history",
        "parent_repair_history",
        "view_build_status",
        "partition_denylist",
    }
    assert set(keyspaces["system_traces"].tables) == {"sessions", "events"}


def test_system_table_definitions():
    keyspaces = {k.name: k for k in system_keyspaces()}
    local = keyspaces["system"].tables["local"]
    assert [c.name for c in local.partition_key] == ["key"]
    assert local.column("tokens").type.cql() == "set<text>"
    assert local.params.gc_grace_seconds == 0
    assert local.params.memtable_flush_period_in_ms == 3600000
    assert "thrift_version" in local.dropped_columns
    peers_v2 = keyspaces["system"].tables["peers_v2"]
    assert [(c.name, c.kind) for c in peers_v2.primary_key] == [
        ("peer", ColumnKind.PARTITION_KEY),
        ("peer_port", ColumnKind.CLUSTERING),
    ]
    activity = keyspaces["system"].tables["sstable_activity"]
    assert [c.name for c in activity.partition_key] == ["keyspace_name", "columnfamily_name", "generation"]
    assert keyspaces["system"].tables["batches"].params.compaction["min_threshold"] == "2"
    assert keyspaces["system"].tables["compaction_history"].params.default_time_to_live == 604800
    assert "PaxosUncommittedIndex" in keyspaces["system"].tables["paxos"].indexes
    columns = keyspaces["system_schema"].tables["columns"]
    assert [c.name for c in columns.primary_key] == ["keyspace_name", "table_name", "column_name"]
    assert columns.params.comment == "column definitions"
    assert columns.params.gc_grace_seconds == 604800
    repair = keyspaces["system_distributed"].tables["repair_history"]
    assert repair.params.default_time_to_live == 2592000
    assert repair.params.compaction["class"].endswith("TimeWindowCompactionStrategy")
    assert keyspaces["system_auth"].tables["roles"].params.gc_grace_seconds == 7776000
    events = keyspaces["system_traces"].tables["events"]
    assert [c.name for c in events.clustering] == ["event_id"]


# ------------------------------------------------------------------------------------ system_schema


def sample_schema() -> Schema:
    address = UserType("shop", "address", ("street", "city"), (native("text"), native("text")))
    orders = table_from_cql(
        "shop",
        "orders",
        "customer text, day date, id timeuuid, total decimal, note text static, tags set<text>, "
        "PRIMARY KEY ((customer, day), id)) WITH CLUSTERING ORDER BY (id DESC",
        comment="orders",
    )
    orders = replace(
        orders,
        dropped_columns=MappingProxyType({"old": DroppedColumn("old", native("int"), 1_589_286_942_065_123)}),
        indexes=MappingProxyType(
            {
                "by_total": IndexMetadata(
                    "by_total",
                    IndexKind.CUSTOM,
                    MappingProxyType(
                        {
                            "class_name": "org.apache.cassandra.index.sai.StorageAttachedIndex",
                            "target": "total",
                        }
                    ),
                )
            }
        ),
    )
    hits = table_from_cql("shop", "hits", "page text PRIMARY KEY, n counter")
    view = replace(
        table_from_cql(
            "shop", "orders_by_id", "id timeuuid, customer text, day date, PRIMARY KEY (id, customer, day)"
        ),
        is_view=True,
        base_table="orders",
    )
    shop = KeyspaceMetadata(
        "shop",
        ReplicationParams.simple(3),
        durable_writes=False,
        tables=MappingProxyType({"orders": orders, "hits": hits}),
        views=MappingProxyType({"orders_by_id": view}),
        types=MappingProxyType({"address": address}),
    )
    return Schema(MappingProxyType({"shop": shop}))


def test_keyspaces_rows_include_system_keyspaces():
    result = list(rows("keyspaces", sample_schema()))
    assert [r["keyspace_name"] for r in result] == [
        "shop",
        "system",
        "system_auth",
        "system_distributed",
        "system_schema",
        "system_traces",
    ]
    assert result[0] == {
        "keyspace_name": "shop",
        "durable_writes": False,
        "replication": {"class": "org.apache.cassandra.locator.SimpleStrategy", "replication_factor": "3"},
    }
    assert result[1]["replication"] == {"class": "org.apache.cassandra.locator.LocalStrategy"}


def test_tables_rows():
    schema = sample_schema()
    result = [r for r in rows("tables", schema) if r["keyspace_name"] == "shop"]
    assert [r["table_name"] for r in result] == ["hits", "orders"]
    hits, orders = result
    assert hits["flags"] == {"compound", "counter"}
    assert orders == {
        "keyspace_name": "shop",
        "table_name": "orders",
        "allow_auto_snapshot": None,
        "bloom_filter_fp_chance": 0.01,
        "caching": {"keys": "ALL", "rows_per_partition": "NONE"},
        "comment": "orders",
        "compaction": {
            "class": "org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy",
            "max_threshold": "32",
            "min_threshold": "4",
        },
        "compression": {
            "chunk_length_in_kb": "16",
            "class": "org.apache.cassandra.io.compress.LZ4Compressor",
        },
        "memtable": None,
        "crc_check_chance": 1.0,
        "dclocal_read_repair_chance": 0.0,
        "default_time_to_live": 0,
        "extensions": {},
        "flags": {"compound"},
        "gc_grace_seconds": 864000,
        "incremental_backups": None,
        "id": schema.table("shop", "orders").id,
        "max_index_interval": 2048,
        "memtable_flush_period_in_ms": 0,
        "min_index_interval": 128,
        "read_repair_chance": 0.0,
        "speculative_retry": "99p",
        "additional_write_policy": "99p",
        "cdc": None,
        "read_repair": "BLOCKING",
    }
    assert list(orders) == [
        c.name
        for c in next(k for k in system_keyspaces() if k.name == "system_schema").tables["tables"].columns
    ]
    with_cdc = next(r for r in rows("tables", schema, cdc_enabled=True) if r["table_name"] == "orders")
    assert with_cdc["cdc"] is False
    system_tables = [r["table_name"] for r in rows("tables", schema) if r["keyspace_name"] == "system_schema"]
    assert "columns" in system_tables and "keyspaces" in system_tables


def test_non_default_upgrade_guarded_options():
    table = table_from_cql(
        "ks", "t", "k int PRIMARY KEY", allow_auto_snapshot=False, incremental_backups=False, memtable="trie"
    )
    ks = KeyspaceMetadata("ks", ReplicationParams.simple(1), tables=MappingProxyType({"t": table}))
    (row,) = [r for r in rows("tables", Schema(MappingProxyType({"ks": ks}))) if r["keyspace_name"] == "ks"]
    assert (row["allow_auto_snapshot"], row["incremental_backups"], row["memtable"]) == (False, False, "trie")


def test_columns_rows():
    result = [r for r in rows("columns", sample_schema()) if r["keyspace_name"] == "shop"]
    orders = {r["column_name"]: r for r in result if r["table_name"] == "orders"}
    assert [r["column_name"] for r in result if r["table_name"] == "orders"] == sorted(orders)
    assert orders["customer"] == {
        "keyspace_name": "shop",
        "table_name": "orders",
        "column_name": "customer",
        "clustering_order": "none",
        "column_name_bytes": b"customer",
        "kind": "partition_key",
        "position": 0,
        "type": "text",
    }
    assert (orders["day"]["kind"], orders["day"]["position"]) == ("partition_key", 1)
    assert (orders["id"]["kind"], orders["id"]["clustering_order"], orders["id"]["type"]) == (
        "clustering",
        "desc",
        "timeuuid",
    )
    assert (orders["note"]["kind"], orders["note"]["position"]) == ("static", -1)
    assert (orders["tags"]["kind"], orders["tags"]["type"]) == ("regular", "set<text>")
    # Views' columns are listed too.
    assert {r["column_name"] for r in result if r["table_name"] == "orders_by_id"} == {
        "id",
        "customer",
        "day",
    }


def test_dropped_columns_types_indexes_and_views_rows():
    schema = sample_schema()
    shop = [r for r in rows("dropped_columns", schema) if r["keyspace_name"] == "shop"]
    assert shop == [
        {
            "keyspace_name": "shop",
            "table_name": "orders",
            "column_name": "old",
            "dropped_time": 1_589_286_942_065,
            "kind": "regular",
            "type": "int",
        }
    ]
    assert [r for r in rows("types", schema)] == [
        {
            "keyspace_name": "shop",
            "type_name": "address",
            "field_names": ["street", "city"],
            "field_types": ["text", "text"],
        }
    ]
    assert [r for r in rows("indexes", schema) if r["keyspace_name"] == "shop"] == [
        {
            "keyspace_name": "shop",
            "table_name": "orders",
            "index_name": "by_total",
            "kind": "CUSTOM",
            "options": {
                "class_name": "org.apache.cassandra.index.sai.StorageAttachedIndex",
                "target": "total",
            },
        }
    ]
    (view,) = rows("views", schema)
    assert view["view_name"] == "orders_by_id"
    assert view["base_table_name"] == "orders"
    assert view["base_table_id"] == schema.table("shop", "orders").id
    assert view["where_clause"] == "id IS NOT NULL AND customer IS NOT NULL AND day IS NOT NULL"
    assert view["include_all_columns"] is False
    assert "flags" not in view and view["gc_grace_seconds"] == 864000
    for empty in ("triggers", "column_masks", "functions", "aggregates"):
        assert list(rows(empty, schema)) == []
    with pytest.raises(KeyError):
        list(rows("nope", schema))


def test_system_schema_describes_itself_and_paxos_index():
    result = list(rows("indexes", sample_schema()))
    assert {
        "keyspace_name": "system",
        "table_name": "paxos",
        "index_name": "PaxosUncommittedIndex",
        "kind": "CUSTOM",
        "options": {
            "class_name": "org.apache.cassandra.service.paxos.uncommitted.PaxosUncommittedIndex",
            "target": "",
        },
    } in result
    local_dropped = [r for r in rows("dropped_columns", sample_schema()) if r["table_name"] == "local"]
    assert local_dropped[0]["column_name"] == "thrift_version"
    assert local_dropped[0]["dropped_time"] == (2**63 - 1) // 1000


# ---------------------------------------------------------------------------------- virtual schema


def test_virtual_schema_rows():
    views = virtual_keyspace(
        "system_views",
        [table_from_cql("system_views", "settings", "name text PRIMARY KEY, value text", comment="settings")],
    )
    assert views.virtual and all(t.virtual for t in views.tables.values())
    assert list(virtual_rows("keyspaces", [views])) == [
        {"keyspace_name": "system_views"},
        {"keyspace_name": "system_virtual_schema"},
    ]
    assert list(virtual_rows("tables", [views])) == [
        {"keyspace_name": "system_views", "table_name": "settings", "comment": "settings"},
        {
            "keyspace_name": "system_virtual_schema",
            "table_name": "columns",
            "comment": "virtual column definitions",
        },
        {
            "keyspace_name": "system_virtual_schema",
            "table_name": "keyspaces",
            "comment": "virtual keyspace definitions",
        },
        {
            "keyspace_name": "system_virtual_schema",
            "table_name": "tables",
            "comment": "virtual table definitions",
        },
    ]
    columns = [r for r in virtual_rows("columns", [views]) if r["keyspace_name"] == "system_views"]
    assert columns == [
        {
            "keyspace_name": "system_views",
            "table_name": "settings",
            "column_name": "name",
            "clustering_order": "none",
            "column_name_bytes": b"name",
            "kind": "partition_key",
            "position": 0,
            "type": "text",
        },
        {
            "keyspace_name": "system_views",
            "table_name": "settings",
            "column_name": "value",
            "clustering_order": "none",
            "column_name_bytes": b"value",
            "kind": "regular",
            "position": -1,
            "type": "text",
        },
    ]
    vcols = virtual_schema_keyspace().tables["columns"]
    assert [c.name for c in vcols.clustering] == ["table_name", "column_name"]
    assert vcols.clustering[0].clustering_order is ClusteringOrder.ASC
    with pytest.raises(KeyError):
        list(virtual_rows("nope", []))
