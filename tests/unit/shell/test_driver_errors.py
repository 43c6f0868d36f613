"""Driver exceptions adapted into the shell's server errors print exactly as cqlsh prints the exception."""

from __future__ import annotations

import fcntl
import json
from pathlib import Path

import cassandra
import pytest
from cassandra.cluster import NoHostAvailable
from cassandra.protocol import ErrorMessage, SyntaxException

from shell.connection.driver import query_error, server_error
from shell.connection.target import cluster_directory, running_server


def cqlsh_text(error: BaseException) -> str:
    """What cqlsh's perform_simple_statement prints for ``error``."""
    message = error.message if hasattr(error, "message") else str(error)
    return f"{type(error).__name__}: {message}"


def _syntax() -> ErrorMessage:
    return SyntaxException(0x2000, "line 1:0 no viable alternative at input 'SELEC'", {})


DRIVER_EXCEPTIONS = [
    cassandra.InvalidRequest(
        'Error from server: code=2200 [Invalid query] message="table nope does not exist"'
    ),
    cassandra.Unauthorized('Error from server: code=2100 [Unauthorized] message="User bob has no SELECT"'),
    cassandra.Unavailable(
        'Error from server: code=1000 [Unavailable exception] message="Cannot achieve consistency level QUORUM"',
        consistency=4,
        required_replicas=2,
        alive_replicas=1,
    ),
    cassandra.ReadTimeout(
        "Error from server: code=1200 [Coordinator node timed out waiting for replica nodes' responses] "
        'message="Operation timed out - received only 0 responses."',
        consistency=1,
        required_responses=1,
        received_responses=0,
        data_retrieved=False,
    ),
    cassandra.WriteTimeout(
        "Error from server: code=1100 [Coordinator node timed out waiting for replica nodes' responses] "
        'message="Operation timed out - received only 0 responses."',
        consistency=1,
        required_responses=1,
        received_responses=0,
        write_type=0,
    ),
    cassandra.AlreadyExists(keyspace="ks", table="t"),
    cassandra.AlreadyExists(keyspace="ks"),
    _syntax(),
]


@pytest.mark.parametrize("error", DRIVER_EXCEPTIONS, ids=lambda e: type(e).__name__)
def test_server_errors_print_as_cqlsh_prints_them(error: BaseException) -> None:
    assert server_error(error) is not None
    assert query_error(error).text == cqlsh_text(error)


def test_describe_shows_the_bare_message() -> None:
    error = DRIVER_EXCEPTIONS[0]
    assert query_error(error).message == "table nope does not exist"


def test_client_side_failures_print_as_the_driver_raises_them() -> None:
    error = cassandra.OperationTimedOut(
        errors={"127.0.0.1:9042": "Client request timeout"}, last_host="127.0.0.1:9042"
    )
    assert server_error(error) is None
    assert query_error(error).text == cqlsh_text(error)
    refused = NoHostAvailable(
        "Unable to connect to any servers", {"127.0.0.1:9042": ConnectionRefusedError(111)}
    )
    assert query_error(refused).text == cqlsh_text(refused)


def test_a_served_cluster_is_found_only_while_its_lock_is_held(tmp_path: Path) -> None:
    directory = cluster_directory(str(tmp_path / "c1"), {})
    directory.mkdir()
    assert running_server(directory) is None
    (directory / "server.json").write_text(
        json.dumps({"nodes": [{"name": "node1", "host": "127.0.0.1", "port": 9142}]})
    )
    with open(directory / "server.lock", "a+") as lock:
        assert running_server(directory) is None  # stale server.json: nobody holds the lock
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        served = running_server(directory)
    assert served is not None and (served.host, served.port) == ("127.0.0.1", 9142)


def test_cluster_names_resolve_under_cqlkit_home(tmp_path: Path) -> None:
    env = {"CQLKIT_HOME": str(tmp_path)}
    assert cluster_directory(None, env) == tmp_path / "clusters" / "default"
    assert cluster_directory("dev", env) == tmp_path / "clusters" / "dev"


def test_the_current_cluster_is_the_default(tmp_path: Path) -> None:
    env = {"CQLKIT_HOME": str(tmp_path)}
    (tmp_path / "clusters").mkdir()
    (tmp_path / "clusters" / "CURRENT").write_text("c3\n", encoding="utf-8")  # cqlkit cluster switch c3
    assert cluster_directory(None, env) == tmp_path / "clusters" / "c3"
    assert cluster_directory("dev", env) == tmp_path / "clusters" / "dev"


def test_the_first_listening_node_of_a_served_cluster_is_chosen(tmp_path: Path) -> None:
    import socket

    directory = cluster_directory(str(tmp_path / "c2"), {})
    directory.mkdir()
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen()
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, not listening: node1 is stopped
    try:
        nodes = [
            {"name": "node1", "host": "127.0.0.1", "port": closed.getsockname()[1]},
            {"name": "node2", "host": "127.0.0.1", "port": listening.getsockname()[1]},
        ]
        (directory / "server.json").write_text(json.dumps({"nodes": nodes}))
        with open(directory / "server.lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            served = running_server(directory)
        assert served is not None and served.port == listening.getsockname()[1]
    finally:
        listening.close()
        closed.close()
