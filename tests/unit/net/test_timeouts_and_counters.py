"""Per-node timeouts (``nodetool settimeout``) and per-sender message counters (``nodetool netstats``)."""

from __future__ import annotations

import pytest

from engine.net import Message, MessagingService, Network, RequestFailureReason, Verb
from engine.net.verbs import DEFAULT_TIMEOUTS_MS, Timeouts, TimeoutType, timeout_type

N1, N2, N3 = "127.0.0.1", "127.0.0.2", "127.0.0.3"


def test_defaults_are_cassandra_yaml_and_verbs_map_to_their_type() -> None:
    timeouts = Timeouts()
    assert {kind.value: timeouts.get(kind) for kind in TimeoutType} == {
        "read": 5000,
        "range": 10_000,
        "write": 2000,
        "counterwrite": 5000,
        "cascontention": 1000,
        "truncate": 60_000,
        "internodeconnect": 2000,
        "internodeuser": 30_000,
        "internodestreaminguser": 300_000,
        "misc": 10_000,
    }
    assert dict(DEFAULT_TIMEOUTS_MS) == {kind: timeouts.get(kind) for kind in TimeoutType}
    assert timeout_type(Verb.READ_REPAIR_REQ) is TimeoutType.WRITE
    assert timeout_type(Verb.PAXOS_PREPARE_REQ) is TimeoutType.CAS_CONTENTION
    assert timeout_type(Verb.SCHEMA_PULL_REQ) is TimeoutType.MISC
    for verb in Verb:  # the per-node defaults are the verbs' own defaults
        if verb.value.endswith("_REQ"):
            assert timeouts.for_verb(verb) == verb.timeout_ms, verb
    with pytest.raises(ValueError, match="timeout must be non-negative"):
        timeouts.set(TimeoutType.READ, -1)


def test_a_request_expires_after_its_nodes_current_timeout() -> None:
    network = Network()
    sender, silent = MessagingService(N1, network), MessagingService(N2, network)
    other = MessagingService(N3, network)
    silent.register(Verb.READ_REQ, lambda message: None)  # never answers
    failures: list[tuple[str, RequestFailureReason, float]] = []

    def ask(service: MessagingService) -> None:
        service.send_request(
            N2,
            Verb.READ_REQ,
            "q",
            on_response=lambda message: None,
            on_failure=lambda endpoint, reason: failures.append((endpoint, reason, network.now())),
        )

    sender.timeouts.set(TimeoutType.READ, 300)
    ask(sender)
    ask(other)  # N3 keeps the default
    network.run_until_idle()
    assert failures == [
        (N2, RequestFailureReason.TIMEOUT, 300.0),
        (N2, RequestFailureReason.TIMEOUT, 5000.0),
    ]


def test_outbound_counters_per_sender() -> None:
    network = Network(latency_ms=1.0)
    one, two = MessagingService(N1, network), MessagingService(N2, network)
    MessagingService(N3, network)
    got: list[Message] = []
    two.register(Verb.MUTATION_REQ, got.append)
    two.register(Verb.GOSSIP_DIGEST_SYN, got.append)
    one.send(N2, Verb.MUTATION_REQ, "m")
    one.send(N2, Verb.GOSSIP_DIGEST_SYN, "g")
    one.send(N1, Verb.MUTATION_REQ, "to itself: not an outbound message")
    assert network.outbound_pending[(N1, Verb.MUTATION_REQ)] == 1
    network.advance(1.0)
    assert len(got) == 2
    assert network.outbound_pending[(N1, Verb.MUTATION_REQ)] == 0
    assert network.outbound_completed[(N1, Verb.MUTATION_REQ)] == 1
    assert network.outbound_completed[(N1, Verb.GOSSIP_DIGEST_SYN)] == 1
    network.partition(N1, N3)
    one.send(N3, Verb.MUTATION_REQ, "lost at once")
    one.send(N2, Verb.MUTATION_REQ, "lost on the way")
    network.down(N2)
    network.advance(1.0)
    assert network.outbound_dropped[(N1, Verb.MUTATION_REQ)] == 2
    assert network.outbound_pending[(N1, Verb.MUTATION_REQ)] == 0
    assert not any(sender == N2 for sender, _ in network.outbound_completed)
