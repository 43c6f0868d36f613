"""Text helpers that reproduce how nodetool (Java) prints numbers and tables.

* :class:`TableBuilder` — ``nodetool.formatter.TableBuilder``: every cell of every row is left-justified
  to its column's width (the last column too, so rows can end in spaces), cells joined by the delimiter;
  a short row is padded with empty cells. ``SharedTable`` shares column widths across several tables
  (``status`` with several data centers).
* :func:`file_size` — ``FileUtils.stringifyFileSize``: ``#.##`` (half-even) with ``bytes``/``KiB``/``MiB``/
  ``GiB``/``TiB``.
* :func:`pretty_memory` — ``FBUtilities.prettyPrintMemory``: ``%d B`` below 1 KiB, else ``%.3f`` and the
  binary prefix, no separator (``5.003KiB``).
* :func:`java_double` — ``Double.toString`` (``0.85``, ``100.0``, ``1.0E-4``, ``NaN``).
* :func:`java_fixed` — ``String.format("%.Nf")`` (half-up on the shortest decimal form; ``NaN``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

_KIB = 1024
_UNITS = ((_KIB**4, "TiB"), (_KIB**3, "GiB"), (_KIB**2, "MiB"), (_KIB, "KiB"))


def _decimal_format(value: float) -> str:
    """Java ``new DecimalFormat("#.##").format(value)``."""
    text = str(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def file_size(value: float) -> str:
    for unit_size, unit in _UNITS:
        if value >= unit_size:
            return f"{_decimal_format(value / unit_size)} {unit}"
    return f"{_decimal_format(value)} bytes"


def pretty_memory(size: int) -> str:
    magnitude = abs(size)
    prefix = (magnitude.bit_length() - 1) // 10 if magnitude else 0
    if prefix == 0:
        return f"{size}B"
    return f"{java_fixed(size / (1 << (10 * prefix)), 3)}{' KMGTPE'[prefix]}iB"


def java_double(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1, value) < 0 else "0.0"
    if 1e-3 <= abs(value) < 1e7:
        text = repr(value)
        return text if "." in text else text + ".0"
    # Computerized scientific notation: the shortest digits, one before the point, "E" and the exponent.
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    text = "".join(map(str, digits))
    scale = exponent + len(text) - 1  # type: ignore[operator]
    return f"{'-' if sign else ''}{text[0]}.{text[1:] or '0'}E{scale}"


def java_fixed(value: float, places: int) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    quantum = Decimal(1).scaleb(-places)
    return str(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


class TableBuilder:
    def __init__(self, delimiter: str = " ") -> None:
        self.delimiter = delimiter
        self.rows: list[tuple[str, ...]] = []
        self.widths: list[int] = []

    def add(self, *row: str) -> None:
        while len(self.widths) < len(row):
            self.widths.append(0)
        for i, cell in enumerate(row):
            self.widths[i] = max(self.widths[i], len(cell))
        self.rows.append(tuple(row))

    def render(self, widths: Sequence[int] | None = None) -> str:
        widths = list(widths if widths is not None else self.widths)
        lines = []
        for row in self.rows:
            cells = [(row[i] if i < len(row) else "").ljust(w) for i, w in enumerate(widths)]
            lines.append(self.delimiter.join(cells) + "\n")
        return "".join(lines)


def shared_widths(tables: Sequence[TableBuilder]) -> list[int]:
    """``TableBuilder.SharedTable.complete``: the widest cell of each column over every table."""
    columns = max((len(t.widths) for t in tables), default=0)
    return [max((t.widths[i] if i < len(t.widths) else 0) for t in tables) for i in range(columns)]
