"""Native scalar functions usable in terms (``VALUES (now())``, ``WHERE t > minTimeuuid('...')``).

Cassandra 5.0's time functions (``TimeFcts``: ``now``, ``current_timestamp``/``currentTimestamp``,
``current_date``, ``current_time``, ``current_timeuuid``, ``to_date``, ``to_timestamp``,
``to_unix_timestamp`` with their camel-case names, ``min_timeuuid``/``max_timeuuid``), ``uuid()`` and the
blob conversions (``BytesConversionFcts``: ``intAsBlob``, ``blobAsInt``, … for every native type). A
call is resolved against the types of its arguments (overloads) and checked against its receiver.

TimeUUIDs are version-1 UUIDs whose 60-bit time counts 100 ns intervals since 1582-10-15;
``minTimeuuid(t)``/``maxTimeuuid(t)`` use Cassandra's extreme clock-and-node halves
(``0x8080808080808080`` and ``0x7f7f7f7f7f7f7f7f``, as signed bytes compared by ``TimeUUIDType``).
"""

from __future__ import annotations

import datetime
import decimal
import json
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.cql import ast
from engine.cql.ast import NativeTypeName
from engine.cql3 import terms
from engine.cql3.terms import BindContext, FunctionTerm, PrepareContext, Term
from engine.errors import FunctionFailure, InvalidRequest
from engine.schema.types import NATIVE_TYPES, CqlType
from engine.schema.values import Date, Time
from engine.service.results import ColumnSpec

UUID_EPOCH_OFFSET = 0x01B21DD213814000  # 100 ns intervals between 1582-10-15 and 1970-01-01
MIN_CLOCK_AND_NODE = 0x8080808080808080
MAX_CLOCK_AND_NODE = 0x7F7F7F7F7F7F7F7F

T = NATIVE_TYPES
TIMEUUID, TIMESTAMP, DATE, TIME = (
    T[NativeTypeName.TIMEUUID],
    T[NativeTypeName.TIMESTAMP],
    T[NativeTypeName.DATE],
    T[NativeTypeName.TIME],
)
BIGINT, BLOB, UUID = T[NativeTypeName.BIGINT], T[NativeTypeName.BLOB], T[NativeTypeName.UUID]

Impl = Callable[[BindContext, list[object]], object]


@dataclass(frozen=True)
class NativeFunction:
    name: str
    argument_types: tuple[CqlType, ...]
    return_type: CqlType
    impl: Impl


def _timeuuid_millis(value: uuid.UUID) -> int:
    return (value.time - UUID_EPOCH_OFFSET) // 10_000


def _timeuuid_at(millis: int, clock_and_node: int) -> uuid.UUID:
    t = millis * 10_000 + UUID_EPOCH_OFFSET
    high = ((t & 0xFFFFFFFF) << 32) | (((t >> 32) & 0xFFFF) << 16) | 0x1000 | ((t >> 48) & 0x0FFF)
    return uuid.UUID(int=(high << 64) | clock_and_node)


def _millis(value: object) -> int:
    if isinstance(value, uuid.UUID):
        return _timeuuid_millis(value)
    if isinstance(value, Date):
        return value.days_from_epoch * 86_400_000
    if isinstance(value, datetime.datetime):
        epoch = datetime.datetime(1970, 1, 1)
        naive = value.replace(tzinfo=None) - (value.utcoffset() or datetime.timedelta())
        return (naive - epoch) // datetime.timedelta(milliseconds=1)
    raise InvalidRequest(f"Cannot convert {value!r} to a timestamp")


def _from_millis(millis: int) -> datetime.datetime:
    return datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=millis)


def _now(ctx: BindContext, _: list[object]) -> object:
    return ctx.new_timeuuid()


