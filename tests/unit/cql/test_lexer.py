"""engine.cql.lexer.scan: exact tokens (kind, text, line, column) and lexing errors, per Cassandra's Lexer.g.

Tokens are listed without whitespace (WS) unless a case is about whitespace; comments, which are hidden
tokens too, are listed. Lines are 1-based and columns 0-based, as in Cassandra's error messages.
"""

from __future__ import annotations

import pytest

from engine.cql.lexer import HIDDEN_KINDS, TokenKind, scan

IDENT = TokenKind.IDENT
KEYWORD = TokenKind.KEYWORD
QUOTED_NAME = TokenKind.QUOTED_NAME
EMPTY_QUOTED_NAME = TokenKind.EMPTY_QUOTED_NAME
STRING = TokenKind.STRING_LITERAL
INTEGER = TokenKind.INTEGER
FLOAT = TokenKind.FLOAT
DURATION = TokenKind.DURATION
UUID = TokenKind.UUID
HEX = TokenKind.HEXNUMBER
QMARK = TokenKind.QMARK
PUNCT = TokenKind.PUNCT
WS = TokenKind.WS
COMMENT = TokenKind.COMMENT
MULTILINE_COMMENT = TokenKind.MULTILINE_COMMENT

Tok = tuple[TokenKind, str, int, int]


def tokens(text: str, *, with_ws: bool = False) -> list[Tok]:
    """The tokens of ``text`` as (kind, text, line, column); scanning must succeed."""
    raw, error = scan(text)
    assert error is None, error
    return [(t.kind, t.text, t.line, t.column) for t in raw if with_ws or t.kind is not WS]


def _line(*items: tuple[TokenKind, str, int]) -> list[Tok]:
    """Tokens all on line 1: (kind, text, column)."""
    return [(kind, text, 1, column) for kind, text, column in items]


PUNCTUATION = "<>=(){}[],;:.*/%+-?"
UUID_TEXT = "12345678-9abc-def0-1234-56789abcdef0"

