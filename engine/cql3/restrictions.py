"""WHERE clauses: which relations a statement may use, and what they select.

Preparation sorts the relations by the kind of column they restrict (Cassandra's
``StatementRestrictions``) and applies Cassandra's rules with its messages: the partition key takes
``=``/``IN`` on every column (or ``token()`` ranges), clustering columns are restricted as a prefix with
at most one slice at its end, and anything else needs ``ALLOW FILTERING`` (or an index). Execution binds
the values and yields:

* the partition keys to read (``partition_keys``), or None for a range scan with optional token bounds;
* a predicate over each row's serialized values (``matches``) that checks clustering and filtering
  relations, comparing with each type's ``sort_key`` (Cassandra's comparators).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from engine.cql import ast
from engine.cql.ast import Operator
from engine.cql3 import keys, terms
from engine.cql3.terms import BindContext, PrepareContext, Term
from engine.db.rows import Bound
from engine.db.slices import Slices
from engine.errors import InvalidRequest
from engine.schema.metadata import ColumnKind, ColumnMetadata, TableMetadata
from engine.schema.types import CqlType
from engine.service.results import ColumnSpec

_SLICE = (Operator.LT, Operator.LTE, Operator.GT, Operator.GTE)
_FILTERING_MESSAGE = (
    "Cannot execute this query as it might involve data filtering and thus may have unpredictable "
    "performance. If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING"
)


@dataclass(frozen=True)
class Restriction:
    column: ColumnMetadata
    operator: Operator
    value: Term | None = None  # EQ/slice/CONTAINS...: the value; IN with a marker: a list value
    values: tuple[Term, ...] | None = None  # IN (a, b, c)
    key: Term | None = None  # m[key] = value

    def bound_values(self, ctx: BindContext) -> list[object]:
        """The value(s) the relation compares with (IN: all of them), never unset."""
        if self.values is not None:
            out = [t.bind(ctx) for t in self.values]
        else:
            assert self.value is not None
            bound = self.value.bind(ctx)
            out = list(bound) if self.operator is Operator.IN and bound is not None else [bound]  # type: ignore[call-overload]
        for value in out:
            if value is terms.UNSET:
                raise InvalidRequest(f"Invalid unset value for column {self.column.name}")
        return out


@dataclass(frozen=True)
class MultiRestriction:
    """``(c1, c2) op (v1, v2)`` on clustering columns."""

    columns: tuple[ColumnMetadata, ...]
    operator: Operator
    values: tuple[Term, ...]  # one tuple term (or several for IN)


@dataclass(frozen=True)
class TokenRestriction:
    operator: Operator
    value: Term


@dataclass
class Restrictions:
    table: TableMetadata
    partition: dict[str, list[Restriction]] = field(default_factory=dict)
    clustering: dict[str, list[Restriction]] = field(default_factory=dict)
    multi: list[MultiRestriction] = field(default_factory=list)
    tokens: list[TokenRestriction] = field(default_factory=list)
    others: list[Restriction] = field(default_factory=list)
    needs_filtering: bool = False
    uses_index: bool = False
    partition_key_bind_indexes: tuple[int, ...] = ()

    # ------------------------------------------------------------------------- execution: partitions

    @property
    def is_key_lookup(self) -> bool:
        """Every partition key column has = or IN (the read is a set of partitions, not a range)."""
        pk = self.table.partition_key
        return all(
            any(r.operator in (Operator.EQ, Operator.IN) for r in self.partition.get(c.name, ())) for c in pk
        )

    def partition_keys(self, ctx: BindContext) -> list[tuple[bytes, ...]]:
        """The partition key components of every partition to read, deduplicated, in key order."""
        per_column: list[list[bytes]] = []
        for column in self.table.partition_key:
            restriction = next(
                r for r in self.partition[column.name] if r.operator in (Operator.EQ, Operator.IN)
            )
            values = []
            for value in restriction.bound_values(ctx):
                if value is None:
                    raise InvalidRequest(f"Invalid null value in condition for column {column.name}")
                values.append(column.type.serialize(value))
            sort_key = column.type.sort_key
            unique = {sort_key(v): v for v in values}
            per_column.append([unique[k] for k in sorted(unique)])
        return list(itertools.product(*per_column))

    def token_bounds(self, ctx: BindContext) -> tuple[tuple[int, bool] | None, tuple[int, bool] | None]:
        """(start, end) tokens with inclusiveness, from ``token(...)`` relations."""
        start: tuple[int, bool] | None = None
        end: tuple[int, bool] | None = None
        for restriction in self.tokens:
            value = restriction.value.bind(ctx)
            if value is None:
                raise InvalidRequest("Invalid null value for partition key part token")
            token = int(value)  # type: ignore[call-overload]
            match restriction.operator:
                case Operator.EQ:
                    start, end = (token, True), (token, True)
                case Operator.GT:
                    start = (token, False)
                case Operator.GTE:
                    start = (token, True)
                case Operator.LT:
                    end = (token, False)
                case Operator.LTE:
                    end = (token, True)
        return start, end

    # ------------------------------------------------------------------------------ execution: rows

    def row_filter(
        self, ctx: BindContext, include_partition: bool
    ) -> Callable[[Mapping[str, bytes | None]], bool]:
        """A predicate over a row's serialized values (by column name)."""
        checks: list[Callable[[Mapping[str, bytes | None]], bool]] = []
        restrictions = [r for rs in self.clustering.values() for r in rs] + self.others
        if include_partition:
            restrictions += [r for rs in self.partition.values() for r in rs]
        for restriction in restrictions:
            checks.append(_check(restriction, ctx))
        for multi in self.multi:
            checks.append(_multi_check(multi, ctx))
        return lambda row: all(check(row) for check in checks)

    def clustering_slices(self, bind: BindContext) -> Slices | None:
        """The clustering slices the WHERE clause selects (Cassandra's ``ClusteringIndexSliceFilter``), so
        storage reads only those rows; None when the restrictions are not a prefix of equalities followed by
        at most one range (the rows are then filtered after the read)."""
        r = self
        if r.multi or not r.clustering:
            return None
        prefixes: list[tuple[bytes, ...]] = [()]
        for column in self.table.clustering:
            restrictions = r.clustering.get(column.name)
            if not restrictions:
                break
            operators = {x.operator for x in restrictions}
            if operators <= {Operator.EQ, Operator.IN} and len(restrictions) == 1:
                values = [
                    column.type.serialize(v) for v in restrictions[0].bound_values(bind) if v is not None
                ]
                prefixes = [(*p, v) for p in prefixes for v in values]
                continue
            if not operators <= {Operator.GT, Operator.GTE, Operator.LT, Operator.LTE}:
                return None
            lower: tuple[bytes, bool] | None = None
            upper: tuple[bytes, bool] | None = None
            for x in restrictions:
                value = x.bound_values(bind)[0]
                if value is None:
                    return None
                raw = column.type.serialize(value)
                if x.operator in (Operator.GT, Operator.GTE):
                    lower = (raw, x.operator is Operator.GTE)
                else:
                    upper = (raw, x.operator is Operator.LTE)
            if column.clustering_order.value == "desc":
                lower, upper = upper, lower  # in the table's (descending) order the range is reversed
            ranges = []
            for prefix in prefixes:
                start = Bound((*prefix, lower[0]), lower[1]) if lower else Bound(prefix, True)
                end = Bound((*prefix, upper[0]), upper[1]) if upper else Bound(prefix, True)
                ranges.append((start, end))
            return Slices.of(*ranges).normalized(keys.clustering_comparator(self.table))
        if prefixes == [()]:
            return None
        return Slices.of(*((Bound(p, True), Bound(p, True)) for p in prefixes)).normalized(
            keys.clustering_comparator(self.table)
        )

    @property
    def restricts_clustering_or_regular(self) -> bool:
        return bool(self.clustering or self.multi or self.others)


