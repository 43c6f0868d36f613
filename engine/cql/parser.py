"""CQL text → statements: ``engine.cql.lexer`` tokens, run through the LALR tables of
``grammar/cql.lark`` (``engine.cql.lalr``), reduced into syntax-tree dataclasses by the builders.

Between the lexer and the tables sits a small adapter that

* names each token as the grammar does (keywords by their lower-case spelling, punctuation by text),
* lets the parser decide, at each ``(`` where a type hint may start, whether one does (``_TypeHints``),
* puts a STMT_START token before each top-level statement, so statements learn their positions, and
* turns parse failures into Cassandra's ``SyntaxException`` messages (``engine.cql.syntax_errors``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from engine.cql.ast.dml import Statement
from engine.cql.build_statements import StatementBuilder
from engine.cql.lalr import END, ParseError, Parser, Tables, load_tables
from engine.cql.lexer import Token, TokenKind, scan
from engine.cql.syntax_errors import lexing_error, parsing_error

GRAMMAR_PATH = Path(__file__).parent / "grammar" / "cql.lark"

#: the terminal name of each kind of token that carries a value (what the grammar calls it)
VALUE_TERMINALS = {
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

_LITERALS = frozenset(
    {
        "STRING_LITERAL",
        "INTEGER",
        "FLOAT_LITERAL",
        "BOOLEAN_LITERAL",
        "DURATION_LITERAL",
        "UUID_LITERAL",
        "HEXNUMBER",
        "QMARK",
    }
)
# Keywords that start a term or a selector by themselves (besides names, which are checked apart).
_TERM_START_KEYWORDS = frozenset({"null", "nan", "infinity", "-nan", "-infinity"})

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


@dataclass(frozen=True, slots=True)
class _Grammar:
    """The loaded grammar: its tables, a parser over them, and how it names tokens."""

    tables: Tables
    parser: Parser
    keywords: dict[str, str]  # lower-case spelling -> terminal
    punctuation: dict[str, str]  # text -> terminal
    antlr_names: dict[str, str]  # terminal -> the name ANTLR's messages use
    hints: _TypeHints


@functools.cache
def _grammar() -> _Grammar:
    from engine.cql.lexicon import UNRESERVED_KEYWORDS

    tables = load_tables(GRAMMAR_PATH.read_text(encoding="utf-8"))
    keywords: dict[str, str] = {}
    punctuation: dict[str, str] = {}
    antlr_names = {
        "HINT_LPAREN": "'('",
        "SEL_HINT_LPAREN": "'('",
        "SEMICOLON": "EOF",
        END: "EOF",
        "FLOAT_LITERAL": "FLOAT",
        "BOOLEAN_LITERAL": "BOOLEAN",
        "DURATION_LITERAL": "DURATION",
        "UUID_LITERAL": "UUID",
    }
    for name, text, insensitive in tables.terminals:
        if insensitive:
            keywords[text] = name
            antlr_names[name] = _ANTLR_KEYWORD_NAMES.get(text, "K_" + text.upper())
        else:
            punctuation[text] = name
            antlr_names[name] = f"'{text}'"
    hints = _TypeHints(punctuation["("], UNRESERVED_KEYWORDS)
    return _Grammar(tables, Parser(tables, StatementBuilder()), keywords, punctuation, antlr_names, hints)


def load() -> None:
    """Load the grammar now (from its cache), rather than on the first parse."""
    _grammar()


def tables() -> Tables:
    """The grammar's parse tables (completion reads the terminals each state accepts)."""
    return _grammar().tables


def _name_tokens(grammar: _Grammar, tokens: list[Token]) -> None:
    """Set each token's grammar type."""
    keywords = grammar.keywords
    punctuation = grammar.punctuation
    for tok in tokens:
        kind = tok.kind
        if kind is TokenKind.IDENT:
            lower = tok.text.lower()
            if lower == "true" or lower == "false":
                tok.type = "BOOLEAN_LITERAL"
            else:
                tok.type = keywords.get(lower, "IDENT")
        elif kind is TokenKind.PUNCT:
            tok.type = punctuation[tok.text]
        elif kind is TokenKind.KEYWORD:
            lower = tok.text.lower()
            tok.type = keywords.get(lower) or punctuation[lower]
        else:
            tok.type = VALUE_TERMINALS[kind]


