"""The fast decoder of the partition format (``engine.db.serialization``), for the read and flush paths.

``Reader``-based decoding names every field it reads, so a corrupt byte is reported precisely; that costs
a method call per field, which made decoding the partition of a point read its largest cost. This module
decodes the same bytes with the cursor in a local variable, ``struct`` calls that read several fields at
once, and one-byte varints inlined, assuming the bytes are well formed. Anything unexpected — a read past
the end (``IndexError``, ``struct.error``), unknown flags, bad UTF-8, bytes left over — abandons the fast
path and decodes again with the checked decoder, which raises the ``CorruptDataError`` that names the
field (or returns the partition, if the fast path was merely unprepared for it). Both decoders must agree
on every valid input: the tests decode with both.

Slices of values are not bounds-checked one by one: a length that runs past the end leaves the cursor
past the end, where it stays (it only grows), so the final "cursor == length" test catches it. Column
names decode through ``names`` (bytes → str) when the caller keeps one: a table has few distinct names.

A deletion that equals ``LIVE`` is returned as ``LIVE`` itself, so the ``is LIVE`` fast paths of merging
apply to decoded partitions.
"""

from __future__ import annotations

import struct
from types import MappingProxyType

from engine.db.rows import (
    LIVE,
    NO_DELETION_TIME,
    NO_TIMESTAMP,
    Bound,
    Cell,
    Clustering,
    ColumnData,
    ComplexColumn,
    CounterValue,
    DeletionTime,
    LivenessInfo,
    PartitionUpdate,
    RangeTombstone,
    Row,
)
from engine.db.serialization import Reader, deserialize_partition, read_row

_HEAD = struct.Struct(">qqi").unpack_from  # token, partition deletion
_I64 = struct.Struct(">q").unpack_from
_I32 = struct.Struct(">i").unpack_from
_DELETION = struct.Struct(">qi").unpack_from
_CELL_HEAD = struct.Struct(">Bq").unpack_from
_LIVE_ROW = struct.Struct(">BqBiB").unpack_from  # row flags, marker timestamp, ttl, expiration, columns
_COLUMN_HEAD = struct.Struct(">BBqB").unpack_from  # column kind, cell flags, timestamp, value length
_COUNTER = struct.Struct(">qq").unpack_from

_EXPECTED = (IndexError, struct.error, ValueError, UnicodeDecodeError, OverflowError)


class _Malformed(ValueError):
    """The fast path met something it does not decode: the checked decoder takes over."""


def decode_partition(
    data: bytes, *, rows: bool = True, names: dict[bytes, str] | None = None
) -> PartitionUpdate:
    """The partition that is all of ``data`` (with ``rows=False``, its header only: deletion, static row,
    range tombstones). Raises ``CorruptDataError`` as ``deserialize_partition`` does. ``names`` caches
    column names across calls (the caller bounds it)."""
    try:
        partition, offset = _partition(data, rows, {} if names is None else names)
        if offset == len(data) or (not rows and offset <= len(data)):
            return partition
    except _EXPECTED:
        pass
    return deserialize_partition(data, rows=rows)


def decode_row(data: bytes) -> Row:
    """The row that is all of ``data`` (``serialization.write_row``'s bytes)."""
    try:
        row, offset = _row(data, 0, {})
        if offset == len(data):
            return row
    except _EXPECTED:
        pass
    reader = Reader(data)
    row = read_row(reader)
    if reader.offset != reader.end:
        from engine.db.serialization import CorruptDataError

        raise CorruptDataError("end of row", reader.offset, f"{reader.end - reader.offset} bytes left over")
    return row


def _vint(data: bytes, o: int) -> tuple[int, int]:
    """A varint at ``o`` (the caller has read its first byte and found it continues)."""
    result = shift = 0
    while True:
        byte = data[o]
        o += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, o
        shift += 7
        if shift > 63:
            raise _Malformed("varint")


def _deletion(at: int, ldt: int) -> DeletionTime:
    return LIVE if at == NO_TIMESTAMP and ldt == NO_DELETION_TIME else DeletionTime(at, ldt)


def _clustering(data: bytes, o: int) -> tuple[Clustering, int]:
    count = data[o]
    o += 1
    if count >= 0x80:
        count, o = _vint(data, o - 1)
    components = []
    for _ in range(count):
        length = data[o]
        o += 1
        if length >= 0x80:
            length, o = _vint(data, o - 1)
        end = o + length
        if end > len(data):
            raise _Malformed("clustering component")
        components.append(data[o:end])
        o = end
    return tuple(components), o


