"""The SELECT clause: selectors evaluated per row, or aggregated over all rows.

Each selector becomes a result column with Cassandra's name for it: the column name or alias,
``count`` for ``COUNT(*)``, ``system.<fn>(<args>)`` for native functions (``system.count(v)``,
``system.max(v)``, ``system.token(k)``), ``writetime(v)``, ``ttl(v)``, ``cast(v as text)``.
Aggregates (``count``, ``min``, ``max``, ``sum``, ``avg``) fold the rows; an aggregate query without
GROUP BY returns exactly one row, even over no rows (``count`` 0, the others null).
"""

from __future__ import annotations

import decimal
import json
import struct
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from engine.cql import ast
from engine.cql.ast import NativeTypeName
from engine.cql3 import function_selectors, keys, masking, vector_functions
from engine.cql3.cells import cell_timestamp, cell_timestamps
from engine.cql3.terms import BindContext, PrepareContext
from engine.errors import InvalidRequest
from engine.schema.metadata import ColumnMetadata, TableMetadata
from engine.schema.types import NATIVE_TYPES, CqlType, ListType
from engine.schema.values import Date
from engine.service.results import ColumnSpec

_AGGREGATES = {"count", "min", "max", "sum", "avg"}


def _native(name: NativeTypeName) -> CqlType:
    return NATIVE_TYPES[name]


@dataclass
class Selector:
    name: str
    type: CqlType
    evaluate: Callable[[object, BindContext], bytes | None]  # row → serialized value
    aggregate: str | None = None
    column: ColumnMetadata | None = None


@dataclass
class Selection:
    table: TableMetadata
    selectors: list[Selector]
    selected_columns: list[ColumnMetadata] = field(default_factory=list)
    json: bool = False

    @property
    def columns(self) -> tuple[ColumnSpec, ...]:
        table = self.table
        if self.json:
            return (ColumnSpec(table.keyspace, table.name, "[json]", _native(NativeTypeName.TEXT)),)
        return tuple(ColumnSpec(table.keyspace, table.name, s.name, s.type) for s in self.selectors)

    @property
    def is_aggregate(self) -> bool:
        return any(s.aggregate is not None for s in self.selectors)

    def row(self, row: object, bind: BindContext) -> tuple[bytes | None, ...]:
        values = tuple(s.evaluate(row, bind) for s in self.selectors)
        if self.json:
            return (self._json(values),)
        return values

    def _json(self, values: tuple[bytes | None, ...]) -> bytes:
        parts = []
        for selector, raw in zip(self.selectors, values, strict=True):
            name = selector.name
            # Selection.rowToJson: a name that is not all lower case is quoted, as CQL would need it
            # (``"Name"``); others, ``writetime(v)`` included, are the key as they are. An empty value
            # (possible for any type) is the empty string.
            key = name if name == name.lower() else f'"{name}"'
            if raw is None:
                rendered = "null"
            elif not raw:
                rendered = '""'
            else:
                rendered = selector.type.to_json(selector.type.deserialize(raw))
            parts.append(f"{json.dumps(key)}: {rendered}")
        return ("{" + ", ".join(parts) + "}").encode()

    def aggregate(self, rows: Iterable[object], bind: BindContext) -> list[tuple[bytes | None, ...]]:
        states: list[list[object]] = [[] for _ in self.selectors]
        first: tuple[bytes | None, ...] | None = None
        count = 0
        for row in rows:
            count += 1
            evaluated = [s.evaluate(row, bind) for s in self.selectors]
            if first is None:
                first = tuple(evaluated)
            for i, value in enumerate(evaluated):
                states[i].append(value)
        out: list[bytes | None] = []
        for i, selector in enumerate(self.selectors):
            if selector.aggregate is None:
                out.append(first[i] if first is not None else None)
            else:
                out.append(_fold(selector, states[i], count))
        values = tuple(out)
        if self.json:
            return [(self._json(values),)]
        return [values]


