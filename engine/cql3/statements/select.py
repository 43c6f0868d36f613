"""SELECT: restrictions → partitions → rows → selection → (aggregation) → a page of results.

Execution reads the partitions the restrictions name (point reads for ``=``/``IN`` on the partition
key, a token-ordered scan otherwise), turns each merged partition into CQL rows at the read's ``now``
(expired and deleted data dropped; a partition with only static data yields one row when nothing
restricts the clustering, as in Cassandra), filters them, orders them (clustering order, reversed by
``ORDER BY``), applies ``PER PARTITION LIMIT``, ``LIMIT`` and paging, and evaluates the selectors.

**Paging state** (opaque to clients): ``vint-free`` simple framing of the last row returned —
``[2-byte length][partition key][1-byte n][n times (2-byte length, clustering value)][4-byte rows sent]`` —
so the next page resumes after that row (Cassandra's ``PagingState`` records the same position).
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

from engine.cql import ast
from engine.cql3 import ann, keys, masking, terms
from engine.cql3.cells import live_value
from engine.cql3.restrictions import Restrictions
from engine.cql3.selection import Selection
from engine.cql3.statements.base import ClientState, ExecutionContext, Prepared
from engine.cql3.terms import BindContext, Term
from engine.db.rows import PartitionUpdate
from engine.db.slices import Slices
from engine.dht.murmur3_partitioner import MAX_TOKEN
from engine.errors import InvalidRequest, Unauthorized
from engine.schema import system_schema
from engine.schema.metadata import TableMetadata
from engine.schema.system_tables import STORED_SYSTEM_TABLES
from engine.service.query_options import QueryOptions
from engine.service.results import ResultMessage, Rows

DEFAULT_PAGE_SIZE = None


@dataclass
class CqlRow:
    """One row of a read: serialized values by column name, plus cell metadata for writetime/ttl."""

    partition_key: bytes
    clustering: tuple[bytes, ...]
    values: dict[str, bytes | None]
    cells: dict[str, object] = field(default_factory=dict)


@dataclass
class SelectStatement(Prepared):
    table_metadata: TableMetadata
    restrictions: Restrictions
    selection: Selection
    reversed: bool = False
    limit: Term | None = None
    per_partition_limit: Term | None = None
    distinct: bool = False
    order_by_in: bool = False
    json: bool = False
    group_by: tuple[str, ...] = ()
    ann_ordering: ann.AnnOrdering | None = None

    def execute(self, ctx: ExecutionContext, client: ClientState, options: QueryOptions) -> ResultMessage:
        bind = ctx.bind_context(options)
        limit = self._bound_limit(self.limit, bind)
        per_partition = self._bound_limit(self.per_partition_limit, bind)
        page_size = options.page_size if options.page_size and options.page_size > 0 else None
        unmask = self._unmask(ctx, client)
        if self.ann_ordering is not None:
            return self._execute_ann(ctx, bind, options, limit, per_partition, page_size, unmask)
        resume = _decode_paging_state(options.paging_state) if options.paging_state else None
        rows = self._rows(ctx, bind, options, per_partition, resume)
        if not unmask:
            rows = _masked(self.table_metadata, rows)
        if self.order_by_in and len(self.restrictions.partition_keys(bind)) > 1:
            if page_size is not None:
                raise InvalidRequest(
                    "Cannot page queries with both ORDER BY and a IN restriction on the partition key; you must "
                    "either remove the ORDER BY or the IN and sort client side, or disable paging for this query"
                )
            # Rows of several partitions ordered by clustering (SelectStatement's post-query ordering).
            sort_key = keys.clustering_comparator(self.table_metadata)
            rows = iter(sorted(rows, key=lambda r: sort_key(r.clustering), reverse=self.reversed))
        if self.selection.is_aggregate or self.group_by:
            r = self.restrictions
            if not r.partition and not r.tokens:
                ctx.warnings.append("Aggregation query used without partition key")
            elif any(x.operator is ast.Operator.IN for xs in r.partition.values() for x in xs):
                ctx.warnings.append("Aggregation query used on multiple partition keys (IN restriction)")
            if self.group_by:
                values = []
                for _, group in itertools.groupby(
                    rows, key=lambda r: tuple(r.values.get(c) for c in self.group_by)
                ):
                    values.extend(self.selection.aggregate(group, bind))
                    if limit is not None and len(values) >= limit:
                        break
            else:
                values = self.selection.aggregate(rows, bind)
            return ResultMessage(Rows(self.selection.columns, tuple(values)), tuple(ctx.warnings))
        sent_before = resume[2] if resume else 0
        out: list[tuple[bytes | None, ...]] = []
        last: CqlRow | None = None
        remaining = None if limit is None else max(limit - sent_before, 0)
        paging_state = None
        for row in rows:
            if remaining is not None and len(out) >= remaining:
                break
            out.append(self.selection.row(row, bind))
            last = row
            if page_size is not None and len(out) >= page_size:
                # A full page has a paging state unless the LIMIT is reached, whether or not rows follow:
                # Cassandra's pagers do not read ahead (DataLimits.isExhausted: counted < count), so a
                # driver may fetch one last, empty page.
                if remaining is None or len(out) < remaining:
                    paging_state = _encode_paging_state(
                        last.partition_key, last.clustering, sent_before + len(out)
                    )
                break
        return ResultMessage(Rows(self.selection.columns, tuple(out), paging_state), tuple(ctx.warnings))

    def _execute_ann(
        self,
        ctx: ExecutionContext,
        bind: BindContext,
        options: QueryOptions,
        limit: int | None,
        per_partition: int | None,
        page_size: int | None,
        unmask: bool,
    ) -> ResultMessage:
        """An ANN query (``engine.cql3.ann``): the exact top-k of the rows the WHERE clause selects, in
        one page without a paging state."""
        assert self.ann_ordering is not None
        top = ann.check_execution(
            aggregate=self.selection.is_aggregate or bool(self.group_by),
            consistency=options.consistency,
            limit=limit,
            per_partition_limit=per_partition,
            page_size=page_size,
        )
        ctx.warnings.extend(top.warnings)
        read = dataclasses.replace(options, consistency=top.consistency, paging_state=None)
        rows = ann.top_k(self.ann_ordering, self._rows(ctx, bind, read, None, None), bind, top.limit)
        if not unmask:
            rows = list(_masked(self.table_metadata, iter(rows)))
        out = tuple(self.selection.row(row, bind) for row in rows)
        return ResultMessage(Rows(self.selection.columns, out), tuple(ctx.warnings))

    def _unmask(self, ctx: ExecutionContext, client: ClientState) -> bool:
        """Whether this read sees masked columns unmasked (``SelectStatement.execute``: no masked column,
        or UNMASK on the table); first ``authorize``'s check that a user without UNMASK nor SELECT_MASKED
        does not restrict a masked column."""
        table = self.table_metadata
        if not table.has_masked_columns:
            return True
        if ctx.can_unmask is None or ctx.can_unmask(client, table.keyspace, table.name):
            return True
        if ctx.can_select_masked is not None and not ctx.can_select_masked(
            client, table.keyspace, table.name
        ):
            r = self.restrictions
            restricted = {*r.partition, *r.clustering, *(x.column.name for x in r.others)}
            restricted.update(c.name for m in r.multi for c in m.columns)
            if r.tokens:
                restricted.update(c.name for c in table.partition_key)
            queried = [c.name for c in table.columns if c.mask is not None and c.name in restricted]
            if queried:
                user = client.user.name if client.user is not None else "anonymous"
                raise Unauthorized(
                    f"User {user} has no UNMASK nor SELECT_MASKED permission on table {table.keyspace}."
                    f"{table.name}, cannot query masked columns [{', '.join(queried)}]"
                )
        return False

    @staticmethod
    def _bound_limit(term: Term | None, bind: BindContext) -> int | None:
        """SelectStatement.getLimit: one message for LIMIT and PER PARTITION LIMIT."""
        if term is None:
            return None
        value = term.bind(bind)
        if value is None:
            raise InvalidRequest("Invalid null value of limit")
        if value is terms.UNSET:
            return None
        number = int(value)  # type: ignore[call-overload]
        if number <= 0:
            raise InvalidRequest("LIMIT must be strictly positive")
        return number

    # ---------------------------------------------------------------------------------- reading

    def _partitions(
        self, ctx: ExecutionContext, bind: BindContext, options: QueryOptions, resume
    ) -> Iterator[PartitionUpdate]:
        table = self.table_metadata
        r = self.restrictions
        if r.is_key_lookup:
            found = []
            slices = self._slices(bind)
            start_bound, end_bound = r.token_bounds(bind) if r.tokens else (None, None)
            for components in r.partition_keys(bind):
                key = keys.partition_key(table, components)
                if not _token_within(keys.token(key), start_bound, end_bound):
                    continue  # token() next to = on every key column filters the keys (TokenFilter)
                partition = ctx.proxy.read_partition(
                    table.id, key, keys.token(key), options.consistency, slices=slices
                )
                if partition is not None:
                    found.append(partition)
            if resume is not None:
                keys_in_order = [p.key for p in found]
                if resume[0] in keys_in_order:
                    found = found[keys_in_order.index(resume[0]) :]
            yield from found
            return
        start_bound, end_bound = r.token_bounds(bind)
        start = None
        if resume is not None:
            start = (keys.token(resume[0]), resume[0])
        elif start_bound is not None:
            start = (start_bound[0], b"") if start_bound[1] else (start_bound[0] + 1, b"")
        end = None
        if end_bound is not None:
            end = (end_bound[0] + 1, b"") if end_bound[1] else (end_bound[0], b"")
            if end_bound[0] >= MAX_TOKEN:
                end = None
        if start is not None and end is not None and start >= end:
            return
        yield from ctx.proxy.scan(table.id, start, end, options.consistency)

    def _slices(self, bind: BindContext) -> Slices | None:
        return self.restrictions.clustering_slices(bind)

    def _exact_clustering(self, bind: BindContext) -> tuple[bytes, ...] | None:
        """The one clustering every clustering column's ``=`` names, if the WHERE clause names one."""
        clustering = self.table_metadata.clustering
        if not clustering or self.restrictions.multi:
            return None
        values = []
        for column in clustering:
            restrictions = self.restrictions.clustering.get(column.name, [])
            if len(restrictions) != 1 or restrictions[0].operator is not ast.Operator.EQ:
                return None
            value = restrictions[0].bound_values(bind)[0]
            if value is None:
                return None
            values.append(column.type.serialize(value))
        return tuple(values)

    def _system_rows(
        self, ctx: ExecutionContext, bind: BindContext, per_partition: int | None, resume
    ) -> Iterator[CqlRow]:
        """The rows of a system table, in token (virtual tables: key) then clustering order, filtered like
        stored rows."""
        table = self.table_metadata
        predicate = self.restrictions.row_filter(bind, include_partition=True)
        sort_key = keys.clustering_comparator(table)
        rows = []
        for source in _system_table_rows(table, ctx):
            values = {
                c.name: None if source.get(c.name) is None else c.type.serialize(source[c.name])
                for c in table.columns
            }
            key = keys.partition_key(table, [values[c.name] or b"" for c in table.partition_key])
            clustering = tuple(values[c.name] or b"" for c in table.clustering)
            rows.append(CqlRow(key, clustering, values))
        if table.virtual:
            # Virtual tables use Cassandra's LocalPartitioner: partitions in key order, not token order.
            pk = table.partition_key
            rows.sort(
                key=lambda r: (
                    tuple(c.type.sort_key(r.values[c.name] or b"") for c in pk),
                    sort_key(r.clustering),
                )
            )
        else:
            rows.sort(key=lambda r: (keys.token(r.partition_key), r.partition_key, sort_key(r.clustering)))
        produced: dict[bytes, int] = {}
        started = resume is None
        for row in rows:
            if not started:
                started = (row.partition_key, row.clustering) == (resume[0], resume[1])
                continue
            if not predicate(row.values):
                continue
            if per_partition is not None and produced.get(row.partition_key, 0) >= per_partition:
                continue
            produced[row.partition_key] = produced.get(row.partition_key, 0) + 1
            yield row

    def _rows(
        self,
        ctx: ExecutionContext,
        bind: BindContext,
        options: QueryOptions,
        per_partition: int | None,
        resume,
    ) -> Iterator[CqlRow]:
        table = self.table_metadata
        if ctx.catalog.is_system_keyspace(table.keyspace) and (
            (table.keyspace, table.name) not in STORED_SYSTEM_TABLES  # system.paxos: read from storage
        ):
            yield from self._system_rows(ctx, bind, per_partition, resume)
            return
        now = bind.now_seconds
        predicate = self.restrictions.row_filter(bind, include_partition=not self.restrictions.is_key_lookup)
        restricts_rows = bool(self.restrictions.clustering or self.restrictions.multi) or any(
            not c.is_static for c in (r.column for r in self.restrictions.others)
        )
        sort_key = keys.clustering_comparator(table)
        clustering_columns = table.clustering
        regular_columns = table.regular_columns
        exact = self._exact_clustering(bind)
        for partition in self._partitions(ctx, bind, options, resume):
            components = keys.split_partition_key(table, partition.key)
            base = {c.name: components[c.position] for c in table.partition_key}
            static_values: dict[str, bytes | None] = {}
            static_cells: dict[str, object] = {}
            static_live = False
            if partition.static_row is not None:
                static_live = partition.static_row.is_live(now)
                for column in table.static_columns:
                    data = partition.static_row.columns.get(column.name)
                    static_values[column.name] = live_value(column, data, now)
                    static_cells[column.name] = data
            produced = 0
            # Storage returns rows in clustering order; a full-key equality is a binary search.
            candidates = partition.rows
            if exact is not None:
                at = bisect.bisect_left(candidates, sort_key(exact), key=lambda r: sort_key(r.clustering))
                candidates = (
                    candidates[at : at + 1]
                    if at < len(candidates) and candidates[at].clustering == exact
                    else ()
                )
            rows = [row for row in candidates if row.is_live(now)]
            if self.reversed:
                rows.reverse()
            resumed_here = resume is not None and resume[0] == partition.key
            if resumed_here and (self.distinct or not resume[1]):
                # The previous page ended with this partition's only row (no clustering, a static-only
                # row or DISTINCT): the page resumes after the partition.
                resume = None
                continue
            if resumed_here:
                # Resume after the last row sent, by clustering order (that row may be gone by now).
                last = sort_key(resume[1])
                if self.reversed:
                    rows = [r for r in rows if sort_key(r.clustering) < last]
                else:
                    rows = [r for r in rows if sort_key(r.clustering) > last]
            if self.distinct:
                if rows or static_live:
                    values = dict(base)
                    values.update(static_values)
                    candidate = CqlRow(partition.key, (), values, static_cells)
                    if predicate(values):
                        yield candidate
                continue
            for row in rows:
                values = dict(base)
                for column in clustering_columns:
                    values[column.name] = row.clustering[column.position]
                values.update(static_values)
                cells = dict(static_cells)
                for column in regular_columns:
                    data = row.columns.get(column.name)
                    values[column.name] = live_value(column, data, now)
                    cells[column.name] = data
                if not predicate(values):
                    continue
                yield CqlRow(partition.key, row.clustering, values, cells)
                produced += 1
                if per_partition is not None and produced >= per_partition:
                    break
            if (
                not rows
                and static_live
                and not restricts_rows
                and not (resume is not None and resume[0] == partition.key)
            ):
                values = dict(base)
                for column in table.clustering:
                    values[column.name] = None
                for column in table.regular_columns:
                    values[column.name] = None
                values.update(static_values)
                if predicate(values):
                    yield CqlRow(partition.key, (), values, static_cells)
            if resume is not None and resume[0] == partition.key:
                resume = None


