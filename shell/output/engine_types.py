"""A result column's CQL type text as the engine's type object and cassandra-driver's type class.

The result model (``shell.output.result``) carries each column's type as cassandra-driver's CQL text
(``map<text, frozen<list<int>>>``, ``frozen<address>``) and the user types it mentions by name. The
engine's type objects (``engine.schema.types``) know Cassandra's text forms of values (``toJSONString``);
cassandra-driver's classes turn the Python values of the result model back into their serialized bytes.
:class:`ColumnTypes` resolves both from the text; :func:`driver_type` is also how the embedded connection
decodes the engine's values exactly as the driver does over the network.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from cassandra import cqltypes

from engine.schema.types import CqlType, ListType, MapType, SetType, TupleType, UserType
from engine.schema.types.resolve import parse_type
from shell.output.result import UserTypeSpec

#: cassandra-driver names a vector type by its Java class (``org.apache...VectorType<float, 3>``)
_VECTOR_CLASS = re.compile(r"org\.apache\.cassandra\.db\.marshal\.VectorType<")


@dataclass(frozen=True)
class ResolvedType:
    """A column type as the engine's type (its text forms) and the driver's class (its bytes)."""

    engine: CqlType
    driver: type


def driver_type(cql_type: object) -> type:
    """cassandra-driver's type class for one of the engine's types (what the driver builds from a RESULT
    frame's column specs), so values decode and names print exactly as over the network."""
    inner = cql_type.unwrap() if getattr(cql_type, "is_reversed", False) else cql_type  # type: ignore[attr-defined]
    if isinstance(inner, ListType):
        built = cqltypes.ListType.apply_parameters([driver_type(inner.element)])
    elif isinstance(inner, SetType):
        built = cqltypes.SetType.apply_parameters([driver_type(inner.element)])
    elif isinstance(inner, MapType):
        built = cqltypes.MapType.apply_parameters([driver_type(inner.key), driver_type(inner.value)])
    elif isinstance(inner, TupleType):
        return cqltypes.TupleType.apply_parameters([driver_type(t) for t in inner.elements])
    elif isinstance(inner, UserType):
        built = cqltypes.UserType.make_udt_class(
            inner.keyspace, inner.name, list(inner.field_names), [driver_type(t) for t in inner.field_types]
        )
    else:
        return cqltypes.lookup_casstype(inner.marshal_name())  # type: ignore[attr-defined]
    if inner.is_frozen:  # type: ignore[attr-defined]
        return cqltypes.FrozenType.apply_parameters([built])
    return built


class ColumnTypes:
    """The engine and driver types of one result's column type texts, resolved once per text."""

    def __init__(self, user_types: Mapping[str, UserTypeSpec]) -> None:
        self._specs = user_types
        self._user: dict[str, UserType | None] = {}
        self._resolved: dict[str, ResolvedType | None] = {}

    def _user_type(self, _keyspace: str, name: str) -> UserType | None:
        if name not in self._user:
            self._user[name] = None  # a type that refers to itself stays unresolved
            spec = self._specs.get(name) or self._specs.get(f'"{name}"')
            if spec is not None:
                fields = tuple(parse_type(text, "", self._user_type) for text in spec.field_types)
                self._user[name] = UserType("", name, spec.field_names, fields, frozen=True)
        return self._user[name]

    def resolve(self, text: str) -> ResolvedType | None:
        """Both types of ``text``; None when the engine cannot resolve it (a custom type, an unknown UDT)."""
        if text not in self._resolved:
            try:
                engine = parse_type(_VECTOR_CLASS.sub("vector<", text), "", self._user_type)
                self._resolved[text] = ResolvedType(engine, driver_type(engine))
            except Exception:  # whatever the text holds, the caller falls back to showing values as text
                self._resolved[text] = None
        return self._resolved[text]
