"""Syntax errors worded as Cassandra words them.

Cassandra's parser is ANTLR 3; its ``ErrorCollector`` builds ``line L:C <message> (<snippet>)``:

* ``L:C`` is the offending token's line (1-based) and column (0-based). End of input is a token that
  Cassandra's lexer creates without a position, so errors there read ``line 0:-1 ... '<EOF>'``.
* ``<message>`` is ANTLR's: ``mismatched input 'X' expecting Y`` when one particular token was
  required, ``no viable alternative at input 'X'`` when none of several alternatives fits. Tokens are
  shown by their text (a string literal by its content); expected tokens by ANTLR's names (``K_FROM``,
  ``IDENT``, ``')'``, ``EOF``).
* ``<snippet>`` shows the query from 10 tokens before the offending one to 2 after it (whitespace and
  comments count as tokens), the offending token in brackets, ``...`` where the query goes on; it is left
  out when that range reaches the end of input.

The LALR parser detects an error at the same token as ANTLR's LL parser in the cases that matter
(both stop at the first token that cannot extend a valid prefix). Which of the two messages applies is
decided from the set of tokens the parser could have accepted there: when the statement could end, the
message is ``expecting EOF`` (ANTLR skips optional clauses and then fails to match EOF); when exactly one
token fits, ``mismatched input``; otherwise ``no viable alternative``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from engine.cql.lexer import LexError, Token, scan
from engine.errors import SyntaxException

FIRST_TOKEN_OFFSET = 10
LAST_TOKEN_OFFSET = 2

# The grammar's names for end of input, and tokens that never appear in messages.
_END = "$END"
_STATEMENT_END = frozenset({_END, "SEMICOLON"})
_INVISIBLE = frozenset({"STMT_START"})


def lexing_error(error: LexError) -> SyntaxException:
    """ANTLR's lexer errors carry no snippet: ``line 1:7 no viable alternative at character '@'``."""
    return SyntaxException(
        f"line {error.line}:{error.column} {error.message}", line=error.line, column=error.column
    )


def display(text: str) -> str:
    """ANTLR's getTokenErrorDisplay: the text with newlines and tabs escaped, in single quotes."""
    return "'" + text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + "'"


def parsing_error(
    query: str, token: Token, expected: Iterable[str], names: Mapping[str, str]
) -> SyntaxException:
    """The SyntaxException for ``token`` arriving where only ``expected`` (terminal names) fit.

    ``names`` maps the grammar's terminal names to ANTLR token names.
    """
    expected = set(expected) - _INVISIBLE
    at_end = token.type == _END
    shown = "<EOF>" if at_end else str(token.value)
    if expected & _STATEMENT_END:
        message = f"mismatched input {display(shown)} expecting EOF"
    elif len(expected) == 1:
        (only,) = expected
        message = f"mismatched input {display(shown)} expecting {names.get(only, only)}"
    else:
        message = f"no viable alternative at input {display(shown)}"
    if at_end:
        return SyntaxException(f"line 0:-1 {message}", line=0, column=-1)
    line, column = token.line or 0, token.column or 0
    return SyntaxException(
        f"line {line}:{column} {message}{snippet(query, token.start_pos or 0)}", line=line, column=column
    )


def snippet(query: str, offending_start: int) -> str:
    """The ``(...)`` part of the message for the token starting at ``offending_start``."""
    tokens, _ = scan(query)
    index = next((i for i, tok in enumerate(tokens) if tok.start == offending_start), None)
    if index is None:
        return ""
    size = len(tokens) + 1  # ANTLR's stream ends with the EOF token, which has no valid position
    last = min(size - 1, index + LAST_TOKEN_OFFSET)
    if last >= len(tokens):
        return ""
    first = tokens[max(0, index - FIRST_TOKEN_OFFSET)]
    return _render_snippet(query, first, tokens[last], tokens[index])


def _render_snippet(query: str, first: Token, last: Token, offending: Token) -> str:
    lines = query.split("\n")
    while len(lines) > 1 and lines[-1] == "":  # Java's String.split drops trailing empty strings
        lines.pop()
    include_start = first.line == 1 and first.column == 0
    last_end = last.column + len(last.text)
    include_end = last.line == len(lines) and last_end == len(lines[-1])
    out = "" if include_start else "..."
    to_line = lines[last.line - 1]
    lines[last.line - 1] = to_line if last_end >= len(to_line) else to_line[:last_end]
    line = lines[offending.line - 1]
    end = offending.column + len(offending.text)
    line = line[:end] + "]" + line[end:]
    lines[offending.line - 1] = line[: offending.column] + "[" + line[offending.column :]
    lines[first.line - 1] = lines[first.line - 1][first.column :]
    out += "".join(lines[first.line - 1 : last.line])
    if not include_end:
        out += "..."
    return f" ({out})"
