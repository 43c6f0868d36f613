"""The CQL language front end: lexer, grammar, syntax tree, parser, renderer and statement splitter.

Public API:

* ``parse(text) -> list[Statement]``: frozen syntax-tree dataclasses with line/column; raises
  ``engine.errors.SyntaxException`` worded as Cassandra's.
* ``parse_one(text) -> Statement``: exactly one statement, as Cassandra's server reads a query string.
* ``render(statement) -> str``: the statement as canonical CQL; ``parse(render(s))`` equals ``s``.
* ``split_statements(text)`` and ``is_complete(text)``: find complete statements in typed or read text.
* ``KEYWORDS``, ``RESERVED_KEYWORDS``, ``UNRESERVED_KEYWORDS`` (lower-case).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.cql.lexicon import KEYWORDS, RESERVED_KEYWORDS, UNRESERVED_KEYWORDS
from engine.cql.splitter import StatementText, is_complete, split_statements

if TYPE_CHECKING:
    from engine.cql.ast.dml import Statement
    from engine.cql.parser import parse, parse_one


def render(statement: Statement) -> str:
    """The statement as canonical CQL: upper-case keywords, names quoted only where needed, no ';'."""
    return statement.cql()


def __getattr__(name: str) -> object:
    # The parser and the syntax tree load on first use: tools that only split or lex statements (the
    # shell's batch mode) start without building the grammar's dataclasses.
    if name in ("parse", "parse_one"):
        from engine.cql import parser

        return getattr(parser, name)
    if name == "Statement":
        from engine.cql.ast.dml import Statement

        return Statement
    raise AttributeError(f"module 'engine.cql' has no attribute {name!r}")


__all__ = [
    "KEYWORDS",
    "RESERVED_KEYWORDS",
    "UNRESERVED_KEYWORDS",
    "Statement",
    "StatementText",
    "is_complete",
    "parse",
    "parse_one",
    "render",
    "split_statements",
]
