# ruff: noqa: W291 (nodetool pads the last column: expected outputs end lines in spaces)
"""``cqlkit nodetool`` end to end on a one-node cluster directory: exact output, exit codes, streams."""

from __future__ import annotations

import fcntl
import re
import textwrap
from pathlib import Path

from admin.nodetool.formatting import file_size
from tests.admin.nodetool.conftest import (
    HOST_ID,
    data_files,
    live_bytes,
    normalized,
    table_directory,
    write_rows,
)


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def test_status(nodetool, home: Path) -> None:
    load = file_size(live_bytes(home))
    assert load == "1.01 KiB"  # the width of the Load column below
    result = nodetool("status")
    assert result.exit_code == 0
    assert result.stdout == dedent(
        f"""
        Datacenter: datacenter1
        =======================
        Status=Up/Down
        |/ State=Normal/Leaving/Joining/Moving
        --  Address    Load      Tokens  Owns (effective)  Host ID                               Rack 
        UN  127.0.0.1  {load}  16      100.0%            {HOST_ID}  rack1

        """
    )


def test_status_of_unknown_keyspace(nodetool) -> None:
    result = nodetool("status", "nope")
    assert (result.exit_code, result.stdout) == (1, "\nError: The keyspace nope, does not exist\n")


def test_info(nodetool, home: Path) -> None:
    from admin.nodetool.formatting import file_size
    from engine.db.caches import DEFAULT_CACHE_CONFIG

    key_capacity = file_size(DEFAULT_CACHE_CONFIG.key_cache_size)
    chunk_capacity = file_size(DEFAULT_CACHE_CONFIG.file_cache_size)
    result = nodetool("info")
    assert result.exit_code == 0
    assert normalized(result.stdout) == dedent(
        f"""
        ID                     : {HOST_ID}
        Gossip active          : true
        Native Transport active: false
        Load                   : {file_size(live_bytes(home))}
        Generation No          : <generation>
        Uptime (seconds)       : <uptime>
        Heap Memory (MB)       : <used> / <max>
        Off Heap Memory (MB)   : 0.00
        Data Center            : datacenter1
        Rack                   : rack1
        Exceptions             : 0
        Key Cache              : entries 0, size 0 bytes, capacity {key_capacity}, 0 hits, 0 requests, NaN recent hit rate, 14400 save period in seconds
        Row Cache              : entries 0, size 0 bytes, capacity 0 bytes, 0 hits, 0 requests, NaN recent hit rate, 0 save period in seconds
        Counter Cache          : entries 0, size 0 bytes, capacity 0 bytes, 0 hits, 0 requests, NaN recent hit rate, 7200 save period in seconds
        Chunk Cache            : entries 0, size 0 bytes, capacity {chunk_capacity}, 0 misses, 0 requests, NaN recent hit rate, NaN microseconds miss latency
        Percent Repaired       : 0.0%
        Token                  : (invoke with -T/--tokens to see all 16 tokens)
        """
    )
    tokens = nodetool("info", "-T").stdout.splitlines()[-16:]
    assert all(re.fullmatch(r"Token {18}: -?\d+", line) for line in tokens)


def test_describecluster(nodetool) -> None:
    result = nodetool("describecluster")
    assert result.exit_code == 0
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}: ", "<schema>: ", result.stdout)
    assert text == dedent(
        """
        Cluster Information:
        \tName: default
        \tSnitch: org.apache.cassandra.locator.SimpleSnitch
        \tDynamicEndPointSnitch: enabled
        \tPartitioner: org.apache.cassandra.dht.Murmur3Partitioner
        \tSchema versions:
        \t\t<schema>: [127.0.0.1]

        Stats for all nodes:
        \tLive: 1
        \tJoining: 0
        \tMoving: 0
        \tLeaving: 0
        \tUnreachable: 0

        Data Centers: 
        \tdatacenter1 #Nodes: 1 #Down: 0

        Database versions:
        \t5.0.0: [127.0.0.1:7000]

        Keyspaces:
        \tks -> Replication class: SimpleStrategy {replication_factor=1}
        \tsystem -> Replication class: LocalStrategy {}
        \tsystem_auth -> Replication class: SimpleStrategy {replication_factor=1}
        \tsystem_distributed -> Replication class: SimpleStrategy {replication_factor=3}
        \tsystem_schema -> Replication class: LocalStrategy {}
        \tsystem_traces -> Replication class: SimpleStrategy {replication_factor=2}
        """
    )


