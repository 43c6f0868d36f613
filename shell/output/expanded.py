"""cqlsh's expanded layout (``EXPAND ON``, ``print_formatted_result_vertically``).

Every row becomes a block::

    @ Row 1
    ------+-------
     id   | 1
     name | Tom
    <blank>

The row number continues across pages (the caller passes how many rows came before). The rule's two
segments are as wide as the widest header and the widest cell *of the page*; names are left-aligned to
the widest header, values are printed as they are (never padded). A page without rows is not printed
vertically: cqlsh shows the tabular header-only form for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from shell.output.tabular import rule_line
from shell.output.value import FormattedValue


def expanded_lines(
    header: Sequence[FormattedValue], rows: Sequence[Sequence[FormattedValue]], *, row_offset: int
) -> list[str]:
    name_width = max(name.width for name in header)
    value_width = max(cell.width for row in rows for cell in row)
    lines: list[str] = []
    for number, row in enumerate(rows, start=row_offset + 1):
        lines.append(f"@ Row {number}")
        lines.append(rule_line((name_width, value_width)))
        lines.extend(
            f" {name.ljust(name_width)} | {cell.text}" for name, cell in zip(header, row, strict=True)
        )
        lines.append("")
    return lines
