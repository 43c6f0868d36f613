"""A one-node cluster in a temporary ``$CQLKIT_HOME`` with known data, and ``cqlkit nodetool`` to run on it."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

HOST_ID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"


def write_rows(home: Path, first: int, count: int) -> None:
    """Insert rows ``first..first+count`` into ks.t (fixed timestamps) in one run of the cluster: closing it
    flushes them into one SSTable."""
    import engine

    with engine.Cluster.open(home / "clusters" / "default") as cluster:
        session = cluster.connect()
        session.execute(
            "CREATE KEYSPACE IF NOT EXISTS ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        session.execute("CREATE TABLE IF NOT EXISTS ks.t (k int PRIMARY KEY, v text)")
        for i in range(first, first + count):
            session.execute(f"INSERT INTO ks.t (k, v) VALUES ({i}, 'value {i}') USING TIMESTAMP 1000")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CQLKIT_HOME", str(tmp_path))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("TZ", "UTC")
    node = tmp_path / "clusters" / "default" / "node1"
    node.mkdir(parents=True)
    (node / "node.json").write_text(json.dumps({"host_id": HOST_ID}), encoding="utf-8")
    write_rows(tmp_path, 0, 10)
    return tmp_path


@pytest.fixture
def nodetool(home: Path) -> Callable[..., Result]:
    from admin.cli.app import app

    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, ["nodetool", *args])

    return run


def normalized(text: str) -> str:
    """Mask what varies from run to run: times, memory figures, snapshot creation instants."""
    text = re.sub(r"(Generation No {10}: )\d+", r"\1<generation>", text)
    text = re.sub(r"(Uptime \(seconds\) {7}: )\d+", r"\1<uptime>", text)
    text = re.sub(r"(Heap Memory \(MB\) {7}: )[\d.]+ / [\d.]+", r"\1<used> / <max>", text)
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z", "<instant>", text)


def data_files(home: Path) -> list[Path]:
    return sorted((home / "clusters" / "default" / "node1" / "data" / "ks").glob("t-*/nb-*-big-Data.db"))


def live_bytes(home: Path) -> int:
    """What the node's Load is: every component of the live SSTables of ks.t."""
    return sum(p.stat().st_size for p in table_directory(home).glob("nb-*"))


def table_directory(home: Path) -> Path:
    (directory,) = (home / "clusters" / "default" / "node1" / "data" / "ks").glob("t-*")
    return directory


__all__ = ["HOST_ID", "data_files", "live_bytes", "normalized", "os", "table_directory", "write_rows"]
