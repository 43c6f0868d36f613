"""Terminal display width of output text, the way cqlsh measures it (``wcwidth.wcswidth``).

wcwidth is prompt_toolkit's own dependency, so it is always installed with the shell; cqlsh measures text
cells with the same function, which keeps wide (CJK, emoji) and zero-width characters aligned exactly
as cqlsh aligns them. Like ``wcswidth`` this returns -1 for text holding a control character.
"""

from __future__ import annotations

from wcwidth import wcswidth


def display_width(text: str) -> int:
    return wcswidth(text)
