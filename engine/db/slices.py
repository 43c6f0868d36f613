"""Clustering slices: which rows of a partition a read wants (Cassandra's ``Slices`` and ``Slice``).

A **slice** is the range of clusterings between a start and an end ``Bound`` (``engine.db.rows``): a
clustering prefix, inclusive or not; an empty prefix is unbounded. ``WHERE c = 1`` is the slice
``[(1,), (1,)]``, ``WHERE c > 1 AND c <= 5`` is ``((1,) exclusive, (5,) inclusive]``, ``WHERE (a, b) >= (1, 2)``
is ``[(1, 2), unbounded]``, ``WHERE c IN (1, 3)`` two slices. **Slices** are a set of slices; normalized
(:meth:`Slices.normalized`) they are sorted in table order, non-empty and disjoint, as Cassandra's
``Slices.Builder`` leaves them.

Bounds and clusterings are compared through the table's ``ClusteringKey`` (which orders clusterings and
their prefixes as the table does), only ever on prefixes of equal length: a bound sits before or after
every clustering that extends its prefix. As a start, an inclusive bound sits before them (it admits
them) and an exclusive one after; as an end, an inclusive bound sits after them and an exclusive one
before. So a slice is empty exactly when its start does not sit before its end, and two bounds on the
same prefix compare by those sides.

Reads use slices three ways (see ``ColumnFamilyStore.read_partition``): to select rows
(:meth:`Slices.select`, a binary search per slice over rows in clustering order), to keep the range
tombstones that reach into them (:meth:`Slices.intersects_range`), and to skip an SSTable whose
clustering bounds cannot reach any slice (:meth:`Slices.intersects`, Cassandra's
``ClusteringIndexSliceFilter.shouldInclude``).
"""

from __future__ import annotations

import bisect
import functools
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from engine.db.rows import Bound, Clustering, ClusteringKey, RangeTombstone, after_start, before_end

T = TypeVar("T")

#: The unbounded bound (an empty prefix): the start or the end of the partition.
UNBOUNDED = Bound(())

# A bound placed in clustering order: (prefix, side), side -1 before every clustering extending the
# prefix, +1 after them.
_Position = tuple[Clustering, int]


def _start(bound: Bound) -> _Position:
    if not bound.prefix:
        return (), -1
    return bound.prefix, -1 if bound.inclusive else 1


def _end(bound: Bound) -> _Position:
    if not bound.prefix:
        return (), 1
    return bound.prefix, 1 if bound.inclusive else -1


def _compare(a: _Position, b: _Position, key: ClusteringKey) -> int:
    """-1, 0 or 1: how two bound positions compare in clustering order."""
    (pa, sa), (pb, sb) = a, b
    n = min(len(pa), len(pb))
    if n:
        ka, kb = key(pa[:n]), key(pb[:n])
        if ka != kb:
            return -1 if ka < kb else 1  # type: ignore[operator]
    if len(pa) == len(pb):
        return (sa > sb) - (sa < sb)
    # One prefix extends the other: the shorter bound sits before or after everything extending it.
    return sa if len(pa) < len(pb) else -sb


@dataclass(frozen=True, slots=True)
class Slice:
    """The clusterings from ``start`` to ``end`` (each inclusive or not; an empty prefix is unbounded)."""

    start: Bound = UNBOUNDED
    end: Bound = UNBOUNDED

    def selects(self, clustering: Clustering, key: ClusteringKey) -> bool:
        return after_start(clustering, self.start, key) and before_end(clustering, self.end, key)

    def is_empty(self, key: ClusteringKey) -> bool:
        return _compare(_start(self.start), _end(self.end), key) >= 0

    @property
    def is_all(self) -> bool:
        return not self.start.prefix and not self.end.prefix


