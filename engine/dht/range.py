"""Token ranges ``(left, right]`` on the ring, with wrap-around, as Cassandra's ``dht.Range``.

A range is open on the left and closed on the right. The ring is the Murmur3 token space, where
``MIN_TOKEN`` (``Long.MIN_VALUE``) doubles as the start *and* the end of the ring:

* ``left < right``: the plain interval ``left < t <= right``;
* ``left >= right``: the range *wraps around*: ``t > left or t <= right``. In particular ``(x, x]`` is the
  whole ring, and ``(MIN, MIN]`` is its canonical spelling;
* ``(x, MIN]`` with ``x > MIN`` runs to the end of the ring and contains ``MIN_TOKEN`` itself (Cassandra's
  ``Range.contains`` treats it as wrap-around: ``t > x or MIN >= t``).

**How set operations work here.** Every range maps to one or two intervals of an *extended line*
``[MIN, 2**63]``: ``MIN_TOKEN`` as a left bound stays ``-2**63`` (the start of the ring), ``MIN_TOKEN`` as a
right bound, or as a point, becomes ``2**63`` (the end of the ring, one past ``MAX_TOKEN``). A wrapping
range ``(l, r]`` is ``(l, 2**63] | (-2**63, r]``. On the line, unions, intersections and differences are
plain interval arithmetic; results are mapped back, and two pieces that touch the seam (one ending at
``2**63``, one starting at ``-2**63``) are joined into one wrapping range again. This gives the same answers
as Cassandra's hand-written case analysis in ``Range.intersectionWith`` / ``subtract`` / ``normalize``,
without the cases.

**Size** is Cassandra's ``Murmur3Partitioner.LongToken.size``: ``(right - left) mod 2**64`` as a fraction of
``2**64``, where an empty difference (``left == right``) is the whole ring, ``1.0``. Summing the sizes of a
node's ranges gives its ownership (``nodetool status``'s "Owns").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.dht.murmur3_partitioner import MAX_TOKEN, MIN_TOKEN

RING_SIZE = 1 << 64
_END = MAX_TOKEN + 1  # MIN_TOKEN seen as the end of the ring (a right bound or a point)

# A half-open interval (lo, hi] of the extended line, lo < hi.
_Interval = tuple[int, int]


def _point(token: int) -> int:
    return _END if token == MIN_TOKEN else token


@dataclass(frozen=True, slots=True, order=True)
class TokenRange:
    """The tokens ``t`` with ``left < t <= right``, wrapping around the end of the ring if ``left >= right``."""

    left: int
    right: int

    def __post_init__(self) -> None:
        for bound in (self.left, self.right):
            if not MIN_TOKEN <= bound <= MAX_TOKEN:
                raise ValueError(f"token {bound} is outside the Murmur3 ring")

    @classmethod
    def full_ring(cls) -> TokenRange:
        return cls(MIN_TOKEN, MIN_TOKEN)

    # ------------------------------------------------------------------------------------- predicates

    @property
    def is_wrap_around(self) -> bool:
        """Cassandra's ``isWrapAround``: ``left >= right`` (this includes the full ring)."""
        return self.left >= self.right

    @property
    def is_full_ring(self) -> bool:
        return self.left == self.right

    def contains(self, token: int) -> bool:
        """Whether ``token`` lies in ``(left, right]`` (Cassandra's ``Range.contains(T)``)."""
        if self.is_wrap_around:
            return token > self.left or token <= self.right
        return self.left < token <= self.right

    __contains__ = contains

    def contains_range(self, other: TokenRange) -> bool:
        """Whether every token of ``other`` is in this range."""
        return not _difference(other._intervals(), self._intervals())

    def intersects(self, other: TokenRange) -> bool:
        return bool(_intersection(self._intervals(), other._intervals()))

    # ------------------------------------------------------------------------------------- operations

    def unwrap(self) -> tuple[TokenRange, ...]:
        """The range as non-wrapping pieces (Cassandra's ``unwrap``): ``(l, r]`` with ``l >= r`` becomes
        ``(l, MIN]`` and ``(MIN, r]``; ranges that do not wrap, or end at ``MIN``, are returned as they are."""
        if not self.is_wrap_around or self.right == MIN_TOKEN:
            return (self,)
        return (TokenRange(self.left, MIN_TOKEN), TokenRange(MIN_TOKEN, self.right))

    def intersection(self, other: TokenRange) -> tuple[TokenRange, ...]:
        """The tokens in both ranges, as few ranges as possible (a wrapping piece is kept whole)."""
        return _to_ranges(_intersection(self._intervals(), other._intervals()))

    def subtract(self, other: TokenRange) -> tuple[TokenRange, ...]:
        """The tokens of this range that are not in ``other`` (Cassandra's ``Range.subtract``)."""
        return _to_ranges(_difference(self._intervals(), other._intervals()))

    def subtract_all(self, others: Iterable[TokenRange]) -> tuple[TokenRange, ...]:
        """The tokens of this range in none of ``others`` (Cassandra's ``subtractAll``)."""
        holes: list[_Interval] = []
        for other in others:
            holes.extend(other._intervals())
        return _to_ranges(_difference(self._intervals(), _merge(holes)))

    def size(self) -> float:
        """The fraction of the ring this range covers, in ``(0, 1]``."""
        width = (self.right - self.left) % RING_SIZE
        return 1.0 if width == 0 else width / RING_SIZE

    def width(self) -> int:
        """The number of tokens in the range (``2**64`` for the full ring)."""
        width = (self.right - self.left) % RING_SIZE
        return RING_SIZE if width == 0 else width

    def __str__(self) -> str:
        return f"({self.left},{self.right}]"

    # ------------------------------------------------------------------------------------- internals

    def _intervals(self) -> list[_Interval]:
        """This range as intervals of the extended line ``[MIN, 2**63]``, sorted and disjoint."""
        left, right = self.left, _point(self.right)
        if left < right:
            return [(left, right)]
        if self.left == self.right:  # full ring
            return [(MIN_TOKEN, _END)]
        # wraps: (left, end] | (start, right]; either piece may be empty
        pieces = [(MIN_TOKEN, self.right)] if self.right > MIN_TOKEN else []
        if left < _END:
            pieces.append((left, _END))
        return pieces


