"""The in-process network: request/response, timeouts, faults (down, partition, drop, delay), timers."""

from __future__ import annotations

import threading
import time

import pytest

from engine.net import (
    Message,
    MessagingService,
    Network,
    RequestFailed,
    RequestFailureReason,
    Verb,
)

N1, N2, N3 = "127.0.0.1", "127.0.0.2", "127.0.0.3"


class Node:
    """A messaging endpoint that echoes READ_REQ payloads and records everything it sees."""

    def __init__(self, network: Network, endpoint: str) -> None:
        self.ms = MessagingService(endpoint, network)
        self.received: list[Message] = []
        self.responses: list[Message] = []
        self.failures: list[tuple[str, RequestFailureReason]] = []
        self.ms.register(Verb.READ_REQ, self.on_read)
        self.ms.register(Verb.MUTATION_REQ, self.on_mutation)
        self.ms.register(Verb.HINT_REQ, self.received.append)

    def on_read(self, message: Message) -> None:
        self.received.append(message)
        self.ms.reply(message, ("data", message.payload))

    def on_mutation(self, message: Message) -> None:
        self.received.append(message)
        if message.payload == "refuse":
            raise RequestFailed(RequestFailureReason.INCOMPATIBLE_SCHEMA, "unknown table")
        if message.payload == "crash":
            raise RuntimeError("boom")
        self.ms.reply(message)

    def request(self, to: str, payload: object = "k", verb: Verb = Verb.READ_REQ, **kwargs) -> Message:
        return self.ms.send_request(
            to,
            verb,
            payload,
            on_response=self.responses.append,
            on_failure=lambda ep, reason: self.failures.append((ep, reason)),
            **kwargs,
        )


def cluster(**kwargs) -> tuple[Network, dict[str, Node]]:
    network = Network(**kwargs)
    return network, {e: Node(network, e) for e in (N1, N2, N3)}


def test_request_response():
    net, nodes = cluster()
    request = nodes[N1].request(N2, "key1")
    assert nodes[N2].received == []  # nothing moves until the network is stepped
    assert net.deliver_all() == 2
    (response,) = nodes[N1].responses
    assert response.in_reply_to == request.id
    assert response.verb is Verb.READ_RSP and response.payload == ("data", "key1")
    assert response.sender == N2 and response.recipient == N1
    assert nodes[N1].ms.pending_requests() == 0
    assert net.delivered[Verb.READ_REQ] == 1 and net.delivered[Verb.READ_RSP] == 1
    # the timeout timer was cancelled: advancing far past it changes nothing
    net.advance(60_000)
    assert nodes[N1].failures == []


def test_timeout_when_node_down():
    net, nodes = cluster()
    net.down(N2)
    nodes[N1].request(N2)
    net.deliver_all()
    assert nodes[N2].received == [] and net.dropped[Verb.READ_REQ] == 1
    net.advance(4_999)
    assert nodes[N1].failures == []
    net.advance(1)  # read_request_timeout: 5 s
    assert nodes[N1].failures == [(N2, RequestFailureReason.TIMEOUT)]
    net.up(N2)
    nodes[N1].request(N2)
    net.deliver_all()
    assert len(nodes[N1].responses) == 1


def test_write_timeout_default_and_override():
    assert Verb.MUTATION_REQ.timeout_ms == 2000
    assert Verb.READ_REQ.timeout_ms == 5000
    assert Verb.RANGE_REQ.timeout_ms == 10_000
    assert Verb.PAXOS_PREPARE_REQ.timeout_ms == 1000
    assert Verb.GOSSIP_DIGEST_SYN.response is None
    assert Verb.MUTATION_REQ.response is Verb.MUTATION_RSP
    net, nodes = cluster()
    net.down(N3)
    nodes[N1].request(N3, timeout_ms=100)
    net.advance(100)
    assert nodes[N1].failures == [(N3, RequestFailureReason.TIMEOUT)]


def test_partition_between_two_nodes_and_heal():
    net, nodes = cluster()
    net.partition(N1, N2)
    nodes[N1].request(N2)
    nodes[N1].request(N3)
    nodes[N2].request(N1)
    net.deliver_all()
    assert [m.sender for m in nodes[N1].responses] == [N3]
    assert nodes[N2].responses == []
    assert not net.can_reach(N1, N2) and net.can_reach(N2, N3)
    net.heal()
    nodes[N1].request(N2)
    net.deliver_all()
    assert [m.sender for m in nodes[N1].responses] == [N3, N2]


def test_partition_groups_and_isolation():
    net, _ = cluster()
    net.partition([N1], [N2, N3])
    assert not net.can_reach(N1, N3) and not net.can_reach(N3, N1) and net.can_reach(N2, N3)
    net.heal()
    net.partition(N2)  # isolate N2 from everyone
    assert not net.can_reach(N1, N2) and not net.can_reach(N2, N3) and net.can_reach(N1, N3)
    assert net.can_reach(N2, N2)


def test_partition_while_in_flight_drops_at_delivery():
    net, nodes = cluster(latency_ms=10)
    nodes[N1].request(N2)
    net.partition(N1, N2)
    net.advance(10)
    assert nodes[N2].received == []


