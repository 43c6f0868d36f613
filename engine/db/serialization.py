"""Byte format of partitions and partition updates, shared by the commitlog and the SSTable data file.

Integers: ``u64``/``i64``/``i32`` are fixed-width big-endian; ``vint`` is an unsigned LEB128 varint.
``bytes`` is ``vint length + raw bytes``; ``text`` is ``bytes`` of UTF-8.

::

    partition   := bytes key, i64 token, deletion, u8 flags (1 = static row present),
                   [row static], vint n_range_tombstones, range_tombstone*, vint n_rows, row*
    deletion    := i64 marked_for_delete_at, i32 local_deletion_time
    range_tombstone := bound start, bound end, deletion
    bound       := u8 inclusive, clustering
    clustering  := vint n_components, bytes*
    row         := clustering, u8 flags (1 = liveness, 2 = deletion), [liveness], [deletion],
                   vint n_columns, column*
    liveness    := i64 timestamp, vint ttl, i32 local_expiration_time
    column      := text name, u8 kind (0 = cell, 1 = complex), cell | complex
    complex     := deletion, vint n_cells, (bytes path, cell)*
    cell        := u8 flags (1 = tombstone, 2 = expiring, 4 = counter), i64 timestamp,
                   [i32 local_deletion_time if tombstone or expiring], [vint ttl if expiring],
                   value: bytes, or for a counter vint n_shards, (bytes shard, i64 clock, i64 count)*

Decoding errors raise ``CorruptDataError`` naming the field that could not be read and its offset;
callers (commitlog replay, SSTable reads) add the file name.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from types import MappingProxyType

from engine.db.rows import (
    LIVE,
    NO_DELETION_TIME,
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

_I64 = struct.Struct(">q")
_I32 = struct.Struct(">i")
_DELETION = struct.Struct(">qi")
_CELL_HEAD = struct.Struct(">Bq")  # cell flags, timestamp
_LIVE_ROW = struct.Struct(">BqBi")  # row flags, timestamp, ttl as a one-byte vint, local expiration time
_REGULAR_CELL_HEAD = struct.Struct(">BBq")  # column kind, cell flags, timestamp
_PARTITION_HEAD = struct.Struct(">qqiB")  # token, deletion, partition flags

_CELL_TOMBSTONE = 1
_CELL_EXPIRING = 2
_CELL_COUNTER = 4
_ROW_LIVENESS = 1
_ROW_DELETION = 2
_KIND_CELL = 0
_KIND_COMPLEX = 1


class CorruptDataError(Exception):
    """Bytes that do not decode as the format says: ``field`` could not be read at ``offset``."""

    def __init__(self, field: str, offset: int, detail: str = "") -> None:
        message = f"cannot read {field} at offset {offset}"
        super().__init__(f"{message}: {detail}" if detail else message)
        self.field = field
        self.offset = offset


# ------------------------------------------------------------------------------------------ writing


def write_vint(out: bytearray, value: int) -> None:
    if value < 0x80:  # the common case: one byte
        out.append(value)
        return
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def _write_bytes(out: bytearray, value: bytes) -> None:
    length = len(value)
    if length < 0x80:
        out.append(length)
    else:
        write_vint(out, length)
    out += value


def _write_deletion(out: bytearray, deletion: DeletionTime) -> None:
    out += _DELETION.pack(deletion.marked_for_delete_at, deletion.local_deletion_time)


def _write_clustering(out: bytearray, clustering: Clustering) -> None:
    write_vint(out, len(clustering))
    for component in clustering:
        _write_bytes(out, component)


def _write_cell(out: bytearray, cell: Cell) -> None:
    value = cell.value
    if value.__class__ is bytes and cell.ttl == 0:  # a live regular cell: by far the most common
        out += _CELL_HEAD.pack(0, cell.timestamp)
        length = len(value)  # type: ignore[arg-type]
        if length < 0x80:
            out.append(length)
        else:
            write_vint(out, length)
        out += value  # type: ignore[operator]
        return
    flags = 0
    if value is None:
        flags |= _CELL_TOMBSTONE
    elif cell.ttl > 0:
        flags |= _CELL_EXPIRING
    if isinstance(value, CounterValue):
        flags |= _CELL_COUNTER
    out.append(flags)
    out += _I64.pack(cell.timestamp)
    if flags & (_CELL_TOMBSTONE | _CELL_EXPIRING):
        out += _I32.pack(cell.local_deletion_time)
    if flags & _CELL_EXPIRING:
        write_vint(out, cell.ttl)
    if isinstance(value, CounterValue):
        write_vint(out, len(value.shards))
        for shard, clock, count in value.shards:
            _write_bytes(out, shard)
            out += _I64.pack(clock)
            out += _I64.pack(count)
    elif value is not None:
        _write_bytes(out, value)


def _write_row_clustering(out: bytearray, clustering: Clustering) -> None:
    # Hot on every write: one-byte lengths inlined.
    if len(clustering) < 0x80:
        out.append(len(clustering))
    else:
        write_vint(out, len(clustering))
    for component in clustering:
        length = len(component)
        if length < 0x80:
            out.append(length)
        else:
            write_vint(out, length)
        out += component


def write_row(out: bytearray, row: Row) -> None:
    # Hot on every write: one-byte lengths and live regular cells are inlined.
    _write_row_clustering(out, row.clustering)
    liveness = row.liveness
    deletion = row.deletion
    if liveness is not None:
        if deletion is LIVE and liveness.ttl < 0x80:
            out += _LIVE_ROW.pack(
                _ROW_LIVENESS, liveness.timestamp, liveness.ttl, liveness.local_expiration_time
            )
        else:
            out.append(_ROW_LIVENESS | (_ROW_DELETION if deletion is not LIVE else 0))
            out += _I64.pack(liveness.timestamp)
            write_vint(out, liveness.ttl)
            out += _I32.pack(liveness.local_expiration_time)
            if deletion is not LIVE:
                _write_deletion(out, deletion)
    elif deletion is not LIVE:
        out.append(_ROW_DELETION)
        _write_deletion(out, deletion)
    else:
        out.append(0)
    columns = row.columns
    if len(columns) < 0x80:
        out.append(len(columns))
    else:
        write_vint(out, len(columns))
    names = _NAMES
    for name, data in columns.items():
        encoded = names.get(name)
        if encoded is None:
            encoded = _name_bytes(name)
        out += encoded
        if data.__class__ is Cell:
            value = data.value  # type: ignore[union-attr]
            if value.__class__ is bytes and data.ttl == 0:  # type: ignore[union-attr]
                out += _REGULAR_CELL_HEAD.pack(_KIND_CELL, 0, data.timestamp)  # type: ignore[union-attr]
                length = len(value)  # type: ignore[arg-type]
                if length < 0x80:
                    out.append(length)
                else:
                    write_vint(out, length)
                out += value  # type: ignore[operator]
            else:
                out.append(_KIND_CELL)
                _write_cell(out, data)  # type: ignore[arg-type]
        else:
            out.append(_KIND_COMPLEX)
            _write_deletion(out, data.deletion)  # type: ignore[union-attr]
            cells = data.cells  # type: ignore[union-attr]
            if len(cells) < 0x80:
                out.append(len(cells))
            else:
                write_vint(out, len(cells))
            for path, cell in cells.items():
                length = len(path)
                if length < 0x80:
                    out.append(length)
                else:
                    write_vint(out, length)
                out += path
                value = cell.value
                if value.__class__ is bytes and cell.ttl == 0 and len(value) < 0x80:  # a live element
                    out += _CELL_HEAD.pack(0, cell.timestamp)
                    out.append(len(value))
                    out += value
                else:
                    _write_cell(out, cell)


#: column name -> its serialized form (``text``), for the few names of the tables written
_NAMES: dict[str, bytes] = {}


def _name_bytes(name: str) -> bytes:
    out = bytearray()
    _write_bytes(out, name.encode())
    encoded = bytes(out)
    if len(_NAMES) < 65536:  # tables have few column names; this only bounds a pathological workload
        _NAMES[name] = encoded
    return encoded


# ------------------------------------------------------------- rows written straight from values
# A plain prepared write (engine.cql3.statements.plain_write) builds its rows' bytes from the bound
# values without making Row and Cell objects first: these write what ``write_row`` writes for the
# row those objects would be (live cells, no TTL), and a property test pins that.


def plain_row(clustering: Clustering, timestamp: int | None, column_count: int, columns: bytes) -> bytes:
    """A row (``write_row``'s bytes): ``clustering``, the row marker of an INSERT at ``timestamp`` (None: an
    UPDATE's row, without one), then ``column_count`` columns already written by the ``plain_*_column``
    functions."""
    out = bytearray()
    _write_row_clustering(out, clustering)
    if timestamp is not None:
        out += _LIVE_ROW.pack(_ROW_LIVENESS, timestamp, 0, NO_DELETION_TIME)
    else:
        out.append(0)
    if column_count < 0x80:
        out.append(column_count)
    else:
        write_vint(out, column_count)
    out += columns
    return bytes(out)


def _column_name(out: bytearray, name: str) -> None:
    out += column_name_bytes(name)


def column_name_bytes(name: str) -> bytes:
    """A column's name as a row writes it: its UTF-8 bytes after their length (a vint)."""
    encoded = _NAMES.get(name)
    return encoded if encoded is not None else _name_bytes(name)


def plain_cell_column(out: bytearray, name: str, timestamp: int, value: bytes) -> None:
    """A regular column set to ``value`` at ``timestamp`` (a live cell without TTL)."""
    _column_name(out, name)
    out += _REGULAR_CELL_HEAD.pack(_KIND_CELL, 0, timestamp)
    length = len(value)
    if length < 0x80:
        out.append(length)
    else:
        write_vint(out, length)
    out += value


def plain_tombstone_column(out: bytearray, name: str, timestamp: int, now: int) -> None:
    """A regular column set to null at ``timestamp``, deleted at ``now`` (seconds)."""
    _column_name(out, name)
    out += _REGULAR_CELL_HEAD.pack(_KIND_CELL, _CELL_TOMBSTONE, timestamp)
    out += _I32.pack(now)


def plain_list_column(
    out: bytearray, name: str, timestamp: int, now: int, paths: Sequence[bytes], values: Sequence[bytes]
) -> None:
    """A non-frozen list set to ``values`` (in list order, each under the cell path of the same index; none:
    the list set to null): its deletion at ``timestamp - 1``, then one live cell per element at
    ``timestamp``."""
    _column_name(out, name)
    out.append(_KIND_COMPLEX)
    out += _DELETION.pack(timestamp - 1, now)
    if len(values) < 0x80:
        out.append(len(values))
    else:
        write_vint(out, len(values))
    head = _CELL_HEAD.pack(0, timestamp)
    for path, value in zip(paths, values, strict=True):
        _write_bytes(out, path)
        out += head
        _write_bytes(out, value)


def plain_partition(key: bytes, token: int, rows: Sequence[bytes]) -> tuple[bytes, tuple[int, ...]]:
    """A partition of these rows (``write_row``'s bytes each, in clustering order) without deletion, static
    row or range tombstones: ``encode_partition``'s bytes and row bounds."""
    out = bytearray()
    write_partition_head(out, key, token, LIVE, None, ())
    if len(rows) < 0x80:
        out.append(len(rows))
    else:
        write_vint(out, len(rows))
    bounds = [len(out)]
    position = bounds[0]
    for row in rows:
        position += len(row)
        bounds.append(position)
    out += b"".join(rows)
    return bytes(out), tuple(bounds)


def write_partition(out: bytearray, partition: PartitionUpdate, row_bounds: list[int] | None = None) -> None:
    """Append ``partition``; with ``row_bounds``, append to it the offset in ``out`` where the rows start and
    where each one ends (so each row's bytes can be cut out: see ``encode_partition``)."""
    write_partition_head(
        out,
        partition.key,
        partition.token,
        partition.deletion,
        partition.static_row,
        partition.range_tombstones,
    )
    rows = partition.rows
    if len(rows) < 0x80:
        out.append(len(rows))
    else:
        write_vint(out, len(rows))
    if row_bounds is None:
        for row in rows:
            write_row(out, row)
    else:
        row_bounds.append(len(out))
        for row in rows:
            write_row(out, row)
            row_bounds.append(len(out))


def write_partition_head(
    out: bytearray,
    key: bytes,
    token: int,
    deletion: DeletionTime,
    static: Row | None,
    tombstones: Sequence[RangeTombstone],
) -> None:
    """Everything of a partition before its row count: key, token, deletion, static row, range tombstones."""
    if len(key) < 0x80:
        out.append(len(key))
    else:
        write_vint(out, len(key))
    out += key
    out += _PARTITION_HEAD.pack(
        token, deletion.marked_for_delete_at, deletion.local_deletion_time, static is not None
    )
    if static is not None:
        write_row(out, static)
    if tombstones:
        write_vint(out, len(tombstones))
        for rt in tombstones:
            for bound in (rt.start, rt.end):
                out.append(1 if bound.inclusive else 0)
                _write_clustering(out, bound.prefix)
            _write_deletion(out, rt.deletion)
    else:
        out.append(0)


def encode_partition(partition: PartitionUpdate) -> tuple[bytes, tuple[int, ...]]:
    """``serialize_partition``, and where each row's bytes (``write_row``'s) are in it: row ``i`` is
    ``data[bounds[i]:bounds[i + 1]]``. A memtable keeping a partition row by row cuts the rows out instead
    of encoding them again."""
    out = bytearray()
    bounds: list[int] = []
    write_partition(out, partition, bounds)
    return bytes(out), tuple(bounds)


def serialize_partition(partition: PartitionUpdate) -> bytes:
    out = bytearray()
    write_partition(out, partition)
    return bytes(out)


# ------------------------------------------------------------------------------------------ reading


class Reader:
    """A cursor over a buffer; every read names its field so corruption is reported precisely."""

    __slots__ = ("buffer", "end", "offset")

    def __init__(self, buffer: bytes | memoryview, offset: int = 0, end: int | None = None) -> None:
        self.buffer = buffer
        self.offset = offset
        self.end = len(buffer) if end is None else end

    def take(self, size: int, field: str) -> bytes:
        """The next ``size`` bytes."""
        start = self._need(size, field)
        return bytes(self.buffer[start : start + size])

    def _need(self, size: int, field: str) -> int:
        start = self.offset
        if start + size > self.end:
            raise CorruptDataError(field, start, f"needs {size} bytes, {self.end - start} left")
        self.offset = start + size
        return start

    def u8(self, field: str) -> int:
        return self.buffer[self._need(1, field)]

    def i64(self, field: str) -> int:
        return int(_I64.unpack_from(self.buffer, self._need(8, field))[0])

    def i32(self, field: str) -> int:
        return int(_I32.unpack_from(self.buffer, self._need(4, field))[0])

    def vint(self, field: str) -> int:
        result = 0
        shift = 0
        start = self.offset
        while True:
            if self.offset >= self.end or shift > 63:
                raise CorruptDataError(field, start, "unterminated varint")
            byte = self.buffer[self.offset]
            self.offset += 1
            result |= (byte & 0x7F) << shift
            if byte < 0x80:
                return result
            shift += 7

    def raw(self, field: str) -> bytes:
        length = self.vint(field)
        start = self._need(length, field)
        return bytes(self.buffer[start : start + length])

    def text(self, field: str) -> str:
        start = self.offset
        try:
            return self.raw(field).decode()
        except UnicodeDecodeError as error:
            raise CorruptDataError(field, start, "not UTF-8") from error

    def deletion(self, field: str) -> DeletionTime:
        at, ldt = _DELETION.unpack_from(self.buffer, self._need(12, field))
        return DeletionTime(at, ldt)


def _read_clustering(reader: Reader) -> Clustering:
    count = reader.vint("clustering size")
    return tuple(reader.raw("clustering component") for _ in range(count))


def _read_cell(reader: Reader) -> Cell:
    start = reader.offset
    flags = reader.u8("cell flags")
    if flags & ~(_CELL_TOMBSTONE | _CELL_EXPIRING | _CELL_COUNTER):
        raise CorruptDataError("cell flags", start, f"unknown flags {flags:#x}")
    timestamp = reader.i64("cell timestamp")
    ldt = (
        reader.i32("cell local deletion time")
        if flags & (_CELL_TOMBSTONE | _CELL_EXPIRING)
        else NO_DELETION_TIME
    )
    ttl = reader.vint("cell ttl") if flags & _CELL_EXPIRING else 0
    value: bytes | CounterValue | None
    if flags & _CELL_TOMBSTONE:
        value = None
    elif flags & _CELL_COUNTER:
        count = reader.vint("counter shard count")
        value = CounterValue(
            tuple(
                (reader.raw("counter shard"), reader.i64("counter clock"), reader.i64("counter count"))
                for _ in range(count)
            )
        )
    else:
        value = reader.raw("cell value")
    return Cell(value, timestamp, ttl, ldt)


def read_row(reader: Reader) -> Row:
    clustering = _read_clustering(reader)
    start = reader.offset
    flags = reader.u8("row flags")
    if flags & ~(_ROW_LIVENESS | _ROW_DELETION):
        raise CorruptDataError("row flags", start, f"unknown flags {flags:#x}")
    liveness = None
    if flags & _ROW_LIVENESS:
        liveness = LivenessInfo(
            reader.i64("row timestamp"), reader.vint("row ttl"), reader.i32("row expiration")
        )
    deletion = reader.deletion("row deletion") if flags & _ROW_DELETION else LIVE
    columns: dict[str, ColumnData] = {}
    for _ in range(reader.vint("row column count")):
        name = reader.text("column name")
        kind_at = reader.offset
        kind = reader.u8("column kind")
        if kind == _KIND_CELL:
            columns[name] = _read_cell(reader)
        elif kind == _KIND_COMPLEX:
            column_deletion = reader.deletion("collection deletion")
            cells = {}
            for _ in range(reader.vint("collection size")):
                path = reader.raw("collection path")
                cells[path] = _read_cell(reader)
            columns[name] = ComplexColumn(MappingProxyType(cells), column_deletion)
        else:
            raise CorruptDataError("column kind", kind_at, f"unknown kind {kind}")
    return Row(clustering, liveness, deletion, MappingProxyType(columns))


def read_partition(reader: Reader, *, rows: bool = True) -> PartitionUpdate:
    """The next partition; with ``rows=False`` only its header (deletion, static row, range tombstones):
    the reader stops before the rows."""
    key = reader.raw("partition key")
    token = reader.i64("partition token")
    deletion = reader.deletion("partition deletion")
    static = read_row(reader) if reader.u8("partition flags") & 1 else None
    tombstones = []
    for _ in range(reader.vint("range tombstone count")):
        start = _read_bound(reader, "range start")
        end = _read_bound(reader, "range end")
        tombstones.append(RangeTombstone(start, end, reader.deletion("range deletion")))
    if not rows:
        return PartitionUpdate(key, token, deletion, static, (), tuple(tombstones))
    decoded = tuple(read_row(reader) for _ in range(reader.vint("row count")))
    return PartitionUpdate(key, token, deletion, static, decoded, tuple(tombstones))


def _read_bound(reader: Reader, field: str) -> Bound:
    inclusive = reader.u8(f"{field} inclusive flag")
    return Bound(_read_clustering(reader), bool(inclusive))


def deserialize_partition(data: bytes | memoryview, *, rows: bool = True) -> PartitionUpdate:
    """One partition that is all of ``data`` (with ``rows=False``, just its header: see ``read_partition``)."""
    reader = Reader(data)
    partition = read_partition(reader, rows=rows)
    if rows and reader.offset != reader.end:
        raise CorruptDataError(
            "end of partition", reader.offset, f"{reader.end - reader.offset} bytes left over"
        )
    return partition
