"""Topology and the token ring snapshot."""

from __future__ import annotations

import uuid

import pytest

from engine.dht import MAX_TOKEN, MIN_TOKEN
from engine.dht.range import TokenRange
from engine.locator import Location, TokenMetadata, Topology, endpoint_sort_key

A, B, C = "127.0.0.1", "127.0.0.2", "127.0.0.3"


def ring() -> TokenMetadata:
    return TokenMetadata.from_tokens({A: [0, 300], B: [100, 400], C: [200, 500]})


def test_topology_defaults_and_queries():
    topo = Topology.of([B, A]).with_endpoint(C, "dc2", "r9")
    assert topo.endpoints == (A, B, C)
    assert topo.location(A) == Location("datacenter1", "rack1")
    assert topo.datacenters == ("datacenter1", "dc2")
    assert topo.endpoints_in("dc2") == (C,)
    assert dict(topo.racks_in("dc2")) == {"r9": (C,)}
    assert dict(topo.datacenter_sizes()) == {"datacenter1": 2, "dc2": 1}
    assert topo.endpoint_for_host_id(topo.host_id(B)) == B
    assert topo.without_endpoint(B).endpoints == (A, C)
    assert B in topo and "127.0.0.9" not in topo
    with pytest.raises(KeyError):
        topo.location("127.0.0.9")


def test_topology_host_ids_unique():
    h = uuid.UUID(int=7)
    topo = Topology().with_endpoint(A, host_id=h)
    assert topo.host_id(A) == h
    with pytest.raises(ValueError):
        topo.with_endpoint(B, host_id=h)
    # moving A keeps its host id
    assert topo.with_endpoint(A, "dc2").host_id(A) == h


def test_endpoint_sort_key_is_numeric():
    eps = ["127.0.0.10", "127.0.0.2", "127.0.0.1:9043", "127.0.0.1:9042", "host"]
    assert sorted(eps, key=endpoint_sort_key) == [
        "127.0.0.1:9042",
        "127.0.0.1:9043",
        "127.0.0.2",
        "127.0.0.10",
        "host",
    ]


def test_first_token_wraps():
    tm = ring()
    assert tm.sorted_tokens == (0, 100, 200, 300, 400, 500)
    assert tm.first_token(50) == 100
    assert tm.first_token(100) == 100
    assert tm.first_token(501) == 0
    assert tm.first_token(MAX_TOKEN) == 0
    assert tm.first_token(MIN_TOKEN) == 0
    assert tm.first_token_index(450) == 5
    assert tm.primary_endpoint_for(450) == C


def test_predecessor_and_primary_ranges():
    tm = ring()
    assert tm.predecessor(0) == 500
    assert tm.successor(500) == 0
    assert tm.primary_range_for(0) == TokenRange(500, 0)  # wraps
    assert tm.primary_ranges(A) == (TokenRange(500, 0), TokenRange(200, 300))
    assert tm.tokens_of(B) == (100, 400)
    assert dict(tm.tokens_by_endpoint()) == {A: (0, 300), B: (100, 400), C: (200, 500)}
    assert sum(r.size() for r in tm.all_ranges()) == pytest.approx(1.0)
    assert list(tm.ring_iterator(250)) == [300, 400, 500, 0, 100, 200]


def test_single_token_ring_owns_everything():
    tm = TokenMetadata.from_tokens({A: [42]})
    assert tm.primary_range_for(42).is_full_ring
    assert tm.primary_range_for(42).size() == 1.0


def test_changes_make_new_snapshots():
    tm = ring()
    added = tm.with_normal_tokens("127.0.0.4", [50])
    assert added.version == tm.version + 1
    assert tm.first_token(25) == 100 and added.first_token(25) == 50
    moved = added.with_normal_tokens(A, [600])
    assert moved.tokens_of(A) == (600,)
    removed = moved.without_endpoint(B)
    assert removed.endpoints == (A, C, "127.0.0.4")
    assert ring().endpoints == (A, B, C)  # untouched
    with pytest.raises(ValueError):
        tm.with_normal_tokens("127.0.0.4", [100])
    with pytest.raises(ValueError):
        TokenMetadata.from_tokens({A: [1], B: [1]})


def test_bootstrap_and_leave_states():
    tm = ring().with_bootstrapping("127.0.0.4", [50, 250])
    assert tm.bootstrapping_endpoints == ("127.0.0.4",)
    assert tm.bootstrap_tokens_of("127.0.0.4") == (50, 250)
    assert tm.first_token(25) == 100  # not a member yet
    with pytest.raises(ValueError, match="Bootstrap Token collision"):
        tm.with_bootstrapping("127.0.0.5", [50])
    joined = tm.with_normal_tokens("127.0.0.4", [50, 250])
    assert not joined.bootstrap_tokens and joined.first_token(25) == 50
    leaving = ring().with_leaving(B)
    assert leaving.leaving == {B} and leaving.tokens_of(B) == (100, 400)
    assert leaving.without_endpoint(B).leaving == frozenset()
