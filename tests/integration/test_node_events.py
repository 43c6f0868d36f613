"""STATUS_CHANGE events when a node of a served cluster stops and starts: node1's gossip sees node2 go
DOWN and come back UP, and node1's registered connections are told, naming node2's native endpoint."""

from __future__ import annotations

from pathlib import Path

from cassandra.protocol import EventMessage

from engine.cluster.server import NodeServer
from engine.cluster.session import Cluster
from engine.gms.endpoint_state import EndpointState
from engine.transport.cluster_events import NodeEventNotifier
from engine.transport.events import Event, StatusChange, TopologyChange
from tests.integration.rawclient import RawConnection


def _event(connection: RawConnection) -> tuple[str, dict[str, object]]:
    message = connection.read()
    assert isinstance(message, EventMessage)
    return message.event_type, message.event_args


def test_status_change_events_when_a_node_stops_and_starts(tmp_path: Path) -> None:
    with Cluster.open(tmp_path / "c", nodes=3, realtime=True) as cluster:
        servers = {node.name: NodeServer(node, "127.0.0.1", 0) for node in cluster.nodes}
        for server in servers.values():
            server.start()
        native = {node.address: ("127.0.0.1", servers[node.name].port) for node in cluster.nodes}
        node1 = cluster.node("node1")
        assert node1.membership is not None
        node1.membership.gossiper.register(
            NodeEventNotifier(node1.address, servers["node1"].transport.publish, native.get)
        )
        listener = RawConnection(servers["node1"].port, version=5)
        try:
            listener.startup()
            listener.register("STATUS_CHANGE", "TOPOLOGY_CHANGE")
            node2_native = native[cluster.node("node2").address]

            servers.pop("node2").stop()
            cluster.stop_node("node2")
            assert _event(listener) == ("STATUS_CHANGE", {"change_type": "DOWN", "address": node2_native})

            cluster.start_node("node2")
            servers["node2"] = NodeServer(cluster.node("node2"), "127.0.0.1", node2_native[1])
            servers["node2"].start()
            assert _event(listener) == ("STATUS_CHANGE", {"change_type": "UP", "address": node2_native})

            # nothing else was sent: the next message is the answer to this query
            answer = listener.query("SELECT release_version FROM system.local", stream=3)
            assert not isinstance(answer, EventMessage)
            assert answer.stream_id == 3  # type: ignore[attr-defined]
        finally:
            listener.close()
            for server in servers.values():
                server.stop()


def test_repeated_statuses_and_the_node_itself_are_not_announced() -> None:
    sent: list[Event] = []
    native = {"127.0.0.1": ("10.0.0.1", 9042), "127.0.0.2": ("10.0.0.2", 9042)}
    notifier = NodeEventNotifier("127.0.0.1", sent.append, native.get)
    state = EndpointState.__new__(EndpointState)  # the listener never reads the state
    notifier.on_alive("127.0.0.2", state)
    notifier.on_alive("127.0.0.2", state)
    notifier.on_dead("127.0.0.1", state)  # itself
    notifier.on_dead("127.0.0.9", state)  # not served: no native endpoint
    notifier.on_dead("127.0.0.2", state)
    notifier.on_dead("127.0.0.2", state)
    notifier.on_alive("127.0.0.2", state)
    notifier.on_remove("127.0.0.2")
    assert sent == [
        StatusChange("UP", "10.0.0.2", 9042),
        StatusChange("DOWN", "10.0.0.2", 9042),
        StatusChange("UP", "10.0.0.2", 9042),
        TopologyChange("REMOVED_NODE", "10.0.0.2", 9042),
    ]


def test_a_served_cluster_announces_its_nodes_stopping_and_starting(tmp_path: Path) -> None:
    """``cqlkit serve``'s composition (ServedCluster) registers the notifier on every node itself."""
    from engine.admin_api.lifecycle import Endpoint, ServedCluster

    with Cluster.open(tmp_path / "c", nodes=3, realtime=True) as cluster:
        endpoints = {node.name: Endpoint("127.0.0.1", 0) for node in cluster.nodes}
        served = ServedCluster(cluster, endpoints)
        served.start()
        listener = RawConnection(served.endpoints["node1"].port, version=5)
        try:
            listener.startup()
            listener.register("STATUS_CHANGE")
            node2 = (served.endpoints["node2"].host, served.endpoints["node2"].port)
            served.stop_node("node2")
            assert _event(listener) == ("STATUS_CHANGE", {"change_type": "DOWN", "address": node2})
            served.start_node("node2")
            assert _event(listener) == ("STATUS_CHANGE", {"change_type": "UP", "address": node2})
        finally:
            listener.close()
            served.stop()
