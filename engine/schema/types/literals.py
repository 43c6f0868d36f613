"""Literal terms of a statement as values of the type that receives them, with Cassandra's errors.

This is the ``prepare`` of Cassandra's ``Term.Raw`` classes for literals (``Constants.Literal``,
``ArrayLiteral``/``Lists``/``Vectors``, ``Sets``, ``Maps``, ``Tuples``, ``UserTypes``): first the
literal is *tested* against its receiver (is a string constant assignable to an int? is every element
of a list literal assignable to the element type?), then each part is converted, then collections are
checked for nulls. The receiver is the column (``k``) or, inside a literal, the part Cassandra names
(``value(l)``, ``key(m)``, ``t[0]``, ``u.street``), which is what error messages print.

Terms that are not literals — bind markers, function calls, casts, type hints, arithmetic — are handed
to ``resolve_nested(term, type, receiver)``, which returns their Python value (or None, or ``UNSET``);
for assignability they are taken as assignable, the resolver being where their own checks happen.
Bind markers are refused inside list, set and map literals (allowed in tuples, user types, vectors),
as in Cassandra.
"""

from __future__ import annotations

from collections.abc import Callable

from engine.cql.ast.terms import (
    BindMarker,
    Cast,
    Constant,
    ConstantKind,
    FunctionCall,
    ListLiteral,
    MapLiteral,
    Negation,
    Null,
    SetLiteral,
    Term,
    TupleLiteral,
    TypeHint,
    UserTypeLiteral,
)
from engine.errors import InvalidRequest
from engine.schema.types import native
from engine.schema.types.base import CqlType, MarshalException
from engine.schema.types.collections import ListType, MapType, SetType
from engine.schema.types.composite import UserType, _TupleBase, build_components
from engine.schema.types.numeric import (
    DecimalType,
    DoubleType,
    FloatType,
    VarintType,
    _FixedIntegerType,
)
from engine.schema.types.vector import VectorType
from engine.schema.values import EMPTY, UNSET, UnsetValue

NestedResolver = Callable[[Term, CqlType, str], object]
"""Gives the Python value of a non-literal term (bind marker, function call...) for a receiver."""

Bytes = bytes | None | UnsetValue

# Which constant kinds each native type takes (Constants.Literal.testAssignment).
_ASSIGNABLE: dict[ConstantKind, frozenset[CqlType]] = {
    ConstantKind.STRING: frozenset(
        {native.ASCII, native.TEXT, native.INET, native.DATE, native.TIME, native.TIMESTAMP}
    ),
    ConstantKind.INTEGER: frozenset(
        {
            native.BIGINT,
            native.COUNTER,
            native.DATE,
            native.DECIMAL,
            native.DOUBLE,
            native.DURATION,
            native.FLOAT,
            native.INT,
            native.SMALLINT,
            native.TIME,
            native.TIMESTAMP,
            native.TINYINT,
            native.VARINT,
        }
    ),
    ConstantKind.UUID: frozenset({native.UUID, native.TIMEUUID}),
    ConstantKind.FLOAT: frozenset({native.DECIMAL, native.DOUBLE, native.FLOAT}),
    ConstantKind.BOOLEAN: frozenset({native.BOOLEAN}),
    ConstantKind.HEX: frozenset({native.BLOB}),
    ConstantKind.DURATION: frozenset({native.DURATION}),
}
_NATIVE = frozenset(native.NATIVE_TYPES.values())


def term_text(term: Term) -> str:
    """A term as Cassandra's ``Term.Raw.getText`` prints it in error messages."""
    if isinstance(term, Constant):
        return f"'{term.text}'" if term.kind is ConstantKind.STRING else term.text
    if isinstance(term, Null):
        return "NULL"
    if isinstance(term, BindMarker):
        return "?"
    if isinstance(term, ListLiteral):
        return "[" + ", ".join(term_text(t) for t in term.items) + "]"
    if isinstance(term, SetLiteral):
        return "{" + ", ".join(term_text(t) for t in term.items) + "}"
    if isinstance(term, MapLiteral):
        return "{" + ", ".join(f"{term_text(k)}: {term_text(v)}" for k, v in term.entries) + "}"
    if isinstance(term, TupleLiteral):
        return "(" + ", ".join(term_text(t) for t in term.items) + ")"
    if isinstance(term, UserTypeLiteral):
        return "{" + ", ".join(f"{name}: {term_text(v)}" for name, v in term.fields) + "}"
    if isinstance(term, FunctionCall):
        name = term.name.name if term.name.keyspace is None else f"{term.name.keyspace}.{term.name.name}"
        return name + "(" + ", ".join(term_text(a) for a in term.arguments) + ")"
    if isinstance(term, TypeHint):
        return f"({term.type.cql()}){term_text(term.term)}"
    return term.cql()


