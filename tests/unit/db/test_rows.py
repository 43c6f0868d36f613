"""The storage data model: Cassandra's reconciliation rules, deletions, and the partition byte format."""

from __future__ import annotations

import itertools
from dataclasses import replace
from types import MappingProxyType as Frozen

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.db.memtable import Memtable
from engine.db.partition_decoder import _partition as _fast_partition
from engine.db.partition_decoder import decode_partition, decode_row
from engine.db.partition_facts import _scan as _scan_facts
from engine.db.partition_facts import facts_from_bytes, facts_of, simple_facts
from engine.db.rows import (
    LIVE,
    NO_DELETION_TIME,
    Bound,
    Cell,
    ComplexColumn,
    CounterValue,
    DeletionTime,
    LivenessInfo,
    PartitionUpdate,
    RangeTombstone,
    Row,
    merge_partitions,
    reconcile,
    tombstone,
)
from engine.db.serialization import (
    CorruptDataError,
    deserialize_partition,
    encode_partition,
    serialize_partition,
    write_row,
)
from engine.db.sstable.statistics import StatsCollector


def by_bytes(clustering: tuple[bytes, ...]) -> tuple[bytes, ...]:
    return clustering


# ------------------------------------------------------------------------------------ reconciliation


def test_higher_timestamp_wins() -> None:
    assert reconcile(Cell(b"a", 1), Cell(b"b", 2)) == Cell(b"b", 2)
    assert reconcile(Cell(b"b", 2), Cell(b"a", 1)) == Cell(b"b", 2)
    assert reconcile(tombstone(1, 100), Cell(b"a", 2)) == Cell(b"a", 2)


def test_tie_tombstone_beats_live() -> None:
    dead = tombstone(5, 100)
    assert reconcile(Cell(b"zzz", 5), dead) is dead
    assert reconcile(dead, Cell(b"zzz", 5)) is dead


def test_tie_expiring_beats_regular_and_tombstone_beats_expiring() -> None:
    expiring = Cell(b"a", 5, ttl=10, local_deletion_time=200)
    assert reconcile(Cell(b"zzz", 5), expiring) is expiring
    dead = tombstone(5, 100)
    assert reconcile(expiring, dead) is dead


def test_tie_later_local_deletion_time_then_greater_value() -> None:
    early = Cell(b"b", 5, ttl=10, local_deletion_time=100)
    late = Cell(b"a", 5, ttl=10, local_deletion_time=200)
    assert reconcile(early, late) is late
    assert reconcile(Cell(b"a", 5), Cell(b"b", 5)) == Cell(b"b", 5)
    assert reconcile(Cell(b"\x80", 5), Cell(b"\x7f", 5)) == Cell(b"\x80", 5)  # unsigned comparison


def test_counters_merge_by_shard_clock() -> None:
    left = Cell(CounterValue(((b"n1", 3, 10), (b"n2", 1, 5))), 1)
    right = Cell(CounterValue(((b"n1", 2, 7), (b"n3", 1, 1))), 2)
    merged = reconcile(left, right)
    assert isinstance(merged.value, CounterValue)
    assert merged.value.shards == ((b"n1", 3, 10), (b"n2", 1, 5), (b"n3", 1, 1))
    assert merged.value.total == 16


def test_ttl_expiry_and_purge() -> None:
    cell = Cell(b"v", 1_000_000, ttl=10, local_deletion_time=110)
    assert cell.is_live(109) and not cell.is_live(110)
    # An expired cell counts gc_grace from when it was written (expiry - ttl = 100).
    assert not cell.purgeable(now=150, gc_grace_seconds=50)
    assert cell.purgeable(now=151, gc_grace_seconds=50)
    dead = tombstone(5, 100)
    assert not dead.purgeable(now=150, gc_grace_seconds=50) and dead.purgeable(now=151, gc_grace_seconds=50)
    assert not Cell(b"v", 1).purgeable(now=10**9, gc_grace_seconds=0)
    assert Cell(b"v", 1).local_deletion_time == NO_DELETION_TIME


# ------------------------------------------------------------------------------------ rows and deletions


