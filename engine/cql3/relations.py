"""One WHERE relation made a restriction, as Cassandra 5.0's ``Relation.toRestriction`` does, with its messages.

:func:`single_column` (``col op value``: ``SingleColumnRelation.toReceivers``, the IN/CONTAINS/CONTAINS KEY
receivers, slices refused on durations), :func:`map_element` (``col[key] = value``), :func:`token_relation`
(``token(...) op value``: the partition key in order, ``TokenRelation``) and :func:`multi_column` (``(a, b) op
(x, y)``: clustering columns in PRIMARY KEY order, ``MultiColumnRelation``). Each checks the columns it names
and prepares its values for their receivers; how the restrictions combine, and whether the statement needs
filtering, is :mod:`engine.cql3.where`'s.
"""

from __future__ import annotations

from engine.cql import ast
from engine.cql.ast import Operator
from engine.cql3 import terms
from engine.cql3.restrictions import MultiRestriction, Restriction, TokenRestriction
from engine.cql3.terms import PrepareContext
from engine.errors import InvalidRequest
from engine.schema.metadata import ColumnKind, ColumnMetadata, TableMetadata
from engine.schema.types import CqlType
from engine.service.results import ColumnSpec

SLICE_OPERATORS = (Operator.LT, Operator.LTE, Operator.GT, Operator.GTE)


def undefined_column(table: TableMetadata, name: str) -> InvalidRequest:
    # TableMetadata.getExistingColumn
    return InvalidRequest(f"Undefined column name {name} in table {table.keyspace}.{table.name}")


def existing_column(table: TableMetadata, name: str) -> ColumnMetadata:
    column = table.column(name)
    if column is None:
        raise undefined_column(table, name)
    return column


def column_spec(table: TableMetadata, name: str, column_type: CqlType) -> ColumnSpec:
    return ColumnSpec(table.keyspace, table.name, name, column_type)


def references_duration(column_type: CqlType) -> bool:
    base = column_type.unwrap()
    return base.cql() == "duration" or any(references_duration(t) for t in base.subtypes)


def check_slice_on_duration(column: ColumnMetadata) -> None:
    # SingleColumnRelation.newSliceRestriction
    column_type = column.type.unwrap()
    if references_duration(column_type):
        if column_type.is_collection:
            raise InvalidRequest("Slice restrictions are not supported on collections containing durations")
        if column_type.is_udt:
            raise InvalidRequest("Slice restrictions are not supported on UDTs containing durations")
        if column_type.is_tuple:
            raise InvalidRequest("Slice restrictions are not supported on tuples containing durations")
        raise InvalidRequest("Slice restrictions are not supported on duration columns")


def single_column(
    table: TableMetadata,
    column: ColumnMetadata,
    operator: Operator,
    value: ast.Term | ast.InValues,
    ctx: PrepareContext,
) -> Restriction:
    """``SingleColumnRelation.toRestriction`` for ``col op value`` (after ``!=``/LIKE/IS NOT are handled)."""
    name = column.name
    column_type = column.type.unwrap()
    if operator in SLICE_OPERATORS:
        check_slice_on_duration(column)
    # SingleColumnRelation.toReceivers
    if operator is Operator.CONTAINS_KEY and getattr(column_type, "kind_name", None) != "map":
        raise InvalidRequest(f"Cannot use CONTAINS KEY on non-map column {name}")
    if operator is Operator.CONTAINS and not column_type.is_collection:
        raise InvalidRequest(f"Cannot use CONTAINS on non-collection column {name}")
    if column_type.is_udt and column_type.is_multi_cell:
        raise InvalidRequest(
            f"Non-frozen UDT column '{name}' ({column_type.cql()}) cannot be restricted by any relation"
        )
    if (
        column_type.is_collection
        and column_type.is_multi_cell
        and operator not in (Operator.CONTAINS, Operator.CONTAINS_KEY)
    ):
        raise InvalidRequest(
            f"Collection column '{name}' ({column_type.cql()}) cannot be restricted by a '{operator.value}' relation"
        )
    spec = column_spec(table, name, column.type)
    if operator is Operator.IN:
        from engine.schema.types import ListType

        if isinstance(value, ast.InValues):
            items = tuple(terms.prepare(v, spec, ctx) for v in value.items)
            if len(items) == 1:  # an IN with one value is an EQ (SingleColumnRelation.newINRestriction)
                return Restriction(column, Operator.EQ, items[0])
            return Restriction(column, operator, values=items)
        in_spec = column_spec(table, f"in({name})", ListType(column.type, True))
        return Restriction(column, operator, terms.prepare(value, in_spec, ctx))
    assert not isinstance(value, ast.InValues)
    if operator is Operator.CONTAINS:
        element = getattr(column_type, "element", None) or getattr(column_type, "value", None)
        element_spec = column_spec(table, f"value({name})", element)  # type: ignore[arg-type]
        return Restriction(column, operator, terms.prepare(value, element_spec, ctx))
    if operator is Operator.CONTAINS_KEY:
        key_spec = column_spec(table, f"key({name})", column_type.key)  # type: ignore[attr-defined]
        return Restriction(column, operator, terms.prepare(value, key_spec, ctx))
    return Restriction(column, operator, terms.prepare(value, spec, ctx))