def _sortable(column_type: CqlType, value: object) -> object:
    return column_type.sort_key(column_type.serialize(value))


def _check(restriction: Restriction, ctx: BindContext) -> Callable[[Mapping[str, bytes | None]], bool]:
    column = restriction.column
    column_type = column.type
    name = column.name
    operator = restriction.operator
    values = restriction.bound_values(ctx)
    if operator in (Operator.CONTAINS, Operator.CONTAINS_KEY):
        needle = values[0]
        if needle is None:
            raise InvalidRequest(f"Unsupported null value for column {name}")
        return _contains_check(column, needle, operator is Operator.CONTAINS_KEY)
    if restriction.key is not None:
        key = restriction.key.bind(ctx)
        expected = values[0]

        def map_entry(row: Mapping[str, bytes | None]) -> bool:
            raw = row.get(name)
            if raw is None:
                return False
            mapping = dict(_map_items(column_type.deserialize(raw)))
            return _hashable(key) in mapping and mapping[_hashable(key)] == expected

        return map_entry
    if operator is Operator.IS_NOT:
        return lambda row: row.get(name) is not None
    if any(v is None for v in values):
        if operator is Operator.IN:
            values = [v for v in values if v is not None]
        else:
            raise InvalidRequest(f"Invalid null value in condition for column {name}")
    keys = [_sortable(column_type, v) for v in values]
    sort_key = column_type.sort_key

    def check(row: Mapping[str, bytes | None]) -> bool:
        raw = row.get(name)
        if raw is None:
            return False
        actual = sort_key(raw)
        match operator:
            case Operator.EQ:
                return actual == keys[0]
            case Operator.IN:
                return actual in keys
            case Operator.LT:
                return actual < keys[0]  # type: ignore[operator]
            case Operator.LTE:
                return actual <= keys[0]  # type: ignore[operator]
            case Operator.GT:
                return actual > keys[0]  # type: ignore[operator]
            case Operator.GTE:
                return actual >= keys[0]  # type: ignore[operator]
            case Operator.NEQ:
                return actual != keys[0]
        raise InvalidRequest(f"Unsupported operator {operator.value}")

    return check


