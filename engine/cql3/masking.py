"""Dynamic data masking (Cassandra 5.0, CEP-20): the masking functions and the masks of table columns.

The native masking functions (``MaskingFcts``) replace a value by an obscured one; each is usable in a
SELECT (``SELECT mask_inner(name, 1, 2) FROM t``) and, partially applied, as a column's mask (``name
text MASKED WITH mask_inner(1, 2)``: the column's value is the first argument):

=========================================  ==========================================================
``mask_null(v)``                           null
``mask_default(v)``                        a fixed value of v's type (``getMaskedValue``): ``****``
                                           for text, 0, false, the epoch, an empty blob or collection,
                                           each field or element masked for tuples, UDTs and vectors
``mask_replace(v, r)``                     ``r``, of v's type
``mask_inner(v, begin, end[, padding])``   text with all but the first ``begin`` and last ``end``
                                           characters replaced by ``padding`` (``*``)
``mask_outer(v, begin, end[, padding])``   text with only the first ``begin`` and last ``end``
                                           characters replaced
``mask_hash(v[, algorithm])``              a blob, the digest of v's bytes (SHA-256 by default)
=========================================  ==========================================================

A masked column reads masked for every user without the UNMASK permission on its table (superusers have
it; so does everyone without an authorizer, as Cassandra's ``AllowAllAuthorizer`` grants everything).
Filtering on a masked column needs UNMASK or SELECT_MASKED. Masks are only declared (CREATE/ALTER TABLE)
on a node whose ``dynamic_data_masking_enabled`` setting is on; it is off by default, as in Cassandra.
"""

from __future__ import annotations

import hashlib
import struct
import uuid
from collections.abc import Callable

from engine.cql import ast
from engine.cql3 import terms
from engine.cql3.terms import PrepareContext
from engine.errors import InvalidRequest
from engine.schema.metadata import ColumnMask, ColumnMetadata, TableMetadata
from engine.schema.types import NATIVE_TYPES, CqlType
from engine.schema.types.collections import ListType, MapType, SetType
from engine.schema.types.composite import TupleType, UserType
from engine.schema.types.vector import VectorType
from engine.schema.values import Date, Duration, Time
from engine.service.results import ColumnSpec

#: ColumnMask.DISABLED_ERROR_MESSAGE
DISABLED_ERROR_MESSAGE = (
    "Cannot mask columns because dynamic data masking is not enabled. You can enable it with the "
    "dynamic_data_masking_enabled property on cassandra.yaml"
)

FUNCTIONS = frozenset({"mask_null", "mask_default", "mask_replace", "mask_inner", "mask_outer", "mask_hash"})
_TEXT_TYPES = frozenset({"text", "varchar", "ascii"})
INT = NATIVE_TYPES[ast.NativeTypeName.INT]
TEXT = NATIVE_TYPES[ast.NativeTypeName.TEXT]
BLOB = NATIVE_TYPES[ast.NativeTypeName.BLOB]

#: Java's MessageDigest names → hashlib's
_DIGESTS = {"MD2": None, "MD5": "md5", "SHA": "sha1", "SHA-1": "sha1", "SHA-224": "sha224"}
_DIGESTS.update({"SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"})
_DIGESTS.update({"SHA3-224": "sha3_224", "SHA3-256": "sha3_256", "SHA3-384": "sha3_384"})
_DIGESTS.update({"SHA3-512": "sha3_512", "SHA-512/224": "sha512_224", "SHA-512/256": "sha512_256"})


def signature(name: str, value_type: CqlType, arguments: int) -> tuple[tuple[CqlType, ...], CqlType]:
    """The types of the partial arguments of ``name`` applied to a ``value_type`` value (given
    ``arguments`` of them), and the function's return type (``MaskingFunction.Factory`` parameters)."""
    qualified = f"system.{name}"
    fixed: tuple[CqlType, ...]
    optional = 0
    returns = value_type
    if name in ("mask_null", "mask_default"):
        fixed = ()
    elif name == "mask_replace":
        fixed = (value_type,)
    elif name in ("mask_inner", "mask_outer"):
        if value_type.unwrap().cql() not in _TEXT_TYPES:
            raise InvalidRequest(
                f"Function {qualified} requires an argument of type [ascii, text, varchar], but found "
                f"argument of type {value_type.cql()}"
            )
        fixed, optional = (INT, INT, TEXT), 1
    else:  # mask_hash
        fixed, optional, returns = (TEXT,), 1, BLOB
    if not len(fixed) - optional <= arguments <= len(fixed):
        raise InvalidRequest(f"Invalid number of arguments for function {qualified}")
    return fixed[:arguments], returns


