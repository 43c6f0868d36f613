"""CQL types as the protocol's [option] in result and prepared metadata (v4/v5 spec §4.2.5.2).

Native types are their code alone; list/set carry their element's option, map its key's and value's,
tuple a [short] count and each element's, a user type its keyspace, name and fields ([string] name,
then the field's option); anything else (vectors, custom types) is ``0x0000`` followed by Cassandra's
class name as a [string]. Reversed (DESC) clustering types are sent as their base type, and types
newer than the connection's version go as custom class names, as Cassandra's ``DataType`` does:
date, time, smallint and tinyint arrived in v4, duration in v5.
"""

from __future__ import annotations

from engine.schema.types import (
    ListType,
    MapType,
    ProtocolTypeCode,
    ReversedType,
    SetType,
    TupleType,
    UserType,
)
from engine.schema.types.base import CqlType
from engine.transport.notation import write_short, write_string

_MIN_VERSION = {
    ProtocolTypeCode.DATE: 4,
    ProtocolTypeCode.TIME: 4,
    ProtocolTypeCode.SMALLINT: 4,
    ProtocolTypeCode.TINYINT: 4,
    ProtocolTypeCode.DURATION: 5,
}


def _custom(cql_type: CqlType) -> bytes:
    return write_short(ProtocolTypeCode.CUSTOM) + write_string(cql_type.marshal_name())


def encode_type(cql_type: CqlType, version: int) -> bytes:
    """The [option] for ``cql_type`` on a connection of protocol ``version``."""
    while isinstance(cql_type, ReversedType):
        cql_type = cql_type.base
    code = cql_type.protocol_code
    if code is ProtocolTypeCode.CUSTOM or version < _MIN_VERSION.get(code, 0):
        return _custom(cql_type)
    head = write_short(code)
    if isinstance(cql_type, ListType | SetType):
        return head + encode_type(cql_type.element, version)
    if isinstance(cql_type, MapType):
        return head + encode_type(cql_type.key, version) + encode_type(cql_type.value, version)
    if isinstance(cql_type, UserType):
        fields = b"".join(
            write_string(name) + encode_type(t, version)
            for name, t in zip(cql_type.field_names, cql_type.field_types, strict=True)
        )
        return (
            head
            + write_string(cql_type.keyspace)
            + write_string(cql_type.name)
            + write_short(len(cql_type.field_names))
            + fields
        )
    if isinstance(cql_type, TupleType):
        return (
            head
            + write_short(len(cql_type.elements))
            + b"".join(encode_type(t, version) for t in cql_type.elements)
        )
    return head
