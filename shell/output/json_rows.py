"""Rows as JSON objects, one per line, rendered as Cassandra's ``SELECT JSON`` renders a row.

``SELECT JSON`` (``Selection.rowToJson``) writes ``{"col": value, ...}``: each column name is a JSON string,
wrapped in escaped double quotes when it is not all lower case (``{"\\"Name\\"": 1}``); a null is ``null``,
an empty value ``""``, anything else its type's ``toJSONString``. This module reuses the engine's
``toJSONString`` (``engine.schema.types``): the result model holds cassandra-driver values and CQL type
text, so each value is serialized back with the driver's class for its type and the bytes handed to the
engine's type, which gives exactly the text ``SELECT JSON`` and ``toJson()`` produce (numbers as Java
prints them, timestamps as ``"2024-01-31 12:30:00.000Z"``, blobs as ``"0x..."``, maps as objects with
string keys, UDTs as objects, tuples and vectors as arrays).

A column whose type the engine cannot resolve (a custom type, a UDT the result does not describe) falls
back to the value's text as a JSON string.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from engine.schema.types.java import json_quote
from shell.output.empty import is_empty
from shell.output.engine_types import ColumnTypes, ResolvedType
from shell.output.result import ColumnSpec, Row, UserTypeSpec

#: the protocol version values are serialized with; every type's bytes are the same from v3 on
_PROTOCOL_VERSION = 5


def column_key(name: str) -> str:
    """A column name as ``SELECT JSON`` writes it: quoted inside the JSON string unless all lower case."""
    shown = name if name == name.lower() else f'"{name}"'
    return json_quote(shown)


def value_json(value: object, types: ResolvedType | None) -> str:
    """One value as ``SELECT JSON`` shows it."""
    if value is None:
        return "null"
    if is_empty(value):
        return '""'
    if types is None:
        return json_quote("0x" + value.hex() if isinstance(value, bytes) else str(value))
    data = types.driver.serialize(value, _PROTOCOL_VERSION)  # type: ignore[attr-defined]
    return types.engine.bytes_to_json(data) if data else '""'


def json_lines(
    columns: Sequence[ColumnSpec], rows: Sequence[Row], user_types: Mapping[str, UserTypeSpec]
) -> str:
    """Each row as one JSON object and a newline (JSON Lines)."""
    resolver = ColumnTypes(user_types)
    resolved = [resolver.resolve(column.cql_type) for column in columns]
    keys = [column_key(column.name) for column in columns]
    lines = []
    for row in rows:
        fields = (f"{key}: {value_json(v, t)}" for key, v, t in zip(keys, row, resolved, strict=True))
        lines.append("{" + ", ".join(fields) + "}\n")
    return "".join(lines)