def _map_items(value: object) -> list[tuple[object, object]]:
    if hasattr(value, "items"):
        return [(_hashable(k), v) for k, v in value.items()]  # type: ignore[attr-defined]
    return [(_hashable(k), v) for k, v in value]  # type: ignore[attr-defined]


def _hashable(value: object) -> object:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


def _contains_check(
    column: ColumnMetadata, needle: object, key: bool
) -> Callable[[Mapping[str, bytes | None]], bool]:
    column_type = column.type
    name = column.name
    needle = _hashable(needle)

    def check(row: Mapping[str, bytes | None]) -> bool:
        raw = row.get(name)
        if raw is None:
            return False
        value = column_type.deserialize(raw)
        if hasattr(value, "items"):
            items = _map_items(value)
            return any((k if key else v) == needle for k, v in items)
        return any(_hashable(v) == needle for v in value)  # type: ignore[attr-defined]

    return check


def _multi_check(multi: MultiRestriction, ctx: BindContext) -> Callable[[Mapping[str, bytes | None]], bool]:
    columns = multi.columns
    tuples = []
    for term in multi.values:
        bound = term.bind(ctx)
        if multi.operator is Operator.IN and len(multi.values) == 1 and isinstance(bound, list):
            candidates = bound
        else:
            candidates = [bound]
        for candidate in candidates:
            if candidate is None:
                raise InvalidRequest(
                    f"Invalid null value in condition for columns: {[c.name for c in columns]}"
                )
            tuples.append(
                tuple(_sortable(c.storage_type, v) for c, v in zip(columns, candidate, strict=False))
            )
    operator = multi.operator

    def check(row: Mapping[str, bytes | None]) -> bool:
        actual = []
        for column in columns:
            raw = row.get(column.name)
            if raw is None:
                return False
            actual.append(column.storage_type.sort_key(raw))
        got = tuple(actual[: len(tuples[0])]) if tuples else ()
        match operator:
            case Operator.EQ:
                return got == tuples[0]
            case Operator.IN:
                return got in tuples
            case Operator.LT:
                return got < tuples[0]  # type: ignore[operator]
            case Operator.LTE:
                return got <= tuples[0]  # type: ignore[operator]
            case Operator.GT:
                return got > tuples[0]  # type: ignore[operator]
            case Operator.GTE:
                return got >= tuples[0]  # type: ignore[operator]
        return False

    return check


