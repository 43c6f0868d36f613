"""CQL values ⇄ storage cells: how columns of each kind are written and read back.

* A regular column is one :class:`~engine.db.rows.Cell` holding the value's serialized bytes.
* A non-frozen collection or user type is a :class:`~engine.db.rows.ComplexColumn`, one cell per
  element: a set element is the path (the cell's value is empty), a map entry is ``key path → value``,
  a user type field is ``field position (2-byte short) → value`` (as Cassandra's ``UserType`` cell
  paths), and a list element's path is a 16-byte time-ordered id (below). Overwriting the whole
  collection writes a complex deletion at ``timestamp - 1`` first, so the old elements are shadowed
  and the new ones (at ``timestamp``) are not.
* **List paths.** Cassandra keys list cells by a TimeUUID; cqlkit uses 16 bytes that sort by unsigned
  byte order in list order: 8 bytes big-endian ``2**63 + t``, where ``t`` is the write timestamp (µs)
  times 1024 for appends and its negation for prepends (so a later prepend lands before an earlier one,
  as in Cassandra's ``PrecisionTime`` for prepends), then 8 bytes of a per-process sequence ``n`` that
  only grows (``2**64 - 1 - n`` for prepends): elements written at one timestamp keep the order they were
  written in (a prepend writes its elements last first). Paths written before the sequence moved out of
  the first 8 bytes (``t`` plus the sequence modulo 1024 there) still sort among these by timestamp.
* A counter is a cell holding a :class:`~engine.db.rows.CounterValue`; an update reads the node's
  shard and writes it back with the next clock and the new count (Cassandra's counter leader).

Reading turns a merged partition into column values (Python values), dropping what is expired or
deleted at the read's ``now``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from engine.db.rows import (
    NO_DELETION_TIME,
    Cell,
    ColumnData,
    ComplexColumn,
    CounterValue,
    DeletionTime,
    LivenessInfo,
    Row,
)
from engine.schema.metadata import ColumnMetadata
from engine.schema.types import CqlType

EMPTY = b""
_LIST_OFFSET = 2**63
_MAX_SEQUENCE = 2**64 - 1


class CellFactory:
    """Makes the cells of one write: its timestamp, TTL and ``now`` (seconds) are fixed."""

    #: numbers the cell paths of list elements in this process, in the order they are written (list_path);
    #: the plain-write row builder (engine.db._plain_rows) draws from it too
    sequence = itertools.count()

    def __init__(self, timestamp: int, ttl: int, now: int) -> None:
        self.timestamp = timestamp
        self.ttl = ttl
        self.now = now
        #: the first 8 bytes of the path of every element this write appends to a list (see list_path)
        self.append_prefix = (_LIST_OFFSET + timestamp * 1024).to_bytes(8, "big")

    def live(self, value: bytes) -> Cell:
        if self.ttl > 0:
            return Cell(value, self.timestamp, self.ttl, self.now + self.ttl)
        return Cell(value, self.timestamp)

    def tombstone(self) -> Cell:
        return Cell(None, self.timestamp, 0, self.now)

    def liveness(self) -> LivenessInfo:
        if self.ttl > 0:
            return LivenessInfo(self.timestamp, self.ttl, self.now + self.ttl)
        return LivenessInfo(self.timestamp)

    def row_deletion(self) -> DeletionTime:
        return DeletionTime(self.timestamp, self.now)

    def collection_deletion(self) -> DeletionTime:
        return DeletionTime(self.timestamp - 1, self.now)

    def list_paths(self, count: int) -> list[bytes]:
        """The paths of ``count`` elements appended in this order (``list_path`` each)."""
        sequence, prefix = self.sequence, self.append_prefix
        return [prefix + next(sequence).to_bytes(8, "big") for _ in range(count)]

    def list_path(self, prepend: bool = False) -> bytes:
        n = next(self.sequence)
        if not prepend:
            return self.append_prefix + n.to_bytes(8, "big")
        return (_LIST_OFFSET - self.timestamp * 1024).to_bytes(8, "big") + (_MAX_SEQUENCE - n).to_bytes(
            8, "big"
        )

    # ------------------------------------------------------------------------ whole column values

    def column_value(self, column: ColumnMetadata, value: object | None) -> ColumnData:
        """The data that sets ``column`` to ``value`` (None: delete it)."""
        column_type = column.type
        if not column_type.is_multi_cell:
            if value is None:
                return self.tombstone()
            return self.live(column_type.serialize(value))
        deletion = self.collection_deletion()
        if value is None:
            return ComplexColumn(MappingProxyType({}), deletion)
        return ComplexColumn(MappingProxyType(dict(self.elements(column_type, value))), deletion)

    def list_from_elements(self, elements: list[bytes] | None) -> ComplexColumn:
        """A non-frozen list set to these element bytes (None: the list deleted), in list order."""
        deletion = self.collection_deletion()
        if elements is None:
            return ComplexColumn(MappingProxyType({}), deletion)
        if self.ttl > 0:
            cells = {self.list_path(): self.live(e) for e in elements}
        else:
            sequence, prefix, timestamp = self.sequence, self.append_prefix, self.timestamp
            cells = {prefix + next(sequence).to_bytes(8, "big"): Cell(e, timestamp) for e in elements}
        return ComplexColumn(MappingProxyType(cells), deletion)

    def elements(self, column_type: CqlType, value: object) -> Iterable[tuple[bytes, Cell]]:
        """The cells (path → cell) of a collection or user type value."""
        kind = getattr(column_type, "kind_name", None)
        if kind == "list":
            element = column_type.element  # type: ignore[attr-defined]
            for item in value:  # type: ignore[attr-defined]
                yield self.list_path(), self.live(element.serialize(item))
        elif kind == "set":
            element = column_type.element  # type: ignore[attr-defined]
            for item in value:  # type: ignore[attr-defined]
                yield element.serialize(item), self.live(EMPTY)
        elif kind == "map":
            key_type, value_type = column_type.key, column_type.value  # type: ignore[attr-defined]
            for k, v in _items(value):
                yield key_type.serialize(k), self.live(value_type.serialize(v))
        else:  # a non-frozen user type
            for position, field_type in enumerate(column_type.field_types):  # type: ignore[attr-defined]
                field_value = _field(value, column_type.field_names[position], position)  # type: ignore[attr-defined]
                path = position.to_bytes(2, "big")
                if field_value is None:
                    yield path, self.tombstone()
                else:
                    yield path, self.live(field_type.serialize(field_value))


def _items(value: object) -> Iterable[tuple[object, object]]:
    if isinstance(value, Mapping):
        return value.items()
    return value  # type: ignore[return-value]


def _field(value: object, name: str, position: int) -> object:
    if isinstance(value, Mapping):
        return value.get(name)
    if hasattr(value, name):
        return getattr(value, name)
    seq = list(value)  # type: ignore[call-overload]
    return seq[position] if position < len(seq) else None


def counter_cell(current: Cell | None, shard: bytes, delta: int, timestamp: int) -> Cell:
    """The node's counter shard advanced by ``delta`` (read-before-write on the counter leader)."""
    clock, count = 0, 0
    if current is not None and isinstance(current.value, CounterValue):
        for shard_id, shard_clock, shard_count in current.value.shards:
            if shard_id == shard:
                clock, count = shard_clock, shard_count
    return Cell(CounterValue(((shard, clock + 1, count + delta),)), timestamp)


