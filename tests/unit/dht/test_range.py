"""Token ranges: Cassandra's (left, right] semantics with wrap-around, checked point by point."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.dht import MAX_TOKEN, MIN_TOKEN
from engine.dht.range import TokenRange, merge, normalize, total_size

R = TokenRange


def test_plain_range_contains_right_not_left():
    r = R(10, 20)
    assert 10 not in r
    assert 11 in r
    assert 20 in r
    assert 21 not in r
    assert not r.is_wrap_around


def test_wrapping_range():
    r = R(20, 10)
    assert r.is_wrap_around
    assert 21 in r and MAX_TOKEN in r and MIN_TOKEN in r and 10 in r
    assert 15 not in r and 20 not in r and 11 not in r


def test_full_ring_spellings():
    for r in (R(MIN_TOKEN, MIN_TOKEN), R(5, 5)):
        assert r.is_full_ring and r.is_wrap_around
        assert all(t in r for t in (MIN_TOKEN, MIN_TOKEN + 1, -1, 0, 5, MAX_TOKEN))
        assert r.size() == 1.0
    assert R.full_ring() == R(MIN_TOKEN, MIN_TOKEN)


def test_range_to_min_contains_min():
    # (x, MIN] runs to the end of the ring and, as in Cassandra's Range.contains, includes MIN itself.
    r = R(0, MIN_TOKEN)
    assert MIN_TOKEN in r and MAX_TOKEN in r and 1 in r
    assert 0 not in r and -1 not in r
    assert r.unwrap() == (r,)
    assert R(MIN_TOKEN, 0).contains(0) and not R(MIN_TOKEN, 0).contains(MIN_TOKEN)


def test_unwrap_as_cassandra():
    assert R(10, 20).unwrap() == (R(10, 20),)
    assert R(20, 10).unwrap() == (R(20, MIN_TOKEN), R(MIN_TOKEN, 10))
    assert R(5, 5).unwrap() == (R(5, MIN_TOKEN), R(MIN_TOKEN, 5))
    assert R(MIN_TOKEN, MIN_TOKEN).unwrap() == (R(MIN_TOKEN, MIN_TOKEN),)


def test_sizes():
    quarter = 1 << 62
    assert R(0, quarter).size() == 0.25
    assert R(-quarter, quarter).size() == 0.5
    assert R(quarter, -quarter).size() == 0.5  # wraps
    assert R(0, MIN_TOKEN).size() == 0.5
    assert R(MIN_TOKEN, 0).size() == 0.5
    assert R(0, 1).width() == 1
    assert R(3, 3).width() == 1 << 64


def test_subtract_examples():
    assert R(0, 100).subtract(R(20, 30)) == (R(0, 20), R(30, 100))
    assert R(0, 100).subtract(R(-10, 200)) == ()
    assert R(0, 100).subtract(R(200, 300)) == (R(0, 100),)
    # the remainder of a wrapping range stays one wrapping range
    assert R(100, 0).subtract(R(100, 200)) == (R(200, 0),)
    assert R.full_ring().subtract(R(0, 10)) == (R(10, 0),)
    assert R(0, 100).subtract_all([R(10, 20), R(50, 60)]) == (R(0, 10), R(20, 50), R(60, 100))


def test_intersection_examples():
    assert R(0, 100).intersection(R(50, 150)) == (R(50, 100),)
    assert R(100, 0).intersection(R(-50, 150)) == (R(-50, 0), R(100, 150))
    assert R(100, 0).intersection(R(50, -50)) == (R(100, -50),)
    assert R(0, 10).intersects(R(5, 6)) and not R(0, 10).intersects(R(10, 20))
    assert R(0, 10).contains_range(R(2, 10)) and not R(0, 10).contains_range(R(2, 11))


def test_normalize_and_merge():
    ranges = [R(50, 60), R(0, 10), R(5, 20), R(20, 30), R(100, -100)]
    assert normalize(ranges) == (R(MIN_TOKEN, -100), R(0, 30), R(50, 60), R(100, MIN_TOKEN))
    assert merge(ranges) == (R(0, 30), R(50, 60), R(100, -100))
    assert normalize([R(3, 3)]) == (R(MIN_TOKEN, MIN_TOKEN),)
    assert total_size([R(0, 1 << 62), R(0, 1 << 61)]) == 0.25


def test_out_of_ring_bounds_refused():
    with pytest.raises(ValueError):
        R(0, MAX_TOKEN + 1)


# --------------------------------------------------------------------------------------- properties

_INTERESTING = [MIN_TOKEN, MIN_TOKEN + 1, -2, -1, 0, 1, 2, MAX_TOKEN - 1, MAX_TOKEN]
tokens = st.one_of(st.sampled_from(_INTERESTING), st.integers(-50, 50), st.integers(MIN_TOKEN, MAX_TOKEN))
ranges = st.builds(TokenRange, tokens, tokens)


def _probes(*rs: TokenRange) -> set[int]:
    points = set(_INTERESTING)
    for r in rs:
        for b in (r.left, r.right):
            for d in (-1, 0, 1):
                if MIN_TOKEN <= b + d <= MAX_TOKEN:
                    points.add(b + d)
    return points


def _covers(pieces: tuple[TokenRange, ...], t: int) -> bool:
    return any(t in p for p in pieces)


@given(ranges, ranges)
def test_subtract_pointwise(a, b):
    diff = a.subtract(b)
    for t in _probes(a, b):
        assert _covers(diff, t) == (t in a and t not in b), (a, b, diff, t)


@given(ranges, ranges)
def test_intersection_pointwise(a, b):
    both = a.intersection(b)
    assert a.intersects(b) == bool(both)
    for t in _probes(a, b):
        assert _covers(both, t) == (t in a and t in b)


@given(st.lists(ranges, max_size=5))
def test_normalize_pointwise(rs):
    norm = normalize(rs)
    for piece in norm:
        assert not piece.is_wrap_around or piece.right == MIN_TOKEN
    assert list(norm) == sorted(norm)
    for x, y in itertools.pairwise(norm):
        assert x.right != MIN_TOKEN and x.right < y.left  # disjoint and not even adjacent
    for t in _probes(*rs):
        assert _covers(norm, t) == _covers(tuple(rs), t)
        assert _covers(merge(rs), t) == _covers(tuple(rs), t)


@given(ranges)
def test_unwrap_pointwise_and_sizes(r):
    pieces = r.unwrap()
    for t in _probes(r):
        assert _covers(pieces, t) == (t in r)
    assert sum(p.width() for p in pieces) == r.width()
    assert 0 < r.size() <= 1.0
