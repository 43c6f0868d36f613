"""Gossip and failure detection riding on the in-process network: faults become UP/DOWN.

This is how the node layer wires ``engine.gms`` to ``engine.net`` (they do not import each other):
gossip messages travel as ``GOSSIP_*``/``ECHO_*`` verbs, the gossiper ticks on a network timer, and the
failure detector reads the network's clock. A stepped network makes the whole scenario deterministic.
"""

from __future__ import annotations

from engine.gms import (
    GossipDigestAck,
    GossipDigestAck2,
    GossipDigestSyn,
    GossipEcho,
    GossipEchoAck,
    Gossiper,
    GossipListener,
    GossipShutdown,
)
from engine.net import Message, MessagingService, Network, Verb

N1, N2, N3 = "127.0.0.1", "127.0.0.2", "127.0.0.3"

VERB_OF = {
    GossipDigestSyn: Verb.GOSSIP_DIGEST_SYN,
    GossipDigestAck: Verb.GOSSIP_DIGEST_ACK,
    GossipDigestAck2: Verb.GOSSIP_DIGEST_ACK2,
    GossipShutdown: Verb.GOSSIP_SHUTDOWN,
    GossipEcho: Verb.ECHO_REQ,
    GossipEchoAck: Verb.ECHO_RSP,
}


class Events(GossipListener):
    def __init__(self, name: str, log: list[tuple[float, str, str, str]], network: Network) -> None:
        self.name, self.log, self.network = name, log, network

    def on_alive(self, endpoint, state) -> None:
        self.log.append((self.network.now(), self.name, "UP", endpoint))

    def on_dead(self, endpoint, state) -> None:
        self.log.append((self.network.now(), self.name, "DOWN", endpoint))


def build(seed: int = 0) -> tuple[Network, dict[str, Gossiper], list]:
    network = Network()
    log: list = []
    gossipers: dict[str, Gossiper] = {}
    for i, endpoint in enumerate((N1, N2, N3)):
        messaging = MessagingService(endpoint, network)

        def send(to, message, messaging=messaging) -> None:
            messaging.send(to, VERB_OF[type(message)], message)

        gossiper = Gossiper(endpoint, send=send, clock=network.clock, seeds=[N1], seed=seed + i)
        gossiper.register(Events(endpoint, log, network))

        def handle(message: Message, gossiper=gossiper) -> None:
            gossiper.receive(message.sender, message.payload)

        for verb in VERB_OF.values():
            messaging.register(verb, handle)
        gossiper.start(generation=1)
        network.every(1000, gossiper.tick, first_in_ms=1000 + i)
        gossipers[endpoint] = gossiper
    return network, gossipers, log


def up(gossipers: dict[str, Gossiper], viewer: str) -> set[str]:
    return set(gossipers[viewer].live_members())


def test_cluster_converges():
    network, g, _ = build()
    network.advance(5_000)
    assert all(up(g, e) == {N1, N2, N3} for e in g)


def test_down_node_is_convicted_and_comes_back():
    network, g, log = build()
    network.advance(10_000)
    log.clear()
    network.down(N3)
    network.advance(40_000)
    assert N3 not in up(g, N1) and N3 not in up(g, N2)
    downs = [(t, viewer) for t, viewer, kind, ep in log if kind == "DOWN" and ep == N3]
    assert {viewer for _, viewer in downs} == {N1, N2}
    assert all(15_000 < t - 10_000 < 35_000 for t, _ in downs)  # phi 8: ~20 s of silence
    # N3 also lost sight of everyone (its messages went nowhere)
    assert up(g, N3) == {N3}
    network.up(N3)
    network.advance(5_000)
    assert all(up(g, e) == {N1, N2, N3} for e in g)


def test_partition_isolates_a_node_both_ways_and_heal_restores():
    network, g, _ = build()
    network.advance(10_000)
    network.partition(N1)
    network.advance(40_000)
    assert up(g, N1) == {N1}
    assert up(g, N2) == {N2, N3} and up(g, N3) == {N2, N3}
    network.heal()
    network.advance(5_000)
    assert all(up(g, e) == {N1, N2, N3} for e in g)


def test_shutdown_is_seen_immediately():
    network, g, _ = build()
    network.advance(5_000)
    g[N2].announce_shutdown()
    network.deliver_all()
    assert N2 not in up(g, N1) and N2 not in up(g, N3)


def test_partial_partition_is_not_seen_by_gossip():
    # N2 and N3 cannot talk, but hear of each other's heartbeats through N1: both stay UP, as in
    # Cassandra (requests between them would time out; the coordinator learns that the hard way).
    network, g, _ = build()
    network.advance(10_000)
    network.partition(N2, N3)
    network.advance(40_000)
    assert all(up(g, e) == {N1, N2, N3} for e in g)


def test_deterministic_event_log():
    def run() -> list:
        network, _, log = build(seed=11)
        network.advance(8_000)
        network.drop(Verb.GOSSIP_DIGEST_ACK, 0.3, seed=5)
        network.partition(N3)
        network.advance(40_000)
        network.heal()
        network.advance(10_000)
        return log

    first = run()
    assert first == run()
    assert any(kind == "DOWN" for _, _, kind, _ in first)
