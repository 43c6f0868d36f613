"""CQL text → statements: the lark LALR parser over ``grammar/cql.lark``, fed by ``engine.cql.lexer``.

The parser object is built once per process from lark's grammar cache (a file in the temp directory
that lark keys by grammar and options), so loading costs a few milliseconds, not a grammar analysis.

Between the lexer and lark sits a small adapter that

* names each token as the grammar does (keywords by their lower-case spelling, punctuation by text),
* marks a ``(`` that opens a type hint as HINT_LPAREN (see ``engine.cql.lexer``),
* puts a STMT_START token before each top-level statement, so statements learn their positions, and
* turns lark's errors into Cassandra's ``SyntaxException`` messages (``engine.cql.syntax_errors``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import lark
from lark.lexer import Lexer, PatternStr, Token

from engine.cql.ast.dml import Statement
from engine.cql.build_statements import StatementBuilder
from engine.cql.lexer import LexError, RawToken, TokenKind, scan
from engine.cql.syntax_errors import lexing_error, parsing_error
from engine.errors import SyntaxException

GRAMMAR_PATH = Path(__file__).parent / "grammar" / "cql.lark"

_VALUE_KINDS = {
    TokenKind.IDENT: "IDENT",
    TokenKind.QUOTED_NAME: "QUOTED_NAME",
    TokenKind.EMPTY_QUOTED_NAME: "EMPTY_QUOTED_NAME",
    TokenKind.STRING_LITERAL: "STRING_LITERAL",
    TokenKind.INTEGER: "INTEGER",
    TokenKind.FLOAT: "FLOAT_LITERAL",
    TokenKind.BOOLEAN: "BOOLEAN_LITERAL",
    TokenKind.DURATION: "DURATION_LITERAL",
    TokenKind.UUID: "UUID_LITERAL",
    TokenKind.HEXNUMBER: "HEXNUMBER",
    TokenKind.QMARK: "QMARK",
}

# Tokens after which a `(` may open a type hint: those a selector or a term can follow.
_HINT_AFTER_PUNCT = frozenset(
    {",", "(", "[", "{", ":", "=", "<", "<=", ">", ">=", "!=", "+", "-", "*", "/", "%", "+=", "-=", ".."}
)
_HINT_AFTER_KEYWORDS = frozenset(
    {"select", "distinct", "json", "in", "contains", "key", "like", "of", "by", "initcond", "values"}
)
# Tokens that can start a selector or a term, besides names and non-reserved keywords.
_TERM_START_PUNCT = frozenset({"(", "[", "{", ":"})
_TERM_START_KEYWORDS = frozenset({"token", "null", "nan", "infinity", "-nan", "-infinity", "cast"})
_VALUE_TERMINALS = frozenset(_VALUE_KINDS.values()) | {"HINT_LPAREN"}


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    """How the grammar names tokens: keyword spelling → terminal, punctuation text → terminal."""

    keywords: dict[str, str]
    punctuation: dict[str, str]


class _LexFailure(Exception):
    def __init__(self, error: LexError) -> None:
        super().__init__(error.message)
        self.error = error


class CqlTokenStream(Lexer):
    """lark's view of ``engine.cql.lexer``: named tokens, hint parentheses and statement starts."""

    def __init__(self, lexer_conf: lark.lexer.LexerConf) -> None:
        keywords: dict[str, str] = {}
        punctuation: dict[str, str] = {}
        for terminal in lexer_conf.terminals:
            pattern = terminal.pattern
            if not isinstance(pattern, PatternStr):
                continue
            if "i" in pattern.flags:
                keywords[pattern.value] = terminal.name
            else:
                punctuation[pattern.value] = terminal.name
        self.vocabulary = _Vocabulary(keywords, punctuation)

    def lex(self, text: str) -> Iterator[Token]:  # type: ignore[override]
        raw, error = scan(text)
        tokens = [tok for tok in raw if not tok.hidden]
        types = self._types(tokens)
        yield from _with_statement_starts(tokens, types)
        if error is not None:
            raise _LexFailure(error)

    def _types(self, tokens: list[RawToken]) -> list[str]:
        keywords = self.vocabulary.keywords
        punctuation = self.vocabulary.punctuation
        types: list[str] = []
        for tok in tokens:
            kind = tok.kind
            if kind is TokenKind.IDENT:
                lower = tok.text.lower()
                if lower in ("true", "false"):
                    types.append("BOOLEAN_LITERAL")
                else:
                    types.append(keywords.get(lower, "IDENT"))
            elif kind is TokenKind.PUNCT:
                types.append(punctuation[tok.text])
            elif kind is TokenKind.KEYWORD:
                lower = tok.text.lower()
                types.append(keywords.get(lower) or punctuation[lower])
            else:
                types.append(_VALUE_KINDS[kind])
        _mark_type_hints(tokens, types, punctuation["("])
        return types


def _mark_type_hints(tokens: list[RawToken], types: list[str], lpar: str) -> None:
    """Retype each `(` that opens a type hint, by Cassandra's predicate: `( type ) <selector/term>`."""
    for i in range(1, len(tokens)):
        if types[i] != lpar:
            continue
        before = tokens[i - 1]
        if before.kind is TokenKind.PUNCT:
            if before.text not in _HINT_AFTER_PUNCT:
                continue
        elif not (
            before.kind in (TokenKind.IDENT, TokenKind.KEYWORD)
            and before.text.lower() in _HINT_AFTER_KEYWORDS
        ):
            continue
        close = _type_end(tokens, i + 1)
        if close is None or close + 1 >= len(tokens):
            continue
        if _starts_term(tokens[close + 1], types[close + 1]):
            types[i] = "HINT_LPAREN"


