"""cqlsh-exact rendering of results, values, warnings and errors.

Connections adapt whatever they receive into :class:`ResultPage` (driver-typed row values, CQL type text
per column); this package turns it into the exact bytes cqlsh 6.x (the cqlsh of Cassandra 5.0) writes:

* :mod:`.formatting` — one value -> text + display width (types, escaping, colors, precision, timezone);
* :mod:`.tabular`, :mod:`.expanded` — the two layouts; :mod:`.printer` — a whole result, page by page,
  with the row count, formatting-failure notes and warnings;
* :mod:`.errors` — a server error -> the line cqlsh prints.

Nothing here writes to a stream or reads the environment; callers pass options and write the text.
"""

from shell.output.colors import Ansi
from shell.output.cqltype import CqlType, parse_cql_type
from shell.output.errors import (
    Coordinator,
    ErrorCode,
    ServerError,
    SourcePosition,
    client_timeout_message,
    error_line,
    error_message,
)
from shell.output.formatting import CellFailure, FormatOptions, format_cell, format_value
from shell.output.printer import (
    DisplayOptions,
    ResultPrinter,
    render_result,
    render_static_result,
    render_warnings,
)
from shell.output.result import ColumnKind, ColumnSpec, Result, ResultPage, Row, UserTypeSpec
from shell.output.temporal import default_timestamp_format, resolve_display_timezone
from shell.output.value import FormattedValue

__all__ = [
    "Ansi",
    "CellFailure",
    "ColumnKind",
    "ColumnSpec",
    "Coordinator",
    "CqlType",
    "DisplayOptions",
    "ErrorCode",
    "FormatOptions",
    "FormattedValue",
    "Result",
    "ResultPage",
    "ResultPrinter",
    "Row",
    "ServerError",
    "SourcePosition",
    "UserTypeSpec",
    "client_timeout_message",
    "default_timestamp_format",
    "error_line",
    "error_message",
    "format_cell",
    "format_value",
    "parse_cql_type",
    "render_result",
    "render_static_result",
    "render_warnings",
    "resolve_display_timezone",
]
