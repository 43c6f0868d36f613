"""From a type as written (AST or ``system_schema`` text) to a :class:`CqlType`, with Cassandra's checks.

This mirrors Cassandra's ``CQL3Type.Raw``: a raw type is first *frozen* where the text says so
(``frozen<>`` freezes everything inside it; tuple components are always frozen; ``frozen<int>`` is
refused, as the parser does), then *prepared* against the keyspace's user types, which is where nested
non-frozen collections, counters and durations in the wrong place, and unknown types are refused.
Error messages print the raw type as written, like Cassandra's (``list<counter>``, ``varchar``).

``parse_type`` reads the type strings stored in ``system_schema`` (``frozen<map<text, frozen<list<int>>>>``,
``vector<float, 3>``, ``"MyType"``); they are prepared as Cassandra's ``prepareInternal`` does, which
allows counters as map values (the internal form of super columns).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from engine.cql.ast.terms import (
    CollectionKind,
    CollectionType,
    CustomType,
    FrozenType,
    NativeType,
    NativeTypeName,
    QualifiedName,
    TupleType,
    TypeRef,
    UserTypeRef,
    VectorType,
)
from engine.errors import InvalidRequest, SyntaxException
from engine.schema.types import collections, composite, native, vector
from engine.schema.types.base import CqlType

UserTypes = Callable[[str, str], "composite.UserType | None"]
"""Looks a user type up by (keyspace, name); None when there is no such type."""


# ---------------------------------------------------------------------------------------------- raw types


@dataclass(frozen=True)
class _Raw:
    frozen: bool = False

    @property
    def supports_freezing(self) -> bool:
        return False

    def freeze(self) -> _Raw:
        raise SyntaxException(
            f"frozen<> is only allowed on collections, tuples, and user-defined types (got {self.text()})"
        )

    def is_counter(self) -> bool:
        return False

    def is_duration(self) -> bool:
        return False

    def is_udt(self) -> bool:
        return False

    def text(self) -> str:
        raise NotImplementedError

    def prepare(self, keyspace: str, user_types: UserTypes, internal: bool) -> CqlType:
        raise NotImplementedError


@dataclass(frozen=True)
class _RawNative(_Raw):
    type: CqlType = field(default=native.INT)
    name: str = "int"

    def is_counter(self) -> bool:
        return self.type == native.COUNTER

    def is_duration(self) -> bool:
        return self.type == native.DURATION

    def text(self) -> str:
        return self.name

    def prepare(self, keyspace: str, user_types: UserTypes, internal: bool) -> CqlType:
        return self.type


@dataclass(frozen=True)
class _RawCollection(_Raw):
    kind: CollectionKind = CollectionKind.LIST
    keys: _Raw | None = None
    values: _Raw = field(default_factory=_RawNative)

    @property
    def supports_freezing(self) -> bool:
        return True

    def freeze(self) -> _Raw:
        keys = self.keys.freeze() if self.keys is not None and self.keys.supports_freezing else self.keys
        values = self.values.freeze() if self.values.supports_freezing else self.values
        return _RawCollection(True, self.kind, keys, values)

    def text(self) -> str:
        if self.kind is CollectionKind.MAP:
            assert self.keys is not None
            body = f"map<{self.keys.text()}, {self.values.text()}>"
        else:
            body = f"{self.kind.value}<{self.values.text()}>"
        return f"frozen<{body}>" if self.frozen else body

    def _check_nested(self, inner: _Raw) -> None:
        if not self.frozen and inner.supports_freezing and not inner.frozen:
            if isinstance(inner, _RawCollection):
                raise InvalidRequest(
                    f"Non-frozen collections are not allowed inside collections: {self.text()}"
                )
            if inner.is_udt():
                raise InvalidRequest(f"Non-frozen UDTs are not allowed inside collections: {self.text()}")

    def prepare(self, keyspace: str, user_types: UserTypes, internal: bool) -> CqlType:
        self._check_nested(self.values)
        if self.values.is_counter() and not internal:
            raise InvalidRequest(f"Counters are not allowed inside collections: {self.text()}")
        if self.values.is_duration() and self.kind is CollectionKind.SET:
            raise InvalidRequest(f"Durations are not allowed inside sets: {self.text()}")
        if self.keys is not None:
            if self.keys.is_counter():
                raise InvalidRequest(f"Counters are not allowed inside collections: {self.text()}")
            if self.keys.is_duration():
                raise InvalidRequest(f"Durations are not allowed as map keys: {self.text()}")
            self._check_nested(self.keys)
        value_type = self.values.prepare(keyspace, user_types, False)
        if self.kind is CollectionKind.LIST:
            return collections.ListType(value_type, self.frozen)
        if self.kind is CollectionKind.SET:
            return collections.SetType(value_type, self.frozen)
        assert self.keys is not None
        return collections.MapType(self.keys.prepare(keyspace, user_types, False), value_type, self.frozen)


@dataclass(frozen=True)
class _RawTuple(_Raw):
    types: tuple[_Raw, ...] = ()

    @staticmethod
    def of(types: tuple[_Raw, ...]) -> _RawTuple:
        return _RawTuple(True, tuple(t.freeze() if t.supports_freezing else t for t in types))

    @property
    def supports_freezing(self) -> bool:
        return True

    def freeze(self) -> _Raw:
        return self

    def text(self) -> str:
        return "tuple<" + ", ".join(t.text() for t in self.types) + ">"

    def prepare(self, keyspace: str, user_types: UserTypes, internal: bool) -> CqlType:
        prepared = []
        for t in self.types:
            if t.is_counter():
                raise InvalidRequest("Counters are not allowed inside tuples")
            prepared.append(t.prepare(keyspace, user_types, False))
        return composite.TupleType(tuple(prepared))


@dataclass(frozen=True)
class _RawVector(_Raw):
    element: _Raw = field(default_factory=_RawNative)
    dimension: int = 1

    @property
    def supports_freezing(self) -> bool:
        return True

    def freeze(self) -> _Raw:
        return self

    def text(self) -> str:
        return f"vector<{self.element.text()}, {self.dimension}>"

    def prepare(self, keyspace: str, user_types: UserTypes, internal: bool) -> CqlType:
        return vector.VectorType(self.element.prepare(keyspace, user_types, False), self.dimension)


@dataclass(frozen=True)
class _RawUserType(_Raw):
    keyspace: str | None = None
    name: str = ""

    @property
    def supports_freezing(self) -> bool:
        return True

    def freeze(self) -> _Raw:
        return _RawUserType(True, self.keyspace, self.name)

    def is_udt(self) -> bool:
        return True

    def _name(self) -> str:
        return self.name if self.keyspace is None else f"{self.keyspace}.{self.name}"

    def text(self) -> str:
        return f"frozen<{self._name()}>" if self.frozen else self._name()

    def prepare(self, keyspace: str, user_types: UserTypes, internal: bool) -> CqlType:
        if self.keyspace is not None and self.keyspace != keyspace:
            raise InvalidRequest(
                f"Statement on keyspace {keyspace} cannot refer to a user type in keyspace {self.keyspace}; "
                "user types can only be used in the keyspace they are defined in"
            )
        found = user_types(keyspace, self.name)
        if found is None:
            raise InvalidRequest(f"Unknown type {keyspace}.{self.name}")
        return found.freeze() if self.frozen else found


# ---------------------------------------------------------------------------------------------- from the AST


def _raw(ref: TypeRef) -> _Raw:
    if isinstance(ref, NativeType):
        return _RawNative(False, native.NATIVE_TYPES[ref.name], ref.name.value)
    if isinstance(ref, CollectionType):
        if ref.kind is CollectionKind.MAP:
            key, value = ref.arguments
            return _RawCollection(False, ref.kind, _raw(key), _raw(value))
        (element,) = ref.arguments
        return _RawCollection(False, ref.kind, None, _raw(element))
    if isinstance(ref, TupleType):
        return _RawTuple.of(tuple(_raw(e) for e in ref.elements))
    if isinstance(ref, VectorType):
        return _RawVector(True, _raw(ref.element), ref.dimension)
    if isinstance(ref, UserTypeRef):
        return _RawUserType(False, ref.name.keyspace, ref.name.name)
    if isinstance(ref, FrozenType):
        return _raw(ref.inner).freeze()
    if isinstance(ref, CustomType):
        found = native.native_by_marshal_name(ref.class_name)
        return _RawNative(False, found or native.CustomType(ref.class_name), f"'{ref.class_name}'")
    raise TypeError(f"not a type reference: {ref!r}")


def resolve_type(ref: TypeRef, keyspace: str, user_types: UserTypes) -> CqlType:
    """The type ``ref`` names in ``keyspace``, or Cassandra's error (InvalidRequest; SyntaxException
    for ``frozen<>`` on a type that cannot be frozen)."""
    return _raw(ref).prepare(keyspace, user_types, False)


# ---------------------------------------------------------------------------------------------- from text

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<quoted>"(?:[^"]|"")*")
      | (?P<string>'(?:[^']|'')*')
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<number>-?[0-9]+)
      | (?P<punct>[<>,.])
    )""",
    re.VERBOSE,
)
_NATIVE_NAMES = {n.value: n for n in NativeTypeName}
_COLLECTIONS = {k.value: k for k in CollectionKind}


