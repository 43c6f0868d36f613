"""ScyllaDB's REST paths on a served three-node cluster, over real HTTP with the admin token."""

from __future__ import annotations

import http.client
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import engine
from admin.nodetool.remote import nodetool_routes
from engine.admin_api.lifecycle import Endpoint, ServedCluster, lifecycle_routes
from engine.admin_api.scylla import scylla_routes
from engine.admin_api.server import AdminServer, Router, create_token


class Api:
    def __init__(self, server: AdminServer, token: str, cluster: engine.Cluster) -> None:
        self.server, self.token, self.cluster = server, token, cluster

    def call(self, method: str, path: str, *, token: str | None = None) -> tuple[int, object]:
        connection = http.client.HTTPConnection(self.server.host, self.server.port, timeout=60)
        try:
            headers = {"Authorization": f"Bearer {self.token if token is None else token}"}
            connection.request(method, path, headers=headers)
            response = connection.getresponse()
            return response.status, json.loads(response.read())
        finally:
            connection.close()

    def ok(self, method: str, path: str) -> object:
        status, body = self.call(method, path)
        assert status == 200, (path, body)
        return body


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    directory: Path = tmp_path_factory.mktemp("scylla") / "c"
    with engine.Cluster.open(directory, nodes=3, realtime=True) as cluster:
        session = cluster.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}"
        )
        session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text)")
        session.execute("CREATE TABLE ks.u (k int PRIMARY KEY)")
        for k in range(20):
            session.execute(f"INSERT INTO ks.t (k, v) VALUES ({k}, 'v{k}')")
        served = ServedCluster(cluster, {n.name: Endpoint("127.0.0.1", 0) for n in cluster.nodes})
        router = Router()
        lifecycle_routes(router, served)
        nodetool_routes(router, served)
        scylla_routes(router, served)
        server = AdminServer(router, create_token(directory), "127.0.0.1", 0)
        server.start()
        try:
            yield Api(server, (directory / "admin.token").read_text().strip(), cluster)
        finally:
            server.stop()


def test_the_token_is_required(api: Api) -> None:
    assert api.call("GET", "/storage_service/release_version", token="nope") == (
        401,
        {"error": "missing or wrong admin token"},
    )


def test_node_identity(api: Api) -> None:
    assert api.ok("GET", "/storage_service/release_version") == "5.0.0"
    assert api.ok("GET", "/storage_service/operation_mode") == "NORMAL"
    host_ids = {n.address: str(n.membership.host_id) for n in api.cluster.nodes}
    assert api.ok("GET", "/storage_service/host_id") == [
        {"key": address, "value": host_id} for address, host_id in sorted(host_ids.items())
    ]
    assert api.ok("GET", "/storage_service/hostid/local") == host_ids["127.0.0.1"]
    assert api.ok("GET", "/v1/nodes/node2/storage_service/hostid/local") == host_ids["127.0.0.2"]
    assert api.call("GET", "/v1/nodes/node9/storage_service/hostid/local") == (
        404,
        {"message": "no running node node9 in cluster", "code": 404},
    )
    assert api.ok("GET", "/storage_service/keyspaces?type=non_local_strategy") == ["ks"]
    assert "system" in api.ok("GET", "/storage_service/keyspaces")


def test_failure_detector_endpoints_are_the_gossip_state(api: Api) -> None:
    endpoints = api.ok("GET", "/failure_detector/endpoints/")
    assert [e["addrs"] for e in endpoints] == ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
    assert all(e["is_alive"] for e in endpoints)
    node2 = endpoints[1]
    states = {s["application_state"]: s["value"] for s in node2["application_state"]}
    assert states[3] == "datacenter1" and states[4] == "rack1" and states[5] == "5.0.0"  # DC, RACK, version
    assert states[12] == str(api.cluster.nodes[1].membership.host_id)  # HOST_ID
    assert states[0].startswith("NORMAL,")  # STATUS
    assert node2["generation"] == api.cluster.nodes[1].membership.generation
    assert api.ok("GET", "/gossiper/endpoint/live/") == ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
    assert api.ok("GET", "/gossiper/endpoint/down/") == []


def _data_files(api: Api, node: int) -> list[Path]:
    data = api.cluster.directory / f"node{node}" / "data" / "ks"
    return sorted(data.glob("t-*/*-big-Data.db"))


def test_flush_and_compaction(api: Api) -> None:
    assert api.ok("POST", "/storage_service/keyspace_flush/ks?cf=t") == {}
    first = _data_files(api, 1)
    assert first
    api.cluster.connect().execute("INSERT INTO ks.t (k, v) VALUES (100, 'x')")
    assert api.ok("POST", "/storage_service/keyspace_flush/ks") == {}
    assert len(_data_files(api, 1)) >= 2
    assert api.ok("POST", "/storage_service/keyspace_compaction/ks?cf=t") == {}
    assert len(_data_files(api, 1)) == 1
    assert api.ok("POST", "/storage_service/keyspace_cleanup/ks") == 0
    assert api.call("POST", "/storage_service/keyspace_flush/nope") == (
        400,
        {"message": "Keyspace [nope] does not exist.", "code": 400},
    )
    assert api.call("POST", "/storage_service/keyspace_flush/ks?cf=x") == (
        400,
        {"message": "Unknown keyspace/cf pair (ks.x)", "code": 400},
    )