def test_drop_is_deterministic_by_seed():
    def pattern(seed: int) -> list[int]:
        net, nodes = cluster()
        net.drop(Verb.HINT_REQ, 0.5, seed)
        for i in range(40):
            nodes[N1].ms.send(N2, Verb.HINT_REQ, i)
        net.deliver_all()
        return [m.payload for m in nodes[N2].received]

    first = pattern(1)
    assert first == pattern(1)
    assert first != pattern(2)
    assert 10 < len(first) < 30


def test_drop_filters_by_verb_and_endpoints():
    net, nodes = cluster()
    rule = net.drop(Verb.READ_REQ, recipient=N2)
    nodes[N1].request(N2)
    nodes[N1].request(N3)
    nodes[N1].request(N2, verb=Verb.MUTATION_REQ)
    net.deliver_all()
    assert rule.dropped == 1
    assert sorted(m.verb.name for m in nodes[N1].responses) == ["MUTATION_RSP", "READ_RSP"]
    net.remove_drop(rule)
    nodes[N1].request(N2)
    net.deliver_all()
    assert len(nodes[N1].responses) == 3
    with pytest.raises(ValueError):
        net.drop(probability=1.5)


def test_delay_base_and_per_verb():
    net, nodes = cluster()
    net.delay(100)
    nodes[N1].ms.send(N2, Verb.HINT_REQ, "a")
    net.deliver_all()
    assert nodes[N2].received == []
    net.advance(99)
    assert nodes[N2].received == []
    net.advance(1)
    assert [m.payload for m in nodes[N2].received] == ["a"]
    net.clear_delays()
    net.delay(50, Verb.READ_REQ)
    nodes[N1].request(N2)
    net.advance(49)
    assert nodes[N1].responses == []
    net.advance(1)
    assert len(nodes[N1].responses) == 1  # the reply itself is not delayed


def test_delay_longer_than_timeout_times_out_and_late_reply_is_ignored():
    net, nodes = cluster()
    net.delay(3000, Verb.MUTATION_REQ)
    nodes[N1].request(N2, verb=Verb.MUTATION_REQ)
    net.advance(2000)
    assert nodes[N1].failures == [(N2, RequestFailureReason.TIMEOUT)]
    net.advance(1000)
    assert len(nodes[N2].received) == 1  # the replica applied it anyway
    assert nodes[N1].responses == []  # its reply came too late


def test_handler_failures():
    net, nodes = cluster()
    nodes[N1].request(N2, "refuse", verb=Verb.MUTATION_REQ)
    nodes[N1].request(N3, "crash", verb=Verb.MUTATION_REQ)
    net.deliver_all()
    assert sorted(nodes[N1].failures) == [
        (N2, RequestFailureReason.INCOMPATIBLE_SCHEMA),
        (N3, RequestFailureReason.UNKNOWN),
    ]
    assert [(e, v) for e, v, _ in net.handler_errors] == [(N3, Verb.MUTATION_REQ)]
    # a verb without handler answers UNKNOWN at once instead of waiting for the timeout
    nodes[N1].request(N2, verb=Verb.PAXOS_PREPARE_REQ)
    net.deliver_all()
    assert nodes[N1].failures[-1] == (N2, RequestFailureReason.UNKNOWN)


def test_local_delivery_ignores_faults():
    net, nodes = cluster(latency_ms=100)
    net.partition(N1)
    net.drop()
    nodes[N1].request(N1)
    net.deliver_all()
    assert len(nodes[N1].responses) == 1


def test_timers_run_in_time_then_schedule_order():
    net = Network()
    seen: list[str] = []
    net.schedule(10, lambda: seen.append("b"))
    net.schedule(5, lambda: seen.append("a"))
    net.schedule(10, lambda: seen.append("c"))
    cancelled = net.schedule(7, lambda: seen.append("never"))
    net.cancel(cancelled)
    series = net.every(4, lambda: seen.append(f"tick@{net.now():g}"))
    net.advance(10)
    assert seen == ["tick@4", "a", "tick@8", "b", "c"]
    net.cancel(series)
    net.advance(100)
    assert seen[-1] == "c" and net.pending() == 0
    assert net.now() == 110


def test_run_until_idle_and_runaway_guard():
    net = Network(max_events=50)
    seen: list[float] = []
    net.schedule(1000, lambda: seen.append(net.now()))
    net.run_until_idle()
    assert seen == [1000]
    a = MessagingService(N1, net)
    b = MessagingService(N2, net)
    a.register(Verb.HINT_REQ, lambda m: a.send(N2, Verb.HINT_REQ))
    b.register(Verb.HINT_REQ, lambda m: b.send(N1, Verb.HINT_REQ))
    a.send(N2, Verb.HINT_REQ)
    with pytest.raises(RuntimeError, match="without quiescing"):
        net.deliver_all()


def test_real_time_mode_delivers_on_a_background_thread():
    net = Network(clock=lambda: time.monotonic() * 1000)
    nodes = {e: Node(net, e) for e in (N1, N2)}
    done = threading.Event()
    got: list[Message] = []

    def on_response(message: Message) -> None:
        got.append(message)
        done.set()

    net.start()
    try:
        nodes[N1].ms.send_request(N2, Verb.READ_REQ, "rt", on_response=on_response)
        assert done.wait(5.0)
        assert got[0].payload == ("data", "rt")
        with pytest.raises(RuntimeError):
            net.deliver_all()
    finally:
        net.stop()


def test_stepped_network_cannot_start():
    with pytest.raises(RuntimeError):
        Network().start()