def contains_bind_marker(term: Term) -> bool:
    if isinstance(term, BindMarker):
        return True
    if isinstance(term, ListLiteral | SetLiteral | TupleLiteral):
        return any(contains_bind_marker(t) for t in term.items)
    if isinstance(term, MapLiteral):
        return any(contains_bind_marker(k) or contains_bind_marker(v) for k, v in term.entries)
    if isinstance(term, UserTypeLiteral):
        return any(contains_bind_marker(v) for _, v in term.fields)
    if isinstance(term, FunctionCall):
        return any(contains_bind_marker(a) for a in term.arguments)
    if isinstance(term, TypeHint | Cast | Negation):
        return contains_bind_marker(term.term)
    if hasattr(term, "left"):
        return contains_bind_marker(term.left) or contains_bind_marker(term.right)  # type: ignore[union-attr]
    return False


def is_assignable(term: Term, receiver_type: CqlType) -> bool:
    """Cassandra's ``testAssignment`` (not NOT_ASSIGNABLE). Like Cassandra's ``ArrayLiteral``, a list
    literal tested against a type that is neither a list nor a vector raises."""
    t = receiver_type.unwrap()
    if isinstance(term, Constant):
        if t.is_collection or t.is_udt:
            return False
        if t not in _NATIVE:
            return True  # custom types, tuples and vectors: parsed by their fromString
        return t in _ASSIGNABLE[term.kind]
    if isinstance(term, Null):
        return not t.is_counter
    if isinstance(term, ListLiteral):
        if isinstance(t, VectorType):
            return len(term.items) == t.dimension and all(is_assignable(e, t.element) for e in term.items)
        if isinstance(t, ListType):
            return all(is_assignable(e, t.element) for e in term.items)
        raise _unexpected_array_receiver(t)
    if isinstance(term, SetLiteral):
        if isinstance(t, SetType):
            return all(is_assignable(e, t.element) for e in term.items)
        return isinstance(t, MapType) and not term.items
    if isinstance(term, MapLiteral):
        return isinstance(t, MapType) and all(
            is_assignable(k, t.key) and is_assignable(v, t.value) for k, v in term.entries
        )
    if isinstance(term, TupleLiteral | UserTypeLiteral):
        try:
            _check_tuple(term, t, "") if isinstance(term, TupleLiteral) else _check_udt(term, t, "")
        except InvalidRequest:
            return False
        return True
    return True


def _unexpected_array_receiver(t: CqlType) -> InvalidRequest:
    return InvalidRequest(f"Unexpected receiver type '{t.cql()}'; only list and vector are expected")


def _check_tuple(term: TupleLiteral, t: CqlType, receiver: str) -> _TupleBase:
    if not isinstance(t, _TupleBase):
        raise InvalidRequest(f"Invalid tuple type literal for {receiver} of type {t.cql()}")
    for i, item in enumerate(term.items):
        if i >= len(t.types):
            raise InvalidRequest(
                f"Invalid tuple literal for {receiver}: too many elements. "
                f"Type {t.cql()} expects {len(t.types)} but got {len(term.items)}"
            )
        if not is_assignable(item, t.types[i]):
            raise InvalidRequest(
                f"Invalid tuple literal for {receiver}: component {i} is not of type {t.types[i].cql()}"
            )
    return t


def _check_udt(term: UserTypeLiteral, t: CqlType, receiver: str) -> UserType:
    if not isinstance(t, UserType):
        raise InvalidRequest(f"Invalid user type literal for {receiver} of type {t.cql()}")
    given = dict(term.fields)
    for name, field_type in zip(t.field_names, t.field_types, strict=True):
        value = given.get(name)
        if value is not None and not is_assignable(value, field_type):
            raise InvalidRequest(
                f"Invalid user type literal for {receiver}: field {name} is not of type {field_type.cql()}"
            )
    return t


