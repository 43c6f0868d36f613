"""WHERE clauses at execution: what the prepared restrictions select.

``engine.cql3.where`` prepares a WHERE clause into :class:`Restrictions` (sorted by the kind of column
each relation restricts, as Cassandra's ``StatementRestrictions``) and checks Cassandra's rules.
Execution binds the values and yields:

* the partition keys to read (``partition_keys``), or None for a range scan with optional token bounds;
* a predicate over each row's serialized values (``matches``) that checks clustering and filtering
  relations, comparing with each type's ``sort_key`` (Cassandra's comparators).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from engine.cql.ast import Operator
from engine.cql3 import keys, terms
from engine.cql3.terms import BindContext, Term
from engine.db.rows import Bound, ClusteringKey
from engine.db.slices import Slices
from engine.errors import InvalidRequest
from engine.schema.metadata import ColumnMetadata, TableMetadata
from engine.schema.types import CqlType


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

    def bound_serialized(self, ctx: BindContext) -> list[bytes]:
        """``bound_values`` as the column's bytes, refusing nulls as a key relation does."""
        column_type = self.column.type
        if self.values is None and self.operator is Operator.EQ:
            assert self.value is not None
            raw = self.value.bind_serialized(ctx, column_type)
            if raw is terms.UNSET:
                raise InvalidRequest(f"Invalid unset value for column {self.column.name}")
            if raw is None:
                raise InvalidRequest(f"Invalid null value in condition for column {self.column.name}")
            return [raw]
        out = []
        for value in self.bound_values(ctx):
            if value is None:
                raise InvalidRequest(f"Invalid null value in condition for column {self.column.name}")
            out.append(column_type.serialize(value))
        return out


@dataclass(frozen=True)
class MultiRestriction:
    """``(c1, c2) op (v1, v2)`` on clustering columns."""

    columns: tuple[ColumnMetadata, ...]
    operator: Operator
    values: tuple[Term, ...]  # one tuple term (or several for IN)

    def bound_tuples(self, ctx: BindContext) -> list[Sequence[object]]:
        """The tuples the restriction names (one for ``=`` and slices, each of an ``IN``), as Python
        values, refusing nulls with MultiColumnRestriction's messages."""
        tuples: list[Sequence[object]] = []
        for term in self.values:
            bound = term.bind(ctx)
            if self.operator is Operator.IN and len(self.values) == 1 and isinstance(bound, list):
                candidates = bound  # IN ? with a list of tuples
            else:
                candidates = [bound]
            for candidate in candidates:
                _check_no_nulls(self, candidate)
                tuples.append(candidate)
        return tuples


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
    #: set by ``engine.cql3.where.prepare``: whether a SELECT reads a range of partitions, answers from an
    #: index, and would have to filter rows it reads (StatementRestrictions.isKeyRange/usesSecondaryIndexing/
    #: needFiltering)
    is_key_range: bool = False
    uses_index: bool = False
    needs_filtering: bool = False
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
            values = restriction.bound_serialized(ctx)
            if len(values) > 1:
                sort_key = column.type.sort_key
                unique = {sort_key(v): v for v in values}
                values = [unique[k] for k in sorted(unique)]
            per_column.append(values)
        if len(per_column) == 1:
            return [(v,) for v in per_column[0]]
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
        if r.multi:
            return self._multi_column_slices(bind)
        if not r.clustering:
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

    def _multi_column_slices(self, bind: BindContext) -> Slices | None:
        """Slices of ``(c1, c2) = / IN / > >= < <= (..)`` (Cassandra's MultiColumnRestriction bounds).

        A multi-column relation starts at the first clustering column (Cassandra refuses anything else and
        refuses mixing it with single-column relations on clustering columns). A range over columns of one
        clustering order is one slice (reversed for descending columns). A one-sided range over columns of
        mixed orders is a union of pieces (:func:`_one_sided_slices`); a two-sided one is the intersection
        of both sides' pieces.
        """
        comparator = keys.clustering_comparator(self.table)
        multis = self.multi
        if any(m.operator in (Operator.EQ, Operator.IN) for m in multis):
            if len(multis) != 1:
                return None
            m = multis[0]
            prefixes = [
                tuple(c.type.serialize(v) for c, v in zip(m.columns, values, strict=True))
                for values in m.bound_tuples(bind)
            ]
            return Slices.of(*((Bound(p, True), Bound(p, True)) for p in prefixes)).normalized(comparator)
        lower = upper = None
        for m in multis:
            if m.operator not in (Operator.GT, Operator.GTE, Operator.LT, Operator.LTE):
                return None
            (values,) = m.bound_tuples(bind)
            side = (m.columns, tuple(c.type.serialize(v) for c, v in zip(m.columns, values, strict=True)))
            if m.operator in (Operator.GT, Operator.GTE):
                lower = (*side, m.operator is Operator.GTE)
            else:
                upper = (*side, m.operator is Operator.LTE)
        columns = [c for bound in (lower, upper) if bound is not None for c in bound[0]]
        descending = {c.clustering_order.value == "desc" for c in columns}
        if len(descending) == 1:
            start = Bound(lower[1], lower[2]) if lower else Bound(())
            end = Bound(upper[1], upper[2]) if upper else Bound(())
            if descending == {True}:  # in the table's (descending) order the range is reversed
                start = Bound(upper[1], upper[2]) if upper else Bound(())
                end = Bound(lower[1], lower[2]) if lower else Bound(())
            return Slices.of((start, end)).normalized(comparator)
        sides = [
            _one_sided_slices(*side, going_up, comparator)
            for side, going_up in ((lower, True), (upper, False))
            if side
        ]
        return sides[0] if len(sides) == 1 else sides[0].intersection(sides[1], comparator)

    def is_restricted_by_eq(self, column: ColumnMetadata) -> bool:
        """StatementRestrictions.isColumnRestrictedByEq (a multi-column ``=`` counts for each of its columns)."""
        single = self.partition.get(column.name, []) + self.clustering.get(column.name, [])
        if any(r.operator is Operator.EQ and r.key is None for r in single):
            return True
        return any(m.operator is Operator.EQ and column in m.columns for m in self.multi)

    @property
    def restricts_clustering_or_regular(self) -> bool:
        return bool(self.clustering or self.multi or self.others)


