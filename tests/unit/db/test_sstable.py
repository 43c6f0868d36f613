"""SSTables: write/read round trips, scans, statistics, bloom filter, corruption, atomicity, memory."""

from __future__ import annotations

import random
import tempfile
import tracemalloc
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import MappingProxyType as Frozen

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.db.rows import (
    LIVE,
    NO_DELETION_TIME,
    NO_TIMESTAMP,
    Bound,
    Cell,
    ComplexColumn,
    CounterValue,
    DeletionTime,
    LivenessInfo,
    PartitionUpdate,
    RangeTombstone,
    Row,
    tombstone,
)
from engine.db.serialization import serialize_partition
from engine.db.sstable import (
    Component,
    CorruptSSTableError,
    Descriptor,
    EstimatedHistogram,
    SSTableDirectory,
    SSTableError,
    SSTableOrderError,
    SSTableReader,
    SSTableWriter,
    component_paths,
    load_statistics,
    parse_filename,
    rewrite_statistics,
    with_level,
)
from engine.db.sstable.compression import CompressionInfo
from engine.db.sstable.files import read_checked
from engine.db.sstable.statistics import bucket_offsets
from engine.dht.murmur3_partitioner import get_token

SMALL = {"chunk_length_in_kb": 4, "index_interval": 4, "sync": False}


# ------------------------------------------------------------------------------------------ helpers


def ordered(partitions: Iterable[PartitionUpdate]) -> list[PartitionUpdate]:
    return sorted(partitions, key=lambda p: (p.token, p.key))


def write(
    directory: Path, partitions: Iterable[PartitionUpdate], expected: int = 100, **options: object
) -> SSTableReader:
    descriptor = SSTableDirectory(directory).new_descriptor()
    with SSTableWriter(descriptor, expected, **options) as writer:  # type: ignore[arg-type]
        for partition in partitions:
            writer.append(partition)
        return writer.finish()


def row(clustering: int, **columns: Cell | ComplexColumn) -> Row:
    return Row((clustering.to_bytes(4, "big"),), LivenessInfo(1_000), LIVE, Frozen(columns))


def shaped(i: int) -> PartitionUpdate:
    """Partition ``i`` in one of several shapes: every kind of data the format carries."""
    key = b"key-%06d" % i
    ts = 1_000_000 + i
    shape = i % 8
    deletion = LIVE
    static = None
    rows: tuple[Row, ...] = ()
    tombstones: tuple[RangeTombstone, ...] = ()
    if shape == 0:  # plain rows
        rows = tuple(row(c, v=Cell(b"value-%d" % c, ts), n=Cell(c.to_bytes(8, "big"), ts)) for c in range(3))
    elif shape == 1:  # static row plus rows
        static = Row((), None, LIVE, Frozen({"s": Cell(b"static", ts)}))
        rows = (row(1, v=Cell(b"x", ts)),)
    elif shape == 2:  # range tombstones
        start, end = Bound((b"\x00\x00\x00\x01",), True), Bound((b"\x00\x00\x00\x05",), False)
        tombstones = (
            RangeTombstone(start, end, DeletionTime(ts, 1_700_000_000)),
            RangeTombstone(Bound((), True), Bound((), True), DeletionTime(ts - 5, 1_700_000_001)),
        )
        rows = (row(7, v=Cell(b"after", ts + 1)),)
    elif shape == 3:  # collections, with and without a collection deletion
        cells = Frozen({b"k%d" % j: Cell(b"v%d" % j, ts) for j in range(4)})
        rows = (
            row(1, m=ComplexColumn(cells, DeletionTime(ts - 1, 1_700_000_000))),
            row(2, s=ComplexColumn(Frozen({b"e": Cell(b"", ts)}))),
        )
    elif shape == 4:  # counters
        counter = CounterValue(((b"\x00" * 16, 3, 10), (b"\x01" * 16, 1, -4)))
        rows = (Row((b"c",), None, LIVE, Frozen({"c": Cell(counter, ts)})),)
    elif shape == 5:  # tombstones: cells and row deletions
        rows = (
            Row((b"\x00\x00\x00\x01",), None, DeletionTime(ts, 1_700_000_000)),
            row(2, v=tombstone(ts, 1_700_000_000)),
        )
    elif shape == 6:  # TTLs on cells and on the row marker
        marker = LivenessInfo(ts, 3600, 1_700_003_600)
        rows = (Row((b"t",), marker, LIVE, Frozen({"v": Cell(b"expiring", ts, 3600, 1_700_003_600)})),)
    else:  # partition deletion, nothing else
        deletion = DeletionTime(ts, 1_700_000_000)
    if i % 500 == 499:  # a partition larger than a 4 KiB chunk: it spans several
        rows = (*rows, row(10**6, big=Cell(random.Random(i).randbytes(10_000), ts)))
    return PartitionUpdate(key, get_token(key), deletion, static, rows, tombstones)


