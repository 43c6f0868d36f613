"""Preparing a WHERE clause the way Cassandra 5.0's ``StatementRestrictions`` does, with its messages.

Relations are handled one at a time, in the order written (the order decides which error a statement
gets when several apply):

1. statement-level refusals (``CONTAINS`` in UPDATE/DELETE, ``IS NOT NULL`` outside views, ``LIKE``
   without a supporting index, ``!=``);
2. the relation becomes a restriction (``Relation.toRestriction``, :mod:`engine.cql3.relations`): the
   column must exist and accept the operator (``SingleColumnRelation.toReceivers``, ``TokenRelation``,
   ``MultiColumnRelation``);
3. the restriction is merged with earlier ones on the same columns (``RestrictionSet.addRestriction``:
   ``EQ``/``IN`` admit nothing else, slices at most one bound of each kind, ...) and, for clustering
   columns, placed after them (``ClusteringColumnRestrictions.mergeWith``: nothing after a slice, no
   slice before a restricted column), unless filtering is allowed or an index supports it.

Then the partition key, the clustering columns and the other columns are checked as a whole
(``processPartitionKeyRestrictions``, ``processClusteringColumnsRestrictions``, the non-primary-key
block of the constructor). What a SELECT would have to filter is decided last
(:func:`check_needs_filtering`, ``SelectStatement.checkNeedsFiltering``) because the SELECT checks its
DISTINCT, GROUP BY and ORDER BY clauses first.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from engine.cql import ast
from engine.cql.ast import Operator
from engine.cql3.ann import AnnOrdering, check_vector_restrictions
from engine.cql3.ann import check_restrictions as check_ann
from engine.cql3.relations import (
    SLICE_OPERATORS,
    existing_column,
    map_element,
    multi_column,
    single_column,
    token_relation,
)
from engine.cql3.restrictions import MultiRestriction, Restriction, Restrictions
from engine.cql3.terms import PrepareContext
from engine.errors import InvalidRequest
from engine.schema.metadata import ColumnKind, ColumnMetadata, TableMetadata

#: StatementRestrictions.REQUIRES_ALLOW_FILTERING_MESSAGE
REQUIRES_ALLOW_FILTERING_MESSAGE = (
    "Cannot execute this query as it might involve data filtering and thus may have unpredictable "
    "performance. If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING"
)
SAI = "org.apache.cassandra.index.sai.StorageAttachedIndex"


class StatementType(enum.Enum):
    """Cassandra's ``StatementType``: what a statement's WHERE clause may contain."""

    INSERT = "INSERT"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    SELECT = "SELECT"

    @property
    def allows_partition_key_ranges(self) -> bool:
        return self is StatementType.SELECT

    @property
    def allows_clustering_column_slices(self) -> bool:
        return self in (StatementType.SELECT, StatementType.DELETE)

    @property
    def allows_non_primary_key_in_where(self) -> bool:
        return self is StatementType.SELECT

    @property
    def allows_secondary_indices(self) -> bool:
        return self is StatementType.SELECT


@dataclass
class _Entry:
    """A (merged) restriction of a ``RestrictionSet``: its columns and what kind of relation it is."""

    columns: tuple[ColumnMetadata, ...]
    kind: str  # "eq", "in", "slice", "contains"
    start: bool = False
    end: bool = False
    multi: bool = False
    indexed: bool = False

    @property
    def first(self) -> ColumnMetadata:
        return self.columns[0]


def _common(existing: _Entry, new: _Entry) -> str:
    return ", ".join(c.name for c in existing.columns if c in new.columns)


def _merge(existing: _Entry, new: _Entry) -> _Entry:
    """``existing.mergeWith(new)`` of Single/MultiColumnRestriction, with their messages."""
    common = _common(existing, new)
    if existing.kind == "eq":
        raise InvalidRequest(
            f"{common} cannot be restricted by more than one relation if it includes an Equal"
        )
    if existing.kind == "in":
        raise InvalidRequest(f"{common} cannot be restricted by more than one relation if it includes a IN")
    if existing.kind == "contains":
        if new.kind != "contains":
            raise InvalidRequest(
                f"Collection column {existing.first.name} can only be restricted by CONTAINS, CONTAINS KEY, "
                "or map-entry equality"
            )
        return _Entry(existing.columns, "contains", indexed=existing.indexed or new.indexed)
    # a slice
    if new.kind != "slice":
        raise InvalidRequest(
            f'Column "{common}" cannot be restricted by both an equality and an inequality relation'
        )
    if (existing.multi or new.multi) and existing.first != new.first:
        later = max(existing.first, new.first, key=lambda c: c.position)
        raise InvalidRequest(
            f'Column "{later.name}" cannot be restricted by two inequalities not starting with the same column'
        )
    if existing.start and new.start:
        raise InvalidRequest(f"More than one restriction was found for the start bound on {common}")
    if existing.end and new.end:
        raise InvalidRequest(f"More than one restriction was found for the end bound on {common}")
    columns = existing.columns if len(existing.columns) >= len(new.columns) else new.columns
    return _Entry(columns, "slice", existing.start or new.start, existing.end or new.end, multi=True)


class _Set:
    """Cassandra's ``RestrictionSet``: merged restrictions keyed by column (in position order)."""

    def __init__(self) -> None:
        self.by_column: dict[ColumnMetadata, _Entry] = {}

    def entries(self) -> list[_Entry]:
        seen: list[_Entry] = []
        for column in sorted(self.by_column, key=lambda c: c.position):
            entry = self.by_column[column]
            if entry not in seen:
                seen.append(entry)
        return seen

    def columns(self) -> list[ColumnMetadata]:
        return sorted(self.by_column, key=lambda c: c.position)

    def add(self, new: _Entry) -> None:
        existing: list[_Entry] = []
        for column in new.columns:
            entry = self.by_column.get(column)
            if entry is not None and entry not in existing:
                existing.append(entry)
        if not existing:
            for column in new.columns:
                self.by_column[column] = new
            return
        for entry in existing:
            merged = _merge(entry, new)
            for column in new.columns:
                self.by_column[column] = merged

    def has(self, kind: str) -> bool:
        return any(e.kind == kind for e in self.entries())


