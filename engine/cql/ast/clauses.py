"""The clauses of DML statements: selectors, WHERE relations, IF conditions, SET operations, orderings.

Selectors (Cassandra's ``Selectable.Raw``) are what a SELECT returns; unlike terms they can name
columns and be grouped with parentheses, so a selector renders nested arithmetic in parentheses.
Relations are the WHERE clause's restrictions, conditions the IF clause of a lightweight transaction,
operations the assignments of UPDATE and the deletions of DELETE.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from engine.cql.ast.terms import (
    ArithmeticOperator,
    BindMarker,
    Constant,
    ConstantKind,
    FunctionName,
    NativeType,
    QualifiedName,
    Term,
    TupleLiteral,
    TypeRef,
    render_name,
)

# ------------------------------------------------------------------------------------------ selectors


# A bare json or distinct first among selectors reads as the SELECT keyword (Cassandra's predicate), so
# as column names among selectors they are always quoted.
_SELECTOR_KEYWORDS = frozenset({"json", "distinct"})


@dataclass(frozen=True, slots=True)
class ColumnSelector:
    name: str

    def cql(self) -> str:
        if self.name in _SELECTOR_KEYWORDS:
            return '"' + self.name + '"'
        return render_name(self.name)


@dataclass(frozen=True, slots=True)
class TermSelector:
    """A literal, NULL or bind marker among the selectors."""

    term: Term

    def cql(self) -> str:
        return self.term.cql()


@dataclass(frozen=True, slots=True)
class FunctionSelector:
    name: FunctionName
    arguments: tuple[Selector, ...]

    def cql(self) -> str:
        return f"{self.name.cql()}({', '.join(a.cql() for a in self.arguments)})"


@dataclass(frozen=True, slots=True)
class CountRowsSelector:
    """``COUNT(*)``."""

    def cql(self) -> str:
        return "COUNT(*)"


class WritetimeKind(enum.Enum):
    WRITETIME = "WRITETIME"
    MAXWRITETIME = "MAXWRITETIME"
    TTL = "TTL"


@dataclass(frozen=True, slots=True)
class WritetimeSelector:
    """``WRITETIME(col)``, ``MAXWRITETIME(col)``, ``TTL(col)``; the column may carry element/field access."""

    kind: WritetimeKind
    column: Selector

    def cql(self) -> str:
        return f"{self.kind.value}({self.column.cql()})"


@dataclass(frozen=True, slots=True)
class CastSelector:
    selector: Selector
    type: NativeType

    def cql(self) -> str:
        return f"CAST({self.selector.cql()} AS {self.type.cql()})"


@dataclass(frozen=True, slots=True)
class FieldSelector:
    receiver: Selector
    field: str

    def cql(self) -> str:
        return f"{_receiver(self.receiver)}.{render_name(self.field)}"


@dataclass(frozen=True, slots=True)
class ElementSelector:
    receiver: Selector
    element: Term

    def cql(self) -> str:
        return f"{_receiver(self.receiver)}[{self.element.cql()}]"


@dataclass(frozen=True, slots=True)
class SliceSelector:
    """``receiver[from..to]`` with either bound optional (not both)."""

    receiver: Selector
    start: Term | None
    end: Term | None

    def cql(self) -> str:
        start = "" if self.start is None else self.start.cql()
        end = "" if self.end is None else self.end.cql()
        return f"{_receiver(self.receiver)}[{start}..{end}]"


@dataclass(frozen=True, slots=True)
class ArithmeticSelector:
    operator: ArithmeticOperator
    left: Selector
    right: Selector

    def cql(self) -> str:
        return f"{_operand(self.left)} {self.operator.value} {_operand(self.right)}"


@dataclass(frozen=True, slots=True)
class NegationSelector:
    selector: Selector

    def cql(self) -> str:
        return f"- {_operand(self.selector)}"


@dataclass(frozen=True, slots=True)
class TypeHintSelector:
    type: TypeRef
    selector: Selector

    def cql(self) -> str:
        # The hint binds to the selector group right after it, before any `.field` or `[...]`: anything
        # but an atom goes in parentheses.
        inner = self.selector
        atom = isinstance(
            inner,
            ColumnSelector
            | TermSelector
            | FunctionSelector
            | CountRowsSelector
            | WritetimeSelector
            | CastSelector
            | TupleSelector
            | ListSelector
            | SetSelector
            | MapSelector,
        )
        return f"({self.type.cql()}) {inner.cql() if atom else '(' + inner.cql() + ')'}"


@dataclass(frozen=True, slots=True)
class TupleSelector:
    """``(a, b)``: two or more selectors (one selector in parentheses is only grouping)."""

    items: tuple[Selector, ...]

    def cql(self) -> str:
        return "(" + ", ".join(i.cql() for i in self.items) + ")"


@dataclass(frozen=True, slots=True)
class ListSelector:
    items: tuple[Selector, ...]

    def cql(self) -> str:
        return "[" + ", ".join(i.cql() for i in self.items) + "]"


@dataclass(frozen=True, slots=True)
class SetSelector:
    items: tuple[Selector, ...]

    def cql(self) -> str:
        return "{" + ", ".join(i.cql() for i in self.items) + "}"


@dataclass(frozen=True, slots=True)
class MapSelector:
    """``{k: v, ...}`` among selectors: a map, or a UDT when the keys are field names."""

    entries: tuple[tuple[Selector, Selector], ...]

    def cql(self) -> str:
        return "{" + ", ".join(f"{k.cql()}: {v.cql()}" for k, v in self.entries) + "}"


Selector = (
    ColumnSelector
    | TermSelector
    | FunctionSelector
    | CountRowsSelector
    | WritetimeSelector
    | CastSelector
    | FieldSelector
    | ElementSelector
    | SliceSelector
    | ArithmeticSelector
    | NegationSelector
    | TypeHintSelector
    | TupleSelector
    | ListSelector
    | SetSelector
    | MapSelector
)


def _receiver(selector: Selector) -> str:
    """The selector a `.field` or `[...]` applies to: a number in parentheses (`(1).f`, not the float
    `1.` followed by `f`); other literals stay bare (`('x')[1]` would read as a type hint)."""
    term = selector.term if isinstance(selector, TermSelector) else None
    if isinstance(term, Constant) and term.kind in (ConstantKind.INTEGER, ConstantKind.FLOAT):
        return f"({selector.cql()})"
    return _operand(selector)


def _operand(selector: Selector) -> str:
    """A selector as the operand of an operator or accessor: compound ones go in parentheses."""
    if isinstance(selector, ArithmeticSelector | NegationSelector | TypeHintSelector):
        return f"({selector.cql()})"
    return selector.cql()


@dataclass(frozen=True, slots=True)
class Selection:
    """One entry of a SELECT clause: a selector and its optional ``AS`` alias."""

    selector: Selector
    alias: str | None = None

    def cql(self) -> str:
        if self.alias is None:
            return self.selector.cql()
        return f"{self.selector.cql()} AS {render_name(self.alias)}"


# ------------------------------------------------------------------------------------------ relations


class Operator(enum.Enum):
    """Relation and condition operators (Cassandra's ``Operator``)."""

    EQ = "="
    LT = "<"
    LTE = "<="
    GT = ">"
    GTE = ">="
    NEQ = "!="
    IN = "IN"
    CONTAINS = "CONTAINS"
    CONTAINS_KEY = "CONTAINS KEY"
    LIKE = "LIKE"
    IS_NOT = "IS NOT"


@dataclass(frozen=True, slots=True)
class InValues:
    """The parenthesized list after IN: ``(1, 2, 3)``; a marker (``IN ?``) is a BindMarker instead."""

    items: tuple[Term, ...]

    def cql(self) -> str:
        return "(" + ", ".join(i.cql() for i in self.items) + ")"


def _value(value: Term | InValues) -> str:
    return value.cql()


@dataclass(frozen=True, slots=True)
class SingleColumnRelation:
    """``col op value``; for ``IS NOT NULL`` the value is Null."""

    column: str
    operator: Operator
    value: Term | InValues

    def cql(self) -> str:
        if self.operator is Operator.IS_NOT:
            return f"{render_name(self.column)} IS NOT NULL"
        return f"{render_name(self.column)} {self.operator.value} {_value(self.value)}"


@dataclass(frozen=True, slots=True)
class MapElementRelation:
    """``col[key] op value``."""

    column: str
    key: Term
    operator: Operator
    value: Term

    def cql(self) -> str:
        return f"{render_name(self.column)}[{self.key.cql()}] {self.operator.value} {self.value.cql()}"


@dataclass(frozen=True, slots=True)
class TokenRelation:
    """``token(a, b) op value``."""

    columns: tuple[str, ...]
    operator: Operator
    value: Term

    def cql(self) -> str:
        columns = ", ".join(render_name(c) for c in self.columns)
        return f"token({columns}) {self.operator.value} {self.value.cql()}"


@dataclass(frozen=True, slots=True)
class MultiColumnRelation:
    """``(a, b) op (1, 2)``, ``(a, b) op ?``, ``(a, b) IN ((1, 2), ?)`` or ``(a, b) IN ?``."""

    columns: tuple[str, ...]
    operator: Operator
    value: TupleLiteral | BindMarker | tuple[TupleLiteral | BindMarker, ...]

    def cql(self) -> str:
        columns = "(" + ", ".join(render_name(c) for c in self.columns) + ")"
        if isinstance(self.value, tuple):
            value = "(" + ", ".join(v.cql() for v in self.value) + ")"
        else:
            value = self.value.cql()
        return f"{columns} {self.operator.value} {value}"


@dataclass(frozen=True, slots=True)
class CustomIndexExpression:
    """``expr(index_name, 'query')``."""

    index: QualifiedName
    value: Term

    def cql(self) -> str:
        return f"expr({self.index.cql()}, {self.value.cql()})"


Relation = (
    SingleColumnRelation | MapElementRelation | TokenRelation | MultiColumnRelation | CustomIndexExpression
)


class Direction(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"


@dataclass(frozen=True, slots=True)
class Ordering:
    """One ``ORDER BY`` entry; ``ann`` holds the vector of ``col ANN OF [..]``."""

    column: str
    direction: Direction = Direction.ASC
    ann: Term | None = None

    def cql(self) -> str:
        text = render_name(self.column)
        if self.ann is not None:
            text += f" ANN OF {self.ann.cql()}"
        return f"{text} {self.direction.value}"


# ---------------------------------------------------------------------------------- conditions (IF)


@dataclass(frozen=True, slots=True)
class ColumnCondition:
    """One condition of an IF clause: ``col op v``, ``col[elem] op v`` or ``col.field op v``."""

    column: str
    operator: Operator
    value: Term | InValues
    element: Term | None = None
    field: str | None = None

    def cql(self) -> str:
        target = render_name(self.column)
        if self.element is not None:
            target += f"[{self.element.cql()}]"
        elif self.field is not None:
            target += f".{render_name(self.field)}"
        return f"{target} {self.operator.value} {_value(self.value)}"


# ------------------------------------------------------------------------------- UPDATE operations


class OperationKind(enum.Enum):
    """How an UPDATE assignment changes its column (Cassandra's ``Operation.RawUpdate`` kinds)."""

    SET = "set"  # c = v
    ADD = "add"  # c = c + v, c += v
    SUBTRACT = "subtract"  # c = c - v, c -= v
    PREPEND = "prepend"  # c = v + c
    SET_ELEMENT = "set_element"  # c[k] = v
    SET_FIELD = "set_field"  # c.f = v


@dataclass(frozen=True, slots=True)
class Operation:
    """One assignment of an UPDATE's SET clause."""

    kind: OperationKind
    column: str
    value: Term
    element: Term | None = None
    field: str | None = None

    def cql(self) -> str:
        column = render_name(self.column)
        value = self.value.cql()
        match self.kind:
            case OperationKind.SET:
                return f"{column} = {value}"
            case OperationKind.ADD:
                return f"{column} = {column} + {value}"
            case OperationKind.SUBTRACT:
                return f"{column} = {column} - {value}"
            case OperationKind.PREPEND:
                return f"{column} = {value} + {column}"
            case OperationKind.SET_ELEMENT:
                assert self.element is not None
                return f"{column}[{self.element.cql()}] = {value}"
            case OperationKind.SET_FIELD:
                assert self.field is not None
                return f"{column}.{render_name(self.field)} = {value}"


@dataclass(frozen=True, slots=True)
class Deletion:
    """One target of DELETE: a column, ``col[elem]`` or ``col.field``."""

    column: str
    element: Term | None = None
    field: str | None = None

    def cql(self) -> str:
        text = render_name(self.column)
        if self.element is not None:
            return f"{text}[{self.element.cql()}]"
        if self.field is not None:
            return f"{text}.{render_name(self.field)}"
        return text


@dataclass(frozen=True, slots=True)
class Attributes:
    """``USING TIMESTAMP t AND TTL n``: each part optional."""

    timestamp: Term | None = None
    ttl: Term | None = None

    def cql(self) -> str:
        parts = []
        if self.timestamp is not None:
            parts.append(f"TIMESTAMP {self.timestamp.cql()}")
        if self.ttl is not None:
            parts.append(f"TTL {self.ttl.cql()}")
        return f" USING {' AND '.join(parts)}" if parts else ""


#: No USING clause (the value is immutable, so it is shared as a default).
NO_ATTRIBUTES = Attributes()