def test_snapshots(api: Api) -> None:
    assert api.ok("POST", "/storage_service/snapshots?tag=s1&kn=ks&cf=t") == {}
    assert api.ok("POST", "/storage_service/snapshots?tag=s2&kn=ks.u&sf=true") == {}
    listing = api.ok("GET", "/storage_service/snapshots")
    probe = engine.NodeProbe(api.cluster)
    expected = {(e.tag, e.keyspace, e.table): (e.size_on_disk, e.true_size) for e in probe.snapshots()}
    assert [(item["key"], [(v["ks"], v["cf"]) for v in item["value"]]) for item in listing] == [
        ("s1", [("ks", "t")]),
        ("s2", [("ks", "u")]),
    ]
    for item in listing:
        for v in item["value"]:
            assert (v["total"], v["live"]) == expected[(item["key"], v["ks"], v["cf"])]
    snapshot_dir = next((api.cluster.directory / "node1" / "data" / "ks").glob("t-*")) / "snapshots" / "s1"
    assert (snapshot_dir / "manifest.json").is_file()
    assert api.ok("GET", "/storage_service/snapshots/size/true") == probe.true_snapshots_size()
    assert api.ok("DELETE", "/storage_service/snapshots?tag=s1") == {}
    assert not snapshot_dir.exists()
    assert api.ok("DELETE", "/storage_service/snapshots?kn=ks") == {}
    assert api.ok("GET", "/storage_service/snapshots") == []


def _await_repair(api: Api, command: int) -> str:
    deadline = time.monotonic() + 60
    status = api.ok("GET", f"/storage_service/repair_async/ks?id={command}")
    while status == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.05)
        status = api.ok("GET", f"/storage_service/repair_async/ks?id={command}")
    return str(status)


def test_repair_async(api: Api) -> None:
    command = api.ok("POST", "/storage_service/repair_async/ks?columnFamilies=t&jobThreads=1")
    assert isinstance(command, int)
    assert _await_repair(api, command) == "SUCCESSFUL"
    api.cluster.stop_node("node3")
    try:  # a replica down fails the repair (Endpoint not alive), as the status says
        failing = api.ok("POST", "/storage_service/repair_async/ks")
        assert failing == command + 1
        assert _await_repair(api, failing) == "FAILED"
    finally:
        api.cluster.start_node("node3")
    assert api.call("GET", "/storage_service/repair_async/ks?id=999") == (
        400,
        {"message": "unknown repair id 999", "code": 400},
    )
    assert api.call("POST", "/storage_service/repair_async/nope") == (
        400,
        {"message": "Keyspace [nope] does not exist.", "code": 400},
    )
    assert api.call("POST", "/storage_service/repair_async/ks?columnFamilies=x") == (
        400,
        {"message": "Unknown keyspace/cf pair (ks.x)", "code": 400},
    )
    assert api.call("POST", "/storage_service/repair_async/ks?parallelism=sideways")[0] == 400
    assert uuid.UUID(str(api.ok("GET", "/storage_service/hostid/local")))  # the server still answers


def test_ring_questions(api: Api) -> None:
    probe = engine.NodeProbe(api.cluster)
    node2 = api.cluster.nodes[1]
    assert api.ok("GET", "/storage_service/tokens") == [str(t) for t in probe.local.tokens]
    assert api.ok("GET", "/storage_service/tokens/127.0.0.2") == [
        str(t) for t in sorted(node2.membership.me.tokens)
    ]
    assert api.ok("GET", "/storage_service/schema_version") == str(probe.schema_version)
    assert api.ok("GET", "/v1/nodes/node2/storage_service/generation_number") == node2.membership.generation
    assert api.ok("GET", "/storage_service/is_starting") is False
    for key in ("1", "7"):
        assert api.ok("GET", f"/storage_service/natural_endpoints/ks?cf=t&key={key}") == list(
            probe.natural_endpoints("ks", "t", key)
        )
    assert api.call("GET", "/storage_service/natural_endpoints/ks?cf=t") == (
        400,
        {"message": "cf and key are required", "code": 400},
    )
    loads = api.ok("GET", "/storage_service/load_map")
    assert [entry["key"] for entry in loads] == ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
    assert loads[0]["value"] == api.ok("GET", "/storage_service/load")
    for state in ("joining", "leaving", "moving"):
        assert api.ok("GET", f"/storage_service/nodes/{state}") == []


def test_compact_every_keyspace_and_clear_one_tables_snapshot(api: Api) -> None:
    session = api.cluster.connect()
    for k in range(200, 203):
        session.execute(f"INSERT INTO ks.t (k, v) VALUES ({k}, 'x')")
        api.ok("POST", "/storage_service/keyspace_flush/ks")
    assert api.ok("POST", "/storage_service/compact") == {}
    assert len(_data_files(api, 1)) == 1
    assert api.ok("POST", "/storage_service/snapshots?tag=both&kn=ks") == {}
    assert api.ok("DELETE", "/storage_service/snapshots?tag=both&kn=ks&cf=t") == {}
    listing = api.ok("GET", "/storage_service/snapshots")
    assert [(item["key"], [v["cf"] for v in item["value"]]) for item in listing] == [("both", ["u"])]
    assert api.ok("DELETE", "/storage_service/snapshots?tag=both") == {}
    assert api.call("DELETE", "/storage_service/snapshots?cf=t") == (
        400,
        {"message": "When specifying the table, you must specify one keyspace", "code": 400},
    )


def test_repair_with_scylla_parallelism_and_a_range(api: Api) -> None:
    token = engine.NodeProbe(api.cluster).local.tokens[0]
    command = api.ok("POST", f"/storage_service/repair_async/ks?parallelism=0&ranges={token - 1000}:{token}")
    assert _await_repair(api, int(str(command))) == "SUCCESSFUL"
    assert api.call("POST", "/storage_service/repair_async/ks?ranges=1:2,3:4") == (
        400,
        {"message": "cqlkit repairs one token range per command", "code": 400},
    )