def row(clustering: bytes, **cells: Cell) -> Row:
    return Row((clustering,), None, LIVE, Frozen(cells))


def test_row_deletion_shadows_older_cells_only() -> None:
    written = Row((b"c",), LivenessInfo(1), LIVE, Frozen({"a": Cell(b"1", 1), "b": Cell(b"2", 3)}))
    deleted = Row((b"c",), None, DeletionTime(2, 50), Frozen({}))
    merged = written.merge(deleted)
    assert merged.liveness is None
    assert dict(merged.columns) == {"b": Cell(b"2", 3)}
    assert merged.deletion == DeletionTime(2, 50)
    assert merged.is_live(now=0)


def test_collection_overwrite_deletes_older_elements() -> None:
    old = ComplexColumn(Frozen({b"k1": Cell(b"1", 1), b"k2": Cell(b"2", 1)}))
    overwrite = ComplexColumn(Frozen({b"k3": Cell(b"3", 5)}), DeletionTime(4, 10))
    merged = old.merge(overwrite)
    assert dict(merged.cells) == {b"k3": Cell(b"3", 5)}
    assert merged.deletion == DeletionTime(4, 10)


def test_partition_deletion_and_range_tombstone_shadow_rows() -> None:
    base = PartitionUpdate(
        b"k", 1, rows=(row(b"a", v=Cell(b"1", 1)), row(b"b", v=Cell(b"2", 1)), row(b"c", v=Cell(b"3", 9)))
    )
    range_delete = PartitionUpdate(
        b"k",
        1,
        range_tombstones=(RangeTombstone(Bound((b"a",), False), Bound((b"c",), True), DeletionTime(5, 10)),),
    )
    merged = merge_partitions([base, range_delete], by_bytes)
    assert [dict(r.columns) for r in merged.rows] == [{"v": Cell(b"1", 1)}, {}, {"v": Cell(b"3", 9)}]
    wiped = merge_partitions([merged, PartitionUpdate(b"k", 1, DeletionTime(8, 20))], by_bytes)
    assert [dict(r.columns) for r in wiped.rows] == [{}, {}, {"v": Cell(b"3", 9)}]
    assert wiped.deletion == DeletionTime(8, 20)


def test_memtable_merges_writes_and_returns_copies() -> None:
    memtable = Memtable(by_bytes)
    memtable.apply(PartitionUpdate(b"k", 7, rows=(row(b"b", v=Cell(b"1", 1)),)), position=(1, 10))
    memtable.apply(
        PartitionUpdate(b"k", 7, rows=(row(b"a", v=Cell(b"0", 1)), row(b"b", v=Cell(b"2", 2)))),
        position=(1, 20),
    )
    memtable.apply(PartitionUpdate(b"j", -5, rows=(row(b"a", v=Cell(b"x", 1)),)), position=(1, 30))
    got = memtable.get(b"k", 7)
    assert got is not None
    assert [r.clustering for r in got.rows] == [(b"a",), (b"b",)]
    assert got.rows[1].columns["v"] == Cell(b"2", 2)
    assert [p.key for p in memtable.partitions()] == [b"j", b"k"]  # token order
    assert memtable.min_position == (1, 10) and memtable.max_position == (1, 30)
    assert memtable.operation_count == 4 and memtable.live_data_size > 0  # rows applied
    assert [p.key for p in memtable.partition_range((0, b""), None)] == [b"k"]


# ------------------------------------------------------------------------------------ byte format

names = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FFF), min_size=1, max_size=8)
blobs = st.binary(max_size=12)
stamps = st.integers(min_value=-(2**62), max_value=2**62)
seconds = st.integers(min_value=0, max_value=2**31 - 2)
deletions = st.builds(DeletionTime, stamps, seconds)
cells = st.one_of(
    st.builds(Cell, blobs, stamps),
    st.builds(lambda t, d: Cell(None, t, 0, d), stamps, seconds),
    st.builds(lambda v, t, ttl, d: Cell(v, t, ttl, d), blobs, stamps, st.integers(1, 10**6), seconds),
    st.builds(
        lambda shards, t: Cell(CounterValue(tuple(sorted(shards))), t),
        st.lists(st.tuples(blobs, stamps, stamps), max_size=3, unique_by=lambda s: s[0]),
        stamps,
    ),
)
complexes = st.builds(
    lambda cs, d: ComplexColumn(Frozen(dict(cs)), d),
    st.lists(st.tuples(blobs, cells), max_size=3),
    st.one_of(st.just(LIVE), deletions),
)
rows = st.builds(
    lambda clustering, liveness, deletion, columns: Row(
        tuple(clustering), liveness, deletion, Frozen(dict(columns))
    ),
    st.lists(blobs, max_size=3),
    st.one_of(st.none(), st.builds(LivenessInfo, stamps, st.integers(0, 1000), seconds)),
    st.one_of(st.just(LIVE), deletions),
    st.lists(st.tuples(names, st.one_of(cells, complexes)), max_size=4),
)
partitions = st.builds(
    lambda key, token, deletion, static, rows_, rts: PartitionUpdate(
        key, token, deletion, static, tuple(rows_), tuple(rts)
    ),
    blobs,
    st.integers(-(2**63), 2**63 - 1),
    st.one_of(st.just(LIVE), deletions),
    st.one_of(st.none(), rows),
    st.lists(rows, max_size=4),
    st.lists(
        st.builds(
            RangeTombstone,
            st.builds(Bound, st.lists(blobs, max_size=2).map(tuple), st.booleans()),
            st.builds(Bound, st.lists(blobs, max_size=2).map(tuple), st.booleans()),
            deletions,
        ),
        max_size=2,
    ),
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(partitions)
def test_partition_bytes_round_trip(partition: PartitionUpdate) -> None:
    assert deserialize_partition(serialize_partition(partition)) == partition


@settings(max_examples=200, deadline=None, derandomize=True)
@given(partitions, st.data())
def test_truncated_or_extended_bytes_are_refused(partition: PartitionUpdate, data: st.DataObject) -> None:
    encoded = serialize_partition(partition)
    cut = data.draw(st.integers(0, len(encoded) - 1))
    with pytest.raises(CorruptDataError):
        deserialize_partition(encoded[:cut])
    with pytest.raises(CorruptDataError, match="end of partition"):
        deserialize_partition(encoded + b"\x00")


@settings(max_examples=300, deadline=None, derandomize=True)
@given(partitions)
def test_encode_partition_bounds_each_rows_own_bytes(partition: PartitionUpdate) -> None:
    data, bounds = encode_partition(partition)
    assert data == serialize_partition(partition)
    assert len(bounds) == len(partition.rows) + 1 and bounds[-1] == len(data)
    for i, row_ in enumerate(partition.rows):
        out = bytearray()
        write_row(out, row_)
        assert data[bounds[i] : bounds[i + 1]] == bytes(out)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(partitions, min_size=1, max_size=40))
def test_a_partition_written_many_times_flushes_as_it_reads(updates: list[PartitionUpdate]) -> None:
    """Updates of one partition (enough of them to keep it row by row): the bytes a flush takes
    (``flush_items``, ``flush_parts``) are the serialized partition a read gives, and decode to it."""
    memtable = Memtable(by_bytes)
    for update in updates:
        memtable.apply(replace(update, key=b"k", token=3))
    read = memtable.get(b"k", 3)
    assert read is not None
    ((_, _, flushed),) = list(memtable.flush_items())
    if not isinstance(flushed, bytes):
        flushed = serialize_partition(flushed)
    assert flushed == serialize_partition(read)
    assert decode_partition(flushed) == read
    slots, parts = memtable.flush_parts()
    assert slots == [(3, b"k")] and parts == [flushed]


