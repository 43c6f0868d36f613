"""Calendar arithmetic and the date/time text formats of Cassandra, without ``datetime``'s year limits.

Cassandra's ``date`` spans ±2^31 days (years -5877641 to 5881580) and ``timestamp`` ±2^63 ms, far past
``datetime``'s years 1-9999, so days and civil dates convert with Howard Hinnant's proleptic Gregorian
algorithms. Parsing follows ``TimestampSerializer`` (a list of ``java.time`` patterns), ``SimpleDateSerializer``
(``ISO_LOCAL_DATE``, strict), ``TimeSerializer.parseTimeStrictly`` and ``Duration.from``; formatting of
timestamps follows ``SimpleDateFormat``, which switches to the Julian calendar before 1582-10-15.

Timestamps written without a zone are read in UTC: Cassandra uses the server's default zone, and
cqlkit servers run in UTC.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime, timedelta

from engine.errors import InvalidRequest
from engine.schema.types import java
from engine.schema.types.base import MarshalException
from engine.schema.values import (
    MONTHS_PER_YEAR,
    NANOS_PER_DAY,
    NANOS_PER_HOUR,
    NANOS_PER_MICRO,
    NANOS_PER_MILLI,
    NANOS_PER_MINUTE,
    NANOS_PER_SECOND,
    Duration,
)

MILLIS_PER_DAY = 86_400_000
DATE_EPOCH_OFFSET = 2**31  # a date's serialized value is its days from epoch plus 2^31 (unsigned)
_GREGORIAN_CUTOVER_MILLIS = -12_219_292_800_000  # 1582-10-15T00:00:00Z, where SimpleDateFormat switches


# ---------------------------------------------------------------------------------------------- civil dates


def days_from_civil(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 of a proleptic Gregorian date (any year)."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(days: int) -> tuple[int, int, int]:
    """The proleptic Gregorian (year, month, day) of a day count from 1970-01-01."""
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + (3 if mp < 10 else -9)
    return yoe + era * 400 + (month <= 2), month, day


def _julian_from_days(days: int) -> tuple[int, int, int]:
    c = days + 2440588 + 32082
    d = (4 * c + 3) // 1461
    e = c - (1461 * d) // 4
    m = (5 * e + 2) // 153
    return d - 4800 + m // 10, m + 3 - 12 * (m // 10), e - (153 * m + 2) // 5 + 1


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def month_length(year: int, month: int) -> int:
    if month == 2:
        return 29 if _is_leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def format_iso_date(days: int) -> str:
    """``ISO_LOCAL_DATE`` of a day count: ``2024-01-31``, ``+10000-01-01``, ``-0001-12-31``."""
    year, month, day = civil_from_days(days)
    if 0 <= year <= 9999:
        text = f"{year:04d}"
    else:
        text = ("+" if year > 0 else "-") + f"{abs(year):04d}"
    return f"{text}-{month:02d}-{day:02d}"


# ---------------------------------------------------------------------------------------------- timestamps


def format_timestamp(millis: int, separator: str) -> str:
    """``SimpleDateFormat("yyyy-MM-dd<sep>HH:mm:ss.SSSX")`` in UTC: Julian calendar before 1582-10-15,
    year of era (no sign) for years before 1 AD."""
    days, ms_of_day = divmod(millis, MILLIS_PER_DAY)
    if millis < _GREGORIAN_CUTOVER_MILLIS:
        year, month, day = _julian_from_days(days)
    else:
        year, month, day = civil_from_days(days)
    if year <= 0:
        year = 1 - year
    hours, rest = divmod(ms_of_day, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, ms = divmod(rest, 1000)
    return f"{year:04d}-{month:02d}-{day:02d}{separator}{hours:02d}:{minutes:02d}:{seconds:02d}.{ms:03d}Z"


_OFFSET = r"(?:Z|[+-]\d{2}(?::?\d{2})?)"
_DATETIME_RE = re.compile(
    r"(\d{1,19})-(\d{1,19})-(\d{1,19})[T ](\d{1,19}):(\d{1,19})(?::(\d{1,19}))?(?:\.(\d{0,9}))?"
    r"(?:( )?(" + _OFFSET + r")| (\S.*))?\Z"
)
_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:( )?(" + _OFFSET + r")| (\S.*))?\Z")
_LONG_RE = re.compile(r"-?\d+\Z")


def parse_timestamp(text: str) -> int:
    """``TimestampSerializer.dateStringToTimestamp`` without ``now``: epoch millis."""
    if _LONG_RE.match(text):
        try:
            return java.parse_integer(text, 64)
        except ValueError:
            raise MarshalException(f"Unable to make long (for date) from: '{text}'") from None
    millis = _parse_datetime(text)
    if millis is None or not java.LONG_MIN <= millis <= java.LONG_MAX:
        raise MarshalException(f"Unable to parse a date/time from '{text}'")
    return millis


def _parse_datetime(text: str) -> int | None:
    if m := _DATETIME_RE.match(text):
        year, month, day, hour, minute = (int(g) for g in m.group(1, 2, 3, 4, 5))
        second = int(m.group(6) or 0)
        fraction = m.group(7) or ""
        millis = int((fraction + "000")[:3])
        if not (1 <= month <= 12 and 1 <= day <= 31 and minute < 60 and second < 60):
            return None
        day = min(day, month_length(year, month))  # ResolverStyle.SMART clamps the day of month
        if hour == 24 and minute == second == 0 and not fraction.strip("0"):
            hour, day = 0, day + 1  # SMART reads 24:00 as the end of the day
        elif hour > 23:
            return None
        zone = m.group(9) or m.group(10)
        local = days_from_civil(year, month, day) * MILLIS_PER_DAY + (
            hour * 3_600_000 + minute * 60_000 + second * 1000 + millis
        )
        return _apply_zone(local, zone, year)
    if m := _DATE_RE.match(text):
        year, month, day = (int(g) for g in m.group(1, 2, 3))
        if not (1 <= month <= 12 and 1 <= day <= month_length(year, month)):
            return None
        local = days_from_civil(year, month, day) * MILLIS_PER_DAY
        return _apply_zone(local, m.group(5) or m.group(6), year)
    return None


def _apply_zone(local_millis: int, zone: str | None, year: int) -> int | None:
    if zone is None or zone in ("Z", "UTC", "GMT", "UT"):
        return local_millis
    if zone[0] in "+-":
        hours, minutes = int(zone[1:3]), int(zone.replace(":", "")[3:5] or 0)
        if hours > 18 or minutes > 59:
            return None
        offset = (hours * 60 + minutes) * 60_000
        return local_millis - offset if zone[0] == "+" else local_millis + offset
    try:
        tz = zoneinfo.ZoneInfo(zone)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return None
    if not 1 <= year <= 9999:
        return None
    naive = datetime(1970, 1, 1) + timedelta(milliseconds=local_millis)
    offset_delta = naive.replace(tzinfo=tz).utcoffset() or timedelta(0)
    return local_millis - offset_delta // timedelta(milliseconds=1)


def millis_to_datetime(millis: int) -> datetime | int:
    """A naive UTC ``datetime``, or the millis themselves outside ``datetime``'s range (as cqlsh does)."""
    try:
        return datetime(1970, 1, 1) + timedelta(milliseconds=millis)
    except OverflowError:
        return millis