# ------------------------------------------------------------------------------------------ reads


def live_value(column: ColumnMetadata, data: ColumnData | None, now: int) -> bytes | None:
    """The column's serialized value in a read at ``now``, None when null/deleted/expired."""
    if data is None:
        return None
    column_type = column.type
    if isinstance(data, Cell):
        if not data.is_live(now):
            return None
        value = data.value
        if isinstance(value, CounterValue):
            return value.total.to_bytes(8, "big", signed=True)
        return value  # type: ignore[return-value]
    cells = [(path, cell) for path, cell in data.cells.items() if cell.is_live(now)]
    if not cells:
        return None
    kind = getattr(column_type, "kind_name", None)
    if kind == "list":
        cells.sort()
        element = column_type.element  # type: ignore[attr-defined]
        return column_type.serialize([element.deserialize(c.value) for _, c in cells])  # type: ignore[arg-type]
    if kind == "set":
        element = column_type.element  # type: ignore[attr-defined]
        return column_type.serialize({_hashable(element.deserialize(p)) for p, _ in cells})
    if kind == "map":
        key_type, value_type = column_type.key, column_type.value  # type: ignore[attr-defined]
        return column_type.serialize(
            [(key_type.deserialize(p), value_type.deserialize(c.value)) for p, c in cells]  # type: ignore[arg-type]
        )
    fields: list[object | None] = [None] * len(column_type.field_types)  # type: ignore[attr-defined]
    for path, cell in cells:
        position = int.from_bytes(path, "big")
        if position < len(fields):
            fields[position] = column_type.field_types[position].deserialize(cell.value)  # type: ignore[attr-defined]
    return column_type.serialize(tuple(fields))


def _hashable(value: object) -> object:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


def cell_timestamp(data: ColumnData | None, now: int) -> tuple[int | None, int | None]:
    """(writetime, ttl remaining) of a simple column, as ``writetime()``/``ttl()`` report them."""
    if not isinstance(data, Cell) or not data.is_live(now):
        return None, None
    ttl = (
        data.local_deletion_time - now
        if data.ttl > 0 and data.local_deletion_time != NO_DELETION_TIME
        else None
    )
    return data.timestamp, ttl


def cell_timestamps(
    column_type: CqlType, data: ColumnData | None, now: int, *, ttl: bool
) -> list[int | None]:
    """The writetime (or remaining TTL) of each element of a non-frozen collection or user type, in the
    column's element order (Cassandra's ``ColumnTimestamps.MultipleTimestamps``): a user type has one entry
    per field (None where the field has no live cell), a TTL is None for a cell that does not expire."""
    if not isinstance(data, ComplexColumn):
        return []
    live = [(path, cell) for path, cell in data.cells.items() if cell.is_live(now)]

    def stamp(cell: Cell) -> int | None:
        if not ttl:
            return cell.timestamp
        if cell.ttl > 0 and cell.local_deletion_time != NO_DELETION_TIME:
            return cell.local_deletion_time - now
        return None

    if column_type.is_udt:
        by_position = {int.from_bytes(path, "big"): cell for path, cell in live}
        if not by_position:
            return []
        size = len(column_type.field_types)  # type: ignore[attr-defined]
        return [stamp(by_position[i]) if i in by_position else None for i in range(size)]
    kind = getattr(column_type, "kind_name", None)
    if kind == "list":
        live.sort(key=lambda item: item[0])
    else:
        key_type = column_type.key if kind == "map" else column_type.element  # type: ignore[attr-defined]
        live.sort(key=lambda item: key_type.sort_key(item[0]))
    return [stamp(cell) for _, cell in live]


def row_is_live(row: Row, now: int) -> bool:
    return row.is_live(now)
