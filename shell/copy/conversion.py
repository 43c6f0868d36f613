"""COPY FROM: CSV fields to CQL values, as cqlsh's ``ImportConversion`` parses them, then serialized.

Each column's converter is chosen by its cassandra-driver type (``typename``): integers (THOUSANDSSEP
removed), float/double/decimal (separators normalised), booleans (true when the field equals BOOLSTYLE's
first word, case-insensitive; anything else is false, as in cqlsh), uuids, blobs (``0x...``), text
as is, timestamps (DATETIMEFORMAT, else any CQL timestamp form, else integer milliseconds), dates,
times, and composites: lists, sets, maps, tuples, vectors and user types split on top-level commas
(quotes and brackets respected) with elements unquoted (``'it''s'`` -> ``it's``) and converted in turn.
A field equal to NULL is null; inside a composite an empty element is refused (``Empty values are not
allowed``). A failure reads ``Failed to parse <field> : <reason>``; a wrong field count
``Invalid row length 2 should be 3``; a missing key ``Cannot insert null value for primary key column
'k'. If you want to insert empty strings, consider using the WITH NULL=<marker> option for COPY.``

Values are then serialized as the driver's type classes serialize them, so both connections send the same
bytes. For the common types (fixed-size numbers, text, timestamps, and lists of these) the bytes are packed
here (``serializer``): the driver's ``to_binary`` costs a timestamp two caught exceptions. Whatever the
packing refuses is handed to ``to_binary`` after all, so a value the driver refuses fails with its message.
A row is converted and packed in one pass (``_field_bytes`` per column); only a row where some field fails
is worked through field by field, for that field's error. Timestamps in cqlsh's default format are read
without strptime or a datetime (``_default_format``), lists and sets without unquoting walks when nothing
in them is quoted or nested.
"""

from __future__ import annotations

import calendar
import datetime
import re
import struct
import time
import uuid
from collections import namedtuple
from collections.abc import Callable, Sequence
from decimal import Decimal

from cassandra.util import Date, Duration, Time

Converter = Callable[[str], object]

#: cqlsh's default time format, ``%Y-%m-%d %H:%M:%S.%f%z``, in its common spelling (``+HHMM`` offsets):
#: read without ``strptime`` (a fifth of COPY FROM's time otherwise), to the same value
DEFAULT_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f%z"
_DEFAULT_FORMAT_TEXT = re.compile(
    r"([0-9]{4}-[0-9]{1,2}-[0-9]{1,2}) ([0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2})\.([0-9]{1,6})([+-][0-9]{4})"
)

#: every timestamp form CQL accepts (cqlsh's pattern): date, optional time, fraction, zone
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})\s?(?:'T')?"
    r"(?:(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?))?"
    r"(?:([+\-])(\d{2}):?(\d{2}))?"
)


_INT32 = struct.Struct(">i")
#: the driver's serialization of a value of each type (``typename``), where a struct or an encoding is all it is
_PACKERS: dict[str, Callable[[object], bytes]] = {
    "int": _INT32.pack,
    "bigint": struct.Struct(">q").pack,
    "counter": struct.Struct(">q").pack,
    "smallint": struct.Struct(">h").pack,
    "tinyint": struct.Struct(">b").pack,
    "double": struct.Struct(">d").pack,
    "float": struct.Struct(">f").pack,
    "text": str.encode,  # type: ignore[dict-item]
    "varchar": str.encode,  # type: ignore[dict-item]
    "timestamp": lambda v: struct.pack(">q", int(v)),  # type: ignore[call-overload]  # milliseconds
}


def packer(kind: type) -> Callable[[object], bytes] | None:
    """The driver's serialization of a converted value of ``kind`` (a driver type), for the types whose
    bytes are a struct or an encoding (and lists of them); None for the others. It raises on values the
    driver may refuse too, whose answer ``to_binary`` gives (``serializer``)."""
    name = kind.typename  # type: ignore[attr-defined]
    packed = _PACKERS.get(name)
    if packed is not None or name != "list" or kind.subtypes[0].typename not in _PACKERS:  # type: ignore[attr-defined]
        return packed
    element = _PACKERS[kind.subtypes[0].typename]  # type: ignore[attr-defined]
    pack_length = _INT32.pack

    def pack_list(items: object) -> bytes:
        parts = [pack_length(len(items))]  # type: ignore[arg-type]
        for item in items:  # type: ignore[attr-defined]
            packed = element(item)
            parts.append(pack_length(len(packed)))
            parts.append(packed)
        return b"".join(parts)

    return pack_list


