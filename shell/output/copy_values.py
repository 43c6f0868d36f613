"""Values as cqlsh's COPY TO writes them into CSV fields (``copyutil.ExportProcess.format_value``).

COPY TO formats each value with the screen's formatters under its own settings: no colour; null (and an
empty value of a type without an empty form) as the NULL option's text, also inside a UDT; floats with
FLOATPRECISION (5) and doubles with DOUBLEPRECISION (12) significant digits; DECIMALSEP, THOUSANDSSEP and
BOOLSTYLE applied to decimals, integers and booleans; timestamps with DATETIMEFORMAT (by default the
display format) in UTC, their fraction rounded to milliseconds.

Used by ``COPY TO`` (``shell.copy.export``) and by ``--mode csv`` (``shell.output.script``), so a table
exported with COPY and a SELECT printed in CSV mode hold the same field texts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from shell.output.empty import is_empty
from shell.output.formatting import FormatOptions, format_value
from shell.output.result import Row, UserTypeSpec
from shell.output.temporal import DEFAULT_TIMESTAMP_FORMAT

DEFAULT_FLOAT_PRECISION = 5
DEFAULT_DOUBLE_PRECISION = 12
DEFAULT_BOOLEAN_STYLES = ("True", "False")


def copy_formats(
    *,
    timestamp_format: str = DEFAULT_TIMESTAMP_FORMAT,
    float_precision: int = DEFAULT_FLOAT_PRECISION,
    double_precision: int = DEFAULT_DOUBLE_PRECISION,
    decimal_sep: str = ".",
    thousands_sep: str = "",
    boolean_styles: tuple[str, str] = DEFAULT_BOOLEAN_STYLES,
    null_text: str = "",
) -> FormatOptions:
    """The format settings of COPY TO (its options' defaults unless given)."""
    return FormatOptions(
        float_precision=float_precision,
        double_precision=double_precision,
        timestamp_format=timestamp_format,
        decimal_sep=decimal_sep,
        thousands_sep=thousands_sep,
        boolean_styles=boolean_styles,
        null_text=null_text,
        milliseconds_only=True,
    )


def copy_fields(
    row: Row,
    types: Sequence[str],
    formats: FormatOptions,
    user_types: Mapping[str, UserTypeSpec] | None = None,
) -> list[str]:
    """One row's CSV fields: each value formatted for COPY, null and empty values as the NULL text."""
    return [
        formats.null_text
        if value is None or is_empty(value)
        else format_value(value, kind, formats, user_types).text
        for value, kind in zip(row, types, strict=True)
    ]
