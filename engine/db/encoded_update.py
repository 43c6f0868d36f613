"""A partition update that was built as bytes: its rows are objects only when someone asks for them.

A plain prepared write (``engine.cql3.statements.plain_write``) writes its rows' bytes straight from the
bound values (``serialization.plain_row``). What the write path does with an update needs no objects: the
commitlog logs the bytes (``Mutation.encode`` takes them as they are), the memtable keeps them (each row cut
out by its bounds, ordered by the sort keys given here), and the batch-size guard takes the data size
counted while the rows were written. Anything else that reads ``rows`` — a replica's checks, a test — gets
them decoded from the bytes once, equal to the rows the general path would have built.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine.db.rows import LIVE, Clustering, PartitionUpdate, Row
from engine.db.serialization import deserialize_partition


class EncodedPartitionUpdate(PartitionUpdate):
    """A partition update of rows only (no deletion, static row or range tombstone), held as
    ``encode_partition``'s bytes and row bounds, with each row's clustering and sort key."""

    __slots__ = ("_decoded", "bounds", "clusterings", "data", "data_size", "oldest", "sort_keys")

    def __init__(
        self,
        key: bytes,
        token: int,
        data: bytes,
        bounds: tuple[int, ...],
        clusterings: Sequence[Clustering],
        sort_keys: Sequence[Any],
        oldest: int,
        data_size: int,
    ) -> None:
        self.key = key
        self.token = token
        self.deletion = LIVE
        self.static_row = None
        self.range_tombstones = ()
        self.data = data
        self.bounds = bounds
        self.clusterings = clusterings
        self.sort_keys = sort_keys
        self.oldest = oldest  # min_timestamp, counted as the rows were written
        self.data_size = data_size  # batch_limits.data_size of this update alone
        self._decoded: tuple[Row, ...] | None = None

    @property  # type: ignore[override]
    def rows(self) -> tuple[Row, ...]:
        decoded = self._decoded
        if decoded is None:
            decoded = self._decoded = deserialize_partition(self.data).rows
        return decoded

    @property
    def row_count(self) -> int:
        return len(self.clusterings)

    @property
    def min_timestamp(self) -> int:
        return self.oldest