def _registry() -> dict[str, list[NativeFunction]]:
    functions: list[NativeFunction] = []

    def add(names: tuple[str, ...], args: tuple[CqlType, ...], result: CqlType, impl: Impl) -> None:
        for name in names:
            functions.append(NativeFunction(name, args, result, impl))

    add(("now", "current_timeuuid", "currenttimeuuid"), (), TIMEUUID, _now)
    add(("uuid",), (), UUID, lambda ctx, a: uuid.uuid4())
    add(
        ("current_timestamp", "currenttimestamp"),
        (),
        TIMESTAMP,
        lambda ctx, a: _from_millis(ctx.now_micros // 1000),
    )
    add(
        ("current_date", "currentdate"),
        (),
        DATE,
        lambda ctx, a: Date(ctx.now_micros // 86_400_000_000),
    )
    add(
        ("current_time", "currenttime"),
        (),
        TIME,
        lambda ctx, a: Time((ctx.now_micros % 86_400_000_000) * 1000),
    )
    for source in (TIMEUUID, TIMESTAMP, DATE):
        add(("to_date", "todate"), (source,), DATE, lambda ctx, a: Date(_millis(a[0]) // 86_400_000))
        add(("to_timestamp", "totimestamp"), (source,), TIMESTAMP, lambda ctx, a: _from_millis(_millis(a[0])))
        add(("to_unix_timestamp", "tounixtimestamp"), (source,), BIGINT, lambda ctx, a: _millis(a[0]))
    add(
        ("min_timeuuid", "mintimeuuid"),
        (TIMESTAMP,),
        TIMEUUID,
        lambda ctx, a: _timeuuid_at(_millis(a[0]), MIN_CLOCK_AND_NODE),
    )
    add(
        ("max_timeuuid", "maxtimeuuid"),
        (TIMESTAMP,),
        TIMEUUID,
        lambda ctx, a: _max_timeuuid(a[0]),
    )
    for type_name in _NUMERIC:
        native = NATIVE_TYPES[type_name]
        add(("abs",), (native,), native, _math(native, abs))
        add(("exp",), (native,), native, _math(native, math.exp))
        add(("log",), (native,), native, _math(native, math.log))
        add(("log10",), (native,), native, _math(native, math.log10))
        add(("round",), (native,), native, _math(native, _round_half_up))
    for type_name, native in NATIVE_TYPES.items():
        if type_name in (NativeTypeName.BLOB, NativeTypeName.COUNTER, NativeTypeName.VARCHAR):
            continue
        word = type_name.value
        add((f"{word}asblob", f"{word}_as_blob"), (native,), BLOB, _to_blob(native))
        add((f"blobas{word}", f"blob_as_{word}"), (BLOB,), native, _from_blob(native))
    registry: dict[str, list[NativeFunction]] = {}
    for function in functions:
        registry.setdefault(function.name, []).append(function)
    return registry


_NUMERIC = (
    NativeTypeName.TINYINT,
    NativeTypeName.SMALLINT,
    NativeTypeName.INT,
    NativeTypeName.BIGINT,
    NativeTypeName.VARINT,
    NativeTypeName.FLOAT,
    NativeTypeName.DOUBLE,
    NativeTypeName.DECIMAL,
)


def _round_half_up(value: float | int | decimal.Decimal) -> float | int | decimal.Decimal:
    """Java's Math.round / BigDecimal.setScale(0, HALF_UP) for MathFcts.round."""
    if isinstance(value, decimal.Decimal):
        return value.quantize(decimal.Decimal(1), rounding=decimal.ROUND_HALF_UP)
    if isinstance(value, int):
        return value
    if math.isnan(value) or math.isinf(value):
        return value
    return float(math.floor(value + 0.5))


def _math(native: CqlType, operation: Callable[[Any], Any]) -> Impl:
    """A math function on one numeric type; the result keeps the argument's type, as the per-type
    ``NumberType`` implementations of Cassandra's MathFcts do (integers truncate)."""
    integral = native.cql() in ("tinyint", "smallint", "int", "bigint", "varint")
    is_decimal = native.cql() == "decimal"

    def apply(ctx: BindContext, args: list[object]) -> object:
        value = args[0]
        try:
            result = operation(
                float(value) if operation in (math.exp, math.log, math.log10) and not is_decimal else value
            )  # type: ignore[arg-type]
        except (ValueError, OverflowError):
            result = float("nan") if operation is not math.exp else float("inf")
        if integral:
            return int(result)
        if is_decimal and not isinstance(result, decimal.Decimal):
            return decimal.Decimal(str(result))
        return result

    return apply


def _max_timeuuid(value: object) -> uuid.UUID:
    millis = _millis(value)
    t = millis * 10_000 + UUID_EPOCH_OFFSET + 9_999
    high = ((t & 0xFFFFFFFF) << 32) | (((t >> 32) & 0xFFFF) << 16) | 0x1000 | ((t >> 48) & 0x0FFF)
    return uuid.UUID(int=(high << 64) | MAX_CLOCK_AND_NODE)


def _to_blob(native: CqlType) -> Impl:
    return lambda ctx, a: native.serialize(a[0])


def _from_blob(native: CqlType) -> Impl:
    def convert(ctx: BindContext, a: list[object]) -> object:
        data = bytes(a[0])  # type: ignore[call-overload]
        native.validate(data)
        return native.deserialize(data)

    return convert


REGISTRY = _registry()


def _argument_type(argument: ast.Term, ctx: PrepareContext) -> CqlType | None:
    """The type an argument has by itself (a nested call's result), None when it takes its receiver's."""
    if isinstance(argument, ast.FunctionCall):
        candidates = REGISTRY.get(argument.name.name.lower(), [])
        fitting = [c for c in candidates if len(c.argument_types) == len(argument.arguments)]
        if len(fitting) == 1:
            return fitting[0].return_type
    if isinstance(argument, ast.TypeHint):
        from engine.schema.types import resolve_type

        return resolve_type(argument.type, ctx.keyspace, lambda k, n: None)
    return None


_AGGREGATE_NAMES = frozenset({"count", "min", "max", "sum", "avg"})


def _json_function(
    name: str, call: ast.FunctionCall, receiver_type: CqlType | None, ctx: PrepareContext, receiver: str
) -> Term:
    """``fromJson(text)``: the JSON text decoded as the receiver's type (FromJsonFct); ``toJson`` belongs to
    the selection clause only."""
    if name == "tojson":
        raise InvalidRequest("toJson() may only be used within the selection clause of SELECT statements")
    if receiver_type is None:
        raise InvalidRequest("fromJson() cannot be used in the selection clause of a SELECT statement")
    if len(call.arguments) != 1:
        raise InvalidRequest(f"fromJson() only accepts one argument (got {len(call.arguments)})")
    text = NATIVE_TYPES[NativeTypeName.TEXT]
    (argument,) = call.arguments
    prepared = terms.prepare(
        argument, ColumnSpec(ctx.keyspace, ctx.table, "arg0(system.fromjson)", text), ctx
    )

    def decode(bind: BindContext, values: list[object]) -> object:
        (raw,) = values
        if raw is None:
            return None
        document = text.deserialize(raw) if isinstance(raw, bytes) else raw
        try:
            parsed = json.loads(document)
        except ValueError as error:
            raise FunctionFailure(
                f"execution of 'system.fromjson[text]' failed: Could not decode JSON string '{document}': {error}",
                keyspace="system",
                function="fromjson",
                arg_types=("text",),
            ) from None
        return receiver_type.from_json(parsed, receiver)

    return FunctionTerm("system.fromjson", decode, (prepared,))


def resolve(
    call: ast.FunctionCall, receiver_type: CqlType | None, ctx: PrepareContext, receiver: str
) -> Term:
    name = call.name.name.lower()
    qualified = f"system.{name}"
    if call.name.keyspace in (None, "system") and name in ("fromjson", "tojson"):
        return _json_function(name, call, receiver_type, ctx, receiver)
    if call.name.keyspace not in (None, "system") or not REGISTRY.get(name):
        written = call.name.name if call.name.keyspace is None else f"{call.name.keyspace}.{call.name.name}"
        if call.name.keyspace in (None, "system") and name in _AGGREGATE_NAMES:
            # FunctionCall.Raw.prepare: the native aggregates resolve, but not outside a selection.
            raise InvalidRequest("Aggregation function are not supported in the where clause")
        # FunctionCall.Raw.prepare (FunctionName.toString: [keyspace.]name, unquoted)
        raise InvalidRequest(f"Unknown function {written} called")
    candidates = [c for c in REGISTRY.get(name, []) if len(c.argument_types) == len(call.arguments)]
    if not candidates:
        expected = len(REGISTRY[name][0].argument_types)
        raise InvalidRequest(
            f"Invalid number of arguments in call to function {qualified}: {expected} required but "
            f"{len(call.arguments)} provided"
        )
    if len(candidates) > 1:
        narrowed = []
        for candidate in candidates:
            fits = True
            for argument, argument_type in zip(call.arguments, candidate.argument_types, strict=True):
                own = _argument_type(argument, ctx)
                if own is not None and own.cql() != argument_type.cql():
                    fits = False
            if fits:
                narrowed.append(candidate)
        if len(narrowed) != 1:
            signatures = ", ".join(
                f"{qualified} : ({', '.join(t.cql() for t in c.argument_types)}) -> {c.return_type.cql()}"
                for c in candidates
            )
            raise InvalidRequest(
                f"Ambiguous call to function {qualified} (can be matched by following signatures: {signatures}): "
                "use type casts to disambiguate"
            )
        candidates = narrowed
    function = candidates[0]
    returned = function.return_type.cql()
    assignable = receiver_type is None or receiver_type.cql() in (
        returned,
        "uuid" if returned == "timeuuid" else returned,
    )
    if not assignable:
        raise InvalidRequest(
            f"Type error: cannot assign result of function {qualified} (type {returned}) "
            f"to {receiver} (type {receiver_type.cql()})"  # type: ignore[union-attr]
        )
    arguments = tuple(
        terms.prepare(
            argument, ColumnSpec(ctx.keyspace, ctx.table, f"arg{i}({qualified})", argument_type), ctx
        )
        for i, (argument, argument_type) in enumerate(
            zip(call.arguments, function.argument_types, strict=True)
        )
    )

    def invoke(bind: BindContext, values: list[object]) -> object:
        if any(v is None for v in values):
            return None
        return function.impl(bind, values)

    return FunctionTerm(qualified, invoke, arguments)
