"""Row-level reads: clustering slices (forward and reverse), SSTable skipping by clustering bounds and by
timestamp, and paging scans — checked against filtering a full ``get()``."""

from __future__ import annotations

import functools
import shutil
import tempfile
import uuid
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType as Frozen

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.db.background import ManualStage
from engine.db.column_family_store import ColumnFamilyStore, StorageParams
from engine.db.rows import (
    LIVE,
    Bound,
    Cell,
    Clustering,
    DeletionTime,
    LivenessInfo,
    PartitionUpdate,
    RangeTombstone,
    Row,
)
from engine.db.slices import ALL, Slice, Slices

KEY, TOKEN = b"pk", 42


def store(directory: Path, clustering_key=lambda c: c) -> ColumnFamilyStore:  # type: ignore[no-untyped-def]
    return ColumnFamilyStore(
        keyspace="ks",
        name="t",
        table_id=uuid.UUID(int=9),
        directory=directory,
        clustering_key=clustering_key,
        flush_stage=ManualStage("flush"),
        params=StorageParams(sync_sstables=False, chunk_length_in_kb=4),
    )


def write(cfs: ColumnFamilyStore, clustering: Clustering, value: bytes, ts: int, key: bytes = KEY) -> None:
    row = Row(clustering, LivenessInfo(ts), LIVE, Frozen({"v": Cell(value, ts)}))
    cfs.apply(PartitionUpdate(key, TOKEN, rows=(row,)))


def clusterings(partition: PartitionUpdate | None) -> list[Clustering]:
    return [] if partition is None else [r.clustering for r in partition.rows]


def inc(*prefix: bytes) -> Bound:
    return Bound(tuple(prefix), True)


def exc(*prefix: bytes) -> Bound:
    return Bound(tuple(prefix), False)


# ------------------------------------------------------------------------------------------- slices


def by_bytes(c: Clustering) -> Clustering:
    return c


def test_slices_normalize_sorted_disjoint_and_non_empty() -> None:
    slices = Slices.of(
        (inc(b"c"), inc(b"d")),
        (inc(b"a"), exc(b"b")),
        (inc(b"b"), inc(b"b")),  # touches the previous one: merged
        (exc(b"x"), exc(b"x")),  # empty
        (inc(b"c", b"1"), inc(b"c", b"9")),  # inside [c, d]
    ).normalized(by_bytes)
    assert slices.slices == (Slice(inc(b"a"), inc(b"b")), Slice(inc(b"c"), inc(b"d")))
    assert Slices.of((exc(b"b"), exc(b"b"))).normalized(by_bytes).slices == ()
    assert Slices.of((inc(b"b"), exc(b"a"))).normalized(by_bytes).slices == ()
    assert ALL.is_all and not slices.is_all


def test_slice_bounds_on_prefixes() -> None:
    rows = [Row((a, b)) for a in (b"a", b"b", b"c") for b in (b"1", b"2")]

    def pick(*ranges: tuple[Bound, Bound]) -> list[tuple[bytes, ...]]:
        return [r.clustering for r in Slices.of(*ranges).normalized(by_bytes).select(rows, by_bytes)]

    assert pick((inc(b"b"), inc(b"b"))) == [(b"b", b"1"), (b"b", b"2")]
    assert pick((exc(b"a"), exc(b"c"))) == [(b"b", b"1"), (b"b", b"2")]
    assert pick((inc(b"a", b"2"), exc(b"b", b"2"))) == [(b"a", b"2"), (b"b", b"1")]
    assert pick((exc(b"b", b"1"), inc())) == [(b"b", b"2"), (b"c", b"1"), (b"c", b"2")]
    assert pick((inc(), exc(b"a", b"2")), (inc(b"c", b"2"), inc(b"c", b"2"))) == [(b"a", b"1"), (b"c", b"2")]
    assert pick((inc(b"z"), inc())) == []


