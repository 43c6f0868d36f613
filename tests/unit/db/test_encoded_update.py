"""Rows written straight from values (``serialization.plain_*``) and the update that holds them as bytes
(``engine.db.encoded_update``): the bytes are ``write_row``'s for the same rows, and the update is the same
value as the one made of objects, for every consumer of the write path (commitlog bytes, memtable, sizes)."""

from __future__ import annotations

import uuid
from types import MappingProxyType

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.cql3.statements.batch_limits import _unmerged_size, data_size
from engine.db.encoded_update import EncodedPartitionUpdate
from engine.db.memtable import Memtable
from engine.db.mutation import Mutation
from engine.db.rows import LIVE, Cell, ComplexColumn, DeletionTime, LivenessInfo, PartitionUpdate, Row
from engine.db.serialization import (
    encode_partition,
    plain_cell_column,
    plain_list_column,
    plain_partition,
    plain_row,
    plain_tombstone_column,
    write_row,
)

TS, NOW = 1_700_000_000_000_000, 1_700_000_000
TABLE = uuid.UUID(int=7)

# one column's value: bytes (a cell), None (null), or a list of elements (a non-frozen list)
values = st.one_of(
    st.binary(max_size=200), st.none(), st.lists(st.binary(max_size=140), max_size=4).map(tuple)
)
plain_rows = st.tuples(
    st.lists(st.binary(max_size=140), min_size=0, max_size=2).map(tuple),  # clustering
    st.booleans(),  # an INSERT (row marker) or an UPDATE
    st.dictionaries(st.sampled_from(["a", "b", "name", "é" * 70]), values, max_size=4),
)


def _built(clustering: tuple[bytes, ...], insert: bool, columns: dict[str, object]) -> tuple[bytes, Row]:
    """The row written by the plain helpers, and the same row made of objects."""
    out = bytearray()
    objects: dict[str, object] = {}
    for i, (name, value) in enumerate(columns.items()):
        if isinstance(value, tuple):
            paths = [bytes([i, j]) * 8 for j in range(len(value))]
            plain_list_column(out, name, TS, NOW, paths, value)
            cells = {p: Cell(v, TS) for p, v in zip(paths, value, strict=True)}
            objects[name] = ComplexColumn(MappingProxyType(cells), DeletionTime(TS - 1, NOW))
        elif value is None:
            plain_tombstone_column(out, name, TS, NOW)
            objects[name] = Cell(None, TS, 0, NOW)
        else:
            plain_cell_column(out, name, TS, value)  # type: ignore[arg-type]
            objects[name] = Cell(value, TS)
    data = plain_row(clustering, TS if insert else None, len(columns), bytes(out))
    row = Row(clustering, LivenessInfo(TS) if insert else None, LIVE, MappingProxyType(objects))
    return data, row


@settings(max_examples=300, deadline=None, derandomize=True)
@given(plain_rows)
def test_plain_rows_are_write_rows_bytes(spec: tuple) -> None:
    data, row = _built(*spec)
    out = bytearray()
    write_row(out, row)
    assert data == bytes(out)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.lists(plain_rows, min_size=1, max_size=12, unique_by=lambda spec: spec[0]))
def test_an_encoded_update_is_the_update_of_its_rows(specs: list) -> None:
    specs.sort(key=lambda spec: spec[0])  # clustering order (bytes order: the memtable below sorts so)
    built = [_built(*spec) for spec in specs]
    rows = tuple(row for _, row in built)
    objects = PartitionUpdate(b"k", 3, rows=rows)
    data, bounds = plain_partition(b"k", 3, [data for data, _ in built])
    assert (data, bounds) == encode_partition(objects)
    size = data_size([Mutation("ks", b"k", ((TABLE, objects),))])
    encoded = EncodedPartitionUpdate(
        b"k",
        3,
        data,
        bounds,
        [r.clustering for r in rows],
        [r.clustering for r in rows],
        objects.min_timestamp,
        size,
    )
    assert encoded == objects and objects == encoded
    assert encoded.rows == rows and encoded.row_count == len(rows)
    as_bytes = Mutation("ks", b"k", ((TABLE, encoded),))
    assert as_bytes.serialize() == Mutation("ks", b"k", ((TABLE, objects),)).serialize()
    assert data_size([as_bytes]) == size and _unmerged_size([as_bytes]) == size


def test_a_memtable_keeps_encoded_rows_and_merges_an_overwrite() -> None:
    """Rows written as bytes go into a partition held row by row, cut from the bytes; a row written again
    is decoded from its bytes and merged with what the memtable holds."""
    memtable = Memtable(lambda clustering: clustering)
    first = [_built((bytes([i]),), True, {"v": bytes([i])}) for i in range(10)]
    again = [_built((bytes([4]),), False, {"w": b"new"})]
    for built in (first, again):
        rows = [row for _, row in built]
        data, bounds = plain_partition(b"k", 3, [data for data, _ in built])
        clusterings = [r.clustering for r in rows]
        memtable.apply(EncodedPartitionUpdate(b"k", 3, data, bounds, clusterings, clusterings, TS, 0))
    read = memtable.get(b"k", 3)
    assert read is not None and len(read.rows) == 10
    assert dict(read.rows[4].columns) == {"v": Cell(bytes([4]), TS), "w": Cell(b"new", TS)}
    assert read.rows[4].liveness == LivenessInfo(TS)
    assert memtable.operation_count == 11 and memtable.min_timestamp == TS
