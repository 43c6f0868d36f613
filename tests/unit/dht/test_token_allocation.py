"""Vnode token allocation: even fresh rings, balanced growth, determinism.

The spread figures asserted here are the ones documented in ``engine/dht/token_allocation.py`` and
``docs/ring.md`` (max/min ownership ratio over the nodes of the ring).
"""

from __future__ import annotations

import itertools

import pytest

from engine.dht import MAX_TOKEN, MIN_TOKEN
from engine.dht.token_allocation import (
    allocate_initial_tokens,
    allocate_tokens,
    evenly_spaced_tokens,
    replicated_ownership,
)


def _spread(tokens_by_endpoint: dict[str, tuple[int, ...]], rf: int) -> float:
    ring = sorted((t, e) for e, ts in tokens_by_endpoint.items() for t in ts)
    own = replicated_ownership([t for t, _ in ring], [e for _, e in ring], rf)
    assert sum(own.values()) == pytest.approx(min(rf, len(tokens_by_endpoint)))
    return max(own.values()) / min(own.values())


def _endpoints(n: int) -> list[str]:
    return [f"127.0.0.{i}" for i in range(1, n + 1)]


def test_evenly_spaced():
    tokens = evenly_spaced_tokens(4, 0)
    assert tokens == [MIN_TOKEN + 1, -(1 << 62) + 1, 1, (1 << 62) + 1]
    assert all(MIN_TOKEN < t <= MAX_TOKEN for t in evenly_spaced_tokens(7, 123))


@pytest.mark.parametrize("n", range(1, 11))
def test_fresh_ring_is_even_for_1_to_10_nodes(n):
    ring = allocate_initial_tokens(_endpoints(n), 16, seed=42)
    assert all(len(ts) == 16 for ts in ring.values())
    assert len({t for ts in ring.values() for t in ts}) == 16 * n
    for rf in (1, 2, 3):
        assert _spread(ring, rf) < 1.000001


def test_fresh_ring_deterministic_by_seed():
    eps = _endpoints(3)
    assert allocate_initial_tokens(eps, seed=1) == allocate_initial_tokens(eps, seed=1)
    assert allocate_initial_tokens(eps, seed=1) != allocate_initial_tokens(eps, seed=2)


def test_fresh_ring_two_datacenters_even_per_dc():
    eps = _endpoints(5)
    dc = {e: ("dc1" if i < 3 else "dc2") for i, e in enumerate(eps)}
    rack = {e: f"rack{i % 2 + 1}" for i, e in enumerate(eps)}
    ring = allocate_initial_tokens(eps, 8, seed=3, datacenter_of=dc, rack_of=rack)
    assert len({t for ts in ring.values() for t in ts}) == 40
    for name in ("dc1", "dc2"):
        sub = {e: ts for e, ts in ring.items() if dc[e] == name}
        assert _spread(sub, 1) < 1.000001


def test_rack_interleaving_alternates_racks():
    eps = _endpoints(4)
    rack = {eps[0]: "r1", eps[1]: "r1", eps[2]: "r2", eps[3]: "r2"}
    ring = allocate_initial_tokens(eps, 4, seed=0, rack_of=rack)
    order = [e for _, e in sorted((t, e) for e, ts in ring.items() for t in ts)]
    racks = [rack[e] for e in order]
    assert all(a != b for a, b in itertools.pairwise(racks))


def _grow(n: int, rf: int) -> list[dict[str, tuple[int, ...]]]:
    existing: dict[str, tuple[int, ...]] = {}
    states = []
    for i, endpoint in enumerate(_endpoints(n), start=1):
        existing[endpoint] = allocate_tokens(existing, endpoint, 16, replication_factor=rf, seed=i)
        states.append(dict(existing))
    return states


def test_growing_one_node_at_a_time_for_rf3():
    # Documented figures: replicated (RF 3) ownership max/min <= 1.16, raw drifts to ~2.1.
    for ring in _grow(10, 3):
        assert _spread(ring, 3) <= 1.17
        assert _spread(ring, 1) <= 2.2
        assert all(len(ts) == 16 for ts in ring.values())


def test_growing_one_node_at_a_time_for_rf1():
    # Documented figure: raw ownership max/min < 1.06.
    for ring in _grow(10, 1):
        assert _spread(ring, 1) < 1.06


def test_allocation_is_deterministic_and_distinct():
    first = _grow(4, 3)[-1]
    assert first == _grow(4, 3)[-1]
    all_tokens = [t for ts in first.values() for t in ts]
    assert len(set(all_tokens)) == len(all_tokens)
    assert MIN_TOKEN not in all_tokens


def test_allocation_refuses_known_endpoint():
    with pytest.raises(ValueError):
        allocate_tokens({"a": (1, 2)}, "a")