def _fold(selector: Selector, raw_values: list[object], count: int) -> bytes | None:
    kind = selector.aggregate
    result_type = selector.type
    if kind == "count_rows":
        return result_type.serialize(count)
    present = [v for v in raw_values if v is not None]
    if kind == "count":
        return result_type.serialize(len(present))
    values = [result_type.deserialize(v) for v in present]  # type: ignore[arg-type]
    if kind in ("min", "max"):
        if not present:
            return None
        keyed = sorted(present, key=result_type.sort_key)  # type: ignore[arg-type]
        return keyed[0] if kind == "min" else keyed[-1]  # type: ignore[return-value]
    if kind == "sum":
        total = sum(values) if values else 0  # type: ignore[arg-type]
        return result_type.serialize(_cast_number(result_type, total))
    if kind == "avg":
        if not values:
            return result_type.serialize(_cast_number(result_type, 0))
        total = sum(values)  # type: ignore[arg-type]
        if isinstance(total, int):
            return result_type.serialize(
                int(total / len(values)) if total >= 0 else -int(-total / len(values))
            )
        if isinstance(total, decimal.Decimal):
            return result_type.serialize(total / len(values))
        return result_type.serialize(total / len(values))
    raise InvalidRequest(f"Unknown aggregate {kind}")


def _cast_number(result_type: CqlType, value: object) -> object:
    return value


def prepare_selection(
    table: TableMetadata,
    selections: tuple[ast.Selection, ...] | None,
    ctx: PrepareContext,
    *,
    json: bool = False,
) -> Selection:
    if selections is None:
        selectors = [_column_selector(c, c.name) for c in table.columns]
        return Selection(table, selectors, list(table.columns), json)
    selectors: list[Selector] = []
    columns: list[ColumnMetadata] = []
    for selection in selections:
        selector = _prepare(table, selection.selector, ctx, columns)
        if selection.alias is not None:
            selector.name = selection.alias
        selectors.append(selector)
    aggregates = [s for s in selectors if s.aggregate is not None]
    if aggregates and len(aggregates) != len(selectors):
        [s for s in selectors if s.aggregate is None and s.column is not None]
        if False:  # Cassandra 5.0 allows plain columns next to aggregates (first row's value)
            raise InvalidRequest("")
    return Selection(table, selectors, columns, json)


def referenced_columns(
    table: TableMetadata, selections: tuple[ast.Selection, ...] | None
) -> list[ColumnMetadata]:
    """The columns the selectors name, checked as ``RawSelector.toSelectables`` checks them before the WHERE
    clause: every column must exist and every function be known (arguments first)."""
    found: list[ColumnMetadata] = []

    def walk(selector: ast.Selector) -> None:
        match selector:
            case ast.ColumnSelector(name=name):
                found.append(_resolve_column(table, name))
            case ast.FunctionSelector(name=fname, arguments=arguments):
                for argument in arguments:
                    walk(argument)
                lowered = fname.name.lower()
                known = (
                    lowered in _AGGREGATES
                    or lowered in ("token", "tojson", "fromjson")
                    or lowered in _COLLECTION_FUNCTIONS
                    or lowered in vector_functions.FUNCTIONS
                    or lowered in masking.FUNCTIONS
                )
                if fname.keyspace not in (None, "system") or not (known or _is_native(lowered)):
                    raise InvalidRequest(f"Unknown function '{fname.cql()}'")
            case ast.WritetimeSelector(column=inner) | ast.CastSelector(selector=inner):
                walk(inner)
            case ast.FieldSelector(receiver=inner) | ast.ElementSelector(receiver=inner):
                walk(inner)
            case ast.SliceSelector(receiver=inner) | ast.NegationSelector(selector=inner):
                walk(inner)
            case ast.TypeHintSelector(selector=inner):
                walk(inner)
            case ast.ArithmeticSelector(left=left, right=right):
                walk(left)
                walk(right)
            case (
                ast.TupleSelector(items=items) | ast.ListSelector(items=items) | ast.SetSelector(items=items)
            ):
                for item in items:
                    walk(item)
            case ast.MapSelector(entries=entries):
                for key, value in entries:
                    walk(key)
                    walk(value)

    for selection in selections or ():
        walk(selection.selector)
    return found


def _is_native(name: str) -> bool:
    from engine.cql3.functions import REGISTRY

    return name in REGISTRY


def _column_selector(column: ColumnMetadata, name: str) -> Selector:
    column_name = column.name
    return Selector(name, column.type, lambda row, bind: row.values.get(column_name), column=column)  # type: ignore[attr-defined]


def _resolve_column(table: TableMetadata, name: str) -> ColumnMetadata:
    column = table.column(name)
    if column is None:
        raise InvalidRequest(f"Undefined column name {name} in table {table.keyspace}.{table.name}")
    return column