def _masked(table: TableMetadata, rows: Iterator[CqlRow]) -> Iterator[CqlRow]:
    """The rows with their masked columns' values masked (``engine.cql3.masking``), after filtering."""
    mask_row = masking.masker(table)
    for row in rows:
        values = dict(row.values)
        mask_row(values)
        yield CqlRow(row.partition_key, row.clustering, values, row.cells)


def _token_within(token: int, start: tuple[int, bool] | None, end: tuple[int, bool] | None) -> bool:
    if start is not None and (token < start[0] or (token == start[0] and not start[1])):
        return False
    return not (end is not None and (token > end[0] or (token == end[0] and not end[1])))


def _system_table_rows(table: TableMetadata, ctx: ExecutionContext) -> Iterator[dict[str, object]]:
    """Rows of a system table: generated from the schema (decision 14 in docs/decisions.md) for
    ``system_schema`` and ``system_virtual_schema``, from the node's state for ``system_views``
    (``ExecutionContext.virtual_tables``) and the others (``ExecutionContext.node_state_rows``)."""
    if table.keyspace == "system_schema":
        return system_schema.rows(table.name, ctx.catalog.schema)
    if table.keyspace == "system_virtual_schema":
        virtual = [k for k in ctx.catalog.schema.keyspaces.values() if k.virtual]
        return system_schema.virtual_rows(table.name, virtual)
    if table.keyspace == "system_views":
        return iter(ctx.virtual_tables.rows(table.name)) if ctx.virtual_tables is not None else iter(())
    if table.keyspace == "system_traces":
        return ctx.traces.rows(table.name) if ctx.traces is not None else iter(())
    if ctx.node_state_rows is None:
        return iter(())
    return iter(ctx.node_state_rows(table.keyspace, table.name))


def _encode_paging_state(key: bytes, clustering: tuple[bytes, ...], sent: int) -> bytes:
    out = bytearray(struct.pack(">H", len(key)) + key + bytes([len(clustering)]))
    for value in clustering:
        out += struct.pack(">H", len(value)) + value
    out += struct.pack(">i", sent)
    return bytes(out)


def _decode_paging_state(data: bytes) -> tuple[bytes, tuple[bytes, ...], int]:
    try:
        (length,) = struct.unpack_from(">H", data, 0)
        key = data[2 : 2 + length]
        offset = 2 + length
        count = data[offset]
        offset += 1
        clustering = []
        for _ in range(count):
            (n,) = struct.unpack_from(">H", data, offset)
            clustering.append(data[offset + 2 : offset + 2 + n])
            offset += 2 + n
        (sent,) = struct.unpack_from(">i", data, offset)
        return key, tuple(clustering), sent
    except (struct.error, IndexError):
        raise InvalidRequest("Invalid value for the paging state") from None
