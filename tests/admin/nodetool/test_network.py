"""nodetool netstats, gossipinfo, proxyhistograms, getseeds, gettimeout/settimeout and the diskusage
extension on a three-node in-process cluster (stepped network: exact counts, exact virtual times)."""

from __future__ import annotations

import contextlib
import io
import itertools
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

import engine
from admin.nodetool.main import run
from engine.errors import ReadTimeout, WriteTimeout
from engine.gms import ApplicationState
from engine.probe import NodeProbe
from engine.service.client_request_metrics import MeteredProxy

CL = engine.ConsistencyLevel
N3 = "127.0.0.3"
TYPES = (
    "read, range, write, counterwrite, cascontention, truncate, internodeconnect, internodeuser, "
    "internodestreaminguser, misc (general rpc_timeout_in_ms)"
)
HINT = "See 'nodetool help' or 'nodetool help <command>'.\n"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[engine.Cluster]:
    directory = tmp_path_factory.mktemp("network") / "c"
    with engine.Cluster.open(directory, nodes=3) as opened:
        session = opened.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"
        )
        session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text)")
        yield opened


def nodetool(cluster: engine.Cluster, *args: str, node: int = 0) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    probe = NodeProbe(cluster, cluster.nodes[node])

    def connect(host: str | None, port: str) -> contextlib.AbstractContextManager[NodeProbe]:
        return contextlib.nullcontext(probe)

    return run(list(args), out=out, err=err, connect=connect), out.getvalue(), err.getvalue()


def netstats_text(small: tuple[int, int, int], gossip: tuple[int, int, int]) -> str:
    return (
        "Mode: NORMAL\n"
        "Not sending any streams.\n"
        "Read Repair Statistics:\n"
        "Attempted: 0\n"
        "Mismatch (Blocking): 0\n"
        "Mismatch (Background): 0\n"
        "Pool Name                    Active   Pending      Completed   Dropped\n"
        "Large messages                  n/a         0              0         0\n"
        f"Small messages                  n/a{small[0]:>10}{small[1]:>15}{small[2]:>10}\n"
        f"Gossip messages                 n/a{gossip[0]:>10}{gossip[1]:>15}{gossip[2]:>10}\n"
    )


def pools(cluster: engine.Cluster, node: int = 0) -> dict[str, tuple[int, int, int]]:
    return {
        p.name: (p.pending, p.completed, p.dropped)
        for p in NodeProbe(cluster, cluster.nodes[node]).net_stats().pools
    }


def test_netstats_counts_the_nodes_messages(cluster: engine.Cluster) -> None:
    session = cluster.connect("ks")
    before = pools(cluster)
    code, out, err = nodetool(cluster, "netstats")
    assert (code, err) == (0, "")
    assert out == netstats_text(before["Small messages"], before["Gossip messages"])
    # a write at ALL from node1: one MUTATION_REQ to each of the two other replicas, both delivered
    session.execute("INSERT INTO t (k, v) VALUES (1, 'a')", consistency_level=CL.ALL)
    pending, completed, dropped = before["Small messages"]
    assert nodetool(cluster, "netstats")[1] == netstats_text(
        (pending, completed + 2, dropped), before["Gossip messages"]
    )
    # node3 cut off: node1's mutation to it is lost (and hinted), the write still succeeds at ONE
    cluster.network.partition(cluster.nodes[0].address, N3)
    try:
        session.execute("INSERT INTO t (k, v) VALUES (2, 'b')", consistency_level=CL.ONE)
    finally:
        cluster.network.heal()
    assert pools(cluster)["Small messages"] == (pending, completed + 3, dropped + 1)
    assert nodetool(cluster, "netstats", "-H")[0] == 0