class _TypeHints:
    """Cassandra's type-hint predicate, evaluated by the parser at each `(` where a hint may start.

    Where the grammar allows a hint (the current state accepts HINT_LPAREN in a term, SEL_HINT_LPAREN
    among selectors), a `(` opens one when what follows is ``type )`` and then something that can start
    a term (or a selector): ``(int) ?``, ``(frozen<list<text>>) [1]``. Elsewhere `(` is plain.
    """

    def __init__(self, lpar: str, unreserved: frozenset[str]) -> None:
        self.lpar = lpar
        self.types = frozenset({lpar})
        self.unreserved = unreserved

    def __call__(self, tokens: list[Token], index: int, accepted: dict[str, int]) -> None:
        if "SEL_HINT_LPAREN" in accepted:
            hint, starts = "SEL_HINT_LPAREN", self._starts_selector
        elif "HINT_LPAREN" in accepted:
            hint, starts = "HINT_LPAREN", self._starts_term
        else:
            return
        close = self._type_end(tokens, index + 1)
        if close is not None and close + 1 < len(tokens) and starts(tokens, close + 1):
            tokens[index].type = hint

    def _is_name(self, tok: Token) -> bool:
        kind = tok.kind
        if kind is TokenKind.QUOTED_NAME:
            return True
        return kind is TokenKind.IDENT and (tok.type == "IDENT" or tok.text.lower() in self.unreserved)

    def _type_end(self, tokens: list[Token], start: int) -> int | None:
        """Index of the `)` closing a type written from ``start``, or None if no type is written there."""
        depth = 0
        for i in range(start, len(tokens)):
            tok = tokens[i]
            if self._is_name(tok) or (tok.kind is TokenKind.IDENT and tok.text.lower() == "set"):
                continue  # `set` is reserved but names the collection type
            kind = tok.kind
            if kind is TokenKind.STRING_LITERAL:  # a custom type, alone or inside <...>
                if i != start and depth == 0:
                    return None
            elif kind is TokenKind.INTEGER:  # a vector dimension
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
        return None

    def _starts_term(self, tokens: list[Token], i: int) -> bool:
        """Whether a simple term can start at ``tokens[i]`` (a value, a function call, a cast)."""
        tok = tokens[i]
        if tok.type in _LITERALS or tok.type == self.lpar:
            return True
        if tok.kind is TokenKind.PUNCT:
            if tok.text in ("[", "{"):
                return True
            # `:name` is a bind marker, but `: f(...)` or `: ks.f(...)` is a map entry's value.
            if tok.text != ":" or i + 1 >= len(tokens) or not self._is_name(tokens[i + 1]):
                return False
            return i + 2 >= len(tokens) or tokens[i + 2].text not in ("(", ".")
        lower = tok.text.lower()
        if lower in _TERM_START_KEYWORDS:
            return True
        following = tokens[i + 1].text if i + 1 < len(tokens) else ""
        # A name starts a term only as a function call: `f(...)` or `ks.f(...)` (also token, cast).
        return (self._is_name(tok) or lower in ("token", "cast")) and following in ("(", ".")

    def _starts_selector(self, tokens: list[Token], i: int) -> bool:
        """Whether a selector can start at ``tokens[i]``: what starts a term, or a column name — but not
        the clause keywords that may follow a selector (``AS alias``, ``PER PARTITION``, ``GROUP BY``,
        ``ORDER BY``), which Cassandra's lookahead tells apart from a column of that name."""
        tok = tokens[i]
        lower = tok.text.lower()
        following = tokens[i + 1].text.lower() if i + 1 < len(tokens) else ""
        if (lower == "as" and i + 1 < len(tokens) and self._is_name(tokens[i + 1])) or (
            (lower, following) in (("per", "partition"), ("group", "by"), ("order", "by"))
        ):
            return False
        return self._is_name(tok) or lower == "token" or self._starts_term(tokens, i)


def _with_statement_starts(tokens: list[Token]) -> list[Token]:
    """The parser's tokens, with a STMT_START token before each top-level statement.

    A statement starts at the first token, and at the first token after a `;` outside a batch.
    """
    stream: list[Token] = []
    append = stream.append
    expect_start = True
    in_batch = False
    previous_lower = ""
    for tok in tokens:
        type_ = tok.type
        if type_ == "SEMICOLON":
            if not in_batch:
                expect_start = True
        elif expect_start:
            append(Token(tok.kind, "", tok.start, tok.start, tok.line, tok.column, False, "STMT_START"))
            expect_start = False
            in_batch = type_ == "BEGIN"
        elif in_batch and type_ == "BATCH" and previous_lower == "APPLY":
            in_batch = False
        previous_lower = type_
        append(tok)
    return stream


def _end_token() -> Token:
    return Token(TokenKind.PUNCT, "", 0, 0, 0, -1, False, END)


def parse(text: str) -> list[Statement]:
    """Parse CQL text holding zero or more `;`-separated statements.

    Raises SyntaxException with Cassandra's message (``line L:C ...``) on the first error.
    """
    grammar = _grammar()
    tokens, lex_error = scan(text, keep_hidden=False)
    _name_tokens(grammar, tokens)
    try:
        statements: list[Statement] = grammar.parser.parse(
            _with_statement_starts(tokens), _end_token, grammar.hints, grammar.hints.types
        )
    except ParseError as error:
        if lex_error is not None and error.token.type == END:
            # The parser ran out of tokens where the lexer had failed: the lexer's error comes first.
            raise lexing_error(lex_error) from None
        raise parsing_error(text, error.token, error.expected, grammar.antlr_names) from None
    if lex_error is not None:
        raise lexing_error(lex_error)
    return statements


def parse_one(text: str) -> Statement:
    """Parse exactly one statement, as Cassandra's server does with a query string.

    Trailing semicolons are allowed; a second statement is a syntax error at its first token
    (``mismatched input 'SELECT' expecting EOF``), and so is an empty query.
    """
    statements = parse(text)
    if len(statements) == 1:
        return statements[0]
    names = _grammar().antlr_names
    if not statements:
        raise parsing_error(text, _end_token(), {"STMT_START"}, names)
    second = statements[1]
    offset = _offset(text, second.line, second.column)
    first = next(tok for tok in scan(text)[0] if tok.start == offset)
    raise parsing_error(text, first, {"SEMICOLON"}, names)


def _offset(text: str, line: int, column: int) -> int:
    position = 0
    for _ in range(line - 1):
        position = text.index("\n", position) + 1
    return position + column
