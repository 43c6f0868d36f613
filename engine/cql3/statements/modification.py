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

import functools
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING

from engine.cql.ast import OperationKind, Operator
from engine.cql3 import keys
from engine.cql3.cells import CellFactory, counter_cell, live_value
from engine.cql3.restrictions import Restrictions
from engine.cql3.statements.base import ClientState, ExecutionContext, Prepared
from engine.cql3.terms import BindContext, Marker, Term, validated_by
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
from engine.schema.metadata import ColumnMetadata, TableMetadata
from engine.schema.types import NATIVE_TYPES, ListType
from engine.service.query_options import UNSET, QueryOptions
from engine.service.results import ColumnSpec, ResultMessage, Rows, Void

if TYPE_CHECKING:
    from engine.cql3.statements.plain_write import PlainWrite

MAX_TTL = 630720000
LWT_LOCK = threading.Lock()  # conditional writes of this node run one at a time (Paxos's role)
COUNTER_SHARD = b"\x00" * 16  # this node's counter shard id (one node: one shard)


def int_types():
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
    element: Term | None = None  # IF c[e] op v
    field_name: str | None = None  # IF c.f op v


@dataclass
class Deletion:
    """One target of DELETE: a whole column, an element of a collection, or a field of a user type."""

    column: ColumnMetadata
    element: Term | None = None
    field: str | None = None


DirectSetter = Callable[[BindContext, CellFactory], object | None]


def _direct_setter(a: Assignment) -> DirectSetter | None:
    """The cell(s) of ``SET column = ?`` straight from the bound bytes, when the column's type takes them as
    they come (decision 36): a plain column, or a non-frozen list of such elements. None otherwise."""
    column_type = a.column.type
    marker = a.value
    if a.kind is not OperationKind.SET or column_type.is_counter or not isinstance(marker, Marker):
        return None
    if not column_type.is_multi_cell:
        if not (column_type.bytes_are_canonical and marker.type == column_type):
            return None
        validated = validated_by(column_type)

        def plain(bind: BindContext, cells: CellFactory) -> object | None:
            raw = marker.bind_checked(bind, validated)
            if raw is UNSET:
                return None
            return cells.tombstone() if raw is None else cells.live(raw)  # type: ignore[arg-type]

        return plain
    if (
        isinstance(column_type, ListType)
        and column_type.element.bytes_are_canonical
        and marker.type == column_type
    ):
        elements_of = column_type.validated_elements

        def elements(bind: BindContext, cells: CellFactory) -> object | None:
            found = marker.bind_checked(bind, elements_of)
            if found is UNSET:
                return None
            return cells.list_from_elements(found)  # type: ignore[arg-type]

        return elements
    return None


