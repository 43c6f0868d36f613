"""cqlsh's table layout (``print_formatted_result``), from already formatted headers and cells.

* Each column is as wide as the widest of its header and cells (cqlsh widths: wide characters count two,
  color codes nothing).
* Header: ``' ' + ' | '.join(name.ljust(width))``, right-stripped; then the rule
  ``'-' + '-+-'.join('-' * width) + '-'``.
* Rows: ``' ' + ' | '.join(cell.rjust(width))`` — every cell right-aligned, text included, nothing stripped.
* A blank line follows the rows in tty mode (each page ends with one); in batch mode the caller writes one
  blank line after the last page instead.
* With no rows at all cqlsh prints header, rule and one blank line.
"""

from __future__ import annotations

from collections.abc import Sequence

from shell.output.value import FormattedValue


def table_lines(
    header: Sequence[FormattedValue],
    rows: Sequence[Sequence[FormattedValue]] | None,
    *,
    with_header: bool,
    tty: bool,
) -> list[str]:
    """The lines of one page; ``rows=None`` is cqlsh's header-only form for an empty result."""
    widths = [name.width for name in header]
    for row in rows or ():
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], cell.width)

    lines: list[str] = []
    if with_header:
        lines.append(
            (" " + " | ".join(name.ljust(w) for name, w in zip(header, widths, strict=True))).rstrip()
        )
        lines.append(rule_line(widths))
    if rows is None:
        lines.append("")
        return lines
    lines.extend(" " + " | ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)) for row in rows)
    if tty:
        lines.append("")
    return lines


def rule_line(widths: Sequence[int]) -> str:
    return "-" + "-+-".join("-" * width for width in widths) + "-"