CASES: list[tuple[str, str, list[Tok]]] = [
    # ------------------------------------------------------------------------------ words
    (
        "keywords-come-back-as-words",
        "SELECT select FROM from_",
        _line((IDENT, "SELECT", 0), (IDENT, "select", 7), (IDENT, "FROM", 14), (IDENT, "from_", 19)),
    ),
    ("word-characters", "a_1 B2c_", _line((IDENT, "a_1", 0), (IDENT, "B2c_", 4))),
    # The parser adapter, not scan, turns `true`/`false` into BOOLEAN and `NaN`/`Infinity` into keywords.
    ("booleans-are-words", "true FALSE", _line((IDENT, "true", 0), (IDENT, "FALSE", 5))),
    ("nan-infinity-are-words", "NaN Infinity", _line((IDENT, "NaN", 0), (IDENT, "Infinity", 4))),
    # ---------------------------------------------------------------------------- numbers
    ("negative-integer", "-3", _line((INTEGER, "-3", 0))),
    ("sign-belongs-to-integer", "c -3", _line((IDENT, "c", 0), (INTEGER, "-3", 2))),
    ("sign-without-space", "c-3", _line((IDENT, "c", 0), (INTEGER, "-3", 1))),
    ("minus-then-integer", "c - 3", _line((IDENT, "c", 0), (PUNCT, "-", 2), (INTEGER, "3", 4))),
    ("leading-zeros", "007", _line((INTEGER, "007", 0))),
    ("range", "1..3", _line((INTEGER, "1", 0), (PUNCT, "..", 1), (INTEGER, "3", 3))),
    (
        "open-slices",
        "a[1..][..-2]",
        _line(
            (IDENT, "a", 0),
            (PUNCT, "[", 1),
            (INTEGER, "1", 2),
            (PUNCT, "..", 3),
            (PUNCT, "]", 5),
            (PUNCT, "[", 6),
            (PUNCT, "..", 7),
            (INTEGER, "-2", 9),
            (PUNCT, "]", 11),
        ),
    ),
    ("float-trailing-dot", "1.", _line((FLOAT, "1.", 0))),
    ("float-fraction", "1.5", _line((FLOAT, "1.5", 0))),
    ("float-exponent", "1e5", _line((FLOAT, "1e5", 0))),
    ("float-fraction-exponent", "1.5E-3", _line((FLOAT, "1.5E-3", 0))),
    ("float-signed", "-2.5e+10 1.e5", _line((FLOAT, "-2.5e+10", 0), (FLOAT, "1.e5", 9))),
    ("float-then-field", "1.5.b", _line((FLOAT, "1.5", 0), (PUNCT, ".", 3), (IDENT, "b", 4))),
    # -------------------------------------------------------------------------- durations
    ("duration-units", "1h30m", _line((DURATION, "1h30m", 0))),
    ("duration-negative", "-12mo3d", _line((DURATION, "-12mo3d", 0))),
    ("duration-micro-sign", "1µs", _line((DURATION, "1µs", 0))),
    ("duration-all-units", "1y2w3d4h5m6s7ms8us9ns", _line((DURATION, "1y2w3d4h5m6s7ms8us9ns", 0))),
    (
        "duration-units-any-case",
        "2US 3ns 4ms 5MO",
        _line((DURATION, "2US", 0), (DURATION, "3ns", 4), (DURATION, "4ms", 8), (DURATION, "5MO", 12)),
    ),
    ("duration-then-word", "1h30mx", _line((DURATION, "1h30m", 0), (IDENT, "x", 5))),
    ("iso-duration", "P1D", _line((DURATION, "P1D", 0))),
    ("iso-longer-word-wins", "P1Dx P1DT", _line((IDENT, "P1Dx", 0), (IDENT, "P1DT", 5))),
    ("iso-designators-upper-case-only", "p1d", _line((IDENT, "p1d", 0))),
    ("iso-incomplete", "P1 PT", _line((IDENT, "P1", 0), (IDENT, "PT", 3))),
    ("iso-date-time", "P1Y2M3DT4H5M6S", _line((DURATION, "P1Y2M3DT4H5M6S", 0))),
    (
        "iso-forms",
        "P3W PT2H P1Y2M -P1D -PT1S",
        _line(
            (DURATION, "P3W", 0),
            (DURATION, "PT2H", 4),
            (DURATION, "P1Y2M", 9),
            (DURATION, "-P1D", 15),
            (DURATION, "-PT1S", 20),
        ),
    ),
    ("iso-alternative", "P0001-02-03T04:05:06", _line((DURATION, "P0001-02-03T04:05:06", 0))),
    # ---------------------------------------------------------------------- uuids and hex
    ("uuid", UUID_TEXT, _line((UUID, UUID_TEXT, 0))),
    (
        "uuid-of-letters",
        "DEADBEEF-dead-beef-dead-beefdeadbeef",
        _line((UUID, "DEADBEEF-dead-beef-dead-beefdeadbeef", 0)),
    ),
    ("uuid-prefixes", "deadbeef 12345678", _line((IDENT, "deadbeef", 0), (INTEGER, "12345678", 9))),
    ("hex-empty", "0x", _line((HEX, "0x", 0))),
    ("hex", "0xCAFE 0Xab", _line((HEX, "0xCAFE", 0), (HEX, "0Xab", 7))),
    ("hex-then-word", "0xg", _line((HEX, "0x", 0), (IDENT, "g", 2))),
    # ----------------------------------------------------------------- strings and names
    ("string-doubled-quote", "'it''s'", _line((STRING, "it's", 0))),
    ("string-empty", "''", _line((STRING, "", 0))),
    ("string-holding-dollars", "'a$$b'", _line((STRING, "a$$b", 0))),
    ("pg-string", "$$a'b$$", _line((STRING, "a'b", 0))),
    ("pg-string-verbatim", "$$it''s$$ $$$$", _line((STRING, "it''s", 0), (STRING, "", 10))),
    ("quoted-name", '"a""b" "A b"', _line((QUOTED_NAME, 'a"b', 0), (QUOTED_NAME, "A b", 7))),
    ("quoted-name-of-a-quote", '""""', _line((QUOTED_NAME, '"', 0))),
    ("empty-quoted-name", '""', _line((EMPTY_QUOTED_NAME, '""', 0))),
    # ------------------------------------------------------------ expr( and signed keywords
    (
        "expr-paren-is-one-token",
        "expr(i, 'x')",
        _line(
            (KEYWORD, "expr(", 0),
            (IDENT, "i", 5),
            (PUNCT, ",", 6),
            (STRING, "x", 8),
            (PUNCT, ")", 11),
        ),
    ),
    ("expr-is-case-sensitive", "EXPR(i", _line((IDENT, "EXPR", 0), (PUNCT, "(", 4), (IDENT, "i", 5))),
    ("expr-space-paren", "expr (", _line((IDENT, "expr", 0), (PUNCT, "(", 5))),
    ("expr-alone", "expr", _line((IDENT, "expr", 0))),
    (
        "negative-nan-infinity",
        "-NaN -Infinity -nan",
        _line((KEYWORD, "-NaN", 0), (KEYWORD, "-Infinity", 5), (KEYWORD, "-nan", 15)),
    ),
    ("minus-space-nan", "- NaN", _line((PUNCT, "-", 0), (IDENT, "NaN", 2))),
    ("negative-nan-then-word", "-NaNx", _line((KEYWORD, "-NaN", 0), (IDENT, "x", 4))),
    # ------------------------------------------------------------------------ punctuation
    (
        "two-character-operators",
        "a <= b >= c != d += 1 -= 2",
        _line(
            (IDENT, "a", 0),
            (PUNCT, "<=", 2),
            (IDENT, "b", 5),
            (PUNCT, ">=", 7),
            (IDENT, "c", 10),
            (PUNCT, "!=", 12),
            (IDENT, "d", 15),
            (PUNCT, "+=", 17),
            (INTEGER, "1", 20),
            (PUNCT, "-=", 22),
            (INTEGER, "2", 25),
        ),
    ),
    (
        "one-character-punctuation",
        " ".join(PUNCTUATION),
        _line(*((QMARK if ch == "?" else PUNCT, ch, 2 * i) for i, ch in enumerate(PUNCTUATION))),
    ),
    ("le-then-negative", "x<=-1", _line((IDENT, "x", 0), (PUNCT, "<=", 1), (INTEGER, "-1", 3))),
    ("markers", ":name ?", _line((PUNCT, ":", 0), (IDENT, "name", 1), (QMARK, "?", 6))),
    # ---------------------------------------------------------------- comments and lines
    ("dash-comment", "a -- c\nb", [(IDENT, "a", 1, 0), (COMMENT, "-- c\n", 1, 2), (IDENT, "b", 2, 0)]),
    ("slash-comment", "a // c\nb", [(IDENT, "a", 1, 0), (COMMENT, "// c\n", 1, 2), (IDENT, "b", 2, 0)]),
    ("comment-without-space", "a--c", _line((IDENT, "a", 0), (COMMENT, "--c", 1))),
    ("comment-at-end", "a -- done", _line((IDENT, "a", 0), (COMMENT, "-- done", 2))),
    (
        "multiline-comment",
        "a /* 1\n2\n */ b",
        [(IDENT, "a", 1, 0), (MULTILINE_COMMENT, "/* 1\n2\n */", 1, 2), (IDENT, "b", 3, 4)],
    ),
    ("empty-comment", "/**/x", _line((MULTILINE_COMMENT, "/**/", 0), (IDENT, "x", 4))),
    (
        "comment-with-star-slash-apart",
        "/* a * / b */c",
        _line((MULTILINE_COMMENT, "/* a * / b */", 0), (IDENT, "c", 13)),
    ),
    ("string-across-lines", "'a\nb' c", [(STRING, "a\nb", 1, 0), (IDENT, "c", 2, 3)]),
    ("pg-string-across-lines", "$$x\ny$$ z", [(STRING, "x\ny", 1, 0), (IDENT, "z", 2, 4)]),
    ("quoted-name-across-lines", '"a\nb" c', [(QUOTED_NAME, "a\nb", 1, 0), (IDENT, "c", 2, 3)]),
    (
        "lines-add-up",
        "-- one\n/* two\nthree */ 'four\n' $$five\n$$\n  x",
        [
            (COMMENT, "-- one\n", 1, 0),
            (MULTILINE_COMMENT, "/* two\nthree */", 2, 0),
            (STRING, "four\n", 3, 9),
            (STRING, "five\n", 4, 2),
            (IDENT, "x", 6, 2),
        ],
    ),
    ("only-line-feeds-count", "a\rb", _line((IDENT, "a", 0), (IDENT, "b", 2))),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=i) for i, t, e in CASES])