def map_element(table: TableMetadata, relation: ast.MapElementRelation, ctx: PrepareContext) -> Restriction:
    """``col[key] = value``: a map-entry equality (SingleColumnRelation.toReceivers with a map key)."""
    column = existing_column(table, relation.column)
    if relation.operator in SLICE_OPERATORS:
        check_slice_on_duration(column)
    column_type = column.type.unwrap()
    kind = getattr(column_type, "kind_name", None)
    name = column.name
    if kind == "list":
        raise InvalidRequest(f"Indexes on list entries ({name}[index] = value) are not currently supported.")
    if kind != "map":
        raise InvalidRequest(f"Column {name} cannot be used as a map")
    if not column_type.is_multi_cell:
        raise InvalidRequest(f"Map-entry equality predicates on frozen map column {name} are not supported")
    if relation.operator is not Operator.EQ:
        raise InvalidRequest("Only EQ relations are supported on map entries")
    key = terms.prepare(relation.key, column_spec(table, f"key({name})", column_type.key), ctx)  # type: ignore[attr-defined]
    value = terms.prepare(relation.value, column_spec(table, f"value({name})", column_type.value), ctx)  # type: ignore[attr-defined]
    return Restriction(column, Operator.EQ, value, key=key)


def token_relation(
    table: TableMetadata, relation: ast.TokenRelation, ctx: PrepareContext
) -> TokenRestriction:
    """``token(...) op value`` (TokenRelation.toReceivers and its operators)."""
    columns = [existing_column(table, name) for name in relation.columns]
    partition_key = list(table.partition_key)
    if columns != partition_key:
        if not all(c in columns for c in partition_key):
            raise InvalidRequest(
                "The token() function must be applied to all partition key components or none of them"
            )
        if len(set(columns)) != len(columns):
            raise InvalidRequest("The token() function contains duplicate partition key components")
        if any(c not in partition_key for c in columns):
            raise InvalidRequest("The token() function must contains only partition key components")
        raise InvalidRequest(
            "The token function arguments must be in the partition key order: "
            + ", ".join(c.name for c in partition_key)
        )
    if relation.operator not in (Operator.EQ, *SLICE_OPERATORS):
        raise InvalidRequest(f"{relation.operator.value} cannot be used with the token function")
    from engine.cql.ast.terms import NativeTypeName
    from engine.schema.types import NATIVE_TYPES

    token_spec = column_spec(table, "partition key token", NATIVE_TYPES[NativeTypeName.BIGINT])
    return TokenRestriction(relation.operator, terms.prepare(relation.value, token_spec, ctx))


def multi_column(
    table: TableMetadata, relation: ast.MultiColumnRelation, ctx: PrepareContext
) -> MultiRestriction:
    """``(a, b) op (x, y)`` (MultiColumnRelation.receivers and its values)."""
    columns: list[ColumnMetadata] = []
    previous = -1
    for name in relation.columns:
        column = existing_column(table, name)
        if column.kind is not ColumnKind.CLUSTERING:
            raise InvalidRequest(
                f"Multi-column relations can only be applied to clustering columns but was applied to: {name}"
            )
        if column in columns:
            raise InvalidRequest(f'Column "{name}" appeared twice in a relation: {relation.cql()}')
        if previous != -1 and column.position != previous + 1:
            raise InvalidRequest(
                f"Clustering columns must appear in the PRIMARY KEY order in multi-column relations: {relation.cql()}"
            )
        columns.append(column)
        previous = column.position
    operator = relation.operator
    if operator not in (Operator.EQ, Operator.IN, *SLICE_OPERATORS):
        raise InvalidRequest(f"{operator.value} cannot be used for multi-column relations")
    from engine.schema.types import ListType, TupleType

    tuple_type = TupleType(tuple(c.type for c in columns))
    label = "(" + ",".join(c.name for c in columns) + ")"
    values = relation.value if isinstance(relation.value, tuple) else (relation.value,)
    prepared = []
    for value in values:
        if isinstance(value, ast.TupleLiteral) and len(value.items) != len(columns):
            # Tuples.Literal.prepare(keyspace, receivers)
            raise InvalidRequest(
                f"Expected {len(columns)} elements in value tuple, but got {len(value.items)}: {value.cql()}"
            )
        if (
            operator is Operator.IN
            and isinstance(value, ast.BindMarker)
            and not isinstance(relation.value, tuple)
        ):
            prepared.append(
                terms.prepare(value, column_spec(table, f"in({label})", ListType(tuple_type, True)), ctx)
            )
        else:
            prepared.append(terms.prepare(value, column_spec(table, label, tuple_type), ctx))
    if operator is Operator.IN and isinstance(relation.value, tuple) and len(prepared) == 1:
        operator = Operator.EQ  # an IN with one tuple is an EQ
    return MultiRestriction(tuple(columns), operator, tuple(prepared))