def serializer(kind: type, protocol_version: int) -> Callable[[object], bytes]:
    """The bytes of a converted value of ``kind`` (a driver type), as ``kind.to_binary`` makes them."""
    fast = packer(kind)
    to_binary = kind.to_binary  # type: ignore[attr-defined]
    if fast is None:
        return lambda value: to_binary(value, protocol_version)  # type: ignore[no-any-return]

    def serialize(value: object) -> bytes:
        try:
            return fast(value)
        except Exception:  # a value the driver may refuse too: its answer, or its error and message
            return to_binary(value, protocol_version)  # type: ignore[no-any-return]

    return serialize


def _field_bytes(convert: Converter, pack: Callable[[object], bytes]) -> Callable[[str], bytes]:
    """A field's bytes in one call: the conversion, then the packing (either may raise)."""
    if convert is int and pack is _INT32.pack:
        return lambda field: _INT32.pack(int(field))
    return lambda field: pack(convert(field))


class ParseError(Exception):
    """A row that cannot be imported as it is: reported and written to the error file, never retried."""


def unprotect(value: str | None) -> str | None:
    """cqlsh's ``dequote_value``: strip blanks, and one level of single quotes (``''`` -> ``'``)."""
    if value is None:
        return None
    value = value.strip()
    if len(value) >= 2 and value[0] == "'" and value[-1] == "'":
        return value[1:-1].replace("''", "'")
    return value


_PAIRS = {"{": "}", "[": "]", "(": ")"}
#: what makes a separator not top-level: a quote or a bracket inside the outer pair
_NESTING = re.compile(r"['{}\[\]()]")


def split(value: str, separator: str = ",") -> list[str]:
    """The top-level parts of ``(a, b)``/``[..]``/``{..}``: separators inside quotes or brackets kept.
    An empty last part is dropped (``[1,]`` has one part), as cqlsh's splitter drops it."""
    if len(value) < 2 or _PAIRS.get(value[0]) != value[-1]:
        raise ParseError(
            f"Invalid composite string, it should start and end with matching parentheses: {value}"
        )
    if _NESTING.search(value, 1, len(value) - 1) is None:
        # nothing nested, nothing quoted (a flat list of numbers, the common case): every separator is
        # top-level, so str.split gives the same parts without a character-by-character walk
        parts = value[1:-1].split(separator)
        if not parts[-1]:
            parts.pop()
        return parts
    parts = []
    last = 1
    level = 0
    quoted = False
    for i, c in enumerate(value):
        if c == "'":
            quoted = not quoted
        elif not quoted:
            if c in "{[(":
                level += 1
            elif c in "}])":
                level -= 1
            elif c == separator and level == 1:
                parts.append(value[last:i])
                last = i + 1
    if last < len(value) - 1:
        parts.append(value[last:-1])
    return parts