def test_version_endpoints_sstables_and_throughput(nodetool, home: Path) -> None:
    assert nodetool("version").stdout == "ReleaseVersion: 5.0.0\n"
    assert nodetool("getendpoints", "ks", "t", "3").stdout == "127.0.0.1\n"
    assert nodetool("-pp", "getendpoints", "ks", "t", "3").stdout == "127.0.0.1:7000\n"
    (data,) = data_files(home)
    assert nodetool("getsstables", "ks", "t", "3").stdout == f"{data}\n"
    assert nodetool("getsstables", "ks", "t", "99").stdout == ""
    assert nodetool("getcompactionthroughput").stdout == "Current compaction throughput: 64 MB/s\n"
    assert nodetool("statusautocompaction", "ks").stdout == "running\n"
    assert nodetool("statusautocompaction", "-a", "ks", "t").stdout == dedent(
        """
        Keyspace Table Status 
        ks       t     running
        """
    )


def test_ring_ends_with_two_spaces(nodetool) -> None:
    out = nodetool("ring").stdout
    lines = out.split("\n")
    assert lines[:4] == [
        "",
        "Datacenter: datacenter1",
        "==========",
        "Address    Rack        Status State   Load            Owns                Token                                       ",
    ]
    assert re.fullmatch(r"127\.0\.0\.1  rack1 {7}Up {5}Normal  1\.01 KiB {8}100\.00% {13}-?\d+ +", lines[5])
    assert len(lines[5]) == 11 + 12 + 7 + 8 + 16 + 20 + 44
    assert out.endswith(
        '  Warning: "nodetool ring" is used to output all the tokens of a node.\n'
        '  To view status related info of a node use "nodetool status" instead.\n\n\n  '
    )


def test_snapshot_list_and_clear(nodetool, home: Path) -> None:
    result = nodetool("snapshot", "-t", "s1", "ks")
    assert (result.exit_code, result.stdout) == (
        0,
        "Requested creating snapshot(s) for [ks] with snapshot name [s1] and options {skipFlush=false}\n"
        "Snapshot directory: s1\n",
    )
    snapshot = table_directory(home) / "snapshots" / "s1"
    (data,) = data_files(home)
    linked = snapshot / data.name
    assert linked.stat().st_ino == data.stat().st_ino and data.stat().st_nlink == 2
    assert (snapshot / "manifest.json").is_file() and (snapshot / "schema.cql").read_text().startswith(
        "CREATE TABLE ks.t"
    )
    true_size = (snapshot / "manifest.json").stat().st_size + (snapshot / "schema.cql").stat().st_size
    on_disk = sum(p.stat().st_size for p in snapshot.iterdir())
    from admin.nodetool.formatting import file_size

    listing = nodetool("listsnapshots")
    assert listing.exit_code == 0
    header = (
        "Snapshot name Keyspace name Column family name True size Size on disk Creation time Expiration time"
    )
    rows = normalized(listing.stdout).splitlines()
    assert rows[0] == "Snapshot Details: "
    assert rows[1].split() == header.split()
    assert rows[2].split() == [
        "s1",
        "ks",
        "t",
        *file_size(true_size).split(),
        *file_size(on_disk).split(),
        "<instant>",
    ]
    assert rows[3:] == ["", f"Total TrueDiskSpaceUsed: {file_size(true_size)}", ""]
    again = nodetool("snapshot", "-t", "s1", "ks")
    assert (again.exit_code, again.stderr) == (2, "error: Snapshot s1 already exists.\n")
    cleared = nodetool("clearsnapshot", "-t", "s1")
    assert (cleared.exit_code, cleared.stdout) == (
        0,
        "Requested clearing snapshot(s) for [all keyspaces] with snapshot name [s1]\n",
    )
    assert not snapshot.exists() and data.stat().st_nlink == 1
    assert nodetool("listsnapshots").stdout == "Snapshot Details: \nThere are no snapshots\n"


def test_compact_merges_sstables(nodetool, home: Path) -> None:
    write_rows(home, 10, 10)
    write_rows(home, 20, 10)
    assert len(data_files(home)) == 3

    def sstable_count() -> str:
        (line,) = [
            x
            for x in nodetool("tablestats", "ks.t").stdout.splitlines()
            if x.strip().startswith("SSTable count")
        ]
        return line.strip()

    assert sstable_count() == "SSTable count: 3"
    result = nodetool("compact", "ks", "t")
    assert (result.exit_code, result.stdout) == (0, "")
    assert sstable_count() == "SSTable count: 1"
    assert len(data_files(home)) == 1
    assert "Number of partitions (estimate): 30" in nodetool("tablestats", "ks").stdout


