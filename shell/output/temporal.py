"""Timestamps and durations as cqlsh shows them, and the display timezone cqlsh picks.

* timestamp: the instant rendered with ``strftime`` in the display timezone (UTC when none is set), default
  format ``%Y-%m-%d %H:%M:%S.%f%z`` (``2012-05-14 12:53:20.000000+0000``) unless the environment variable
  ``CQLSH_DEFAULT_TIMESTAMP_FORMAT`` or cqlshrc ``[ui] time_format`` says otherwise. When ``strftime``
  refuses the instant the text is the milliseconds since the epoch (``formatting.strftime``,
  CASSANDRA-13185); instants outside ``datetime``'s range arrive as an ``int`` of milliseconds already.
* duration: ``1y2mo3d4h5m6s7ms8us9ns`` with zero units left out and one leading ``-`` when negative;
  the zero duration is the empty string (``formatting.duration_as_str``).
* date and time are printed by their driver classes' ``str`` (``2024-01-31``, ``12:30:00.000000000``):
  cqlsh keeps cqlshrc ``date_format`` / ``nanotime_format`` but never uses them for display.

Timezone (``cqlshmain.main``): cqlshrc ``[ui] timezone``, overridden by ``$TZ`` when set; a name zoneinfo
does not know is reported with a warning and ignored. (cqlsh would then ask ``tzlocal`` for the local zone
when that optional module is installed; we do not, so display falls back to UTC.)
"""

from __future__ import annotations

import calendar
import datetime
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f%z"
DEFAULT_DATE_FORMAT = "%Y-%m-%d"
DEFAULT_NANOTIME_FORMAT = "%H:%M:%S.%N"
TIMESTAMP_FORMAT_ENV = "CQLSH_DEFAULT_TIMESTAMP_FORMAT"

_EPOCH = datetime.datetime(1970, 1, 1)

_MONTHS_PER_YEAR = 12
_NANOS_PER_MICRO = 1000
_NANOS_PER_MILLI = 1000 * _NANOS_PER_MICRO
_NANOS_PER_SECOND = 1000 * _NANOS_PER_MILLI
_NANOS_PER_MINUTE = 60 * _NANOS_PER_SECOND
_NANOS_PER_HOUR = 60 * _NANOS_PER_MINUTE


def default_timestamp_format(environ: Mapping[str, str]) -> str:
    """The timestamp format when cqlshrc sets none: ``$CQLSH_DEFAULT_TIMESTAMP_FORMAT`` if non-empty."""
    return environ.get(TIMESTAMP_FORMAT_ENV, "") or DEFAULT_TIMESTAMP_FORMAT


@dataclass(frozen=True)
class DisplayTimezone:
    """The resolved display timezone (``None`` means UTC) and the warnings cqlsh prints to stderr."""

    timezone: datetime.tzinfo | None
    warnings: tuple[str, ...] = ()


def resolve_display_timezone(cqlshrc_timezone: str | None, environ: Mapping[str, str]) -> DisplayTimezone:
    """cqlshrc ``timezone`` then ``$TZ`` (which wins), each warning when zoneinfo does not know it.

    Each warning is the exact text cqlsh writes to stderr, including its trailing blank line.
    """
    timezone: datetime.tzinfo | None = None
    warnings: list[str] = []
    if cqlshrc_timezone:
        try:
            timezone = zoneinfo.ZoneInfo(cqlshrc_timezone)
        except Exception:  # zoneinfo raises several types for bad keys; cqlsh catches them all
            warnings.append(
                f"Warning: could not recognize timezone '{cqlshrc_timezone}' specified in cqlshrc\n\n"
            )
    if "TZ" in environ:
        try:
            timezone = zoneinfo.ZoneInfo(environ["TZ"])
        except Exception:
            warnings.append(
                f"Warning: could not recognize timezone '{environ['TZ']}' from environment value TZ\n\n"
            )
    return DisplayTimezone(timezone, tuple(warnings))


def timestamp_text(value: object, timestamp_format: str, timezone: datetime.tzinfo | None) -> str:
    """A timestamp value: a ``datetime`` (naive = UTC) formatted, anything else (epoch millis) as ``str``."""
    if not isinstance(value, datetime.datetime):
        return str(value)
    # Whole seconds since the epoch plus the microseconds, rebuilt in UTC (formatting.format_value_timestamp):
    # this also normalises an aware datetime to UTC first.
    seconds = calendar.timegm(value.utctimetuple())
    instant = _EPOCH + datetime.timedelta(seconds=seconds, microseconds=value.microsecond)
    instant = instant.replace(tzinfo=datetime.UTC)
    if timezone:
        instant = instant.astimezone(timezone)
    try:
        return instant.strftime(timestamp_format)
    except ValueError:
        # CASSANDRA-13185: what strftime cannot show is shown as milliseconds since the epoch.
        return "%d" % (seconds * 1000.0)  # noqa: UP031 - printf truncation of the float, as cqlsh


def duration_text(months: int, days: int, nanoseconds: int) -> str:
    """``[-]NyNmoNdNhNmNsNmsNusNns`` with zero units omitted (cqlsh ``duration_as_str``)."""
    parts: list[str] = []
    if months < 0 or days < 0 or nanoseconds < 0:
        parts.append("-")
    months_left = _take_unit(parts, abs(months), _MONTHS_PER_YEAR, "y")
    _take_unit(parts, months_left, 1, "mo")
    _take_unit(parts, abs(days), 1, "d")
    if nanoseconds != 0:
        rest = abs(nanoseconds)
        for size, unit in (
            (_NANOS_PER_HOUR, "h"),
            (_NANOS_PER_MINUTE, "m"),
            (_NANOS_PER_SECOND, "s"),
            (_NANOS_PER_MILLI, "ms"),
            (_NANOS_PER_MICRO, "us"),
            (1, "ns"),
        ):
            rest = _take_unit(parts, rest, size, unit)
    return "".join(parts)


def _take_unit(parts: list[str], amount: int, size: int, unit: str) -> int:
    """Append ``amount // size`` + unit when at least one whole unit is there; return what is left."""
    if amount == 0 or amount < size:
        return amount
    parts.append(f"{amount // size}{unit}")
    return amount % size