# ------------------------------------------------------------------------------------ preparation


def _undefined(table: TableMetadata, name: str) -> InvalidRequest:
    return InvalidRequest(f"Undefined column name {name} in table {table.keyspace}.{table.name}")


def _spec(table: TableMetadata, name: str, column_type: CqlType) -> ColumnSpec:
    return ColumnSpec(table.keyspace, table.name, name, column_type)


def prepare(
    table: TableMetadata,
    relations: Sequence[ast.Relation],
    ctx: PrepareContext,
    *,
    for_select: bool,
    allow_filtering: bool = False,
) -> Restrictions:
    result = Restrictions(table)
    pk_indexes: list[int] = []
    for relation in relations:
        match relation:
            case ast.SingleColumnRelation(column=name, operator=operator, value=value):
                column = table.column(name)
                if column is None:
                    raise _undefined(table, name)
                before = len(ctx.bind_variables.specs)
                restriction = _single(table, column, operator, value, ctx)
                if column.kind is ColumnKind.PARTITION_KEY:
                    result.partition.setdefault(name, []).append(restriction)
                    pk_indexes.extend(range(before, len(ctx.bind_variables.specs)))
                elif column.kind is ColumnKind.CLUSTERING:
                    result.clustering.setdefault(name, []).append(restriction)
                else:
                    result.others.append(restriction)
            case ast.MapElementRelation(column=name, key=key, operator=operator, value=value):
                column = table.column(name)
                if column is None:
                    raise _undefined(table, name)
                key_type = getattr(column.type, "key", None)
                if key_type is None:
                    raise InvalidRequest(f"Column {name} cannot be used as a map")
                key_term = terms.prepare(key, _spec(table, f"key({name})", key_type), ctx)
                value_term = terms.prepare(value, _spec(table, f"value({name})", column.type.value), ctx)  # type: ignore[attr-defined]
                result.others.append(Restriction(column, operator, value_term, key=key_term))
            case ast.TokenRelation(columns=names, operator=operator, value=value):
                expected = [c.name for c in table.partition_key]
                if list(names) != expected:
                    raise InvalidRequest(
                        "The token() function must be applied to all partition key components or none of them"
                        if set(names) != set(expected)
                        else "The token function arguments must be in the partition key order: "
                        + ", ".join(expected)
                    )
                from engine.cql.ast.terms import NativeTypeName
                from engine.schema.types import NATIVE_TYPES

                token_type = NATIVE_TYPES[NativeTypeName.BIGINT]
                term = terms.prepare(value, _spec(table, "partition key token", token_type), ctx)
                result.tokens.append(TokenRestriction(operator, term))
            case ast.MultiColumnRelation(columns=names, operator=operator, value=value):
                columns = []
                for name in names:
                    column = table.column(name)
                    if column is None:
                        raise _undefined(table, name)
                    if column.kind is not ColumnKind.CLUSTERING:
                        raise InvalidRequest(
                            f"Multi-column relations can only be applied to clustering columns but was applied to: {name}"
                        )
                    columns.append(column)
                from engine.schema.types import TupleType

                tuple_type = TupleType(tuple(c.type for c in columns))
                label = "(" + ",".join(names) + ")"
                values = value if isinstance(value, tuple) else (value,)
                prepared = []
                for v in values:
                    if (
                        operator is Operator.IN
                        and isinstance(v, ast.BindMarker)
                        and not isinstance(value, tuple)
                    ):
                        from engine.schema.types import ListType

                        prepared.append(
                            terms.prepare(v, _spec(table, f"in({label})", ListType(tuple_type, True)), ctx)
                        )
                    else:
                        prepared.append(terms.prepare(v, _spec(table, label, tuple_type), ctx))
                result.multi.append(MultiRestriction(tuple(columns), operator, tuple(prepared)))
            case _:
                raise InvalidRequest(f"Unsupported restriction: {relation.cql()}")
    result.partition_key_bind_indexes = tuple(pk_indexes)
    _validate(result, for_select=for_select, allow_filtering=allow_filtering)
    return result


