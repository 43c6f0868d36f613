"""How a table's primary key maps onto the storage engine's keys.

* The **partition key** bytes are the serialized value of a one-column partition key, or the
  CompositeType encoding of several (``engine.dht.murmur3_partitioner.composite_key``: per component a
  2-byte length, the bytes, an end-of-component byte 0). Its token is Murmur3 of those bytes.
* A **clustering** is the tuple of the clustering columns' serialized values; the storage engine orders
  rows with :func:`clustering_comparator`, built from each column type's ``sort_key`` (inverted for DESC
  columns), so a shorter tuple (a prefix) sorts before every clustering that extends it.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.db.clustering_sort_key import ClusteringSortKey
from engine.db.rows import ClusteringKey
from engine.dht.murmur3_partitioner import composite_key, get_token
from engine.errors import InvalidRequest
from engine.schema.metadata import TableMetadata

MAX_KEY_LENGTH = 0xFFFF


def partition_key(table: TableMetadata, components: Sequence[bytes]) -> bytes:
    if len(components) == 1:
        key = components[0]
        if len(key) > MAX_KEY_LENGTH:
            raise InvalidRequest(f"Key length of {len(key)} is longer than maximum of {MAX_KEY_LENGTH}")
        return key
    try:
        return composite_key(components)
    except ValueError as e:
        raise InvalidRequest(str(e)) from None


def split_partition_key(table: TableMetadata, key: bytes) -> tuple[bytes, ...]:
    if len(table.partition_key) == 1:
        return (key,)
    parts = []
    offset = 0
    while offset < len(key):
        length = int.from_bytes(key[offset : offset + 2], "big")
        parts.append(key[offset + 2 : offset + 2 + length])
        offset += 3 + length
    return tuple(parts)


def token(key: bytes) -> int:
    return get_token(key)


def clustering_comparator(table: TableMetadata) -> ClusteringKey:
    """The sort key of the table's rows, the order its storage keeps them in (a value: it pickles)."""
    return ClusteringSortKey.of(c.storage_type for c in table.clustering)
