"""netstats, gossipinfo, getseeds, gettimeout/settimeout, proxyhistograms and diskusage through a running
server's admin API (``cqlkit nodetool`` while ``cqlkit serve`` holds the cluster: admin/nodetool/remote.py)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import engine
from admin.nodetool.remote import nodetool_routes, run_remote
from engine.admin_api.lifecycle import Endpoint, ServedCluster
from engine.admin_api.server import AdminServer, Router, create_token


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, object]]]:
    directory: Path = tmp_path_factory.mktemp("served") / "c"
    with engine.Cluster.open(directory, nodes=3, realtime=True) as cluster:
        session = cluster.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"
        )
        session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text)")
        router = Router()
        nodetool_routes(
            router, ServedCluster(cluster, {n.name: Endpoint("127.0.0.1", 0) for n in cluster.nodes})
        )
        server = AdminServer(router, create_token(directory), "127.0.0.1", 0)
        server.start()
        try:
            yield directory, {"admin": {"host": server.host, "port": server.port}}
        finally:
            server.stop()


def nodetool(served: tuple[Path, dict[str, object]], *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_remote(served[0], served[1], list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_timeouts_last_as_long_as_the_server(served) -> None:
    assert nodetool(served, "gettimeout", "range") == (0, "Current timeout for type range: 10000 ms\n", "")
    assert nodetool(served, "-h", "127.0.0.2", "settimeout", "range", "750") == (0, "", "")
    assert nodetool(served, "-h", "127.0.0.2", "gettimeout", "range") == (
        0,
        "Current timeout for type range: 750 ms\n",
        "",
    )
    assert nodetool(served, "gettimeout", "range")[1] == "Current timeout for type range: 10000 ms\n"
    assert nodetool(served, "settimeout", "range")[0] == 1


def test_netstats_gossipinfo_and_seeds(served) -> None:
    code, out, err = nodetool(served, "netstats")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:7] == [
        "Mode: NORMAL",
        "Not sending any streams.",
        "Read Repair Statistics:",
        "Attempted: 0",
        "Mismatch (Blocking): 0",
        "Mismatch (Background): 0",
        "Pool Name                    Active   Pending      Completed   Dropped",
    ]
    assert lines[7] == "Large messages                  n/a         0              0         0"
    gossip = re.fullmatch(r"Gossip messages {17}n/a {1,9}(\d+) {1,14}(\d+) {1,9}(\d+)", lines[9])
    assert gossip is not None and int(gossip.group(2)) > 0  # a real-time cluster gossips every second
    code, out, _ = nodetool(served, "gossipinfo")
    assert code == 0 and out.endswith("<hidden>\n\n")
    assert [line for line in out.splitlines() if line.startswith("/")] == [
        "/127.0.0.1",
        "/127.0.0.2",
        "/127.0.0.3",
    ]
    assert "  DC:2:datacenter1\n  RACK:3:rack1\n" in out
    assert nodetool(served, "-h", "127.0.0.3", "getseeds") == (
        0,
        "Current list of seed node IPs, excluding the current node's IP: /127.0.0.1:7000\n",
        "",
    )


def test_proxyhistograms_and_diskusage(served) -> None:
    code, out, _ = nodetool(served, "proxyhistograms")
    assert code == 0 and out.startswith("proxy histograms\nPercentile       Read Latency      Write Latency")
    assert len(out.splitlines()) == 11 and out.endswith("\n\n")
    code, out, err = nodetool(served, "diskusage", "ks")
    assert (code, err) == (0, "")
    assert out.splitlines()[0].split() == ["Keyspace", "Table", "Live", "Total", "Snapshots", "Backups"]
    assert out.splitlines()[1].split()[:2] == ["ks", "t"]