# ------------------------------------------------------------------------------------------- indexes


def index_supports(index_target: str, options, restriction: Restriction) -> bool:
    """Whether one index (its target and options) can answer ``restriction`` (targets: ``c``,
    ``values(c)``, ``keys(c)``, ``entries(c)``, ``full(c)``; SAI also answers ranges)."""
    name = restriction.column.name
    operator = restriction.operator
    sai = options.get("class_name") == SAI
    simple = index_target in (name, f"full({name})")
    if simple and (operator is Operator.EQ or (sai and operator in SLICE_OPERATORS)):
        return restriction.key is None
    if index_target == f"values({name})" and operator is Operator.CONTAINS:
        return True
    if index_target == f"keys({name})" and operator is Operator.CONTAINS_KEY:
        return True
    return index_target == f"entries({name})" and restriction.key is not None and operator is Operator.EQ


def indexed(table: TableMetadata, restriction: Restriction) -> bool:
    return any(index_supports(i.target, i.options, restriction) for i in table.indexes.values())


def _needs_filtering(table: TableMetadata, restrictions: list[Restriction | MultiRestriction]) -> bool:
    """``IndexRestrictions.needsFiltering``: no index group supports every restriction. Each legacy index
    is a group of its own; the table's SAI indexes form one group."""
    if not restrictions:
        return False
    groups = [[i] for i in table.indexes.values() if i.options.get("class_name") != SAI]
    sai = [i for i in table.indexes.values() if i.options.get("class_name") == SAI]
    if sai:
        groups.append(sai)
    for group in groups:
        if all(
            isinstance(r, Restriction) and any(index_supports(i.target, i.options, r) for i in group)
            for r in restrictions
        ):
            return False
    return True


# --------------------------------------------------------------------------------------- preparation


