"""dynamic_data_masking_enabled: off by default, on through the environment variable; masks survive a
restart and keep masking reads after the setting is turned off (Cassandra masks what was declared)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.auth import embedded, passwords
from engine.cluster.session import Cluster
from engine.errors import InvalidRequest

SETUP = "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"


def test_masks_need_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CQLKIT_DYNAMIC_DATA_MASKING_ENABLED", raising=False)
    cluster = Cluster.open(tmp_path / "c")
    try:
        session = cluster.connect()
        session.execute(SETUP)
        with pytest.raises(InvalidRequest, match="dynamic data masking is not enabled"):
            session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text MASKED WITH DEFAULT)")
    finally:
        cluster.shutdown()


def test_masks_survive_a_restart_and_mask_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CQLKIT_DYNAMIC_DATA_MASKING_ENABLED", "true")
    cluster = Cluster.open(tmp_path / "c")
    try:
        session = cluster.connect()
        session.execute(SETUP)
        session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text MASKED WITH mask_inner(1, 1))")
        session.execute("INSERT INTO ks.t (k, v) VALUES (1, 'secret')")
    finally:
        cluster.shutdown()
    monkeypatch.delenv("CQLKIT_DYNAMIC_DATA_MASKING_ENABLED")
    cluster = Cluster.open(tmp_path / "c")
    try:
        embedded.enable(
            cluster,
            authenticator="PasswordAuthenticator",
            authorizer="CassandraAuthorizer",
            cost=passwords.TEST_COST,
        )
        admin = cluster.connect()
        embedded.login(admin, "cassandra", "cassandra")
        (row,) = admin.execute("DESCRIBE TABLE ks.t")
        assert "v text MASKED WITH system.mask_inner(1, 1)" in row.create_statement
        assert [tuple(r) for r in admin.execute("SELECT k, v FROM ks.t")] == [(1, "secret")]
        admin.execute("CREATE ROLE reader WITH PASSWORD = 'r' AND LOGIN = true")
        admin.execute("GRANT SELECT ON ks.t TO reader")
        reader = cluster.connect()
        embedded.login(reader, "reader", "r")
        assert [tuple(r) for r in reader.execute("SELECT k, v FROM ks.t")] == [(1, "s****t")]
        admin.execute("GRANT UNMASK ON ks.t TO reader")
        assert [tuple(r) for r in reader.execute("SELECT k, v FROM ks.t")] == [(1, "secret")]
    finally:
        cluster.shutdown()
