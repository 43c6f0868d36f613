"""Raw and effective ownership (nodetool status "Owns"), and pending ranges during topology changes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.dht import MAX_TOKEN, MIN_TOKEN
from engine.dht.range import TokenRange
from engine.dht.token_allocation import allocate_initial_tokens, allocate_tokens
from engine.locator import (
    EverywhereStrategy,
    LocalStrategy,
    NetworkTopologyStrategy,
    SimpleStrategy,
    TokenMetadata,
    Topology,
    effective_ownership,
    pending_endpoints_for,
    pending_ranges,
    raw_ownership,
)

A, B, C, D = "127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"
Q = 1 << 62  # a quarter of the ring


def simple(rf: int) -> SimpleStrategy:
    return SimpleStrategy("ks", {"replication_factor": str(rf)})


def test_raw_ownership_quarters_with_wrap_around():
    # A owns (Q, MIN+Q] which wraps past the end of the ring: half of it.
    tm = TokenMetadata.from_tokens({A: [MIN_TOKEN + Q], B: [0], C: [Q]})
    own = raw_ownership(tm)
    assert own == {A: 0.5, B: 0.25, C: 0.25}
    assert sum(own.values()) == 1.0


def test_effective_ownership_simple():
    tm = TokenMetadata.from_tokens({A: [MIN_TOKEN + Q], B: [0], C: [Q]})
    topo = Topology.of([A, B, C])
    assert effective_ownership(simple(1), tm, topo) == raw_ownership(tm)
    # RF 2: each range also goes to the next node clockwise.
    # (0,Q]->C,A  (Q,MIN+Q]->A,B  (MIN+Q,0]->B,C
    assert effective_ownership(simple(2), tm, topo) == {A: 0.75, B: 0.75, C: 0.5}
    assert effective_ownership(simple(3), tm, topo) == {A: 1.0, B: 1.0, C: 1.0}
    assert effective_ownership(simple(5), tm, topo) == {A: 1.0, B: 1.0, C: 1.0}


def test_effective_ownership_nts_and_others():
    tm = TokenMetadata.from_tokens({A: [0], B: [Q], C: [2 * Q - 1], D: [-Q]})
    topo = Topology.of({A: ("dc1", "r1"), B: ("dc1", "r2"), C: ("dc2", "r1"), D: ("dc2", "r1")})
    own = effective_ownership(NetworkTopologyStrategy("ks", {"dc1": "1"}), tm, topo)
    assert own[C] == 0.0 and own[D] == 0.0
    assert sum(own.values()) == pytest.approx(1.0)
    own = effective_ownership(NetworkTopologyStrategy("ks", {"dc1": "2", "dc2": "1"}), tm, topo)
    assert sum(own.values()) == pytest.approx(3.0)
    assert own[A] == own[B] == 1.0
    assert effective_ownership(EverywhereStrategy("ks", {}), tm, topo) == {A: 1.0, B: 1.0, C: 1.0, D: 1.0}
    with pytest.raises(ValueError, match="Ownership values for keyspaces with LocalStrategy are meaningless"):
        effective_ownership(LocalStrategy("system", {}, local_endpoint=A), tm, topo)


@pytest.mark.parametrize("n", range(1, 11))
def test_even_ring_ownership_spread(n):
    """nodetool status on a fresh n-node cluster: every node owns 1/n raw and min(3,n)/n at RF 3."""
    endpoints = [f"127.0.0.{i}" for i in range(1, n + 1)]
    tm = TokenMetadata.from_tokens(allocate_initial_tokens(endpoints, 16, seed=n))
    topo = Topology.of(endpoints)
    raw = raw_ownership(tm)
    assert sum(raw.values()) == pytest.approx(1.0)
    assert max(raw.values()) / min(raw.values()) < 1.000001
    eff = effective_ownership(simple(3), tm, topo)
    assert sum(eff.values()) == pytest.approx(min(3, n))
    assert all(v == pytest.approx(min(3, n) / n) for v in eff.values())


@st.composite
def rings(draw):
    n = draw(st.integers(1, 6))
    endpoints = [f"10.0.0.{i}" for i in range(1, n + 1)]
    tokens = draw(st.lists(st.integers(MIN_TOKEN + 1, MAX_TOKEN), min_size=n, max_size=3 * n, unique=True))
    owners = {e: [] for e in endpoints}
    for i, t in enumerate(tokens):
        owners[endpoints[i % n]].append(t)
    dcs = {e: (draw(st.sampled_from(["dc1", "dc2"])), draw(st.sampled_from(["r1", "r2"]))) for e in endpoints}
    return TokenMetadata.from_tokens(owners), Topology.of(dcs)


@settings(max_examples=100, deadline=None)
@given(rings(), st.integers(1, 4), st.integers(0, 3))
def test_ownership_sums(ring, rf, rf2):
    tm, topo = ring
    assert sum(raw_ownership(tm).values()) == pytest.approx(1.0)
    n = len(tm.endpoints)
    assert sum(effective_ownership(simple(rf), tm, topo).values()) == pytest.approx(min(rf, n))
    options = {"dc1": str(rf), **({"dc2": str(rf2)} if rf2 else {})}
    expected = sum(
        min(int(v), len([e for e in tm.endpoints if topo.datacenter(e) == dc])) for dc, v in options.items()
    )
    own = effective_ownership(NetworkTopologyStrategy("ks", options), tm, topo)
    assert sum(own.values()) == pytest.approx(expected)


# -------------------------------------------------------------------------------------- pending ranges


def test_bootstrap_pending_ranges():
    tm = TokenMetadata.from_tokens({A: [0], B: [100], C: [200]}).with_bootstrapping(D, [50])
    topo = Topology.of([A, B, C, D])
    assert dict(pending_ranges(simple(1), tm, topo)) == {D: (TokenRange(0, 50),)}
    assert pending_endpoints_for(25, simple(1), tm, topo) == (D,)
    assert pending_endpoints_for(75, simple(1), tm, topo) == ()
    # RF 2: D also becomes the second replica of (200, 0] (A, then D instead of B).
    assert dict(pending_ranges(simple(2), tm, topo)) == {D: (TokenRange(200, 50),)}
    assert pending_endpoints_for(-5, simple(2), tm, topo) == (D,)


def test_leaving_pending_ranges():
    tm = TokenMetadata.from_tokens({A: [0], B: [100], C: [200]}).with_leaving(B)
    topo = Topology.of([A, B, C])
    # B's (0, 100] moves to C.
    assert dict(pending_ranges(simple(1), tm, topo)) == {C: (TokenRange(0, 100),)}
    assert pending_endpoints_for(50, simple(1), tm, topo) == (C,)
    # RF 2: (0,100] is B,C now and C,A later, so A gains it; (200,0] is A,B now and A,C later, so C gains it.
    assert dict(pending_ranges(simple(2), tm, topo)) == {A: (TokenRange(0, 100),), C: (TokenRange(200, 0),)}


def test_no_pending_without_changes():
    tm = TokenMetadata.from_tokens({A: [0], B: [100]})
    assert dict(pending_ranges(simple(2), tm, Topology.of([A, B]))) == {}
    assert pending_endpoints_for(5, simple(2), tm, Topology.of([A, B])) == ()


def test_allocated_bootstrap_takes_a_fair_share():
    endpoints = [A, B, C]
    ring = allocate_initial_tokens(endpoints, 16, seed=1)
    tokens = allocate_tokens(ring, D, 16, replication_factor=3, seed=4)
    tm = TokenMetadata.from_tokens(ring).with_bootstrapping(D, tokens)
    topo = Topology.of([A, B, C, D])
    gained = sum(r.size() for r in pending_ranges(simple(3), tm, topo)[D])
    assert gained == pytest.approx(0.75, abs=0.1)  # 3/4 of the ring at RF 3 with 4 nodes