def datetime_to_millis(value: datetime) -> int:
    """Naive datetimes are UTC; aware ones are converted. Sub-millisecond digits are dropped."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    delta = value - datetime(1970, 1, 1)
    return delta.days * MILLIS_PER_DAY + delta.seconds * 1000 + delta.microseconds // 1000


# ---------------------------------------------------------------------------------------------- dates


_ISO_DATE_RE = re.compile(r"(\d{4}|-\d{4,10}|\+\d{5,10})-(\d{2})-(\d{2})\Z")
_MIN_DATE_DAYS = -(2**31)
_MAX_DATE_DAYS = 2**31 - 1


def parse_date(text: str) -> int:
    """``SimpleDateSerializer.dateStringToDays``: the serialized (unsigned, epoch at 2^31) day value."""
    if _LONG_RE.match(text):
        try:
            raw = java.parse_integer(text, 64)
        except ValueError:
            raw = -1
        if not 0 <= raw <= 2**32 - 1:
            raise MarshalException(f"Unable to make unsigned int (for date) from: '{text}'")
        return raw
    m = _ISO_DATE_RE.match(text)
    if not m:
        raise MarshalException(f"Unable to coerce '{text}' to a formatted date (long)")
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (1 <= month <= 12 and 1 <= day <= month_length(year, month)):
        raise MarshalException(f"Unable to coerce '{text}' to a formatted date (long)")
    days = days_from_civil(year, month, day)
    if days < _MIN_DATE_DAYS:
        raise MarshalException(
            f"Input date {text} is less than min supported date {format_iso_date(_MIN_DATE_DAYS)}T00:00Z"
        )
    if days > _MAX_DATE_DAYS:
        raise MarshalException(
            f"Input date {text} is greater than max supported date {format_iso_date(_MAX_DATE_DAYS)}T00:00Z"
        )
    return days + DATE_EPOCH_OFFSET


# ---------------------------------------------------------------------------------------------- times

_TIME_FORMAT_ERROR = "Timestamp format must be hh:mm:ss[.fffffffff]"


def parse_time(text: str) -> int:
    """``TimeSerializer.timeStringToLong``: nanoseconds since midnight."""
    if _LONG_RE.match(text):
        try:
            value = java.parse_integer(text, 64)
        except ValueError:
            value = -1
        if not 0 <= value < NANOS_PER_DAY:
            raise MarshalException(f"Unable to make long (for time) from: '{text}'")
        return value
    try:
        return _parse_time_strictly(text)
    except ValueError:
        raise MarshalException(f"(TimeType) Unable to coerce '{text}' to a formatted time (long)") from None


def _parse_time_strictly(text: str) -> int:
    s = text.strip("".join(chr(c) for c in range(33)))
    first = s.find(":")
    second_colon = s.find(":", first + 1)
    if not (first > 0 and second_colon > 0 and second_colon < len(s) - 1):
        raise ValueError(_TIME_FORMAT_ERROR)
    period = s.find(".", second_colon + 1)
    hour = java.parse_integer(s[:first], 32)
    if not 0 <= hour < 24:
        raise ValueError("Hour out of bounds.")
    minute = java.parse_integer(s[first + 1 : second_colon], 32)
    if not 0 <= minute < 60:
        raise ValueError("Minute out of bounds.")
    nanos = 0
    if 0 < period < len(s) - 1:
        second = java.parse_integer(s[second_colon + 1 : period], 32)
        digits = s[period + 1 :]
        if len(digits) > 9 or not digits[0].isdigit():
            raise ValueError(_TIME_FORMAT_ERROR)
        nanos = java.parse_integer((digits + "000000000")[:9], 32)
    elif period > 0:
        raise ValueError(_TIME_FORMAT_ERROR)
    else:
        second = java.parse_integer(s[second_colon + 1 :], 32)
    if not 0 <= second < 60:
        raise ValueError("Second out of bounds.")
    return hour * NANOS_PER_HOUR + minute * NANOS_PER_MINUTE + second * NANOS_PER_SECOND + nanos


# ---------------------------------------------------------------------------------------------- durations

_STANDARD_UNIT = re.compile(
    r"(\d+)(y|Y|mo|MO|mO|Mo|w|W|d|D|h|H|s|S|ms|MS|mS|Ms|us|US|uS|Us|µs|µS|ns|NS|nS|Ns|m|M)"
)
_ISO8601 = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?\Z")
_ISO8601_WEEK = re.compile(r"P(\d+)W\Z")
_ISO8601_ALTERNATIVE = re.compile(r"P(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\Z")
_INT_MAX = 2**31 - 1
_LONG_MAX = 2**63 - 1
_UNITS = (
    "years",
    "months",
    "weeks",
    "days",
    "hours",
    "minutes",
    "seconds",
    "milliseconds",
    "microseconds",
    "nanoseconds",
)
# unit index -> (field, multiplier): field 0 months, 1 days, 2 nanoseconds
_UNIT_SCALE = (
    (0, MONTHS_PER_YEAR),
    (0, 1),
    (1, 7),
    (1, 1),
    (2, NANOS_PER_HOUR),
    (2, NANOS_PER_MINUTE),
    (2, NANOS_PER_SECOND),
    (2, NANOS_PER_MILLI),
    (2, NANOS_PER_MICRO),
    (2, 1),
)
_SYMBOL_UNIT = {"y": 0, "mo": 1, "w": 2, "d": 3, "h": 4, "m": 5, "s": 6, "ms": 7, "us": 8, "µs": 8, "ns": 9}


class _DurationBuilder:
    """Cassandra's ``Duration.Builder``: units in decreasing order, each once, totals in range."""

    def __init__(self, negative: bool) -> None:
        self.negative = negative
        self.totals = [0, 0, 0]
        self.current = -1

    def add(self, unit: int, amount_text: str) -> None:
        if unit == self.current:
            raise InvalidRequest(f"Invalid duration. The {_UNITS[unit]} are specified multiple times")
        if unit < self.current:
            raise InvalidRequest(
                f"Invalid duration. The {_UNITS[self.current]} should be after {_UNITS[unit]}"
            )
        self.current = unit
        amount = int(amount_text)
        if amount > _LONG_MAX:
            raise InvalidRequest(f'For input string: "{amount_text}"')
        field, scale = _UNIT_SCALE[unit]
        limit = (_LONG_MAX if field == 2 else _INT_MAX) - self.totals[field]
        if amount > limit // scale:
            name = ("months", "days", "nanoseconds")[field]
            raise InvalidRequest(
                f"Invalid duration. The total number of {name} must be less or equal to {_INT_MAX}"
            )
        self.totals[field] += amount * scale

    def build(self) -> Duration:
        sign = -1 if self.negative else 1
        months, days, nanos = self.totals
        return Duration(sign * months, sign * days, sign * nanos)


