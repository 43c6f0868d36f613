"""One value -> the text cqlsh 6.x prints for it, given the value's CQL type.

Dispatch follows cqlsh (``formatting.format_value`` / ``get_formatter``) because it decides the output in
corner cases: the formatter is chosen by the CQL type's name when cqlsh has one for it, otherwise by the
Python type of the value (so ``smallint``/``counter`` print as ints because the value is an ``int``, a
vector prints as a list, an unresolved UDT prints its namedtuple ``str``). The one lookup table holds both
kinds of names, as cqlsh's does.

Inside collections, tuples and UDTs elements are formatted with ``quote`` on: text and inet and timestamps
are single-quoted, other types ignore it. Maps are printed sorted by key (``sorted(items())``), sets and
lists in the order received. A ``None`` inside a UDT prints as ``null``; inside a tuple it goes to the
element type's formatter like any value, which prints ``None`` for most types and fails for some (text,
blob, float, duration, composites) — cqlsh then shows the whole cell as the value's ``repr`` in red and
reports "Failed to format value ..." after the row count; :func:`format_cell` does the same.

Floats: ``%g`` with ``float_precision`` significant digits after the integer part for numbers printed
without exponent (cqlsh ``format_floating_point_type``); ``double`` columns use ``double_precision``
(cqlsh decides by the column's type only, so floats inside a ``list<double>`` also use it). Both default
to 5 in cqlsh 6.x. ``NaN``, ``Infinity``, ``-Infinity`` are spelled out.
"""

from __future__ import annotations

import datetime
import math
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from shell.output.colors import Palette, Role, value_palette
from shell.output.cqltype import CqlType, parse_cql_type
from shell.output.empty import is_empty
from shell.output.result import UserTypeSpec
from shell.output.temporal import DEFAULT_TIMESTAMP_FORMAT, duration_text, timestamp_text
from shell.output.text import format_text, format_unknown
from shell.output.value import FormattedValue

DEFAULT_FLOAT_PRECISION = 5
DEFAULT_DOUBLE_PRECISION = 5
#: How null is shown; cqlsh only changes it for COPY TO, never on screen.
NULL_TEXT = "null"


@dataclass(frozen=True)
class FormatOptions:
    """Display settings that change how values look (cqlsh command line, cqlshrc ``[ui]``)."""

    color: bool = False
    float_precision: int = DEFAULT_FLOAT_PRECISION
    double_precision: int = DEFAULT_DOUBLE_PRECISION
    timestamp_format: str = DEFAULT_TIMESTAMP_FORMAT
    timezone: datetime.tzinfo | None = None  # None: UTC
    # COPY TO's options (cqlsh passes them to the same formatters; the screen never sets them):
    decimal_sep: str | None = None
    thousands_sep: str | None = None
    boolean_styles: tuple[str, str] | None = None
    null_text: str = NULL_TEXT  # a null UDT field
    milliseconds_only: bool = False  # timestamps' fraction rounded to milliseconds


@dataclass(frozen=True)
class _Context:
    """What every formatter of one top-level value needs."""

    palette: Palette
    precision: int
    timestamp_format: str
    timezone: datetime.tzinfo | None
    options: FormatOptions = FormatOptions()


_Formatter = Callable[[object, CqlType | None, _Context, bool], FormattedValue]


def format_value(
    value: object,
    cql_type: CqlType | str | None,
    options: FormatOptions,
    user_types: Mapping[str, UserTypeSpec] | None = None,
) -> FormattedValue:
    """Format one cell value; raises what cqlsh's formatters raise on values they cannot show."""
    ctype = parse_cql_type(cql_type, user_types) if isinstance(cql_type, str) else cql_type
    if value is None:
        # cqlsh colors a top-level null red through the default palette (format_by_type).
        return FormattedValue(value_palette(options.color).paint(NULL_TEXT, Role.ERROR), len(NULL_TEXT))
    is_double = ctype is not None and ctype.name == "double"
    context = _Context(
        palette=value_palette(options.color),
        precision=options.double_precision if is_double else options.float_precision,
        timestamp_format=options.timestamp_format,
        timezone=options.timezone,
        options=options,
    )
    return _format(value, ctype, context, quote=False)


