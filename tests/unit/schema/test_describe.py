"""DESCRIBE against Cassandra 5.0's exact texts (expected strings from DescribeStatementTest and
SchemaCQLHelperTest, adapted to these schemas)."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

import pytest

from engine.cql.parser import parse_one
from engine.errors import InvalidRequest
from engine.schema.describe import ClusterInfo, DescribeResult, describe
from engine.schema.metadata import (
    NETWORK_TOPOLOGY_STRATEGY,
    DroppedColumn,
    IndexKind,
    IndexMetadata,
    KeyspaceMetadata,
    ReplicationParams,
    Schema,
    TableMetadata,
)
from engine.schema.schema_cql import java_double
from engine.schema.system_tables import system_keyspaces, table_from_cql, virtual_schema_keyspace
from engine.schema.types import UserType, parse_type

CLUSTER = ClusterInfo("Test Cluster")

PARAMS = (
    "additional_write_policy = '99p'\n"
    "    AND allow_auto_snapshot = true\n"
    "    AND bloom_filter_fp_chance = 0.01\n"
    "    AND caching = {'keys': 'ALL', 'rows_per_partition': 'NONE'}\n"
    "    AND cdc = false\n"
    "    AND comment = ''\n"
    "    AND compaction = {'class': 'org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy', "
    "'max_threshold': '32', 'min_threshold': '4'}\n"
    "    AND compression = {'chunk_length_in_kb': '16', 'class': 'org.apache.cassandra.io.compress.LZ4Compressor'}\n"
    "    AND memtable = 'default'\n"
    "    AND crc_check_chance = 1.0\n"
    "    AND default_time_to_live = 0\n"
    "    AND extensions = {}\n"
    "    AND gc_grace_seconds = 864000\n"
    "    AND incremental_backups = true\n"
    "    AND max_index_interval = 2048\n"
    "    AND memtable_flush_period_in_ms = 0\n"
    "    AND min_index_interval = 128\n"
    "    AND read_repair = 'BLOCKING'\n"
    "    AND speculative_retry = '99p';"
)
VIEW_PARAMS = PARAMS.replace("    AND default_time_to_live = 0\n", "")
KS_TEST = (
    "CREATE KEYSPACE test WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '1'}"
    "  AND durable_writes = true;"
)


def native(name: str):
    return parse_type(name, "ks", lambda _k, _n: None)


def keyspace(
    name: str, *tables: TableMetadata, types: tuple[UserType, ...] = (), views=()
) -> KeyspaceMetadata:
    return KeyspaceMetadata(
        name,
        ReplicationParams.simple(1),
        tables=MappingProxyType({t.name: t for t in tables}),
        views=MappingProxyType({v.name: v for v in views}),
        types=MappingProxyType({t.name: t for t in types}),
    )


def schema(*keyspaces: KeyspaceMetadata, system: bool = False) -> Schema:
    all_keyspaces = (*system_keyspaces(), *keyspaces) if system else keyspaces
    return Schema(MappingProxyType({k.name: k for k in all_keyspaces}))


def run(text: str, s: Schema, current: str | None = None, **kwargs) -> DescribeResult:
    return describe(parse_one(text), s, current, CLUSTER, **kwargs)


def statements(result: DescribeResult) -> list[str]:
    return [row[3] for row in result.rows]


USERS = table_from_cql("test", "users", "userid text PRIMARY KEY, firstname text, lastname text, age int")
USERS = replace(
    USERS,
    indexes=MappingProxyType(
        {"myindex": IndexMetadata("myindex", IndexKind.COMPOSITES, MappingProxyType({"target": "age"}))}
    ),
)
TEST = table_from_cql("test", "Test", "id int, col int, val text, PRIMARY KEY(id, col)")
TEST = replace(
    TEST,
    indexes=MappingProxyType(
        {
            "Test_val_idx": IndexMetadata(
                "Test_val_idx", IndexKind.COMPOSITES, MappingProxyType({"target": "val"})
            ),
            "Test_col_idx": IndexMetadata(
                "Test_col_idx", IndexKind.COMPOSITES, MappingProxyType({"target": "col"})
            ),
        }
    ),
)
USERS_MV = table_from_cql(
    "test",
    "users_mv",
    "username varchar, password varchar, gender varchar, session_token varchar, state varchar, "
    "birth_year bigint, PRIMARY KEY (username)",
)
USERS_BY_STATE = replace(
    table_from_cql(
        "test",
        "users_by_state",
        "state text, username text, birth_year bigint, gender text, password text, session_token text, "
        "PRIMARY KEY (state, username)",
    ),
    is_view=True,
    base_table="users_mv",
)
ALL_TYPES = table_from_cql(
    "test",
    "has_all_types",
    "num int PRIMARY KEY, intcol int, bigintcol bigint, varintcol varint, decimalcol decimal, floatcol float, "
    "doublecol double, textcol text, varcharcol varchar, asciicol ascii, blobcol blob, booleancol boolean, "
    "uuidcol uuid, timestampcol timestamp, smallintcol smallint, tinyintcol tinyint, durationcol duration, "
    "listcol list<decimal>, setcol set<tinyint>, mapcol map<timestamp, timeuuid>, "
    "frozenlistcol frozen<list<text>>, frozensetcol frozen<set<bigint>>, "
    "frozenmapcol frozen<map<timestamp, timeuuid>>, tuplecol frozen<tuple<text, int, frozen<tuple<timestamp>>>>",
)
TEST_KS = keyspace("test", USERS, TEST, USERS_MV, ALL_TYPES, views=(USERS_BY_STATE,))

USERS_CQL = (
    "CREATE TABLE test.users (\n"
    "    userid text PRIMARY KEY,\n"
    "    age int,\n"
    "    firstname text,\n"
    "    lastname text\n"
    ") WITH " + PARAMS
)
TEST_CQL = (
    'CREATE TABLE test."Test" (\n'
    "    id int,\n"
    "    col int,\n"
    "    val text,\n"
    "    PRIMARY KEY (id, col)\n"
    ") WITH CLUSTERING ORDER BY (col ASC)\n"
    "    AND " + PARAMS
)
ALL_TYPES_CQL = (
    "CREATE TABLE test.has_all_types (\n"
    "    num int PRIMARY KEY,\n"
    "    asciicol ascii,\n"
    "    bigintcol bigint,\n"
    "    blobcol blob,\n"
    "    booleancol boolean,\n"
    "    decimalcol decimal,\n"
    "    doublecol double,\n"
    "    durationcol duration,\n"
    "    floatcol float,\n"
    "    frozenlistcol frozen<list<text>>,\n"
    "    frozenmapcol frozen<map<timestamp, timeuuid>>,\n"
    "    frozensetcol frozen<set<bigint>>,\n"
    "    intcol int,\n"
    "    smallintcol smallint,\n"
    "    textcol text,\n"
    "    timestampcol timestamp,\n"
    "    tinyintcol tinyint,\n"
    "    tuplecol frozen<tuple<text, int, frozen<tuple<timestamp>>>>,\n"
    "    uuidcol uuid,\n"
    "    varcharcol text,\n"
    "    varintcol varint,\n"
    "    listcol list<decimal>,\n"
    "    mapcol map<timestamp, timeuuid>,\n"
    "    setcol set<tinyint>\n"
    ") WITH " + PARAMS
)
USERS_MV_CQL = (
    "CREATE TABLE test.users_mv (\n"
    "    username text PRIMARY KEY,\n"
    "    birth_year bigint,\n"
    "    gender text,\n"
    "    password text,\n"
    "    session_token text,\n"
    "    state text\n"
    ") WITH " + PARAMS
)
USERS_BY_STATE_CQL = (
    "CREATE MATERIALIZED VIEW test.users_by_state AS\n"
    "    SELECT state, username, birth_year, gender, password, session_token\n"
    "    FROM test.users_mv\n"
    "    WHERE state IS NOT NULL AND username IS NOT NULL\n"
    "    PRIMARY KEY (state, username)\n"
    " WITH CLUSTERING ORDER BY (username ASC)\n"
    "    AND " + VIEW_PARAMS
)


def index_cql(name: str, table: str, column: str) -> str:
    return f"CREATE INDEX {name} ON test.{table} ({column});"


KEYSPACE_ROWS = [
    ("test", "keyspace", "test", KS_TEST),
    ("test", "table", "has_all_types", ALL_TYPES_CQL),
    ("test", "table", '"Test"', TEST_CQL),
    ("test", "index", '"Test_col_idx"', index_cql('"Test_col_idx"', '"Test"', "col")),
    ("test", "index", '"Test_val_idx"', index_cql('"Test_val_idx"', '"Test"', "val")),
    ("test", "table", "users", USERS_CQL),
    ("test", "index", "myindex", index_cql("myindex", "users", "age")),
    ("test", "table", "users_mv", USERS_MV_CQL),
    ("test", "materialized_view", "users_by_state", USERS_BY_STATE_CQL),
]


# ------------------------------------------------------------------------------------- keyspaces


def test_describe_keyspace_orders_tables_indexes_and_views_like_cassandra():
    s = schema(TEST_KS)
    result = run("DESCRIBE KEYSPACE test", s)
    assert result.columns == ("keyspace_name", "type", "name", "create_statement")
    assert list(result.rows) == KEYSPACE_ROWS
    assert list(run("DESCRIBE test", s).rows) == KEYSPACE_ROWS
    assert list(run("DESC KEYSPACE", s, current="test").rows) == KEYSPACE_ROWS


def test_describe_only_keyspace():
    assert list(run("DESCRIBE ONLY KEYSPACE test", schema(TEST_KS)).rows) == [KEYSPACE_ROWS[0]]


def test_network_topology_keyspace_and_durable_writes():
    ks = KeyspaceMetadata(
        "nts",
        ReplicationParams(NETWORK_TOPOLOGY_STRATEGY, MappingProxyType({"dc2": "2", "dc1": "3"})),
        durable_writes=False,
    )
    assert statements(run("DESCRIBE KEYSPACE nts", schema(ks))) == [
        "CREATE KEYSPACE nts WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': '3', 'dc2': '2'}"
        "  AND durable_writes = false;"
    ]


def test_custom_strategy_keeps_its_full_class_name_and_names_are_quoted():
    ks = KeyspaceMetadata("My KS", ReplicationParams("com.example.Strategy", MappingProxyType({"x": "it's"})))
    result = run('DESCRIBE KEYSPACE "My KS"', schema(ks))
    assert result.rows == (
        (
            '"My KS"',
            "keyspace",
            '"My KS"',
            "CREATE KEYSPACE \"My KS\" WITH replication = {'class': 'com.example.Strategy', 'x': 'it''s'}"
            "  AND durable_writes = true;",
        ),
    )


def test_describe_keyspaces_lists_every_keyspace_sorted_ignoring_case():
    s = schema(keyspace("b"), keyspace("Alpha"), keyspace("test"), system=True)
    result = run("DESCRIBE KEYSPACES", s, virtual_keyspaces=[virtual_schema_keyspace()])
    assert result.columns == ("keyspace_name", "type", "name")
    assert [r[0] for r in result.rows] == [
        '"Alpha"',
        "b",
        "system",
        "system_auth",
        "system_distributed",
        "system_schema",
        "system_traces",
        "system_virtual_schema",
        "test",
    ]
    assert all(r[1] == "keyspace" for r in result.rows)


def test_schema_leaves_out_system_keyspaces_and_full_schema_includes_them():
    s = schema(TEST_KS, system=True)
    assert list(run("DESCRIBE SCHEMA", s).rows) == KEYSPACE_ROWS
    full = run("DESCRIBE FULL SCHEMA", s, virtual_keyspaces=[virtual_schema_keyspace()])
    keyspaces = [r[2] for r in full.rows if r[1] == "keyspace"]
    assert keyspaces == [
        "system",
        "system_auth",
        "system_distributed",
        "system_schema",
        "system_traces",
        "system_virtual_schema",
        "test",
    ]
    assert ("system", "table", '"IndexInfo"') in [r[:3] for r in full.rows]


# ---------------------------------------------------------------------------------------- tables


def test_describe_table_with_its_indexes():
    s = schema(TEST_KS)
    expected = KEYSPACE_ROWS[2:5]
    for text, current in [
        ('DESCRIBE TABLE test."Test"', None),
        ('DESCRIBE COLUMNFAMILY "Test"', "test"),
        ('DESCRIBE test."Test"', None),
        ('DESC "Test"', "test"),
    ]:
        assert list(run(text, s, current).rows) == expected, text
    assert list(run("DESCRIBE TABLE test.has_all_types", s).rows) == [KEYSPACE_ROWS[1]]


def test_composite_partition_key_static_and_internals():
    table = table_from_cql(
        "ks",
        "t",
        "pk1 text, pk2 int, c int, s decimal static, v1 text, v2 int, v3 int, PRIMARY KEY ((pk1, pk2), c)",
    )
    s = schema(keyspace("ks", table))
    create = (
        "CREATE TABLE ks.t (\n"
        "    pk1 text,\n"
        "    pk2 int,\n"
        "    c int,\n"
        "    s decimal static,\n"
        "    v1 text,\n"
        "    v2 int,\n"
        "    v3 int,\n"
        "    PRIMARY KEY ((pk1, pk2), c)\n"
        f") WITH ID = {table.id}\n"
        "    AND CLUSTERING ORDER BY (c ASC)\n"
        "    AND " + PARAMS
    )
    assert statements(run("DESCRIBE TABLE ks.t WITH INTERNALS", s)) == [create]
    assert statements(run("DESCRIBE TABLE ks.t", s)) == [create.replace(f"ID = {table.id}\n    AND ", "")]


def test_dropped_columns_only_with_internals():
    base = table_from_cql("ks", "t", "pk text, v1 text, v2 int, v3 int, PRIMARY KEY (pk)")
    v3 = base.column("v3")
    assert v3 is not None
    dropped = DroppedColumn("v3", v3.type, 1589286942065000)
    table = replace(base, columns=base.columns[:-1], dropped_columns=MappingProxyType({"v3": dropped}))
    s = schema(keyspace("ks", table))
    drop = "ALTER TABLE ks.t DROP v3 USING TIMESTAMP 1589286942065000;"
    with_internals = (
        "CREATE TABLE ks.t (\n"
        "    pk text PRIMARY KEY,\n"
        "    v1 text,\n"
        "    v2 int,\n"
        "    v3 int\n"
        f") WITH ID = {table.id}\n"
        "    AND " + PARAMS + "\n" + drop
    )
    assert statements(run("DESCRIBE TABLE ks.t WITH INTERNALS", s)) == [with_internals]
    assert statements(run("DESCRIBE TABLE ks.t", s)) == [
        "CREATE TABLE ks.t (\n    pk text PRIMARY KEY,\n    v1 text,\n    v2 int\n) WITH " + PARAMS
    ]
    # Added again after the drop: created as dropped, dropped, then added.
    readded = replace(table, columns=base.columns)
    assert statements(run("DESCRIBE TABLE ks.t WITH INTERNALS", schema(keyspace("ks", readded)))) == [
        with_internals + "\nALTER TABLE ks.t ADD v3 int;"
    ]


def test_clustering_desc_and_collections_after_simple_columns():
    table = table_from_cql(
        "ks",
        "t",
        "pk1 int, pk2 int, ck1 int, ck2 int, reg1 int, reg2 list<int>, reg3 int, "
        "PRIMARY KEY ((pk1, pk2), ck1, ck2)) WITH CLUSTERING ORDER BY (ck1 ASC, ck2 DESC",
    )
    assert statements(run("DESCRIBE TABLE ks.t", schema(keyspace("ks", table)))) == [
        "CREATE TABLE ks.t (\n"
        "    pk1 int,\n"
        "    pk2 int,\n"
        "    ck1 int,\n"
        "    ck2 int,\n"
        "    reg1 int,\n"
        "    reg3 int,\n"
        "    reg2 list<int>,\n"
        "    PRIMARY KEY ((pk1, pk2), ck1, ck2)\n"
        ") WITH CLUSTERING ORDER BY (ck1 ASC, ck2 DESC)\n"
        "    AND " + PARAMS
    ]


def test_counter_table():
    table = table_from_cql("ks", "counts", "k text, day int, hits counter, PRIMARY KEY (k, day)")
    assert statements(run("DESCRIBE TABLE ks.counts", schema(keyspace("ks", table)))) == [
        "CREATE TABLE ks.counts (\n"
        "    k text,\n"
        "    day int,\n"
        "    hits counter,\n"
        "    PRIMARY KEY (k, day)\n"
        ") WITH CLUSTERING ORDER BY (day ASC)\n"
        "    AND " + PARAMS
    ]


def test_changed_options():
    table = table_from_cql(
        "ks",
        "t",
        "k int PRIMARY KEY, v text",
        comment='it\'s a "table"',
        bloom_filter_fp_chance=0.1,
        crc_check_chance=0.5,
        caching=MappingProxyType({"rows_per_partition": "10", "keys": "NONE"}),
        compaction=MappingProxyType(
            {
                "class": "org.apache.cassandra.db.compaction.LeveledCompactionStrategy",
                "sstable_size_in_mb": "1",
                "max_threshold": "32",
                "min_threshold": "4",
            }
        ),
        compression=MappingProxyType({"enabled": "false"}),
        default_time_to_live=3600,
        gc_grace_seconds=0,
        extensions=MappingProxyType({"b": b"\x01\xff", "a": b""}),
        speculative_retry="ALWAYS",
        additional_write_policy="50p",
        read_repair="NONE",
        cdc=True,
        allow_auto_snapshot=False,
        incremental_backups=False,
        memtable="trie",
        memtable_flush_period_in_ms=60000,
        min_index_interval=64,
        max_index_interval=1024,
    )
    assert statements(run("DESCRIBE TABLE ks.t", schema(keyspace("ks", table)))) == [
        "CREATE TABLE ks.t (\n"
        "    k int PRIMARY KEY,\n"
        "    v text\n"
        ") WITH additional_write_policy = '50p'\n"
        "    AND allow_auto_snapshot = false\n"
        "    AND bloom_filter_fp_chance = 0.1\n"
        "    AND caching = {'keys': 'NONE', 'rows_per_partition': '10'}\n"
        "    AND cdc = true\n"
        "    AND comment = 'it''s a \"table\"'\n"
        "    AND compaction = {'class': 'org.apache.cassandra.db.compaction.LeveledCompactionStrategy', "
        "'max_threshold': '32', 'min_threshold': '4', 'sstable_size_in_mb': '1'}\n"
        "    AND compression = {'enabled': 'false'}\n"
        "    AND memtable = 'trie'\n"
        "    AND crc_check_chance = 0.5\n"
        "    AND default_time_to_live = 3600\n"
        "    AND extensions = {'a': 0x, 'b': 0x01ff}\n"
        "    AND gc_grace_seconds = 0\n"
        "    AND incremental_backups = false\n"
        "    AND max_index_interval = 1024\n"
        "    AND memtable_flush_period_in_ms = 60000\n"
        "    AND min_index_interval = 64\n"
        "    AND read_repair = 'NONE'\n"
        "    AND speculative_retry = 'ALWAYS';"
    ]


def test_quoted_column_names_and_reserved_words():
    table = table_from_cql("ks", "t", '"Key" int, "token" text, "select" int, PRIMARY KEY ("Key", "token")')
    (create,) = statements(run("DESCRIBE TABLE ks.t", schema(keyspace("ks", table))))
    assert create.startswith(
        'CREATE TABLE ks.t (\n    "Key" int,\n    "token" text,\n    "select" int,\n'
        '    PRIMARY KEY ("Key", "token")\n) WITH CLUSTERING ORDER BY ("token" ASC)\n'
    )


def test_user_types_frozen_and_dependency_order():
    ks = "ks"
    type2 = UserType(ks, "type2", ("x", "y"), (native("text"), native("text")))
    type3 = UserType(ks, "type3", ("a", "b"), (native("text"), type2.freeze()))
    type1 = UserType(ks, "type1", ("a", "b"), (native("int"), type3.freeze()))
    tokens = UserType(ks, "tokens", ("token", "desc"), (native("text"),) * 2)
    table = table_from_cql(ks, "t", "k int PRIMARY KEY")
    s = schema(keyspace(ks, table, types=(type1, type2, type3, tokens)))
    assert [r[2] for r in run("DESCRIBE TYPES", s, current=ks).rows] == ["tokens", "type1", "type2", "type3"]
    assert statements(run("DESCRIBE TYPE type1", s, current=ks)) == [
        "CREATE TYPE ks.type1 (\n    a int,\n    b frozen<type3>\n);"
    ]
    assert statements(run("DESCRIBE TYPE ks.tokens", s)) == [
        'CREATE TYPE ks.tokens (\n    "token" text,\n    "desc" text\n);'
    ]
    rows = run("DESCRIBE KEYSPACE ks", s).rows
    assert [r[2] for r in rows] == ["ks", "tokens", "type2", "type3", "type1", "t"]


def test_index_kinds_and_custom_index_options():
    table = table_from_cql("ks", "t", "id int PRIMARY KEY, value text, m map<text, int>")
    indexes = {
        "by_value": IndexMetadata(
            "by_value",
            IndexKind.CUSTOM,
            MappingProxyType(
                {
                    "class_name": "org.apache.cassandra.index.sai.StorageAttachedIndex",
                    "target": "value",
                    "case_sensitive": "false",
                    "ascii": "true",
                }
            ),
        ),
        "sasi": IndexMetadata(
            "sasi",
            IndexKind.CUSTOM,
            MappingProxyType({"class_name": "org.apache.cassandra.index.sasi.SASIIndex", "target": "value"}),
        ),
        "Keys": IndexMetadata("Keys", IndexKind.COMPOSITES, MappingProxyType({"target": "keys(m)"})),
    }
    table = replace(table, indexes=MappingProxyType(indexes))
    s = schema(keyspace("ks", table))
    result = run("DESCRIBE TABLE ks.t", s)
    assert [r[2] for r in result.rows] == ["t", "by_value", '"Keys"', "sasi"]
    assert statements(result)[1:] == [
        "CREATE CUSTOM INDEX by_value ON ks.t (value) USING 'org.apache.cassandra.index.sai.StorageAttachedIndex'"
        " WITH OPTIONS = {'ascii': 'true', 'case_sensitive': 'false'};",
        'CREATE INDEX "Keys" ON ks.t (keys(m));',
        "CREATE CUSTOM INDEX sasi ON ks.t (value) USING 'org.apache.cassandra.index.sasi.SASIIndex';",
    ]
    assert list(run("DESCRIBE INDEX ks.sasi", s).rows) == [result.rows[3]]
    assert list(run("DESCRIBE sasi", s, current="ks").rows) == [result.rows[3]]


def test_materialized_view():
    s = schema(TEST_KS)
    expected = [("test", "materialized_view", "users_by_state", USERS_BY_STATE_CQL)]
    assert list(run("DESCRIBE MATERIALIZED VIEW test.users_by_state", s).rows) == expected
    assert list(run("DESCRIBE users_by_state", s, current="test").rows) == expected


# ---------------------------------------------------------------------------------------- virtual


def test_virtual_keyspace_and_table():
    vks = virtual_schema_keyspace()
    s = schema()
    assert list(run("DESCRIBE ONLY KEYSPACE system_virtual_schema;", s, virtual_keyspaces=[vks]).rows) == [
        (
            "system_virtual_schema",
            "keyspace",
            "system_virtual_schema",
            "/*\n"
            "Warning: Keyspace system_virtual_schema is a virtual keyspace and cannot be recreated with CQL.\n"
            "Structure, for reference:\n"
            "VIRTUAL KEYSPACE system_virtual_schema;\n"
            "*/",
        )
    ]
    assert statements(run("DESCRIBE TABLE system_virtual_schema.columns;", s, virtual_keyspaces=[vks])) == [
        "/*\n"
        "Warning: Table system_virtual_schema.columns is a virtual table and cannot be recreated with CQL.\n"
        "Structure, for reference:\n"
        "VIRTUAL TABLE system_virtual_schema.columns (\n"
        "    keyspace_name text,\n"
        "    table_name text,\n"
        "    column_name text,\n"
        "    clustering_order text,\n"
        "    column_name_bytes blob,\n"
        "    kind text,\n"
        "    position int,\n"
        "    type text,\n"
        "    PRIMARY KEY (keyspace_name, table_name, column_name)\n"
        ") WITH CLUSTERING ORDER BY (table_name ASC, column_name ASC)\n"
        "    AND comment = 'virtual column definitions';\n"
        "*/"
    ]
    assert statements(run("DESCRIBE TABLE system_virtual_schema.keyspaces", s, virtual_keyspaces=[vks])) == [
        "/*\n"
        "Warning: Table system_virtual_schema.keyspaces is a virtual table and cannot be recreated with CQL.\n"
        "Structure, for reference:\n"
        "VIRTUAL TABLE system_virtual_schema.keyspaces (\n"
        "    keyspace_name text PRIMARY KEY\n"
        ") WITH comment = 'virtual keyspace definitions';\n"
        "*/"
    ]


def test_system_table():
    (create,) = statements(run("DESCRIBE TABLE system.local", schema(system=True)))
    assert create.startswith(
        "CREATE TABLE system.local (\n    key text PRIMARY KEY,\n    bootstrapped text,\n"
    )
    assert "    tokens set<text>,\n    truncated_at map<uuid, blob>\n) WITH " in create
    assert "    AND comment = 'information about the local node'\n" in create
    assert "    AND gc_grace_seconds = 0\n" in create
    assert "    AND memtable_flush_period_in_ms = 3600000\n" in create


# ----------------------------------------------------------------------------------------- listing


def test_describe_tables_with_and_without_current_keyspace():
    s = schema(TEST_KS, keyspace("other", table_from_cql("other", "x", "k int PRIMARY KEY")))
    assert list(run("DESCRIBE TABLES", s, current="test").rows) == [
        ("test", "table", "has_all_types"),
        ("test", "table", '"Test"'),
        ("test", "table", "users"),
        ("test", "table", "users_mv"),
    ]
    assert [r[:3:2] for r in run("DESC TABLES", s).rows] == [
        ("other", "x"),
        ("test", "has_all_types"),
        ("test", '"Test"'),
        ("test", "users"),
        ("test", "users_mv"),
    ]
    assert run("DESCRIBE FUNCTIONS", s, current="test").rows == ()
    assert run("DESCRIBE AGGREGATES", s).rows == ()


# ------------------------------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("text", "current", "message"),
    [
        ("DESCRIBE test2", None, "'test2' not found in keyspaces"),
        ("DESCRIBE KEYSPACE test2", None, "'test2' not found in keyspaces"),
        ("DESCRIBE KEYSPACE", None, "No keyspace specified and no current keyspace"),
        ("DESCRIBE users2", "test", "'users2' not found in keyspace 'test'"),
        ("DESCRIBE test.users2", None, "'users2' not found in keyspace 'test'"),
        ("DESCRIBE TABLE foop", None, "No keyspace specified and no current keyspace"),
        ("DESCRIBE MATERIALIZED VIEW foop", None, "No keyspace specified and no current keyspace"),
        ("DESCRIBE INDEX foop", None, "No keyspace specified and no current keyspace"),
        ("DESCRIBE TYPE foop", None, "No keyspace specified and no current keyspace"),
        ("DESCRIBE FUNCTION foop", None, "No keyspace specified and no current keyspace"),
        ("DESCRIBE AGGREGATE foop", None, "No keyspace specified and no current keyspace"),
        ("DESCRIBE TABLE test.users_by_state", None, "Table 'users_by_state' not found in keyspace 'test'"),
        ("DESCRIBE TABLE nope.t", None, "'nope' not found in keyspaces"),
        ("DESCRIBE INDEX test.nope", None, "Table for existing index 'nope' not found in 'test'"),
        ("DESCRIBE MATERIALIZED VIEW test.users", None, "Materialized view 'users' not found in 'test'"),
        ("DESCRIBE TYPE test.nope", None, "User defined type 'nope' not found in 'test'"),
        ("DESCRIBE FUNCTION test.func_foo", None, "User defined function 'func_foo' not found in 'test'"),
        ("DESCRIBE AGGREGATE test.aggr_foo", None, "User defined aggregate 'aggr_foo' not found in 'test'"),
        ("DESCRIBE TABLES", "gone", "'gone' not found in keyspaces"),
    ],
)
def test_errors(text, current, message):
    with pytest.raises(InvalidRequest) as error:
        run(text, schema(TEST_KS), current)
    assert str(error.value) == message


# ----------------------------------------------------------------------------------------- cluster


def test_describe_cluster():
    info = ClusterInfo(
        "Test Cluster",
        range_ownership=lambda ks: {"9": ["/127.0.0.2:7000"], "-3": ["/127.0.0.1:7000", "/127.0.0.2:7000"]},
    )
    s = schema(TEST_KS, system=True)
    plain = describe(parse_one("DESCRIBE CLUSTER"), s, None, info)
    assert plain.columns == ("cluster", "partitioner", "snitch")
    assert plain.rows == (("Test Cluster", "Murmur3Partitioner", "DynamicEndpointSnitch"),)
    assert describe(parse_one("DESCRIBE CLUSTER"), s, "system_auth", info) == plain
    in_keyspace = describe(parse_one("DESC CLUSTER"), s, "test", info)
    assert in_keyspace.columns[-1] == "range_ownership"
    assert in_keyspace.column_types[-1] == "frozen<map<text, frozen<list<text>>>>"
    ownership = in_keyspace.rows[0][3]
    assert list(ownership.items()) == [
        ("-3", ["/127.0.0.1:7000", "/127.0.0.2:7000"]),
        ("9", ["/127.0.0.2:7000"]),
    ]
    custom = ClusterInfo("c", "com.example.Partitioner", "com.example.Snitch")
    assert describe(parse_one("DESCRIBE CLUSTER"), s, None, custom).rows == (
        ("c", "com.example.Partitioner", "com.example.Snitch"),
    )


# ------------------------------------------------------------------------------------------ values


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.01, "0.01"),
        (1.0, "1.0"),
        (0.1, "0.1"),
        (0.5, "0.5"),
        (0.001, "0.001"),
        (0.0001, "1.0E-4"),
        (0.00075, "7.5E-4"),
        (1e7, "1.0E7"),
        (1234567.0, "1234567.0"),
        (0.0, "0.0"),
        (-2.5, "-2.5"),
    ],
)
def test_java_double(value, text):
    assert java_double(value) == text
