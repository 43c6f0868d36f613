"""Values from the wire, decoded as cqlsh's driver decodes them.

Both connections decode a column's serialized value with cassandra-driver's type class for it, plus
cqlsh's two driver hooks: a timestamp outside ``datetime``'s range becomes its integer milliseconds
(``deserialize_date_fallback_int``, CASSANDRA-10625), and a zero-length value of a type without an
empty form becomes ``cassandra.cqltypes.EMPTY`` (``support_empty_values``). cqlsh installs these by
patching the driver's classes for the whole process; cqlkit applies them per value instead.
"""

from __future__ import annotations

from cassandra import cqltypes


def decode(decoder: type, value: bytes | None, protocol_version: int) -> object:
    if value is None:
        return None
    if not value and not decoder.empty_binary_ok:  # type: ignore[attr-defined]
        return cqltypes.EMPTY
    try:
        return decoder.from_binary(value, protocol_version)  # type: ignore[attr-defined]
    except OverflowError:
        return int.from_bytes(value, "big", signed=True)
