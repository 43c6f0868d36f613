"""The network commands on a node alone in its cluster (``cqlkit nodetool`` in-process, one node): it does
not gossip and sends no messages, so there is nothing to count and no timeout to change."""

from __future__ import annotations

from pathlib import Path

from admin.nodetool.formatting import file_size
from tests.admin.nodetool.conftest import live_bytes, table_directory


def test_netstats_of_a_lone_node(nodetool) -> None:
    result = nodetool("netstats")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        "Mode: NORMAL\n"
        "Not sending any streams.\n"
        "Read Repair Statistics:\n"
        "Attempted: 0\n"
        "Mismatch (Blocking): 0\n"
        "Mismatch (Background): 0\n"
        "Pool Name                    Active   Pending      Completed   Dropped\n"
        "Large messages                  n/a         0              0         0\n"
        "Small messages                  n/a         0              0         0\n"
        "Gossip messages                 n/a         0              0         0\n"
    )


def test_gossip_seeds_and_timeouts_of_a_lone_node(nodetool) -> None:
    assert nodetool("gossipinfo").stdout == "\n"
    assert nodetool("getseeds").stdout == "Seed node list does not contain any remote node IPs\n"
    assert nodetool("gettimeout", "truncate").stdout == "Current timeout for type truncate: 60000 ms\n"
    refused = nodetool("settimeout", "write", "10")
    assert (refused.exit_code, refused.stdout, refused.stderr) == (
        2,
        "",
        "error: node1 is alone in its cluster: it sends no request that times out\n",
    )
    empty = nodetool("proxyhistograms").stdout.splitlines()
    assert empty[0] == "proxy histograms" and empty[3:10] == [
        f"{p:<10}" + "               0.00" * 6 for p in ("50%", "75%", "95%", "98%", "99%", "Min", "Max")
    ]


def test_diskusage_of_a_lone_node(nodetool, home: Path) -> None:
    size = file_size(live_bytes(home))
    directory = table_directory(home)
    assert sum(p.stat().st_size for p in directory.iterdir() if p.is_file()) == live_bytes(home)
    result = nodetool("diskusage", "ks")
    width = max(len("Live"), len(size))
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        f"Keyspace Table {'Live'.ljust(width)} {'Total'.ljust(width)} Snapshots Backups\n"
        f"ks       t     {size.ljust(width)} {size.ljust(width)} 0 bytes   0 bytes\n"
        f"Total          {size.ljust(width)} {size.ljust(width)} 0 bytes   0 bytes\n"
    )
    bad = nodetool("diskusage", "nope")
    assert (bad.exit_code, bad.stdout) == (
        1,
        "nodetool: Keyspace [nope] does not exist.\nSee 'nodetool help' or 'nodetool help <command>'.\n",
    )
