"""Tab completion: keywords the grammar accepts at the cursor, and names from the schema.

:func:`complete` is a pure function of the text before the cursor (every line of the statement being
typed), the schema and the current keyspace; it returns the words that may replace the word being
typed, keywords upper-case and names as stored (double-quoted when they need quotes).

* CQL: the statement's tokens run through the parser's tables (``grammar``); where a name is expected,
  ``names`` says which kind from the words before it: keyspaces after ``USE`` or ``KEYSPACE``, tables
  (and ``ks.`` prefixes) after ``FROM``, ``INTO``, ``UPDATE``, ``TABLE``, ``TRUNCATE`` or ``ON``, the
  tables of ``ks`` after ``ks.``, user types after ``TYPE``, and otherwise the columns of the table the
  statement names (``FROM t``, ``UPDATE t``, ``INTO t``).
* Shell commands: their first word at a statement start, and their arguments (consistency levels,
  ``ON``/``OFF``, ``SHOW`` topics, HELP topics), cqlkit's own (``ELAPSED``, ``PAGER``) included.

Names are read from the connection's schema at each Tab, with no cache of the shell's own: the embedded
connection's is the node's live catalog, and cassandra-driver's metadata is refreshed by the driver
(before a DDL statement's result comes back, and in its background thread on other clients' schema
change events), so a name made or dropped by the statement just run is offered, or not, at the next Tab,
and completion never waits for a refresh.

``completer.CqlCompleter`` adapts it to prompt_toolkit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from engine.cql.lexer import scan
from engine.cql.splitter import split_statements
from shell.commands.help_texts import CQL_TOPICS, extension_topics, shell_topics
from shell.commands.registry import LINE_COMMANDS
from shell.completion.grammar import next_terminals, run, terminal_of, vocabulary
from shell.completion.names import SchemaLike, name_candidates
from shell.session_state import CONSISTENCY_LEVELS, SERIAL_CONSISTENCY_LEVELS

__all__ = ["WORD", "SchemaLike", "complete"]

#: shell commands offered at the start of a statement (cqlsh lists exit and quit in lower case)
SHELL_COMMANDS = (
    "CAPTURE",
    "CLEAR",
    "CLS",
    "CONSISTENCY",
    "COPY",
    "DEBUG",
    "DESC",
    "DESCRIBE",
    "ELAPSED",
    "EXPAND",
    "HELP",
    "HISTORY",
    "LOGIN",
    "PAGER",
    "PAGING",
    "SERIAL",
    "SHOW",
    "SOURCE",
    "TRACING",
    "exit",
    "quit",
)
WORD = re.compile(r"[A-Za-z0-9_]*\Z")


def complete(text_before_cursor: str, schema: SchemaLike | None, current_keyspace: str | None) -> list[str]:
    statement = _current_statement(text_before_cursor)
    prefix = WORD.search(statement).group()  # type: ignore[union-attr]
    head = statement[: len(statement) - len(prefix)]
    tokens, lex_error = scan(head, keep_hidden=False)
    if lex_error is not None:
        return []
    if not tokens:
        if head.strip():
            return []
        candidates = [*SHELL_COMMANDS, *_grammar_keywords([])]
        return _matching(candidates, prefix, ())
    first = tokens[0].text.lower()
    if first in _SHELL_ARGUMENTS:
        return _matching(_SHELL_ARGUMENTS[first]([t.text.upper() for t in tokens[1:]]), prefix, ())
    words = vocabulary()
    stack = run([terminal_of(token, words) for token in tokens])
    if stack is None:
        return []
    expected = next_terminals(stack)
    names: list[str] = []
    if expected.name:
        names = name_candidates(tokens, schema, current_keyspace)
    return _matching(sorted(expected.keywords), prefix, names)


def _current_statement(text: str) -> str:
    """The text of the statement the cursor is in, from its first character (previous ones end in ';')."""
    statements = split_statements(text, line_commands=LINE_COMMANDS)
    if not statements or statements[-1].terminated:
        tail = text
        if statements:
            last = statements[-1]
            end = _offset(text, last.line, last.column) + len(last.text)
            tail = text[end:].lstrip(";")
        return "" if not tail.strip() else tail.lstrip()
    last = statements[-1]
    return text[_offset(text, last.line, last.column) :]


def _offset(text: str, line: int, column: int) -> int:
    position = 0
    for _ in range(line - 1):
        position = text.index("\n", position) + 1
    return position + column


def _grammar_keywords(terminals: list[str]) -> list[str]:
    stack = run(terminals)
    return sorted(next_terminals(stack).keywords) if stack is not None else []


def _matching(keywords: Iterable[str], prefix: str, names: Iterable[str]) -> list[str]:
    lower = prefix.lower()
    found = list(dict.fromkeys(k for k in keywords if k.lower().startswith(lower)))
    seen = set(found)
    for name in names:
        bare = name.strip('"').lower() if name.startswith('"') else name.lower()
        if bare.startswith(lower) and name not in seen:
            seen.add(name)
            found.append(name)
    return found


def _consistency(args: list[str]) -> list[str]:
    return list(CONSISTENCY_LEVELS) if not args else []


def _serial(args: list[str]) -> list[str]:
    if not args:
        return ["CONSISTENCY"]
    return list(SERIAL_CONSISTENCY_LEVELS) if args == ["CONSISTENCY"] else []


def _switch(args: list[str]) -> list[str]:
    return ["ON", "OFF"] if not args else []


def _expand(args: list[str]) -> list[str]:
    return ["ON", "OFF", "AUTO"] if not args else []


def _show(args: list[str]) -> list[str]:
    return ["HOST", "REPLICAS", "SESSION", "VERSION"] if not args else []


def _help(args: list[str]) -> list[str]:
    return sorted(t.upper() for t in (*shell_topics(), *extension_topics(), *CQL_TOPICS))


def _capture(args: list[str]) -> list[str]:
    return ["OFF"] if not args else []


def _nothing(args: list[str]) -> list[str]:
    return []


_SHELL_ARGUMENTS: dict[str, Callable[[list[str]], list[str]]] = {
    "consistency": _consistency,
    "serial": _serial,
    "expand": _expand,
    "tracing": _switch,
    "paging": _switch,
    "elapsed": _switch,
    "pager": _switch,
    "show": _show,
    "help": _help,
    "?": _help,
    "capture": _capture,
    "source": _nothing,
    "exit": _nothing,
    "quit": _nothing,
    "clear": _nothing,
    "cls": _nothing,
    "debug": _nothing,
    "history": _nothing,
    "login": _nothing,
    "copy": _nothing,
}