def _type_end(tokens: list[RawToken], start: int) -> int | None:
    """Index of the `)` closing a type written from ``start``, or None if what follows is not a type."""
    depth = 0
    i = start
    while i < len(tokens):
        tok = tokens[i]
        kind = tok.kind
        if kind in (TokenKind.IDENT, TokenKind.QUOTED_NAME, TokenKind.KEYWORD):
            pass
        elif kind is TokenKind.STRING_LITERAL:
            if i != start or depth:
                return None
        elif kind is TokenKind.INTEGER:
            if depth == 0:
                return None
        elif kind is TokenKind.PUNCT:
            text = tok.text
            if text == "<":
                depth += 1
            elif text == ">":
                depth -= 1
                if depth < 0:
                    return None
            elif text == ",":
                if depth == 0:
                    return None
            elif text == ")":
                return i if depth == 0 and i > start else None
            elif text != ".":
                return None
        else:
            return None
        i += 1
    return None


def _starts_term(tok: RawToken, type_: str) -> bool:
    if type_ in _VALUE_TERMINALS:
        return True
    if tok.kind is TokenKind.PUNCT:
        return tok.text in _TERM_START_PUNCT
    lower = tok.text.lower()
    return lower in _TERM_START_KEYWORDS or lower in _unreserved_keywords()


def _with_statement_starts(tokens: list[RawToken], types: list[str]) -> Iterator[Token]:
    """Yield lark tokens, with STMT_START before each top-level statement.

    A statement starts at the first token, and at the first token after a `;` outside a batch.
    """
    expect_start = True
    in_batch = False
    previous_lower = ""
    for tok, type_ in zip(tokens, types, strict=True):
        lower = tok.text.lower() if tok.kind in (TokenKind.IDENT, TokenKind.KEYWORD) else ""
        if tok.kind is TokenKind.PUNCT and tok.text == ";":
            if not in_batch:
                expect_start = True
        elif expect_start:
            yield Token("STMT_START", "", tok.start, tok.line, tok.column, tok.line, tok.column, tok.start)
            expect_start = False
            in_batch = lower == "begin"
        elif in_batch and previous_lower == "apply" and lower == "batch":
            in_batch = False
        previous_lower = lower
        yield Token(type_, tok.text, tok.start, tok.line, tok.column, tok.line, tok.column, tok.end)


@functools.cache
def _parser() -> lark.Lark:
    return lark.Lark(
        GRAMMAR_PATH.read_text(encoding="utf-8"),
        parser="lalr",
        lexer=CqlTokenStream,
        transformer=StatementBuilder(),
        maybe_placeholders=True,
        cache=True,
    )


@functools.cache
def _unreserved_keywords() -> frozenset[str]:
    from engine.cql.lexicon import UNRESERVED_KEYWORDS

    return UNRESERVED_KEYWORDS


# ANTLR's names for tokens whose name is not K_ + their spelling.
_ANTLR_KEYWORD_NAMES = {
    "table": "K_COLUMNFAMILY",
    "columnfamily": "K_COLUMNFAMILY",
    "schema": "K_KEYSPACE",
    "nan": "K_POSITIVE_NAN",
    "-nan": "K_NEGATIVE_NAN",
    "infinity": "K_POSITIVE_INFINITY",
    "-infinity": "K_NEGATIVE_INFINITY",
    "expr(": "'expr('",
}


@functools.cache
def _antlr_names() -> dict[str, str]:
    """lark terminal name → the name ANTLR's messages use for that token."""
    names = {
        "HINT_LPAREN": "'('",
        "SEMICOLON": "EOF",
        "$END": "EOF",
        "FLOAT_LITERAL": "FLOAT",
        "BOOLEAN_LITERAL": "BOOLEAN",
        "DURATION_LITERAL": "DURATION",
        "UUID_LITERAL": "UUID",
    }
    for terminal in _parser().terminals:
        pattern = terminal.pattern
        if isinstance(pattern, PatternStr):
            value = pattern.value
            if "i" in pattern.flags:
                names[terminal.name] = _ANTLR_KEYWORD_NAMES.get(value, "K_" + value.upper())
            else:
                names[terminal.name] = f"'{value}'"
    return names


def grammar() -> lark.Lark:
    """The loaded grammar (for the lexicon and completion, which read its terminals and rules)."""
    return _parser()


def parse(text: str) -> list[Statement]:
    """Parse CQL text holding zero or more `;`-separated statements.

    Raises SyntaxException with Cassandra's message (``line L:C ...``) on the first error.
    """
    try:
        return _parser().parse(text)  # type: ignore[return-value]
    except _LexFailure as failure:
        raise lexing_error(failure.error) from None
    except lark.exceptions.UnexpectedToken as error:
        raise parsing_error(text, error.token, error.expected, _antlr_names()) from None
    except lark.exceptions.VisitError as error:
        if isinstance(error.orig_exc, SyntaxException):
            raise error.orig_exc from None
        raise


def parse_one(text: str) -> Statement:
    """Parse exactly one statement, as Cassandra's server does with a query string.

    Trailing semicolons are allowed; a second statement is a syntax error at its first token
    (``mismatched input 'SELECT' expecting EOF``), and so is an empty query.
    """
    statements = parse(text)
    if len(statements) == 1:
        return statements[0]
    if not statements:
        raise parsing_error(text, Token("$END", ""), {"STMT_START"}, _antlr_names())
    second = statements[1]
    offset = _offset(text, second.line, second.column)
    first = next(tok for tok in scan(text)[0] if tok.start == offset)
    token = Token("IDENT", first.text, offset, second.line, second.column)
    raise parsing_error(text, token, {"SEMICOLON"}, _antlr_names())


def _offset(text: str, line: int, column: int) -> int:
    position = 0
    for _ in range(line - 1):
        position = text.index("\n", position) + 1
    return position + column