def test_compaction_history_in_one_process(home: Path) -> None:
    import io

    from admin.cli.nodetool import connect
    from admin.nodetool.main import run

    write_rows(home, 10, 10)
    out, err = io.StringIO(), io.StringIO()
    # One process, as a running node would be: the compaction, then its history.
    with connect(None, "7199") as probe:
        probe.compact("ks")
        history = probe.compaction_history()
        stats = probe.compaction_stats()
    assert [(h.keyspace, h.table, dict(h.rows_merged)) for h in history] == [("ks", "t", {1: 20})]
    assert (stats.completed, stats.bytes_compacted) == (1, history[0].bytes_in)
    assert run(["compactionhistory"], out=out, err=err, connect=connect) == 0
    lines = out.getvalue().splitlines()
    assert lines[:2] == [
        "Compaction History: ",
        "id                                   keyspace_name columnfamily_name compacted_at            "
        "bytes_in bytes_out rows_merged",
    ]
    assert lines[2].split()[1:] == [
        "ks",
        "t",
        lines[2].split()[3],
        str(history[0].bytes_in),
        str(history[0].bytes_out),
        "{1:20}",
    ]


def test_tablestats_of_a_table(nodetool, home: Path) -> None:
    live = live_bytes(home)
    result = nodetool("tablestats", "ks.t")
    assert result.exit_code == 0
    assert result.stdout.startswith("Total number of tables: ")
    body = result.stdout.split("\n", 1)[1]
    assert body == dedent(
        f"""
        ----------------
        Keyspace : ks
        \tRead Count: 0
        \tRead Latency: NaN ms
        \tWrite Count: 0
        \tWrite Latency: NaN ms
        \tPending Flushes: 0
        \t\tTable: t
        \t\tSSTable count: 1
        \t\tOld SSTable count: 0
        \t\tSpace used (live): {live}
        \t\tSpace used (total): {live}
        \t\tSpace used by snapshots (total): 0
        \t\tOff heap memory used (total): 16
        \t\tSSTable Compression Ratio: 0.346875
        \t\tNumber of partitions (estimate): 10
        \t\tMemtable cell count: 0
        \t\tMemtable data size: 0
        \t\tMemtable off heap memory used: 0
        \t\tMemtable switch count: 0
        \t\tLocal read count: 0
        \t\tLocal read latency: NaN ms
        \t\tLocal write count: 0
        \t\tLocal write latency: NaN ms
        \t\tPending flushes: 0
        \t\tPercent repaired: 0.0
        \t\tBytes repaired: 0B
        \t\tBytes unrepaired: 222B
        \t\tBytes pending repair: 0B
        \t\tBloom filter false positives: 0
        \t\tBloom filter false ratio: 0.00000
        \t\tBloom filter space used: 16
        \t\tBloom filter off heap memory used: 16
        \t\tIndex summary off heap memory used: 0
        \t\tCompression metadata off heap memory used: 0
        \t\tCompacted partition minimum bytes: 61
        \t\tCompacted partition maximum bytes: 72
        \t\tCompacted partition mean bytes: 72
        \t\tAverage live cells per slice (last five minutes): NaN
        \t\tMaximum live cells per slice (last five minutes): 0
        \t\tAverage tombstones per slice (last five minutes): NaN
        \t\tMaximum tombstones per slice (last five minutes): 0
        \t\tDropped Mutations: 0

        ----------------
        """
    )
    assert "Space used (live): 1.01 KiB" in nodetool("tablestats", "-H", "ks").stdout
    import json

    document = json.loads(nodetool("tablestats", "-F", "json", "ks.t").stdout)
    assert document["ks"]["tables"]["t"]["sstable_count"] == 1