def _prepare(
    table: TableMetadata, selector: ast.Selector, ctx: PrepareContext, columns: list[ColumnMetadata]
) -> Selector:
    match selector:
        case ast.ColumnSelector(name=name):
            column = _resolve_column(table, name)
            columns.append(column)
            return _column_selector(column, name)
        case ast.CountRowsSelector():
            return Selector(
                "count", _native(NativeTypeName.BIGINT), lambda row, bind: None, aggregate="count_rows"
            )
        case ast.WritetimeSelector(kind=kind, column=inner):
            if not isinstance(inner, ast.ColumnSelector):
                raise InvalidRequest(f"Unsupported {kind.value.lower()} selector")
            column = _resolve_column(table, inner.name)
            name = kind.value.lower()
            if column.is_primary_key:
                # Selectable.WritetimeOrTTL.newSelectorFactory
                raise InvalidRequest(
                    f"Cannot use selection function {name} on PRIMARY KEY part {column.name}"
                )
            columns.append(column)
            return _writetime_selector(column, kind)
        case ast.FunctionSelector(name=fname, arguments=arguments):
            lowered = fname.name.lower()
            if lowered in _AGGREGATES:
                if len(arguments) != 1:
                    raise InvalidRequest(
                        f"Invalid number of arguments in call to function system.{lowered}: 1 required but {len(arguments)} provided"
                    )
                inner = _prepare(table, arguments[0], ctx, columns)
                result_type = _native(NativeTypeName.BIGINT) if lowered == "count" else inner.type
                label = f"system.{lowered}({_label(arguments[0])})"
                return Selector(label, result_type, inner.evaluate, aggregate=lowered)
            if lowered == "tojson":
                return _to_json_selector(table, arguments, ctx, columns)
            if lowered == "fromjson" and fname.keyspace in (None, "system"):
                raise InvalidRequest(
                    "fromJson() cannot be used in the selection clause of a SELECT statement"
                )
            if lowered == "token":
                pk = table.partition_key
                names = [a.name for a in arguments if isinstance(a, ast.ColumnSelector)]
                if names != [c.name for c in pk]:
                    raise InvalidRequest("Type error: token() function requires partition key columns")
                bigint = _native(NativeTypeName.BIGINT)
                return Selector(
                    f"system.token({', '.join(names)})",
                    bigint,
                    lambda row, bind: bigint.serialize(keys.token(row.partition_key)),  # type: ignore[attr-defined]
                )
            return _scalar_function(table, fname, arguments, ctx, columns)
        case ast.CastSelector(selector=inner, type=target):
            prepared = _prepare(table, inner, ctx, columns)
            target_type = NATIVE_TYPES[target.name]
            source_type = prepared.type
            if not _castable(source_type, target_type):
                raise InvalidRequest(f"{_label(inner)} cannot be cast to {target_type.cql()}")

            def cast(row: object, bind: BindContext) -> bytes | None:
                raw = prepared.evaluate(row, bind)
                if raw is None:
                    return None
                return target_type.serialize(_convert(source_type.deserialize(raw), target_type, source_type))

            return Selector(f"cast({_label(inner)} as {target.cql()})", target_type, cast)
        case ast.TermSelector(term=term):
            if isinstance(term, ast.Constant) and term.kind is ast.ConstantKind.STRING:
                text = _native(NativeTypeName.TEXT)
                value = text.serialize(term.text)
                return Selector(term.cql(), text, lambda row, bind: value)
            if isinstance(term, ast.Constant) and term.kind is ast.ConstantKind.INTEGER:
                int_type = _native(NativeTypeName.INT)
                value_int = int_type.serialize(int(term.text))
                return Selector(term.cql(), int_type, lambda row, bind: value_int)
    raise InvalidRequest(f"Unsupported selector {selector.cql()}")


def _writetime_selector(column: ColumnMetadata, kind: ast.WritetimeKind) -> Selector:
    """``writetime``/``maxwritetime``/``ttl`` of a column. On a non-frozen collection or user type (Cassandra
    4.2+, ``ColumnTimestamps``) ``writetime``/``ttl`` give one value per element (a list, null where a cell
    has none) and ``maxwritetime`` the greatest."""
    is_ttl = kind is ast.WritetimeKind.TTL
    element_type = _native(NativeTypeName.INT if is_ttl else NativeTypeName.BIGINT)
    multi = column.type.is_multi_cell
    aggregate = kind is ast.WritetimeKind.MAXWRITETIME
    result_type: CqlType = ListType(element_type, True) if multi and not aggregate else element_type
    column_name = column.name
    column_type = column.type

    def evaluate(row: object, bind: BindContext) -> bytes | None:
        data = row.cells.get(column_name)  # type: ignore[attr-defined]
        now = bind.now_seconds
        if not multi:
            stamp, ttl = cell_timestamp(data, now)  # type: ignore[arg-type]
            value = ttl if is_ttl else stamp
            return None if value is None else element_type.serialize(value)
        values = cell_timestamps(column_type, data, now, ttl=is_ttl)  # type: ignore[arg-type]
        if not values:
            return None
        if aggregate:
            present = [v for v in values if v is not None]
            return element_type.serialize(max(present)) if present else None
        return _pack_nullable([None if v is None else element_type.serialize(v) for v in values])

    return Selector(f"{kind.value.lower()}({column.name})", result_type, evaluate)


