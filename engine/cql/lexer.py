"""The CQL lexer: text → tokens, as Cassandra's ANTLR lexer (``Lexer.g``) cuts them.

Rules reproduced from Cassandra:

* Keywords are case-insensitive words; a word is ``[A-Za-z][A-Za-z0-9_]*`` (ASCII only). The lexer
  returns every word as IDENT; the parser names keywords, and ``true``/``false`` as BOOLEAN, from the
  grammar's tables. ``-NaN`` and ``-Infinity`` are single KEYWORD tokens.
* INTEGER carries its sign (``-3`` is one token, so ``c = c -3`` is ``c = c INTEGER``); FLOAT is
  ``INTEGER ('.' DIGIT*)? EXPONENT?`` except that ``1..`` is ``1`` followed by the RANGE token ``..``
  (and ``1...`` is the FLOAT ``1.`` followed by ``..``, as Cassandra's lexer predicates decide).
* DURATION: ``-?(DIGIT+ UNIT)+`` with units ``y mo w d h m s ms us µs ns`` (case-insensitive), ISO 8601
  ``P1Y2M3DT4H5M6S`` / ``P3W`` (upper-case designators) and the ISO alternative ``P0001-02-03T04:05:06``.
  Where a word is longer than an ISO duration starting at the same place, the word wins (ANTLR's
  longest match), so ``P1Dx`` is an identifier.
* STRING_LITERAL: ``'...'`` with ``''`` for a quote, or ``$$...$$``; its token value is the content, as
  ANTLR's ``setText`` leaves it (this is also what error messages display). QUOTED_NAME: ``"..."`` with
  ``""``; ``""`` alone is EMPTY_QUOTED_NAME.
* UUID, HEXNUMBER (``0x`` + hex digits, possibly none), QMARK, RANGE, and ``expr(`` as a single token
  (Cassandra's custom index expression literal).
* Whitespace, ``--``/``//`` line comments and ``/* */`` comments are hidden tokens: the parser skips them,
  but syntax-error snippets count them, as ANTLR's token stream does.

A ``(`` that may open a type hint (``(int) ?``) is decided later, by the parser, where the grammar allows
a hint (``engine.cql.parser``).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class TokenKind(enum.Enum):
    """What a token is, before it is named for the parser."""

    KEYWORD = "keyword"
    IDENT = "IDENT"
    QUOTED_NAME = "QUOTED_NAME"
    EMPTY_QUOTED_NAME = "EMPTY_QUOTED_NAME"
    STRING_LITERAL = "STRING_LITERAL"
    INTEGER = "INTEGER"
    FLOAT = "FLOAT"
    BOOLEAN = "BOOLEAN"
    DURATION = "DURATION"
    UUID = "UUID"
    HEXNUMBER = "HEXNUMBER"
    QMARK = "QMARK"
    PUNCT = "punct"
    WS = "WS"
    COMMENT = "COMMENT"
    MULTILINE_COMMENT = "MULTILINE_COMMENT"


HIDDEN_KINDS = frozenset({TokenKind.WS, TokenKind.COMMENT, TokenKind.MULTILINE_COMMENT})


@dataclass(slots=True)
class Token:
    """One token: its kind, its text as ANTLR reports it, and where it starts and ends in the source.

    ``text`` is the source text, except for strings and quoted names, where it is the content.
    ``line`` is 1-based, ``column`` 0-based (Cassandra's convention in error messages). ``type`` is the
    grammar's name for the token, filled in by the parser (the lexer leaves it empty); tokens are not
    changed after that.
    """

    kind: TokenKind
    text: str
    start: int
    end: int
    line: int
    column: int
    hidden: bool = False  # whitespace and comments: skipped by the parser, counted in error snippets
    type: str = ""

    @property
    def value(self) -> str:
        return self.text

    @property
    def start_pos(self) -> int:
        return self.start


@dataclass(frozen=True, slots=True)
class LexError:
    """A lexing failure, already phrased as ANTLR's lexer phrases it."""

    message: str
    line: int
    column: int
    position: int


_UNIT = r"(?:[yY]|[mM][oO]|[mM][sS]|[uU][sS]|µ[sS]|[nN][sS]|[wW]|[dD]|[hH]|[mM]|[sS])"
_ISO_TIME = r"T(?:\d+H(?:\d+M)?(?:\d+S)?|\d+M(?:\d+S)?|\d+S)"
_ISO = (
    r"-?P(?:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"
    rf"|{_ISO_TIME}"
    r"|\d+W"
    rf"|(?:\d+Y(?:\d+M)?(?:\d+D)?|\d+M(?:\d+D)?|\d+D)(?:{_ISO_TIME})?)"
)
_HEX = "[0-9a-fA-F]"

# Alternatives are tried in order; each is unambiguous at its first characters except the ISO
# durations against words, which `scan` settles by length.
_MASTER = re.compile(
    "|".join(
        [
            r"(?P<WS>[ \t\r\n]+)",
            r"(?P<COMMENT>(?:--|//)[^\n\r]*(?:\r\n|\n|\r)?)",
            r"(?P<MULTILINE_COMMENT>/\*.*?\*/)",
            r"(?P<BAD_COMMENT>/\*)",
            r"(?P<STRING>'(?:[^']|'')*')",
            r"(?P<BAD_STRING>')",
            r"(?P<PGSTRING>\$\$.*?\$\$)",
            r"(?P<BAD_PGSTRING>\$\$)",
            r'(?P<QNAME>"(?:[^"]|"")*")',
            r'(?P<BAD_QNAME>")',
            rf"(?P<UUID>{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}})",
            rf"(?P<HEXNUMBER>0[xX]{_HEX}*)",
            rf"(?P<DURATION>-?(?:\d+{_UNIT})+)",
            rf"(?P<ISO_DURATION>{_ISO})",
            r"(?P<NUMBER>-?\d+(?:\.(?:(?=\.\.)|(?!\.))\d*)?(?:[eE][+-]?\d+)?)",
            r"(?P<NEGKW>-(?:[nN][aA][nN]|[iI][nN][fF][iI][nN][iI][tT][yY]))",
            r"(?P<EXPR>expr\()",  # a case-sensitive literal in Cassandra's grammar
            r"(?P<WORD>[a-zA-Z][a-zA-Z0-9_]*)",
            r"(?P<PUNCT>\.\.|<=|>=|!=|\+=|-=|[=<>(){}\[\],;:.*/%+\-?])",
        ]
    ),
    re.DOTALL,
)
_WORD = re.compile(r"[a-zA-Z][a-zA-Z0-9_]*")

_UNTERMINATED = {
    "BAD_COMMENT": "'*'",
    "BAD_STRING": "'''",
    "BAD_PGSTRING": "'$'",
    "BAD_QNAME": "'\"'",
}


def scan(text: str, *, keep_hidden: bool = True) -> tuple[list[Token], LexError | None]:
    """Cut ``text`` into tokens, hidden ones included unless ``keep_hidden`` is False.

    Returns the tokens up to the first lexing error, and that error (or None). Words come back as IDENT:
    the parser adapter (``engine.cql.parser``) tells keywords from names with the grammar's keyword table.
    """
    tokens: list[Token] = []
    append = tokens.append
    match = _MASTER.match
    pos = 0
    line = 1
    line_start = 0
    length = len(text)
    while pos < length:
        m = match(text, pos)
        if m is None:
            char = text[pos]
            return tokens, LexError(
                f"no viable alternative at character '{char}'", line, pos - line_start, pos
            )
        group = m.lastgroup
        end = m.end()
        raw = m.group()
        column = pos - line_start
        if group == "WS":
            kind, value = TokenKind.WS, raw
        elif group == "WORD":
            kind, value = TokenKind.IDENT, raw
        elif group == "PUNCT":
            kind, value = (TokenKind.QMARK if raw == "?" else TokenKind.PUNCT), raw
        elif group == "NUMBER":
            is_float = "." in raw or "e" in raw or "E" in raw
            kind, value = (TokenKind.FLOAT if is_float else TokenKind.INTEGER), raw
        elif group == "STRING":
            kind, value = TokenKind.STRING_LITERAL, raw[1:-1].replace("''", "'")
        elif group == "PGSTRING":
            kind, value = TokenKind.STRING_LITERAL, raw[2:-2]
        elif group == "QNAME":
            if len(raw) == 2:
                kind, value = TokenKind.EMPTY_QUOTED_NAME, raw
            else:
                kind, value = TokenKind.QUOTED_NAME, raw[1:-1].replace('""', '"')
        elif group in ("COMMENT", "MULTILINE_COMMENT"):
            kind, value = TokenKind[group], raw
        elif group == "ISO_DURATION":
            word = _WORD.match(text, pos)
            if word is not None and word.end() > end:
                end = word.end()
                raw = word.group()
                kind, value = TokenKind.IDENT, raw
            else:
                kind, value = TokenKind.DURATION, raw
        elif group == "DURATION":
            kind, value = TokenKind.DURATION, raw
        elif group == "UUID":
            kind, value = TokenKind.UUID, raw
        elif group == "HEXNUMBER":
            kind, value = TokenKind.HEXNUMBER, raw
        elif group in ("NEGKW", "EXPR"):
            kind, value = TokenKind.KEYWORD, raw
        else:  # an unterminated string, quoted name or comment runs to the end of the input
            line += text.count("\n", pos)
            last_newline = text.rfind("\n", pos)
            if last_newline >= 0:
                line_start = last_newline + 1
            return tokens, LexError(
                f"mismatched character '<EOF>' expecting {_UNTERMINATED[group]}",
                line,
                length - line_start,
                length,
            )
        hidden = kind is TokenKind.WS or kind is TokenKind.COMMENT or kind is TokenKind.MULTILINE_COMMENT
        if keep_hidden or not hidden:
            append(Token(kind, value, pos, end, line, column, hidden))
        if hidden or kind is TokenKind.STRING_LITERAL or kind is TokenKind.QUOTED_NAME:
            newlines = raw.count("\n")
            if newlines:
                line += newlines
                line_start = pos + raw.rfind("\n") + 1
        pos = end
    return tokens, None
