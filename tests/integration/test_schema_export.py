"""cassandra-driver rebuilds the whole schema from ``system_schema``: ``export_as_string()`` of a keyspace
equals the server's ``DESCRIBE KEYSPACE``, statement by statement.

Where the two differ against Apache Cassandra 5.0 itself, they differ the same way here, and the comparison
says so instead of bending either side: the driver separates statements with a blank line (cqlsh prints
DESCRIBE's rows so too), lists a table's regular columns by name where the server lists simple columns
before collections (Cassandra's ``Columns`` order), and does not know the table options 5.0 added to
DESCRIBE (``allow_auto_snapshot``, ``cdc``, ``memtable``, ``extensions``, ``incremental_backups``).
"""

from __future__ import annotations

import re

from cassandra.cluster import Cluster

from engine.cluster.server import NodeServer
from tests.integration.conftest import driver_cluster

OPTIONS_THE_DRIVER_DOES_NOT_PRINT = re.compile(
    r"^    AND (allow_auto_snapshot|cdc|memtable|extensions|incremental_backups) = .*\n", re.MULTILINE
)
COLUMNS = re.compile(r"\(\n((?:    .+,\n)+)    PRIMARY KEY")

SCHEMA = [
    "CREATE KEYSPACE exported WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
    "CREATE TYPE exported.address (street text, zip int, tags frozen<set<text>>)",
    "CREATE TYPE exported.person (name text, home frozen<address>)",
    "CREATE TABLE exported.events (day date, at timeuuid, who frozen<person>, tags set<text>, "
    "counts map<text, int>, note text STATIC, score double, PRIMARY KEY (day, at)) "
    "WITH CLUSTERING ORDER BY (at DESC) AND comment = 'by day' AND gc_grace_seconds = 3600 "
    "AND compaction = {'class': 'LeveledCompactionStrategy', 'sstable_size_in_mb': '64'}",
    "CREATE INDEX events_tags ON exported.events (tags)",
    "CREATE INDEX events_counts_keys ON exported.events (keys(counts))",
    "CREATE TABLE exported.counters (k text, c int, hits counter, PRIMARY KEY ((k, c)))",
    "CREATE TABLE exported.plain (k int PRIMARY KEY, v text, blob_v blob) WITH default_time_to_live = 60",
]


def _statements(text: str) -> list[str]:
    return [s.strip() + ";" for s in text.split(";\n") if s.strip()]


def _comparable(statement: str) -> str:
    statement = OPTIONS_THE_DRIVER_DOES_NOT_PRINT.sub("", statement + "\n").rstrip("\n")
    found = COLUMNS.search(statement)
    if found is None:
        return statement
    lines = found.group(1).splitlines(keepends=True)
    keys, others = lines[:1], sorted(lines[1:])  # the first column stays first (a partition key column)
    return statement[: found.start(1)] + "".join(keys + others) + statement[found.end(1) :]


def test_export_as_string_equals_describe_keyspace(served: NodeServer) -> None:
    cluster: Cluster = driver_cluster(served, 5)
    try:
        session = cluster.connect()
        for statement in SCHEMA:
            session.execute(statement)
        cluster.refresh_schema_metadata()
        exported = cluster.metadata.keyspaces["exported"].export_as_string()
        described = "\n".join(row.create_statement for row in session.execute("DESCRIBE KEYSPACE exported"))
        exported_statements = _statements(exported)
        described_statements = _statements(described)
        assert len(exported_statements) == len(described_statements) == len(SCHEMA)
        assert [_comparable(s) for s in exported_statements] == [_comparable(s) for s in described_statements]
        # the normalisation removes only what the driver cannot know: everything else is identical text
        assert exported.replace("\n\n", "\n").count("\n") <= described.count("\n")
    finally:
        cluster.shutdown()