@pytest.fixture(scope="module")
def dataset() -> list[PartitionUpdate]:
    return ordered(shaped(i) for i in range(3000))


@pytest.fixture(scope="module")
def reader(
    tmp_path_factory: pytest.TempPathFactory, dataset: list[PartitionUpdate]
) -> Iterator[SSTableReader]:
    opened = write(tmp_path_factory.mktemp("table-0a"), dataset, len(dataset), **SMALL)
    yield opened
    opened.close()


def flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x41
    path.write_bytes(bytes(data))


def read_everything(descriptor: Descriptor, partitions: list[PartitionUpdate]) -> None:
    with SSTableReader.open(descriptor) as opened:
        for partition in partitions:
            opened.get(partition.key, partition.token)
        for _ in opened.scan():
            pass


# ------------------------------------------------------------------------------------------ round trips


def test_get_returns_every_partition(reader: SSTableReader, dataset: list[PartitionUpdate]) -> None:
    assert reader.compression.chunk_count > 10  # small chunks: partitions straddle chunk boundaries
    for partition in dataset:
        assert reader.get(partition.key, partition.token) == partition
    stats = reader.bloom_filter_stats()
    assert stats.true_positives == len(dataset)
    assert stats.false_positives == stats.negatives == 0


def test_get_of_absent_keys(reader: SSTableReader) -> None:
    before = reader.bloom_filter_stats()
    absent = [b"absent-%d" % i for i in range(2000)]
    assert all(reader.get(key, get_token(key)) is None for key in absent)
    after = reader.bloom_filter_stats()
    assert after.true_positives == before.true_positives
    assert after.negatives - before.negatives > 1800  # almost all stopped by the bloom filter
    assert reader.get(b"key-000001", get_token(b"key-000001") + 1) is None  # right key, wrong token


def test_concurrent_gets_share_one_reader(reader: SSTableReader, dataset: list[PartitionUpdate]) -> None:
    before = reader.bloom_filter_stats().true_positives

    def read_slice(offset: int) -> bool:
        return all(reader.get(p.key, p.token) == p for p in dataset[offset::4])

    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(read_slice, range(4)))
    assert reader.bloom_filter_stats().true_positives - before == len(dataset)


def test_full_scan_is_the_input(reader: SSTableReader, dataset: list[PartitionUpdate]) -> None:
    assert list(reader.scan()) == dataset
    assert list(reader.keys()) == [(p.token, p.key) for p in dataset]


def test_scan_sub_ranges(reader: SSTableReader, dataset: list[PartitionUpdate]) -> None:
    tokens = [p.token for p in dataset]
    low, high = tokens[100], tokens[2100]

    def between(lo: int | None, hi: int | None, lo_inc: bool, hi_inc: bool) -> list[PartitionUpdate]:
        return [
            p
            for p in dataset
            if (lo is None or (p.token >= lo if lo_inc else p.token > lo))
            and (hi is None or (p.token <= hi if hi_inc else p.token < hi))
        ]

    for lo_inc in (True, False):
        for hi_inc in (True, False):
            got = list(reader.scan(low, high, start_inclusive=lo_inc, end_inclusive=hi_inc))
            assert got == between(low, high, lo_inc, hi_inc)
    assert list(reader.scan(None, high)) == between(None, high, True, True)
    assert list(reader.scan(low, None, start_inclusive=False)) == between(low, None, False, True)
    assert list(reader.scan(tokens[5] + 1, tokens[6] - 1)) == []
    assert list(reader.scan(tokens[-1] + 1)) == []
    assert list(reader.scan(None, tokens[0] - 1)) == []
    key_bounds = ((dataset[7].token, dataset[7].key), (dataset[30].token, dataset[30].key))
    assert list(reader.scan(*key_bounds)) == dataset[7:31]
    assert list(reader.scan(*key_bounds, start_inclusive=False, end_inclusive=False)) == dataset[8:30]


