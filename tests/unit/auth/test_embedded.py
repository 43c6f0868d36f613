"""The embedded API with authentication: enable it on an in-process cluster, log sessions in."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.auth import embedded, passwords
from engine.cluster.session import Cluster
from engine.errors import AuthenticationError, Unauthorized


def test_enable_connect_login_and_restart(tmp_path: Path) -> None:
    directory = tmp_path / "secure"
    with Cluster.open(directory) as cluster:
        embedded.enable(cluster, cost=passwords.TEST_COST)
        anonymous = cluster.connect()
        with pytest.raises(Unauthorized, match=r"^You have not logged in$"):
            anonymous.execute("SELECT * FROM system_auth.roles")
        with pytest.raises(
            AuthenticationError, match=r"^Provided username cassandra and/or password are incorrect$"
        ):
            embedded.connect(cluster, auth=("cassandra", "wrong"))
        admin = embedded.connect(cluster, auth=("cassandra", "cassandra"))
        admin.execute(
            "CREATE KEYSPACE app WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        admin.execute("CREATE TABLE app.kv (k text PRIMARY KEY, v text)")
        admin.execute("CREATE ROLE app_user WITH PASSWORD = 's3cret' AND LOGIN = true")
        admin.execute("GRANT SELECT ON KEYSPACE app TO app_user")
        admin.execute("INSERT INTO app.kv (k, v) VALUES ('a', 'b')")
    with Cluster.open(directory) as cluster:
        embedded.enable(cluster, cost=passwords.TEST_COST)
        user = embedded.connect(cluster, "app", auth=("app_user", "s3cret"))
        assert [tuple(r) for r in user.execute("SELECT k, v FROM kv")] == [("a", "b")]
        with pytest.raises(Unauthorized, match=r"^User app_user has no MODIFY permission on <table app.kv>"):
            user.execute("INSERT INTO kv (k, v) VALUES (?, ?)", ("c", "d"))
    assert b"s3cret" not in (directory / "node1" / "data" / "system_auth" / "auth_state.db").read_bytes()
