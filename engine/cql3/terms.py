"""Terms prepared against their receivers, then bound to values at execution.

A term of the syntax tree (a constant, a bind marker, a collection literal, a function call...) is
prepared once for the column (or other receiver) it is assigned to or compared with: literals are
coerced to the receiver's type right away (with Cassandra's messages for a mismatch), bind markers get
their index and receiver (the prepared statement's bind metadata), function calls are resolved. At
execution ``bind`` turns the prepared term into a Python value of the receiver's type, ``None`` for
null, or :data:`~engine.service.query_options.UNSET`.
"""

from __future__ import annotations

import abc
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from engine.cql import ast
from engine.errors import InvalidRequest
from engine.schema.types import CqlType, coerce_literal
from engine.service.query_options import UNSET, QueryOptions, Unset
from engine.service.results import ColumnSpec

T = TypeVar("T")

Value = object  # a Python value of some CQL type


@dataclass
class BindContext:
    """What binding needs besides the term: the options' values and this execution's clock."""

    options: QueryOptions
    now_micros: int
    now_seconds: int
    _timeuuid: Callable[[], uuid.UUID] | None = None

    def value(self, index: int) -> bytes | Unset | None:
        values = self.options.values
        if index >= len(values):
            raise InvalidRequest(
                f"There were {len(values)} markers(?) in CQL but {index + 1} bound variables"
            )
        return values[index]

    def new_timeuuid(self) -> uuid.UUID:
        if self._timeuuid is None:
            return uuid.uuid1()
        return self._timeuuid()


@dataclass
class BindVariables:
    """The bind markers of a statement being prepared, with their receivers, indexed by where they appear
    in the statement text (Cassandra numbers markers as it parses them, so the parts of a statement can
    be prepared in any order): ``positions`` maps each marker (by identity) to its index."""

    specs: list[ColumnSpec] = field(default_factory=list)
    names: list[str | None] = field(default_factory=list)
    positions: dict[int, int] = field(default_factory=dict)

    def add(self, marker: ast.BindMarker, receiver: ColumnSpec) -> int:
        position = self.positions.get(id(marker))
        if position is None:
            self.specs.append(receiver)
            self.names.append(marker.name)
            return len(self.specs) - 1
        while len(self.specs) <= position:
            self.specs.append(None)  # type: ignore[arg-type]  # filled when that marker is prepared
            self.names.append(None)
        self.specs[position] = receiver
        self.names[position] = marker.name
        return position

    @classmethod
    def for_statement(cls, statement: object) -> BindVariables:
        return cls(positions=marker_positions(statement))


# The fields of these nodes in the order the statement text has them (others: declaration order).
_TEXT_ORDER: dict[type, tuple[str, ...]] = {
    ast.InsertStatement: ("values", "attributes"),
    ast.InsertJsonStatement: ("json", "attributes"),
    ast.UpdateStatement: ("attributes", "operations", "where", "conditions"),
    ast.DeleteStatement: ("deletions", "timestamp", "where", "conditions"),
    ast.SelectStatement: ("selection", "where", "group_by", "order_by", "per_partition_limit", "limit"),
    ast.BatchStatement: ("attributes", "statements"),
    ast.Operation: ("element", "value"),
    ast.ColumnCondition: ("element", "value"),
    ast.Attributes: ("timestamp", "ttl"),
}


def marker_positions(statement: object) -> dict[int, int]:
    """Each bind marker of ``statement`` (by identity) → its position in the statement text."""
    import dataclasses

    found: list[ast.BindMarker] = []

    def visit(node: object) -> None:
        if isinstance(node, ast.BindMarker):
            found.append(node)
        elif isinstance(node, list | tuple):
            for item in node:
                visit(item)
        elif dataclasses.is_dataclass(node) and not isinstance(node, type):
            names = _TEXT_ORDER.get(type(node)) or tuple(f.name for f in dataclasses.fields(node))
            for name in names:
                visit(getattr(node, name))

    visit(statement)
    return {id(marker): i for i, marker in enumerate(found)}


class Term(abc.ABC):
    @abc.abstractmethod
    def bind(self, ctx: BindContext) -> Value | Unset | None: ...

    def bind_serialized(self, ctx: BindContext, receiver: CqlType) -> bytes | Unset | None:
        """The bound value as ``receiver``'s bytes (None: null; ``UNSET``): what a write stores."""
        value = self.bind(ctx)
        if value is None or value is UNSET:
            return value  # type: ignore[return-value]
        return receiver.serialize(value)

    @property
    def is_terminal(self) -> bool:
        return False