def prepare(
    table: TableMetadata,
    relations: Sequence[ast.Relation],
    ctx: PrepareContext,
    *,
    statement: StatementType,
    allow_filtering: bool = False,
    selects_only_static: bool = False,
    ann: AnnOrdering | None = None,
) -> Restrictions:
    """The restrictions of a WHERE clause; ``ann`` is a SELECT's ANN ordering, which Cassandra adds to
    the restrictions on non-primary-key columns (``engine.cql3.ann``)."""
    result = Restrictions(table)
    uses_indexes = statement.allows_secondary_indices
    partition, clustering, others = _Set(), _Set(), _Set()
    token_entry: _Entry | None = None
    pk_indexes: list[int] = []

    for relation in relations:
        operator = relation.operator if not isinstance(relation, ast.CustomIndexExpression) else None
        if operator in (Operator.CONTAINS, Operator.CONTAINS_KEY) and statement in (
            StatementType.UPDATE,
            StatementType.DELETE,
        ):
            raise InvalidRequest(f"Cannot use {statement.value} with {operator.value}")
        if operator is Operator.IS_NOT:  # IS NOT NULL is for materialized views only
            raise InvalidRequest(f"Unsupported restriction: {relation.cql()}")
        if operator is Operator.NEQ:  # Relation.toRestriction
            raise InvalidRequest(f'Unsupported "!=" relation: {relation.cql()}')
        match relation:
            case ast.SingleColumnRelation(column=name, operator=op, value=value):
                column = existing_column(table, name)
                if op is Operator.LIKE:
                    # No cqlkit index supports LIKE (SASI is disabled in 5.0, SAI has no LIKE).
                    raise InvalidRequest(
                        f"LIKE restriction is only supported on properly indexed columns. {relation.cql()} is not valid."
                    )
                before = len(ctx.bind_variables.specs)
                restriction = single_column(table, column, op, value, ctx)
                entry = _entry_for(restriction, uses_indexes and indexed(table, restriction))
                if column.kind is ColumnKind.PARTITION_KEY:
                    partition.add(entry)
                    result.partition.setdefault(name, []).append(restriction)
                    pk_indexes.extend(range(before, len(ctx.bind_variables.specs)))
                elif column.kind is ColumnKind.CLUSTERING:
                    _add_clustering(clustering, entry, allow_filtering)
                    result.clustering.setdefault(name, []).append(restriction)
                else:
                    others.add(entry)
                    result.others.append(restriction)
            case ast.MapElementRelation():
                restriction = map_element(table, relation, ctx)
                # a map column is never part of the primary key: the restriction is on another column
                others.add(_Entry((restriction.column,), "contains"))
                result.others.append(restriction)
            case ast.TokenRelation():
                token = token_relation(table, relation, ctx)
                new = _Entry(tuple(table.partition_key), "eq" if token.operator is Operator.EQ else "slice")
                new.start = token.operator in (Operator.GT, Operator.GTE)
                new.end = token.operator in (Operator.LT, Operator.LTE)
                token_entry = new if token_entry is None else _merge_token(token_entry, new)
                result.tokens.append(token)
            case ast.MultiColumnRelation():
                multi = multi_column(table, relation, ctx)
                kind = {Operator.EQ: "eq", Operator.IN: "in"}.get(multi.operator, "slice")
                entry = _Entry(multi.columns, kind, multi=True)
                entry.start = multi.operator in (Operator.GT, Operator.GTE)
                entry.end = multi.operator in (Operator.LT, Operator.LTE)
                _add_clustering(clustering, entry, allow_filtering)
                result.multi.append(multi)
            case _:
                raise InvalidRequest(f"Unsupported restriction: {relation.cql()}")
    result.partition_key_bind_indexes = tuple(pk_indexes)
    _process(
        result,
        partition,
        clustering,
        others,
        token_entry,
        statement=statement,
        allow_filtering=allow_filtering,
        selects_only_static=selects_only_static,
        ann=ann,
    )
    return result


def _entry_for(restriction: Restriction, supported: bool) -> _Entry:
    operator = restriction.operator
    if operator in (Operator.CONTAINS, Operator.CONTAINS_KEY):
        kind = "contains"
    elif operator is Operator.IN:
        kind = "in"
    elif operator is Operator.EQ:
        kind = "eq"
    else:
        kind = "slice"
    return _Entry(
        (restriction.column,),
        kind,
        start=operator in (Operator.GT, Operator.GTE),
        end=operator in (Operator.LT, Operator.LTE),
        indexed=supported,
    )


