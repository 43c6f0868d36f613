"""The payloads of repair's verbs, and how a token range maps onto storage positions.

* ``VALIDATION_REQ`` (:class:`ValidationRequest`): build the Merkle tree of one table over one range and
  answer it (``VALIDATION_RSP``, :class:`ValidationResponse`);
* ``RANGE_REQ`` (the coordinator's own range read, ``engine.service.commands.RangeCommand``): the
  partitions of one differing leaf;
* ``STREAM_REQ`` (:class:`StreamRequest`): apply these reconciled partitions (each a
  :class:`~engine.db.mutation.Mutation`, through the replica's ordinary write path: commitlog, then
  memtable) and acknowledge (``STREAM_RSP``). Cassandra streams SSTable sections; in one process the
  partitions themselves travel, which lands the same data.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from engine.db.column_family_store import TokenKey
from engine.db.mutation import Mutation
from engine.dht.murmur3_partitioner import MIN_TOKEN
from engine.dht.range import TokenRange
from engine.repair.merkle_tree import MerkleTree

Span = tuple[TokenKey | None, TokenKey | None]


@dataclass(frozen=True, slots=True)
class ValidationRequest:
    session_id: uuid.UUID
    table_id: uuid.UUID
    token_range: TokenRange
    depth: int


@dataclass(frozen=True, slots=True)
class ValidationResponse:
    tree: MerkleTree


@dataclass(frozen=True, slots=True)
class StreamRequest:
    session_id: uuid.UUID
    mutations: tuple[Mutation, ...]


def spans(token_range: TokenRange) -> tuple[Span, ...]:
    """``(left, right]`` as half-open storage spans ``start <= (token, key) < end`` (None: unbounded).

    A token ``t`` is in ``(left, right]`` exactly when ``(left + 1, b"") <= (t, key) < (right + 1, b"")``;
    a wrapping range is two spans, the end of the ring and its start.
    """
    left, right = token_range.left, token_range.right
    start: TokenKey | None = None if left == MIN_TOKEN else (left + 1, b"")
    end: TokenKey | None = None if right == MIN_TOKEN else (right + 1, b"")
    if (
        not token_range.is_wrap_around
        or right == MIN_TOKEN
        or (token_range.is_full_ring and left == MIN_TOKEN)
    ):
        return ((start, end),)
    return ((start, None), (None, end))
