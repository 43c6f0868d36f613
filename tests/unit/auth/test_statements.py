"""Role and permission statements through the query processor, with Cassandra 5.0's results and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.auth.store import CorruptAuthState
from engine.errors import AuthenticationError, InvalidRequest, SyntaxException, Unauthorized
from tests.unit.auth.conftest import Runner, open_auth_node


def test_default_superuser_exists_and_logs_in(auth: Runner) -> None:
    admin = auth.client("cassandra")
    assert auth.rows("LIST ROLES", admin) == [
        ("bob", False, True, {}, "ALL"),
        ("cassandra", True, True, {}, "ALL"),
    ]
    assert auth.rows("LIST USERS", admin) == [("bob", False, "ALL"), ("cassandra", True, "ALL")]


def test_bad_credentials_and_roles_without_login(auth: Runner) -> None:
    with pytest.raises(
        AuthenticationError, match=r"^Provided username cassandra and/or password are incorrect$"
    ):
        auth.service.login("cassandra", "wrong")
    with pytest.raises(
        AuthenticationError, match=r"^Provided username nobody and/or password are incorrect$"
    ):
        auth.service.login("nobody", "x")
    auth.run("CREATE ROLE nologin WITH PASSWORD = 'p'", auth.client("cassandra"))
    with pytest.raises(AuthenticationError, match=r"^nologin is not permitted to log in$"):
        auth.service.login("nologin", "p")


def test_not_logged_in_is_refused(auth: Runner) -> None:
    with pytest.raises(Unauthorized, match=r"^You have not logged in$"):
        auth.run("SELECT * FROM ks.t", auth.client(None))


def test_select_needs_permission_granted_on_table_keyspace_or_root(auth: Runner) -> None:
    admin, bob = auth.client("cassandra"), auth.client("bob")
    with pytest.raises(Unauthorized) as error:
        auth.run("SELECT * FROM ks.t", bob)
    assert str(error.value) == "User bob has no SELECT permission on <table ks.t> or any of its parents"
    auth.run("GRANT SELECT ON KEYSPACE ks TO bob", admin)
    assert auth.rows("SELECT * FROM ks.t", bob) == [(1, 10)]
    with pytest.raises(Unauthorized, match=r"^User bob has no MODIFY permission on <table ks.t> or any"):
        auth.run("INSERT INTO ks.t (k, v) VALUES (2, 20)", bob)
    auth.run("REVOKE SELECT ON KEYSPACE ks FROM bob", admin)
    with pytest.raises(Unauthorized):
        auth.run("SELECT * FROM ks.t", bob)
    auth.run("GRANT ALL PERMISSIONS ON ALL KEYSPACES TO bob", admin)
    auth.run("INSERT INTO ks.t (k, v) VALUES (2, 20)", bob)
    assert auth.rows("SELECT * FROM ks.t WHERE k = 2", bob) == [(2, 20)]


def test_permissions_are_inherited_through_granted_roles(auth: Runner) -> None:
    admin, bob = auth.client("cassandra"), auth.client("bob")
    auth.run("CREATE ROLE readers", admin)
    auth.run("CREATE ROLE staff", admin)
    auth.run("GRANT SELECT ON TABLE ks.t TO readers", admin)
    auth.run("GRANT readers TO staff", admin)
    auth.run("GRANT staff TO bob", admin)
    assert auth.rows("SELECT v FROM ks.t WHERE k = 1", bob) == [(10,)]
    assert auth.rows("LIST ROLES OF bob", admin) == [
        ("bob", False, True, {}, "ALL"),
        ("readers", False, False, {}, "ALL"),
        ("staff", False, False, {}, "ALL"),
    ]
    assert [r[0] for r in auth.rows("LIST ROLES OF bob NORECURSIVE", admin)] == ["bob", "staff"]
    with pytest.raises(InvalidRequest, match=r"^bob is a member of staff$"):
        auth.run("GRANT staff TO bob", admin)
    with pytest.raises(InvalidRequest, match=r"^bob is a member of readers$"):
        auth.run("GRANT bob TO readers", admin)
    with pytest.raises(InvalidRequest, match=r"^bob is not a member of readers$"):
        auth.run("REVOKE readers FROM bob", admin)
    auth.run("REVOKE staff FROM bob", admin)
    with pytest.raises(Unauthorized):
        auth.run("SELECT * FROM ks.t", bob)


def test_list_permissions_rows_and_order(auth: Runner) -> None:
    admin = auth.client("cassandra")
    auth.run("GRANT MODIFY ON TABLE ks.t TO bob", admin)
    auth.run("GRANT SELECT ON KEYSPACE ks TO bob", admin)
    assert auth.rows("LIST ALL PERMISSIONS OF bob", admin) == [
        ("bob", "bob", "<keyspace ks>", "SELECT"),
        ("bob", "bob", "<table ks.t>", "MODIFY"),
    ]
    # recursive by default: what is granted on the parents shows too
    assert auth.rows("LIST ALL PERMISSIONS ON TABLE ks.t OF bob", admin) == [
        ("bob", "bob", "<keyspace ks>", "SELECT"),
        ("bob", "bob", "<table ks.t>", "MODIFY"),
    ]
    assert auth.rows("LIST ALL PERMISSIONS ON TABLE ks.t OF bob NORECURSIVE", admin) == [
        ("bob", "bob", "<table ks.t>", "MODIFY"),
    ]
    assert auth.rows("LIST SELECT OF bob", admin) == [("bob", "bob", "<keyspace ks>", "SELECT")]
    assert auth.run("LIST ALTER OF bob", admin).result.kind.name == "VOID"
    # bob may list his own, not everyone's
    bob = auth.client("bob")
    assert len(auth.rows("LIST ALL PERMISSIONS OF bob", bob)) == 2
    with pytest.raises(Unauthorized, match=r"^You are not authorized to view everyone's permissions$"):
        auth.run("LIST ALL PERMISSIONS", bob)
    with pytest.raises(Unauthorized, match=r"^You are not authorized to view cassandra's permissions$"):
        auth.run("LIST ALL PERMISSIONS OF cassandra", bob)


def test_creator_gets_permissions_and_drop_forgets_grants(auth: Runner) -> None:
    admin = auth.client("cassandra")
    auth.run("GRANT CREATE ON ALL KEYSPACES TO bob", admin)
    bob = auth.client("bob")
    auth.run(
        "CREATE KEYSPACE bobs WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}", bob
    )
    auth.run("CREATE TABLE bobs.notes (k int PRIMARY KEY, body text)", bob)
    auth.run("INSERT INTO bobs.notes (k, body) VALUES (1, 'hi')", bob)
    assert auth.rows("SELECT body FROM bobs.notes", bob) == [("hi",)]
    resources = {r[2] for r in auth.rows("LIST ALL PERMISSIONS OF bob", admin)}
    assert resources == {"<all keyspaces>", "<keyspace bobs>", "<table bobs.notes>"}
    auth.run("DROP TABLE bobs.notes", bob)
    resources = {r[2] for r in auth.rows("LIST ALL PERMISSIONS OF bob", admin)}
    assert resources == {"<all keyspaces>", "<keyspace bobs>"}
    auth.run("CREATE TABLE bobs.more (k int PRIMARY KEY)", bob)
    auth.run("DROP KEYSPACE bobs", bob)  # its tables' grants go with it
    assert {r[2] for r in auth.rows("LIST ALL PERMISSIONS OF bob", admin)} == {"<all keyspaces>"}


def test_role_statement_errors(auth: Runner) -> None:
    admin, bob = auth.client("cassandra"), auth.client("bob")
    cases = [
        ("CREATE ROLE bob", admin, InvalidRequest, "bob already exists"),
        ("ALTER ROLE nobody WITH LOGIN = true", admin, InvalidRequest, "nobody doesn't exist"),
        ("DROP ROLE nobody", admin, InvalidRequest, "nobody doesn't exist"),
        ("DROP ROLE cassandra", admin, InvalidRequest, "Cannot DROP primary role for current login"),
        (
            "ALTER ROLE cassandra WITH SUPERUSER = false",
            admin,
            Unauthorized,
            "You aren't allowed to alter your own superuser status or that of a role granted to you",
        ),
        (
            "CREATE ROLE x",
            bob,
            Unauthorized,
            "User bob does not have sufficient privileges to perform the requested operation",
        ),
        (
            "DROP ROLE cassandra",
            bob,
            Unauthorized,
            "User bob does not have sufficient privileges to perform the requested operation",
        ),
        ("ALTER ROLE bob WITH LOGIN = false", bob, Unauthorized, "You aren't allowed to alter LOGIN"),
        (
            "ALTER ROLE bob WITH SUPERUSER = true",
            bob,
            Unauthorized,
            "You aren't allowed to alter your own superuser status or that of a role granted to you",
        ),
        (
            "CREATE ROLE x WITH OPTIONS = {'a': 'b'}",
            admin,
            InvalidRequest,
            "org.apache.cassandra.auth.CassandraRoleManager doesn't support OPTIONS",
        ),
        ("ALTER ROLE bob", admin, InvalidRequest, "ALTER [ROLE|USER] can't be empty"),
        ("CREATE ROLE ''", admin, InvalidRequest, "Role name can't be an empty string"),
        ("GRANT nobody TO bob", admin, InvalidRequest, "nobody doesn't exist"),
        ("GRANT SELECT ON TABLE ks.t TO nobody", admin, InvalidRequest, "Role nobody doesn't exist"),
        (
            "GRANT SELECT ON TABLE ks.nope TO bob",
            admin,
            InvalidRequest,
            "Resource <table ks.nope> doesn't exist",
        ),
        (
            "GRANT SELECT ON KEYSPACE nope TO bob",
            admin,
            InvalidRequest,
            "Resource <keyspace nope> doesn't exist",
        ),
        ("LIST ROLES OF nobody", admin, InvalidRequest, "<role nobody> doesn't exist"),
        ("LIST ALL PERMISSIONS ON KEYSPACE nope", admin, InvalidRequest, "<keyspace nope> doesn't exist"),
        (
            "LIST ROLES OF cassandra",
            bob,
            Unauthorized,
            "You are not authorized to view roles granted to cassandra ",
        ),
        (
            "GRANT SELECT ON TABLE ks.t TO bob",
            bob,
            Unauthorized,
            "User bob has no AUTHORIZE permission on <table ks.t> or any of its parents",
        ),
        (
            "GRANT DESCRIBE ON TABLE ks.t TO bob",
            admin,
            SyntaxException,
            "Resource type DataResource does not support the requested permissions: DESCRIBE",
        ),
        (
            "GRANT EXECUTE, DESCRIBE ON KEYSPACE ks TO bob",
            admin,
            SyntaxException,
            "Resource type DataResource does not support the requested permissions: DESCRIBE,EXECUTE",
        ),
        ("CREATE USER bob WITH PASSWORD 'x'", admin, InvalidRequest, "bob already exists"),
    ]
    for query, client, error, message in cases:
        with pytest.raises(error) as raised:
            auth.run(query, client)
        assert str(raised.value) == message, query


def test_users_and_superusers(auth: Runner) -> None:
    admin = auth.client("cassandra")
    auth.run("CREATE USER carol WITH PASSWORD 'c' SUPERUSER", admin)
    carol = auth.client("carol", "c")
    assert auth.rows("SELECT k FROM ks.t", carol) == [(1,)]
    auth.run("ALTER USER carol WITH PASSWORD 'c2'", carol)
    with pytest.raises(AuthenticationError):
        auth.service.login("carol", "c")
    auth.client("carol", "c2")
    bob = auth.client("bob")
    auth.run("GRANT ALL ON ALL ROLES TO bob", admin)
    with pytest.raises(Unauthorized, match=r"^Only superusers can drop a role with superuser status$"):
        auth.run("DROP USER carol", bob)
    with pytest.raises(Unauthorized, match=r"^Only superusers can create a role with superuser status$"):
        auth.run("CREATE ROLE boss WITH SUPERUSER = true", bob)
    auth.run("CREATE ROLE helper", bob)  # bob has CREATE on all roles now, and owns what he creates
    assert ("bob", "bob", "<role helper>", "ALTER") in auth.rows("LIST ALL PERMISSIONS OF bob", admin)
    auth.run("DROP USER carol", admin)
    assert [r[0] for r in auth.rows("LIST USERS", admin)] == ["bob", "cassandra"]


def test_system_tables_readable_and_protected(auth: Runner) -> None:
    admin, bob = auth.client("cassandra"), auth.client("bob")
    assert auth.rows("SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = 'ks'", bob) == [
        ("ks",)
    ]
    auth.run("SELECT * FROM system.local", bob)
    with pytest.raises(
        Unauthorized, match=r"^User bob has no SELECT permission on <table system_auth.roles>"
    ):
        auth.run("SELECT * FROM system_auth.roles", bob)
    roles = auth.rows("SELECT role, is_superuser, can_login, salted_hash FROM system_auth.roles", admin)
    assert [(r[0], r[1], r[2]) for r in roles] == [("bob", False, True), ("cassandra", True, True)]
    assert all(str(r[3]).startswith("$scrypt$") for r in roles)
    with pytest.raises(Unauthorized, match=r"^Cannot DROP <table system_auth.roles>$"):
        auth.run("DROP TABLE system_auth.roles", admin)
    with pytest.raises(Unauthorized, match=r"^system keyspace is not user-modifiable.$"):
        auth.run("DROP TABLE system.local", admin)


def test_prepared_and_batch_paths_are_checked(auth: Runner) -> None:
    admin, bob = auth.client("cassandra"), auth.client("bob")
    processor = auth.node.query_processor
    prepared = processor.prepare("SELECT * FROM ks.t WHERE k = ?", bob)  # preparing needs no permission
    from engine.service.query_options import QueryOptions

    options = QueryOptions(values=(b"\x00\x00\x00\x01",))
    with pytest.raises(Unauthorized):
        processor.execute_prepared(prepared.id, bob, options)
    auth.run("GRANT SELECT ON TABLE ks.t TO bob", admin)
    assert processor.execute_prepared(prepared.id, bob, options).result.rows
    batch = "BEGIN BATCH INSERT INTO ks.t (k, v) VALUES (5, 5); APPLY BATCH"
    with pytest.raises(Unauthorized, match=r"^User bob has no MODIFY permission on <table ks.t>"):
        auth.run(batch, bob)
    auth.run("REVOKE SELECT ON TABLE ks.t FROM bob", admin)
    auth.run("GRANT MODIFY ON TABLE ks.t TO bob", admin)
    auth.run(batch, bob)
    # a conditional update reads, so it needs SELECT as well
    with pytest.raises(Unauthorized, match=r"^User bob has no SELECT permission on <table ks.t>"):
        auth.run("UPDATE ks.t SET v = 1 WHERE k = 1 IF v = 10", bob)
    auth.run("USE ks", bob)  # USE needs only a login
    assert bob.keyspace == "ks"


def test_auth_state_survives_restart_and_refuses_corruption(tmp_path: Path) -> None:
    directory = tmp_path / "node1"
    node, service = open_auth_node(directory)
    runner = Runner(node, service)
    runner.run("CREATE ROLE dave WITH PASSWORD = 'd' AND LOGIN = true", runner.client("cassandra"))
    runner.run("ALTER ROLE cassandra WITH PASSWORD = 'changed'", runner.client("cassandra"))
    node.close()
    state_file = directory / "data" / "system_auth" / "auth_state.db"
    data = state_file.read_bytes()
    assert b"changed" not in data and b"'d'" not in data
    node, service = open_auth_node(directory)
    try:
        service.login("dave", "d")
        service.login("cassandra", "changed")  # the default superuser is not recreated
        with pytest.raises(AuthenticationError):
            service.login("cassandra", "cassandra")
    finally:
        node.close()
    state_file.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(CorruptAuthState, match=r"CRC"):
        open_auth_node(directory)


def test_allow_all_defaults_refuse_role_statements_as_cassandra(tmp_path: Path) -> None:
    from engine.cluster.node import Node
    from engine.cql3.statements.base import ClientState

    node = Node(tmp_path / "node1")
    try:
        with pytest.raises(
            Unauthorized, match=r"^You have to be logged in and not anonymous to perform this request$"
        ):
            node.query_processor.execute("CREATE ROLE x", ClientState())
        with pytest.raises(Unauthorized, match=r"^You have to be logged in and not anonymous"):
            node.query_processor.execute("LIST ROLES", ClientState())
    finally:
        node.close()


def test_password_authenticator_with_allow_all_authorizer(tmp_path: Path) -> None:
    node, service = open_auth_node(tmp_path / "node1", authorizer="AllowAllAuthorizer")
    runner = Runner(node, service)
    try:
        admin = runner.client("cassandra")
        runner.run("CREATE ROLE bob WITH PASSWORD = 'bob' AND LOGIN = true", admin)
        bob = runner.client("bob")
        runner.run(
            "CREATE KEYSPACE k2 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}", bob
        )
        assert [r[0] for r in runner.rows("LIST ROLES", bob)] == ["bob", "cassandra"]  # DESCRIBE on all roles
        for statement, operation in [
            ("GRANT SELECT ON KEYSPACE k2 TO bob", "GRANT"),
            ("REVOKE SELECT ON KEYSPACE k2 FROM bob", "REVOKE"),
            ("LIST ALL PERMISSIONS", "LIST PERMISSIONS"),
        ]:
            with pytest.raises(InvalidRequest) as raised:
                runner.run(statement, admin)
            assert str(raised.value) == f"{operation} operation is not supported by AllowAllAuthorizer"
    finally:
        node.close()


def test_allow_all_authenticator_refuses_passwords_first(tmp_path: Path) -> None:
    from engine.cluster.node import Node
    from engine.cql3.statements.base import ClientState

    node = Node(tmp_path / "node1")
    try:
        with pytest.raises(InvalidRequest) as raised:
            node.query_processor.execute("CREATE ROLE x WITH PASSWORD = 'p'", ClientState())
        assert str(raised.value) == "org.apache.cassandra.auth.CassandraRoleManager doesn't support PASSWORD"
    finally:
        node.close()


def test_roles_without_password_cannot_log_in(auth: Runner) -> None:
    auth.run("CREATE ROLE nopass WITH LOGIN = true", auth.client("cassandra"))
    with pytest.raises(
        AuthenticationError, match=r"^Provided username nopass and/or password are incorrect$"
    ):
        auth.service.login("nopass", "anything")
