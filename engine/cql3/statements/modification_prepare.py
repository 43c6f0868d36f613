"""Preparing INSERT, UPDATE and DELETE: Cassandra 5.0's checks, in its order, with its messages.

``ModificationStatement.Parsed.prepare`` prepares the ``USING`` attributes, then the ``IF`` conditions
(``ColumnCondition.Raw.prepare``; no condition on a primary key column), then the statement's own part
(``UpdateStatement.ParsedInsert``/``ParsedUpdate``, ``DeleteStatement.Parsed``: each assigned or deleted
column and its operation, as ``Operation.RawUpdate``/``RawDeletion.prepare``), then the WHERE clause
(``engine.cql3.where``); the statement's constructor and ``validate`` add the counter and timestamp rules.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from engine.cql import ast
from engine.cql.ast import OperationKind, Operator
from engine.cql3 import terms
from engine.cql3.relations import references_duration
from engine.cql3.restrictions import Restriction, Restrictions
from engine.cql3.statements.modification import (
    Assignment,
    Condition,
    Deletion,
    ModificationStatement,
    int_types,
)
from engine.cql3.terms import BindContext, PrepareContext, Term
from engine.cql3.where import StatementType
from engine.cql3.where import prepare as prepare_restrictions
from engine.errors import InvalidRequest
from engine.schema.metadata import ColumnKind, ColumnMetadata, TableMetadata
from engine.schema.types import NATIVE_TYPES, CqlType, ListType, SetType
from engine.service.query_options import UNSET
from engine.service.results import ColumnSpec


def _spec(table: TableMetadata, name: str, column_type: CqlType) -> ColumnSpec:
    return ColumnSpec(table.keyspace, table.name, name, column_type)


def _column(table: TableMetadata, name: str) -> ColumnMetadata:
    column = table.column(name)
    if column is None:
        # TableMetadata.getExistingColumn
        raise InvalidRequest(f"Undefined column name {name} in table {table.keyspace}.{table.name}")
    return column


def _kind(column_type: CqlType) -> str | None:
    return getattr(column_type.unwrap(), "kind_name", None)


def _attributes(
    table: TableMetadata, attributes: ast.Attributes, ctx: PrepareContext
) -> tuple[Term | None, Term | None]:
    """Attributes.Raw.prepare: ``[timestamp]`` is a bigint, ``[ttl]`` an int."""
    int_type, bigint_type, _ = int_types()
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


# -------------------------------------------------------------------------------------------- conditions


def _conditions(
    table: TableMetadata,
    conditions: Sequence[ast.ColumnCondition],
    timestamp: Term | None,
    ctx: PrepareContext,
) -> list[Condition]:
    """ModificationStatement.Parsed.prepareColumnConditions and ColumnCondition.Raw.prepare."""
    if not conditions:
        return []
    if timestamp is not None:
        raise InvalidRequest("Cannot provide custom timestamp for conditional updates")
    out = []
    for condition in conditions:
        column = _column(table, condition.column)
        out.append(_condition(table, column, condition, ctx))
        if column.is_primary_key:
            raise InvalidRequest(f"PRIMARY KEY column '{column.name}' cannot have IF conditions")
    return out


def _condition(
    table: TableMetadata, column: ColumnMetadata, condition: ast.ColumnCondition, ctx: PrepareContext
) -> Condition:
    column_type = column.type.unwrap()
    name = column.name
    operator = condition.operator
    if column_type.is_counter:
        raise InvalidRequest("Conditions on counters are not supported")
    element = None
    value_name, value_type = name, column_type
    if condition.element is not None:
        kind = _kind(column_type)
        if not column_type.is_collection:
            raise InvalidRequest(f"Invalid element access syntax for non-collection column {name}")
        if kind == "set":
            raise InvalidRequest(f"Invalid element access syntax for set column {name}")
        if kind == "list":
            element_spec = _spec(table, f"idx({name})", int_types()[0])
            value_type = column_type.element  # type: ignore[attr-defined]
        else:
            element_spec = _spec(table, f"key({name})", column_type.key)  # type: ignore[attr-defined]
            value_type = column_type.value  # type: ignore[attr-defined]
        value_name = f"value({name})"
        element = terms.prepare(condition.element, element_spec, ctx)
    elif condition.field is not None:
        names = list(getattr(column_type, "field_names", ()))
        if condition.field not in names:
            raise InvalidRequest(f"Unknown field {condition.field} for column {name}")
        value_type = column_type.field_types[names.index(condition.field)]  # type: ignore[attr-defined]
        value_name = f"{name}.{condition.field}"
    if operator in (Operator.LT, Operator.LTE, Operator.GT, Operator.GTE) and references_duration(value_type):
        base = value_type.unwrap()
        if base.is_collection:
            raise InvalidRequest("Slice conditions are not supported on collections containing durations")
        if base.is_udt:
            raise InvalidRequest("Slice conditions are not supported on UDTs containing durations")
        if base.is_tuple:
            raise InvalidRequest("Slice conditions are not supported on tuples containing durations")
        raise InvalidRequest(f"Slice conditions ( {operator.value} ) are not supported on durations")
    if operator is Operator.CONTAINS_KEY and _kind(value_type) != "map":
        raise InvalidRequest(f"Cannot use CONTAINS KEY on non-map column {value_name}")
    if operator is Operator.CONTAINS and not value_type.unwrap().is_collection:
        raise InvalidRequest(f"Cannot use CONTAINS on non-collection column {value_name}")
    if operator is Operator.CONTAINS:
        base = value_type.unwrap()
        value_type = base.value if _kind(base) == "map" else base.element  # type: ignore[attr-defined]
        value_name = f"value({value_name})"
    elif operator is Operator.CONTAINS_KEY:
        value_type = value_type.unwrap().key  # type: ignore[attr-defined]
        value_name = f"key({value_name})"
    if isinstance(condition.value, ast.InValues):
        values = tuple(
            terms.prepare(v, _spec(table, value_name, value_type), ctx) for v in condition.value.items
        )
        return Condition(column, operator, None, values, element, condition.field)
    spec_type = ListType(value_type, True) if operator is Operator.IN else value_type
    value = terms.prepare(condition.value, _spec(table, value_name, spec_type), ctx)
    return Condition(column, operator, value, None, element, condition.field)


# -------------------------------------------------------------------------------------------- statements


def prepare_modification(
    statement: ast.Statement, table: TableMetadata, ctx: PrepareContext
) -> ModificationStatement:
    match statement:
        case ast.InsertStatement():
            prepared = _prepare_insert(statement, table, ctx)
        case ast.InsertJsonStatement():
            prepared = _prepare_insert_json(statement, table, ctx)
        case ast.UpdateStatement():
            prepared = _prepare_update(statement, table, ctx)
        case ast.DeleteStatement():
            prepared = _prepare_delete(statement, table, ctx)
        case _:
            raise InvalidRequest(f"Unsupported statement {statement.cql()}")
    # the ModificationStatement constructor, then validate()
    if prepared.is_conditional:
        if table.is_counter:
            raise InvalidRequest("Conditional updates are not supported on counter tables")
        if prepared.timestamp is not None:
            raise InvalidRequest("Cannot provide custom timestamp for conditional updates")
    if table.is_counter and prepared.timestamp is not None:
        raise InvalidRequest("Cannot provide custom timestamp for counter updates")
    if table.is_counter and prepared.ttl is not None:
        raise InvalidRequest("Cannot provide custom TTL for counter updates")
    if table.is_view:
        raise InvalidRequest("Cannot directly modify a materialized view")
    return prepared


def _static_only(
    assignments: Sequence[ColumnMetadata], conditions: Sequence[Condition], *, delete: bool
) -> bool:
    """ModificationStatement.appliesOnlyToStaticColumns (a DELETE without columns deletes rows)."""
    regular_ops = any(not c.is_static for c in assignments) or (delete and not assignments)
    static_ops = any(c.is_static for c in assignments)
    regular_conditions = any(not c.column.is_static for c in conditions)
    static_conditions = any(c.column.is_static for c in conditions)
    return not regular_ops and not regular_conditions and (static_ops or static_conditions)


def _prepare_insert(
    st: ast.InsertStatement, table: TableMetadata, ctx: PrepareContext
) -> ModificationStatement:
    """UpdateStatement.ParsedInsert.prepareInternal."""
    timestamp, ttl = _attributes(table, st.attributes, ctx)
    if table.is_counter:
        raise InvalidRequest("INSERT statements are not allowed on counter tables, use UPDATE instead")
    if not st.columns:
        raise InvalidRequest("No columns provided to INSERT")
    if len(st.columns) != len(st.values):
        raise InvalidRequest("Unmatched column names/values")
    if len(set(st.columns)) != len(st.columns):
        raise InvalidRequest("The column names contains duplicates")
    relations = []
    assignments = []
    clustering_set = False
    for name, value in zip(st.columns, st.values, strict=True):
        column = _column(table, name)
        clustering_set = clustering_set or column.kind is ColumnKind.CLUSTERING
        if column.is_primary_key:
            relations.append(ast.SingleColumnRelation(name, Operator.EQ, value))
        else:
            assignments.append(_set_value(table, column, value, ctx))
    static_only = not clustering_set and _static_only([a.column for a in assignments], [], delete=False)
    restrictions = prepare_restrictions(
        table, relations, ctx, statement=StatementType.INSERT, selects_only_static=static_only
    )
    return ModificationStatement(
        table_metadata=table,
        restrictions=restrictions,
        assignments=assignments,
        timestamp=timestamp,
        ttl=ttl,
        is_insert=True,
        if_not_exists=st.if_not_exists,
    )


def _set_value(
    table: TableMetadata, column: ColumnMetadata, value: ast.Term, ctx: PrepareContext
) -> Assignment:
    """Operation.SetValue.prepare: the value first, then no counter may be set."""
    term = terms.prepare(value, _spec(table, column.name, column.type), ctx)
    if column.type.is_counter:
        raise InvalidRequest(
            f"Cannot set the value of counter column {column.name} (counters can only be incremented/decremented, not set)"
        )
    return Assignment(column, OperationKind.SET, term)


def _operation(
    table: TableMetadata, column: ColumnMetadata, op: ast.Operation, ctx: PrepareContext
) -> Assignment:
    """Operation.RawUpdate.prepare for each kind of SET assignment, with its messages."""
    name = column.name
    column_type = column.type.unwrap()
    kind = _kind(column_type)
    text = op.cql()
    match op.kind:
        case OperationKind.SET:
            return _set_value(table, column, op.value, ctx)
        case OperationKind.SET_ELEMENT:
            assert op.element is not None
            if not column_type.is_collection:
                raise InvalidRequest(f"Invalid operation ({text}) for non collection column {name}")
            if not column_type.is_multi_cell:
                raise InvalidRequest(f"Invalid operation ({text}) for frozen collection column {name}")
            if kind == "set":
                raise InvalidRequest(f"Invalid operation ({text}) for set column {name}")
            if kind == "list":
                element = terms.prepare(op.element, _spec(table, f"idx({name})", int_types()[0]), ctx)
                value_type = column_type.element  # type: ignore[attr-defined]
            else:
                element = terms.prepare(op.element, _spec(table, f"key({name})", column_type.key), ctx)  # type: ignore[attr-defined]
                value_type = column_type.value  # type: ignore[attr-defined]
            value = terms.prepare(op.value, _spec(table, f"value({name})", value_type), ctx)
            return Assignment(column, op.kind, value, element)
        case OperationKind.SET_FIELD:
            if not column_type.is_udt:
                raise InvalidRequest(f"Invalid operation ({text}) for non-UDT column {name}")
            if not column_type.is_multi_cell:
                raise InvalidRequest(f"Invalid operation ({text}) for frozen UDT column {name}")
            names = list(column_type.field_names)  # type: ignore[attr-defined]
            if op.field not in names:
                raise InvalidRequest(f"UDT column {name} does not have a field named {op.field}")
            field_type = column_type.field_types[names.index(op.field)]  # type: ignore[attr-defined]
            value = terms.prepare(op.value, _spec(table, f"{name}.{op.field}", field_type), ctx)
            return Assignment(column, op.kind, value, field_name=op.field)
        case OperationKind.ADD | OperationKind.SUBTRACT:
            if not column_type.is_collection:
                if op.kind is OperationKind.ADD and column_type.is_tuple:
                    raise InvalidRequest(f"Invalid operation ({text}) for tuple column {name}")
                if not column_type.is_counter:
                    raise InvalidRequest(f"Invalid operation ({text}) for non counter column {name}")
                value = terms.prepare(op.value, _spec(table, name, int_types()[1]), ctx)
                return Assignment(column, op.kind, value)
            if not column_type.is_multi_cell:
                raise InvalidRequest(f"Invalid operation ({text}) for frozen collection column {name}")
            if kind == "map" and op.kind is OperationKind.SUBTRACT:
                receiver = _spec(table, name, SetType(column_type.key, True))  # type: ignore[attr-defined]
                message = f"Value for a map substraction has to be a set, but was: '{op.value.cql()}'"
            else:
                receiver = _spec(table, name, column.type)
                message = f"Value for a map addition has to be a map, but was: '{op.value.cql()}'"
            try:
                value = terms.prepare(op.value, receiver, ctx)
            except InvalidRequest:
                if kind != "map":
                    raise
                raise InvalidRequest(message) from None
            return Assignment(column, op.kind, value)
        case OperationKind.PREPEND:
            value = terms.prepare(op.value, _spec(table, name, column.type), ctx)
            # (sic) Operation.Prepend.toString writes "c = v - c"
            shown = f"{name} = {op.value.cql()} - {name}"
            if kind != "list":
                raise InvalidRequest(f"Invalid operation ({shown}) for non list column {name}")
            if not column_type.is_multi_cell:
                raise InvalidRequest(f"Invalid operation ({shown}) for frozen list column {name}")
            return Assignment(column, op.kind, value)
    raise InvalidRequest(f"Unsupported operation {text}")


def _prepare_update(
    st: ast.UpdateStatement, table: TableMetadata, ctx: PrepareContext
) -> ModificationStatement:
    """UpdateStatement.ParsedUpdate.prepareInternal."""
    timestamp, ttl = _attributes(table, st.attributes, ctx)
    conditions = _conditions(table, st.conditions, timestamp, ctx)
    assignments = []
    for op in st.operations:
        column = _column(table, op.column)
        if column.is_primary_key:
            raise InvalidRequest(f"PRIMARY KEY part {column.name} found in SET part")
        assignments.append(_operation(table, column, op, ctx))
    static_only = _static_only([a.column for a in assignments], conditions, delete=False)
    restrictions = prepare_restrictions(
        table, st.where, ctx, statement=StatementType.UPDATE, selects_only_static=static_only
    )
    return ModificationStatement(
        table_metadata=table,
        restrictions=restrictions,
        assignments=assignments,
        timestamp=timestamp,
        ttl=ttl,
        if_exists=st.if_exists,
        conditions=conditions,
    )


def _deletion(
    table: TableMetadata, column: ColumnMetadata, deletion: ast.Deletion, ctx: PrepareContext
) -> Deletion:
    """Operation.ColumnDeletion/ElementDeletion/FieldDeletion.prepare."""
    name = column.name
    column_type = column.type.unwrap()
    if deletion.element is not None:
        if not column_type.is_collection:
            raise InvalidRequest(f"Invalid deletion operation for non collection column {name}")
        if not column_type.is_multi_cell:
            raise InvalidRequest(f"Invalid deletion operation for frozen collection column {name}")
        kind = _kind(column_type)
        if kind == "list":
            spec = _spec(table, f"idx({name})", int_types()[0])
        elif kind == "set":
            spec = _spec(table, f"value({name})", column_type.element)  # type: ignore[attr-defined]
        else:
            spec = _spec(table, f"key({name})", column_type.key)  # type: ignore[attr-defined]
        return Deletion(column, terms.prepare(deletion.element, spec, ctx))
    if deletion.field is not None:
        if not column_type.is_udt:
            raise InvalidRequest(f"Invalid field deletion operation for non-UDT column {name}")
        if not column_type.is_multi_cell:
            raise InvalidRequest(f"Frozen UDT column {name} does not support field deletions")
        if deletion.field not in column_type.field_names:  # type: ignore[attr-defined]
            raise InvalidRequest(f"UDT column {name} does not have a field named {deletion.field}")
        return Deletion(column, field=deletion.field)
    return Deletion(column)


def _prepare_delete(
    st: ast.DeleteStatement, table: TableMetadata, ctx: PrepareContext
) -> ModificationStatement:
    """DeleteStatement.Parsed.prepareInternal."""
    timestamp = None
    if st.timestamp is not None:
        timestamp = terms.prepare(st.timestamp, _spec(table, "[timestamp]", int_types()[1]), ctx)
    conditions = _conditions(table, st.conditions, timestamp, ctx)
    deletions = []
    for deletion in st.deletions:
        column = _column(table, deletion.column)
        if column.is_primary_key:
            raise InvalidRequest(
                f"Invalid identifier {column.name} for deletion (should not be a PRIMARY KEY part)"
            )
        deletions.append(_deletion(table, column, deletion, ctx))
    static_only = _static_only([d.column for d in deletions], conditions, delete=True)
    restrictions = prepare_restrictions(
        table, st.where, ctx, statement=StatementType.DELETE, selects_only_static=static_only
    )
    conditional = bool(conditions) or st.if_exists
    if conditional and not _all_primary_key_by_equalities(table, restrictions):
        if any(not d.column.is_static for d in deletions) or not deletions:
            raise InvalidRequest(
                "DELETE statements must restrict all PRIMARY KEY columns with equality relations in order to "
                "delete non static columns"
            )
        if any(not c.column.is_static for c in conditions):
            raise InvalidRequest(
                "DELETE statements must restrict all PRIMARY KEY columns with equality relations in order to "
                "use IF condition on non static columns"
            )
    return ModificationStatement(
        table_metadata=table,
        restrictions=restrictions,
        deletions=deletions,
        timestamp=timestamp,
        is_delete=True,
        if_exists=st.if_exists,
        conditions=conditions,
    )


def _all_primary_key_by_equalities(table: TableMetadata, r: Restrictions) -> bool:
    """StatementRestrictions.hasAllPKColumnsRestrictedByEqualities (IN counts as an equality)."""
    equal = (Operator.EQ, Operator.IN)
    for column in table.primary_key:
        single = r.partition.get(column.name, []) + r.clustering.get(column.name, [])
        if any(x.operator in equal for x in single):
            continue
        if any(m.operator in equal and column in m.columns for m in r.multi):
            continue
        return False
    return not r.tokens


# ------------------------------------------------------------------------------------------- INSERT JSON


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
    """UpdateStatement.ParsedInsertJson.prepareInternal."""
    timestamp, ttl = _attributes(table, st.attributes, ctx)
    if table.is_counter:
        raise InvalidRequest("INSERT statements are not allowed on counter tables, use UPDATE instead")
    text_type = NATIVE_TYPES[ast.NativeTypeName.TEXT]
    document = _JsonDocument(terms.prepare(st.json, _spec(table, "[json]", text_type), ctx), table)
    restrictions = Restrictions(table)
    for column in table.primary_key:
        restriction = Restriction(column, Operator.EQ, _JsonColumn(document, column, False))
        target = (
            restrictions.partition if column.kind is ColumnKind.PARTITION_KEY else restrictions.clustering
        )
        target.setdefault(column.name, []).append(restriction)
    assignments = [
        Assignment(c, OperationKind.SET, _JsonColumn(document, c, st.default_unset))
        for c in table.value_columns
    ]
    return ModificationStatement(
        table_metadata=table,
        restrictions=restrictions,
        assignments=assignments,
        timestamp=timestamp,
        ttl=ttl,
        is_insert=True,
        if_not_exists=st.if_not_exists,
    )
