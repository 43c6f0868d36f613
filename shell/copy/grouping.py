"""COPY FROM's batches: which rows travel together in one unlogged batch.

cqlsh's workers batch each chunk (CHUNKSIZE rows) on its own, by token range (``split_into_batches``: a ring
range with more than MINBATCHSIZE rows of the chunk gets batches of MAXBATCHSIZE, the rest share batches
per replica). cqlkit batches by partition instead (:func:`split_into_batches` here: a partition with at
least MINBATCHSIZE rows gets batches of its own, the other rows share batches of MAXBATCHSIZE, in the order
their partitions first appeared): the rows of one partition reach the server as one mutation.

cqlkit goes beyond that (:class:`PartitionGrouper`): rows are held back across chunks until their
partition has MAXBATCHSIZE of them, so a file whose partitions are interleaved (a time series of many
devices, rows in time order) still goes as full batches of one partition each, which the server applies
as one mutation. At most ``4 x CHUNKSIZE`` rows are held: past that, the partitions waiting longest go
out, batched as cqlsh batches a chunk, until a chunk's worth of room is free again; the end of the input
sends the rest the same way. A row whose primary key is already waiting in its partition's batch sends
that batch first, so two rows of one key never share a batch (and its timestamp): the later row of the
file wins, as separate statements would make it. Until the first batch has gone, a partition holding
MINBATCHSIZE rows (what cqlsh sends as a batch of its own) goes at the end of its chunk instead of waiting
for MAXBATCHSIZE: the server would otherwise sit idle while the first chunks are read.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence

from shell.copy.options import CopyOptions

#: a row as read and as converted, held as tuples: once the collector finds a tuple holds only strings or
#: bytes it stops tracking it, so the rows held back here (up to HELD_CHUNKS chunks) are not walked by
#: every collection of the oldest generation (lists would be: ~1 s of a 200k-row load's CPU)
Row = tuple[str, ...]
Serialized = tuple[bytes | None, ...]
Parsed = tuple[Row, Serialized]
Batch = list[Parsed]

#: chunks of rows held back at most, waiting for more rows of their partitions
HELD_CHUNKS = 4


def split_into_batches(groups: Iterable[list[Parsed]], options: CopyOptions) -> list[Batch]:
    """cqlsh's batching of rows grouped by partition (in first-seen order)."""
    size = max(1, options.maxbatchsize)
    batches: list[Batch] = []
    rest: list[Parsed] = []
    for group in groups:
        if len(group) >= options.minbatchsize:
            batches.extend(group[i : i + size] for i in range(0, len(group), size))
        else:
            rest.extend(group)
    batches.extend(rest[i : i + size] for i in range(0, len(rest), size))
    return batches


class PartitionGrouper:
    """Rows by partition, released as batches when full, when too many are held, and at the end."""

    def __init__(
        self, key_indexes: Sequence[int], primary_indexes: Sequence[int], options: CopyOptions
    ) -> None:
        self.key_indexes = tuple(key_indexes)
        self.primary_indexes = tuple(primary_indexes)
        # a row's partition and primary key: its value for one column, or the tuple of several
        self._partition_of = operator.itemgetter(*self.key_indexes)
        self._primary_of = operator.itemgetter(*self.primary_indexes)
        self.options = options
        self.size = max(1, options.maxbatchsize)
        chunk = max(1, options.chunksize)
        self.limit = HELD_CHUNKS * chunk  # rows held at most
        self.low = self.limit - chunk  # what a release brings them down to
        self.groups: dict[object, list[Parsed]] = {}
        self.keys: dict[object, set[object]] = {}
        self.held = 0
        self.started = False  # whether a batch has gone yet

    def add(self, rows: Iterable[Parsed]) -> list[Batch]:
        """Take a chunk's rows; the batches ready to go."""
        ready: list[Batch] = []
        groups, keys = self.groups, self.keys
        partition_of, primary_of = self._partition_of, self._primary_of
        for row in rows:
            values = row[1]
            partition = partition_of(values)
            primary = primary_of(values)
            group = groups.get(partition)
            if group is None:
                group = groups[partition] = []
                keys[partition] = set()
            elif primary in keys[partition]:  # the same row again: what is waiting goes first
                ready.append(group)
                self.held -= len(group)
                group = groups[partition] = []
                keys[partition] = set()
            group.append(row)
            keys[partition].add(primary)
            self.held += 1
            if len(group) >= self.size:
                ready.append(group)
                self.held -= len(group)
                del groups[partition], keys[partition]
        if self.held > self.limit:
            ready.extend(self._release(self.low))
        if not ready and not self.started:
            ready = self._release_at_least(max(1, self.options.minbatchsize))
        self.started = self.started or bool(ready)
        return ready

    def _release_at_least(self, rows: int) -> list[Batch]:
        """The partitions holding at least ``rows`` rows, each as its own batch(es)."""
        full = [partition for partition, group in self.groups.items() if len(group) >= rows]
        released = []
        for partition in full:
            group = self.groups.pop(partition)
            del self.keys[partition]
            self.held -= len(group)
            released.append(group)
        return split_into_batches(released, self.options)

    def finish(self) -> list[Batch]:
        """Everything still held."""
        return self._release(0)

    def _release(self, keep: int) -> list[Batch]:
        """The partitions waiting longest (dicts keep insertion order), until ``keep`` rows are held."""
        released: list[list[Parsed]] = []
        for partition in list(self.groups):
            if self.held <= keep:
                break
            group = self.groups.pop(partition)
            del self.keys[partition]
            self.held -= len(group)
            released.append(group)
        return split_into_batches(released, self.options)