@dataclass(frozen=True)
class Constant(Term):
    value: Value | None

    def bind(self, ctx: BindContext) -> Value | None:
        return self.value

    @property
    def is_terminal(self) -> bool:
        return True


@dataclass(frozen=True)
class Marker(Term):
    index: int
    type: CqlType
    receiver: str

    def bind(self, ctx: BindContext) -> Value | Unset | None:
        raw = ctx.value(self.index)
        if raw is None or raw is UNSET:
            return raw
        assert isinstance(raw, bytes)
        try:
            self.type.validate(raw)
            return self.type.deserialize(raw)
        except InvalidRequest as e:
            raise InvalidRequest(f"Exception while binding column {self.receiver}: {e.message}") from None

    def bind_serialized(self, ctx: BindContext, receiver: CqlType) -> bytes | Unset | None:
        """A marker of a type whose bytes are canonical hands its validated bytes on as they came (no
        round trip through a Python value: most of a prepared write's binding cost)."""
        if not (receiver.bytes_are_canonical and (receiver is self.type or receiver == self.type)):
            return super().bind_serialized(ctx, receiver)
        return self.bind_checked(ctx, validated_by(receiver))

    def bind_checked(self, ctx: BindContext, check: Callable[[bytes], T]) -> T | Unset | None:
        """The bound bytes through ``check`` (which validates them, raising Cassandra's error, and gives
        what the caller stores), errors prefixed as binding's are; null and unset as they come."""
        raw = ctx.value(self.index)
        if raw is None or raw is UNSET:
            return raw
        try:
            return check(raw)  # type: ignore[arg-type]
        except InvalidRequest as e:
            raise InvalidRequest(f"Exception while binding column {self.receiver}: {e.message}") from None


def validated_by(value_type: CqlType) -> Callable[[bytes], bytes]:
    """A check for :meth:`Marker.bind_checked`: the bytes, once ``value_type`` finds them valid."""

    def check(raw: bytes) -> bytes:
        value_type.validate(raw)
        return raw

    return check


@dataclass(frozen=True)
class Composite(Term):
    """A collection, tuple or user type literal with non-literal parts: built at bind time."""

    build: Callable[[list[Value | None]], Value]
    parts: tuple[Term, ...]

    def bind(self, ctx: BindContext) -> Value:
        values = []
        for part in self.parts:
            value = part.bind(ctx)
            if value is UNSET:
                raise InvalidRequest("Invalid unset value in collection")
            values.append(value)
        return self.build(values)


@dataclass(frozen=True)
class FunctionTerm(Term):
    name: str
    function: Callable[[BindContext, list[Value | None]], Value | None]
    arguments: tuple[Term, ...]

    def bind(self, ctx: BindContext) -> Value | None:
        values = []
        for argument in self.arguments:
            value = argument.bind(ctx)
            if value is UNSET:
                raise InvalidRequest(f"Invalid unset value for argument in call to function {self.name}")
            values.append(value)
        return self.function(ctx, values)


# --------------------------------------------------------------------------------------- prepare


@dataclass
class PrepareContext:
    """What preparing a term needs: the keyspace in scope, bind variables, and a function resolver."""

    keyspace: str
    table: str
    bind_variables: BindVariables
    resolve_function: Callable[[ast.FunctionCall, CqlType | None, PrepareContext, str], Term] | None = None


def _is_literal(term: ast.Term) -> bool:
    match term:
        case ast.Constant() | ast.Null():
            return True
        case ast.ListLiteral(items=items) | ast.SetLiteral(items=items) | ast.TupleLiteral(items=items):
            return all(_is_literal(i) for i in items)
        case ast.MapLiteral(entries=entries):
            return all(_is_literal(k) and _is_literal(v) for k, v in entries)
        case ast.UserTypeLiteral(fields=fields):
            return all(_is_literal(v) for _, v in fields)
        case ast.Negation(term=inner):
            return isinstance(inner, ast.Constant)
    return False