def test_ties_on_token_sort_by_unsigned_key_bytes(tmp_path: Path) -> None:
    same = [PartitionUpdate(key, 42, DeletionTime(1, 1)) for key in (b"\x01", b"\x7f", b"\x80", b"\xff")]
    others = [PartitionUpdate(b"a", 41, DeletionTime(1, 1)), PartitionUpdate(b"z", 43, DeletionTime(1, 1))]
    partitions = [others[0], *same, others[1]]
    with write(tmp_path, partitions, **SMALL) as opened:
        assert list(opened.scan(42, 42)) == same  # a bare token bound covers all of its keys
        assert list(opened.scan(42, None, start_inclusive=False)) == [others[1]]
        assert list(opened.scan(None, 42, end_inclusive=False)) == [others[0]]
        assert list(opened.scan((42, b"\x7f"), (42, b"\xff"), end_inclusive=False)) == same[1:3]
        assert all(opened.get(p.key, p.token) == p for p in partitions)


def test_out_of_order_append_is_refused(tmp_path: Path) -> None:
    descriptor = SSTableDirectory(tmp_path).new_descriptor()
    with SSTableWriter(descriptor, 10, sync=False) as writer:
        writer.append(PartitionUpdate(b"b", 10))
        with pytest.raises(SSTableOrderError, match=r"token 9, key 0x63\) appended .* after \(token 10"):
            writer.append(PartitionUpdate(b"c", 9))
        with pytest.raises(SSTableOrderError):
            writer.append(PartitionUpdate(b"a", 10))  # same token, smaller key
        with pytest.raises(SSTableOrderError):
            writer.append(PartitionUpdate(b"b", 10))  # the same key twice
        writer.append(PartitionUpdate(b"c", 10))  # the writer is still usable
        assert list(writer.finish().scan()) == [PartitionUpdate(b"b", 10), PartitionUpdate(b"c", 10)]


def test_append_all_writes_the_same_files_as_appends_one_by_one(tmp_path: Path) -> None:
    def row(i: int) -> Row:
        return Row((b"c%d" % i,), LivenessInfo(i), LIVE, Frozen({"v": Cell(b"x" * i, i)}))

    partitions = sorted(
        (PartitionUpdate(b"k%d" % i, (i * 7919) % 1000 - 500, rows=(row(i),)) for i in range(300)),
        key=lambda p: (p.token, p.key),
    )
    # A flush hands most partitions over as bytes and merged ones as values.
    items = [(p.token, p.key, p if i % 5 == 0 else serialize_partition(p)) for i, p in enumerate(partitions)]
    directories = (tmp_path / "one-by-one", tmp_path / "all")
    for directory in directories:
        directory.mkdir()
        with SSTableWriter(Descriptor(directory, 1), len(items), **SMALL) as writer:
            if directory.name == "all":
                writer.append_all(items)
            else:
                for token, key, partition in items:
                    if isinstance(partition, bytes):
                        writer.append_serialized(token, key, partition)
                    else:
                        writer.append(partition)
            assert list(writer.finish().scan()) == partitions
    for one, every in zip(*(component_paths(Descriptor(d, 1)) for d in directories), strict=True):
        assert one.read_bytes() == every.read_bytes(), one.name


def test_append_all_refuses_partitions_out_of_order(tmp_path: Path) -> None:
    with SSTableWriter(Descriptor(tmp_path, 1), 10, sync=False) as writer:
        writer.append_all([(10, b"b", serialize_partition(PartitionUpdate(b"b", 10)))])
        late = PartitionUpdate(b"a", 10)
        with pytest.raises(
            SSTableOrderError, match=r"token 10, key 0x61\) appended .* after \(token 11, key 0x63"
        ):
            writer.append_all([(11, b"c", serialize_partition(PartitionUpdate(b"c", 11))), (10, b"a", late)])
        assert writer.partition_count == 2  # the partition before the refused one was written


def test_finishing_an_empty_sstable_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    writer = SSTableWriter(Descriptor(tmp_path, 1), 0, sync=False)
    with pytest.raises(SSTableError, match="no partition"):
        writer.finish()
    assert list(tmp_path.iterdir()) == []