@dataclass
class ModificationStatement(Prepared):
    table_metadata: TableMetadata
    restrictions: Restrictions
    assignments: list[Assignment] = field(default_factory=list)
    deletions: list[Deletion] = field(default_factory=list)
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

    @functools.cached_property
    def assignment_plan(self) -> list[tuple[Assignment, str, bool, DirectSetter | None]]:
        """Per assignment (worked out once: a prepared statement runs many times): the column's name,
        whether it is static, and a direct setter when the assignment is a bound value set as it came."""
        return [(a, a.column.name, a.column.is_static, _direct_setter(a)) for a in self.assignments]

    @functools.cached_property
    def plain_write(self) -> PlainWrite | None:
        """This statement as a plain write, whose executions a batch builds in one pass (None: it is not)."""
        from engine.cql3.statements.plain_write import plain_write_of  # that module builds on this one

        return plain_write_of(self)

    @functools.cached_property
    def reads_lists(self) -> bool:
        """Whether an assignment needs the current list (setting an element by index, removing values)."""
        return any(
            a.kind in (OperationKind.SET_ELEMENT, OperationKind.SUBTRACT) and _kind(a.column) == "list"
            for a in self.assignments
        )

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
                ttl = 0  # Attributes.getTimeToLive: a null TTL writes without one (5.0)
            elif value is not UNSET:
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
        for multi in self.restrictions.multi:
            # (c1, c2) = (..) or IN ((..), ..): Cassandra forbids mixing them with single-column relations on
            # clustering columns, so they name the clustering prefix by themselves.
            if multi.operator in (Operator.EQ, Operator.IN):
                return [
                    tuple(c.type.serialize(v) for c, v in zip(multi.columns, values, strict=True))
                    for values in multi.bound_tuples(bind)
                ]
        per_column: list[list[bytes]] = []
        for column in self.table_metadata.clustering:
            restrictions = self.restrictions.clustering.get(column.name)
            if not restrictions or restrictions[0].operator not in (Operator.EQ, Operator.IN):
                break
            per_column.append(restrictions[0].bound_serialized(bind))
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
            current = None
            if any(d.element is not None and _kind(d.column) == "list" for d in self.deletions):
                current = ctx.proxy.read_partition(table.id, key, token, options.consistency)
            return self._deletion(bind, cells, key, token, clusterings, full, current)
        static_columns: dict[str, object] = {}
        rows: list[Row] = []
        needs_current = table.is_counter or self.reads_lists
        shard = COUNTER_SHARD
        leader = getattr(ctx.proxy, "counter_leader", None) if table.is_counter else None
        if leader is not None:  # a cluster: the leader replica's own shard, as the leader has it
            shard, current = leader(table.id, key, token, options.consistency)
        else:
            current = (
                ctx.proxy.read_partition(table.id, key, token, options.consistency) if needs_current else None
            )
        static_done = False
        for clustering in clusterings or [()]:
            partial = bool(full) and len(clustering) < full  # a write of static columns only
            columns: dict[str, object] = {}
            current_row = _find_row(current, clustering) if current is not None else None
            for assignment, name, is_static, direct in self.assignment_plan:
                if is_static and static_done:
                    continue  # static columns are written once per partition, not once per row
                target = static_columns if is_static else columns
                if direct is not None:
                    data = direct(bind, cells)
                else:
                    data = self._assign(assignment, bind, cells, current, current_row, shard)
                if data is not None:
                    earlier = target.get(name)
                    if isinstance(earlier, ComplexColumn) and isinstance(data, ComplexColumn):
                        data = earlier.merge(data)  # several operations on one collection
                    target[name] = data
            static_done = True
            if partial:
                continue
            liveness = cells.liveness() if self.is_insert else None
            if columns or liveness is not None:
                rows.append(Row(clustering, liveness, LIVE, MappingProxyType(columns)))
        static_row = Row((), None, LIVE, MappingProxyType(static_columns)) if static_columns else None
        if not rows and static_row is None:
            return None
        if len(rows) > 1:
            order = table_key(table)
            rows.sort(key=lambda r: order(r.clustering))
        return PartitionUpdate(key, token, LIVE, static_row, tuple(rows))

    def _assign(
        self,
        a: Assignment,
        bind: BindContext,
        cells: CellFactory,
        current,
        current_row,
        shard: bytes = COUNTER_SHARD,
    ) -> object | None:
        column = a.column
        element_key = None
        if a.kind is OperationKind.SET_ELEMENT:
            assert a.element is not None
            element_key = a.element.bind(bind)
            is_list = _kind(column) == "list"
            if element_key is None:  # Lists.SetterByIndex / Maps.SetterByKey
                raise InvalidRequest(
                    "Invalid null value for list index" if is_list else "Invalid null map key"
                )
            if element_key is UNSET:
                raise InvalidRequest(
                    "Invalid unset value for list index" if is_list else "Invalid unset map key"
                )
        column_type = column.type
        if a.kind is OperationKind.SET and not column_type.is_counter and not column_type.is_multi_cell:
            raw = a.value.bind_serialized(bind, column_type)  # a plain column: its bytes are the cell
            if raw is UNSET:
                return None
            return cells.tombstone() if raw is None else cells.live(raw)  # type: ignore[arg-type]
        value = a.value.bind(bind)
        if value is UNSET:
            return None
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
                existing if isinstance(existing, Cell) else None, shard, delta, cells.timestamp
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
                if kind == "map":
                    path = column_type.key.serialize(element_key)  # type: ignore[attr-defined]
                    cell = (
                        cells.tombstone() if value is None else cells.live(column_type.value.serialize(value))
                    )  # type: ignore[attr-defined]
                    return ComplexColumn(MappingProxyType({path: cell}))
                if kind == "list":
                    position = _list_position(column, current_row, cells, element_key, "set an element on")
                    cell = (
                        cells.tombstone()
                        if value is None
                        else cells.live(column_type.element.serialize(value))
                    )  # type: ignore[attr-defined]
                    return ComplexColumn(MappingProxyType({position: cell}))
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

    def _deletion(self, bind, cells, key, token, clusterings, full, current=None) -> PartitionUpdate | None:
        table = self.table_metadata
        ranged = any(
            r.operator not in (Operator.EQ, Operator.IN)
            for rs in self.restrictions.clustering.values()
            for r in rs
        ) or any(m.operator not in (Operator.EQ, Operator.IN) for m in self.restrictions.multi)
        if ranged:
            if self.deletions:
                raise InvalidRequest("Range deletions are not supported for specific columns")
            slices = self.restrictions.clustering_slices(bind)
            pieces = slices.slices if slices is not None else ()
            tombstones = tuple(RangeTombstone(p.start, p.end, cells.row_deletion()) for p in pieces)
            return PartitionUpdate(key, token, LIVE, None, (), tombstones)
        if not self.deletions:
            if not clusterings or clusterings == [()]:
                return PartitionUpdate(key, token, cells.row_deletion())
            if len(clusterings[0]) == full:
                rows = tuple(Row(c, None, cells.row_deletion()) for c in clusterings)
                rows = tuple(sorted(rows, key=lambda r: table_key(table)(r.clustering)))
                return PartitionUpdate(key, token, LIVE, None, rows)
            tombstones = tuple(
                RangeTombstone(Bound(c, True), Bound(c, True), cells.row_deletion()) for c in clusterings
            )
            return PartitionUpdate(key, token, LIVE, None, (), tombstones)
        regular = [d for d in self.deletions if not d.column.is_static]
        if regular and (any(len(c) < full for c in clusterings) or (full and not clusterings)):
            # DeleteStatement.addUpdateForKey: specific columns need a whole row
            raise InvalidRequest("Range deletions are not supported for specific columns")
        static_columns: dict[str, object] = {}
        rows = []
        static_done = False
        for clustering in clusterings if regular else [()]:
            current_row = _find_row(current, clustering) if current is not None else None
            columns: dict[str, object] = {}
            for deletion in self.deletions:
                if deletion.column.is_static:
                    if static_done:
                        continue  # static columns are deleted once per partition
                    target, source = static_columns, current.static_row if current is not None else None
                else:
                    target, source = columns, current_row
                data = self._delete(deletion, bind, cells, source)
                if data is None:
                    continue
                earlier = target.get(deletion.column.name)
                if isinstance(earlier, ComplexColumn) and isinstance(data, ComplexColumn):
                    data = earlier.merge(data)
                target[deletion.column.name] = data
            static_done = True
            if columns:
                rows.append(Row(clustering, None, LIVE, MappingProxyType(columns)))
        static_row = Row((), None, LIVE, MappingProxyType(static_columns)) if static_columns else None
        if not rows and static_row is None:
            return None
        return PartitionUpdate(key, token, LIVE, static_row, tuple(rows))

    def _delete(
        self, deletion: Deletion, bind: BindContext, cells: CellFactory, current_row
    ) -> object | None:
        """The data one DELETE target writes (Constants.Deleter, Lists.DiscarderByIndex,
        Sets.ElementDiscarder, Maps.DiscarderByKey, UserTypes.DeleterByField)."""
        column = deletion.column
        column_type = column.type.unwrap()
        if deletion.field is not None:
            position = list(column_type.field_names).index(deletion.field)  # type: ignore[attr-defined]
            return ComplexColumn(MappingProxyType({position.to_bytes(2, "big"): cells.tombstone()}))
        if deletion.element is None:
            if column_type.is_multi_cell:
                return ComplexColumn(MappingProxyType({}), DeletionTime(cells.timestamp, cells.now))
            return cells.tombstone()
        element = deletion.element.bind(bind)
        kind = _kind(column)
        if kind == "list":
            if element is None:
                raise InvalidRequest("Invalid null value for list index")
            if element is UNSET:
                return None
            position = _list_position(column, current_row, cells, element, "delete an element from")
            return ComplexColumn(MappingProxyType({position: cells.tombstone()}))
        if element is None:
            raise InvalidRequest("Invalid null set element" if kind == "set" else "Invalid null map key")
        if element is UNSET:
            return None
        element_type = column_type.element if kind == "set" else column_type.key  # type: ignore[attr-defined]
        return ComplexColumn(MappingProxyType({element_type.serialize(element): cells.tombstone()}))

    # ---------------------------------------------------------------------------------- LWT

    def _execute_conditional(
        self, ctx: ExecutionContext, bind: BindContext, options: QueryOptions
    ) -> ResultMessage:
        cas = getattr(ctx.proxy, "cas", None)
        if cas is not None:  # a cluster's coordinator: Paxos across the replicas (engine.service.paxos)
            key = self.conditional_partition(bind)
            serial = replace(options, consistency=options.serial_consistency)

            def decide() -> tuple[list[Mutation] | None, ResultMessage]:
                applied, failure = self.check(ctx, bind, serial)
                if not applied:
                    return None, ResultMessage(failure)
                return self.mutations(ctx, bind, options), ResultMessage(applied_result(self.table_metadata))

            table = self.table_metadata
            return cas(
                table.id, key, keys.token(key), options.serial_consistency, options.consistency, decide
            )
        with LWT_LOCK:
            applied, failure = self.check(ctx, bind, options)
            if applied:
                ctx.proxy.mutate(self.mutations(ctx, bind, options), options.consistency)
                return ResultMessage(applied_result(self.table_metadata))
        return ResultMessage(failure)

    def conditional_partition(self, bind: BindContext) -> bytes:
        """ModificationStatement.makeCasRequest: one partition and one row (no IN)."""
        keys_ = self.restrictions.partition_keys(bind)
        what = "deletions" if self.is_delete else "updates"
        if any(r.operator is Operator.IN for rs in self.restrictions.partition.values() for r in rs):
            raise InvalidRequest(f"IN on the partition key is not supported with conditional {what}")
        if any(r.operator is Operator.IN for rs in self.restrictions.clustering.values() for r in rs) or any(
            m.operator is Operator.IN for m in self.restrictions.multi
        ):
            raise InvalidRequest(f"IN on the clustering key columns is not supported with conditional {what}")
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
        bool_type = int_types()[2]
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
    return Rows((ColumnSpec(table.keyspace, table.name, "[applied]", int_types()[2]),), ((b"\x01",),))


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
    elif condition.field_name is not None:
        position = list(column_type.field_names).index(condition.field_name)
        field_type = column_type.field_types[position]
        field_value = None if raw is None else tuple(column_type.deserialize(raw))[position]
        raw = None if field_value is None else field_type.serialize(field_value)
        column_type = field_type
    if condition.operator in (Operator.CONTAINS, Operator.CONTAINS_KEY):
        # ColumnCondition's containsAppliesTo: an element (or map key) equal to the value
        expected = condition.value.bind(bind) if condition.value is not None else None
        if raw is None or expected is None:
            return False
        collection = column_type.unwrap()
        value = collection.deserialize(raw)
        if hasattr(value, "items"):
            candidates = (
                list(value.keys()) if condition.operator is Operator.CONTAINS_KEY else list(value.values())
            )
            element_type = collection.key if condition.operator is Operator.CONTAINS_KEY else collection.value
        else:
            candidates, element_type = list(value), collection.element
        wanted = element_type.sort_key(element_type.serialize(expected))
        return any(element_type.sort_key(element_type.serialize(c)) == wanted for c in candidates)
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


def _kind(column: ColumnMetadata) -> str | None:
    return getattr(column.type.unwrap(), "kind_name", None)


def table_key(table: TableMetadata):
    return keys.clustering_comparator(table)


def _list_position(
    column: ColumnMetadata, current_row: Row | None, cells: CellFactory, index: object, action: str
) -> bytes:
    """The cell path of element ``index`` of a list as currently stored (Lists.SetterByIndex/DiscarderByIndex)."""
    existing = current_row.columns.get(column.name) if current_row is not None else None
    live = (
        sorted(p for p, c in existing.cells.items() if c.is_live(cells.now))
        if isinstance(existing, ComplexColumn)
        else []
    )
    if not live:
        raise InvalidRequest(f"Attempted to {action} a list which is null")
    position = int(index)  # type: ignore[call-overload]
    if position < 0 or position >= len(live):
        raise InvalidRequest(f"List index {position} out of bound, list has size {len(live)}")
    return live[position]