def test_gossipinfo_prints_every_endpoint_state(cluster: engine.Cluster) -> None:
    cluster.advance(5000)  # a few gossip rounds: node2 has heard everyone's latest state
    gossiper = cluster.nodes[1].membership.gossiper
    expected = []
    for node in cluster.nodes:  # node2's view of each endpoint, states in Cassandra's enum order
        state = gossiper.endpoint_state(node.address)
        version = {kind: value.version for kind, value in state.states.items()}
        expected += [
            f"/{node.address}",
            f"  generation:{state.heartbeat.generation}",
            f"  heartbeat:{state.heartbeat.version}",
            f"  STATUS:{version[ApplicationState.STATUS]}:NORMAL,{min(node.membership.me.tokens)}",
            f"  SCHEMA:{version[ApplicationState.SCHEMA]}:{node.catalog.schema.version}",
            f"  DC:{version[ApplicationState.DC]}:datacenter1",
            f"  RACK:{version[ApplicationState.RACK]}:rack1",
            f"  RELEASE_VERSION:{version[ApplicationState.RELEASE_VERSION]}:5.0.0",
            f"  HOST_ID:{version[ApplicationState.HOST_ID]}:{node.membership.host_id}",
            f"  TOKENS:{version[ApplicationState.TOKENS]}:<hidden>",
        ]
        assert set(version) == {
            ApplicationState.STATUS,
            ApplicationState.SCHEMA,
            ApplicationState.DC,
            ApplicationState.RACK,
            ApplicationState.RELEASE_VERSION,
            ApplicationState.HOST_ID,
            ApplicationState.TOKENS,
        }  # what cqlkit gossips today; a new state must show in gossipinfo
    assert nodetool(cluster, "gossipinfo", node=1) == (0, "\n".join(expected) + "\n\n", "")
    with_port = nodetool(cluster, "-pp", "gossipinfo", node=1)[1]
    assert with_port.splitlines()[0::10][:3] == ["/127.0.0.1:7000", "/127.0.0.2:7000", "/127.0.0.3:7000"]
    resolved = nodetool(cluster, "gossipinfo", "-r", node=1)[1]
    names = []
    for address in ("127.0.0.1", "127.0.0.2", "127.0.0.3"):
        try:
            names.append(socket.gethostbyaddr(address)[0])
        except OSError:
            names.append(address)
    assert resolved.splitlines()[0::10][:3] == names
    assert resolved.splitlines()[1:10] == nodetool(cluster, "gossipinfo", node=1)[1].splitlines()[1:10]


def test_getseeds_names_the_seeds_other_than_the_node(cluster: engine.Cluster) -> None:
    assert nodetool(cluster, "getseeds", node=1) == (
        0,
        "Current list of seed node IPs, excluding the current node's IP: /127.0.0.1:7000\n",
        "",
    )
    assert nodetool(cluster, "getseeds") == (0, "Seed node list does not contain any remote node IPs\n", "")


def test_settimeout_changes_when_the_coordinator_gives_up(cluster: engine.Cluster) -> None:
    session = cluster.connect("ks")
    assert nodetool(cluster, "gettimeout", "write") == (0, "Current timeout for type write: 2000 ms\n", "")
    assert nodetool(cluster, "gettimeout", "internodestreaminguser")[1] == (
        "Current timeout for type internodestreaminguser: 300000 ms\n"
    )
    cluster.network.partition(cluster.nodes[0].address, N3)
    try:
        started = cluster.network.now()
        with pytest.raises(WriteTimeout):
            session.execute("INSERT INTO t (k, v) VALUES (3, 'c')", consistency_level=CL.ALL)
        assert cluster.network.now() - started == 2000.0
        assert nodetool(cluster, "settimeout", "write", "500") == (0, "", "")
        assert nodetool(cluster, "gettimeout", "write")[1] == "Current timeout for type write: 500 ms\n"
        started = cluster.network.now()
        with pytest.raises(WriteTimeout):
            session.execute("INSERT INTO t (k, v) VALUES (3, 'c')", consistency_level=CL.ALL)
        assert cluster.network.now() - started == 500.0
        assert nodetool(cluster, "settimeout", "read", "300") == (0, "", "")
        started = cluster.network.now()
        with pytest.raises(ReadTimeout):
            session.execute("SELECT * FROM t WHERE k = 1", consistency_level=CL.ALL)
        assert cluster.network.now() - started == 300.0
        # node2's timeouts are its own
        assert (
            nodetool(cluster, "gettimeout", "write", node=1)[1] == "Current timeout for type write: 2000 ms\n"
        )
    finally:
        cluster.network.heal()
        nodetool(cluster, "settimeout", "write", "2000")
        nodetool(cluster, "settimeout", "read", "5000")
    cluster.advance(10_000)  # hints for node3 replay


def test_timeout_usage_errors(cluster: engine.Cluster) -> None:
    cases = {
        ("gettimeout",): f"gettimeout requires a timeout type, one of ({TYPES})",
        ("gettimeout", "read", "write"): f"gettimeout requires a timeout type, one of ({TYPES})",
        ("gettimeout", "eternity"): f"Timeout type requires one of ({TYPES})",
        ("settimeout", "read"): "Timeout type followed by value in ms (0 disables socket streaming timeout). "
        f"Type should be one of ({TYPES})",
        ("settimeout", "eternity", "5"): f"Timeout type requires one of ({TYPES})",
        ("settimeout", "read", "-1"): "timeout must be non-negative",
        ("settimeout", "read", "5s"): 'For input string: "5s"',
    }
    for args, message in cases.items():
        assert nodetool(cluster, *args) == (1, f"nodetool: {message}\n{HINT}", ""), args
    assert nodetool(cluster, "gettimeout", "read")[1] == "Current timeout for type read: 5000 ms\n"


