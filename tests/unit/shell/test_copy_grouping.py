"""COPY FROM's batching (shell/copy/grouping.py): cqlsh's split of a chunk, and cqlkit's holding of rows
across chunks until their partition fills a batch."""

from __future__ import annotations

from shell.copy.grouping import PartitionGrouper, split_into_batches
from shell.copy.options import CopyOptions, parse_options


def rows(*keys: tuple[int, int]) -> list[tuple[list[str], list[bytes | None]]]:
    """Parsed rows of a table (p, c): the serialized values are enough for grouping."""
    return [([str(p), str(c)], [p.to_bytes(2, "big"), c.to_bytes(2, "big")]) for p, c in keys]


def keys(batches: list) -> list[list[tuple[int, int]]]:
    return [
        [(int.from_bytes(row[1][0], "big"), int.from_bytes(row[1][1], "big")) for row in batch]
        for batch in batches
    ]


def options(chunksize: int = 10, maxbatchsize: int = 3, minbatchsize: int = 2) -> CopyOptions:
    given = {
        "chunksize": str(chunksize),
        "maxbatchsize": str(maxbatchsize),
        "minbatchsize": str(minbatchsize),
    }
    return parse_options(given, keyspace="ks", table="t", display_format="%Y")


def grouper(**kwargs: int) -> PartitionGrouper:
    return PartitionGrouper([0], [0, 1], options(**kwargs))


def test_cqlsh_split_of_one_chunk() -> None:
    groups = [rows((1, 1), (1, 2), (1, 3), (1, 4)), rows((2, 1)), rows((3, 1))]
    assert keys(split_into_batches(groups, options())) == [
        [(1, 1), (1, 2), (1, 3)],
        [(1, 4)],  # a partition with MINBATCHSIZE rows goes alone, in batches of MAXBATCHSIZE
        [(2, 1), (3, 1)],  # the others share batches
    ]


def test_interleaved_partitions_go_as_full_batches_of_one_partition() -> None:
    g = grouper(minbatchsize=3)
    first = g.add(rows((1, 1), (2, 1), (1, 2), (2, 2)))
    assert first == [] and g.held == 4
    second = g.add(rows((1, 3), (2, 3), (3, 1)))
    assert keys(second) == [[(1, 1), (1, 2), (1, 3)], [(2, 1), (2, 2), (2, 3)]]
    assert keys(g.finish()) == [[(3, 1)]] and g.held == 0


def test_past_the_limit_the_partitions_waiting_longest_go_first() -> None:
    g = grouper(chunksize=2, maxbatchsize=5)  # at most 4 x 2 = 8 rows held, released down to 6
    assert g.add(rows(*[(p, 1) for p in range(1, 9)])) == []
    released = g.add(rows((9, 1)))
    assert keys(released) == [[(1, 1), (2, 1), (3, 1)]] and g.held == 6


def test_a_repeated_key_sends_what_waits_first() -> None:
    g = grouper()
    assert keys(g.add(rows((1, 1), (1, 2), (1, 1)))) == [[(1, 1), (1, 2)]]  # the second (1, 1) waits
    assert keys(g.finish()) == [[(1, 1)]]


def test_every_row_comes_out_once() -> None:
    g = grouper(chunksize=7, maxbatchsize=4)
    sent = []
    data = [(p % 13, c) for c, p in enumerate(range(500))]
    for start in range(0, len(data), 7):
        sent += g.add(rows(*data[start : start + 7]))
        assert g.held <= 4 * 7
    sent += g.finish()
    assert sorted(k for batch in keys(sent) for k in batch) == sorted(data)
    assert all(len(batch) <= 4 for batch in sent)


def test_until_a_batch_has_gone_a_partition_with_minbatchsize_rows_goes_at_the_end_of_its_chunk() -> None:
    """The server would sit idle while the first chunks are read: the first partitions to reach
    MINBATCHSIZE go at once; afterwards partitions wait for MAXBATCHSIZE again."""
    g = grouper(maxbatchsize=4, minbatchsize=2)
    assert g.add(rows((1, 1), (2, 1), (3, 1))) == []  # no partition has 2 rows yet
    assert keys(g.add(rows((1, 2), (2, 2), (3, 2), (1, 3), (4, 1)))) == [
        [(1, 1), (1, 2), (1, 3)],
        [(2, 1), (2, 2)],
        [(3, 1), (3, 2)],
    ]
    assert g.add(rows((2, 3), (2, 4), (4, 2))) == []  # started: 2 and 4 wait for a full batch
    assert keys(g.add(rows((2, 5), (2, 6)))) == [[(2, 3), (2, 4), (2, 5), (2, 6)]]
    assert keys(g.finish()) == [[(4, 1), (4, 2)]]