class _TypeText:
    """A recursive-descent reader of CQL type text into the AST's type references."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str]] = []
        position = 0
        while position < len(text):
            m = _TOKEN.match(text, position)
            if m is None or m.end() == position:
                if text[position:].strip() == "":
                    break
                raise self.error()
            kind = m.lastgroup
            assert kind is not None
            self.tokens.append((kind, m.group(kind)))
            position = m.end()
        self.index = 0

    def error(self) -> SyntaxException:
        return SyntaxException(f"Invalid type: {self.text}")

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def next(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise self.error()
        self.index += 1
        return token

    def expect(self, punct: str) -> None:
        if self.next() != ("punct", punct):
            raise self.error()

    def name(self, token: tuple[str, str]) -> str:
        kind, value = token
        if kind == "quoted":
            return value[1:-1].replace('""', '"')
        if kind == "word":
            return value.lower()
        raise self.error()

    def type(self) -> TypeRef:
        kind, value = self.next()
        if kind == "string":
            return CustomType(value[1:-1].replace("''", "'"))
        if kind == "word":
            word = value.lower()
            if self.peek() == ("punct", "<"):
                self.index += 1
                ref = self._parameterized(word)
                self.expect(">")
                return ref
            if word in _NATIVE_NAMES and self.peek() != ("punct", "."):
                return NativeType(_NATIVE_NAMES[word])
        name = self.name((kind, value))
        if self.peek() == ("punct", "."):
            self.index += 1
            return UserTypeRef(QualifiedName(name, self.name(self.next())))
        return UserTypeRef(QualifiedName(None, name))

    def _parameterized(self, word: str) -> TypeRef:
        if word == "frozen":
            return FrozenType(self.type())
        if word in _COLLECTIONS:
            arguments = [self.type()]
            if word == "map":
                self.expect(",")
                arguments.append(self.type())
            return CollectionType(_COLLECTIONS[word], tuple(arguments))
        if word == "tuple":
            elements = [self.type()]
            while self.peek() == ("punct", ","):
                self.index += 1
                elements.append(self.type())
            return TupleType(tuple(elements))
        if word == "vector":
            element = self.type()
            self.expect(",")
            kind, value = self.next()
            if kind != "number":
                raise self.error()
            return VectorType(element, int(value))
        raise self.error()


def parse_type_ref(text: str) -> TypeRef:
    """The AST type reference of a CQL type string."""
    reader = _TypeText(text)
    ref = reader.type()
    if reader.peek() is not None:
        raise reader.error()
    return ref


def parse_type(text: str, keyspace: str, user_types: UserTypes) -> CqlType:
    """A type string as stored in ``system_schema`` (or written in CQL), resolved in ``keyspace``."""
    return _raw(parse_type_ref(text)).prepare(keyspace, user_types, True)
