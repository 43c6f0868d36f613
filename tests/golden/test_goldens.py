"""Runs every golden script under tests/golden/ through ``cqlkit cqlsh``'s batch path on a fresh cluster.

A ``# nodes: N`` header runs the script on an N-node cluster (stepped network: deterministic), where
``n2:`` blocks are coordinated by node2 and directive lines (``down n2``, ``partition n1``, ``heal``,
``advance 3000ms`` …) drive the cluster (tests/golden/script.py).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from engine.auth import embedded, passwords
from engine.cluster.layout import parse_node_counts
from engine.cluster.session import Cluster
from engine.probe import NodeProbe
from shell.batch import run_statements
from shell.connection.embedded import EmbeddedConnection
from shell.session_state import ShellState
from tests.golden.script import Block, auth_of, files, nodes_of, parse, render, settings_of

ROOT = Path(__file__).parent
SETUP = "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}; USE ks;"


def _setup(nodes: str | None) -> str:
    if nodes is None:
        return SETUP
    rf = min(3, sum(parse_node_counts(nodes)))
    return SETUP.replace("'replication_factor': 1", f"'replication_factor': {rf}")


def _node_name(short: str) -> str:
    return "node" + short[1:]


def _direct(cluster: Cluster, directive: str) -> None:
    """Apply one cluster directive line (tests/golden/script.py)."""
    words = directive.split()
    network = cluster.network
    assert network is not None, f"{directive!r} needs a '# nodes: N' header"
    address = [cluster.node(_node_name(w)).address for w in words[1:] if w.startswith("n")]
    match words[0]:
        case "down":
            cluster.stop_node(_node_name(words[1]))
        case "up":
            cluster.start_node(_node_name(words[1]))
        case "partition":
            network.partition(address[0], address[1] if len(address) > 1 else None)
        case "heal":
            network.heal()
        case "flush":
            for node in cluster.nodes:
                node.storage.flush_all()
        case "advance":
            cluster.advance(float(words[1].removesuffix("ms")))
        case "repair":
            probe = NodeProbe(cluster, cluster.node(_node_name(words[1])))
            for keyspace in probe.repair_keyspaces():
                result = probe.repair(keyspace)
                assert result.succeeded, [e.message for e in result.events]
        case "bootstrap":
            cluster.add_node()
        case "decommission":
            cluster.decommission(_node_name(words[1]))
        case "removenode":
            cluster.remove_node(cluster.node(_node_name(words[1])).host_id)


def _on_node(connection: EmbeddedConnection, node: str | None, sessions: dict[str, object]) -> object:
    """Point the connection at ``node``'s coordinator (with the main session's keyspace)."""
    main = connection.session
    if node is None or node == "n1":
        return main
    session = sessions.get(node)
    if session is None:
        session = connection.cluster.connect(main.keyspace, node=_node_name(node))
        sessions[node] = session
    elif session.keyspace != main.keyspace and main.keyspace is not None:  # type: ignore[attr-defined]
        session.set_keyspace(main.keyspace)  # type: ignore[attr-defined]
    return session


def _run(connection: EmbeddedConnection, block: Block, state: ShellState | None) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    text = block.statements if block.statements.rstrip().endswith(";") else block.statements + ";"
    outcome = run_statements(text, connection, out, err, source="<stdin>", state=state)
    errors = "\n".join(line.split(":", 2)[2] for line in err.getvalue().splitlines())
    return out.getvalue(), errors, outcome.failures


@pytest.mark.parametrize("path", files(ROOT), ids=lambda p: str(p.relative_to(ROOT)))
def test_golden(path: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    update = request.config.getoption("--update-goldens")
    text = path.read_text()
    blocks = parse(text)
    nodes = nodes_of(text)
    if nodes is not None:
        Cluster.open(tmp_path / "cluster", nodes=nodes).shutdown()  # cluster.json: the size
    connection = EmbeddedConnection(tmp_path / "cluster")
    main = connection.session
    for setting, value in settings_of(text).items():
        for node in connection.cluster.nodes:
            setattr(node.context, setting, value)
    auth = auth_of(text)
    if auth is not None:
        embedded.enable(
            connection.cluster, authenticator=auth[0], authorizer=auth[1], cost=passwords.TEST_COST
        )
        embedded.login(main, "cassandra", "cassandra")
    sessions: dict[str, object] = {}
    # On a cluster the shell's settings (CONSISTENCY…) last for the whole script, as in one cqlsh.
    state = ShellState() if nodes is not None else None
    mismatches = []
    wrong_outcome = []  # an error where none was expected, or none where one was: never rewritten
    try:
        setup = run_statements(_setup(nodes), connection, io.StringIO(), io.StringIO(), source="<setup>")
        assert setup.failures == 0
        for block in blocks:
            if block.directive is not None:
                if block.directive.startswith("login "):
                    embedded.login(main, *block.directive.split()[1:])
                    continue
                _direct(connection.cluster, block.directive)
                continue
            connection.session = _on_node(connection, block.node, sessions)  # type: ignore[assignment]
            try:
                stdout, stderr, failures = _run(connection, block, state)
            finally:
                connection.session = main
            if block.expect_error:
                actual = stderr.rstrip("\n")
                if not failures:
                    wrong_outcome.append(
                        f"expected an error from:\n{block.statements}\nbut it succeeded: {stdout!r}"
                    )
            else:
                actual = stdout.rstrip("\n")
                if failures:
                    wrong_outcome.append(f"unexpected error from:\n{block.statements}\n{stderr}")
            got = actual if actual else None
            expected = block.expected if block.expected else None
            if got != expected:
                if update:
                    block.expected = got
                else:
                    mismatches.append(
                        f"block:\n{block.statements}\n--- expected:\n{expected}\n--- got:\n{got}"
                    )
    finally:
        connection.close()
    assert not wrong_outcome, "\n\n".join(wrong_outcome)
    if update:
        path.write_text(render(blocks))
        return
    assert not mismatches, "\n\n".join(mismatches)
