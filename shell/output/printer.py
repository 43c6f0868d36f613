"""A statement's result as cqlsh prints it, page by page (``print_result`` / ``print_static_result``).

A SELECT result (``cqlshmain.print_result``)::

    <blank>
    <page 1: header, rule, rows[, blank in tty mode]>
    <page 2: header again in tty mode only, rows[, blank]>      ...
    <blank, in batch (non-tty) mode only>
    (N rows)
    <up to two "Failed to format value ..." lines, then "N more decoding errors suppressed.">

``(N rows)`` is always plural. With cqlkit's ``EXPAND AUTO`` (:attr:`DisplayOptions.auto_width`) the
result is shown expanded when the table of its first page with rows is wider than the terminal. The first page is printed even when empty (header, rule, blank); later
empty pages print nothing. In expanded mode each row is a ``@ Row n`` block numbered across pages. The
``---MORE---`` pause between pages is the REPL's business: :class:`ResultPrinter` renders one page at a
time so the REPL can pause, fetch and continue.

Any other statement that returns rows (a conditional INSERT/UPDATE/DELETE's ``[applied]`` row) is printed
by :func:`render_static_result`: a blank line and the table, with no row count.

Warnings from the server follow the result (:func:`render_warnings`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from shell.output.colors import Ansi, header_palette, paint_line
from shell.output.cqltype import parse_cql_type
from shell.output.expanded import expanded_lines
from shell.output.formatting import CellFailure, FormatOptions, format_cell
from shell.output.result import ColumnSpec, ResultPage
from shell.output.tabular import table_lines
from shell.output.text import format_text
from shell.output.value import FormattedValue

_SHOWN_FAILURES = 2


@dataclass(frozen=True)
class DisplayOptions:
    """How results are shown: value formats, tty (interactive) vs batch, expanded, color."""

    formats: FormatOptions = field(default_factory=FormatOptions)
    tty: bool = False
    expand: bool = False
    auto_width: int | None = None
    """cqlkit's EXPAND AUTO: the terminal's width; a result whose table is wider is shown expanded."""

    @property
    def color(self) -> bool:
        return self.formats.color


@dataclass(frozen=True)
class FormattedPage:
    """One page's formatted header and cells, and the cells that could not be formatted."""

    header: tuple[FormattedValue, ...]
    rows: tuple[tuple[FormattedValue, ...], ...]
    failures: tuple[CellFailure, ...]


def format_header(columns: Sequence[ColumnSpec], color: bool) -> tuple[FormattedValue, ...]:
    """Column names as cqlsh shows them: escaped like text, colored by their part in the primary key."""
    return tuple(format_text(column.name, header_palette(column.kind, color)) for column in columns)


def format_page(page: ResultPage, options: FormatOptions) -> FormattedPage:
    types = [parse_cql_type(column.cql_type, page.user_types) for column in page.columns]
    failures: list[CellFailure] = []
    rows: list[tuple[FormattedValue, ...]] = []
    for row in page.rows:
        cells: list[FormattedValue] = []
        for value, ctype in zip(row, types, strict=True):
            cell, failure = format_cell(value, ctype, options)
            cells.append(cell)
            if failure is not None:
                failures.append(failure)
        rows.append(tuple(cells))
    return FormattedPage(format_header(page.columns, options.color), tuple(rows), tuple(failures))


def table_width(formatted: FormattedPage) -> int:
    """The width of the page's widest table line (its rule: every column, `` | `` between, one blank
    each side)."""
    widths = [name.width for name in formatted.header]
    for row in formatted.rows:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], cell.width)
    return sum(widths) + 3 * len(widths) - 1


def _too_wide(formatted: FormattedPage, options: DisplayOptions) -> bool:
    """EXPAND AUTO's choice: whether the page's rows do not fit the terminal as a table."""
    return (
        options.auto_width is not None
        and bool(formatted.rows)
        and table_width(formatted) > options.auto_width
    )


def _page_lines(
    formatted: FormattedPage,
    options: DisplayOptions,
    *,
    with_header: bool,
    row_offset: int,
    expand: bool | None = None,
) -> list[str]:
    """``print_static_result`` for a page that has columns (``expand`` overrides the options' choice)."""
    if not formatted.rows:
        return table_lines(formatted.header, None, with_header=True, tty=options.tty)
    if options.expand if expand is None else expand:
        return expanded_lines(formatted.header, formatted.rows, row_offset=row_offset)
    return table_lines(formatted.header, formatted.rows, with_header=with_header, tty=options.tty)


def _text(lines: Iterable[str]) -> str:
    return "".join(line + "\n" for line in lines)


class ResultPrinter:
    """Renders one SELECT result page by page; ``start``, ``page`` for each page, then ``finish``.

    Holds the running row count, whether the first page was seen and the formatting failures, which is
    what cqlsh's ``print_result`` keeps between pages.
    """

    def __init__(self, options: DisplayOptions) -> None:
        self._options = options
        self._rows_seen = 0
        self._first = True
        self._failures: list[CellFailure] = []
        self._expand: bool | None = None if options.auto_width is not None else options.expand

    @property
    def rows_seen(self) -> int:
        return self._rows_seen

    def start(self) -> str:
        return "\n"

    def page(self, page: ResultPage) -> str:
        first, self._first = self._first, False
        if not page.rows and not first:
            return ""
        lines: list[str] = []
        if page.columns:
            formatted = format_page(page, self._options.formats)
            self._failures.extend(formatted.failures)
            if self._expand is None and formatted.rows:
                # EXPAND AUTO: the first page with rows decides for the whole result
                self._expand = self._options.expand or _too_wide(formatted, self._options)
            lines = _page_lines(
                formatted,
                self._options,
                with_header=first or self._options.tty,
                row_offset=self._rows_seen,
                expand=self._expand,
            )
        self._rows_seen += len(page.rows)
        return _text(lines)

    def finish(self) -> str:
        lines = [] if self._options.tty else [""]
        lines.append(f"({self._rows_seen} rows)")
        color = self._options.color
        lines.extend(
            paint_line(failure.message, Ansi.RED, color) for failure in self._failures[:_SHOWN_FAILURES]
        )
        hidden = len(self._failures) - _SHOWN_FAILURES
        if hidden > 0:
            lines.append(paint_line(f"{hidden} more decoding errors suppressed.", Ansi.RED, color))
        return _text(lines)


def render_result(pages: Iterable[ResultPage], options: DisplayOptions) -> str:
    """A whole SELECT result without pauses between pages (batch mode, or paging off)."""
    printer = ResultPrinter(options)
    parts = [printer.start()]
    parts.extend(printer.page(page) for page in pages)
    parts.append(printer.finish())
    return "".join(parts)


def render_static_result(page: ResultPage, options: DisplayOptions) -> str:
    """Rows returned by a statement other than SELECT/LIST (e.g. an LWT's ``[applied]``): no row count.

    cqlsh prints nothing at all for a result without rows; formatting failures are not reported here.
    """
    if not page.rows:
        return ""
    lines = [""]
    if page.columns:
        formatted = format_page(page, options.formats)
        expand = options.expand or _too_wide(formatted, options)
        lines.extend(_page_lines(formatted, options, with_header=True, row_offset=0, expand=expand))
    return _text(lines)


def render_warnings(warnings: Sequence[str]) -> str:
    """Server warnings after a result: blank line, ``Warnings :``, each warning then a blank line."""
    if not warnings:
        return ""
    lines = ["", "Warnings :"]
    for warning in warnings:
        lines.extend((warning, ""))
    return _text(lines)
