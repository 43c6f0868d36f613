"""Distributed hash table primitives: tokens, token ranges and the partitioner.

Cassandra places every partition on a ring of *tokens*. The partitioner maps a partition key (its serialized
bytes; for a multi-column key, the CompositeType encoding from :func:`composite_key`) to a token, and each
node owns the ranges of the ring that end at its tokens. cqlkit implements only the default
``Murmur3Partitioner``: tokens are signed 64-bit integers, ``MIN_TOKEN`` (``Long.MIN_VALUE``) is reserved for
the empty key and the start of the ring, so real keys hash into ``(MIN_TOKEN, MAX_TOKEN]``.

Tokens must match Cassandra bit for bit, because drivers compute them too (token-aware routing) and
``token(pk)`` appears in queries and paging; see :mod:`engine.dht.murmur3_partitioner` for the signed
tail-byte quirk this entails.
"""

from engine.dht.murmur3_partitioner import MAX_TOKEN, MIN_TOKEN, composite_key, get_token

__all__ = ["MAX_TOKEN", "MIN_TOKEN", "composite_key", "get_token"]