class _Coercer:
    def __init__(self, resolve_nested: NestedResolver | None, now_millis: Callable[[], int] | None) -> None:
        self.resolve_nested = resolve_nested
        self.now_millis = now_millis

    def value(self, term: Term, receiver_type: CqlType, receiver: str) -> Bytes:
        t = receiver_type.unwrap()
        if isinstance(term, Constant):
            return self.constant(term, receiver_type, t, receiver)
        if isinstance(term, Negation) and isinstance(term.term, Constant):
            return self.negation(term, receiver_type, t, receiver)
        if isinstance(term, Null):
            if t.is_counter:
                raise InvalidRequest("Invalid null value for counter increment/decrement")
            return None
        if isinstance(term, ListLiteral):
            if isinstance(t, VectorType):
                return self.vector(term, t, receiver)
            if isinstance(t, ListType):
                return self.list(term, t, receiver)
            raise _unexpected_array_receiver(t)
        if isinstance(term, SetLiteral):
            return self.set(term, t, receiver)
        if isinstance(term, MapLiteral):
            return self.map(term, t, receiver)
        if isinstance(term, TupleLiteral):
            return self.tuple(term, t, receiver)
        if isinstance(term, UserTypeLiteral):
            return self.user_type(term, t, receiver)
        return self.nested(term, receiver_type, receiver)

    def negation(self, term: Negation, receiver_type: CqlType, t: CqlType, receiver: str) -> Bytes:
        """``- 2`` (a space apart: ``-2`` is one constant): Cassandra's ``_negate`` function of a number
        literal, computed at preparation. Fixed-size integers wrap as Java's negation does."""
        if not isinstance(t, _NEGATABLE):
            raise InvalidRequest(f"Invalid value for {receiver} of type {receiver_type.cql()}: {term.cql()}")
        data = self.constant(term.term, receiver_type, t, receiver)  # type: ignore[arg-type]
        if not data:
            return data
        negated = -t.deserialize(data)
        if isinstance(t, _FixedIntegerType):
            half = 1 << (8 * len(data) - 1)
            negated = (negated + half) % (2 * half) - half
        return t.serialize(negated)

    def nested(self, term: Term, t: CqlType, receiver: str) -> Bytes:
        if self.resolve_nested is None:
            raise TypeError(f"{term.cql()} is not a literal and no resolver was given")
        value = self.resolve_nested(term, t, receiver)
        if value is None or isinstance(value, UnsetValue):
            return value
        return t.serialize(value)

    def constant(self, term: Constant, receiver_type: CqlType, t: CqlType, receiver: str) -> bytes:
        if not is_assignable(term, t):
            raise InvalidRequest(
                f'Invalid {term.kind.name} constant ({term.text}) for "{receiver}" of type {receiver_type.cql()}'
            )
        if term.kind is ConstantKind.HEX:
            return native.BLOB.parse_string(term.text[2:])
        if t.is_counter:
            return native.BIGINT.parse_string(term.text)
        if t == native.TIMESTAMP and term.text.lower() == "now" and self.now_millis is not None:
            return native.TIMESTAMP.serialize(self.now_millis())
        return t.parse_string(term.text)

    # ------------------------------------------------------------------ collections

    def _elements(self, kind: str, items: tuple[Term, ...], element: CqlType, receiver: str) -> list[Bytes]:
        spec = f"value({receiver})"
        for item in items:
            if not is_assignable(item, element):
                raise InvalidRequest(
                    f"Invalid {kind} literal for {receiver}: value {term_text(item)} is not of type {element.cql()}"
                )
        out = []
        for item in items:
            if contains_bind_marker(item):
                raise InvalidRequest(
                    f"Invalid {kind} literal for {receiver}: bind variables are not supported inside collection literals"
                )
            out.append(self.value(item, element, spec))
        return out

    def list(self, term: ListLiteral, t: ListType, receiver: str) -> Bytes:
        parts = self._elements("list", term.items, t.element, receiver)
        checked = _no_nulls(parts)
        return checked if isinstance(checked, UnsetValue) else t.serialize_elements(checked)

    def set(self, term: SetLiteral, t: CqlType, receiver: str) -> Bytes:
        if not isinstance(t, SetType):
            if isinstance(t, MapType) and not term.items:
                return t.serialize_entries([])
            raise InvalidRequest(f"Invalid set literal for {receiver} of type {t.cql()}")
        parts = self._elements("set", term.items, t.element, receiver)
        checked = _no_nulls(parts)
        return checked if isinstance(checked, UnsetValue) else t.serialize_elements(checked)

    def map(self, term: MapLiteral, t: CqlType, receiver: str) -> Bytes:
        if not isinstance(t, MapType):
            raise InvalidRequest(f"Invalid map literal for {receiver} of type {t.cql()}")
        for key, value in term.entries:
            if not is_assignable(key, t.key):
                raise InvalidRequest(
                    f"Invalid map literal for {receiver}: key {term_text(key)} is not of type {t.key.cql()}"
                )
            if not is_assignable(value, t.value):
                raise InvalidRequest(
                    f"Invalid map literal for {receiver}: value {term_text(value)} is not of type {t.value.cql()}"
                )
        prepared = []
        for key, value in term.entries:
            if contains_bind_marker(key) or contains_bind_marker(value):
                raise InvalidRequest(
                    f"Invalid map literal for {receiver}: bind variables are not supported inside collection literals"
                )
            prepared.append(
                (self.value(key, t.key, f"key({receiver})"), self.value(value, t.value, f"value({receiver})"))
            )
        entries = []
        for k, v in prepared:
            if k is None or v is None:
                raise InvalidRequest("null is not supported inside collections")
            if isinstance(k, UnsetValue):
                raise InvalidRequest("unset value is not supported for map keys")
            if isinstance(v, UnsetValue):
                return UNSET
            entries.append((k, v))
        return t.serialize_entries(entries)

    def vector(self, term: ListLiteral, t: VectorType, receiver: str) -> Bytes:
        if len(term.items) != t.dimension:
            raise InvalidRequest(
                f"Invalid vector literal for {receiver} of type {t.cql()}; "
                f"expected {t.dimension} elements, but given {len(term.items)}"
            )
        parts = []
        for item in term.items:
            if not is_assignable(item, t.element):
                raise InvalidRequest(
                    f"Invalid vector literal for {receiver}: value {term_text(item)} is not of type {t.element.cql()}"
                )
            parts.append(self.value(item, t.element, f"value({receiver})"))
        out = []
        for part in parts:
            if (
                part is None
                or isinstance(part, UnsetValue)
                or (not part and t.element.deserialize(b"") is EMPTY)
            ):
                raise InvalidRequest("null is not supported inside vectors")
            out.append(part)
        return t.build(out)

    # ------------------------------------------------------------------ tuples and user types

    def tuple(self, term: TupleLiteral, t: CqlType, receiver: str) -> Bytes:
        tuple_type = _check_tuple(term, t, receiver)
        parts = [
            self.value(item, tuple_type.types[i], f"{receiver}[{i}]") for i, item in enumerate(term.items)
        ]
        for i, part in enumerate(parts):
            if isinstance(part, UnsetValue):
                raise InvalidRequest(f"Invalid unset value for tuple field number {i}")
        return build_components(parts)  # type: ignore[arg-type]

    def user_type(self, term: UserTypeLiteral, t: CqlType, receiver: str) -> Bytes:
        udt = _check_udt(term, t, receiver)
        given = dict(term.fields)
        parts: list[Bytes] = []
        for name, field_type in zip(udt.field_names, udt.field_types, strict=True):
            value = given.get(name)
            parts.append(None if value is None else self.value(value, field_type, f"{receiver}.{name}"))
        for name in given:
            if name not in udt.field_names:
                raise InvalidRequest(f"Unknown field '{name}' in value of user defined type {udt.name}")
        for name, part in zip(udt.field_names, parts, strict=True):
            if isinstance(part, UnsetValue) and udt.frozen:
                raise InvalidRequest(
                    f"Invalid unset value for field '{name}' of user defined type {udt.name}"
                )
        return build_components(None if isinstance(p, UnsetValue) else p for p in parts)