def _merge_token(existing: _Entry, new: _Entry) -> _Entry:
    """TokenRestriction.EQRestriction/SliceRestriction.doMergeWith."""
    names = ", ".join(c.name for c in existing.columns)
    if existing.kind == "eq":
        raise InvalidRequest(
            f"{names} cannot be restricted by more than one relation if it includes an Equal"
        )
    if new.kind != "slice":
        raise InvalidRequest(
            f'Columns "{names}" cannot be restricted by both an equality and an inequality relation'
        )
    if existing.start and new.start:
        raise InvalidRequest(f"More than one restriction was found for the start bound on {names}")
    if existing.end and new.end:
        raise InvalidRequest(f"More than one restriction was found for the end bound on {names}")
    return _Entry(existing.columns, "slice", existing.start or new.start, existing.end or new.end)


def _add_clustering(clustering: _Set, new: _Entry, allow_filtering: bool) -> None:
    """ClusteringColumnRestrictions.mergeWith: merge first, then the place of the new restriction."""
    before = dict(clustering.by_column)
    columns = clustering.columns()
    clustering.add(new)
    if not before or allow_filtering or new.indexed:
        return
    last = before[columns[-1]]  # RestrictionSet.lastRestriction: the one on the last restricted column
    start = new.first
    if last.kind == "slice" and start.position > last.first.position:
        raise InvalidRequest(
            f'Clustering column "{start.name}" cannot be restricted (preceding column "{last.first.name}" is '
            "restricted by a non-EQ relation)"
        )
    if start.position < last.first.position and new.kind == "slice":
        following = next(c for c in columns if c.position > start.position)
        raise InvalidRequest(
            f'PRIMARY KEY column "{following.name}" cannot be restricted (preceding column "{start.name}" is '
            "restricted by a non-EQ relation)"
        )


def _clustering_needs_filtering(clustering: _Set) -> bool:
    """ClusteringColumnRestrictions.needFiltering: a gap, something after a slice, or a CONTAINS."""
    position = 0
    for entry in clustering.entries():
        if entry.kind == "contains" or entry.first.position != position:
            return True
        if entry.kind != "slice":
            position = entry.columns[-1].position + 1
    return clustering.has("contains")


