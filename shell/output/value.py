"""A formatted value: the text cqlsh prints for it and the width cqlsh lays it out with."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FormattedValue:
    """``text`` is what is printed (with ANSI codes when color is on); ``width`` is cqlsh's display width.

    ``width`` excludes color codes and counts wide characters as two cells. It is cqlsh's own figure, which
    is not always the true width: an empty collection counts as 0 (cqlsh sums its elements and separators
    only), and a value containing control characters the terminal cannot measure counts as -1. Tables are
    laid out with it, so the quirks reach the output exactly as in cqlsh.
    """

    text: str
    width: int

    def rjust(self, width: int) -> str:
        return self._pad(width) + self.text

    def ljust(self, width: int) -> str:
        return self.text + self._pad(width)

    def _pad(self, width: int) -> str:
        return " " * (width - self.width) if width > self.width else ""