class RowConverter:
    """Converts CSV rows of ``columns`` (whose driver types are ``types``) into serialized values."""

    def __init__(
        self,
        columns: Sequence[str],
        types: Sequence[type],
        primary_key: Sequence[str],
        *,
        nullval: str,
        decimal_sep: str,
        thousands_sep: str,
        boolstyle: tuple[str, str],
        datetimeformat: str,
        protocol_version: int,
    ) -> None:
        self.columns = list(columns)
        self.types = list(types)
        self.nullval = nullval
        self.decimal_sep = decimal_sep
        self.thousands_sep = thousands_sep
        self.true_word = boolstyle[0].lower()
        self.datetimeformat = datetimeformat
        self.protocol_version = protocol_version
        self.key_indexes = [self.columns.index(name) for name in primary_key]
        self._element_converters: dict[type, Converter] = {}
        self.converters = [self.converter(t) for t in self.types]
        self.serializers = [serializer(t, protocol_version) for t in self.types]
        self._fields = [
            _field_bytes(convert, packer(kind) or serialize)
            for convert, serialize, kind in zip(self.converters, self.serializers, self.types, strict=True)
        ]

    # ------------------------------------------------------------------ rows

    def convert(self, row: Sequence[str]) -> list[bytes | None]:
        if len(row) != len(self.converters):
            raise ParseError(f"Invalid row length {len(row)} should be {len(self.converters)}")
        for i in self.key_indexes:
            if row[i] == self.nullval:
                raise ParseError(self._null_key_message(i))
        nullval = self.nullval
        try:
            # the common row: every field converts and packs; any failure is worked out field by field
            return [
                None if field == nullval else to_bytes(field)
                for to_bytes, field in zip(self._fields, row, strict=True)
            ]
        except Exception:
            return self._convert_carefully(row)

    def _convert_carefully(self, row: Sequence[str]) -> list[bytes | None]:
        """``convert``'s values, or the ParseError of the first field that fails, and how it failed."""
        out: list[bytes | None] = []
        nullval = self.nullval
        for convert, serialize, field in zip(self.converters, self.serializers, row, strict=True):
            if field == nullval:
                out.append(None)
                continue
            try:
                value = convert(field)
            except Exception as error:
                if field == "":
                    out.append(None)  # CASSANDRA-12794: an empty field that does not parse is null
                    continue
                raise ParseError(f"Failed to parse {field} : {_reason(error)}") from None
            try:
                out.append(serialize(value))
            except Exception as error:
                raise ParseError(f"Failed to parse {field} : {_reason(error)}") from None
        return out

    def _null_key_message(self, index: int) -> str:
        message = f"Cannot insert null value for primary key column '{self.columns[index]}'."
        if self.nullval == "":
            message += (
                " If you want to insert empty strings, consider using the WITH NULL=<marker> option for COPY."
            )
        return message

    # ------------------------------------------------------------------ values

    def converter(self, kind: type) -> Converter:
        name = kind.typename  # type: ignore[attr-defined]
        if name in ("int", "bigint", "varint", "smallint", "tinyint", "counter"):
            return self._integer if self.thousands_sep else int
        if name in ("float", "double"):
            if not self.thousands_sep and self.decimal_sep in ("", "."):
                return float
            return lambda v: float(self._decimal_text(v))
        if name == "decimal":
            return lambda v: Decimal(self._decimal_text(v))
        if name == "boolean":
            return lambda v: v.lower() == self.true_word
        if name in ("uuid", "timeuuid"):
            return uuid.UUID
        if name == "blob":
            return lambda v: bytes.fromhex(v[2:])
        if name in ("ascii", "text", "varchar", "inet"):
            return str
        if name == "timestamp":
            return self._timestamp
        if name == "date":
            return Date
        if name == "time":
            return Time
        if name == "duration":
            return parse_duration
        if name.endswith("ReversedType"):
            return self.converter(kind.subtypes[0])  # type: ignore[attr-defined]
        if name in ("list", "set", "tuple", "map", "frozen"):
            return self._composite(kind)
        if hasattr(kind, "fieldnames"):
            return self._user_type(kind)
        if hasattr(kind, "vector_size"):
            return self._composite(kind)
        return lambda v: v

    def _integer(self, text: str) -> int:
        return int(text.replace(self.thousands_sep, "") if self.thousands_sep else text)

    def _decimal_text(self, text: str) -> str:
        if self.thousands_sep:
            text = text.replace(self.thousands_sep, "")
        if self.decimal_sep:
            text = text.replace(self.decimal_sep, ".")
        return text

    def _timestamp(self, text: str) -> float | int:
        if self.datetimeformat == DEFAULT_TIME_FORMAT:
            milliseconds = _default_format(text)
            if milliseconds is not None:
                return milliseconds
        try:
            return datetime.datetime.strptime(text, self.datetimeformat).timestamp() * 1000
        except ValueError:
            pass
        match = _TIMESTAMP.match(text)
        if not match:
            try:
                return int(text)  # COPY TO writes timestamps out of datetime's range as milliseconds
            except ValueError:
                raise ValueError(
                    f"can't interpret {text!r} as a date with format {self.datetimeformat} or as int"
                ) from None
        g = match.groups()
        moment = (int(g[0]), int(g[1]), int(g[2]), int(g[3] or 0), int(g[4] or 0), int(g[5] or 0), 0, 1, -1)
        milliseconds = int(g[6]) * 10 ** (3 - len(g[6])) if g[6] else 0
        if g[7]:
            offset = (int(g[8]) * 3600 + int(g[9]) * 60) * int(g[7] + "1")
        else:
            offset = -time.timezone
        return (calendar.timegm(time.struct_time(moment)) + offset) * 1000 + milliseconds

    def _element(self, kind: type, text: str, *, mandatory: bool) -> object:
        value = unprotect(text)
        assert value is not None
        if value == self.nullval:
            if mandatory and kind.typename not in ("text", "varchar"):  # type: ignore[attr-defined]
                raise ParseError("Empty values are not allowed")
            if not mandatory:
                return None
        convert = self._element_converters.get(kind)
        if convert is None:  # worked out once per element type, not once per element
            convert = self._element_converters[kind] = self.converter(kind)
        return convert(value)

    def _elements(self, kind: type) -> Callable[[str], list[object]]:
        """The elements of a list or set literal, each read as ``_element(kind, e, mandatory=True)`` reads it
        (one closure per column: the element's converter and null rule are worked out here, once)."""
        convert = self.converter(kind)
        nullval = self.nullval
        refuse_null = kind.typename not in ("text", "varchar")  # type: ignore[attr-defined]

        def elements(v: str) -> list[object]:
            values = []
            for text in split(v):
                text = text.strip()
                if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
                    text = text[1:-1].replace("''", "'")
                if text == nullval and refuse_null:
                    raise ParseError("Empty values are not allowed")
                values.append(convert(text))
            return values

        return elements

    def _composite(self, kind: type) -> Converter:
        name = kind.typename  # type: ignore[attr-defined]
        subtypes = getattr(kind, "subtypes", ())
        if name == "frozen":
            return self.converter(subtypes[0])
        if name == "list":
            return self._elements(subtypes[0])
        if name == "set":
            elements = self._elements(subtypes[0])
            return lambda v: set(elements(v))
        if name == "tuple":
            return lambda v: tuple(
                self._element(t, e, mandatory=True) for t, e in zip(subtypes, split(v), strict=False)
            )
        if name == "map":

            def to_map(v: str) -> dict[object, object]:
                pairs = [split("{%s}" % entry, ":") for entry in split(v)]  # noqa: UP031
                return {
                    self._element(subtypes[0], p[0], mandatory=True): self._element(
                        subtypes[1], p[1], mandatory=False
                    )
                    for p in pairs
                }

            return to_map
        size = kind.vector_size  # type: ignore[attr-defined]
        element = kind.subtype  # type: ignore[attr-defined]

        def to_vector(v: str) -> list[object]:
            parts = split(v)
            if len(parts) != size:
                raise ParseError(
                    f"The length of given vector value '{len(parts)}' is not equal to the vector size from "
                    f"the type definition '{size}'"
                )
            return [self._element(element, e, mandatory=True) for e in parts]

        return to_vector

    def _user_type(self, kind: type) -> Converter:
        names = list(kind.fieldnames)  # type: ignore[attr-defined]
        subtypes = list(kind.subtypes)  # type: ignore[attr-defined]
        shape = namedtuple(kind.typename, names)  # type: ignore[attr-defined,misc]

        def to_udt(v: str) -> object:
            pairs = [split("{%s}" % entry, ":") for entry in split(v)]  # noqa: UP031
            given = {unprotect(p[0]): p[1] for p in pairs}
            return shape(
                *(
                    self._element(t, given[n], mandatory=False) if n in given else None
                    for n, t in zip(names, subtypes, strict=True)
                )
            )

        return to_udt


