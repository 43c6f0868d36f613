"""Plain writes: the rows of a batch that runs one simple prepared write many times, built in one pass.

A batch of one prepared statement executed with many value sets is what COPY FROM and bulk loaders send
(cqlsh's and cqlkit's COPY, the drivers' ``BatchStatement`` of one prepared insert). The general path
(``batch.execute``) builds each child on its own — a bind context, the timestamp and TTL, the partition key,
one ``PartitionUpdate`` in one ``Mutation`` — and then merges the children's updates of each partition
again (``per_partition``). For a **plain** write most of that is the same for every child, so here it is
worked out once per statement (``ModificationStatement.plain_write``) and once per batch, and each child
costs its key, its clustering and its cells, grouped straight into one update per partition. The rows are
written as bytes from the bound values (``serialization.plain_row``), into an ``EncodedPartitionUpdate``
that the commitlog and the memtable take as it is: no Row or Cell object is made on the way. The per-child
work (checking the values, writing the row bytes) is done in C by ``engine.db._plain_rows`` when that
extension is built (``native_plan`` is what it takes), and by ``_python_rows`` otherwise; the tests
compare the two byte for byte.

A write is plain when:

* it is an INSERT or UPDATE (not a DELETE), without conditions, on a table without counters;
* it has no ``USING TIMESTAMP``/``USING TTL`` (every child writes at the batch's timestamp, as the general
  path does), on a table without a default TTL (checked at each execution: expiring cells go the general
  way);
* every partition key and clustering column is restricted by ``= ?`` (one row per execution, no ``IN``,
  no multi-column relation);
* every assignment sets a regular (not static) column to a bound value taken as it comes
  (``modification._direct_setter``, decision 36): a plain column or a non-frozen list of such elements.

The result is the general path's: the same rows with the same cells, each partition's rows in clustering
order, the partitions in the order the batch first names them, one ``Mutation`` per partition. Whatever the
general path would answer other than that — a null or unset key value, a value its type refuses, a key too
long or empty, two children writing the same row (reconciled there), a default TTL — makes ``mutations``
return None, and
the batch is built by the general path, which gives Cassandra's error or reconciliation exactly.
"""

from __future__ import annotations

import enum
import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from engine.cql.ast import Operator
from engine.cql3 import keys
from engine.cql3.cells import CellFactory
from engine.cql3.statements.base import ExecutionContext
from engine.cql3.statements.batch_limits import CELL_OVERHEAD, DELETION_SIZE, LIVENESS_SIZE
from engine.cql3.statements.modification import ModificationStatement
from engine.cql3.terms import Marker
from engine.db.encoded_update import EncodedPartitionUpdate
from engine.db.mutation import Mutation
from engine.db.rows import Clustering, ClusteringKey
from engine.db.serialization import (
    column_name_bytes,
    plain_cell_column,
    plain_list_column,
    plain_partition,
    plain_row,
    plain_tombstone_column,
)
from engine.dht.murmur3_partitioner import composite_key, get_token
from engine.errors import InvalidRequest
from engine.schema.metadata import TableMetadata
from engine.schema.types import AsciiType, CqlType, ListType, TextType
from engine.service.query_options import UNSET, BoundValue, QueryOptions

MAX_KEY_LENGTH = keys.MAX_KEY_LENGTH
_NOTHING_TIMED = 2**63  # PartitionUpdate.min_timestamp of a partition holding no timestamp


#: a row built from one child: its partition key, clustering, row bytes, data size, whether it holds a timestamp
_BuiltRow = tuple[bytes, Clustering, bytes, int, bool]

try:  # the rows built in C (engine/db/_plain_rows.c): the same building as _python_rows, for speed only
    from engine.db import _plain_rows as native_rows
except ImportError:  # installed without a C compiler
    native_rows = None  # type: ignore[assignment]


#: (value index, _CheckKind, fixed length or -1, allows empty, validate): how the C builder checks a value
_Check = tuple[int, int, int, bool, Callable[[bytes], None]]


class _NotPlain(Exception):
    """This batch's values need the general path (an error to raise, or rows to reconcile)."""


@dataclass(frozen=True, slots=True)
class _Bound:
    """How a bound value of a plain write is checked: its index among the values, and its type's check (a
    fixed length, when the type has one, else ``validate``); for a non-frozen list, ``elements`` gives the
    validated elements of its bytes."""

    index: int
    fixed_length: int | None
    allows_empty: bool
    validate: Callable[[bytes], None]
    #: the same check as the C row builder takes it (``_check``)
    check: _Check
    elements: Callable[[bytes], list[bytes]] | None = None
    element_check: _Check | None = None  # a list's elements'

    @staticmethod
    def of(index: int, column_type: CqlType) -> _Bound:
        is_list = isinstance(column_type, ListType)
        return _Bound(
            index,
            column_type.fixed_length,
            column_type.allows_empty,
            column_type.validate,
            _check(index, column_type),
            elements=column_type.validated_elements if is_list else None,  # type: ignore[attr-defined]
            element_check=_check(-1, column_type.element) if is_list else None,  # type: ignore[attr-defined]
        )