@dataclass(frozen=True)
class CellFailure:
    """A value cqlsh could not format: its cell shows ``repr(value)`` in red; ``message`` is reported."""

    message: str


def format_cell(
    value: object, ctype: CqlType | None, options: FormatOptions
) -> tuple[FormattedValue, CellFailure | None]:
    """Format a cell, falling back as cqlsh's ``myformat_value`` does when formatting raises."""
    try:
        return format_value(value, ctype, options), None
    except Exception as error:  # cqlsh catches everything here, so every failure is a display matter
        shown = _safe_repr(value)
        text = value_palette(options.color).paint(shown, Role.ERROR)
        return FormattedValue(text, len(shown)), CellFailure(f"Failed to format value {shown} : {error}")


def _safe_repr(value: object) -> str:
    try:
        return repr(value)
    except Exception:  # e.g. an int too long for str(); cqlsh itself would crash on it
        return object.__repr__(value)


def _format(value: object, ctype: CqlType | None, context: _Context, quote: bool) -> FormattedValue:
    if is_empty(value):
        return format_unknown("", context.palette)
    formatter = _formatter_for(value, ctype)
    return formatter(value, ctype, context, quote)


def _formatter_for(value: object, ctype: CqlType | None) -> _Formatter:
    if ctype is not None:
        if ctype.is_user_type:
            return _format_user_type
        by_type_name = _FORMATTERS.get(ctype.name.lower())
        if by_type_name is not None:
            return by_type_name
    return _FORMATTERS.get(type(value).__name__.lower(), _format_unknown)


# --- scalars ---------------------------------------------------------------------------------------


def _painted(text: str, role: Role, context: _Context) -> FormattedValue:
    return FormattedValue(context.palette.paint(text, role), len(text))


def _quoted_if(text: str, quote: bool) -> str:
    return f"'{text}'" if quote else text


def _format_unknown(value: object, ctype: CqlType | None, context: _Context, quote: bool) -> FormattedValue:
    return format_unknown(value, context.palette)


def _format_text(value: object, ctype: CqlType | None, context: _Context, quote: bool) -> FormattedValue:
    # No isinstance check: a None inside a tuple<text> fails here exactly as it does in cqlsh.
    return format_text(value, context.palette, quote=quote)  # type: ignore[arg-type]


def _format_blob(value: object, ctype: CqlType | None, context: _Context, quote: bool) -> FormattedValue:
    return _painted("0x" + value.hex(), Role.BLOB, context)  # type: ignore[attr-defined]


def _format_int(value: object, ctype: CqlType | None, context: _Context, quote: bool) -> FormattedValue:
    separator = context.options.thousands_sep
    text = _with_thousands(value, separator) if separator else str(value)  # type: ignore[arg-type]
    return _painted(text, Role.INT, context)


def _with_thousands(value: float, separator: str) -> str:
    return f"{value:,.0f}".replace(",", separator)


def _format_decimal(value: object, ctype: CqlType | None, context: _Context, quote: bool) -> FormattedValue:
    options = context.options
    if (options.decimal_sep and options.decimal_sep != ".") or options.thousands_sep:
        # cqlsh formats such a decimal as a float (losing digits, as it does)
        return _format_float(value, ctype, context, quote)
    return _painted(str(value), Role.DECIMAL, context)


def _format_boolean(value: object, ctype: CqlType | None, context: _Context, quote: bool) -> FormattedValue:
    styles = context.options.boolean_styles
    text = (styles[0] if value else styles[1]) if styles else str(value)
    return _painted(text, Role.BOOLEAN, context)


def _format_uuid(value: object, ctype: CqlType | None, context: _Context, quote: bool) -> FormattedValue:
    return _painted(str(value), Role.UUID, context)


def _format_inet(value: object, ctype: CqlType | None, context: _Context, quote: bool) -> FormattedValue:
    return _painted(_quoted_if(str(value), quote), Role.INET, context)