def test_descending_clustering_order() -> None:
    @functools.total_ordering
    class Desc:
        def __init__(self, value: bytes) -> None:
            self.value = value

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Desc) and self.value == other.value

        def __lt__(self, other: Desc) -> bool:
            return self.value > other.value

    def desc(c: Clustering) -> tuple[Desc, ...]:
        return tuple(Desc(v) for v in c)

    rows = [Row((v,)) for v in (b"d", b"c", b"b", b"a")]  # table order: descending
    slices = Slices.of((inc(b"c"), exc(b"a")), (inc(b"d"), inc(b"d"))).normalized(desc)  # type: ignore[arg-type]
    assert [s.start.prefix for s in slices.slices] == [(b"d",), (b"c",)]
    assert [r.clustering for r in slices.select(rows, desc)] == [(b"d",), (b"c",), (b"b",)]  # type: ignore[arg-type]
    assert slices.intersects((b"b",), (b"a",), desc)  # type: ignore[arg-type]
    assert not Slices.of((inc(b"c"), inc(b"b"))).intersects((b"a",), (b"a",), desc)  # type: ignore[arg-type]


def test_range_tombstone_intersection() -> None:
    slices = Slices.of((inc(b"b"), exc(b"d"))).normalized(by_bytes)

    def reaches(start: Bound, end: Bound) -> bool:
        return slices.intersects_range(RangeTombstone(start, end, DeletionTime(1, 1)), by_bytes)

    assert reaches(inc(b"a"), inc(b"b"))
    assert not reaches(inc(b"a"), exc(b"b"))
    assert reaches(inc(b"c", b"x"), inc(b"c", b"y"))
    assert not reaches(inc(b"d"), inc())
    assert reaches(inc(), inc())


# ------------------------------------------------------------------------------- store reads


def test_forward_and_reverse_slices_with_tombstones(tmp_path: Path) -> None:
    cfs = store(tmp_path)
    for i, c in enumerate((b"a", b"b", b"c", b"d", b"e")):
        write(cfs, (c,), b"v" + c, 10 + i)
    cfs.flush_now()
    rt = RangeTombstone(inc(b"b"), exc(b"d"), DeletionTime(100, 1))
    cfs.apply(PartitionUpdate(KEY, TOKEN, range_tombstones=(rt,)))
    static = Row((), None, LIVE, Frozen({"s": Cell(b"static", 5)}))
    cfs.apply(PartitionUpdate(KEY, TOKEN, static_row=static))
    slices = Slices.of((inc(b"b"), inc(b"e")))
    forward = cfs.read_partition(KEY, TOKEN, slices)
    assert forward is not None
    assert clusterings(forward) == [(b"d",), (b"e",)]  # b and c are deleted by the range tombstone
    assert forward.static_row == static and forward.range_tombstones == (rt,)
    backward = cfs.read_partition(KEY, TOKEN, slices, reversed=True)
    assert clusterings(backward) == [(b"e",), (b"d",)]
    outside = cfs.read_partition(KEY, TOKEN, Slices.of((inc(b"x"), inc())))
    assert outside is not None and outside.rows == () and outside.range_tombstones == ()
    assert clusterings(cfs.read_partition(KEY, TOKEN)) == [(b"a",), (b"d",), (b"e",)]
    assert cfs.read_partition(b"absent", TOKEN) is None


def test_sstables_outside_the_slices_are_skipped_unless_they_hold_partition_level_data(
    tmp_path: Path,
) -> None:
    cfs = store(tmp_path)
    write(cfs, (b"a",), b"1", 1)
    write(cfs, (b"b",), b"1", 1)
    low = cfs.flush_now()
    write(cfs, (b"y",), b"2", 2)
    write(cfs, (b"z",), b"2", 2)
    high = cfs.flush_now()
    cfs.apply(PartitionUpdate(KEY, TOKEN, static_row=Row((), None, LIVE, Frozen({"s": Cell(b"s", 3)}))))
    cfs.apply(PartitionUpdate(KEY, TOKEN, rows=(Row((b"m",), LivenessInfo(3)),)))
    static = cfs.flush_now()
    assert low is not None and high is not None and static is not None

    def reads() -> tuple[int, int, int]:
        return tuple(r.bloom_filter_stats().positives for r in (low, high, static))  # type: ignore[return-value]

    before = reads()
    result = cfs.read_partition(KEY, TOKEN, Slices.of((inc(b"x"), inc())))
    assert clusterings(result) == [(b"y",), (b"z",)] and result is not None and result.static_row is not None
    after = reads()
    assert after[0] == before[0]  # rows a..b cannot be in [x, ...): not even its bloom filter was asked
    assert after[1] == before[1] + 1 and after[2] == before[2] + 1  # header only: the static row is there


