"""Preparing a SELECT: Cassandra 5.0's checks, in ``SelectStatement.RawStatement.prepare``'s order, with its
messages.

The selectors' names, the ORDER BY columns, the WHERE clause (:mod:`engine.cql3.where`), the selectors, then
DISTINCT (partition key and static columns only), GROUP BY (a prefix of the primary key, in order, after the
columns restricted by equality), ORDER BY (clustering columns in order or all reversed, with the partition
key restricted), filtering, and the limits; the result is the executable
:class:`~engine.cql3.statements.select.SelectStatement`.
"""

from __future__ import annotations

from engine.cql import ast
from engine.cql3 import ann, terms
from engine.cql3.restrictions import Restrictions
from engine.cql3.selection import Selection, prepare_selection, referenced_columns
from engine.cql3.statements.select import SelectStatement
from engine.cql3.terms import PrepareContext
from engine.cql3.where import StatementType, check_needs_filtering
from engine.cql3.where import prepare as prepare_restrictions
from engine.errors import InvalidRequest
from engine.schema.metadata import ColumnKind, TableMetadata
from engine.schema.types import NATIVE_TYPES
from engine.service.results import ColumnSpec


def prepare_select(st: ast.SelectStatement, table: TableMetadata, ctx: PrepareContext) -> SelectStatement:
    """SelectStatement.RawStatement.prepare, in its order: the selectors' names, the ORDER BY columns, the
    WHERE clause, the selectors, DISTINCT, GROUP BY, ORDER BY, filtering, and the limits."""
    referenced = referenced_columns(table, st.selection)
    only_static = (
        st.selection is not None
        and any(c.is_static for c in referenced)
        and not any(not c.is_static and c.kind is not ColumnKind.PARTITION_KEY for c in referenced)
    )
    for ordering in st.order_by:
        if table.column(ordering.column) is None:
            raise InvalidRequest(
                f"Undefined column name {ordering.column} in table {table.keyspace}.{table.name}"
            )
    ann_ordering = ann.prepare(st.order_by, table, ctx)
    restrictions = prepare_restrictions(
        table,
        st.where,
        ctx,
        statement=StatementType.SELECT,
        allow_filtering=st.allow_filtering,
        selects_only_static=only_static,
        ann=ann_ordering,
    )
    selection = prepare_selection(table, st.selection, ctx, json=st.json)
    if st.distinct:
        if st.per_partition_limit is not None:
            raise InvalidRequest("PER PARTITION LIMIT is not allowed with SELECT DISTINCT queries")
        _validate_distinct(table, selection, restrictions)
    group_by = _group_by(table, st.group_by, restrictions, distinct=st.distinct)
    if selection.is_aggregate and not group_by and st.per_partition_limit is not None:
        raise InvalidRequest("PER PARTITION LIMIT is not allowed with aggregate queries.")
    reversed_ = False
    if st.order_by and ann_ordering is None:
        reversed_ = _ordering(table, st.order_by, restrictions)
    check_needs_filtering(restrictions, st.allow_filtering)
    int_type = NATIVE_TYPES[ast.NativeTypeName.INT]
    limit = (
        terms.prepare(st.limit, ColumnSpec(table.keyspace, table.name, "[limit]", int_type), ctx)
        if st.limit is not None
        else None
    )
    per_partition = (
        terms.prepare(
            st.per_partition_limit,
            ColumnSpec(table.keyspace, table.name, "[per_partition_limit]", int_type),
            ctx,
        )
        if st.per_partition_limit is not None
        else None
    )
    statement = SelectStatement(
        group_by=group_by,
        table_metadata=table,
        restrictions=restrictions,
        selection=selection,
        reversed=reversed_,
        limit=limit,
        per_partition_limit=per_partition,
        distinct=st.distinct,
        json=st.json,
        order_by_in=bool(st.order_by) and ann_ordering is None,
        ann_ordering=ann_ordering,
    )
    statement.result_columns = selection.columns
    return statement


