"""A node served over the native protocol in a child process, for the served-node crash test.

``python served_child.py <node directory> <batch|periodic> <sync period s> <memtable flush threshold bytes>``

Opens the node (which replays its commitlog), makes the ``soak.events`` table if this is the first start,
shrinks the table's memtable flush threshold so that a few hundred writes flush and every few flushes
compact (the kills then land during flushes and compactions too), serves on an ephemeral 127.0.0.1 port,
prints ``READY <port>`` and waits to be killed. Nothing here cleans up: the test kills it with SIGKILL.
"""

from __future__ import annotations

import dataclasses
import signal
import sys
from pathlib import Path

from engine.cluster.node import Node
from engine.cluster.server import NodeServer
from engine.cql3.statements.base import ClientState
from engine.db.commitlog import CommitLogConfig, CommitLogSync

SCHEMA = (
    "CREATE KEYSPACE IF NOT EXISTS soak WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
    "CREATE TABLE IF NOT EXISTS soak.events (p int, c int, v text, PRIMARY KEY (p, c))",
)


def main() -> None:
    directory, mode, period, threshold = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    config = CommitLogConfig(sync=CommitLogSync(mode), sync_period=period, segment_size=256 * 1024)
    node = Node(directory, commitlog_config=config, cluster_name="Test Cluster")
    for statement in SCHEMA:
        node.query_processor.execute(statement, ClientState())
    table = node.catalog.schema.table("soak", "events")
    assert table is not None
    store = node.storage.table(table.id)
    store.params = dataclasses.replace(store.params, memtable_flush_threshold=threshold)
    server = NodeServer(node, "127.0.0.1", 0, workers=8)
    server.start()
    print(f"READY {server.port}", flush=True)
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