def test_a_newer_partition_deletion_skips_older_sstables(tmp_path: Path) -> None:
    cfs = store(tmp_path)
    write(cfs, (b"a",), b"old", 10)
    old = cfs.flush_now()
    write(cfs, (b"b",), b"older-but-flushed-later", 20)
    newer = cfs.flush_now()
    assert old is not None and newer is not None
    cfs.apply(PartitionUpdate(KEY, TOKEN, DeletionTime(30, 1)))
    write(cfs, (b"c",), b"new", 40)
    before = (old.bloom_filter_stats().positives, newer.bloom_filter_stats().positives)
    result = cfs.read_partition(KEY, TOKEN)
    assert result is not None and result.deletion == DeletionTime(30, 1)
    assert clusterings(result) == [(b"c",)]
    assert (old.bloom_filter_stats().positives, newer.bloom_filter_stats().positives) == before
    # get() still visits them and keeps the emptied rows
    assert clusterings(cfs.get(KEY, TOKEN)) == [(b"a",), (b"b",), (b"c",)]


def test_scan_pages_after_a_partition(tmp_path: Path) -> None:
    cfs = store(tmp_path)
    for key in range(6):
        cfs.apply(PartitionUpdate(key.to_bytes(2, "big"), key, rows=(Row((b"a",), LivenessInfo(1)),)))
        if key == 2:
            cfs.flush_now()
    first = list(cfs.scan(None, (3, b"\x00\x03"), end_inclusive=True))
    assert [p.token for p in first] == [0, 1, 2, 3]
    rest = list(cfs.scan((first[-1].token, first[-1].key), None, start_inclusive=False))
    assert [p.token for p in rest] == [4, 5]
    sliced = list(cfs.scan(slices=Slices.of((inc(b"b"), inc()))))
    assert len(sliced) == 6 and all(p.rows == () for p in sliced)


# ---------------------------------------------------------------------------- property: vs get()

ALPHABET = [b"a", b"b", b"c", b"d"]
prefixes = st.lists(st.sampled_from(ALPHABET), max_size=2).map(tuple)
bounds = st.builds(Bound, prefixes, st.booleans())
full = st.tuples(st.sampled_from(ALPHABET), st.sampled_from(ALPHABET))
stamps = st.integers(1, 60)


def cell_or_tombstone(ts: int, value: bytes | None) -> Cell:
    return Cell(value, ts) if value is not None else Cell(None, ts, 0, 1_000)


operations = st.one_of(
    st.builds(
        lambda c, ts, marker, cells: ("row", c, ts, marker, cells),
        full,
        stamps,
        st.booleans(),
        st.dictionaries(st.sampled_from(["x", "y"]), st.one_of(st.none(), st.binary(max_size=3)), max_size=2),
    ),
    st.builds(lambda c, ts: ("row_deletion", c, ts), full, stamps),
    st.builds(lambda ts: ("partition_deletion", ts), stamps),
    st.builds(lambda start, end, ts: ("range", start, end, ts), bounds, bounds, stamps),
    st.builds(lambda ts, value: ("static", ts, value), stamps, st.one_of(st.none(), st.binary(max_size=3))),
)
#: Batches of operations: each but the last is flushed to an SSTable of its own.
batches = st.lists(st.lists(operations, min_size=1, max_size=6), min_size=2, max_size=6)