def normalize(ranges: Iterable[TokenRange]) -> tuple[TokenRange, ...]:
    """Sorted, disjoint, non-wrapping ranges covering the same tokens (Cassandra's ``Range.normalize``).

    Overlapping and adjacent ranges are merged; a piece reaching the end of the ring is spelled
    ``(x, MIN]`` and comes last; the whole ring is ``(MIN, MIN]``.
    """
    intervals: list[_Interval] = []
    for r in ranges:
        intervals.extend(r._intervals())
    return tuple(_from_interval(lo, hi) for lo, hi in _merge(intervals))


def merge(ranges: Iterable[TokenRange]) -> tuple[TokenRange, ...]:
    """Like :func:`normalize`, but the pieces at both ends of the ring are joined into one wrapping range."""
    intervals: list[_Interval] = []
    for r in ranges:
        intervals.extend(r._intervals())
    return _to_ranges(_merge(intervals))


def total_size(ranges: Iterable[TokenRange]) -> float:
    """The fraction of the ring covered by the union of ``ranges`` (overlaps counted once)."""
    width = sum(hi - lo for lo, hi in _merge([i for r in ranges for i in r._intervals()]))
    return width / RING_SIZE


# ----------------------------------------------------------------------------------- interval algebra


def _merge(intervals: list[_Interval]) -> list[_Interval]:
    out: list[_Interval] = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1]:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def _intersection(a: list[_Interval], b: list[_Interval]) -> list[_Interval]:
    out: list[_Interval] = []
    for lo1, hi1 in a:
        for lo2, hi2 in b:
            lo, hi = max(lo1, lo2), min(hi1, hi2)
            if lo < hi:
                out.append((lo, hi))
    return _merge(out)


def _difference(a: list[_Interval], b: list[_Interval]) -> list[_Interval]:
    out: list[_Interval] = []
    for lo, hi in a:
        pieces = [(lo, hi)]
        for blo, bhi in b:
            next_pieces: list[_Interval] = []
            for plo, phi in pieces:
                if bhi <= plo or blo >= phi:
                    next_pieces.append((plo, phi))
                    continue
                if blo > plo:
                    next_pieces.append((plo, blo))
                if bhi < phi:
                    next_pieces.append((bhi, phi))
            pieces = next_pieces
        out.extend(pieces)
    return _merge(out)


def _from_interval(lo: int, hi: int) -> TokenRange:
    return TokenRange(lo, MIN_TOKEN if hi == _END else hi)


def _to_ranges(intervals: list[_Interval]) -> tuple[TokenRange, ...]:
    """Map merged line intervals back to ranges, joining the pieces at the seam into a wrapping range."""
    if not intervals:
        return ()
    if len(intervals) >= 2 and intervals[0][0] == MIN_TOKEN and intervals[-1][1] == _END:
        head, tail = intervals[0], intervals[-1]
        middle = [_from_interval(lo, hi) for lo, hi in intervals[1:-1]]
        return (*middle, TokenRange(tail[0], head[1]))
    return tuple(_from_interval(lo, hi) for lo, hi in intervals)