#: The types Cassandra's ``_negate`` function accepts (OperationFcts: every number type).
_NEGATABLE = (_FixedIntegerType, VarintType, DecimalType, FloatType, DoubleType)


def _no_nulls(parts: list[Bytes]) -> list[bytes] | UnsetValue:
    out: list[bytes] = []
    for part in parts:
        if part is None:
            raise InvalidRequest("null is not supported inside collections")
        if isinstance(part, UnsetValue):
            return UNSET
        out.append(part)
    return out


def coerce_literal_bytes(
    term: Term,
    type: CqlType,
    receiver: str,
    resolve_nested: NestedResolver | None = None,
    *,
    now_millis: Callable[[], int] | None = None,
) -> bytes | UnsetValue | None:
    """Like :func:`coerce_literal`, but the serialized value (None for null)."""
    return _Coercer(resolve_nested, now_millis).value(term, type, receiver)


def coerce_literal(
    term: Term,
    type: CqlType,
    receiver: str,
    resolve_nested: NestedResolver | None = None,
    *,
    now_millis: Callable[[], int] | None = None,
) -> object:
    """The Python value of literal ``term`` for a receiver named ``receiver`` of type ``type`` (None
    for null, ``UNSET`` if a nested resolver says so), or Cassandra's InvalidRequest. ``now_millis``
    is the statement's clock, read for the ``'now'`` timestamp string."""
    data = coerce_literal_bytes(term, type, receiver, resolve_nested, now_millis=now_millis)
    if data is None or isinstance(data, UnsetValue):
        return data
    try:
        return type.deserialize(data)
    except MarshalException as exc:  # a value that parsed but does not hold (e.g. a time out of range)
        raise InvalidRequest(exc.message) from None