def test_rows_written_one_by_one_make_a_wide_partition_that_flushes_its_row_bytes() -> None:
    memtable = Memtable(by_bytes)
    memtable.apply(PartitionUpdate(b"k", 3, static_row=Row((), None, LIVE, Frozen({"s": Cell(b"s", 1)}))))
    for i in reversed(range(20)):  # newest clustering first: the wide partition orders them
        memtable.apply(PartitionUpdate(b"k", 3, rows=(row(bytes([i]), v=Cell(bytes([i]) * 3, i)),)))
    memtable.apply(PartitionUpdate(b"k", 3, rows=(row(bytes([4]), v=Cell(b"new", 99)),)))  # overwrite
    assert type(memtable._partitions[(3, b"k")]).__name__ == "_Wide"
    read = memtable.get(b"k", 3)
    assert read is not None and [r.clustering for r in read.rows] == [(bytes([i]),) for i in range(20)]
    assert read.rows[4].columns["v"] == Cell(b"new", 99) and read.static_row is not None
    ((_, _, flushed),) = list(memtable.flush_items())
    assert flushed == serialize_partition(read)


def test_a_few_updates_of_many_rows_make_a_wide_partition() -> None:
    """Two batches of one partition of a few rows each pass the collapse's byte threshold: the partition is
    kept row by row at once instead of as fragments that every read and the flush would decode again."""
    memtable = Memtable(by_bytes)
    for batch in range(2):
        rows_ = tuple(row(bytes([batch, i]), v=Cell(b"x" * 400, 1)) for i in range(6))
        memtable.apply(PartitionUpdate(b"k", 3, rows=rows_))
    assert type(memtable._partitions[(3, b"k")]).__name__ == "_Wide"
    read = memtable.get(b"k", 3)
    assert read is not None and len(read.rows) == 12
    ((_, _, flushed),) = list(memtable.flush_items())
    assert flushed == serialize_partition(read)