def test_a_writer_never_takes_over_an_existing_sstable(tmp_path: Path) -> None:
    with write(tmp_path, [PartitionUpdate(b"a", 1)], sync=False) as opened:
        with pytest.raises(SSTableError, match="already exists"):
            SSTableWriter(opened.descriptor, 1)
        assert list(opened.scan()) == [PartitionUpdate(b"a", 1)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.binary(min_size=1, max_size=12),
        st.lists(
            st.tuples(st.binary(max_size=3), st.binary(max_size=300), st.integers(-(2**40), 2**40)),
            max_size=6,
        ),
        min_size=1,
        max_size=60,
    ),
    st.sampled_from([1, 2, 3, 128]),
    st.booleans(),
)
def test_random_partitions_round_trip(
    content: dict[bytes, list[tuple[bytes, bytes, int]]], interval: int, collide_tokens: bool
) -> None:
    partitions = []
    for key, cells in content.items():
        by_clustering = {c: Cell(value, ts) for c, value, ts in cells}
        rows = tuple(
            Row((c,), LivenessInfo(1), LIVE, Frozen({"v": by_clustering[c]})) for c in sorted(by_clustering)
        )
        token = len(key) % 3 if collide_tokens else get_token(key)
        partitions.append(PartitionUpdate(key, token, rows=rows))
    partitions = ordered(partitions)
    with tempfile.TemporaryDirectory() as directory:
        opened = write(
            Path(directory), partitions, len(partitions), chunk_length_in_kb=1, index_interval=interval
        )
        with opened:
            assert list(opened.scan()) == partitions
            assert all(opened.get(p.key, p.token) == p for p in partitions)
            assert opened.get(b"\x00" * 13, 0) is None
            assert opened.verify() == len(partitions)


# ------------------------------------------------------------------------------------------ statistics


def test_statistics_are_exact_on_a_known_input(tmp_path: Path) -> None:
    cluster = Frozen(
        {"m": ComplexColumn(Frozen({b"e": Cell(b"e", 81)}), DeletionTime(80, 800))}  # collection deletion
    )
    partitions = ordered(
        [
            PartitionUpdate(
                b"a",
                get_token(b"a"),
                rows=(
                    Row(
                        (b"\x01",),
                        LivenessInfo(100),
                        LIVE,
                        Frozen({"v": Cell(b"x", 100), "w": tombstone(150, 1000)}),
                    ),
                ),
            ),
            PartitionUpdate(
                b"b",
                get_token(b"b"),
                DeletionTime(200, 2000),
                static_row=Row((), None, LIVE, Frozen({"s": Cell(b"s", 50, 10, 5000)})),
            ),
            PartitionUpdate(
                b"c",
                get_token(b"c"),
                rows=(Row((b"\x00",), None, LIVE, cluster), Row((b"\x02",), None, DeletionTime(90, 900))),
                range_tombstones=(
                    RangeTombstone(Bound((b"\x05",)), Bound((b"\x06",)), DeletionTime(300, 3000)),
                ),
            ),
        ]
    )
    with write(tmp_path, partitions, level=2, repaired_at=77, sync=False) as opened:
        stats = opened.statistics
    assert (stats.min_timestamp, stats.max_timestamp) == (50, 300)
    # Live cells and markers without TTL count as NO_DELETION_TIME, like Cassandra's MetadataCollector.
    assert (stats.min_local_deletion_time, stats.max_local_deletion_time) == (800, NO_DELETION_TIME)
    assert (stats.min_ttl, stats.max_ttl) == (0, 10)
    assert (stats.partition_count, stats.estimated_partitions) == (3, 3)
    assert (stats.row_count, stats.cell_count, stats.range_tombstone_count) == (3, 4, 1)
    assert (stats.static_row_count, stats.partition_deletion_count) == (1, 1)
    # one tombstone cell + partition deletion + range tombstone + row deletion + collection deletion
    assert stats.tombstone_count == 5
    assert (stats.min_clustering, stats.max_clustering) == ((b"\x00",), (b"\x02",))
    assert (stats.first_token, stats.first_key) == (partitions[0].token, partitions[0].key)
    assert (stats.last_token, stats.last_key) == (partitions[-1].token, partitions[-1].key)
    assert (stats.level, stats.sstable_level, stats.repaired_at) == (2, 2, 77)
    # drop times (rounded up to the minute): 1020, 5040, 2040, 3000, 900, 840
    assert stats.estimated_droppable_tombstones(1000) == 2
    assert stats.estimated_droppable_tombstones(2**31) == 6
    assert stats.droppable_tombstone_ratio(2**31) == 6 / 7
    assert stats.partition_sizes.count == 3
    assert stats.cell_counts.buckets[:3] == (2, 1, 0) and stats.cell_counts.count == 3  # cells: 2, 1, 1
    assert stats.cell_counts.max == 2
    sizes = sorted(len(serialize_partition(p)) for p in partitions)
    assert stats.uncompressed_length == sum(sizes) == opened.uncompressed_size
    assert stats.partition_sizes.min <= sizes[0] and stats.partition_sizes.max >= sizes[-1]


