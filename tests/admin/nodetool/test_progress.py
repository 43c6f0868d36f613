"""``--progress`` (cqlkit extension): a bar on stderr at a terminal, nothing more anywhere else; stdout is
nodetool's either way."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import engine
from admin.nodetool import progress
from admin.nodetool.main import run
from engine.probe import NodeProbe

CL = engine.ConsistencyLevel
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def nodetool(cluster: engine.Cluster, *args: str, err: io.StringIO | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), err if err is not None else io.StringIO()
    probe = NodeProbe(cluster, cluster.nodes[0])

    def connect(host: str | None, port: str) -> contextlib.AbstractContextManager[NodeProbe]:
        return contextlib.nullcontext(probe)

    return run(list(args), out=out, err=err, connect=connect), out.getvalue(), ANSI.sub("", err.getvalue())


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[engine.Cluster]:
    with engine.Cluster.open(tmp_path / "c", nodes=3) as opened:
        session = opened.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"
        )
        session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text)")
        for k in range(50):
            session.execute(f"INSERT INTO ks.t (k, v) VALUES ({k}, 'v')", consistency_level=CL.ALL)
        yield opened


def test_compact_and_cleanup_draw_a_bar_only_at_a_terminal(cluster: engine.Cluster) -> None:
    assert nodetool(cluster, "compact", "--progress", "ks") == (0, "", "")  # not a terminal: as nodetool
    code, out, err = nodetool(cluster, "compact", "--progress", "ks", err=Terminal())
    assert (code, out) == (0, "")
    assert "compact" in err and "100%" in err
    code, out, err = nodetool(cluster, "cleanup", "--progress", "ks", err=Terminal())
    assert (code, out) == (0, "") and "cleanup" in err and "100%" in err


def test_repair_prints_nodetools_lines_and_a_bar(cluster: engine.Cluster) -> None:
    code, plain, err = nodetool(cluster, "repair", "ks")
    assert (code, err) == (0, "")
    code, out, err = nodetool(cluster, "repair", "--progress", "ks", err=Terminal())
    assert code == 0
    strip = re.compile(r"^\[[^\]]+\] |#\d+|[0-9a-f-]{36}|in \d+ seconds?", re.MULTILINE)
    assert strip.sub("", out) == strip.sub("", plain)  # the same lines (times and ids aside)
    assert "repair" in err and "100%" in err


def test_a_failing_operation_still_fails(cluster: engine.Cluster) -> None:
    code, out, _ = nodetool(cluster, "compact", "--progress", "nope", err=Terminal())
    assert code == 1 and "Keyspace [nope] does not exist." in out


def test_the_remote_poll_reads_the_servers_compactionstats() -> None:
    asked: list[list[str]] = []

    def ask(request: list[str]) -> dict[str, object]:
        asked.append(request)
        return {
            "active": [
                {"keyspace": "ks", "table": "t", "completed": 30, "total": 120},
                {"keyspace": "ks", "table": "u", "completed": 5, "total": 10},
                {"keyspace": "other", "table": "t", "completed": 1, "total": 1},
            ]
        }

    poll = progress.remote_compaction_poll(ask, ["-h", "127.0.0.2", "compact", "--progress", "ks", "t"])
    assert poll() == (30, 120)
    assert asked == [["-h", "127.0.0.2", "compactionstats", "-F", "json"]]
    assert progress.remote_compaction_poll(ask, ["cleanup", "ks"])() == (35, 130)
    assert progress.remote_compaction_poll(ask, ["cleanup", "none"])() is None
