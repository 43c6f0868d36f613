"""Replica placement tables for every strategy, and properties over random rings.

How the expected tables were derived (by hand, following Cassandra's algorithms):

* SimpleStrategy: take the first ring token >= the key token (wrapping to the smallest), then walk
  clockwise and take each endpoint the first time it is met until RF endpoints are collected.
* NetworkTopologyStrategy: the same walk, one pass, per datacenter: an endpoint is taken if its
  datacenter still needs replicas and its rack is new in that datacenter, or if the datacenter may still
  repeat a rack (``rf - racks in the datacenter`` repeats allowed). The comments on each row replay it.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.dht import MAX_TOKEN, MIN_TOKEN
from engine.dht.range import TokenRange
from engine.locator import (
    EverywhereStrategy,
    LocalStrategy,
    NetworkTopologyStrategy,
    SimpleStrategy,
    TokenMetadata,
    Topology,
    create_strategy,
)
from engine.schema.metadata import ReplicationParams

A, B, C = "127.0.0.1", "127.0.0.2", "127.0.0.3"

# Ring 1 (vnodes, 2 per node): 0:A 100:B 200:C 300:A 400:B 500:C
RING1 = TokenMetadata.from_tokens({A: [0, 300], B: [100, 400], C: [200, 500]})
TOPO1 = Topology.of([A, B, C])

SIMPLE_TABLE = [
    # key token, RF -> replicas
    (50, 1, (B,)),
    (50, 2, (B, C)),
    (50, 3, (B, C, A)),
    (0, 1, (A,)),
    (0, 3, (A, B, C)),
    (250, 2, (A, B)),  # first token >= 250 is 300 (A)
    (450, 3, (C, A, B)),
    (501, 2, (A, B)),  # past the last token: wraps to 0
    (MAX_TOKEN, 1, (A,)),
    (MIN_TOKEN, 1, (A,)),
    (50, 4, (B, C, A)),  # RF above the node count: every node
]


@pytest.mark.parametrize(("token", "rf", "expected"), SIMPLE_TABLE)
def test_simple_strategy_table(token, rf, expected):
    strategy = SimpleStrategy("ks", {"replication_factor": str(rf)})
    assert strategy.calculate_natural_replicas(token, RING1, TOPO1) == expected
    assert strategy.natural_replicas(token, RING1, TOPO1) == expected


def test_simple_strategy_skips_repeated_owner():
    # Ring 0:A 100:A 200:B 300:C: a walk passing both of A's tokens counts A once.
    tm = TokenMetadata.from_tokens({A: [0, 100], B: [200], C: [300]})
    s2 = SimpleStrategy("ks", {"replication_factor": "2"})
    assert s2.calculate_natural_replicas(-5, tm, TOPO1) == (A, B)  # 0:A, 100:A skipped, 200:B
    assert s2.calculate_natural_replicas(350, tm, TOPO1) == (A, B)  # wraps to 0:A
    assert s2.calculate_natural_replicas(150, tm, TOPO1) == (B, C)


# Ring 2: two datacenters with racks, one token each.
#   dc1: n1 r1 @0, n2 r1 @100, n3 r2 @200, n4 r2 @300
#   dc2: n5 r1 @50, n6 r2 @150, n7 r1 @250
N = {i: f"10.0.0.{i}" for i in range(1, 8)}
RING2 = TokenMetadata.from_tokens(
    {N[1]: [0], N[2]: [100], N[3]: [200], N[4]: [300], N[5]: [50], N[6]: [150], N[7]: [250]}
)
TOPO2 = Topology.of(
    {
        N[1]: ("dc1", "r1"),
        N[2]: ("dc1", "r1"),
        N[3]: ("dc1", "r2"),
        N[4]: ("dc1", "r2"),
        N[5]: ("dc2", "r1"),
        N[6]: ("dc2", "r2"),
        N[7]: ("dc2", "r1"),
    }
)

NTS_TABLE = [
    # Walk from 50: n5 (dc2 new rack r1), n2 (dc1 new rack r1), n6 (dc2 r2: dc2 done), n3 (dc1 r2: done).
    ({"dc1": "2", "dc2": "2"}, 10, (5, 2, 6, 3)),
    # Walk from 150: n6, n3, n7 (dc2 done), n4 (dc1 rack r2 again, 2-2=0 repeats: skipped), n1 (r1: done).
    ({"dc1": "2", "dc2": "2"}, 101, (6, 3, 7, 1)),
    # dc1 RF 3 over 2 racks: one repeat allowed. From 150: n6 (dc2 done), n3, n4 (the repeat), n1.
    ({"dc1": "3", "dc2": "1"}, 101, (6, 3, 4, 1)),
    # dc1 only, from 0: n1 (r1), n2 (r1, the one repeat), n3 (r2: done).
    ({"dc1": "3"}, 0, (1, 2, 3)),
    # dc2 RF 3 = all of dc2; from 300: n5 (r1), n6 (r2), n7 (r1, repeat 3-2=1).
    ({"dc2": "3"}, 260, (5, 6, 7)),
    # A datacenter without nodes is ignored.
    ({"dc1": "2", "dc3": "2"}, 10, (2, 3)),
    # RF above the datacenter's size: every node of it.
    ({"dc1": "5"}, 10, (2, 3, 4, 1)),
]


@pytest.mark.parametrize(("options", "token", "expected"), NTS_TABLE)
def test_network_topology_strategy_table(options, token, expected):
    strategy = NetworkTopologyStrategy("ks", options)
    assert strategy.calculate_natural_replicas(token, RING2, TOPO2) == tuple(N[i] for i in expected)


def test_replication_factors():
    nts = NetworkTopologyStrategy("ks", {"dc1": "3", "dc2": "2"})
    assert dict(nts.replication_factors()) == {"dc1": 3, "dc2": 2}
    assert nts.replication_factor().all_replicas == 5
    assert nts.is_datacenter_aware
    simple = SimpleStrategy("ks", {"replication_factor": "3"})
    assert dict(simple.replication_factors()) == {"": 3}
    every = EverywhereStrategy("ks", {})
    assert dict(every.replication_factors(TOPO2)) == {"dc1": 4, "dc2": 3}
    assert LocalStrategy("system", {}).replication_factor().all_replicas == 1


def test_local_and_everywhere():
    local = create_strategy(
        ReplicationParams("org.apache.cassandra.locator.LocalStrategy"), keyspace="system", local_endpoint=B
    )
    assert local.calculate_natural_replicas(12345, RING1, TOPO1) == (B,)
    every = create_strategy("EverywhereStrategy", {}, "ks")
    assert every.calculate_natural_replicas(50, RING1, TOPO1) == (B, C, A)


def test_address_and_range_maps():
    s2 = SimpleStrategy("ks", {"replication_factor": "2"})
    by_range = s2.range_addresses(RING1, TOPO1)
    assert len(by_range) == 6
    assert by_range[TokenRange(0, 100)] == (B, C)
    ranges_b = s2.ranges_of(B, RING1, TOPO1)
    assert [str(r) for r in ranges_b] == ["(500,0]", "(0,100]", "(200,300]", "(300,400]"]


def test_cache_follows_ring_snapshot():
    s1 = SimpleStrategy("ks", {"replication_factor": "1"})
    assert s1.natural_replicas(50, RING1, TOPO1) == (B,)
    other = RING1.with_normal_tokens("127.0.0.4", [60])
    topo = TOPO1.with_endpoint("127.0.0.4")
    assert s1.natural_replicas(50, other, topo) == ("127.0.0.4",)
    assert s1.natural_replicas(50, RING1, TOPO1) == (B,)


# ------------------------------------------------------------------------------------------ properties

tokens = st.integers(MIN_TOKEN + 1, MAX_TOKEN)


@st.composite
def rings(draw):
    n = draw(st.integers(1, 8))
    endpoints = [f"10.1.0.{i}" for i in range(1, n + 1)]
    all_tokens = draw(st.lists(tokens, min_size=n, max_size=n * 4, unique=True))
    owners = {e: [] for e in endpoints}
    for i, t in enumerate(all_tokens):
        owners[endpoints[i % n] if i < n else draw(st.sampled_from(endpoints))].append(t)
    locations = {
        e: (draw(st.sampled_from(["dc1", "dc2"])), draw(st.sampled_from(["r1", "r2", "r3"])))
        for e in endpoints
    }
    return TokenMetadata.from_tokens(owners), Topology.of(locations)


@settings(max_examples=150, deadline=None)
@given(rings(), tokens, st.integers(1, 5))
def test_simple_strategy_properties(ring, token, rf):
    tm, topo = ring
    replicas = SimpleStrategy("ks", {"replication_factor": str(rf)}).calculate_natural_replicas(
        token, tm, topo
    )
    assert len(replicas) == min(rf, len(tm.endpoints))
    assert len(set(replicas)) == len(replicas)
    assert replicas[0] == tm.primary_endpoint_for(token)
    walk = list(dict.fromkeys(tm.endpoint_of(t) for t in tm.ring_iterator(token)))
    assert list(replicas) == walk[: len(replicas)]


@settings(max_examples=150, deadline=None)
@given(rings(), tokens, st.integers(0, 4), st.integers(0, 4))
def test_network_topology_strategy_properties(ring, token, rf1, rf2):
    tm, topo = ring
    options = {dc: str(rf) for dc, rf in (("dc1", rf1), ("dc2", rf2)) if rf}
    replicas = NetworkTopologyStrategy("ks", options).calculate_natural_replicas(token, tm, topo)
    assert len(set(replicas)) == len(replicas)
    for dc, rf in (("dc1", rf1), ("dc2", rf2)):
        members = [e for e in tm.endpoints if topo.datacenter(e) == dc]
        in_dc = [e for e in replicas if topo.datacenter(e) == dc]
        assert len(in_dc) == min(rf, len(members))
        racks = {topo.rack(e) for e in members}
        # distinct racks whenever there are enough of them
        assert len({topo.rack(e) for e in in_dc}) == min(len(in_dc), len(racks))
    # replicas appear in ring order from the token
    order = {e: i for i, e in enumerate(dict.fromkeys(tm.endpoint_of(t) for t in tm.ring_iterator(token)))}
    assert [order[e] for e in replicas] == sorted(order[e] for e in replicas)
