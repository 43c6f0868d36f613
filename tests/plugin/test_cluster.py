"""start_cluster's choice of addresses and ports, without pytest in between."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from admin.pytest_plugin import cluster as plugin_cluster


def test_nodes_share_one_port_on_their_own_addresses(tmp_path: Path) -> None:
    if not plugin_cluster.several_loopback_addresses():
        pytest.skip("only 127.0.0.1 is a loopback address here")
    served = plugin_cluster.start_cluster(tmp_path / "c", 3)
    try:
        endpoints = served.endpoints
        assert [host for host, _ in endpoints.values()] == ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
        assert len({port for _, port in endpoints.values()}) == 1
        assert served.contact_points == ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
    finally:
        served.close()
    assert not (tmp_path / "c").exists()


def test_without_127_0_0_2_every_node_is_on_127_0_0_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plugin_cluster, "several_loopback_addresses", lambda: False)
    served = plugin_cluster.start_cluster(tmp_path / "c", 2, keep=True)
    try:
        endpoints = served.endpoints
        assert [host for host, _ in endpoints.values()] == ["127.0.0.1", "127.0.0.1"]
        assert endpoints["node1"][1] != endpoints["node2"][1]
    finally:
        served.close()
    assert (tmp_path / "c" / "node2").is_dir()  # kept


def test_common_free_port_is_free_on_every_address() -> None:
    if not plugin_cluster.several_loopback_addresses():
        pytest.skip("only 127.0.0.1 is a loopback address here")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.2", 0))
        taken.listen()
        port = plugin_cluster.common_free_port(["127.0.0.1", "127.0.0.2"])
        assert port != taken.getsockname()[1]
        for address in ("127.0.0.1", "127.0.0.2"):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                probe.bind((address, port))


def test_keyspace_names_say_which_test(tmp_path: Path) -> None:
    made = plugin_cluster.CqlkitCluster(tmp_path, served=None)  # type: ignore[arg-type]  # names only
    assert made.keyspace_name_for("test_users[ada-1]") == "test_users_ada_1_1"
    assert made.keyspace_name_for("9lives") == "t_9lives_2"
    assert made.keyspace_name_for("test_" + "x" * 60) == ("test_" + "x" * 60)[:46] + "_3"
