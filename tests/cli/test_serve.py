"""``cqlkit serve`` serving every node: node N on 127.0.0.N, the driver discovering all three and routing
by token, ``server.json``, the admin API's guard and routing, and a taken port refused with status 2."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import ssl
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.policies import HostFilterPolicy, RoundRobinPolicy, TokenAwarePolicy

from engine.admin_api.server import AdminError, AdminResponse, Router
from tests.cli.conftest import CQLKIT, free_ports
from tests.integration.test_tls import OPENSSL, _make_ca, _make_signed

ADDRESSES = ("127.0.0.1", "127.0.0.2", "127.0.0.3")


def _free_everywhere() -> int:
    port = free_ports(1)
    for address in ADDRESSES[1:]:
        with socket.socket() as s:
            s.bind((address, port))
    return port


def _admin(served: dict, path: str, token: str | None, method: str = "GET") -> tuple[int, dict]:
    connection = http.client.HTTPConnection(served["admin"]["host"], served["admin"]["port"], timeout=10)
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_serve_three_nodes_to_the_driver(env: dict[str, str], home: Path) -> None:
    port = _free_everywhere()
    server = subprocess.Popen(
        [CQLKIT, "serve", "--cluster", "s", "--nodes", "3", "--native-port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    directory = home / "clusters" / "s"
    try:
        banner = server.stdout.readline()
        assert banner == (
            f"cqlkit: serving cluster 's' on 127.0.0.1:{port}, 127.0.0.2:{port}, 127.0.0.3:{port} "
            "(CQL native protocol v3/v4/v5); Ctrl-C to stop\n"
        )
        served = json.loads((directory / "server.json").read_text())
        assert served["pid"] == server.pid
        assert served["nodes"] == [
            {"name": f"node{i}", "host": address, "port": port} for i, address in enumerate(ADDRESSES, 1)
        ]
        assert served["admin"]["host"] == "127.0.0.1"
        assert (directory / "admin.token").stat().st_mode & 0o777 == 0o600

        token = (directory / "admin.token").read_text().strip()
        assert _admin(served, "/v1/cluster", None) == (401, {"error": "missing or wrong admin token"})
        assert _admin(served, "/v1/cluster", "wrong")[0] == 401
        status, body = _admin(served, "/v1/cluster", token)
        assert status == 200
        assert [(n["name"], n["status"]) for n in body["nodes"]] == [
            ("node1", "UP"),
            ("node2", "UP"),
            ("node3", "UP"),
        ]
        assert _admin(served, "/v1/nodes/node7/stop", token, "POST") == (
            404,
            {"error": "no node node7 in cluster s"},
        )
        assert _admin(served, "/v1/nodes/node2/stop", token)[0] == 405

        policy = TokenAwarePolicy(RoundRobinPolicy(), shuffle_replicas=False)
        driver = Cluster(
            ["127.0.0.1"],
            port=port,
            protocol_version=5,
            execution_profiles={EXEC_PROFILE_DEFAULT: ExecutionProfile(load_balancing_policy=policy)},
        )
        try:
            session = driver.connect()
            hosts = sorted(str(h.endpoint) for h in driver.metadata.all_hosts())
            assert hosts == [f"{address}:{port}" for address in ADDRESSES]
            assert all(h.is_up for h in driver.metadata.all_hosts())
            session.execute(
                "CREATE KEYSPACE one WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
            )
            session.execute("CREATE TABLE one.t (k int PRIMARY KEY, v int)")
            insert = session.prepare("INSERT INTO one.t (k, v) VALUES (?, ?)")
            coordinators = set()
            for k in range(24):
                bound = insert.bind((k, k))
                (replica,) = driver.metadata.get_replicas("one", bound.routing_key)
                future = session.execute_async(bound)
                future.result()
                # token-aware routing: the only replica coordinates its own key
                assert future.coordinator_host.endpoint == replica.endpoint
                coordinators.add(str(replica.endpoint))
            assert coordinators == set(hosts)
            assert session.execute("SELECT count(*) FROM one.t").one()[0] == 24
        finally:
            driver.shutdown()

        for address in ADDRESSES:  # every endpoint reports itself as system.local and the others as peers
            only = HostFilterPolicy(RoundRobinPolicy(), lambda h, a=address: h.endpoint.address == a)
            profile = ExecutionProfile(load_balancing_policy=only)
            single = Cluster([address], port=port, execution_profiles={EXEC_PROFILE_DEFAULT: profile})
            try:
                s = single.connect()
                local = s.execute("SELECT rpc_address, broadcast_address FROM system.local").one()
                peers = sorted(str(row.peer) for row in s.execute("SELECT peer FROM system.peers_v2"))
            finally:
                single.shutdown()
            assert (str(local.rpc_address), str(local.broadcast_address)) == (address, address)
            assert peers == [a for a in ADDRESSES if a != address]

        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert server.returncode == 0, err
    assert out == "cqlkit: draining\ncqlkit: stopped\n"
    assert not (directory / "server.json").exists()
    assert not (directory / "admin.token").exists()
    assert "Startup complete" in (directory / "node3" / "logs" / "system.log").read_text()


def test_a_taken_port_is_refused(cqlkit: Callable, cli: Callable, home: Path) -> None:
    port = _free_everywhere()
    with socket.socket() as taken:
        taken.bind(("127.0.0.2", port))
        taken.listen()
        refused = cqlkit("serve", "--cluster", "p", "--nodes", "3", "--native-port", str(port))
    assert (refused.returncode, refused.stdout, refused.stderr) == (
        2,
        "",
        f"cqlkit serve: node2 cannot listen on 127.0.0.2:{port}: Address already in use\n",
    )
    assert not (home / "clusters" / "p" / "server.json").exists()
    mismatch = cli("serve", "--cluster", "p", "--nodes", "2")  # the lock was released; the layout stays
    assert (mismatch.returncode, mismatch.stderr) == (2, "cqlkit serve: cluster p has 3 nodes, not 2\n")
    bad_sync = cli("serve", "--cluster", "p", "--commitlog-sync", "group")
    assert (bad_sync.returncode, bad_sync.stderr) == (
        2,
        "cqlkit serve: --commitlog-sync must be batch or periodic, not 'group'\n",
    )


def test_router() -> None:
    router = Router()
    router.add("POST", "/v1/nodes/{name}/stop", lambda r: AdminResponse(200, {"stopped": r.params["name"]}))
    router.add("GET", "/v1/cluster", lambda r: AdminResponse(200, {"ok": True}))
    assert router.dispatch("POST", "/v1/nodes/node2/stop", {}).body == {"stopped": "node2"}
    assert router.dispatch("GET", "/v1/cluster", {}).body == {"ok": True}
    with pytest.raises(AdminError) as not_found:
        router.dispatch("POST", "/v1/nodes/node2/stop/now", {})
    assert (not_found.value.status, not_found.value.message) == (
        404,
        "no such resource: /v1/nodes/node2/stop/now",
    )
    with pytest.raises(AdminError) as wrong_method:
        router.dispatch("DELETE", "/v1/cluster", {})
    assert (wrong_method.value.status, wrong_method.value.message) == (
        405,
        "DELETE is not allowed on /v1/cluster",
    )
    with pytest.raises(AdminError):
        router.dispatch("POST", "/v1/nodes/a.b/stop/../x", {})


@pytest.mark.skipif(OPENSSL is None, reason="the openssl command is needed to make certificates")
def test_serve_with_tls(env: dict[str, str], home: Path, tmp_path: Path) -> None:
    pki = tmp_path / "pki"
    pki.mkdir()
    ca = _make_ca(pki, "ca")
    cert, key = _make_signed(pki, "nodes", ca, "subjectAltName=IP:127.0.0.1,IP:127.0.0.2\n")
    port = free_ports(2)
    command = ["serve", "--cluster", "tls", "--nodes", "2", "--single-interface", "--native-port", str(port)]
    server = subprocess.Popen(
        [CQLKIT, *command, "--ssl-certfile", str(cert), "--ssl-keyfile", str(key)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert server.stdout.readline().startswith(f"cqlkit: serving cluster 'tls' on 127.0.0.1:{port}, ")
        context = ssl.create_default_context(cafile=str(ca[0]))
        driver = Cluster(["127.0.0.1"], port=port, ssl_context=context, protocol_version=5)
        try:
            session = driver.connect()
            assert session.execute("SELECT cluster_name FROM system.local").one().cluster_name == "tls"
            assert sorted(h.endpoint.port for h in driver.metadata.all_hosts()) == [port, port + 1]
        finally:
            driver.shutdown()
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert server.returncode == 0
    log = (home / "clusters" / "tls" / "node2" / "logs" / "system.log").read_text()
    assert f"Starting listening for CQL clients on /127.0.0.1:{port + 1} (encrypted)..." in log


def test_the_server_settles_the_collector_once_started() -> None:
    """What a started server keeps leaves the collector's generations; the youngest is collected less often."""
    import gc

    from admin.cli.serve import _settle_collector

    threshold = gc.get_threshold()
    try:
        kept = [[index] for index in range(1000)]  # containers the collector tracks, kept alive
        _settle_collector()
        assert gc.get_freeze_count() >= len(kept)
        collected = {id(item) for generation in range(3) for item in gc.get_objects(generation)}
        assert not any(id(item) in collected for item in kept)  # frozen: in no generation
        assert gc.get_threshold() == (10_000, 10, 10)
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