def _validate_distinct(table: TableMetadata, selection: Selection, restrictions: Restrictions) -> None:
    """SelectStatement.RawStatement.validateDistinctSelection."""
    if (
        restrictions.clustering
        or restrictions.multi
        or any(not r.column.is_static for r in restrictions.others)
    ):
        raise InvalidRequest(
            "SELECT DISTINCT with WHERE clause only supports restriction by partition key and/or static columns."
        )
    for column in selection.selected_columns:
        if column.kind is not ColumnKind.PARTITION_KEY and not column.is_static:
            raise InvalidRequest(
                f"SELECT DISTINCT queries must only request partition key columns and/or static columns (not {column.name})"
            )
    if not restrictions.is_key_range:
        return
    for column in table.partition_key:
        if column not in selection.selected_columns:
            raise InvalidRequest(
                f"SELECT DISTINCT queries must request all the partition key columns (missing {column.name})"
            )


def _group_by(
    table: TableMetadata, selectors: tuple[ast.Selector, ...], restrictions: Restrictions, *, distinct: bool
) -> tuple[str, ...]:
    """GROUP BY columns: a prefix of the primary key in order, where columns restricted by ``=`` may be
    left out (SelectStatement.RawStatement.getAggregationSpecFactory)."""
    names = []
    primary_key = iter(table.primary_key)
    clustering_prefix = 0
    out_of_order = (
        "Group by currently only support groups of columns following their declared order in the PRIMARY KEY"
    )
    for selector in selectors:
        if not isinstance(selector, ast.ColumnSelector):
            # cqlkit has no GROUP BY functions (floor(...)); Cassandra resolves them here.
            raise InvalidRequest(f"Group by is only supported on columns, got {selector.cql()}")
        column = table.column(selector.name)
        if column is None:
            raise InvalidRequest(
                f"Undefined column name {selector.name} in table {table.keyspace}.{table.name}"
            )
        if not column.is_primary_key:
            raise InvalidRequest(
                f"Group by is currently only supported on the columns of the PRIMARY KEY, got {column.name}"
            )
        while True:
            key_column = next(primary_key, None)
            if key_column is None:
                raise InvalidRequest(out_of_order)
            if key_column.kind is ColumnKind.CLUSTERING:
                clustering_prefix += 1
            if key_column == column:
                break
            if not restrictions.is_restricted_by_eq(key_column):
                raise InvalidRequest(out_of_order)
        names.append(column.name)
    following = next(primary_key, None)
    if names and following is not None and following.kind is ColumnKind.PARTITION_KEY:
        raise InvalidRequest("Group by is not supported on only a part of the partition key")
    if clustering_prefix > 0 and distinct:
        raise InvalidRequest("Grouping on clustering columns is not allowed for SELECT DISTINCT queries")
    return tuple(names)


def _ordering(table: TableMetadata, order_by: tuple[ast.Ordering, ...], restrictions: Restrictions) -> bool:
    """SelectStatement.RawStatement.verifyOrderingIsAllowed, then isReversed."""
    if restrictions.uses_index:
        raise InvalidRequest("ORDER BY with 2ndary indexes is not supported, except for ANN queries.")
    if restrictions.is_key_range:
        raise InvalidRequest(
            "ORDER BY is only supported when the partition key is restricted by an EQ or an IN."
        )
    clustering = table.clustering
    reversed_by_position: dict[int, bool] = {}
    position = 0
    out_of_order = "Order by currently only supports the ordering of columns following their declared order in the PRIMARY KEY"
    for ordering in order_by:
        column = table.column(ordering.column)
        assert column is not None  # checked before the WHERE clause
        if column.kind is not ColumnKind.CLUSTERING:
            raise InvalidRequest(
                f"Order by is currently only supported on the clustered columns of the PRIMARY KEY, got {column.name}"
            )
        if column.position < position:
            # Cassandra walks past the last clustering column here and fails with an internal error.
            raise InvalidRequest(out_of_order)
        while position != column.position:
            if not restrictions.is_restricted_by_eq(clustering[position]):
                raise InvalidRequest(out_of_order)
            position += 1
        position += 1
        natural_desc = column.clustering_order.value == "desc"
        reversed_by_position[column.position] = (ordering.direction is ast.Direction.DESC) != natural_desc
    reversed_: bool | None = None
    for _, this_reversed in sorted(reversed_by_position.items()):
        if reversed_ is None:
            reversed_ = this_reversed
        elif reversed_ != this_reversed:
            raise InvalidRequest("Unsupported order by relation")
    return bool(reversed_)