def masked_default(value_type: CqlType) -> bytes:
    """``AbstractType.getMaskedValue``: the serialized fixed value ``mask_default`` returns."""
    base = value_type.unwrap()
    name = base.cql()
    if isinstance(base, ListType | SetType | MapType):
        return base.serialize({} if isinstance(base, MapType) else [])
    if isinstance(base, VectorType):
        element = base.element
        return base.serialize([element.deserialize(masked_default(element))] * base.dimension)
    if isinstance(base, TupleType | UserType):
        parts = [masked_default(t) for t in base.subtypes]
        return b"".join(struct.pack(">i", len(p)) + p for p in parts)
    if name in _TEXT_TYPES:
        return base.serialize("****")
    if name == "blob":
        return b""
    if name == "boolean":
        return base.serialize(False)
    if name == "date":
        return base.serialize(Date(0))
    if name == "time":
        return base.serialize(Time(0))
    if name == "duration":
        return base.serialize(Duration(0, 0, 0))
    if name == "uuid":
        return base.serialize(uuid.UUID(int=0))
    if name == "timeuuid":
        from engine.cql3.functions import MIN_CLOCK_AND_NODE, _timeuuid_at

        return base.serialize(_timeuuid_at(0, MIN_CLOCK_AND_NODE))  # TimeUUID.minAtUnixMillis(0)
    if name == "inet":
        return bytes(4)  # new InetSocketAddress(0).getAddress(): 0.0.0.0
    if name == "timestamp":
        return struct.pack(">q", 0)
    return base.serialize(0)  # the numbers and counters


def apply(
    name: str, value_type: CqlType, value: bytes | None, arguments: tuple[bytes | None, ...]
) -> bytes | None:
    """The masked form of ``value`` (serialized, of ``value_type``) under ``name`` with its partial
    arguments (serialized)."""
    if name == "mask_null":
        return None
    if name == "mask_default":
        return masked_default(value_type)
    if name == "mask_replace":
        return arguments[0]
    if name == "mask_hash":
        if value is None:
            return None
        algorithm = "SHA-256" if not arguments or arguments[0] is None else TEXT.deserialize(arguments[0])
        digest = _DIGESTS.get(str(algorithm).upper())
        if digest is None:
            raise InvalidRequest(f"Hash algorithm not found: {algorithm}")
        return hashlib.new(digest, value).digest()
    if value is None:
        return None
    text = str(value_type.deserialize(value))
    begin = INT.deserialize(arguments[0]) if arguments[0] is not None else 0
    end = INT.deserialize(arguments[1]) if arguments[1] is not None else 0
    padding = "*"
    if len(arguments) > 2 and arguments[2] is not None:
        padding = str(TEXT.deserialize(arguments[2]))
        if len(padding) != 1:
            raise InvalidRequest(
                f"The padding argument for function system.{name} should be single-character, but "
                f"'{padding}' has {len(padding)} characters."
            )
    return value_type.serialize(_partial(text, int(begin), int(end), padding, inner=name == "mask_inner"))  # type: ignore[arg-type]


def _partial(value: str, begin: int, end: int, padding: str, *, inner: bool) -> str:
    """PartialMaskingFunction.Kind.mask: INNER masks positions in [begin, size-1-end], OUTER the others."""
    last = len(value) - 1 - end
    out = []
    for i, char in enumerate(value):
        masked = begin <= i <= last if inner else (i < begin or i > last)
        out.append(padding if masked else char)
    return "".join(out)


def prepare_mask(
    raw: ast.ColumnMask, keyspace: str, table: str, column: str, column_type: CqlType
) -> ColumnMask:
    """ColumnMask.Raw.prepare: find the masking function for the column's type, then evaluate the
    partial arguments (constants)."""
    written = (
        raw.function.cql()
        if raw.function.keyspace is None
        else f"{raw.function.keyspace}.{raw.function.name}"
    )
    text = f"{written}({', '.join(a.cql() for a in raw.arguments)})"
    name = raw.function.name.lower()
    if raw.function.keyspace not in (None, "system") or name not in FUNCTIONS:
        from engine.cql3.functions import REGISTRY

        if raw.function.keyspace in (None, "system") and name in REGISTRY:
            raise InvalidRequest(f"Not-masking function {text} cannot be used for masking table columns")
        raise InvalidRequest(
            f"Unable to find masking function for {column}, no declared function matches the signature {text}"
        )
    types, returns = signature(name, column_type, len(raw.arguments))
    if returns.cql() != column_type.cql():
        raise InvalidRequest(
            f"Masking function {text} return type is {returns.cql()}. This is different to the type of the "
            f"masked column {column} of type {column_type.cql()}. Masking functions can only be attached to "
            "table columns if they return the same data type as the masked column."
        )
    ctx = PrepareContext(keyspace, table, terms.BindVariables(), _no_functions)
    values = []
    for i, (argument, argument_type) in enumerate(zip(raw.arguments, types, strict=True)):
        spec = ColumnSpec(keyspace, table, f"arg{i + 1}(system.{name})", argument_type)
        value = terms.constant_value(terms.prepare(argument, spec, ctx))
        values.append(None if value is None or value is terms.UNSET else argument_type.serialize(value))
    return ColumnMask(name, types, tuple(values))


def _no_functions(call: ast.FunctionCall, receiver_type: CqlType | None, ctx: PrepareContext, receiver: str):
    raise InvalidRequest(f"Unknown function {call.name.cql()} called")


def masker(table: TableMetadata) -> Callable[[dict[str, bytes | None]], None]:
    """Masks, in place, the values (by column name) of a row of ``table`` read by a user without UNMASK."""
    masked: list[ColumnMetadata] = [c for c in table.columns if c.mask is not None]

    def mask_row(values: dict[str, bytes | None]) -> None:
        for column in masked:
            if column.name in values:
                mask = column.mask
                assert mask is not None
                values[column.name] = apply(
                    mask.function, column.type, values[column.name], mask.argument_values
                )

    return mask_row
