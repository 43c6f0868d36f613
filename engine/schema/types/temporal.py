"""Time: timestamp, date, time, duration.

Byte formats (native protocol §6):

* ``timestamp``: 8-byte signed milliseconds since the epoch (may be empty). Python values are naive UTC
  ``datetime``; a value outside years 1-9999 comes back as the plain ``int`` of milliseconds, as cqlsh
  shows it. ``serialize`` also takes aware datetimes (converted to UTC), dates (midnight UTC), ``int``
  milliseconds and Cassandra's date strings.
* ``date``: 4-byte *unsigned* days with the epoch at 2^31, so byte order is date order. ``serialize``
  takes :class:`~engine.schema.values.Date`, ``datetime.date``, strings, and — like the driver and like
  a CQL integer constant — an ``int`` meaning that raw unsigned value.
* ``time``: 8-byte signed nanoseconds since midnight, 0 to 86399999999999.
* ``duration``: three signed vints (zig-zag then Cassandra's vint): months, days, nanoseconds.
  Durations are not comparable (no clustering column or set element may be one); they order by bytes.
"""

from __future__ import annotations

import datetime
import struct
import time as _time
from dataclasses import dataclass
from typing import Any

from engine.schema.types import java, timeparse
from engine.schema.types.base import (
    EMPTY_NUMERIC_KEY,
    MARSHAL_PACKAGE,
    CqlType,
    MarshalException,
    ProtocolTypeCode,
    decode_vint,
    encode_vint,
    quote_cql,
)
from engine.schema.values import Date, Duration, Time

_LONG = struct.Struct(">q")
_UINT = struct.Struct(">I")
_LONG_UNPACK = _LONG.unpack


def _expected(kind: str, obj: Any) -> MarshalException:
    return MarshalException(f"Expected {kind}, but got a {java.class_name(obj)}: {java.to_string(obj)}")


# ---------------------------------------------------------------------------------------------- timestamp