def _pack_nullable(elements: list[bytes | None]) -> bytes:
    """A list value whose elements may be null (``CollectionSerializer.pack``: length -1 for null)."""
    out = bytearray(struct.pack(">i", len(elements)))
    for element in elements:
        if element is None:
            out += struct.pack(">i", -1)
        else:
            out += struct.pack(">i", len(element)) + element
    return bytes(out)


def _label(selector: ast.Selector) -> str:
    if isinstance(selector, ast.ColumnSelector):
        return selector.name
    return selector.cql()


_NUMERIC = frozenset(
    {"tinyint", "smallint", "int", "bigint", "float", "double", "decimal", "varint", "counter"}
)
_TEXT = frozenset({"text", "ascii", "varchar"})
#: Cassandra's CastFcts beyond numbers and text: the time conversions.
_TIME_CASTS = frozenset(
    {("timeuuid", "timestamp"), ("timeuuid", "date"), ("date", "timestamp"), ("timestamp", "date")}
)


def _castable(source: CqlType, target: CqlType) -> bool:
    """Whether Cassandra's CastFcts define ``CAST(<source> AS <target>)``: numbers to numbers, every
    native type but blob to text, the time conversions, and any type to itself."""
    s, t = source.unwrap().cql(), target.cql()
    if s == t:
        return True
    if t in _TEXT:
        return s != "blob" and not source.unwrap().is_collection and not source.unwrap().is_udt
    if t in _NUMERIC:
        return s in _NUMERIC
    return (s, t) in _TIME_CASTS


_MILLIS_PER_DAY = 86_400_000
#: 100-ns intervals between the UUID epoch (1582-10-15) and the Unix epoch
_UUID_EPOCH_OFFSET = 0x01B21DD213814000


