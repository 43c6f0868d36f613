"""INSERT, UPDATE and DELETE: from a statement to the mutations it writes.

Preparation resolves the table, checks the WHERE clause (every partition key column with ``=``/``IN``;
clustering columns fully for INSERT/UPDATE, a prefix for DELETE, which then deletes a range), prepares
each assigned value for its column, and reports Cassandra's errors. Execution binds the values, builds
one :class:`~engine.db.rows.PartitionUpdate` per partition key and hands the mutations to the storage
proxy. Conditional statements (``IF NOT EXISTS``, ``IF EXISTS``, ``IF cond``) read the current row first
and return the ``[applied]`` result set (Cassandra's lightweight transactions, run here under the node's
write lock).
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from engine.cql import ast
from engine.cql.ast import OperationKind, Operator
from engine.cql3 import keys, terms
from engine.cql3.cells import CellFactory, counter_cell, live_value
from engine.cql3.restrictions import Restriction, Restrictions
from engine.cql3.restrictions import prepare as prepare_restrictions
from engine.cql3.statements.base import ClientState, ExecutionContext, Prepared
from engine.cql3.terms import BindContext, PrepareContext, Term
from engine.db.mutation import Mutation
from engine.db.rows import (
    LIVE,
    Bound,
    Cell,
    ComplexColumn,
    DeletionTime,
    PartitionUpdate,
    RangeTombstone,
    Row,
)
from engine.errors import InvalidRequest
from engine.schema.metadata import ColumnKind, ColumnMetadata, TableMetadata
from engine.schema.types import NATIVE_TYPES
from engine.service.query_options import UNSET, QueryOptions
from engine.service.results import ColumnSpec, ResultMessage, Rows, Void

MAX_TTL = 630720000
LWT_LOCK = threading.Lock()  # conditional writes of this node run one at a time (Paxos's role)
COUNTER_SHARD = b"\x00" * 16  # this node's counter shard id (one node: one shard)


def _int_type():
    from engine.cql.ast.terms import NativeTypeName

    return (
        NATIVE_TYPES[NativeTypeName.INT],
        NATIVE_TYPES[NativeTypeName.BIGINT],
        NATIVE_TYPES[NativeTypeName.BOOLEAN],
    )


@dataclass
class Assignment:
    column: ColumnMetadata
    kind: OperationKind
    value: Term
    element: Term | None = None
    field_name: str | None = None


@dataclass
class Condition:
    column: ColumnMetadata
    operator: Operator
    value: Term | None
    values: tuple[Term, ...] | None = None
    element: Term | None = None


@dataclass
class ModificationStatement(Prepared):
    table_metadata: TableMetadata
    restrictions: Restrictions
    assignments: list[Assignment] = field(default_factory=list)
    deletions: list[tuple[ColumnMetadata, Term | None]] = field(default_factory=list)
    timestamp: Term | None = None
    ttl: Term | None = None
    is_delete: bool = False
    is_insert: bool = False
    if_not_exists: bool = False
    if_exists: bool = False
    conditions: list[Condition] = field(default_factory=list)

    @property
    def is_conditional(self) -> bool:
        return self.if_not_exists or self.if_exists or bool(self.conditions)

    # --------------------------------------------------------------------------------- execution

    def execute(self, ctx: ExecutionContext, client: ClientState, options: QueryOptions) -> ResultMessage:
        bind = ctx.bind_context(options)
        if self.is_conditional:
            return self._execute_conditional(ctx, bind, options)
        mutations = self.mutations(ctx, bind, options)
        ctx.proxy.mutate(mutations, options.consistency)
        return ResultMessage(Void())

    def attributes(self, ctx: ExecutionContext, bind: BindContext, options: QueryOptions) -> tuple[int, int]:
        timestamp = None
        if self.timestamp is not None:
            value = self.timestamp.bind(bind)
            if value is None:
                raise InvalidRequest("Invalid null value of timestamp")
            if value is not UNSET:
                timestamp = int(value)  # type: ignore[call-overload]
        if timestamp is None:
            timestamp = options.timestamp if options.timestamp is not None else ctx.next_timestamp()
        ttl = self.table_metadata.params.default_time_to_live
        if self.ttl is not None:
            value = self.ttl.bind(bind)
            if value is None:
                raise InvalidRequest("Invalid null value of TTL")
            if value is not UNSET:
                ttl = int(value)  # type: ignore[call-overload]
                if ttl < 0:
                    raise InvalidRequest(f"A TTL must be greater or equal to 0, but was {ttl}")
                if ttl > MAX_TTL:
                    raise InvalidRequest(f"ttl is too large. requested ({ttl}) maximum ({MAX_TTL})")
        return timestamp, ttl

    def mutations(self, ctx: ExecutionContext, bind: BindContext, options: QueryOptions) -> list[Mutation]:
        table = self.table_metadata
        timestamp, ttl = self.attributes(ctx, bind, options)
        cells = CellFactory(timestamp, ttl, bind.now_seconds)
        updates = []
        for components in self.restrictions.partition_keys(bind):
            key = keys.partition_key(table, components)
            token = keys.token(key)
            update = self._partition_update(ctx, bind, cells, key, token, options)
            if update is not None:
                updates.append(Mutation(table.keyspace, key, ((table.id, update),)))
        return updates

    def _clusterings(self, bind: BindContext) -> list[tuple[bytes, ...]]:
        per_column: list[list[bytes]] = []
        for column in self.table_metadata.clustering:
            restrictions = self.restrictions.clustering.get(column.name)
            if not restrictions or restrictions[0].operator not in (Operator.EQ, Operator.IN):
                break
            restriction = restrictions[0]
            values = []
            for value in restriction.bound_values(bind):
                if value is None:
                    raise InvalidRequest(f"Invalid null value in condition for column {column.name}")
                values.append(column.type.serialize(value))
            per_column.append(values)
        return [tuple(c) for c in itertools.product(*per_column)]

    def _partition_update(
        self,
        ctx: ExecutionContext,
        bind: BindContext,
        cells: CellFactory,
        key: bytes,
        token: int,
        options: QueryOptions,
    ) -> PartitionUpdate | None:
        table = self.table_metadata
        clusterings = self._clusterings(bind)
        full = len(table.clustering)
        if self.is_delete:
            return self._deletion(bind, cells, key, token, clusterings, full)
        static_columns: dict[str, object] = {}
        rows: list[Row] = []
        needs_current = table.is_counter or any(
            (a.kind in (OperationKind.SET_ELEMENT,) and getattr(a.column.type, "kind_name", None) == "list")
            or (a.kind is OperationKind.SUBTRACT and getattr(a.column.type, "kind_name", None) == "list")
            for a in self.assignments
        )
        current = (
            ctx.proxy.read_partition(table.id, key, token, options.consistency) if needs_current else None
        )
        static_done = False
        for clustering in clusterings or [()]:
            partial = bool(full) and len(clustering) < full  # a write of static columns only
            columns: dict[str, object] = {}
            current_row = _find_row(current, clustering) if current is not None else None
            for assignment in self.assignments:
                if assignment.column.is_static and static_done:
                    continue  # static columns are written once per partition, not once per row
                target = static_columns if assignment.column.is_static else columns
                data = self._assign(assignment, bind, cells, current, current_row)
                if data is not None:
                    earlier = target.get(assignment.column.name)
                    if isinstance(earlier, ComplexColumn) and isinstance(data, ComplexColumn):
                        data = earlier.merge(data)  # several operations on one collection
                    target[assignment.column.name] = data
            static_done = True
            if partial:
                continue
            liveness = cells.liveness() if self.is_insert else None
            if columns or liveness is not None:
                rows.append(Row(clustering, liveness, LIVE, MappingProxyType(columns)))
        static_row = Row((), None, LIVE, MappingProxyType(static_columns)) if static_columns else None
        if not rows and static_row is None:
            return None
        rows.sort(key=lambda r: table_key(table)(r.clustering))
        return PartitionUpdate(key, token, LIVE, static_row, tuple(rows))

    def _assign(
        self, a: Assignment, bind: BindContext, cells: CellFactory, current, current_row
    ) -> object | None:
        column = a.column
        value = a.value.bind(bind)
        if value is UNSET:
            return None
        column_type = column.type
        kind = getattr(column_type, "kind_name", None)
        if column_type.is_counter:
            if a.kind not in (OperationKind.ADD, OperationKind.SUBTRACT):
                raise InvalidRequest(
                    f"Cannot set the value of counter column {column.name} (counters can only be incremented/decremented, not set)"
                )
            if value is None:
                raise InvalidRequest("Invalid null value for counter increment")
            delta = int(value) if a.kind is OperationKind.ADD else -int(value)  # type: ignore[call-overload]
            source = current.static_row if column.is_static and current is not None else current_row
            existing = source.columns.get(column.name) if source is not None else None
            return counter_cell(
                existing if isinstance(existing, Cell) else None, COUNTER_SHARD, delta, cells.timestamp
            )
        match a.kind:
            case OperationKind.SET:
                return cells.column_value(column, value)
            case OperationKind.ADD | OperationKind.PREPEND:
                if value is None:
                    return None
                if kind == "list":
                    element = column_type.element  # type: ignore[attr-defined]
                    items = list(value)  # type: ignore[call-overload]
                    prepend = a.kind is OperationKind.PREPEND
                    if prepend:
                        items = list(reversed(items))
                    return ComplexColumn(
                        MappingProxyType(
                            {cells.list_path(prepend): cells.live(element.serialize(v)) for v in items}
                        )
                    )
                return ComplexColumn(MappingProxyType(dict(cells.elements(column_type, value))))
            case OperationKind.SUBTRACT:
                if value is None:
                    return None
                if kind == "set":
                    element = column_type.element  # type: ignore[attr-defined]
                    return ComplexColumn(
                        MappingProxyType({element.serialize(v): cells.tombstone() for v in value})
                    )  # type: ignore[attr-defined]
                if kind == "map":
                    key_type = column_type.key  # type: ignore[attr-defined]
                    return ComplexColumn(
                        MappingProxyType({key_type.serialize(k): cells.tombstone() for k in value})
                    )  # type: ignore[attr-defined]
                if kind == "list":
                    element = column_type.element  # type: ignore[attr-defined]
                    unwanted = {element.serialize(v) for v in value}  # type: ignore[attr-defined]
                    existing = current_row.columns.get(column.name) if current_row is not None else None
                    removed = {}
                    if isinstance(existing, ComplexColumn):
                        for path, cell in existing.cells.items():
                            if cell.is_live(cells.now) and cell.value in unwanted:
                                removed[path] = cells.tombstone()
                    return ComplexColumn(MappingProxyType(removed))
                raise InvalidRequest(
                    f"Invalid operation ({column.name} = {column.name} - ?) for non-collection column {column.name}"
                )
            case OperationKind.SET_ELEMENT:
                assert a.element is not None
                element_key = a.element.bind(bind)
                if kind == "map":
                    path = column_type.key.serialize(element_key)  # type: ignore[attr-defined]
                    cell = (
                        cells.tombstone() if value is None else cells.live(column_type.value.serialize(value))
                    )  # type: ignore[attr-defined]
                    return ComplexColumn(MappingProxyType({path: cell}))
                if kind == "list":
                    existing = current_row.columns.get(column.name) if current_row is not None else None
                    live = (
                        sorted(p for p, c in existing.cells.items() if c.is_live(cells.now))
                        if isinstance(existing, ComplexColumn)
                        else []
                    )
                    index = int(element_key)  # type: ignore[call-overload]
                    if index < 0 or index >= len(live):
                        raise InvalidRequest(f"List index {index} out of bound, list has size {len(live)}")
                    cell = (
                        cells.tombstone()
                        if value is None
                        else cells.live(column_type.element.serialize(value))
                    )  # type: ignore[attr-defined]
                    return ComplexColumn(MappingProxyType({live[index]: cell}))
                raise InvalidRequest(
                    f"Invalid operation ({column.name}[?] = ?) for non collection column {column.name}"
                )
            case OperationKind.SET_FIELD:
                names = list(column_type.field_names)  # type: ignore[attr-defined]
                position = names.index(a.field_name)
                field_type = column_type.field_types[position]  # type: ignore[attr-defined]
                cell = cells.tombstone() if value is None else cells.live(field_type.serialize(value))
                return ComplexColumn(MappingProxyType({position.to_bytes(2, "big"): cell}))
        raise InvalidRequest(f"Unsupported operation on {column.name}")

    def _deletion(self, bind, cells, key, token, clusterings, full) -> PartitionUpdate | None:
        table = self.table_metadata
        ranged = any(
            r.operator not in (Operator.EQ, Operator.IN)
            for rs in self.restrictions.clustering.values()
            for r in rs
        )
        if ranged:
            if self.deletions:
                raise InvalidRequest("Range deletions are not supported for specific columns")
            slices = self.restrictions.clustering_slices(bind)
            pieces = slices.slices if slices is not None else ()
            tombstones = tuple(RangeTombstone(p.start, p.end, cells.row_deletion()) for p in pieces)
            return PartitionUpdate(key, token, LIVE, None, (), tombstones)
        if not self.deletions:
            if not clusterings or clusterings == [()]:
                if table.clustering and not clusterings:
                    pass
                return PartitionUpdate(key, token, cells.row_deletion())
            if len(clusterings[0]) == full:
                rows = tuple(Row(c, None, cells.row_deletion()) for c in clusterings)
                rows = tuple(sorted(rows, key=lambda r: table_key(table)(r.clustering)))
                return PartitionUpdate(key, token, LIVE, None, rows)
            tombstones = tuple(
                RangeTombstone(Bound(c, True), Bound(c, True), cells.row_deletion()) for c in clusterings
            )
            return PartitionUpdate(key, token, LIVE, None, (), tombstones)
        columns: dict[str, object] = {}
        static_columns: dict[str, object] = {}
        for column, element in self.deletions:
            target = static_columns if column.is_static else columns
            if element is None:
                if column.type.is_multi_cell:
                    target[column.name] = ComplexColumn(
                        MappingProxyType({}), DeletionTime(cells.timestamp, cells.now)
                    )
                else:
                    target[column.name] = cells.tombstone()
                continue
            element_value = element.bind(bind)
            column_type = column.type
            kind = getattr(column_type, "kind_name", None)
            if kind == "map":
                target[column.name] = ComplexColumn(
                    MappingProxyType({column_type.key.serialize(element_value): cells.tombstone()})
                )  # type: ignore[attr-defined]
            elif kind == "set":
                target[column.name] = ComplexColumn(
                    MappingProxyType({column_type.element.serialize(element_value): cells.tombstone()})
                )  # type: ignore[attr-defined]
            else:
                raise InvalidRequest(f"Invalid deletion operation for non collection column {column.name}")
        rows = []
        if columns:
            if any(len(c) < full for c in clusterings) or (full and not clusterings):
                raise InvalidRequest("Range deletions are not supported for specific columns")
            rows = [Row(c, None, LIVE, MappingProxyType(columns)) for c in clusterings]
        static_row = Row((), None, LIVE, MappingProxyType(static_columns)) if static_columns else None
        return PartitionUpdate(key, token, LIVE, static_row, tuple(rows))

    # ---------------------------------------------------------------------------------- LWT

    def _execute_conditional(
        self, ctx: ExecutionContext, bind: BindContext, options: QueryOptions
    ) -> ResultMessage:
        with LWT_LOCK:
            applied, failure = self.check(ctx, bind, options)
            if applied:
                ctx.proxy.mutate(self.mutations(ctx, bind, options), options.consistency)
                return ResultMessage(applied_result(self.table_metadata))
        return ResultMessage(failure)

    def conditional_partition(self, bind: BindContext) -> bytes:
        keys_ = self.restrictions.partition_keys(bind)
        if len(keys_) != 1:
            raise InvalidRequest("IN on the partition key is not supported with conditional updates")
        return keys.partition_key(self.table_metadata, keys_[0])

    def check(
        self, ctx: ExecutionContext, bind: BindContext, options: QueryOptions, *, in_batch: bool = False
    ) -> tuple[bool, Rows]:
        """Whether the conditions hold on the current row (read under ``LWT_LOCK``), and the
        ``[applied] = False`` result with the current values Cassandra returns when they do not."""
        table = self.table_metadata
        key = self.conditional_partition(bind)
        components = keys.split_partition_key(table, key)
        clusterings = self._clusterings(bind)
        if len(clusterings) > 1:
            raise InvalidRequest("IN on the clustering key columns is not supported with conditional updates")
        clustering = clusterings[0] if clusterings else ()
        current = ctx.proxy.read_partition(table.id, key, keys.token(key), options.consistency)
        row = _find_row(current, clustering) if current is not None else None
        now = bind.now_seconds
        static = current.static_row if current is not None else None
        row_live = row is not None and row.is_live(now)
        values = _row_values(table, row, static, now)
        if row_live:
            values.update({c.name: components[c.position] for c in table.partition_key})
        applied, shown = self._check_conditions(
            bind, row_live, values, static is not None and static.is_live(now)
        )
        if in_batch and shown and not (self.if_exists or self.if_not_exists):
            # A batch's result names the row too (ModificationStatement.buildCasResultSet with isBatch).
            shown = [*table.primary_key, *(c for c in shown if not c.is_primary_key)]
        bool_type = _int_type()[2]
        columns = [ColumnSpec(table.keyspace, table.name, "[applied]", bool_type)]
        out: list[bytes | None] = [b"\x00"]
        for column in shown:
            columns.append(ColumnSpec(table.keyspace, table.name, column.name, column.type))
            out.append(values.get(column.name))
        return applied, Rows(tuple(columns), (tuple(out),))

    def _check_conditions(self, bind: BindContext, exists: bool, values: dict, static_exists: bool):
        table = self.table_metadata
        if self.if_not_exists:
            shown = list(table.columns) if exists else []
            return not exists, shown
        if self.if_exists:
            return exists, (list(table.columns) if exists else [])
        ok = exists or all(c.column.is_static for c in self.conditions)
        for condition in self.conditions:
            if not _condition_holds(condition, bind, values.get(condition.column.name)):
                ok = False
        shown_columns: list[ColumnMetadata] = []
        if not ok and (exists or static_exists):
            # Cassandra returns the current values of the columns the conditions name, in table order.
            named = {c.column.name for c in self.conditions}
            shown_columns = [c for c in table.columns if c.name in named]
        return ok, shown_columns


def applied_result(table: TableMetadata) -> Rows:
    """The one-row ``[applied] = True`` result of a conditional write that was applied."""
    return Rows((ColumnSpec(table.keyspace, table.name, "[applied]", _int_type()[2]),), ((b"\x01",),))


def _condition_holds(condition: Condition, bind: BindContext, raw: bytes | None) -> bool:
    column_type = condition.column.type
    if condition.element is not None:
        element = condition.element.bind(bind)
        actual = None
        if raw is not None:
            value = column_type.deserialize(raw)
            if hasattr(value, "items"):
                actual = dict((k, v) for k, v in value.items()).get(element)
            else:
                seq = list(value)
                idx = int(element)  # type: ignore[call-overload]
                actual = seq[idx] if 0 <= idx < len(seq) else None
        sub_type = getattr(column_type, "value", None) or getattr(column_type, "element", None)
        raw = None if actual is None else sub_type.serialize(actual)
        column_type = sub_type
    if condition.values is not None or condition.operator is Operator.IN:
        candidates = (
            [t.bind(bind) for t in condition.values]
            if condition.values is not None
            else list(condition.value.bind(bind) or [])
        )  # type: ignore[union-attr]
        return any(_compare(column_type, raw, Operator.EQ, c) for c in candidates)
    expected = condition.value.bind(bind) if condition.value is not None else None
    return _compare(column_type, raw, condition.operator, expected)


def _compare(column_type, raw: bytes | None, operator: Operator, expected: object) -> bool:
    if expected is None or raw is None:
        if operator is Operator.EQ:
            return expected is None and raw is None
        if operator is Operator.NEQ:
            return (expected is None) != (raw is None)
        if raw is None:
            return False
        raise InvalidRequest(f'Invalid comparison with null for operator "{operator.value}"')
    a = column_type.sort_key(raw)
    b = column_type.sort_key(column_type.serialize(expected))
    match operator:
        case Operator.EQ:
            return a == b
        case Operator.NEQ:
            return a != b
        case Operator.LT:
            return a < b
        case Operator.LTE:
            return a <= b
        case Operator.GT:
            return a > b
        case Operator.GTE:
            return a >= b
    raise InvalidRequest(f"Unsupported operator {operator.value} in condition")


def _find_row(partition: PartitionUpdate | None, clustering: tuple[bytes, ...]) -> Row | None:
    if partition is None:
        return None
    for row in partition.rows:
        if row.clustering == clustering:
            return row
    return None


def _row_values(
    table: TableMetadata, row: Row | None, static: Row | None, now: int
) -> dict[str, bytes | None]:
    values: dict[str, bytes | None] = {}
    if row is not None:
        for column in table.clustering:
            values[column.name] = (
                row.clustering[column.position] if column.position < len(row.clustering) else None
            )
        for column in table.regular_columns:
            values[column.name] = live_value(column, row.columns.get(column.name), now)
    if static is not None:
        for column in table.static_columns:
            values[column.name] = live_value(column, static.columns.get(column.name), now)
    return values


_TABLE_KEYS: dict[int, object] = {}


def table_key(table: TableMetadata):
    return keys.clustering_comparator(table)


# -------------------------------------------------------------------------------------- preparation


def _spec(table: TableMetadata, name: str, column_type) -> ColumnSpec:
    return ColumnSpec(table.keyspace, table.name, name, column_type)


def _column(table: TableMetadata, name: str) -> ColumnMetadata:
    column = table.column(name)
    if column is None:
        raise InvalidRequest(f"Undefined column name {name} in table {table.keyspace}.{table.name}")
    return column


def _attributes(
    table: TableMetadata, attributes: ast.Attributes, ctx: PrepareContext
) -> tuple[Term | None, Term | None]:
    int_type, bigint_type, _ = _int_type()
    timestamp = (
        terms.prepare(attributes.timestamp, _spec(table, "[timestamp]", bigint_type), ctx)
        if attributes.timestamp is not None
        else None
    )
    ttl = (
        terms.prepare(attributes.ttl, _spec(table, "[ttl]", int_type), ctx)
        if attributes.ttl is not None
        else None
    )
    return timestamp, ttl


def _conditions(
    table: TableMetadata, conditions: Sequence[ast.ColumnCondition], ctx: PrepareContext
) -> list[Condition]:
    out = []
    for condition in conditions:
        column = _column(table, condition.column)
        if column.is_primary_key:
            raise InvalidRequest(f"PRIMARY KEY column '{column.name}' cannot have IF conditions")
        column_type = column.type
        element = None
        if condition.element is not None:
            key_type = getattr(column_type, "key", None)
            if key_type is None:
                int_type = _int_type()[0]
                key_type = int_type
            element = terms.prepare(condition.element, _spec(table, f"element({column.name})", key_type), ctx)
            column_type = getattr(column_type, "value", None) or getattr(column_type, "element", None)
        if isinstance(condition.value, ast.InValues):
            values = tuple(
                terms.prepare(v, _spec(table, column.name, column_type), ctx) for v in condition.value.items
            )
            out.append(Condition(column, condition.operator, None, values, element))
        else:
            spec_type = column_type
            if condition.operator is Operator.IN:
                from engine.schema.types import ListType

                spec_type = ListType(column_type, True)
            out.append(
                Condition(
                    column,
                    condition.operator,
                    terms.prepare(condition.value, _spec(table, column.name, spec_type), ctx),
                    None,
                    element,
                )
            )
    return out


def prepare_modification(
    statement: ast.Statement, table: TableMetadata, ctx: PrepareContext
) -> ModificationStatement:
    if table.is_view:
        raise InvalidRequest("Cannot directly modify a materialized view")
    match statement:
        case ast.InsertStatement():
            return _prepare_insert(statement, table, ctx)
        case ast.InsertJsonStatement():
            return _prepare_insert_json(statement, table, ctx)
        case ast.UpdateStatement():
            return _prepare_update(statement, table, ctx)
        case ast.DeleteStatement():
            return _prepare_delete(statement, table, ctx)
    raise InvalidRequest(f"Unsupported statement {statement.cql()}")


def _prepare_insert(
    st: ast.InsertStatement, table: TableMetadata, ctx: PrepareContext
) -> ModificationStatement:
    if table.is_counter:
        raise InvalidRequest("INSERT statements are not allowed on counter tables, use UPDATE instead")
    if len(st.columns) != len(st.values):
        raise InvalidRequest("Unmatched column names/values")
    seen: set[str] = set()
    relations = []
    assignments = []
    for name, value in zip(st.columns, st.values, strict=True):
        column = _column(table, name)
        if name in seen:
            raise InvalidRequest(f"Multiple definitions found for column {name}")
        seen.add(name)
        if column.is_primary_key:
            relations.append(ast.SingleColumnRelation(name, Operator.EQ, value))
        else:
            assignments.append((column, value))
    for column in table.partition_key:
        if column.name not in seen:
            raise InvalidRequest(f"Some partition key parts are missing: {column.name}")
    static_only = bool(assignments) and all(c.is_static for c, _ in assignments)
    for column in table.clustering:
        if column.name not in seen and not static_only:
            raise InvalidRequest(f"Some clustering keys are missing: {column.name}")
    restrictions = prepare_restrictions(table, relations, ctx, for_select=False)
    prepared = [
        Assignment(c, OperationKind.SET, terms.prepare(v, _spec(table, c.name, c.type), ctx))
        for c, v in assignments
    ]
    timestamp, ttl = _attributes(table, st.attributes, ctx)
    return ModificationStatement(
        table_metadata=table,
        restrictions=restrictions,
        assignments=prepared,
        timestamp=timestamp,
        ttl=ttl,
        is_insert=True,
        if_not_exists=st.if_not_exists,
    )


def _check_where(table: TableMetadata, restrictions: Restrictions, *, delete: bool) -> None:
    if restrictions.others:
        names = ", ".join(r.column.name for r in restrictions.others)
        raise InvalidRequest(f"Non PRIMARY KEY columns found in where clause: {names}")
    for column in table.partition_key:
        if column.name not in restrictions.partition:
            missing = [c.name for c in table.partition_key if c.name not in restrictions.partition]
            raise InvalidRequest(f"Some partition key parts are missing: {', '.join(missing)}")
    missing_clustering = False
    for column in table.clustering:
        rs = restrictions.clustering.get(column.name)
        if not rs:
            missing_clustering = True
            continue
        if missing_clustering:
            raise InvalidRequest(f"Missing PRIMARY KEY part {column.name} since {column.name} is set")
        for r in rs:
            if r.operator in (Operator.EQ, Operator.IN):
                continue
            if delete and r.operator in (Operator.GT, Operator.GTE, Operator.LT, Operator.LTE):
                continue  # a range deletion (Cassandra 3.0+)
            raise InvalidRequest(f"Invalid operator {r.operator.value} for PRIMARY KEY part {column.name}")
    if missing_clustering and not delete:
        first = next(c.name for c in table.clustering if c.name not in restrictions.clustering)
        raise InvalidRequest(f"Some clustering keys are missing: {first}")


def _prepare_update(
    st: ast.UpdateStatement, table: TableMetadata, ctx: PrepareContext
) -> ModificationStatement:
    timestamp, ttl = _attributes(table, st.attributes, ctx)
    assignments = []
    for op in st.operations:
        column = _column(table, op.column)
        if column.is_primary_key:
            raise InvalidRequest(f"PRIMARY KEY part {column.name} found in SET part")
        column_type = column.type
        kind = getattr(column_type, "kind_name", None)
        element = None
        value_type = column_type
        if op.kind is OperationKind.SET_ELEMENT:
            if kind == "map":
                element = terms.prepare(op.element, _spec(table, f"key({column.name})", column_type.key), ctx)  # type: ignore[arg-type, attr-defined]
                value_type = column_type.value  # type: ignore[attr-defined]
            elif kind == "list":
                element = terms.prepare(op.element, _spec(table, f"idx({column.name})", _int_type()[0]), ctx)  # type: ignore[arg-type]
                value_type = column_type.element  # type: ignore[attr-defined]
            else:
                raise InvalidRequest(
                    f"Invalid operation ({op.cql()}) for non collection column {column.name}"
                )
        elif op.kind is OperationKind.SET_FIELD:
            names = list(getattr(column_type, "field_names", ()))
            if op.field not in names:
                raise InvalidRequest(f"UDT column {column.name} does not have a field named {op.field}")
            value_type = column_type.field_types[names.index(op.field)]  # type: ignore[attr-defined]
        elif op.kind is OperationKind.SUBTRACT and kind == "map":
            from engine.schema.types import SetType

            value_type = SetType(column_type.key, True)  # type: ignore[attr-defined]
        elif column_type.is_counter and op.kind in (OperationKind.ADD, OperationKind.SUBTRACT):
            value_type = _int_type()[1]
        elif (
            op.kind in (OperationKind.ADD, OperationKind.SUBTRACT, OperationKind.PREPEND)
            and kind is None
            and not column_type.is_counter
        ):
            raise InvalidRequest(f"Invalid operation ({op.cql()}) for non counter column {column.name}")
        value = terms.prepare(op.value, _spec(table, column.name, value_type), ctx)
        assignments.append(Assignment(column, op.kind, value, element, op.field))
    restrictions = prepare_restrictions(table, st.where, ctx, for_select=False)
    static_only = bool(assignments) and all(a.column.is_static for a in assignments)
    _check_where(table, restrictions, delete=static_only)
    return ModificationStatement(
        table_metadata=table,
        restrictions=restrictions,
        assignments=assignments,
        timestamp=timestamp,
        ttl=ttl,
        if_exists=st.if_exists,
        conditions=_conditions(table, st.conditions, ctx),
    )


def _prepare_delete(
    st: ast.DeleteStatement, table: TableMetadata, ctx: PrepareContext
) -> ModificationStatement:
    deletions: list[tuple[ColumnMetadata, Term | None]] = []
    for deletion in st.deletions:
        column = _column(table, deletion.column)
        if column.is_primary_key:
            raise InvalidRequest(
                f"Invalid identifier {column.name} for deletion (should not be a PRIMARY KEY part)"
            )
        element = None
        if deletion.element is not None:
            key_type = (
                getattr(column.type, "key", None) or getattr(column.type, "element", None) or _int_type()[0]
            )
            element = terms.prepare(deletion.element, _spec(table, f"element({column.name})", key_type), ctx)
        deletions.append((column, element))
    timestamp = None
    if st.timestamp is not None:
        timestamp = terms.prepare(st.timestamp, _spec(table, "[timestamp]", _int_type()[1]), ctx)
    restrictions = prepare_restrictions(table, st.where, ctx, for_select=False)
    _check_where(table, restrictions, delete=True)
    return ModificationStatement(
        table_metadata=table,
        restrictions=restrictions,
        deletions=deletions,
        timestamp=timestamp,
        is_delete=True,
        if_exists=st.if_exists,
        conditions=_conditions(table, st.conditions, ctx),
    )


# ------------------------------------------------------------------------------------- INSERT JSON


@dataclass(frozen=True)
class _JsonDocument(Term):
    """The bound JSON text of ``INSERT ... JSON ?``, parsed once per execution into column → value."""

    text: Term
    table: TableMetadata

    def bind(self, ctx: BindContext) -> object:
        cached = getattr(ctx, "_json_document", None)
        if cached is not None and cached[0] is self:
            return cached[1]
        text = self.text.bind(ctx)
        if text is None or text is UNSET:
            raise InvalidRequest("Got null for INSERT JSON values")
        try:
            document = json.loads(text)  # type: ignore[arg-type]
        except ValueError as e:
            raise InvalidRequest(
                f"Could not decode JSON string as a map: {e}. (String was: {text})"
            ) from None
        if not isinstance(document, dict):
            raise InvalidRequest(
                f"Could not decode JSON string as a map: not an object. (String was: {text})"
            )
        by_column: dict[str, object] = {}
        for key, value in document.items():
            name = key[1:-1] if len(key) > 1 and key.startswith('"') and key.endswith('"') else key.lower()
            if self.table.column(name) is None:
                raise InvalidRequest(f"JSON values map contains unrecognized column: {name}")
            by_column[name] = value
        ctx._json_document = (self, by_column)  # type: ignore[attr-defined]
        return by_column


@dataclass(frozen=True)
class _JsonColumn(Term):
    document: _JsonDocument
    column: ColumnMetadata
    default_unset: bool

    def bind(self, ctx: BindContext) -> object:
        document = self.document.bind(ctx)
        assert isinstance(document, dict)
        if self.column.name not in document:
            return UNSET if self.default_unset else None
        return self.column.type.from_json(document[self.column.name], self.column.name)


def _prepare_insert_json(
    st: ast.InsertJsonStatement, table: TableMetadata, ctx: PrepareContext
) -> ModificationStatement:
    if table.is_counter:
        raise InvalidRequest("INSERT statements are not allowed on counter tables, use UPDATE instead")
    text_type = NATIVE_TYPES[ast.NativeTypeName.TEXT]
    document = _JsonDocument(terms.prepare(st.json, _spec(table, "[json]", text_type), ctx), table)
    relations = []
    restrictions = Restrictions(table)
    for column in table.primary_key:
        term = _JsonColumn(document, column, False)
        restriction = Restriction(column, Operator.EQ, term)
        target = (
            restrictions.partition if column.kind is ColumnKind.PARTITION_KEY else restrictions.clustering
        )
        target.setdefault(column.name, []).append(restriction)
    del relations
    assignments = [
        Assignment(c, OperationKind.SET, _JsonColumn(document, c, st.default_unset))
        for c in table.value_columns
    ]
    timestamp, ttl = _attributes(table, st.attributes, ctx)
    return ModificationStatement(
        table_metadata=table,
        restrictions=restrictions,
        assignments=assignments,
        timestamp=timestamp,
        ttl=ttl,
        is_insert=True,
        if_not_exists=st.if_not_exists,
    )