@dataclass(frozen=True, slots=True)
class TimestampType(CqlType):
    bytes_are_canonical = True
    allows_empty = True
    numeric_key = True
    fixed_length = 8
    value_length_if_fixed = 8
    protocol_code = ProtocolTypeCode.TIMESTAMP

    def cql(self) -> str:
        return "timestamp"

    def marshal_name(self) -> str:
        return MARSHAL_PACKAGE + "TimestampType"

    def _length_message(self, size: int) -> str:
        return f"Expected 8 or 0 byte long for date ({size})"

    def _serialize(self, value: Any) -> bytes:
        if isinstance(value, datetime.datetime):
            millis = timeparse.datetime_to_millis(value)
        elif isinstance(value, datetime.date):
            millis = timeparse.days_from_civil(value.year, value.month, value.day) * timeparse.MILLIS_PER_DAY
        elif isinstance(value, int) and not isinstance(value, bool):
            millis = value
        elif isinstance(value, float):
            millis = int(value)
        elif isinstance(value, str):
            return self.parse_string(value)
        else:
            raise TypeError(
                f"timestamp values must be datetime, date or int millis, not {type(value).__name__}"
            )
        if not java.LONG_MIN <= millis <= java.LONG_MAX:
            raise MarshalException(f"Timestamp {millis} out of range")
        return _LONG.pack(millis)

    def _deserialize(self, data: bytes) -> Any:
        self.validate(data)
        return timeparse.millis_to_datetime(_LONG.unpack(data)[0])

    def sort_key(self, data: bytes) -> Any:
        return _LONG_UNPACK(data)[0] if data else EMPTY_NUMERIC_KEY

    def millis(self, data: bytes) -> int:
        return _LONG.unpack(data)[0]

    def _cql_literal(self, data: bytes) -> str:
        self.validate(data)
        return quote_cql(timeparse.format_timestamp(self.millis(data), "T"))

    def _json(self, data: bytes) -> str:
        self.validate(data)
        return '"' + timeparse.format_timestamp(self.millis(data), " ") + '"'

    def parse_string(self, text: str) -> bytes:
        """Cassandra's formats (see ``timeparse``); ``now`` reads the wall clock — statements take
        their time from the injected clock instead (``coerce_literal``'s ``now_millis``)."""
        if not text:
            return b""
        if text.lower() == "now":
            return _LONG.pack(_time.time_ns() // 1_000_000)
        return _LONG.pack(timeparse.parse_timestamp(text))

    def _from_json(self, obj: Any) -> bytes:
        # Jackson parses small numbers as Integer, which TimestampType.fromJSONObject does not take.
        if java.class_name(obj) == "Long":
            return _LONG.pack(obj)
        if isinstance(obj, str):
            return self.parse_string(obj)
        raise _expected("a long or a datestring representation of a timestamp value", obj)


# ---------------------------------------------------------------------------------------------- date


@dataclass(frozen=True, slots=True)
class DateType(CqlType):
    bytes_are_canonical = True
    numeric_key = True
    fixed_length = 4
    protocol_code = ProtocolTypeCode.DATE

    def cql(self) -> str:
        return "date"

    def marshal_name(self) -> str:
        return MARSHAL_PACKAGE + "SimpleDateType"

    def _length_message(self, size: int) -> str:
        return f"Expected 4 byte long for date ({size})"

    def _serialize(self, value: Any) -> bytes:
        if isinstance(value, Date):
            return _UINT.pack(value.days_from_epoch + timeparse.DATE_EPOCH_OFFSET)
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, datetime.date):
            return _UINT.pack(Date.from_date(value).days_from_epoch + timeparse.DATE_EPOCH_OFFSET)
        if isinstance(value, int) and not isinstance(value, bool):
            if not 0 <= value < 2**32:
                raise MarshalException(f"Unable to make unsigned int (for date) from: '{value}'")
            return _UINT.pack(value)
        if isinstance(value, str):
            return self.parse_string(value)
        raise TypeError(f"date values must be Date, datetime.date or int, not {type(value).__name__}")

    def _deserialize(self, data: bytes) -> Any:
        self.validate(data)
        return Date(_UINT.unpack(data)[0] - timeparse.DATE_EPOCH_OFFSET)

    def sort_key(self, data: bytes) -> Any:
        return _UINT.unpack(data)[0] if data else EMPTY_NUMERIC_KEY

    def _text(self, data: bytes) -> str:
        self.validate(data)
        return timeparse.format_iso_date(_UINT.unpack(data)[0] - timeparse.DATE_EPOCH_OFFSET)

    def _cql_literal(self, data: bytes) -> str:
        return quote_cql(self._text(data))

    def _json(self, data: bytes) -> str:
        return '"' + self._text(data) + '"'

    def parse_string(self, text: str) -> bytes:
        return _UINT.pack(timeparse.parse_date(text))

    def _from_json(self, obj: Any) -> bytes:
        if not isinstance(obj, str):
            raise _expected("a string representation of a date value", obj)
        return self.parse_string(obj)


# ---------------------------------------------------------------------------------------------- time


@dataclass(frozen=True, slots=True)
class TimeType(CqlType):
    numeric_key = True
    fixed_length = 8
    protocol_code = ProtocolTypeCode.TIME

    def cql(self) -> str:
        return "time"

    def marshal_name(self) -> str:
        return MARSHAL_PACKAGE + "TimeType"

    def _length_message(self, size: int) -> str:
        return f"Expected 8 byte long for time ({size})"

    def _serialize(self, value: Any) -> bytes:
        if isinstance(value, Time):
            return _LONG.pack(value.nanosecond_time)
        if isinstance(value, datetime.time):
            return _LONG.pack(Time.from_time(value).nanosecond_time)
        if isinstance(value, int) and not isinstance(value, bool):
            return _LONG.pack(Time(value).nanosecond_time)
        if isinstance(value, str):
            return self.parse_string(value)
        raise TypeError(
            f"time values must be Time, datetime.time or int nanoseconds, not {type(value).__name__}"
        )

    def _deserialize(self, data: bytes) -> Any:
        self.validate(data)
        try:
            return Time(_LONG.unpack(data)[0])
        except ValueError as exc:
            raise MarshalException(str(exc)) from None

    def sort_key(self, data: bytes) -> Any:
        return int.from_bytes(data, "big")

    def _cql_literal(self, data: bytes) -> str:
        return quote_cql(str(self._deserialize(data)))

    def _json(self, data: bytes) -> str:
        return '"' + str(self._deserialize(data)) + '"'

    def parse_string(self, text: str) -> bytes:
        return _LONG.pack(timeparse.parse_time(text))

    def _from_json(self, obj: Any) -> bytes:
        if not isinstance(obj, str):
            raise _expected("a string representation of a time value", obj)
        return self.parse_string(obj)


