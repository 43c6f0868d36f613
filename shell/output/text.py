"""How cqlsh shows text: escaping, quoting inside collections, colored escape sequences, display width.

Rules (cqlsh ``formatting.format_value_text`` / ``color_text``):

* a backslash is doubled, so every backslash in the output starts an escape;
* inside a collection, tuple or UDT the text is single-quoted and a quote is doubled (``'I''m'``);
* control characters U+0000-U+001F and U+007F-U+00A0 are shown as Python escapes (``\\n``, ``\\t``,
  ``\\x00``, ``\\xa0``); everything else, including wide characters, is printed as is;
* with color on, the text is yellow, each escape sequence dark magenta, and a doubled backslash is shown
  as a single one — so the colored form is narrower by one cell per doubled backslash, and cqlsh's width
  says so; with color off the doubled backslashes stay.

Values of types cqlsh has no formatter for (custom types, unresolved UDTs) are shown as their ``str``
with the same backslash doubling and a wider escape range (U+007F-U+00FF), measured by character count
rather than display width (``format_value_default``).
"""

from __future__ import annotations

import re

from shell.output.colors import Palette, Role
from shell.output.value import FormattedValue
from shell.output.width import display_width

_TEXT_CONTROL = re.compile(r"[\x00-\x1f\x7f-\xa0]")
_DEFAULT_CONTROL = re.compile(r"[\x00-\x1f\x7f-\xff]")
# An escape sequence in already-escaped text: a backslash and one character, or a \u, \x, \U escape.
_ESCAPE_SEQUENCE = re.compile(r"\\([^uUx]|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|U[0-9a-fA-F]{8})")
_DOUBLED_BACKSLASH = "\\\\"


def _escape_control(match: re.Match[str]) -> str:
    # The character's Python repr without the quotes: \n, \t, \r or \xNN (printable ones stay as is).
    return repr(match.group(0))[1:-1]


def format_text(value: str, palette: Palette, *, quote: bool = False) -> FormattedValue:
    """A text value (or a column/field name when ``quote`` is false)."""
    escaped = value.replace("\\", _DOUBLED_BACKSLASH)
    if quote:
        escaped = escaped.replace("'", "''")
    escaped = _TEXT_CONTROL.sub(_escape_control, escaped)
    if quote:
        escaped = f"'{escaped}'"
    return _colored_text(escaped, palette, display_width(escaped))


def format_unknown(value: object, palette: Palette) -> FormattedValue:
    """A value of a type cqlsh has no formatter for: its ``str``, escaped (``format_value_default``)."""
    escaped = str(value).replace("\\", _DOUBLED_BACKSLASH)
    escaped = _DEFAULT_CONTROL.sub(_escape_control, escaped)
    return _colored_text(escaped, palette, len(escaped))


def _colored_text(escaped: str, palette: Palette, width: int) -> FormattedValue:
    if not palette.is_colored:
        return FormattedValue(escaped, width)
    text_color = palette.code(Role.TEXT)
    escape_color = palette.code(Role.BLOB)

    def paint_escape(match: re.Match[str]) -> str:
        sequence = match.group(0)
        if sequence == _DOUBLED_BACKSLASH:
            return "\\"
        return escape_color + sequence + text_color

    colored = text_color + _ESCAPE_SEQUENCE.sub(paint_escape, escaped) + palette.reset
    return FormattedValue(colored, width - escaped.count(_DOUBLED_BACKSLASH))