def test_compactionstats_and_tpstats(nodetool) -> None:
    assert nodetool("compactionstats").stdout == dedent(
        """
        concurrent compactors            1          
        pending tasks                    0          
        compactions completed            0          
        data compacted                   0          
        compactions aborted              0          
        compactions reduced              0          
        sstables dropped from compaction 0          
        15 minute rate                   0.00/minute
        mean rate                        0.00/hour  
        compaction throughput (MiB/s)    64.0       
        """
    )
    lines = nodetool("tpstats").stdout.splitlines()
    assert lines[0] == "Pool Name           Active Pending Completed Blocked All time blocked"
    assert [line.split()[0] for line in lines[1:3]] == ["CompactionExecutor", "MemtableFlushWriter"]
    assert lines[3:] == ["", "Message type Dropped 50% 95% 99% Max"]


def test_silent_operations(nodetool) -> None:
    for args in (
        ("flush",),
        ("flush", "ks", "t"),
        ("cleanup", "ks"),
        ("disableautocompaction", "ks"),
        ("drain",),
    ):
        result = nodetool(*args)
        assert (result.exit_code, result.stdout, result.stderr) == (0, "", ""), args


def test_usage_errors_on_stdout_exit_1(nodetool) -> None:
    hint = "See 'nodetool help' or 'nodetool help <command>'.\n"
    cases = {
        ("bogus", "x"): "nodetool: Found unexpected parameters: [bogus, x]\n",
        ("snapshot", "-t"): "nodetool: Required values for option 'tag' not provided\n",
        ("version", "extra"): "nodetool: Found unexpected parameters: [extra]\n",
        (
            "getendpoints",
            "ks",
            "t",
        ): "nodetool: getendpoints requires keyspace, table and partition key arguments\n",
        ("getendpoints", "nope", "t", "1"): "nodetool: Unknown keyspace 'nope'\n",
        ("flush", "nope"): "nodetool: Keyspace [nope] does not exist.\n",
        ("flush", "ks", "nope"): "nodetool: Unknown keyspace/cf pair (ks.nope)\n",
        ("tablestats", "nope"): "nodetool: Unknown keyspace: nope\n",
        ("tablestats", "-F", "xml"): "nodetool: arguments for -F are json,yaml only.\n",
        ("setcompactionthroughput",): "nodetool: Required parameters are missing: compaction_throughput\n",
    }
    for args, message in cases.items():
        result = nodetool(*args)
        assert (result.exit_code, result.stdout, result.stderr) == (1, message + hint, ""), args


def test_failures_on_stderr_exit_2(nodetool) -> None:
    cases = {
        ("clearsnapshot",): "error: Specify snapshot name or --all\n",
        ("clearsnapshot", "-t", "a", "--all"): "error: Specify only one of snapshot name or --all\n",
        (
            "compact",
            "-s",
            "--user-defined",
            "x",
        ): "error: Invalid option combination: Can not use split-output here\n",
        ("describering", "nope"): "error: No such keyspace: nope\n",
        ("describering", "system"): "error: There is no ring for the keyspace: system\n",
        (
            "getsstables",
            "-hf",
            "ks",
            "t",
            "zz",
        ): "error: non-hexadecimal number found in fromhex() arg at position 0\n",
        ("getendpoints", "ks", "t", "x"): "error: Unable to make int from 'x'\n",
    }
    for args, message in cases.items():
        result = nodetool(*args)
        assert (result.exit_code, result.stderr) == (2, message), args


def test_unknown_host_and_served_cluster(nodetool, home: Path) -> None:
    result = nodetool("-h", "127.0.0.9", "version")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        "",
        "nodetool: Failed to connect to '127.0.0.9:7199' - ConnectException: 'Connection refused (Connection refused)'.\n",
    )
    assert nodetool("-h", "127.0.0.1", "version").stdout == "ReleaseVersion: 5.0.0\n"
    with open(home / "clusters" / "default" / "server.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = nodetool("status")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "nodetool: Failed to connect to '127.0.0.1:7199' - ConnectException: 'cluster "
    )
    assert "served by a cqlkit serve that has not written server.json yet" in result.stderr


def test_help(nodetool) -> None:
    summary = nodetool("help")
    assert summary.exit_code == 0
    assert summary.stdout.startswith(
        "usage: nodetool [(-h <host> | --host <host>)] [(-p <port> | --port <port>)]\n"
    )
    assert "    snapshot                  Take a snapshot" in summary.stdout
    assert nodetool().stdout == summary.stdout
    detail = nodetool("help", "flush").stdout
    assert detail.startswith("NAME\n        nodetool flush - Flush one or more tables\n\nSYNOPSIS\n")
    assert (
        "        [<keyspace> <tables>...]\n            The keyspace followed by one or many tables\n"
        in detail
    )