# ---------------------------------------------------------------------------------------------- duration


def encode_duration(value: Duration) -> bytes:
    return encode_vint(value.months) + encode_vint(value.days) + encode_vint(value.nanoseconds)


@dataclass(frozen=True, slots=True)
class DurationType(CqlType):
    protocol_code = ProtocolTypeCode.DURATION

    def cql(self) -> str:
        return "duration"

    def marshal_name(self) -> str:
        return MARSHAL_PACKAGE + "DurationType"

    def _serialize(self, value: Any) -> bytes:
        if isinstance(value, Duration):
            return encode_duration(value)
        if isinstance(value, str):
            return self.parse_string(value)
        if isinstance(value, datetime.timedelta):
            sign = -1 if value < datetime.timedelta(0) else 1
            magnitude = abs(value)
            nanos = (magnitude.seconds * 1_000_000 + magnitude.microseconds) * 1000
            return encode_duration(Duration(0, sign * magnitude.days, sign * nanos))
        if all(hasattr(value, a) for a in ("months", "days", "nanoseconds")):  # the driver's Duration
            return encode_duration(Duration(value.months, value.days, value.nanoseconds))
        raise TypeError(f"duration values must be Duration, not {type(value).__name__}")

    def _deserialize(self, data: bytes) -> Any:
        months, days, nanos = self._parts(data)
        return Duration(months, days, nanos)

    def _parts(self, data: bytes) -> tuple[int, int, int]:
        if len(data) < 3:
            raise MarshalException(f"Expected at least 3 bytes for a duration ({len(data)})")
        try:
            months, offset = decode_vint(data, 0)
            days, offset = decode_vint(data, offset)
            nanos, _ = decode_vint(data, offset)
        except IndexError:
            raise MarshalException("Not enough bytes to read a duration") from None
        if not -(2**31) <= months < 2**31:
            raise MarshalException(f"The duration months must be a 32 bits integer but was: {months}")
        if not -(2**31) <= days < 2**31:
            raise MarshalException(f"The duration days must be a 32 bits integer but was: {days}")
        if not ((months >= 0 and days >= 0 and nanos >= 0) or (months <= 0 and days <= 0 and nanos <= 0)):
            raise MarshalException(
                "The duration months, days and nanoseconds must be all of the same sign "
                f"({months}, {days}, {nanos})"
            )
        return months, days, nanos

    def _validate(self, data: bytes) -> None:
        self._parts(data)

    def sort_key(self, data: bytes) -> Any:
        return data

    def _cql_literal(self, data: bytes) -> str:
        return str(self._deserialize(data))

    def _json(self, data: bytes) -> str:
        return '"' + str(self._deserialize(data)) + '"'

    def parse_string(self, text: str) -> bytes:
        """``Duration.from``. Cassandra stores an empty value for ``''``, which its own validation
        then refuses; cqlkit refuses ``''`` up front, with ``Duration.from``'s message."""
        return encode_duration(timeparse.parse_duration(text))

    def _from_json(self, obj: Any) -> bytes:
        if not isinstance(obj, str):
            raise _expected("a string representation of a duration", obj)
        return self.parse_string(obj)