@dataclass(frozen=True, slots=True)
class Slices:
    """Slices of clusterings a read selects. Build with :meth:`of`; :meth:`normalized` before use."""

    slices: tuple[Slice, ...]

    @classmethod
    def of(cls, *ranges: Slice | tuple[Bound, Bound]) -> Slices:
        """Slices from ``Slice`` objects or ``(start, end)`` bound pairs, in any order."""
        return cls(tuple(r if isinstance(r, Slice) else Slice(*r) for r in ranges))

    @classmethod
    def clusterings(cls, clusterings: Iterable[Clustering]) -> Slices:
        """One single-clustering slice per clustering (``WHERE c IN (...)``, or a full key)."""
        return cls(tuple(Slice(Bound(c), Bound(c)) for c in clusterings))

    @property
    def is_all(self) -> bool:
        """Whether these slices select every row (the whole partition)."""
        return any(s.is_all for s in self.slices)

    def normalized(self, key: ClusteringKey) -> Slices:
        """The same selection as sorted, disjoint, non-empty slices (overlapping or touching ones merge)."""
        if len(self.slices) == 1:
            only = self.slices[0]
            return self if not only.is_empty(key) else Slices(())
        ordered = sorted(
            (s for s in self.slices if not s.is_empty(key)),
            key=functools.cmp_to_key(lambda a, b: _compare(_start(a.start), _start(b.start), key)),
        )
        merged: list[Slice] = []
        for piece in ordered:
            if merged and _compare(_start(piece.start), _end(merged[-1].end), key) <= 0:
                last = merged[-1]
                if _compare(_end(piece.end), _end(last.end), key) > 0:
                    merged[-1] = Slice(last.start, piece.end)
            else:
                merged.append(piece)
        return Slices(tuple(merged))

    def selects(self, clustering: Clustering, key: ClusteringKey) -> bool:
        return any(s.selects(clustering, key) for s in self.slices)

    def intersection(self, other: Slices, key: ClusteringKey) -> Slices:
        """The clusterings both select (normalized): each pair of slices overlaps from the later start
        to the earlier end."""
        pieces = []
        for a in self.slices:
            for b in other.slices:
                start = a.start if _compare(_start(a.start), _start(b.start), key) >= 0 else b.start
                end = a.end if _compare(_end(a.end), _end(b.end), key) <= 0 else b.end
                pieces.append(Slice(start, end))
        return Slices(tuple(pieces)).normalized(key)

    def select(
        self,
        rows: Sequence[T],
        key: ClusteringKey,
        clustering: Callable[[T], Clustering] = operator.attrgetter("clustering"),
    ) -> list[T]:
        """The rows (in clustering order, as a partition holds them) that these normalized slices select,
        in clustering order; ``clustering`` gives a row's clustering (rows need not be ``Row`` objects)."""
        selected: list[T] = []
        if not rows:
            return selected
        lo = 0
        for piece in self.slices:
            start, end = piece.start, piece.end
            if start.prefix:
                lo = bisect.bisect_left(rows, True, lo, key=lambda r: after_start(clustering(r), start, key))
            hi = len(rows)
            if end.prefix:
                hi = bisect.bisect_left(rows, True, lo, key=lambda r: not before_end(clustering(r), end, key))
            selected.extend(rows[lo:hi])
            lo = hi
        return selected

    def intersects(self, low: Clustering, high: Clustering, key: ClusteringKey) -> bool:
        """Whether any slice may hold a clustering between ``low`` and ``high`` (an SSTable's clustering
        bounds): False means no row of that range is selected."""
        return any(before_end(low, s.end, key) and after_start(high, s.start, key) for s in self.slices)

    def intersects_range(self, tombstone: RangeTombstone, key: ClusteringKey) -> bool:
        """Whether a range tombstone reaches into any slice."""
        rt_start, rt_end = _start(tombstone.start), _end(tombstone.end)
        for s in self.slices:
            if _compare(rt_start, _end(s.end), key) < 0 and _compare(_start(s.start), rt_end, key) < 0:
                return True
        return False


#: Every row of the partition.
ALL = Slices((Slice(),))