def test_statistics_without_any_timestamp_are_conservative(tmp_path: Path) -> None:
    with write(tmp_path, [PartitionUpdate(b"k", 1)], sync=False) as opened:
        stats = opened.statistics
    assert (stats.min_timestamp, stats.max_timestamp) == (NO_TIMESTAMP, 2**63 - 1)
    assert (stats.min_local_deletion_time, stats.max_local_deletion_time) == (NO_DELETION_TIME,) * 2
    assert (stats.min_clustering, stats.max_clustering) == (None, None)


def test_clustering_bounds_follow_the_tables_order(tmp_path: Path) -> None:
    def descending(clustering: tuple[bytes, ...]) -> tuple[int, ...]:
        return tuple(-int.from_bytes(c, "big") for c in clustering)

    rows = tuple(Row((bytes([c]),), LivenessInfo(1)) for c in (9, 5, 1))  # descending clustering order
    with write(
        tmp_path, [PartitionUpdate(b"k", 1, rows=rows)], clustering_key=descending, sync=False
    ) as opened:
        assert (opened.statistics.min_clustering, opened.statistics.max_clustering) == (
            (b"\x09",),
            (b"\x01",),
        )


def test_rewrite_statistics_changes_the_level_atomically(tmp_path: Path) -> None:
    with write(tmp_path, [PartitionUpdate(b"k", 1)], sync=False) as opened:
        descriptor, stats = opened.descriptor, opened.statistics
    rewrite_statistics(descriptor, with_level(stats, 3))
    assert load_statistics(descriptor) == with_level(stats, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in component_paths(descriptor))


def test_histogram_buckets_are_cassandras() -> None:
    offsets = bucket_offsets(150)
    assert offsets[:24] == (
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8,
        10,
        12,
        14,
        17,
        20,
        24,
        29,
        35,
        42,
        50,
        60,
        72,
        86,
        103,
        124,
        149,
    )
    assert offsets[33:38] == (924, 1109, 1331, 1597, 1916)
    histogram = EstimatedHistogram((0, 2, 0, 1, 0))  # two values of 2, one of 4 (offsets 1, 2, 3, 4)
    assert (histogram.min, histogram.max, histogram.percentile(0.5), histogram.percentile(0.99)) == (
        2,
        4,
        2,
        4,
    )
    assert histogram.merge(histogram).count == 6


# ------------------------------------------------------------------------------------------ bloom filter


def test_bloom_filter_false_positive_rate_is_close_to_the_configured_chance(tmp_path: Path) -> None:
    present = ordered(PartitionUpdate(b"p%d" % i, get_token(b"p%d" % i)) for i in range(10_000))
    with write(tmp_path, present, len(present), bloom_filter_fp_chance=0.01, sync=False) as opened:
        assert all(opened.might_contain(p.key) for p in present)
        absent = [b"q%d" % i for i in range(10_000)]
        rate = sum(opened.might_contain(key) for key in absent) / len(absent)
        assert 0.005 <= rate <= 0.02, rate
        for key in absent:
            assert opened.get(key, get_token(key)) is None
        stats = opened.bloom_filter_stats()
        assert stats.true_positives == 0 and stats.false_positives + stats.negatives > 9_900
        assert 0 < stats.false_ratio == 1.0 or stats.false_positives == 0


def test_bloom_filter_chance_one_means_no_filter(tmp_path: Path) -> None:
    with write(tmp_path, [PartitionUpdate(b"k", 1)], bloom_filter_fp_chance=1.0, sync=False) as opened:
        assert opened.might_contain(b"anything") and opened.bloom_filter_size == 0
        assert opened.get(b"k", 1) == PartitionUpdate(b"k", 1)


# ------------------------------------------------------------------------------------------ corruption