def test_tokens(text: str, expected: list[Tok]) -> None:
    assert tokens(text) == expected


def test_whitespace_is_one_hidden_token() -> None:
    raw, error = scan("a \t\r\n b")
    assert error is None
    assert [(t.kind, t.text, t.start, t.end, t.line, t.column, t.hidden) for t in raw] == [
        (IDENT, "a", 0, 1, 1, 0, False),
        (WS, " \t\r\n ", 1, 6, 1, 1, True),
        (IDENT, "b", 6, 7, 2, 1, False),
    ]


def test_hidden_kinds() -> None:
    raw, _ = scan("a -- c\n/* d */ b")
    assert [t.kind for t in raw if t.hidden] == [WS, COMMENT, MULTILINE_COMMENT, WS]
    assert frozenset({WS, COMMENT, MULTILINE_COMMENT}) == HIDDEN_KINDS


def test_offsets_cover_the_source_text() -> None:
    """start/end index the source even where the token's text is the content (strings, quoted names)."""
    text = "\"a\"\"b\" 'c''d' $$e$$ x"
    raw, error = scan(text)
    assert error is None
    assert [(t.start, t.end) for t in raw if not t.hidden] == [(0, 6), (7, 13), (14, 19), (20, 21)]
    assert "".join(text[t.start : t.end] for t in raw) == text


