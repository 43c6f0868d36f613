"""cqlkit's output modes for scripts (``--mode csv|json``; a cqlkit extension, cqlsh has none).

``tabular`` is cqlsh's output, rendered by :mod:`.printer`. The other two print only rows, for programs
to read:

* ``csv``: the column names on one line, then each row, as RFC 4180 CSV (fields quoted only when they
  hold a comma, a double quote or a line break, quotes doubled, lines ending ``\\r\\n``), the values
  formatted as COPY TO formats them (:mod:`.copy_values`: null as an empty field, timestamps in UTC to
  the millisecond, doubles with 12 digits). The header is printed once per result, also for no rows.
* ``json``: each row as one JSON object on a line (JSON Lines), as ``SELECT JSON`` renders it
  (:mod:`.json_rows`). A result without rows prints nothing.

Neither prints the blank lines, the ``(N rows)`` footer, colour or formatting-failure notes; pages
follow each other without ``---MORE---``. A statement that returns no rows (an INSERT) prints nothing,
as in tabular mode.
"""

from __future__ import annotations

import enum
import io
from collections.abc import Mapping

from shell.output.formatting import FormatOptions
from shell.output.result import ResultPage, UserTypeSpec
from shell.output.temporal import DEFAULT_TIMESTAMP_FORMAT


class OutputMode(enum.Enum):
    """How results are printed: cqlsh's layouts, or rows only as CSV or JSON Lines."""

    TABULAR = "tabular"
    CSV = "csv"
    JSON = "json"


class ScriptPrinter:
    """Renders one result's pages in CSV or JSON mode; the same ``start``/``page``/``finish`` steps as
    :class:`shell.output.printer.ResultPrinter`, so the statement runner drives either."""

    def __init__(self, mode: OutputMode, timestamp_format: str = DEFAULT_TIMESTAMP_FORMAT) -> None:
        if mode is OutputMode.TABULAR:
            raise ValueError("tabular output is ResultPrinter's")
        # COPY's value formatting and the csv module load for these modes only (not for cqlsh's tables)
        from shell.output.copy_values import copy_formats

        self._mode = mode
        self._formats = copy_formats(timestamp_format=timestamp_format)
        self._first = True
        self._rows_seen = 0

    @property
    def rows_seen(self) -> int:
        return self._rows_seen

    def start(self) -> str:
        return ""

    def page(self, page: ResultPage) -> str:
        first, self._first = self._first, False
        self._rows_seen += len(page.rows)
        if not page.columns:
            return ""
        if self._mode is OutputMode.JSON:
            from shell.output.json_rows import json_lines  # loads the engine's types: only when asked

            return json_lines(page.columns, page.rows, page.user_types)
        import csv

        buffer = io.StringIO()
        writer = csv.writer(buffer)  # the 'excel' dialect is RFC 4180's
        if first:
            writer.writerow([column.name for column in page.columns])
        types = [column.cql_type for column in page.columns]
        for row in page.rows:
            writer.writerow(
                [
                    _field(value, kind, self._formats, page.user_types)
                    for value, kind in zip(row, types, strict=True)
                ]
            )
        return buffer.getvalue()

    def finish(self) -> str:
        return ""


def _field(
    value: object, cql_type: str, formats: FormatOptions, user_types: Mapping[str, UserTypeSpec]
) -> str:
    try:
        from shell.output.copy_values import copy_fields

        return copy_fields((value,), (cql_type,), formats, user_types)[0]
    except Exception:  # a value the formatters refuse (a null text in a tuple): its repr, as cqlsh shows it
        return repr(value)