def _convert(value: object, target: CqlType, source: CqlType) -> object:
    name = target.cql()
    if isinstance(value, uuid.UUID) and name in ("timestamp", "date"):  # timeuuid: its time
        millis = (value.time - _UUID_EPOCH_OFFSET) // 10_000
        return millis if name == "timestamp" else Date(millis // _MILLIS_PER_DAY)
    if isinstance(value, Date) and name == "timestamp":
        return value.days_from_epoch * _MILLIS_PER_DAY
    if name in ("text", "ascii", "varchar"):
        return source.to_cql_literal(value).strip("'") if not isinstance(value, str) else value
    if name in ("int", "bigint", "smallint", "tinyint", "varint", "counter"):
        return int(value)  # type: ignore[call-overload]
    if name in ("float", "double"):
        return float(value)  # type: ignore[arg-type]
    if name == "decimal":
        return decimal.Decimal(str(value))
    return value


def _to_json_selector(
    table: TableMetadata,
    arguments: tuple[ast.Selector, ...],
    ctx: PrepareContext,
    columns: list[ColumnMetadata],
) -> Selector:
    """``toJson(x)`` (Cassandra's ToJsonFct, for every type): the value as JSON text, ``null`` for null."""
    if len(arguments) != 1:
        raise InvalidRequest(f"toJson() only accepts one argument (got {len(arguments)})")
    inner = _prepare(table, arguments[0], ctx, columns)
    text = _native(NativeTypeName.TEXT)
    source = inner.type

    def evaluate(row: object, bind: BindContext) -> bytes | None:
        return text.serialize(source.bytes_to_json(inner.evaluate(row, bind)))

    return Selector(f"system.tojson({_label(arguments[0])})", text, evaluate)


def _scalar_function(
    table: TableMetadata,
    fname: ast.FunctionName,
    arguments: tuple[ast.Selector, ...],
    ctx: PrepareContext,
    columns: list[ColumnMetadata],
) -> Selector:
    """A native scalar function over selectors (``toDate(t)``, ``intAsBlob(v)``, ``now()``)."""
    from engine.cql3.functions import REGISTRY

    name = fname.name.lower()
    qualified = f"system.{name}"
    if name in _COLLECTION_FUNCTIONS:
        return _collection_function(table, name, arguments, ctx, columns)
    if name in vector_functions.FUNCTIONS:
        return function_selectors.vector_function(table, name, arguments, ctx, columns, _prepare)
    if name in masking.FUNCTIONS:
        return function_selectors.masking_function(table, name, arguments, ctx, columns, _prepare)
    candidates = [c for c in REGISTRY.get(name, []) if len(c.argument_types) == len(arguments)]
    if not REGISTRY.get(name):
        raise InvalidRequest(f"Unknown function '{fname.cql()}'")
    inner = [_prepare(table, a, ctx, columns) for a in arguments]
    fitting = [
        c
        for c in candidates
        if all(t.cql() == s.type.cql() for t, s in zip(c.argument_types, inner, strict=True))
    ]
    if not fitting:
        if not candidates:
            expected = len(REGISTRY[name][0].argument_types)
            raise InvalidRequest(
                f"Invalid number of arguments in call to function {qualified}: {expected} required but "
                f"{len(arguments)} provided"
            )
        argument = inner[0] if inner else None
        raise InvalidRequest(
            f"Type error: {argument.name if argument else ''} cannot be passed as argument 0 of function "
            f"{qualified} of type {candidates[0].argument_types[0].cql() if candidates[0].argument_types else ''}"
        )
    function = fitting[0]
    result_type = function.return_type

    def evaluate(row: object, bind: BindContext) -> bytes | None:
        values = []
        for selector in inner:
            raw = selector.evaluate(row, bind)
            if raw is None:
                return None
            values.append(selector.type.deserialize(raw))
        value = function.impl(bind, values)
        return None if value is None else result_type.serialize(value)

    label = f"{qualified}({', '.join(_label(a) for a in arguments)})"
    return Selector(label, result_type, evaluate)


_COLLECTION_FUNCTIONS = frozenset(
    {
        "map_keys",
        "map_values",
        "collection_count",
        "collection_min",
        "collection_max",
        "collection_sum",
        "collection_avg",
    }
)


def _collection_function(
    table: TableMetadata,
    name: str,
    arguments: tuple[ast.Selector, ...],
    ctx: PrepareContext,
    columns: list[ColumnMetadata],
) -> Selector:
    """Cassandra 5.0's collection functions (``CollectionFcts``) over one collection selector."""
    from engine.schema.types import ListType, MapType, SetType

    qualified = f"system.{name}"
    if len(arguments) != 1:
        raise InvalidRequest(
            f"Invalid number of arguments in call to function {qualified}: 1 required but {len(arguments)} provided"
        )
    inner = _prepare(table, arguments[0], ctx, columns)
    source = inner.type
    if name in ("map_keys", "map_values"):
        if not isinstance(source, MapType):
            raise InvalidRequest(
                f"Function {qualified} requires a map argument, but found argument {_label(arguments[0])} of type {source.cql()}"
            )
        result_type = SetType(source.key, True) if name == "map_keys" else ListType(source.value, True)
    elif not isinstance(source, ListType | SetType | MapType):
        raise InvalidRequest(
            f"Function {qualified} requires a collection argument, but found argument {_label(arguments[0])} of type {source.cql()}"
        )
    elif name == "collection_count":
        result_type = _native(NativeTypeName.INT)
    else:
        result_type = source.value if isinstance(source, MapType) else source.element

    def evaluate(row: object, bind: BindContext) -> bytes | None:
        raw = inner.evaluate(row, bind)
        if raw is None:
            return None
        value = source.deserialize(raw)
        if name == "map_keys":
            return result_type.serialize(list(value.keys()))
        if name == "map_values":
            return result_type.serialize(list(value.values()))
        elements = list(value.values()) if isinstance(source, MapType) else list(value)
        if name == "collection_count":
            return result_type.serialize(len(elements))
        if not elements:
            return None
        if name in ("collection_min", "collection_max"):
            keyed = sorted((result_type.serialize(e) for e in elements), key=result_type.sort_key)
            return keyed[0] if name == "collection_min" else keyed[-1]
        total = sum(elements)
        if name == "collection_sum":
            return result_type.serialize(total)
        average = total / len(elements)
        return result_type.serialize(int(average) if isinstance(total, int) else average)

    return Selector(f"{qualified}({_label(arguments[0])})", result_type, evaluate)