def _single(
    table: TableMetadata,
    column: ColumnMetadata,
    operator: Operator,
    value: ast.Term | ast.InValues,
    ctx: PrepareContext,
) -> Restriction:
    name = column.name
    spec = _spec(table, name, column.type)
    if operator is Operator.IN:
        if isinstance(value, ast.InValues):
            return Restriction(
                column, operator, values=tuple(terms.prepare(v, spec, ctx) for v in value.items)
            )
        from engine.schema.types import ListType

        return Restriction(
            column,
            operator,
            terms.prepare(value, _spec(table, f"in({name})", ListType(column.type, True)), ctx),
        )
    assert not isinstance(value, ast.InValues)
    if operator is Operator.CONTAINS:
        element = getattr(column.type, "element", None) or getattr(column.type, "value", None)
        if element is None:
            raise InvalidRequest(f"Cannot use CONTAINS on non-collection column {name}")
        return Restriction(
            column, operator, terms.prepare(value, _spec(table, f"value({name})", element), ctx)
        )
    if operator is Operator.CONTAINS_KEY:
        key_type = getattr(column.type, "key", None)
        if key_type is None:
            raise InvalidRequest(f"Cannot use CONTAINS KEY on non-map column {name}")
        return Restriction(
            column, operator, terms.prepare(value, _spec(table, f"key({name})", key_type), ctx)
        )
    if operator is Operator.IS_NOT:
        return Restriction(column, operator)
    if column.type.is_multi_cell and operator is not Operator.EQ:
        raise InvalidRequest(
            f"Collection column '{name}' ({column.type.cql()}) cannot be restricted by a '{operator.value}' relation"
        )
    return Restriction(column, operator, terms.prepare(value, spec, ctx))


_SAI = "org.apache.cassandra.index.sai.StorageAttachedIndex"


def _check_slice_bounds(name: str, operators: list[Operator]) -> None:
    """One start and one end bound per column, and no range next to an equality (SliceRestriction.mergeWith)."""
    starts = [o for o in operators if o in (Operator.GT, Operator.GTE)]
    ends = [o for o in operators if o in (Operator.LT, Operator.LTE)]
    if (starts or ends) and Operator.EQ in operators:
        raise InvalidRequest(f"{name} cannot be restricted by both an equality and an inequality relation")
    if len(starts) > 1:
        raise InvalidRequest(f"More than one restriction was found for the start bound on {name}")
    if len(ends) > 1:
        raise InvalidRequest(f"More than one restriction was found for the end bound on {name}")