def _process(
    r: Restrictions,
    partition: _Set,
    clustering: _Set,
    others: _Set,
    token_entry: _Entry | None,
    *,
    statement: StatementType,
    allow_filtering: bool,
    selects_only_static: bool,
    ann: AnnOrdering | None = None,
) -> None:
    table = r.table
    select = statement is StatementType.SELECT
    all_restrictions = (
        [x for xs in r.partition.values() for x in xs]
        + [x for xs in r.clustering.values() for x in xs]
        + r.others
    )
    # an ANN ordering is answered by a vector index on its column (IndexTermType.supports(ANN))
    ann_indexed = ann is not None and ann.answers
    queriable_index = select and (ann_indexed or any(indexed(table, x) for x in all_restrictions))
    clustering_index = select and any(indexed(table, x) for xs in r.clustering.values() for x in xs)

    # processPartitionKeyRestrictions
    restricted_pk = partition.columns()
    unrestricted_pk = [c for c in table.partition_key if c not in restricted_pk]
    on_token = token_entry is not None and bool(unrestricted_pk)
    pk_empty = not restricted_pk and token_entry is None
    pk_needs_filtering = bool(restricted_pk) and (
        bool(unrestricted_pk) or partition.has("slice") or partition.has("contains")
    )
    is_key_range = False
    uses_index = False
    if not statement.allows_partition_key_ranges:
        if on_token:
            raise InvalidRequest(
                f"The token function cannot be used in WHERE clauses for {statement.value} statements"
            )
        if unrestricted_pk:
            raise InvalidRequest(
                "Some partition key parts are missing: " + ", ".join(c.name for c in unrestricted_pk)
            )
        if partition.has("slice"):
            raise InvalidRequest(
                "Only EQ and IN relation are supported on the partition key (unless you use the token() "
                f"function) for {statement.value} statements"
            )
    else:
        if on_token:
            is_key_range = True
        if pk_empty:
            is_key_range = True
            uses_index = queriable_index
        if pk_needs_filtering:
            if not allow_filtering and not queriable_index:
                raise InvalidRequest(REQUIRES_ALLOW_FILTERING_MESSAGE)
            is_key_range = True
            uses_index = queriable_index
    filtered: list[Restriction | MultiRestriction] = []
    if uses_index or pk_needs_filtering:
        filtered += [x for xs in r.partition.values() for x in xs]

    if selects_only_static and (clustering.entries()):
        if statement in (StatementType.UPDATE, StatementType.DELETE):
            raise InvalidRequest(
                "Invalid restrictions on clustering columns since the "
                f"{statement.value} statement modifies only static columns"
            )
        if select:
            raise InvalidRequest("Cannot restrict clustering columns when selecting only static columns")

    # processClusteringColumnsRestrictions
    restricted_clustering = clustering.columns()
    clustering_needs_filtering = _clustering_needs_filtering(clustering)
    if not statement.allows_clustering_column_slices:
        if clustering.has("slice"):
            raise InvalidRequest(
                f"Slice restrictions are not supported on the clustering columns in {statement.value} statements"
            )
        missing = [c for c in table.clustering if c not in restricted_clustering]
        if not selects_only_static and missing:
            raise InvalidRequest("Some clustering keys are missing: " + ", ".join(c.name for c in missing))
    else:
        if clustering.has("contains") and not queriable_index and not allow_filtering:
            raise InvalidRequest(
                "Clustering columns can only be restricted with CONTAINS with a secondary index or filtering"
            )
        if restricted_clustering and clustering_needs_filtering:
            if queriable_index:
                uses_index = True
            elif not allow_filtering:
                for declared, restricted in zip(table.clustering, restricted_clustering, strict=False):
                    if declared != restricted:
                        raise InvalidRequest(
                            f'PRIMARY KEY column "{restricted.name}" cannot be restricted as preceding column '
                            f'"{declared.name}" is not restricted'
                        )
    if is_key_range and clustering_index:
        uses_index = True
    if uses_index or clustering_needs_filtering:
        filtered += [x for xs in r.clustering.values() for x in xs] + list(r.multi)

    # The non-primary-key columns (an ANN ordering is one of their restrictions)
    if r.others or ann is not None:
        if not statement.allows_non_primary_key_in_where:
            order = sorted({x.column for x in r.others}, key=lambda c: (c.kind is ColumnKind.STATIC, c.name))
            # (sic) the message ends with a space
            raise InvalidRequest(
                "Non PRIMARY KEY columns found in where clause: " + ", ".join(c.name for c in order) + " "
            )
        if ann is not None:
            check_ann(
                ann,
                table,
                pk_needs_filtering=pk_needs_filtering,
                pk_unrestricted=bool(unrestricted_pk),
                clustering_needs_filtering=clustering_needs_filtering,
                clustering_columns=restricted_clustering,
                other_columns=[x.column for x in r.others],
            )
        elif select:
            check_vector_restrictions(table, [x.column for x in r.others])
        if queriable_index:
            uses_index = True
        elif not allow_filtering:
            raise InvalidRequest(REQUIRES_ALLOW_FILTERING_MESSAGE)
        filtered += r.others

    if uses_index and any(x.operator is Operator.IN for xs in r.partition.values() for x in xs):
        # StatementRestrictions.validateSecondaryIndexSelections
        raise InvalidRequest(
            "Select on indexed columns and with IN clause for the PRIMARY KEY are not supported"
        )

    r.uses_index = uses_index
    r.is_key_range = is_key_range
    # an ANN ordering is one more restriction its vector index answers (never one that filters)
    answered = bool(filtered) or ann is not None
    r.needs_filtering = _needs_filtering(table, filtered) or (not answered and bool(restricted_clustering))


def check_needs_filtering(restrictions: Restrictions, allow_filtering: bool) -> None:
    """SelectStatement.checkNeedsFiltering: a range or index query that would filter needs ALLOW FILTERING."""
    if allow_filtering or not (restrictions.is_key_range or restrictions.uses_index):
        return
    if restrictions.needs_filtering:
        raise InvalidRequest(REQUIRES_ALLOW_FILTERING_MESSAGE)
