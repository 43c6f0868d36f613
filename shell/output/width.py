"""Terminal display width of output text, the way cqlsh measures it (``wcwidth.wcswidth``).

wcwidth is prompt_toolkit's own dependency, so it is always installed with the shell; cqlsh measures text
cells with the same function, which keeps wide (CJK, emoji) and zero-width characters aligned exactly
as cqlsh aligns them. Like ``wcswidth`` this returns -1 for text holding a control character. Printable
ASCII text, nearly all output, is measured without loading wcwidth.
"""

from __future__ import annotations


def display_width(text: str) -> int:
    if text.isascii() and text.isprintable():
        return len(text)  # one cell per printable ASCII character, as wcswidth counts them
    # wcwidth loads its Unicode tables and helpers (tens of milliseconds): only for text that needs them
    from wcwidth import wcswidth

    return wcswidth(text)