class _CheckKind(enum.IntEnum):
    """How the C row builder checks a value (``_plain_rows.c``): what ``CqlType.validate`` checks."""

    FIXED = 0  # exactly fixed_length bytes, or none when the type allows empty values
    UTF8 = 1  # text: what bytes.decode("utf-8") accepts
    ASCII = 2  # ascii: no byte above 0x7F
    CALL = 3  # any other type: its validate is called


def _check(index: int, column_type: CqlType) -> _Check:
    if column_type.fixed_length is not None:
        kind = _CheckKind.FIXED
    elif type(column_type) is TextType:
        kind = _CheckKind.UTF8
    elif type(column_type) is AsciiType:
        kind = _CheckKind.ASCII
    else:
        kind = _CheckKind.CALL
    fixed = column_type.fixed_length if column_type.fixed_length is not None else -1
    return (index, int(kind), fixed, column_type.allows_empty, column_type.validate)


def _key(raw: BoundValue, bound: _Bound) -> bytes:
    """A key column's bytes, checked; a null, unset or invalid value is the general path's error."""
    if raw.__class__ is not bytes:
        raise _NotPlain
    fixed = bound.fixed_length
    if fixed is None:
        bound.validate(raw)  # type: ignore[arg-type]
    elif len(raw) != fixed and (raw or not bound.allows_empty):  # type: ignore[arg-type]
        raise _NotPlain
    return raw  # type: ignore[return-value]


@dataclass(frozen=True)
class PlainWrite:
    """What a plain write needs to build its rows: where its values are, and how each is checked."""

    table: TableMetadata
    is_insert: bool
    partition_key: tuple[_Bound, ...]
    clustering: tuple[_Bound, ...]
    #: (column name, its bound value) per assignment, in the statement's order
    columns: tuple[tuple[str, _Bound], ...]
    order: ClusteringKey

    def mutations(
        self,
        ctx: ExecutionContext,
        children: Sequence[Sequence[BoundValue]],
        timestamp: int,
        options: QueryOptions,
    ) -> list[Mutation] | None:
        """One mutation per partition the children write, or None when the general path must build them."""
        try:
            return self._mutations(ctx, children, timestamp, options)
        except (_NotPlain, InvalidRequest, ValueError, IndexError):
            return None

    @functools.cached_property
    def native_plan(self) -> tuple[object, ...]:
        """The plan the C row builder takes (``engine.db._plain_rows``, whose comment describes it)."""
        return (
            tuple(bound.check for bound in self.partition_key),
            tuple(bound.check for bound in self.clustering),
            tuple(
                (column_name_bytes(name), bound.check, bound.element_check) for name, bound in self.columns
            ),
            (LIVENESS_SIZE + DELETION_SIZE, CELL_OVERHEAD, DELETION_SIZE),
        )

    def _mutations(
        self,
        ctx: ExecutionContext,
        children: Sequence[Sequence[BoundValue]],
        timestamp: int,
        options: QueryOptions,
    ) -> list[Mutation]:
        table = self.table
        if table.params.default_time_to_live > 0:
            raise _NotPlain  # expiring cells: the general path writes them
        now = ctx.bind_context(options).now_seconds
        cells = CellFactory(timestamp, 0, now)
        marker = timestamp if self.is_insert else None  # an INSERT's row marker
        native = native_rows
        if native is not None:
            built = native.build(
                children, self.native_plan, marker, timestamp, now, cells.append_prefix, cells.sequence, UNSET
            )
            if built is None:
                raise _NotPlain
        else:
            built = self._python_rows(children, cells, marker, timestamp, now)
        # per partition, its rows: (key, clustering, row bytes, data size, whether the row holds a timestamp)
        partitions: dict[bytes, list[_BuiltRow]] = {}
        for row in built:
            rows = partitions.get(row[0])
            if rows is None:
                partitions[row[0]] = [row]
            else:
                rows.append(row)
        order = self.order
        mutations = []
        for key, rows in partitions.items():
            sort_keys = [order(row[1]) for row in rows]
            if len(rows) > 1:
                ordered = sorted(range(len(rows)), key=sort_keys.__getitem__)
                if any(sort_keys[a] == sort_keys[b] for a, b in itertools.pairwise(ordered)):
                    raise _NotPlain  # two children write one row: reconciled by the general path
                rows = [rows[i] for i in ordered]
                sort_keys = [sort_keys[i] for i in ordered]
            token = get_token(key)
            data, bounds = plain_partition(key, token, [row[2] for row in rows])
            update = EncodedPartitionUpdate(
                key,
                token,
                data,
                bounds,
                [row[1] for row in rows],
                sort_keys,
                timestamp if marker is not None or any(row[4] for row in rows) else _NOTHING_TIMED,
                LIVENESS_SIZE + DELETION_SIZE + sum(row[3] for row in rows),  # and the static row's
            )
            mutations.append(Mutation(table.keyspace, key, ((table.id, update),)))
        return mutations

    def _python_rows(
        self,
        children: Sequence[Sequence[BoundValue]],
        cells: CellFactory,
        marker: int | None,
        timestamp: int,
        now: int,
    ) -> list[_BuiltRow]:
        """What ``_plain_rows.build`` returns, in Python: one row per child that writes one (raises
        _NotPlain where that returns None)."""
        list_paths = cells.list_paths
        built: list[_BuiltRow] = []
        key_columns = self.partition_key
        clustering_columns = self.clustering
        columns_written = self.columns
        single_key = key_columns[0] if len(key_columns) == 1 else None
        for values in children:
            if single_key is not None:
                key = _key(values[single_key.index], single_key)
                if not key or len(key) > MAX_KEY_LENGTH:
                    raise _NotPlain
            else:
                key = composite_key([_key(values[b.index], b) for b in key_columns])
                if len(key) > MAX_KEY_LENGTH:
                    raise _NotPlain
            clustering = tuple([_key(values[b.index], b) for b in clustering_columns])
            # What modification._direct_setter writes: a null deletes (a tombstone, or the list's deletion
            # alone), an unset value writes nothing; a value the column's type refuses is the general
            # path's error. The size is batch_limits' count of the same row.
            columns = bytearray()
            count = 0
            size = sum(map(len, clustering)) + LIVENESS_SIZE + DELETION_SIZE
            timed = marker is not None
            for name, bound in columns_written:
                raw = values[bound.index]
                if raw.__class__ is bytes:
                    elements = bound.elements
                    if elements is not None:
                        items = elements(raw)  # type: ignore[arg-type]
                        paths = list_paths(len(items))
                        plain_list_column(columns, name, timestamp, now, paths, items)
                        size += (
                            DELETION_SIZE
                            + len(items) * CELL_OVERHEAD
                            + sum(map(len, paths))
                            + sum(map(len, items))
                        )
                        timed = timed or bool(items)
                    else:
                        fixed = bound.fixed_length
                        if fixed is None:
                            bound.validate(raw)  # type: ignore[arg-type]
                        elif len(raw) != fixed and (raw or not bound.allows_empty):  # type: ignore[arg-type]
                            raise _NotPlain
                        plain_cell_column(columns, name, timestamp, raw)  # type: ignore[arg-type]
                        size += CELL_OVERHEAD + len(raw)  # type: ignore[arg-type]
                        timed = True
                elif raw is None:
                    if bound.elements is not None:
                        plain_list_column(columns, name, timestamp, now, (), ())
                        size += DELETION_SIZE
                    else:
                        plain_tombstone_column(columns, name, timestamp, now)
                        size += CELL_OVERHEAD
                        timed = True
                elif raw is UNSET:
                    continue
                else:
                    raise _NotPlain
                count += 1
            if not count and marker is None:
                continue  # an UPDATE setting only unset values writes nothing
            built.append((key, clustering, plain_row(clustering, marker, count, bytes(columns)), size, timed))
        return built


