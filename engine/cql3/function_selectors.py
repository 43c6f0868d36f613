"""Selectors for the native functions whose argument types are taken from their arguments: the vector
similarity functions (``similarity_cosine(v, [0.1, 0.2])``) and the masking functions
(``mask_inner(name, 1, 2)``, ``engine.cql3.masking``).

Cassandra resolves these through ``FunctionFactory``: the type of each argument that is a column (or
another selector) is known; a literal or bind marker argument takes the type the function gives it (the
first argument's for ``sameAsFirst`` parameters, a fixed type otherwise). Literal arguments are prepared
once against that type and bound per execution.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from engine.cql import ast
from engine.cql3 import terms, vector_functions
from engine.cql3.terms import BindContext, PrepareContext
from engine.errors import InvalidRequest
from engine.schema.metadata import ColumnMetadata, TableMetadata
from engine.schema.types import CqlType
from engine.service.query_options import UNSET
from engine.service.results import ColumnSpec

if TYPE_CHECKING:
    from engine.cql3.selection import Selector

PrepareSelector = Callable[[TableMetadata, ast.Selector, PrepareContext, list[ColumnMetadata]], "Selector"]
Evaluate = Callable[[object, BindContext], bytes | None]


def as_term(selector: ast.Selector) -> ast.Term | None:
    """The term a literal argument is (a constant, NULL, a bind marker, or a collection or tuple literal
    of such), None for a selector that reads the row."""
    match selector:
        case ast.TermSelector(term=term):
            return term
        case ast.ListSelector(items=items) | ast.SetSelector(items=items) | ast.TupleSelector(items=items):
            inner = [as_term(i) for i in items]
            if any(i is None for i in inner):
                return None
            kind = {ast.ListSelector: ast.ListLiteral, ast.SetSelector: ast.SetLiteral}.get(
                type(selector), ast.TupleLiteral
            )
            return kind(tuple(inner))  # type: ignore[arg-type]
        case ast.MapSelector(entries=entries):
            pairs = [(as_term(k), as_term(v)) for k, v in entries]
            if any(k is None or v is None for k, v in pairs):
                return None
            return ast.MapLiteral(tuple(pairs))  # type: ignore[arg-type]
    return None


def is_literal(selector: ast.Selector) -> bool:
    """A literal argument (its type comes from the function)."""
    return as_term(selector) is not None


def literal_evaluator(
    selector: ast.Selector, receiver_type: CqlType, name: str, ctx: PrepareContext
) -> Evaluate:
    """A literal argument prepared against ``receiver_type``, evaluated to its serialized value."""
    literal = as_term(selector)
    assert literal is not None
    term = terms.prepare(literal, ColumnSpec(ctx.keyspace, ctx.table, name, receiver_type), ctx)

    def evaluate(row: object, bind: BindContext) -> bytes | None:
        value = term.bind(bind)
        if value is None or value is UNSET:
            return None
        return receiver_type.serialize(value)

    return evaluate


def label(selector: ast.Selector) -> str:
    return selector.name if isinstance(selector, ast.ColumnSelector) else selector.cql()


def vector_function(
    table: TableMetadata,
    name: str,
    arguments: tuple[ast.Selector, ...],
    ctx: PrepareContext,
    columns: list[ColumnMetadata],
    prepare: PrepareSelector,
) -> Selector:
    """``similarity_*(a, b)`` (VectorFcts): two float vectors of one dimension; a literal argument takes
    the other argument's type."""
    from engine.cql3.selection import Selector

    qualified = f"system.{name}"
    prepared = {i: prepare(table, a, ctx, columns) for i, a in enumerate(arguments) if not is_literal(a)}
    if not prepared:
        raise InvalidRequest(
            f"Cannot infer type of argument {arguments[0].cql() if arguments else ''} in call to function "
            f"{qualified}: use type casts to disambiguate"
        )
    known = next(iter(prepared.values())).type
    evaluators: list[Evaluate] = []
    types: list[CqlType] = []
    for i, argument in enumerate(arguments):
        if i in prepared:
            evaluators.append(prepared[i].evaluate)
            types.append(prepared[i].type)
        else:
            evaluators.append(literal_evaluator(argument, known, f"arg{i}({qualified})", ctx))
            types.append(known)
    vector_type = vector_functions.check_arguments(name, types)
    similarity = vector_functions.FUNCTIONS[name]
    float_type = vector_type.element

    def evaluate(row: object, bind: BindContext) -> bytes | None:
        values = []
        for evaluator in evaluators:
            raw = evaluator(row, bind)
            if raw is None:
                return None
            values.append(vector_type.deserialize(raw))
        return float_type.serialize(similarity.compare(values[0], values[1]))

    text = f"{qualified}({', '.join(label(a) for a in arguments)})"
    return Selector(text, float_type, evaluate)


def masking_function(
    table: TableMetadata,
    name: str,
    arguments: tuple[ast.Selector, ...],
    ctx: PrepareContext,
    columns: list[ColumnMetadata],
    prepare: PrepareSelector,
) -> Selector:
    """``mask_*(value, ...)`` in a selection (``engine.cql3.masking``): the value's type decides the other
    arguments' (a replacement of the same type, int positions, a text padding or hash algorithm)."""
    from engine.cql3 import masking
    from engine.cql3.selection import Selector

    qualified = f"system.{name}"
    if not arguments:
        raise InvalidRequest(f"Invalid number of arguments for function {qualified}")
    value = prepare(table, arguments[0], ctx, columns)
    types, returns = masking.signature(name, value.type, len(arguments) - 1)
    partial = [
        literal_evaluator(a, t, f"arg{i + 1}({qualified})", ctx)
        if is_literal(a)
        else prepare(table, a, ctx, columns).evaluate
        for i, (a, t) in enumerate(zip(arguments[1:], types, strict=True))
    ]
    value_type = value.type

    def evaluate(row: object, bind: BindContext) -> bytes | None:
        rest = tuple(p(row, bind) for p in partial)
        return masking.apply(name, value_type, value.evaluate(row, bind), rest)

    text = f"{qualified}({', '.join(label(a) for a in arguments)})"
    return Selector(text, returns, evaluate)
