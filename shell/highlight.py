"""Syntax highlighting for typed CQL: a pygments lexer whose keywords are the grammar's.

``CqlLexer`` marks CQL keywords (``engine.cql.lexicon.KEYWORDS``, so it follows the grammar), the
shell's own command words, string literals (``'...'`` with ``''``, and ``$$...$$``), double-quoted names,
numbers (integers, decimals, exponents, hex blobs), UUIDs, ``true``/``false``/``null``, comments (``--``,
``//``, ``/* */``), operators and punctuation. The shell's commands and their arguments (consistency
levels, ``OFF``, ``VERSION``...) count as keywords. Anything else is a plain name. The REPL uses it, through
prompt_toolkit, only when color is on.
"""

from __future__ import annotations

import re

from pygments.lexer import RegexLexer, words
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Text

from engine.cql.lexicon import KEYWORDS
from shell.session_state import CONSISTENCY_LEVELS

#: cqlsh's own commands, highlighted like keywords
SHELL_WORDS = (
    "capture",
    "clear",
    "cls",
    "consistency",
    "copy",
    "debug",
    "exit",
    "expand",
    "help",
    "history",
    "login",
    "paging",
    "quit",
    "serial",
    "show",
    "source",
    "tracing",
)
_CONSTANTS = ("true", "false", "null", "nan", "infinity")
_SHELL_ARGUMENTS = {level.lower() for level in CONSISTENCY_LEVELS} | {
    "off",
    "version",
    "host",
    "session",
    "replicas",
}
_KEYWORDS = tuple(
    sorted((KEYWORDS | set(SHELL_WORDS) | _SHELL_ARGUMENTS) - set(_CONSTANTS), key=lambda w: (-len(w), w))
)


class CqlLexer(RegexLexer):
    name = "CQL"
    aliases = ["cql"]
    filenames = ["*.cql"]
    flags = re.IGNORECASE | re.MULTILINE

    tokens = {
        "root": [
            (r"\s+", Text),
            (r"(--|//).*?$", Comment.Single),
            (r"/\*", Comment.Multiline, "comment"),
            (r"'(?:[^']|'')*'?", String.Single),
            (r"(?s)\$\$.*?(?:\$\$|\Z)", String.Single),
            (r'"(?:[^"]|"")*"?', Name.Variable),
            (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", Number.Hex),
            (r"0x[0-9a-f]*\b", Number.Hex),
            (r"-?[0-9]+(\.[0-9]*)?(e[+-]?[0-9]+)?\b", Number),
            (words(_CONSTANTS, suffix=r"\b"), Keyword.Constant),
            (words(_KEYWORDS, suffix=r"\b"), Keyword),
            (r"[a-z][a-z0-9_]*", Name),
            (r"(<=|>=|!=|\+=|-=|[<>=+\-*/%])", Operator),
            (r"[(),.;:\[\]{}?]", Punctuation),
            (r".", Text),
        ],
        "comment": [
            (r"[^*]+", Comment.Multiline),
            (r"\*/", Comment.Multiline, "#pop"),
            (r"\*", Comment.Multiline),
        ],
    }