def _partition(data: bytes, with_rows: bool, names: dict[bytes, str]) -> tuple[PartitionUpdate, int]:
    length = data[0]
    o = 1
    if length >= 0x80:
        length, o = _vint(data, 0)
    end = o + length
    if end > len(data):
        raise _Malformed("partition key")
    key = data[o:end]
    token, at, ldt = _HEAD(data, end)
    o = end + 20
    flags = data[o]
    o += 1
    if flags & ~1:
        raise _Malformed("partition flags")
    static = None
    if flags:
        static, o = _row(data, o, names)
    count = data[o]
    o += 1
    if count >= 0x80:
        count, o = _vint(data, o - 1)
    tombstones: tuple[RangeTombstone, ...] = ()
    if count:
        found = []
        for _ in range(count):
            start_inclusive = data[o]
            start, o = _clustering(data, o + 1)
            end_inclusive = data[o]
            end_prefix, o = _clustering(data, o + 1)
            d_at, d_ldt = _DELETION(data, o)
            o += 12
            found.append(
                RangeTombstone(
                    Bound(start, bool(start_inclusive)),
                    Bound(end_prefix, bool(end_inclusive)),
                    DeletionTime(d_at, d_ldt),
                )
            )
        tombstones = tuple(found)
    deletion = _deletion(at, ldt)
    if not with_rows:
        return PartitionUpdate(key, token, deletion, static, (), tombstones), o
    count = data[o]
    o += 1
    if count >= 0x80:
        count, o = _vint(data, o - 1)
    if count == 1:
        row, o = _row(data, o, names)
        rows: tuple[Row, ...] = (row,)
    else:
        decoded = []
        for _ in range(count):
            row, o = _row(data, o, names)
            decoded.append(row)
        rows = tuple(decoded)
    return PartitionUpdate(key, token, deletion, static, rows, tombstones), o


def _row(data: bytes, o: int, names: dict[bytes, str]) -> tuple[Row, int]:
    count = data[o]
    if count == 1:  # the common case: one clustering column
        length = data[o + 1]
        o += 2
        if length >= 0x80:
            length, o = _vint(data, o - 1)
        end = o + length
        clustering: Clustering = (data[o:end],)
        o = end
    else:
        clustering, o = _clustering(data, o)
    flags = data[o]
    liveness = None
    deletion = LIVE
    general = True
    if flags == 1:  # a row marker, no deletion: flags, timestamp, ttl, expiration, column count at once
        _, timestamp, ttl, expiration, count = _LIVE_ROW(data, o)
        if ttl < 0x80 and count < 0x80:  # else a varint to read: the general path below
            liveness = LivenessInfo(timestamp, ttl, expiration)
            o += 15
            general = False
    if general:
        o += 1
        if flags & ~3:
            raise _Malformed("row flags")
        if flags & 1:
            timestamp = _I64(data, o)[0]
            ttl = data[o + 8]
            o += 9
            if ttl >= 0x80:
                ttl, o = _vint(data, o - 1)
            liveness = LivenessInfo(timestamp, ttl, _I32(data, o)[0])
            o += 4
        if flags & 2:
            deletion = DeletionTime(*_DELETION(data, o))
            o += 12
        count = data[o]
        o += 1
        if count >= 0x80:
            count, o = _vint(data, o - 1)
    columns: dict[str, ColumnData] = {}
    for _ in range(count):
        length = data[o]
        o += 1
        if length >= 0x80:
            length, o = _vint(data, o - 1)
        end = o + length
        raw = data[o:end]
        name = names.get(raw)
        if name is None:
            name = names[raw] = raw.decode()
        # kind, cell flags, timestamp, value length: 11 bytes every column kind has after its name
        kind, cell_flags, timestamp, length = _COLUMN_HEAD(data, end)
        if not kind and not cell_flags and length < 0x80:  # a live regular cell with a short value
            o = end + 11
            end = o + length
            columns[name] = Cell(data[o:end], timestamp)
            o = end
        elif kind == 0:
            columns[name], o = _cell(data, end + 1)
        elif kind == 1:
            o = end + 1
            column_deletion = _deletion(*_DELETION(data, o))
            o += 12
            size = data[o]
            o += 1
            if size >= 0x80:
                size, o = _vint(data, o - 1)
            cells = {}
            for _ in range(size):
                length = data[o]
                o += 1
                if length >= 0x80:
                    length, o = _vint(data, o - 1)
                end = o + length
                path = data[o:end]
                cells[path], o = _cell(data, end)
            columns[name] = ComplexColumn(MappingProxyType(cells), column_deletion)
        else:
            raise _Malformed("column kind")
    return Row(clustering, liveness, deletion, MappingProxyType(columns)), o


def _cell(data: bytes, o: int) -> tuple[Cell, int]:
    flags, timestamp = _CELL_HEAD(data, o)
    o += 9
    if flags & ~7:
        raise _Malformed("cell flags")
    ldt = NO_DELETION_TIME
    if flags & 3:
        ldt = _I32(data, o)[0]
        o += 4
    ttl = 0
    if flags & 2:
        ttl = data[o]
        o += 1
        if ttl >= 0x80:
            ttl, o = _vint(data, o - 1)
    value: bytes | CounterValue | None = None
    if flags & 1:
        pass
    elif flags & 4:
        count = data[o]
        o += 1
        if count >= 0x80:
            count, o = _vint(data, o - 1)
        shards = []
        for _ in range(count):
            length = data[o]
            o += 1
            if length >= 0x80:
                length, o = _vint(data, o - 1)
            end = o + length
            if end > len(data):
                raise _Malformed("counter shard")
            clock, total = _COUNTER(data, end)
            shards.append((data[o:end], clock, total))
            o = end + 16
        value = CounterValue(tuple(shards))
    else:
        length = data[o]
        o += 1
        if length >= 0x80:
            length, o = _vint(data, o - 1)
        end = o + length
        if end > len(data):
            raise _Malformed("cell value")
        value = data[o:end]
        o = end
    return Cell(value, timestamp, ttl, ldt), o
