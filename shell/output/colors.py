"""ANSI colors exactly as cqlsh uses them, and the palettes that map a value's role to a color.

cqlsh (``cqlshlib/displaying.py``) colors every formatted value by its *role* (text, number, blob, ...):
text yellow, numbers/booleans/temporal/uuid/inet green, blobs and escape sequences dark magenta,
collection punctuation blue, ``null`` red. Column headers use a second palette whose text color depends on
the column's part in the primary key (``myformat_colname``): partition key red, clustering cyan, static
white, anything else magenta; escapes inside a header stay dark magenta.

A palette with every code empty stands for "no color": cqlsh formats through the same code path with an
all-empty color map (``empty_colormap``), and a few width rules depend on whether the text color is empty,
so "no color" is a palette, not a separate branch.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from shell.output.result import ColumnKind


class Ansi(enum.StrEnum):
    """The escape sequences cqlsh writes (bold variants ``0;1;3X`` plus plain dark magenta)."""

    RED = "\033[0;1;31m"
    GREEN = "\033[0;1;32m"
    YELLOW = "\033[0;1;33m"
    BLUE = "\033[0;1;34m"
    MAGENTA = "\033[0;1;35m"
    CYAN = "\033[0;1;36m"
    WHITE = "\033[0;1;37m"
    DARK_MAGENTA = "\033[0;35m"
    RESET = "\033[0m"


class Role(enum.Enum):
    """What a piece of formatted output is, which decides its color."""

    TEXT = "text"
    ERROR = "error"  # null, unformattable values
    BLOB = "blob"  # blobs, and escape sequences inside text
    TIMESTAMP = "timestamp"
    DATE = "date"
    TIME = "time"
    INT = "int"
    FLOAT = "float"
    DECIMAL = "decimal"
    INET = "inet"
    BOOLEAN = "boolean"
    UUID = "uuid"
    DURATION = "duration"
    COLLECTION = "collection"  # brackets, braces, ", " and ": " of collections, tuples and UDTs


@dataclass(frozen=True)
class Palette:
    """Role -> escape sequence, plus the reset sequence; empty strings everywhere mean no color."""

    colors: Mapping[Role, str]
    reset: str

    def code(self, role: Role) -> str:
        return self.colors[role]

    def paint(self, text: str, role: Role) -> str:
        """``color + text + reset`` as cqlsh's ``colorme`` does (also for empty text)."""
        return self.colors[role] + text + self.reset

    @property
    def is_colored(self) -> bool:
        return bool(self.colors[Role.TEXT])


def _palette(colors: dict[Role, str], reset: str) -> Palette:
    return Palette(MappingProxyType(colors), reset)


NO_COLOR = _palette(dict.fromkeys(Role, ""), "")

#: cqlsh's ``DEFAULT_VALUE_COLORS``.
VALUE_COLORS = _palette(
    {
        Role.TEXT: Ansi.YELLOW,
        Role.ERROR: Ansi.RED,
        Role.BLOB: Ansi.DARK_MAGENTA,
        Role.TIMESTAMP: Ansi.GREEN,
        Role.DATE: Ansi.GREEN,
        Role.TIME: Ansi.GREEN,
        Role.INT: Ansi.GREEN,
        Role.FLOAT: Ansi.GREEN,
        Role.DECIMAL: Ansi.GREEN,
        Role.INET: Ansi.GREEN,
        Role.BOOLEAN: Ansi.GREEN,
        Role.UUID: Ansi.GREEN,
        Role.DURATION: Ansi.GREEN,
        Role.COLLECTION: Ansi.BLUE,
    },
    Ansi.RESET,
)

#: Header color by the column's part in the primary key (cqlsh ``myformat_colname``).
HEADER_COLORS: Mapping[ColumnKind, Ansi] = MappingProxyType(
    {
        ColumnKind.PARTITION_KEY: Ansi.RED,
        ColumnKind.CLUSTERING: Ansi.CYAN,
        ColumnKind.STATIC: Ansi.WHITE,
        ColumnKind.REGULAR: Ansi.MAGENTA,
        ColumnKind.NONE: Ansi.MAGENTA,
    }
)


def _header_palette(color: str) -> Palette:
    # cqlsh's COLUMN_NAME_COLORS: a defaultdict whose default is the column color, except errors (red)
    # and blobs/escapes (dark magenta).
    colors = dict.fromkeys(Role, color)
    colors[Role.ERROR] = Ansi.RED
    colors[Role.BLOB] = Ansi.DARK_MAGENTA
    return _palette(colors, Ansi.RESET)


_HEADER_PALETTES: Mapping[ColumnKind, Palette] = MappingProxyType(
    {kind: _header_palette(color) for kind, color in HEADER_COLORS.items()}
)


def value_palette(color: bool) -> Palette:
    return VALUE_COLORS if color else NO_COLOR


def header_palette(kind: ColumnKind, color: bool) -> Palette:
    return _HEADER_PALETTES[kind] if color else NO_COLOR


def paint_line(text: str, color: Ansi, enabled: bool) -> str:
    """A whole line in one color, as cqlsh's ``applycolor`` (errors, decoding-error notes)."""
    return f"{color}{text}{Ansi.RESET}" if enabled else text