def test_float_with_trailing_dot_before_range() -> None:
    """`1...` is FLOAT `1.` then RANGE, as in Cassandra's Lexer.g (FLOAT: (INTEGER '.' RANGE) => INTEGER '.')."""
    assert tokens("1...3") == _line((FLOAT, "1.", 0), (PUNCT, "..", 2), (INTEGER, "3", 4))


# ------------------------------------------------------------------------------------------ errors

NO_VIABLE = "no viable alternative at character '{}'"
EOF_EXPECTING = "mismatched character '<EOF>' expecting {}"

ERROR_CASES: list[tuple[str, str, list[Tok], str, int, int]] = [
    # id, text, tokens before the error, message, line, column
    ("at-sign", "a @ b", _line((IDENT, "a", 0)), NO_VIABLE.format("@"), 1, 2),
    ("at-sign-second-line", "a\n  @", _line((IDENT, "a", 0)), NO_VIABLE.format("@"), 2, 2),
    ("bang-alone", "a!b", _line((IDENT, "a", 0)), NO_VIABLE.format("!"), 1, 1),
    ("single-dollar", "$x", [], NO_VIABLE.format("$"), 1, 0),
    ("non-ascii-letter", "é", [], NO_VIABLE.format("é"), 1, 0),
    ("unterminated-string", "'abc", [], EOF_EXPECTING.format("'''"), 1, 4),
    ("unterminated-string-lines", "x 'ab\ncd", _line((IDENT, "x", 0)), EOF_EXPECTING.format("'''"), 2, 2),
    ("unterminated-quoted-name", '"abc', [], EOF_EXPECTING.format("'\"'"), 1, 4),
    ("unterminated-pg-string", "$$abc", [], EOF_EXPECTING.format("'$'"), 1, 5),
    ("unterminated-comment", "/* abc", [], EOF_EXPECTING.format("'*'"), 1, 6),
    ("unterminated-comment-lines", "a /* x\n y", _line((IDENT, "a", 0)), EOF_EXPECTING.format("'*'"), 2, 2),
]


@pytest.mark.parametrize(
    ("text", "before", "message", "line", "column"),
    [pytest.param(*case[1:], id=case[0]) for case in ERROR_CASES],
)
def test_errors(text: str, before: list[Tok], message: str, line: int, column: int) -> None:
    raw, error = scan(text)
    assert error is not None
    assert (error.message, error.line, error.column) == (message, line, column)
    if message.startswith("mismatched character '<EOF>'"):
        assert error.position == len(text)  # an unterminated token is reported where the input ends
    assert [(t.kind, t.text, t.line, t.column) for t in raw if t.kind is not WS] == before
