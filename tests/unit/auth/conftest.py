"""A node with PasswordAuthenticator + CassandraAuthorizer, and helpers to run CQL as a given user."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.auth import passwords
from engine.auth.service import AuthService
from engine.cluster.node import Node
from engine.cql3.statements.base import ClientState
from engine.service.results import Rows


class Runner:
    def __init__(self, node: Node, service: AuthService) -> None:
        self.node = node
        self.service = service

    def client(self, user: str | None, password: str | None = None) -> ClientState:
        if user is None:
            return ClientState()
        return ClientState(user=self.service.login(user, password or user))

    def run(self, query: str, client: ClientState):
        return self.node.query_processor.execute(query, client)

    def rows(self, query: str, client: ClientState) -> list[tuple[object, ...]]:
        result = self.run(query, client).result
        if not isinstance(result, Rows):
            return []
        types = [c.type for c in result.columns]
        return [
            tuple(None if v is None else t.deserialize(v) for t, v in zip(types, row, strict=True))
            for row in result.rows
        ]


def open_auth_node(directory: Path, authorizer: str = "CassandraAuthorizer") -> tuple[Node, AuthService]:
    node = Node(directory)
    service = AuthService.create(
        directory / "data" / "system_auth",
        authenticator="PasswordAuthenticator",
        authorizer=authorizer,
        cost=passwords.TEST_COST,
    )
    node.query_processor.install_auth(service)
    return node, service


@pytest.fixture
def auth(tmp_path: Path) -> Iterator[Runner]:
    node, service = open_auth_node(tmp_path / "node1")
    runner = Runner(node, service)
    admin = runner.client("cassandra")
    runner.run(
        "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}", admin
    )
    runner.run("CREATE TABLE ks.t (k int PRIMARY KEY, v int)", admin)
    runner.run("INSERT INTO ks.t (k, v) VALUES (1, 10)", admin)
    runner.run("CREATE ROLE bob WITH PASSWORD = 'bob' AND LOGIN = true", admin)
    try:
        yield runner
    finally:
        node.close()
