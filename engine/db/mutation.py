"""A mutation: the changes one write makes to one partition key, across tables of one keyspace.

This is the unit the commitlog logs, replicas apply and hints store. Its byte format::

    mutation := text keyspace, bytes key, vint n_tables, (16 bytes table id, partition)*

with ``text``, ``bytes``, ``vint`` and ``partition`` as in ``engine.db.serialization``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from engine.db.rows import PartitionUpdate
from engine.db.serialization import CorruptDataError, Reader, encode_partition, read_partition, write_vint


@dataclass(slots=True, unsafe_hash=True)  # immutable by contract, like the values of engine.db.rows
class Mutation:
    keyspace: str
    key: bytes
    updates: tuple[tuple[uuid.UUID, PartitionUpdate], ...]  # (table id, update) per table

    def serialize(self) -> bytes:
        return self.encode()[0]

    def encode(self) -> tuple[bytes, tuple[tuple[bytes, tuple[int, ...]], ...]]:
        """The serialized mutation, and each table update's partition bytes (which it contains) with its row
        bounds (``encode_partition``'s): the commitlog logs the first, the memtables keep the others."""
        out = bytearray()
        encoded = self.keyspace.encode()
        write_vint(out, len(encoded))
        out += encoded
        write_vint(out, len(self.key))
        out += self.key
        write_vint(out, len(self.updates))
        partitions = []
        for table_id, update in self.updates:
            out += table_id.bytes
            data = getattr(update, "data", None)  # an EncodedPartitionUpdate is its bytes already
            partition = (data, update.bounds) if data is not None else encode_partition(update)  # type: ignore[attr-defined]
            out += partition[0]
            partitions.append(partition)
        return bytes(out), tuple(partitions)

    @classmethod
    def deserialize(cls, data: bytes | memoryview) -> Mutation:
        reader = Reader(data)
        keyspace = reader.text("mutation keyspace")
        key = reader.raw("mutation key")
        updates = []
        for _ in range(reader.vint("mutation table count")):
            table_id = uuid.UUID(bytes=reader.take(16, "mutation table id"))
            updates.append((table_id, read_partition(reader)))
        if reader.offset != reader.end:
            raise CorruptDataError(
                "end of mutation", reader.offset, f"{reader.end - reader.offset} bytes left over"
            )
        return cls(keyspace, key, tuple(updates))
