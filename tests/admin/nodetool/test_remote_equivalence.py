"""Every nodetool command answers the same through a running server's admin API as in the serving process
itself: stdout, stderr and exit status, byte for byte (``cqlkit nodetool`` against ``cqlkit serve``:
admin/nodetool/remote.py). Commands whose figures move on their own between two runs (uptime, heap, message
counters, latencies) are compared with those figures masked."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import engine
from admin.nodetool.main import probe_for, run
from admin.nodetool.remote import nodetool_routes, run_remote
from engine.admin_api.lifecycle import Endpoint, ServedCluster
from engine.admin_api.server import AdminServer, Router, create_token

#: read-only commands and usage errors; each is run both ways on the same served cluster
COMMANDS: tuple[tuple[str, ...], ...] = (
    ("status",),
    ("status", "ks"),
    ("status", "nope"),
    ("-h", "127.0.0.2", "status"),
    ("ring",),
    ("ring", "ks"),
    ("info",),
    ("describecluster",),
    ("describering", "ks"),
    ("describering",),
    ("getendpoints", "ks", "t", "1"),
    ("getsstables", "ks", "t", "1"),
    ("tablestats", "ks"),
    ("tablestats", "-F", "json", "ks.t"),
    ("cfstats", "nope.t"),
    ("tablehistograms", "ks", "t"),
    ("tpstats",),
    ("compactionstats",),
    ("compactionstats", "-H"),
    ("compactionhistory",),
    ("listsnapshots",),
    ("gossipinfo",),
    ("netstats",),
    ("proxyhistograms",),
    ("getseeds",),
    ("gettimeout", "read"),
    ("gettimeout",),
    ("getcompactionthroughput",),
    ("statusbackup",),
    ("statusautocompaction", "ks"),
    ("statushandoff",),
    ("statusbinary",),
    ("statusgossip",),
    ("removenode", "status"),
    ("diskusage", "ks"),
    ("version",),
    ("help",),
    ("help", "repair"),
    ("nosuchcommand",),
    ("flush", "--bogus"),
)

#: figures that change between the two runs of one command
VOLATILE = (
    re.compile(r"(Uptime \(seconds\)\s*: )\d+"),
    re.compile(r"(Heap Memory \(MB\)\s*: )[\d.]+ / [\d.]+"),
    re.compile(r"(Off Heap Memory \(MB\)\s*: )[\d.]+"),
    re.compile(r"(heartbeat:)\d+"),
    re.compile(r"^(\S+:)\d+(:)", re.MULTILINE),  # gossipinfo state versions
    re.compile(r"(messages +n/a +)\d+ +\d+ +\d+"),
    re.compile(r"(\n(?:Read|Write|Range|50%|75%|95%|98%|99%|Min|Max)[^\n]*)"),
    re.compile(r"(Completed +)\d+"),
    re.compile(r'("?(?:local_read|local_write|read|write)_latency[^\n]*)'),
    re.compile(r"(Local (?:read|write) (?:count|latency): )[\w.]+"),
    re.compile(r"(Percentile[\s\S]*)"),
    re.compile(r"(\w+Stage|\w+Executor|\w+Writer|\w+Tasks)( +\d+){3,}"),
    re.compile(r"(\d+\.\d+/(?:minute|hour))"),
)


def masked(text: str) -> str:
    for pattern in VOLATILE:
        text = pattern.sub(lambda m: m.group(1) + "<v>", text)
    return text


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, dict[str, object], engine.Cluster]]:
    directory: Path = tmp_path_factory.mktemp("equivalence") / "c"
    with engine.Cluster.open(directory, nodes=3, realtime=True) as cluster:
        session = cluster.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"
        )
        session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text)")
        for k in range(20):
            session.execute(f"INSERT INTO ks.t (k, v) VALUES ({k}, 'v')")
        for node in cluster.nodes:
            node.storage.flush_all()
        router = Router()
        nodetool_routes(
            router, ServedCluster(cluster, {n.name: Endpoint("127.0.0.1", 0) for n in cluster.nodes})
        )
        server = AdminServer(router, create_token(directory), "127.0.0.1", 0)
        server.start()
        try:
            yield directory, {"admin": {"host": server.host, "port": server.port}}, cluster
        finally:
            server.stop()


def _in_process(cluster: engine.Cluster, argv: tuple[str, ...]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()

    @contextlib.contextmanager
    def connect(host: str | None, port: str) -> Iterator[object]:
        yield probe_for(cluster, host)

    return run(list(argv), out=out, err=err, connect=connect), out.getvalue(), err.getvalue()


def _remote(
    served: tuple[Path, dict[str, object], engine.Cluster], argv: tuple[str, ...]
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_remote(served[0], served[1], list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_the_server_answers_as_the_node_itself(served, argv: tuple[str, ...]) -> None:
    local = _in_process(served[2], argv)
    remote = _remote(served, argv)
    assert remote[0] == local[0]
    assert masked(remote[1]) == masked(local[1])
    assert masked(remote[2]) == masked(local[2])
    assert remote[1] or remote[2]  # every command here prints something (an error or its answer)


def test_the_masks_leave_the_answers_to_compare(served) -> None:
    """The masks only hide moving figures: what is compared keeps each command's layout and values."""
    for argv in (("info",), ("netstats",), ("tablestats", "ks"), ("tpstats",), ("gossipinfo",)):
        code, out, _ = _in_process(served[2], argv)
        kept = masked(out)
        assert code == 0 and kept.count("<v>") < len(kept.splitlines()), argv
    assert "Load" in masked(_in_process(served[2], ("info",))[1])
    assert "SSTable count: 1" in masked(_in_process(served[2], ("tablestats", "ks"))[1])