_DURATION_UNIT = re.compile(r"(\d+)(y|mo|w|d|h|ms|m|s|us|µs|ns)", re.IGNORECASE)
_NANOS = {"h": 3600 * 10**9, "m": 60 * 10**9, "s": 10**9, "ms": 10**6, "us": 10**3, "µs": 10**3, "ns": 1}


def parse_duration(text: str) -> Duration:
    """A CQL duration literal such as ``1y2mo3d4h5m6s7ms8us9ns`` (cqlsh has no converter for durations and
    fails on them; cqlkit reads the form COPY TO writes)."""
    body = text[1:] if text.startswith("-") else text
    sign = -1 if text.startswith("-") else 1
    months = days = nanos = 0
    position = 0
    for match in _DURATION_UNIT.finditer(body):
        if match.start() != position:
            break
        position = match.end()
        amount, unit = int(match.group(1)), match.group(2).lower()
        if unit == "y":
            months += 12 * amount
        elif unit == "mo":
            months += amount
        elif unit == "w":
            days += 7 * amount
        elif unit == "d":
            days += amount
        else:
            nanos += amount * _NANOS[unit]
    if not body or position != len(body):
        raise ValueError(f"Unable to convert '{text}' to a duration")
    return Duration(sign * months, sign * days, sign * nanos)


