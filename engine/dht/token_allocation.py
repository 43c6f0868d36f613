"""Deterministic vnode token allocation: a fresh ring laid out evenly, and tokens for a joining node.

Cassandra lets each node own ``num_tokens`` points of the ring (16 by default since 4.0). Random tokens
give lumpy ownership with so few vnodes, so Cassandra 4.0+ allocates them with
``allocate_tokens_for_local_replication_factor`` (``dht.tokenallocator.ReplicationAwareTokenAllocator``):
the first nodes of a datacenter get evenly spaced tokens, later nodes get tokens chosen to even out the
*replicated* ownership for the datacenter's replication factor. cqlkit does the same, simplified:

**A fresh ring** (:func:`allocate_initial_tokens`, used when a cluster is created with ``n`` nodes): each
datacenter on its own lays out ``k * num_tokens`` evenly spaced tokens (``k`` nodes in the datacenter),
starting at a seeded offset, and deals them round-robin, so node ``j`` of the datacenter gets tokens
``j, k + j, 2k + j, …``. Every range is then exactly ``1 / (k * num_tokens)`` of the ring (up to integer
rounding, ~1e-19), each node owns ``1 / k`` of it, and with replication factor ``r`` walking clockwise meets
``r`` distinct nodes within ``r`` consecutive tokens, so replicated ownership is exactly ``r / k`` too.
Nodes are dealt in rack-interleaved order (first node of each rack, then the second of each, …) so
consecutive tokens fall in different racks, which is what NetworkTopologyStrategy wants. Datacenters are
offset from each other so their tokens never collide.

**A joining node** (:func:`allocate_tokens`, used by bootstrap / ``cqlkit cluster add``): a greedy version of
Cassandra's replication-aware allocator. The caller passes the tokens of the datacenter the node joins
(NetworkTopologyStrategy places replicas per datacenter, so only that sub-ring matters) and the
replication factor to optimise for (Cassandra's default ``allocate_tokens_for_local_replication_factor: 3``).
Tokens are chosen one at a time; the candidates are the largest ranges and the ranges whose last replica
is the most loaded node; inside a candidate range the position is solved exactly (ownership is linear in
it, the score quadratic), the score being the squared distance of every node's replicated ownership from
an even share, plus a tenth of the same for raw ownership. What is left out compared with Cassandra: racks
are not considered, and each token is placed greedily rather than through Cassandra's improvement queues.
Measured spread (``tests/unit/dht/test_token_allocation.py``, ``docs/ring.md``), growing a cluster one node
at a time from 1 to 10 nodes with 16 tokens: allocating for RF 3, the max/min replicated (RF 3) ownership
stays at or under 1.16 while raw ownership drifts up to 2.1 (Cassandra's allocator makes the same trade);
allocating for RF 1, raw ownership stays under 1.06.

Everything is a pure function of its inputs and ``seed`` (a private ``random.Random``), so the same cluster
name and size always produce the same ring.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Mapping, Sequence

from engine.dht.murmur3_partitioner import MAX_TOKEN, MIN_TOKEN

DEFAULT_NUM_TOKENS = 16
DEFAULT_ALLOCATION_RF = 3
RING_SIZE = 1 << 64
_CANDIDATE_RANGES = 12


def evenly_spaced_tokens(count: int, offset: int = 0) -> list[int]:
    """``count`` tokens splitting the ring into equal parts, the first at ``MIN_TOKEN + offset``.

    ``offset`` is taken modulo the spacing; an offset of 0 is moved to 1 so ``MIN_TOKEN`` (which no key maps
    to other than the empty key) is never a node's token.
    """
    if count <= 0:
        raise ValueError("count must be positive")
    step = RING_SIZE // count
    offset %= step
    if offset == 0:
        offset = 1
    return [MIN_TOKEN + offset + i * step for i in range(count)]


def allocate_initial_tokens(
    endpoints: Sequence[str],
    num_tokens: int = DEFAULT_NUM_TOKENS,
    *,
    seed: int = 0,
    datacenter_of: Mapping[str, str] | None = None,
    rack_of: Mapping[str, str] | None = None,
) -> dict[str, tuple[int, ...]]:
    """Tokens for a cluster created with ``endpoints`` at once: each datacenter evenly interleaved.

    ``datacenter_of`` / ``rack_of`` default every endpoint to one datacenter and one rack. The result maps
    each endpoint to its ``num_tokens`` tokens, sorted.
    """
    if num_tokens <= 0:
        raise ValueError("num_tokens must be positive")
    if len(set(endpoints)) != len(endpoints):
        raise ValueError("endpoints must be distinct")
    dc_of = datacenter_of or {}
    racks = rack_of or {}
    by_dc: dict[str, list[str]] = {}
    for endpoint in endpoints:
        by_dc.setdefault(dc_of.get(endpoint, ""), []).append(endpoint)

    rng = random.Random(seed)
    taken: set[int] = set()
    out: dict[str, tuple[int, ...]] = {}
    dc_names = sorted(by_dc)
    for dc_index, dc in enumerate(dc_names):
        members = _rack_interleaved(by_dc[dc], racks)
        count = len(members) * num_tokens
        step = RING_SIZE // count
        # A seeded offset, then shifted so each datacenter starts at a different fraction of a step.
        offset = rng.randrange(step // (2 * len(dc_names))) + (dc_index * step) // len(dc_names)
        tokens = evenly_spaced_tokens(count, offset)
        tokens = [_untaken(t, taken) for t in tokens]
        taken.update(tokens)
        k = len(members)
        for j, endpoint in enumerate(members):
            out[endpoint] = tuple(sorted(tokens[j::k]))
    return out


def allocate_tokens(
    existing: Mapping[str, Sequence[int]],
    endpoint: str,
    num_tokens: int = DEFAULT_NUM_TOKENS,
    *,
    replication_factor: int = DEFAULT_ALLOCATION_RF,
    seed: int = 0,
) -> tuple[int, ...]:
    """Tokens for ``endpoint`` joining a ring whose other members (endpoint → tokens) are ``existing``.

    Pass only the members of the datacenter the node joins. With an empty ring the node gets evenly
    spaced tokens at a seeded offset. The result is sorted.
    """
    if num_tokens <= 0:
        raise ValueError("num_tokens must be positive")
    if endpoint in existing:
        raise ValueError(f"{endpoint} already has tokens")
    ring: dict[int, str] = {}
    for owner, tokens in existing.items():
        for token in tokens:
            ring[token] = owner
    rng = random.Random(seed)
    if not ring:
        return tuple(evenly_spaced_tokens(num_tokens, rng.randrange(RING_SIZE)))

    tokens = sorted(ring)
    owners = [ring[t] for t in tokens]
    chosen: list[int] = []
    for placed in range(num_tokens):
        best = _best_candidate(tokens, owners, endpoint, replication_factor, placed, num_tokens)
        index = bisect.bisect_left(tokens, best)
        tokens.insert(index, best)
        owners.insert(index, endpoint)
        chosen.append(best)
    return tuple(sorted(chosen))


# ----------------------------------------------------------------------------------------- scoring


def replicated_ownership(
    tokens: Sequence[int], owners: Sequence[str], replication_factor: int
) -> dict[str, float]:
    """Ownership per endpoint when each range ``(t[i-1], t[i]]`` is replicated on the first
    ``replication_factor`` distinct owners met walking clockwise from ``t[i]`` (SimpleStrategy's rule).

    ``tokens`` must be sorted and ``owners[i]`` owns ``tokens[i]``. Fractions of the ring; they sum to
    ``min(replication_factor, number of endpoints)``.
    """
    n = len(tokens)
    distinct = len(set(owners))
    rf = min(replication_factor, distinct)
    out = dict.fromkeys(owners, 0.0)
    for i in range(n):
        size = _range_size(tokens[i - 1], tokens[i]) if n > 1 else 1.0
        seen: list[str] = []
        j = i
        while len(seen) < rf:
            owner = owners[j % n]
            if owner not in seen:
                seen.append(owner)
                out[owner] += size
            j += 1
    return out


def _best_candidate(
    tokens: list[int], owners: list[str], endpoint: str, rf: int, placed: int, num_tokens: int
) -> int:
    """The token that brings ownership closest to even, among splits of a few promising ranges.

    The score is the squared distance of every node's ownership from its target: the mean for the nodes
    already in the ring, and for the joining node the share of the mean its ``placed + 1`` tokens should
    carry (without that budget the first token would grab a whole range). Ownership is linear in where
    the new token sits inside the range it splits (the new node gains the part before it, one previous
    replica loses it), so the score is a parabola in that position: evaluate both ends, take the vertex,
    clamp it into the range.
    """
    n = len(tokens)
    members = len(set(owners)) + 1
    share = (placed + 1) / num_tokens
    targets = (
        _targets(owners, endpoint, min(rf, members) / members, share),
        _targets(owners, endpoint, 1 / members, share),
    )
    widths = [(tokens[i] - tokens[i - 1]) % RING_SIZE or RING_SIZE for i in range(n)]
    by_width = sorted(range(n), key=lambda i: (-widths[i], i))
    load = replicated_ownership(tokens, owners, rf)
    heaviest = max(load, key=lambda e: (load[e], e))
    losers = [i for i in by_width if _last_replica(owners, i, rf) == heaviest]
    indexes = sorted(set(by_width[:_CANDIDATE_RANGES]) | set(losers[: _CANDIDATE_RANGES // 2]))
    best: tuple[float, int] | None = None
    best_token = tokens[0]
    for i in indexes:
        width = widths[i]
        if width < 3:
            continue
        left = tokens[i - 1] if n > 1 else tokens[0]
        low = _ownership_with(tokens, owners, endpoint, rf, _offset(left, 1))
        high = _ownership_with(tokens, owners, endpoint, rf, _offset(left, width - 1))
        delta = _vertex(low, high, targets, width - 2)
        candidate = _offset(left, 1 + delta)
        if candidate == MIN_TOKEN:
            continue
        score = (_score(_ownership_with(tokens, owners, endpoint, rf, candidate), targets), i)
        if best is None or score < best:
            best, best_token = score, candidate
    if best is None:
        raise ValueError("the ring has no room for another token")
    return best_token


_RAW_WEIGHT = 0.1  # raw ownership mostly breaks ties (it decides alone while every node holds every range)
_Ownership = tuple[dict[str, float], dict[str, float]]  # (replicated, raw)


def _targets(owners: list[str], endpoint: str, mean: float, share: float) -> dict[str, float]:
    out = dict.fromkeys(owners, mean)
    out[endpoint] = mean * share
    return out


def _ownership_with(
    tokens: list[int], owners: list[str], endpoint: str, rf: int, candidate: int
) -> _Ownership:
    index = bisect.bisect_left(tokens, candidate)
    trial_tokens = [*tokens[:index], candidate, *tokens[index:]]
    trial_owners = [*owners[:index], endpoint, *owners[index:]]
    return (
        replicated_ownership(trial_tokens, trial_owners, rf),
        replicated_ownership(trial_tokens, trial_owners, 1),
    )


def _score(ownership: _Ownership, targets: _Ownership) -> float:
    total = 0.0
    for weight, values, goal in ((1.0, ownership[0], targets[0]), (_RAW_WEIGHT, ownership[1], targets[1])):
        total += weight * sum((v - goal[e]) ** 2 for e, v in values.items())
    return round(total, 15)


def _vertex(low: _Ownership, high: _Ownership, targets: _Ownership, span: int) -> int:
    """Where in ``[0, span]`` the quadratic score between the two evaluated ends is smallest."""
    numerator = 0.0
    denominator = 0.0
    for weight, at_low, at_high, goal in (
        (1.0, low[0], high[0], targets[0]),
        (_RAW_WEIGHT, low[1], high[1], targets[1]),
    ):
        for endpoint, base in at_low.items():
            slope = at_high[endpoint] - base
            numerator += weight * (base - goal[endpoint]) * slope
            denominator += weight * slope * slope
    if denominator <= 0:
        return span // 2
    fraction = min(1.0, max(0.0, -numerator / denominator))
    return min(span, int(fraction * span))  # floats round 2**62-ish spans up: clamp


def _last_replica(owners: list[str], index: int, rf: int) -> str:
    """The ``rf``-th distinct owner met walking clockwise from ``owners[index]`` (or the last one met)."""
    seen: list[str] = []
    n = len(owners)
    for step in range(n):
        owner = owners[(index + step) % n]
        if owner not in seen:
            seen.append(owner)
            if len(seen) == rf:
                break
    return seen[-1]


def _offset(token: int, delta: int) -> int:
    token += delta
    if token > MAX_TOKEN:
        token -= RING_SIZE
    return token


def _range_size(left: int, right: int) -> float:
    width = (right - left) % RING_SIZE
    return 1.0 if width == 0 else width / RING_SIZE


def _untaken(token: int, taken: set[int]) -> int:
    while token in taken or token == MIN_TOKEN:
        token = token + 1 if token < MAX_TOKEN else MIN_TOKEN + 1
    return token


def _rack_interleaved(members: list[str], rack_of: Mapping[str, str]) -> list[str]:
    """Members ordered first of each rack, second of each rack, … (racks and members in given order)."""
    by_rack: dict[str, list[str]] = {}
    for endpoint in members:
        by_rack.setdefault(rack_of.get(endpoint, ""), []).append(endpoint)
    queues = list(by_rack.values())
    out: list[str] = []
    depth = 0
    while len(out) < len(members):
        for queue in queues:
            if depth < len(queue):
                out.append(queue[depth])
        depth += 1
    return out
