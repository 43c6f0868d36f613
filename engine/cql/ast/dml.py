"""Data statements: SELECT, INSERT, UPDATE, DELETE, BATCH, plus USE and TRUNCATE.

Every statement records where it starts in the source (``line`` 1-based, ``column`` 0-based); positions
do not take part in equality, so a statement equals its own rendering parsed again.
"""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass, field

from engine.cql.ast.clauses import (
    NO_ATTRIBUTES,
    Attributes,
    ColumnCondition,
    Deletion,
    Operation,
    Ordering,
    Relation,
    Selection,
    Selector,
)
from engine.cql.ast.terms import QualifiedName, Term, render_name


@dataclass(frozen=True, slots=True)
class Statement(abc.ABC):
    """Base of every statement: only the source position, which equality ignores."""

    line: int = field(default=0, compare=False, kw_only=True)
    column: int = field(default=0, compare=False, kw_only=True)

    @abc.abstractmethod
    def cql(self) -> str:
        """The statement as canonical CQL (keywords upper-case, names quoted only when needed, no ';')."""


def _where(relations: tuple[Relation, ...]) -> str:
    if not relations:
        return ""
    return " WHERE " + " AND ".join(r.cql() for r in relations)


def _conditions(if_exists: bool, conditions: tuple[ColumnCondition, ...]) -> str:
    if if_exists:
        return " IF EXISTS"
    if conditions:
        return " IF " + " AND ".join(c.cql() for c in conditions)
    return ""


@dataclass(frozen=True, slots=True)
class SelectStatement(Statement):
    table: QualifiedName
    selection: tuple[Selection, ...] | None  # None for `*`
    where: tuple[Relation, ...] = ()
    distinct: bool = False
    json: bool = False
    group_by: tuple[Selector, ...] = ()
    order_by: tuple[Ordering, ...] = ()
    per_partition_limit: Term | None = None
    limit: Term | None = None
    allow_filtering: bool = False

    def cql(self) -> str:
        parts = ["SELECT"]
        if self.json:
            parts.append("JSON")
        if self.distinct:
            parts.append("DISTINCT")
        parts.append("*" if self.selection is None else ", ".join(s.cql() for s in self.selection))
        parts.append(f"FROM {self.table.cql()}")
        text = " ".join(parts) + _where(self.where)
        if self.group_by:
            text += " GROUP BY " + ", ".join(g.cql() for g in self.group_by)
        if self.order_by:
            text += " ORDER BY " + ", ".join(o.cql() for o in self.order_by)
        if self.per_partition_limit is not None:
            text += f" PER PARTITION LIMIT {self.per_partition_limit.cql()}"
        if self.limit is not None:
            text += f" LIMIT {self.limit.cql()}"
        if self.allow_filtering:
            text += " ALLOW FILTERING"
        return text


@dataclass(frozen=True, slots=True)
class InsertStatement(Statement):
    table: QualifiedName
    columns: tuple[str, ...]
    values: tuple[Term, ...]
    if_not_exists: bool = False
    attributes: Attributes = NO_ATTRIBUTES

    def cql(self) -> str:
        columns = ", ".join(render_name(c) for c in self.columns)
        values = ", ".join(v.cql() for v in self.values)
        text = f"INSERT INTO {self.table.cql()} ({columns}) VALUES ({values})"
        if self.if_not_exists:
            text += " IF NOT EXISTS"
        return text + self.attributes.cql()


@dataclass(frozen=True, slots=True)
class InsertJsonStatement(Statement):
    """``INSERT INTO t JSON '{...}' [DEFAULT NULL|UNSET]``; ``json`` is a string constant or a marker."""

    table: QualifiedName
    json: Term
    default_unset: bool = False
    if_not_exists: bool = False
    attributes: Attributes = NO_ATTRIBUTES

    def cql(self) -> str:
        text = f"INSERT INTO {self.table.cql()} JSON {self.json.cql()}"
        if self.default_unset:
            text += " DEFAULT UNSET"
        if self.if_not_exists:
            text += " IF NOT EXISTS"
        return text + self.attributes.cql()


@dataclass(frozen=True, slots=True)
class UpdateStatement(Statement):
    table: QualifiedName
    operations: tuple[Operation, ...]
    where: tuple[Relation, ...]
    attributes: Attributes = NO_ATTRIBUTES
    conditions: tuple[ColumnCondition, ...] = ()
    if_exists: bool = False

    def cql(self) -> str:
        text = f"UPDATE {self.table.cql()}{self.attributes.cql()} SET "
        text += ", ".join(o.cql() for o in self.operations)
        return text + _where(self.where) + _conditions(self.if_exists, self.conditions)


@dataclass(frozen=True, slots=True)
class DeleteStatement(Statement):
    table: QualifiedName
    deletions: tuple[Deletion, ...]
    where: tuple[Relation, ...]
    timestamp: Term | None = None
    conditions: tuple[ColumnCondition, ...] = ()
    if_exists: bool = False

    def cql(self) -> str:
        text = "DELETE "
        if self.deletions:
            text += ", ".join(d.cql() for d in self.deletions) + " "
        text += f"FROM {self.table.cql()}"
        if self.timestamp is not None:
            text += f" USING TIMESTAMP {self.timestamp.cql()}"
        return text + _where(self.where) + _conditions(self.if_exists, self.conditions)


class BatchType(enum.Enum):
    LOGGED = "LOGGED"
    UNLOGGED = "UNLOGGED"
    COUNTER = "COUNTER"


ModificationStatement = InsertStatement | InsertJsonStatement | UpdateStatement | DeleteStatement


@dataclass(frozen=True, slots=True)
class BatchStatement(Statement):
    type: BatchType
    statements: tuple[ModificationStatement, ...]
    attributes: Attributes = NO_ATTRIBUTES

    def cql(self) -> str:
        head = "BEGIN BATCH" if self.type is BatchType.LOGGED else f"BEGIN {self.type.value} BATCH"
        body = "".join(f" {s.cql()};" for s in self.statements)
        return f"{head}{self.attributes.cql()}{body} APPLY BATCH"


@dataclass(frozen=True, slots=True)
class UseStatement(Statement):
    keyspace: str

    def cql(self) -> str:
        return f"USE {render_name(self.keyspace)}"


@dataclass(frozen=True, slots=True)
class TruncateStatement(Statement):
    table: QualifiedName

    def cql(self) -> str:
        return f"TRUNCATE {self.table.cql()}"