def test_an_update_of_many_rows_is_kept_row_by_row_from_its_own_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A batch of one partition (20 rows) into a new partition is kept row by row at once, each row cut from
    the bytes the update was encoded to, so neither this write nor the next ones decode or encode it again."""
    memtable = Memtable(by_bytes)
    first = tuple(row(bytes([0, i]), v=Cell(b"x" * 10, 1)) for i in range(20))
    data, bounds = encode_partition(PartitionUpdate(b"k", 3, rows=first))
    encoded: list[Row] = []
    monkeypatch.setattr("engine.db.memtable._encode_row", lambda r: encoded.append(r) or b"")
    memtable.apply(PartitionUpdate(b"k", 3, rows=first), serialized=data, row_bounds=bounds)
    wide = memtable._partitions[(3, b"k")]
    assert type(wide).__name__ == "_Wide" and encoded == []
    assert [blob for _, blob in wide.ordered_rows()] == [data[a:b] for a, b in itertools.pairwise(bounds)]
    second = tuple(row(bytes([1, i]), v=Cell(b"y", 2)) for i in range(20))
    memtable.apply(PartitionUpdate(b"k", 3, rows=second))  # bytes computed by the memtable: cut too
    assert encoded == []
    monkeypatch.undo()
    read = memtable.get(b"k", 3)
    assert read is not None and read.rows == first + second
    ((_, _, flushed),) = list(memtable.flush_items())
    assert flushed == serialize_partition(read)


# ------------------------------------------------------------------------------------ fast decoder


@settings(max_examples=300, deadline=None, derandomize=True)
@given(partitions)
def test_fast_decoder_agrees_with_the_checked_one_without_falling_back(partition: PartitionUpdate) -> None:
    encoded = serialize_partition(partition)
    fast, offset = _fast_partition(encoded, True, {})  # the fast path itself, no fallback
    assert offset == len(encoded) and fast == partition == decode_partition(encoded)
    header = decode_partition(encoded, rows=False)
    assert header == replace(partition, rows=())
    for row in partition.rows:
        out = bytearray()
        write_row(out, row)
        assert decode_row(bytes(out)) == row


@settings(max_examples=200, deadline=None, derandomize=True)
@given(partitions, st.data())
def test_fast_decoder_reports_damage_like_the_checked_one(
    partition: PartitionUpdate, data: st.DataObject
) -> None:
    encoded = serialize_partition(partition)
    cut = data.draw(st.integers(0, len(encoded) - 1))
    with pytest.raises(CorruptDataError):
        decode_partition(encoded[:cut])
    with pytest.raises(CorruptDataError, match="end of partition"):
        decode_partition(encoded + b"\x00")
    flipped = bytearray(encoded)
    position = data.draw(st.integers(0, len(encoded) - 1))
    flipped[position] ^= data.draw(st.integers(1, 255))
    try:
        checked: PartitionUpdate | Exception = deserialize_partition(bytes(flipped))
    except CorruptDataError as error:
        checked = error
    if isinstance(checked, Exception):
        with pytest.raises(CorruptDataError, match=str(checked).split(":")[0]):
            decode_partition(bytes(flipped))
    else:
        assert decode_partition(bytes(flipped)) == checked


@settings(max_examples=300, deadline=None, derandomize=True)
@given(partitions)
def test_statistics_facts_from_bytes_agree_with_the_partitions(partition: PartitionUpdate) -> None:
    encoded = serialize_partition(partition)
    fast, end = _scan_facts(encoded)  # the scan itself, no fallback
    assert end == len(encoded) and fast == facts_of(partition) == facts_from_bytes(encoded)


# What a one-row INSERT or UPDATE without TTL writes, with lengths around the one-byte vint limit (128).
simple_partitions = st.builds(
    lambda key, token, clustering, marker, columns: PartitionUpdate(
        key, token, rows=(Row(tuple(clustering), marker, LIVE, Frozen(dict(columns))),)
    ),
    st.binary(max_size=130),
    st.integers(-(2**63), 2**63 - 1),
    st.lists(st.binary(max_size=130), max_size=2),
    st.one_of(st.none(), st.builds(LivenessInfo, stamps)),
    st.lists(
        st.tuples(
            st.one_of(names, st.text(st.characters(min_codepoint=0x800, max_codepoint=0x2FFF), max_size=50)),
            st.builds(Cell, st.binary(max_size=130), stamps),
        ),
        max_size=4,
    ),
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.one_of(simple_partitions, partitions), min_size=1, max_size=6))
def test_statistics_of_simple_partitions_agree_with_the_general_facts(parts: list[PartitionUpdate]) -> None:
    from_bytes, from_values = StatsCollector(), StatsCollector()
    for partition in parts:
        encoded = serialize_partition(partition)
        from_bytes.add_serialized(encoded)  # simple_facts where it applies
        from_values.add_facts(facts_of(partition), len(encoded))
    ends = ((0, b""), (1, b"k"), 10, 5)
    assert from_bytes.finish(*ends) == from_values.finish(*ends)


def test_simple_facts_are_those_of_one_row_without_ttl_or_deletion() -> None:
    row = Row((b"c",), LivenessInfo(5), LIVE, Frozen({"a": Cell(b"x", 7), "b": Cell(b"y", 3)}))
    assert simple_facts(serialize_partition(PartitionUpdate(b"k", 1, rows=(row,)))) == (3, 7, 2, (b"c",))
    unmarked = replace(row, clustering=(), liveness=None, columns=Frozen({}))
    assert simple_facts(serialize_partition(PartitionUpdate(b"k", 1, rows=(unmarked,)))) == (
        2**63 - 1,
        -(2**63),
        0,
        (),
    )
    not_simple = [
        PartitionUpdate(b"k", 1, DeletionTime(5, 10), rows=(row,)),
        PartitionUpdate(b"k", 1, rows=(row, replace(row, clustering=(b"d",)))),
        PartitionUpdate(b"k", 1, rows=(replace(row, liveness=LivenessInfo(5, 60, 100)),)),
        PartitionUpdate(b"k", 1, rows=(replace(row, columns=Frozen({"a": Cell(b"x", 7, 60, 100)})),)),
        PartitionUpdate(b"k", 1, rows=(replace(row, columns=Frozen({"a": tombstone(7, 100)})),)),
        PartitionUpdate(b"k", 1, rows=(replace(row, deletion=DeletionTime(4, 10)),)),
        PartitionUpdate(b"k", 1, static_row=replace(row, clustering=()), rows=(row,)),
    ]
    for partition in not_simple:
        assert simple_facts(serialize_partition(partition)) is None, partition