def plain_write_of(statement: ModificationStatement) -> PlainWrite | None:
    """The plain write ``statement`` is, or None (``ModificationStatement.plain_write`` keeps it)."""
    table = statement.table_metadata
    restrictions = statement.restrictions
    if (
        statement.is_delete
        or statement.is_conditional
        or table.is_counter
        or statement.timestamp is not None
        or statement.ttl is not None
        or restrictions.multi
        or restrictions.tokens
        or restrictions.others
    ):
        return None
    partition_key = _key_markers(table.partition_key, restrictions.partition)
    clustering = _key_markers(table.clustering, restrictions.clustering)
    if partition_key is None or clustering is None:
        return None
    columns = []
    for assignment, name, is_static, direct in statement.assignment_plan:
        if direct is None or is_static or assignment.column.type.is_counter:
            return None
        marker = assignment.value
        assert isinstance(marker, Marker)  # a direct setter sets a bound value
        columns.append((name, _Bound.of(marker.index, assignment.column.type)))
    if statement.reads_lists:
        return None
    return PlainWrite(
        table,
        statement.is_insert,
        partition_key,
        clustering,
        tuple(columns),
        keys.clustering_comparator(table),
    )


def _key_markers(columns: Sequence[Any], restricted: dict[str, list[Any]]) -> tuple[_Bound, ...] | None:
    """The bound value of each column, when each is restricted by exactly one ``= ?`` of its own type
    (whose bytes are canonical); None otherwise."""
    out = []
    for column in columns:
        found = restricted.get(column.name, ())
        if len(found) != 1:
            return None
        restriction = found[0]
        marker = restriction.value
        column_type = column.type
        if (
            restriction.operator is not Operator.EQ
            or restriction.values is not None
            or not isinstance(marker, Marker)
            or not column_type.bytes_are_canonical
            or marker.type != column_type
        ):
            return None
        out.append(_Bound.of(marker.index, column_type))
    if len(restricted) != len(columns):
        return None
    return tuple(out)