def _reason(error: BaseException) -> str:
    return error.message if hasattr(error, "message") else str(error)  # type: ignore[attr-defined]


def _default_format(text: str) -> float | None:
    """``datetime.strptime(text, DEFAULT_TIME_FORMAT).timestamp() * 1000`` for the texts it reads the common
    way; None for any other text (strptime decides those).

    No datetime is built: the date's days since the epoch, the time's seconds into the day, the fraction's
    microseconds and the zone's offset are each worked out once per distinct text and remembered (a file's
    timestamps share few of each), then summed in integer microseconds and divided as
    ``timedelta.total_seconds`` divides them, so the float is exactly ``timestamp()``'s."""
    match = _DEFAULT_FORMAT_TEXT.fullmatch(text)
    if match is None:
        return None
    date, clock, fraction, zone = match.groups()
    days = _EPOCH_DAYS.get(date)
    if days is None:
        days = _remember(_EPOCH_DAYS, date, _days_since_epoch(date))
    seconds = _DAY_SECONDS.get(clock)
    if seconds is None:
        seconds = _remember(_DAY_SECONDS, clock, _seconds_into_day(clock))
    offset = _OFFSETS.get(zone)
    if offset is None:
        offset = _remember(_OFFSETS, zone, _offset_seconds(zone))
    if days < _INVALID or seconds < 0 or offset == _INVALID:
        return None  # a 13th month, a 24th hour, a +0060 zone, ...: strptime's answer, whatever it is
    micros = _MICROS.get(fraction)
    if micros is None:
        micros = _remember(_MICROS, fraction, int(fraction.ljust(6, "0")))
    return ((days * 86400 + seconds - offset) * 1_000_000 + micros) / 1_000_000 * 1000


#: what the caches below hold for a part strptime's format would not take as it is
_INVALID = -(10**9)
_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()
_CACHE_LIMIT = 100_000  # entries per cache: emptied when full, so an odd file cannot grow them for ever
_EPOCH_DAYS: dict[str, int] = {}  # "2024-1-26" -> days since 1970-01-01
_DAY_SECONDS: dict[str, int] = {}  # "10:45:00" -> 38700
_OFFSETS: dict[str, int] = {}  # "-0130" -> -5400
_MICROS: dict[str, int] = {}  # "5" -> 500000


def _remember(cache: dict[str, int], key: str, value: int) -> int:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value


def _days_since_epoch(date: str) -> int:
    year, month, day = date.split("-")
    try:
        return datetime.date(int(year), int(month), int(day)).toordinal() - _EPOCH_ORDINAL
    except ValueError:
        return _INVALID - 1


def _seconds_into_day(clock: str) -> int:
    hours, minutes, seconds = (int(part) for part in clock.split(":"))
    if hours >= 24 or minutes >= 60 or seconds >= 60:
        return -1
    return hours * 3600 + minutes * 60 + seconds


def _offset_seconds(zone: str) -> int:
    hours, minutes = int(zone[1:3]), int(zone[3:5])
    if minutes >= 60 or hours * 60 + minutes >= 24 * 60:
        return _INVALID
    return (hours * 3600 + minutes * 60) * (-1 if zone[0] == "-" else 1)
