"""Merkle trees over a token range: how two replicas find, cheaply, where their data differs.

Cassandra's ``utils.MerkleTree``. A tree covers one token range ``(left, right]`` (possibly wrapping
around the ring) split by token into ``2**depth`` leaves of equal width: leaf ``i`` holds the tokens
whose offset from ``left`` (``(token - left) mod 2**64``, in ``(0, size]``) satisfies
``size * i // 2**depth < offset <= size * (i + 1) // 2**depth``.

Each leaf's hash is the XOR of the SHA-256 digests of the partitions whose token falls in it, each
digest taken over the partition's serialized form (``engine.db.serialization``) as the replica's
storage returns it: every memtable and SSTable version merged and reconciled, so two replicas holding
the same data in differently flushed files hash alike. XOR makes a leaf independent of the order its
partitions were met; an empty leaf hashes to 32 zero bytes. An inner node's hash is the SHA-256 of its
two children's hashes (a node whose children are both empty stays empty), so the root summarises the
range and :func:`difference` descends only into subtrees whose hashes differ, as Cassandra's
``MerkleTree.difference`` does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from engine.db.rows import PartitionUpdate
from engine.db.serialization import serialize_partition
from engine.dht.range import RING_SIZE, TokenRange

EMPTY = bytes(32)
#: Leaves per range are ``2**depth``; Cassandra sizes the depth from the estimated partition count (at
#: most 20); a fixed depth keeps trees comparable and small for the data sizes cqlkit targets.
DEFAULT_DEPTH = 8


def range_size(token_range: TokenRange) -> int:
    """How many tokens ``(left, right]`` holds (``(right - left) mod 2**64``; the full ring when equal)."""
    size = (token_range.right - token_range.left) % RING_SIZE
    return size or RING_SIZE


def leaf_of(token_range: TokenRange, depth: int, token: int) -> int:
    """The leaf of a token the range contains."""
    offset = (token - token_range.left) % RING_SIZE or RING_SIZE
    return ((offset - 1) << depth) // range_size(token_range)


def leaf_range(token_range: TokenRange, depth: int, leaf: int) -> TokenRange:
    """The tokens of leaf ``leaf`` as a range ``(a, b]`` (wrapping like its tree's range)."""
    size = range_size(token_range)
    lo = (token_range.left + (size * leaf >> depth)) % RING_SIZE
    hi = (token_range.left + (size * (leaf + 1) >> depth)) % RING_SIZE
    return TokenRange(_signed(lo), _signed(hi))


def _signed(value: int) -> int:
    return value - RING_SIZE if value >= RING_SIZE // 2 else value


def partition_hash(partition: PartitionUpdate) -> bytes:
    return hashlib.sha256(serialize_partition(partition)).digest()


@dataclass(frozen=True, slots=True)
class MerkleTree:
    """A built tree: its range, depth, leaf hashes and how many partitions went into it."""

    token_range: TokenRange
    depth: int
    leaves: tuple[bytes, ...]
    partitions: int

    @classmethod
    def build(
        cls, token_range: TokenRange, partitions: Iterable[PartitionUpdate], depth: int = DEFAULT_DEPTH
    ) -> MerkleTree:
        leaves = [0] * (1 << depth)
        count = 0
        for partition in partitions:
            if partition.token not in token_range:
                continue
            index = leaf_of(token_range, depth, partition.token)
            leaves[index] ^= int.from_bytes(partition_hash(partition), "big")
            count += 1
        return cls(token_range, depth, tuple(v.to_bytes(32, "big") for v in leaves), count)

    def level(self, height: int) -> tuple[bytes, ...]:
        """The hashes ``height`` levels above the leaves (0: the leaves; ``depth``: the root alone)."""
        nodes = self.leaves
        for _ in range(height):
            nodes = tuple(_parent(nodes[i], nodes[i + 1]) for i in range(0, len(nodes), 2))
        return nodes

    @property
    def root(self) -> bytes:
        return self.level(self.depth)[0]


def _parent(left: bytes, right: bytes) -> bytes:
    if left == EMPTY and right == EMPTY:
        return EMPTY
    return hashlib.sha256(left + right).digest()


def difference(a: MerkleTree, b: MerkleTree) -> tuple[int, ...]:
    """The leaves where two trees of the same range and depth differ, found top-down from the root."""
    if a.token_range != b.token_range or a.depth != b.depth:
        raise ValueError("trees of different ranges or depths cannot be compared")
    levels_a = [a.level(h) for h in range(a.depth + 1)]
    levels_b = [b.level(h) for h in range(b.depth + 1)]
    differing = [0] if levels_a[a.depth][0] != levels_b[b.depth][0] else []
    for height in range(a.depth - 1, -1, -1):
        below_a, below_b = levels_a[height], levels_b[height]
        differing = [
            child
            for node in differing
            for child in (2 * node, 2 * node + 1)
            if below_a[child] != below_b[child]
        ]
    return tuple(differing)