def parse_duration(text: str) -> Duration:
    """Cassandra's ``Duration.from``: ``1h30m``, ``-2d``, ISO 8601 ``P1DT2H``, ``P2W``, ``P0001-02-03T04:05:06``."""
    negative = text.startswith("-")
    source = text[1:] if negative else text
    builder = _DurationBuilder(negative)
    if source.startswith("P"):
        if source.endswith("W"):
            m = _ISO8601_WEEK.match(source)
            if not m:
                raise InvalidRequest(f"Unable to convert '{source}' to a duration")
            builder.add(2, m.group(1))
        elif "-" in source:
            m = _ISO8601_ALTERNATIVE.match(source)
            if not m:
                raise InvalidRequest(f"Unable to convert '{source}' to a duration")
            for unit, group in zip((0, 1, 3, 4, 5, 6), m.groups(), strict=True):
                builder.add(unit, group)
        else:
            m = _ISO8601.match(source)
            if not m:
                raise InvalidRequest(f"Unable to convert '{source}' to a duration")
            for unit, group in zip((0, 1, 3, 4, 5, 6), m.groups(), strict=True):
                if group is not None:
                    builder.add(unit, group)
        return builder.build()
    position = 0
    while m := _STANDARD_UNIT.match(source, position):
        builder.add(_SYMBOL_UNIT[m.group(2).lower()], m.group(1))
        position = m.end()
    if position == 0 or position != len(source):
        raise InvalidRequest(f"Unable to convert '{source}' to a duration")
    return builder.build()