def as_update(op: tuple) -> PartitionUpdate:  # type: ignore[type-arg]
    kind = op[0]
    if kind == "row":
        _, c, ts, marker, cells = op
        columns = Frozen({name: cell_or_tombstone(ts, value) for name, value in cells.items()})
        return PartitionUpdate(
            KEY, TOKEN, rows=(Row(c, LivenessInfo(ts) if marker else None, LIVE, columns),)
        )
    if kind == "row_deletion":
        return PartitionUpdate(KEY, TOKEN, rows=(Row(op[1], None, DeletionTime(op[2], 7)),))
    if kind == "partition_deletion":
        return PartitionUpdate(KEY, TOKEN, DeletionTime(op[1], 7))
    if kind == "range":
        return PartitionUpdate(
            KEY, TOKEN, range_tombstones=(RangeTombstone(op[1], op[2], DeletionTime(op[3], 7)),)
        )
    static = Row((), None, LIVE, Frozen({"s": cell_or_tombstone(op[1], op[2])}))
    return PartitionUpdate(KEY, TOKEN, static_row=static)


def selected(clustering: Clustering, piece: Slice) -> bool:
    """Whether a slice selects a clustering, by plain tuple comparison (bytes compare unsigned)."""
    start, end = piece.start, piece.end
    head = clustering[: len(start.prefix)]
    if start.prefix and not (head >= start.prefix if start.inclusive else head > start.prefix):
        return False
    head = clustering[: len(end.prefix)]
    return not end.prefix or (head <= end.prefix if end.inclusive else head < end.prefix)


def expected(
    full_read: PartitionUpdate | None, slices: Slices | None, reversed: bool
) -> PartitionUpdate | None:
    """``get()`` filtered to the slices, in the shape ``read_partition`` returns."""
    if full_read is None:
        return None
    deletion = full_read.deletion

    def trim(row: Row | None) -> Row | None:
        if row is None:
            return None
        own = row.deletion if row.deletion.supersedes(deletion) else LIVE
        if row.liveness is None and not row.columns and own is LIVE:
            return None
        return Row(row.clustering, row.liveness, own, row.columns)

    rows = [
        kept
        for row in full_read.rows
        if (slices is None or any(selected(row.clustering, s) for s in slices.slices))
        and (kept := trim(row)) is not None
    ]
    tombstones = tuple(
        rt
        for rt in full_read.range_tombstones
        if slices is None or slices.normalized(by_bytes).intersects_range(rt, by_bytes)
    )
    static = trim(full_read.static_row)
    if deletion is LIVE and static is None and not rows and not tombstones:
        return None
    if reversed:
        rows.reverse()
    return PartitionUpdate(KEY, TOKEN, deletion, static, tuple(rows), tombstones)


def unordered_tombstones(partition: PartitionUpdate | None) -> PartitionUpdate | None:
    """Range tombstones in a fixed order (sources are merged in a different order than ``get``'s)."""
    if partition is None:
        return None
    return replace(partition, range_tombstones=tuple(sorted(partition.range_tombstones, key=repr)))


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    batches,
    st.one_of(
        st.none(), st.lists(st.builds(Slice, bounds, bounds), max_size=3).map(lambda s: Slices(tuple(s)))
    ),
    st.booleans(),
)
def test_read_partition_is_a_filtered_get(
    ops: list[list[tuple]],  # type: ignore[type-arg]
    slices: Slices | None,
    reversed: bool,
) -> None:
    directory = Path(tempfile.mkdtemp(prefix="cqlkit-slices-"))
    try:
        cfs = store(directory)
        for i, batch in enumerate(ops):
            if i:
                cfs.flush_now()
            for op in batch:
                cfs.apply(as_update(op))
        got = cfs.read_partition(KEY, TOKEN, slices, reversed)
        assert unordered_tombstones(got) == unordered_tombstones(
            expected(cfs.get(KEY, TOKEN), slices, reversed)
        )
        cfs.close()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.mark.parametrize("reversed", [False, True])
def test_every_row_without_slices_matches_get(tmp_path: Path, reversed: bool) -> None:
    cfs = store(tmp_path)
    for i in range(40):
        write(cfs, (bytes([i % 7]), bytes([i])), b"v", i)
        if i % 13 == 0:
            cfs.flush_now()
    assert cfs.read_partition(KEY, TOKEN, None, reversed) == expected(cfs.get(KEY, TOKEN), None, reversed)