def _format_date(value: object, ctype: CqlType | None, context: _Context, quote: bool) -> FormattedValue:
    return _painted(str(value), Role.DATE, context)


def _format_time(value: object, ctype: CqlType | None, context: _Context, quote: bool) -> FormattedValue:
    return _painted(str(value), Role.TIME, context)


def _format_timestamp(value: object, ctype: CqlType | None, context: _Context, quote: bool) -> FormattedValue:
    text = timestamp_text(value, context.timestamp_format, context.timezone)
    if context.options.milliseconds_only and isinstance(value, datetime.datetime):
        text = _round_microseconds(text)
    return _painted(_quoted_if(text, quote), Role.TIMESTAMP, context)


def _format_duration(value: object, ctype: CqlType | None, context: _Context, quote: bool) -> FormattedValue:
    text = duration_text(value.months, value.days, value.nanoseconds)  # type: ignore[attr-defined]
    return _painted(text, Role.DURATION, context)


_MICROSECONDS = re.compile(r"(.*)\.(\d{1,6})(.*)")


def _round_microseconds(text: str) -> str:
    """COPY TO's ``round_microseconds``: ``.NNNNNN`` becomes milliseconds (truncated, despite the name)."""
    match = _MICROSECONDS.match(text)
    if not match:
        return text
    milliseconds = int(match.group(2)) * 10 ** (3 - len(match.group(2)))
    return "%s.%03d%s" % (match.group(1), milliseconds, match.group(3) or "")  # noqa: UP031


def _format_float(value: object, ctype: CqlType | None, context: _Context, quote: bool) -> FormattedValue:
    options = context.options
    if options.thousands_sep and not (math.isnan(value) or math.isinf(value)):  # type: ignore[arg-type]
        fraction, whole = math.modf(value)  # type: ignore[arg-type]
        text = _with_thousands(whole, options.thousands_sep)
        digits = ("%.*f" % (context.precision, math.fabs(fraction)))[2:].rstrip("0")  # noqa: UP031
        if digits:
            text += (options.decimal_sep or ".") + digits
    else:
        text = float_text(value, context.precision)  # type: ignore[arg-type]
        if options.decimal_sep:
            text = text.replace(".", options.decimal_sep)
    return _painted(text, Role.FLOAT, context)