def test_proxyhistograms_of_a_metered_coordinator(cluster: engine.Cluster) -> None:
    node = cluster.nodes[2]
    plain = node.proxy
    ticks = itertools.count()
    # every request takes 1 ms on this clock: started at an even tick, finished at the next one
    metered = MeteredProxy(plain, clock=lambda: next(ticks) / 1000.0)
    node.proxy = node.context.proxy = metered
    try:
        empty = nodetool(cluster, "proxyhistograms", node=2)[1]
        assert empty.splitlines()[3] == "50%" + " " * 7 + "               0.00" * 6
        session = cluster.connect("ks", node="node3")
        session.execute("INSERT INTO t (k, v) VALUES (4, 'd')")
        session.execute("SELECT * FROM t WHERE k = 4")
        session.execute("SELECT * FROM t")
        session.execute("INSERT INTO t (k, v) VALUES (5, 'e') IF NOT EXISTS")
        session.execute("SELECT * FROM t WHERE k = 5", consistency_level=CL.SERIAL)
        code, out, err = nodetool(cluster, "proxyhistograms", node=2)
    finally:
        node.proxy = node.context.proxy = plain
    # one measurement per client request: the conditional insert's read of its row is part of it
    assert {kind.value: h.count for kind, h in metered.metrics.latencies.items()} == {
        "Read": 1,
        "Write": 1,
        "RangeSlice": 1,
        "CASRead": 1,
        "CASWrite": 1,
        "ViewWrite": 0,
    }
    row = "%-10s" + "%19s" * 6
    ms = "1109.00"  # EstimatedHistogram's bucket holding 1000 µs ends at 1109
    assert (code, err) == (0, "")
    assert out == (
        "proxy histograms\n"
        + row
        % (
            "Percentile",
            "Read Latency",
            "Write Latency",
            "Range Latency",
            "CAS Read Latency",
            "CAS Write Latency",
            "View Write Latency",
        )
        + "\n"
        + row % ("", "(micros)", "(micros)", "(micros)", "(micros)", "(micros)", "(micros)")
        + "\n"
        + "".join(row % (p, ms, ms, ms, ms, ms, "0.00") + "\n" for p in ("50%", "75%", "95%", "98%", "99%"))
        + row % ("Min", "925.00", "925.00", "925.00", "925.00", "925.00", "0.00")
        + "\n"
        + row % ("Max", ms, ms, ms, ms, ms, "0.00")
        + "\n"
        + "\n"
    )


def _files(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.iterdir() if p.is_file()) if directory.is_dir() else 0


def test_diskusage_measures_each_table_on_disk(cluster: engine.Cluster) -> None:
    from admin.nodetool.formatting import file_size

    session = cluster.connect("ks")
    assert nodetool(cluster, "enablebackup") == (0, "", "")
    try:
        for k in range(10, 20):
            session.execute(f"INSERT INTO t (k, v) VALUES ({k}, 'v')")
        assert nodetool(cluster, "flush", "ks") == (0, "", "")
        assert nodetool(cluster, "snapshot", "-t", "du", "ks")[0] == 0
    finally:
        nodetool(cluster, "disablebackup")
    (store,) = NodeProbe(cluster).stores("ks", ["t"])
    directory = Path(store.directory)
    live, total = store.live_disk_space_used, _files(directory)
    snapshots, backups = _files(directory / "snapshots" / "du"), _files(directory / "backups")
    assert live > 0 and total >= live and snapshots > 0 and backups > 0
    code, out, err = nodetool(cluster, "diskusage", "ks")
    sizes = [file_size(v) for v in (live, total, snapshots, backups)]
    widths = [
        max(len(h), len(s)) for h, s in zip(("Live", "Total", "Snapshots", "Backups"), sizes, strict=True)
    ]
    cells = lambda values: " ".join(v.ljust(w) for v, w in zip(values, widths, strict=True))  # noqa: E731
    assert (code, err) == (0, "")
    assert out == (
        f"Keyspace Table {cells(('Live', 'Total', 'Snapshots', 'Backups'))}\n"
        f"ks       t     {cells(sizes)}\n"
        f"Total          {cells(sizes)}\n"
    )
    import json

    document = json.loads(nodetool(cluster, "diskusage", "-F", "json", "ks", "t")[1])
    assert document == {
        "tables": [
            {
                "keyspace": "ks",
                "table": "t",
                "live": live,
                "total": total,
                "snapshots": snapshots,
                "backups": backups,
            }
        ]
    }
    assert nodetool(cluster, "diskusage", "nope")[0] == 1
    assert nodetool(cluster, "clearsnapshot", "-t", "du")[0] == 0