def prepare(term: ast.Term, receiver: ColumnSpec, ctx: PrepareContext) -> Term:
    """Prepare ``term`` to be assigned to (or compared with) ``receiver``."""
    name = receiver.name
    if _is_literal(term):
        return Constant(coerce_literal(term, receiver.type, name, _nested(receiver, ctx)))
    match term:
        case ast.BindMarker():
            return Marker(ctx.bind_variables.add(term, receiver), receiver.type, name)
        case ast.FunctionCall():
            if ctx.resolve_function is None:
                raise InvalidRequest(f"Unknown function {term.name.cql()}")
            return ctx.resolve_function(term, receiver.type, ctx, name)
        case ast.TypeHint(term=inner):
            return prepare(inner, receiver, ctx)
    return _prepare_composite(term, receiver, ctx)


def _prepare_composite(term: ast.Term, receiver: ColumnSpec, ctx: PrepareContext) -> Term:
    """A collection/tuple/UDT literal with markers or calls inside: each part is prepared for its own
    receiver (element, key/value, field) and the value is built when bound."""
    spec = receiver.type
    kind = getattr(spec, "kind_name", None)

    def sub(t: ast.Term, sub_type: CqlType, sub_name: str) -> Term:
        return prepare(t, ColumnSpec(receiver.keyspace, receiver.table, sub_name, sub_type), ctx)

    name = receiver.name
    match term:
        case ast.ListLiteral(items=items) if kind == "list":
            element = spec.element  # type: ignore[attr-defined]
            return Composite(list, tuple(sub(i, element, f"value({name})") for i in items))
        case ast.ListLiteral(items=items) | ast.SetLiteral(items=items) if kind == "set":
            element = spec.element  # type: ignore[attr-defined]
            return Composite(set, tuple(sub(i, element, f"value({name})") for i in items))
        case ast.MapLiteral(entries=entries) if kind == "map":
            key_type, value_type = spec.key, spec.value  # type: ignore[attr-defined]
            parts = []
            for k, v in entries:
                parts += [sub(k, key_type, f"key({name})"), sub(v, value_type, f"value({name})")]
            return Composite(lambda vs: dict(zip(vs[::2], vs[1::2], strict=True)), tuple(parts))
        case ast.TupleLiteral(items=items) if hasattr(spec, "elements"):
            types = spec.elements  # type: ignore[attr-defined]
            if len(items) > len(types):
                raise InvalidRequest(
                    f"Invalid tuple literal for {name}: too many elements. Type {spec.cql()} expects "
                    f"{len(types)} but got {len(items)}"
                )
            return Composite(
                tuple,
                tuple(sub(i, t, f"{name}[{n}]") for n, (i, t) in enumerate(zip(items, types, strict=False))),
            )
        case ast.UserTypeLiteral(fields=fields) if hasattr(spec, "field_names"):
            names = list(spec.field_names)  # type: ignore[attr-defined]
            parts, order = [], []
            for field_name, value in fields:
                if field_name not in names:
                    raise InvalidRequest(
                        f"Unknown field '{field_name}' in value of user defined type {spec.name}"  # type: ignore[attr-defined]
                    )
                t = spec.field_types[names.index(field_name)]  # type: ignore[attr-defined]
                parts.append(sub(value, t, f"{name}.{field_name}"))
                order.append(field_name)
            return Composite(lambda vs: dict(zip(order, vs, strict=True)), tuple(parts))
    raise InvalidRequest(f"Invalid value for {name} of type {spec.cql()}: {term.cql()}")


def _nested(receiver: ColumnSpec, ctx: PrepareContext) -> Callable[[ast.Term, CqlType, str], object]:
    """Resolves non-literal parts of an otherwise literal value at preparation (functions of literals)."""

    def resolve(sub: ast.Term, sub_type: CqlType, sub_name: str) -> object:
        spec = ColumnSpec(receiver.keyspace, receiver.table, sub_name, sub_type)
        return prepare(sub, spec, ctx).bind(_NO_BIND)

    return resolve


class _NoBind(BindContext):
    def __init__(self) -> None:
        super().__init__(QueryOptions(), 0, 0)

    def value(self, index: int) -> bytes | Unset | None:
        raise InvalidRequest("bind markers are not allowed here")


_NO_BIND = _NoBind()


def constant_value(term: Term) -> Value | Unset | None:
    """The value of a term that needs no execution (a literal): what a schema statement stores, such as a
    column mask's arguments; a bind marker is refused."""
    return term.bind(_NO_BIND)