@pytest.fixture
def small_sstable(tmp_path: Path) -> tuple[Descriptor, list[PartitionUpdate]]:
    partitions = ordered(shaped(i) for i in range(600))
    write(tmp_path, partitions, len(partitions), **SMALL).close()
    return SSTableDirectory(tmp_path).list()[0], partitions


def test_a_flipped_byte_in_a_data_chunk_fails_the_read_that_touches_it(
    small_sstable: tuple[Descriptor, list[PartitionUpdate]],
) -> None:
    descriptor, partitions = small_sstable
    info = CompressionInfo.from_bytes(
        read_checked(path := descriptor.filename(Component.COMPRESSION_INFO)), path
    )
    target = 3
    chunk_offset, _ = info.chunk_extent(target)
    flip(descriptor.filename(Component.DATA), chunk_offset + 7)
    with SSTableReader.open(descriptor) as opened:
        position, touching, clean = 0, [], []
        for partition in partitions:
            size = len(serialize_partition(partition))
            chunks = range(position // info.chunk_length, (position + size - 1) // info.chunk_length + 1)
            (touching if target in chunks else clean).append(partition)
            position += size
        assert touching and clean
        for partition in clean:
            assert opened.get(partition.key, partition.token) == partition
        with pytest.raises(CorruptSSTableError) as error:
            opened.get(touching[0].key, touching[0].token)
        message = str(error.value)
        assert str(descriptor.filename(Component.DATA)) in message
        assert f"offset {chunk_offset}" in message and f"chunk {target}" in message
        assert error.value.offset == chunk_offset
        with pytest.raises(CorruptSSTableError, match=r"Data\.db"):
            list(opened.scan())
        with pytest.raises(CorruptSSTableError, match=r"Data\.db"):
            opened.verify()


@pytest.mark.parametrize(
    "component",
    [Component.INDEX, Component.SUMMARY, Component.FILTER, Component.STATISTICS, Component.COMPRESSION_INFO],
)
@pytest.mark.parametrize("where", [0.0, 0.37, 0.5, 0.93, 1.0])
def test_a_flipped_byte_in_any_other_component_is_detected(
    small_sstable: tuple[Descriptor, list[PartitionUpdate]], component: Component, where: float
) -> None:
    descriptor, partitions = small_sstable
    path = descriptor.filename(component)
    size = path.stat().st_size
    flip(path, min(int(size * where), size - 1))
    with pytest.raises(CorruptSSTableError) as error:
        read_everything(descriptor, partitions)
    assert str(path) in str(error.value)


def test_a_truncated_data_file_is_detected_on_open(
    small_sstable: tuple[Descriptor, list[PartitionUpdate]],
) -> None:
    descriptor, _ = small_sstable
    data = descriptor.filename(Component.DATA)
    data.write_bytes(data.read_bytes()[:-100])
    with pytest.raises(CorruptSSTableError, match=r"Data\.db"):
        SSTableReader.open(descriptor)


def test_verify_and_digest(small_sstable: tuple[Descriptor, list[PartitionUpdate]]) -> None:
    descriptor, partitions = small_sstable
    digest = descriptor.filename(Component.DIGEST).read_text()
    assert int(digest) == zlib.crc32(descriptor.filename(Component.DATA).read_bytes())
    with SSTableReader.open(descriptor) as opened:
        assert opened.verify() == len(partitions)
    descriptor.filename(Component.DIGEST).write_text("12345")
    with SSTableReader.open(descriptor) as opened, pytest.raises(CorruptSSTableError, match="digest"):
        opened.verify()


# ------------------------------------------------------------------------------------------ files and atomicity


def test_files_are_named_like_cassandras(tmp_path: Path) -> None:
    table = tmp_path / "ks" / "t-0123456789abcdef0123456789abcdef"
    table.mkdir(parents=True)
    with write(table, [PartitionUpdate(b"k", 1)]) as opened:  # with fsync, as in production
        assert opened.descriptor == Descriptor(table, 1)
        names = sorted(p.name for p in table.iterdir())
        assert names == sorted(f"nb-1-big-{c.value}" for c in Component)
        assert opened.descriptor.filename(Component.DIGEST).name == "nb-1-big-Digest.crc32"
        toc = opened.descriptor.filename(Component.TOC).read_text().split()
        assert sorted(toc) == sorted(c.value for c in Component)
        assert sorted(component_paths(opened.descriptor)) == sorted(table.iterdir())
        assert opened.on_disk_size == sum(p.stat().st_size for p in table.iterdir())
        assert 0 < opened.data_size < opened.on_disk_size
    parsed = parse_filename(table / "tmp-nb-12-big-Index.db")
    assert parsed is not None and parsed.temporary and parsed.component is Component.INDEX
    assert parsed.descriptor.generation == 12
    assert parse_filename(table / "manifest.json") is None


def test_a_crash_before_the_toc_leaves_an_invisible_sstable(tmp_path: Path) -> None:
    directory = SSTableDirectory(tmp_path)
    complete = write(tmp_path, [PartitionUpdate(b"a", 1)])
    complete.close()
    # A writer that never reaches finish() (the process dies): only temporary files exist.
    crashed = SSTableWriter(directory.new_descriptor(), 100, **SMALL)
    for partition in ordered(shaped(i) for i in range(300)):
        crashed.append(partition)
    # A crash after the components were renamed but before the TOC was: final names, no TOC.
    renamed = write(tmp_path, [PartitionUpdate(b"b", 2)])
    renamed.close()
    renamed.descriptor.filename(Component.TOC).unlink()
    (tmp_path / "snapshots").mkdir()
    assert directory.list() == [complete.descriptor]
    assert any(p.name.startswith("tmp-nb-2-big-") for p in tmp_path.iterdir())
    removed = directory.cleanup_incomplete()
    assert {parse_filename(p).descriptor.generation for p in removed} == {2, 3}  # type: ignore[union-attr]
    remaining = sorted(p.name for p in tmp_path.iterdir() if p.is_file())
    assert remaining == sorted(p.name for p in component_paths(complete.descriptor))
    crashed.abort()  # tolerates its files being gone
    # The disk now holds only generation 1, but this instance handed out 2: it never hands out one twice.
    assert directory.next_generation() == 3
    with SSTableReader.open(complete.descriptor) as reopened:
        assert reopened.get(b"a", 1) == PartitionUpdate(b"a", 1)
    with pytest.raises(SSTableError, match="TOC"):
        SSTableReader.open(renamed.descriptor)


def test_abort_and_failed_with_block_remove_everything(tmp_path: Path) -> None:
    writer = SSTableWriter(Descriptor(tmp_path, 1), 10, sync=False)
    writer.append(PartitionUpdate(b"a", 1))
    writer.abort()
    with pytest.raises(RuntimeError), SSTableWriter(Descriptor(tmp_path, 2), 10, sync=False) as failing:
        failing.append(PartitionUpdate(b"a", 1))
        raise RuntimeError("compaction interrupted")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(SSTableError):
        writer.append(PartitionUpdate(b"b", 2))


def test_directory_generations_and_delete(tmp_path: Path) -> None:
    directory = SSTableDirectory(tmp_path)
    readers = [write(tmp_path, [PartitionUpdate(b"k%d" % i, i)], sync=False) for i in range(3)]
    for opened in readers:
        opened.close()
    assert [d.generation for d in directory.list()] == [1, 2, 3]
    directory.delete(readers[1].descriptor)
    assert [d.generation for d in directory.list()] == [1, 3]
    assert not any(p.name.startswith("nb-2-") for p in tmp_path.iterdir())
    assert directory.next_generation() == 4
    assert SSTableDirectory(tmp_path).next_generation() == 4
    assert SSTableDirectory(tmp_path / "missing").list() == []


# ------------------------------------------------------------------------------------------ memory


def test_writing_streams_with_bounded_memory(tmp_path: Path) -> None:
    rng = random.Random(7)
    value_size, count = 5_000, 10_000  # ~50 MB of uncompressed partitions

    def partitions() -> Iterator[PartitionUpdate]:
        for i in range(count):
            cells = Frozen({"v": Cell(rng.randbytes(value_size), i)})
            yield PartitionUpdate(
                i.to_bytes(8, "big"), i - 2**40, rows=(Row((b"c",), LivenessInfo(i), LIVE, cells),)
            )

    descriptor = Descriptor(tmp_path, 1)
    tracemalloc.start()
    try:
        writer = SSTableWriter(descriptor, count, sync=False)
        for partition in partitions():
            writer.append(partition)
        writer.finish().close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    with SSTableReader.open(descriptor) as opened:
        assert opened.uncompressed_size > 50_000_000
        assert opened.estimated_partitions == count
    assert peak < 4_000_000, f"peak traced memory {peak} bytes while writing 50 MB"