def float_text(value: float, precision: int) -> str:
    """cqlsh's ``format_floating_point_type`` without thousands/decimal separators."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    magnitude = abs(value)
    exponent = int(math.log10(magnitude)) if magnitude > sys.float_info.epsilon else -sys.maxsize - 1
    if -4 <= exponent < precision:
        # %g would print this without an exponent anyway; count the integer digits on top of the
        # requested ones so they do not eat into the precision (cqlsh's comment says the same).
        precision = precision + exponent + 1
    return "%.*g" % (precision, value)  # noqa: UP031 - printf semantics, as cqlsh (e.g. precision < 1)


# --- composites ------------------------------------------------------------------------------------


def _join(context: _Context, open_: str, parts: list[str], separator: str, close: str) -> str:
    palette = context.palette
    if not palette.is_colored:
        return open_ + separator.join(parts) + close
    paint = palette.paint
    return (
        paint(open_, Role.COLLECTION)
        + paint(separator, Role.COLLECTION).join(parts)
        + paint(close, Role.COLLECTION)
    )


def _format_sequence(
    value: object, ctype: CqlType | None, context: _Context, brackets: tuple[str, str]
) -> FormattedValue:
    # len() before iterating, as cqlsh does (it decides which error a non-collection raises).
    element_types = _params_for(ctype, len(value))  # type: ignore[arg-type]
    items = list(value)  # type: ignore[call-overload]
    subs = [
        _format(item, item_type, context, quote=True)
        for item, item_type in zip(items, element_types, strict=False)
    ]
    # cqlsh counts 2 cells per element (its separator or a bracket): an empty one is 0 wide.
    width = 2 * len(subs) + sum(sub.width for sub in subs)
    return FormattedValue(_join(context, brackets[0], [sub.text for sub in subs], ", ", brackets[1]), width)


def _params_for(ctype: CqlType | None, count: int) -> tuple[CqlType, ...]:
    if ctype is None:
        # No type known for a composite value: cqlsh fails on the missing type object, so do we.
        raise AttributeError("'NoneType' object has no attribute 'get_n_sub_types'")
    return ctype.params_for(count)


def _format_list(value: object, ctype: CqlType | None, context: _Context, quote: bool) -> FormattedValue:
    return _format_sequence(value, ctype, context, ("[", "]"))


def _format_tuple(value: object, ctype: CqlType | None, context: _Context, quote: bool) -> FormattedValue:
    return _format_sequence(value, ctype, context, ("(", ")"))


def _format_set(value: object, ctype: CqlType | None, context: _Context, quote: bool) -> FormattedValue:
    return _format_sequence(value, ctype, context, ("{", "}"))


def _format_pairs(context: _Context, pairs: list[tuple[FormattedValue, FormattedValue]]) -> FormattedValue:
    palette = context.palette
    colon = palette.paint(": ", Role.COLLECTION) if palette.is_colored else ": "
    entries = [key.text + colon + val.text for key, val in pairs]
    width = 4 * len(pairs) + sum(key.width + val.width for key, val in pairs)
    return FormattedValue(_join(context, "{", entries, ", ", "}"), width)


def _format_map(value: object, ctype: CqlType | None, context: _Context, quote: bool) -> FormattedValue:
    # sorted(items()) as cqlsh does: by key, failing where keys do not compare (as cqlsh fails).
    entries = sorted(value.items())  # type: ignore[attr-defined]
    if not entries:
        return _format_pairs(context, [])
    if ctype is None:
        raise AttributeError("'NoneType' object has no attribute 'sub_types'")
    params = list(ctype.params)  # a list, so a missing parameter fails with cqlsh's IndexError text
    pairs = [
        (_format(key, params[0], context, quote=True), _format(val, params[1], context, quote=True))
        for key, val in entries
    ]
    return _format_pairs(context, pairs)


def _format_user_type(value: object, ctype: CqlType | None, context: _Context, quote: bool) -> FormattedValue:
    assert ctype is not None
    palette = context.palette
    pairs: list[tuple[FormattedValue, FormattedValue]] = []
    # Field names come from the value (the namedtuple), types from the schema, paired by position.
    for (name, field_value), field_type in zip(value._asdict().items(), ctype.params, strict=False):  # type: ignore[attr-defined]
        shown_name = format_text(name, palette)
        if field_value is None:
            shown_value = _painted(context.options.null_text, Role.ERROR, context)
        else:
            shown_value = _format(field_value, field_type, context, quote=True)
        pairs.append((shown_name, shown_value))
    return _format_pairs(context, pairs)


# One table for CQL type names and Python type names, lower-cased, as cqlsh's ``_formatters``.
_FORMATTERS: Mapping[str, _Formatter] = {
    # text
    "str": _format_text,
    "unicode": _format_text,
    "text": _format_text,
    "ascii": _format_text,
    # blobs
    "blob": _format_blob,
    "blobtype": _format_blob,
    "bytearray": _format_blob,
    "buffer": _format_blob,
    # numbers
    "int": _format_int,
    "long": _format_int,
    "bigint": _format_int,
    "varint": _format_int,
    "float": _format_float,
    "double": _format_float,
    "decimal": _format_decimal,
    # others
    "bool": _format_boolean,
    "boolean": _format_boolean,
    "uuid": _format_uuid,
    "timeuuid": _format_uuid,
    "inet": _format_inet,
    "datetime": _format_timestamp,
    "timestamp": _format_timestamp,
    "date": _format_date,
    "time": _format_time,
    "duration": _format_duration,
    # composites
    "list": _format_list,
    "tuple": _format_tuple,
    "set": _format_set,
    "frozenset": _format_set,
    "sortedset": _format_set,
    "dict": _format_map,
    "ordereddict": _format_map,
    "orderedmap": _format_map,
    "orderedmapserializedkey": _format_map,
    "map": _format_map,
}
