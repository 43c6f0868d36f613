"""A table's clustering order as a value: the ``ClusteringKey`` a node gives its tables' storage.

The storage engine orders rows by a sort key computed from a clustering (the tuple of its columns'
serialized values): per column, its type's ``sort_key`` of the value (the storage type, reversed for a DESC
column), so a prefix sorts before every clustering that extends it. ``engine.cql3.keys.clustering_comparator``
builds the same function as a closure; this one is a frozen dataclass of the per-column ``sort_key``
methods, so it pickles and can go to the flush worker process (``engine.db.sstable.flush_worker``), which
needs the table's order for the min/max clustering statistics.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from engine.db.rows import Clustering


class SortableType(Protocol):
    def sort_key(self, data: bytes) -> Any: ...


@dataclass(frozen=True, slots=True)
class ClusteringSortKey:
    """``key(clustering)``: the tuple of each clustering column's sort key of its value."""

    sort_keys: tuple[Callable[[bytes], Any], ...]

    @classmethod
    def of(cls, types: Iterable[SortableType]) -> ClusteringSortKey:
        """The sort key of a table whose clustering columns have these storage types, in order."""
        return cls(tuple(t.sort_key for t in types))

    def __call__(self, clustering: Clustering) -> tuple[Any, ...]:
        # Once per row written: map(operator.call) runs the pairs in C (a prefix gives a shorter key).
        sort_keys = self.sort_keys
        if len(sort_keys) == 1:
            return (sort_keys[0](clustering[0]),) if clustering else ()
        return tuple(map(operator.call, sort_keys, clustering))