def _indexed(table: TableMetadata, restriction: Restriction, *, sai_only: bool = False) -> bool:
    """Whether an index of ``table`` can answer ``restriction`` (targets: ``c``, ``values(c)``,
    ``keys(c)``, ``entries(c)``, ``full(c)``; SAI also answers ranges)."""
    name = restriction.column.name
    operator = restriction.operator
    for index in table.indexes.values():
        target = index.target
        sai = index.options.get("class_name") == _SAI
        if sai_only and not sai:
            continue
        simple = target in (name, f"full({name})")
        if simple and (operator is Operator.EQ or (sai and operator in _SLICE)):
            return restriction.key is None
        if target == f"values({name})" and operator is Operator.CONTAINS:
            return True
        if target == f"keys({name})" and operator is Operator.CONTAINS_KEY:
            return True
        if target == f"entries({name})" and restriction.key is not None and operator is Operator.EQ:
            return True
    return False


def _validate(r: Restrictions, *, for_select: bool, allow_filtering: bool) -> None:
    table = r.table
    # Partition key: EQ/IN only (or token ranges).
    for name, restrictions in r.partition.items():
        for restriction in restrictions:
            if restriction.operator not in (Operator.EQ, Operator.IN):
                if not for_select:
                    raise InvalidRequest(
                        "Only EQ and IN relation are supported on the partition key (unless you use the token() function)"
                    )
                if not allow_filtering:
                    raise InvalidRequest(
                        "Only EQ and IN relation are supported on the partition key (unless you use the token() function)"
                    )
                r.needs_filtering = True
        if len([x for x in restrictions if x.operator is Operator.EQ]) > 1:
            raise InvalidRequest(
                f"{name} cannot be restricted by more than one relation if it includes an Equal"
            )
    partial = not r.is_key_lookup and bool(r.partition)
    if partial:
        if not for_select:
            missing = [c.name for c in table.partition_key if c.name not in r.partition]
            raise InvalidRequest(f"Some partition key parts are missing: {', '.join(missing)}")
        r.needs_filtering = True
    # Clustering: a prefix, slices only on the last restricted column.
    clustering = table.clustering
    previous: ColumnMetadata | None = None
    slice_seen: ColumnMetadata | None = None
    prefix_broken = False
    for column in clustering:
        restrictions = r.clustering.get(column.name, [])
        multi = [m for m in r.multi if column in m.columns]
        if not restrictions and not multi:
            prefix_broken = True
            previous = column
            continue
        if multi:
            continue
        if prefix_broken and previous is not None:
            if for_select and not allow_filtering:
                raise InvalidRequest(
                    f'PRIMARY KEY column "{column.name}" cannot be restricted as preceding column "{previous.name}" is not restricted'
                )
            r.needs_filtering = True
        if slice_seen is not None:
            if for_select and not allow_filtering:
                raise InvalidRequest(
                    f'Clustering column "{column.name}" cannot be restricted (preceding column "{slice_seen.name}" is restricted by a non-EQ relation)'
                )
            r.needs_filtering = True
        ops = {x.operator for x in restrictions}
        _check_slice_bounds(column.name, [x.operator for x in restrictions])
        if ops & set(_SLICE):
            slice_seen = column
        if ops & {Operator.CONTAINS, Operator.CONTAINS_KEY, Operator.NEQ, Operator.LIKE}:
            r.needs_filtering = True
        previous = column
    if r.clustering and not r.partition and not r.tokens and for_select:
        r.needs_filtering = True
    indexed = [x for x in r.others if _indexed(table, x)]
    if r.others:
        r.needs_filtering = True
    if indexed and for_select:
        # A secondary index answers the query (StatementRestrictions.usesSecondaryIndexing): only the
        # restrictions no index supports still filter.
        r.uses_index = True
        # Legacy indexes answer one expression and filter the others; SAI intersects its expressions.
        legacy = [x for x in indexed if not _indexed(table, x, sai_only=True)]
        r.needs_filtering = any(not _indexed(table, x) for x in r.others) or (
            len(indexed) > 1 and bool(legacy)
        )
    if for_select and r.needs_filtering and not allow_filtering:
        raise InvalidRequest(_FILTERING_MESSAGE)
