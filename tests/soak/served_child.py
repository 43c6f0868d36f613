"""A node served over the native protocol in a child process, for the served-node crash test.

``python served_child.py <node directory> <batch|periodic> <sync period s> <memtable flush threshold bytes>
<snapshot period s>``

Opens the node (which replays its commitlog), makes the ``soak.events`` table if this is the first start,
shrinks the table's memtable flush threshold so that a few hundred writes flush and every few flushes
compact (the kills then land during flushes and compactions too), serves on an ephemeral 127.0.0.1 port,
prints ``READY <port>`` and waits to be killed. Meanwhile a thread takes a snapshot of the table every
snapshot period (0: none), as a cron job running ``nodetool snapshot`` would: each flushes the memtable
and hard-links the SSTables, so kills also land in the middle of snapshots. A failed snapshot is reported
on stdout (``SNAPSHOT-FAILED ...``) and the next one is tried. Nothing here cleans up: the
test kills it with SIGKILL.
"""

from __future__ import annotations

import dataclasses
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from engine.cluster.node import Node
from engine.cluster.server import NodeServer
from engine.cql3.statements.base import ClientState
from engine.db.column_family_store import ColumnFamilyStore
from engine.db.commitlog import CommitLogConfig, CommitLogSync

SCHEMA = (
    "CREATE KEYSPACE IF NOT EXISTS soak WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
    "CREATE TABLE IF NOT EXISTS soak.events (p int, c int, v text, PRIMARY KEY (p, c))",
)


def main() -> None:
    directory, mode, period = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    threshold, snapshot_period = int(sys.argv[4]), float(sys.argv[5])
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
    if snapshot_period > 0:
        threading.Thread(target=take_snapshots, args=(store, snapshot_period), daemon=True).start()
    print(f"READY {server.port}", flush=True)
    while True:
        signal.pause()


def take_snapshots(store: ColumnFamilyStore, period: float) -> None:
    """Snapshots until killed; a snapshot that fails is reported on stdout (``SNAPSHOT-FAILED <error>``,
    the test counts them) and the next one is tried, as a cron job would."""
    while True:
        time.sleep(period)
        try:
            store.snapshot(f"soak-{time.time_ns()}", SCHEMA[1], now=datetime.now(UTC))
        except OSError as error:
            print(f"SNAPSHOT-FAILED {type(error).__name__}: {error}", flush=True)


if __name__ == "__main__":
    main()