def _one_sided_slices(
    columns: tuple[ColumnMetadata, ...],
    raw: tuple[bytes, ...],
    inclusive: bool,
    going_up: bool,
    comparator: ClusteringKey,
) -> Slices:
    """``(c1..cn) > / >= (v1..vn)`` (``going_up``) or ``< / <=`` over columns of mixed clustering orders,
    in storage order: the union over ``i`` of "the first ``i`` columns equal, column ``i + 1`` beyond its
    value", plus the tuple itself when inclusive (the pieces Cassandra's ``appendBoundTo`` builds)."""
    pieces = []
    for i, column in enumerate(columns):
        prefix, here = raw[:i], raw[: i + 1]
        # "beyond v_i" lies after v_i in storage order when the column's order and the direction agree
        if (column.clustering_order.value != "desc") == going_up:
            pieces.append((Bound(here, False), Bound(prefix, True)))
        else:
            pieces.append((Bound(prefix, True), Bound(here, False)))
    if inclusive:
        pieces.append((Bound(raw, True), Bound(raw, True)))
    return Slices.of(*pieces).normalized(comparator)


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


def _check_no_nulls(multi: MultiRestriction, candidate: Sequence[bytes | None] | None) -> None:
    """MultiColumnRestriction's null checks, with its three messages (IN, EQ, slice)."""
    columns = multi.columns
    in_message = f"Invalid null value in condition for columns: [{', '.join(c.name for c in columns)}]"
    if candidate is None:
        raise InvalidRequest(in_message)
    for column, value in zip(columns, candidate, strict=False):
        if value is None:
            if multi.operator is Operator.IN:
                raise InvalidRequest(in_message)
            if multi.operator is Operator.EQ:
                raise InvalidRequest(f"Invalid null value for column {column.name}")
            raise InvalidRequest(f"Invalid null value in condition for column {column.name}")


def _multi_check(multi: MultiRestriction, ctx: BindContext) -> Callable[[Mapping[str, bytes | None]], bool]:
    # Tuples compare by the columns' values, whatever their clustering order (CASSANDRA-7281:
    # ``(b) > (0)`` on a DESC column b selects b = 1).
    columns = multi.columns
    tuples = [
        tuple(_sortable(c.type, v) for c, v in zip(columns, candidate, strict=False))
        for candidate in multi.bound_tuples(ctx)
    ]
    operator = multi.operator

    def check(row: Mapping[str, bytes | None]) -> bool:
        actual = []
        for column in columns:
            raw = row.get(column.name)
            if raw is None:
                return False
            actual.append(column.type.sort_key(raw))
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