def test_machine_readable_extensions(nodetool, home: Path) -> None:
    import json

    status = json.loads(nodetool("status", "-F", "json").stdout)
    assert status["effective_ownership"] is True and status["note"] is None
    (node,) = status["nodes"]
    assert (node["address"], node["host_id"], node["status"], node["state"], node["owns"], node["load"]) == (
        "127.0.0.1",
        HOST_ID,
        "up",
        "normal",
        1.0,
        live_bytes(home),
    )
    info = json.loads(nodetool("info", "-F", "json").stdout)
    assert (info["load"], info["endpoint"]["host_id"], info["row_cache"]["recent_hit_rate"]) == (
        live_bytes(home),
        HOST_ID,
        "NaN",
    )
    assert nodetool("snapshot", "-t", "s1").exit_code == 0
    listing = json.loads(nodetool("listsnapshots", "-F", "json").stdout)
    # every keyspace, as Cassandra's: the system tables kept in storage (system.paxos) too
    assert [(s["tag"], s["keyspace"], s["table"]) for s in listing["snapshots"]] == [
        ("s1", "ks", "t"),
        ("s1", "system", "paxos"),
    ]
    assert nodetool("compactionstats", "-F", "yaml").stdout.startswith(
        "concurrent_compactors: 1\npending_by_table: []\n"
    )
    bad = nodetool("info", "-F", "xml")
    assert (bad.exit_code, bad.stdout.splitlines()[0]) == (
        1,
        "nodetool: arguments for -F are json,yaml only.",
    )


def test_user_defined_and_token_range_compactions(nodetool, home: Path) -> None:
    write_rows(home, 10, 10)
    write_rows(home, 20, 10)
    first, second, third = data_files(home)
    result = nodetool("compact", "--user-defined", f"{first.name},{second}")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert len(data_files(home)) == 2 and third in data_files(home)
    # A range that no SSTable overlaps compacts nothing; the whole ring compacts the rest into one.
    assert nodetool("compact", "-st", str(2**63 - 2), "-et", str(2**63 - 1), "ks", "t").exit_code == 0
    assert len(data_files(home)) == 2
    assert nodetool("compact", "-st", str(-(2**63)), "-et", str(2**63 - 1), "ks", "t").exit_code == 0
    assert len(data_files(home)) == 1
    bad = nodetool("compact", "--user-defined", "-st", "1", "x")
    assert (bad.exit_code, bad.stderr) == (
        2,
        "error: Invalid option combination: Can not provide tokens when using user-defined\n",
    )


def test_tablestats_sorted_and_top(nodetool, home: Path) -> None:
    import engine

    with engine.Cluster.open(home / "clusters" / "default") as cluster:
        session = cluster.connect()
        session.execute("CREATE TABLE ks.u (k int PRIMARY KEY)")
        for i in range(3):
            session.execute(f"INSERT INTO ks.u (k) VALUES ({i})")
    result = nodetool("tablestats", "-s", "number_of_partitions_estimate", "-t", "2", "ks")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    total = int(lines[0].split()[4])
    assert lines[0] == f"Total number of tables: {total} (showing top 2 by number_of_partitions_estimate)"
    assert lines[1] == "----------------"
    assert [line for line in lines if line.startswith("\tTable: ")] == ["\tTable: ks.t", "\tTable: ks.u"]
    assert [line for line in lines if "partitions (estimate)" in line] == [
        "\tNumber of partitions (estimate): 10",
        "\tNumber of partitions (estimate): 3",
    ]
    assert lines[-2:] == ["", "----------------"]
    by_name = nodetool("tablestats", "-s", "table_name", "ks").stdout
    assert by_name.index("\tTable: ks.t\n") < by_name.index("\tTable: ks.u\n")
    hint = "See 'nodetool help' or 'nodetool help <command>'.\n"
    assert (
        nodetool("tablestats", "-t", "2").stdout
        == "nodetool: cannot filter top K tables without specifying a sort key.\n" + hint
    )
    assert (
        nodetool("tablestats", "-s", "reads", "-t", "0").stdout
        == "nodetool: argument for top must be a positive integer.\n" + hint
    )
    assert nodetool("tablestats", "-s", "nope").stdout.startswith(
        "nodetool: argument for sort must be one of: average_live"
    )
