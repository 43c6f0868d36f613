"""Display timezone and timestamp-format selection, and durations, as cqlsh does them."""

from __future__ import annotations

import datetime
import zoneinfo

from cqlshlib.formatting import duration_as_str
from hypothesis import given
from hypothesis import strategies as st

from shell.output.temporal import (
    DEFAULT_TIMESTAMP_FORMAT,
    default_timestamp_format,
    duration_text,
    resolve_display_timezone,
    timestamp_text,
)


def test_timezone_tz_wins_over_cqlshrc() -> None:
    resolved = resolve_display_timezone("Asia/Kolkata", {"TZ": "America/New_York"})
    assert resolved.timezone == zoneinfo.ZoneInfo("America/New_York")
    assert resolved.warnings == ()
    assert resolve_display_timezone("Asia/Kolkata", {}).timezone == zoneinfo.ZoneInfo("Asia/Kolkata")
    assert resolve_display_timezone(None, {}) == resolve_display_timezone("", {"HOME": "/"})
    assert resolve_display_timezone(None, {}).timezone is None


def test_unknown_timezones_warn_like_cqlsh() -> None:
    resolved = resolve_display_timezone("Mars/Olympus", {"TZ": "Nowhere/Land"})
    assert resolved.timezone is None
    assert resolved.warnings == (
        "Warning: could not recognize timezone 'Mars/Olympus' specified in cqlshrc\n\n",
        "Warning: could not recognize timezone 'Nowhere/Land' from environment value TZ\n\n",
    )
    # A bad TZ does not undo a good cqlshrc zone.
    assert resolve_display_timezone("UTC", {"TZ": "Nowhere/Land"}).timezone == zoneinfo.ZoneInfo("UTC")


def test_default_timestamp_format_from_environment() -> None:
    assert default_timestamp_format({}) == DEFAULT_TIMESTAMP_FORMAT == "%Y-%m-%d %H:%M:%S.%f%z"
    assert default_timestamp_format({"CQLSH_DEFAULT_TIMESTAMP_FORMAT": ""}) == DEFAULT_TIMESTAMP_FORMAT
    assert default_timestamp_format({"CQLSH_DEFAULT_TIMESTAMP_FORMAT": "%s"}) == "%s"


def test_timestamp_examples() -> None:
    instant = datetime.datetime(2012, 5, 14, 12, 53, 20)
    assert timestamp_text(instant, DEFAULT_TIMESTAMP_FORMAT, None) == "2012-05-14 12:53:20.000000+0000"
    kolkata = zoneinfo.ZoneInfo("Asia/Kolkata")
    assert timestamp_text(instant, DEFAULT_TIMESTAMP_FORMAT, kolkata) == "2012-05-14 18:23:20.000000+0530"
    assert timestamp_text(253402300800000, DEFAULT_TIMESTAMP_FORMAT, None) == "253402300800000"


@given(
    months=st.integers(-(2**31), 2**31 - 1),
    days=st.integers(-(2**31), 2**31 - 1),
    nanoseconds=st.integers(-(2**63), 2**63 - 1),
)
def test_duration_matches_cqlsh(months: int, days: int, nanoseconds: int) -> None:
    assert duration_text(months, days, nanoseconds) == duration_as_str(months, days, nanoseconds)


def test_duration_examples() -> None:
    assert duration_text(0, 0, 45030250000000) == "12h30m30s250ms"
    assert duration_text(14, 3, 1) == "1y2mo3d1ns"
    assert duration_text(-1, 0, 0) == "-1mo"
    assert duration_text(0, 0, 0) == ""
