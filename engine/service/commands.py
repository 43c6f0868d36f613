"""What a coordinator asks replicas, and what they answer: the payloads of the data verbs.

In-process messages carry values, not bytes (``engine.net.message``): a mutation travels as the
:class:`~engine.db.mutation.Mutation` it is (its byte format is what the commitlog and hints store), a
read as one of these frozen commands. A data response carries the partition; a digest response the MD5
of the partition's serialized form (``engine.db.serialization``), which is equal on two replicas exactly
when their data for the read is equal (Cassandra's digest reads).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from engine.db.column_family_store import TokenKey
from engine.db.rows import PartitionUpdate
from engine.db.serialization import serialize_partition
from engine.db.slices import Slices


@dataclass(frozen=True, slots=True)
class ReadCommand:
    """Read one partition (``READ_REQ``): the data, or only its digest."""

    table_id: uuid.UUID
    key: bytes
    token: int
    slices: Slices | None = None
    digest_only: bool = False


@dataclass(frozen=True, slots=True)
class ReadResponse:
    partition: PartitionUpdate | None = None
    digest: bytes = b""
    is_digest: bool = False


@dataclass(frozen=True, slots=True)
class RangeCommand:
    """Read the partitions of ``start <= (token, key) < end`` (``RANGE_REQ``; None: unbounded)."""

    table_id: uuid.UUID
    start: TokenKey | None
    end: TokenKey | None


@dataclass(frozen=True, slots=True)
class RangeResponse:
    partitions: tuple[PartitionUpdate, ...]


@dataclass(frozen=True, slots=True)
class TruncateCommand:
    table_id: uuid.UUID


def digest(partition: PartitionUpdate | None) -> bytes:
    """The MD5 of a read's result (an absent partition digests the empty string)."""
    return hashlib.md5(b"" if partition is None else serialize_partition(partition)).digest()
