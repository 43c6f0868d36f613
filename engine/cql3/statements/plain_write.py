"""Plain writes: the rows of a batch that runs one simple prepared write many times, built in one pass.

A batch of one prepared statement executed with many value sets is what COPY FROM and bulk loaders send
(cqlsh's and cqlkit's COPY, the drivers' ``BatchStatement`` of one prepared insert). The general path
(``batch.execute``) builds each child on its own — a bind context, the timestamp and TTL, the partition key,
one ``PartitionUpdate`` in one ``Mutation`` — and then merges the children's updates of each partition
again (``per_partition``). For a **plain** write most of that is the same for every child, so here it is
worked out once per statement (``ModificationStatement.plain_write``) and once per batch, and each child costs its key, its
clustering and its cells, grouped straight into one update per partition.

A write is plain when:

* it is an INSERT or UPDATE (not a DELETE), without conditions, on a table without counters;
* it has no ``USING TIMESTAMP``/``USING TTL`` (every child writes at the batch's timestamp and the table's
  default TTL, as the general path does);
* every partition key and clustering column is restricted by ``= ?`` (one row per execution, no ``IN``,
  no multi-column relation);
* every assignment sets a regular (not static) column to a bound value taken as it comes
  (``modification._direct_setter``, decision 36): a plain column or a non-frozen list of such elements.

The result is the general path's: the same rows with the same cells, each partition's rows in clustering
order, the partitions in the order the batch first names them, one ``Mutation`` per partition. Whatever the
general path would answer other than that — a null or unset key value, a value its type refuses, a key too
long or empty, two children writing the same row (reconciled there) — makes ``mutations`` return None, and
the batch is built by the general path, which gives Cassandra's error or reconciliation exactly.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from engine.cql.ast import Operator
from engine.cql3 import keys
from engine.cql3.cells import CellFactory
from engine.cql3.statements.base import ExecutionContext
from engine.cql3.statements.modification import DirectSetter, ModificationStatement
from engine.cql3.terms import Marker, validated_by
from engine.db.mutation import Mutation
from engine.db.rows import LIVE, ClusteringKey, PartitionUpdate, Row
from engine.dht.murmur3_partitioner import composite_key, get_token
from engine.errors import InvalidRequest
from engine.schema.metadata import TableMetadata
from engine.service.query_options import UNSET, BoundValue, QueryOptions

MAX_KEY_LENGTH = keys.MAX_KEY_LENGTH


class _Values:
    """The bound values of one child, as the direct setters read them (``BindContext.value``)."""

    __slots__ = ("values",)

    def __init__(self, values: Sequence[BoundValue]) -> None:
        self.values = values

    def value(self, index: int) -> BoundValue:
        return self.values[index]


class _NotPlain(Exception):
    """This batch's values need the general path (an error to raise, or rows to reconcile)."""


@dataclass(frozen=True)
class PlainWrite:
    """What a plain write needs to build its rows: where its key values are, and its setters."""

    table: TableMetadata
    is_insert: bool
    #: (bound value index, check) per partition key column, then per clustering column
    partition_key: tuple[tuple[int, Callable[[bytes], bytes]], ...]
    clustering: tuple[tuple[int, Callable[[bytes], bytes]], ...]
    #: (column name, direct setter) per assignment, in the statement's order
    setters: tuple[tuple[str, DirectSetter], ...]
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

    def _mutations(
        self,
        ctx: ExecutionContext,
        children: Sequence[Sequence[BoundValue]],
        timestamp: int,
        options: QueryOptions,
    ) -> list[Mutation]:
        table = self.table
        bind = ctx.bind_context(options)
        cells = CellFactory(timestamp, table.params.default_time_to_live, bind.now_seconds)
        liveness = cells.liveness() if self.is_insert else None
        key_columns = self.partition_key
        clustering_columns = self.clustering
        setters = self.setters
        single_key = len(key_columns) == 1
        partitions: dict[bytes, list[Row]] = {}
        for values in children:
            if single_key:
                index, check = key_columns[0]
                key = _checked(values[index], check)
                if not key or len(key) > MAX_KEY_LENGTH:
                    raise _NotPlain
            else:
                key = composite_key([_checked(values[i], check) for i, check in key_columns])
                if len(key) > MAX_KEY_LENGTH:
                    raise _NotPlain
            clustering = tuple([_checked(values[i], check) for i, check in clustering_columns])
            columns: dict[str, Any] = {}
            bound = _Values(values)
            for name, setter in setters:
                data = setter(bound, cells)  # type: ignore[arg-type]
                if data is not None:
                    columns[name] = data
            if not columns and liveness is None:
                continue  # an UPDATE setting only unset values writes nothing
            row = Row(clustering, liveness, LIVE, MappingProxyType(columns))
            rows = partitions.get(key)
            if rows is None:
                partitions[key] = [row]
            else:
                rows.append(row)
        order = self.order
        mutations = []
        for key, rows in partitions.items():
            if len(rows) > 1:
                ordered = sorted((order(row.clustering), i) for i, row in enumerate(rows))
                if any(a[0] == b[0] for a, b in itertools.pairwise(ordered)):
                    raise _NotPlain  # two children write one row: reconciled by the general path
                rows = [rows[i] for _, i in ordered]
            update = PartitionUpdate(key, get_token(key), LIVE, None, tuple(rows))
            mutations.append(Mutation(table.keyspace, key, ((table.id, update),)))
        return mutations


def _checked(raw: BoundValue, check: Callable[[bytes], bytes]) -> bytes:
    if raw is None or raw is UNSET:
        raise _NotPlain  # a null or unset key value: the general path's error
    return check(raw)  # type: ignore[arg-type]


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
    setters = []
    for assignment, name, is_static, direct in statement.assignment_plan:
        if direct is None or is_static or assignment.column.type.is_counter:
            return None
        setters.append((name, direct))
    if statement.reads_lists:
        return None
    return PlainWrite(
        table,
        statement.is_insert,
        partition_key,
        clustering,
        tuple(setters),
        keys.clustering_comparator(table),
    )


def _key_markers(
    columns: Sequence[Any], restricted: dict[str, list[Any]]
) -> tuple[tuple[int, Callable[[bytes], bytes]], ...] | None:
    """(bound value index, check) of each column, when each is restricted by exactly one ``= ?`` of its
    own type (whose bytes are canonical); None otherwise."""
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
        out.append((marker.index, validated_by(column_type)))
    if len(restricted) != len(columns):
        return None
    return tuple(out)
