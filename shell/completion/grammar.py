"""What the CQL grammar accepts next: the parser's LALR tables run over the tokens before the cursor.

``engine.cql.parser.tables()`` holds the tables the server's parser runs (``engine.cql.lalr``). Here the
tokens of the statement before the cursor are named as the parser names them (keywords by their
spelling, punctuation by text, values by kind), shifted and reduced through the tables, and the state
reached says which terminals may come next. In LALR tables a state may list a reduction for a lookahead
that a later state then rejects, so every candidate terminal is checked by running the reductions it
triggers until it is shifted (:func:`accepts`).

Unreserved keywords are also names (``USE json`` is legal), so where a name is expected every one of
them is acceptable. :func:`next_terminals` reports such a keyword as a keyword only when shifting it can
lead somewhere other than a name (``SELECT json ...`` is the JSON form; ``USE json`` is just a name).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from engine.cql import parser
from engine.cql.lalr import Tables
from engine.cql.lexer import Token, TokenKind

#: rules that turn a keyword into a name (``?name`` and the identifier rules built on it)
_NAME_RULES = frozenset({"name", "non_type_ident", "describe_name", "role_name"})
#: tokens that carry a value, named as engine.cql.parser names them (one table, shared)
_VALUE_TERMINALS = parser.VALUE_TERMINALS
_HINTS = ("HINT_LPAREN", "SEL_HINT_LPAREN")


@dataclass(frozen=True)
class Vocabulary:
    tables: Tables
    keywords: dict[str, str]  # lower-case spelling -> terminal
    punctuation: dict[str, str]  # text -> terminal
    spelling: dict[str, str]  # keyword terminal -> upper-case spelling


@functools.cache
def vocabulary() -> Vocabulary:
    tables = parser.tables()
    keywords: dict[str, str] = {}
    punctuation: dict[str, str] = {}
    spelling: dict[str, str] = {}
    for name, text, insensitive in tables.terminals:
        if insensitive:
            keywords[text] = name
            if text.replace("_", "").isalpha():
                spelling[name] = text.upper()
        else:
            punctuation[text] = name
    return Vocabulary(tables, keywords, punctuation, spelling)


def terminal_of(token: Token, words: Vocabulary) -> str:
    """The grammar's name for a token (what ``engine.cql.parser`` calls its type)."""
    kind = token.kind
    if kind is TokenKind.IDENT:
        lower = token.text.lower()
        if lower in ("true", "false"):
            return "BOOLEAN_LITERAL"
        return words.keywords.get(lower, "IDENT")
    if kind is TokenKind.PUNCT:
        return words.punctuation.get(token.text, token.text)
    if kind is TokenKind.KEYWORD:
        lower = token.text.lower()
        return words.keywords.get(lower) or words.punctuation.get(lower, lower)
    return _VALUE_TERMINALS.get(kind, kind.value)


def _step(tables: Tables, stack: list[int], terminal: str) -> bool:
    """Reduce as ``terminal`` demands, then shift it; False (stack undefined) if it is rejected."""
    while True:
        code = tables.actions[stack[-1]].get(terminal)
        if code is None:
            return False
        if code >= 0:
            stack.append(code)
            return True
        plan = tables.rules[-code - 1]
        if plan.size:
            del stack[-plan.size :]
        goto = tables.gotos[stack[-1]].get(plan.origin)
        if goto is None:
            return False
        stack.append(goto)


def run(terminals: Sequence[str]) -> list[int] | None:
    """The parser's state stack after a statement start and ``terminals``; None on a syntax error."""
    tables = vocabulary().tables
    stack = [tables.start_state]
    for terminal in ("STMT_START", *terminals):
        if _step(tables, stack, terminal):
            continue
        if terminal == "LPAR" and any(_step(tables, stack, hint) for hint in _HINTS):
            continue  # a '(' the parser would have read as opening a type hint
        return None
    return stack


def accepts(stack: Sequence[int], terminal: str) -> bool:
    return _step(vocabulary().tables, list(stack), terminal)


def _only_a_name(stack: Sequence[int], terminal: str) -> bool:
    """Whether the keyword ``terminal``, once shifted, can only be part of a name: nothing can be shifted
    right after it, and every way of reducing it ends in one of the name rules."""
    tables = vocabulary().tables
    trial = list(stack)
    return _step(tables, trial, terminal) and _reduces_to_name(tables, trial, 8)


def _reduces_to_name(tables: Tables, stack: list[int], depth: int) -> bool:
    actions = tables.actions[stack[-1]]
    if depth == 0 or not actions or any(code >= 0 for code in actions.values()):
        return False
    for rule in {-code - 1 for code in actions.values()}:
        plan = tables.rules[rule]
        if plan.origin in _NAME_RULES:
            continue
        trial = stack[: len(stack) - plan.size] if plan.size else list(stack)
        goto = tables.gotos[trial[-1]].get(plan.origin)
        if goto is None:
            continue  # not a reduction this stack can make: no path through it
        trial.append(goto)
        if not _reduces_to_name(tables, trial, depth - 1):
            return False
    return True


@dataclass(frozen=True)
class Expected:
    """What may come next: keywords (upper case) and whether a name may."""

    keywords: frozenset[str]
    name: bool


def next_terminals(stack: Sequence[int]) -> Expected:
    words = vocabulary()
    candidates = words.tables.actions[stack[-1]]
    name = accepts(stack, "IDENT")
    keywords = set()
    for terminal in candidates:
        spelled = words.spelling.get(terminal)
        if spelled is None or not accepts(stack, terminal):
            continue
        if name and _only_a_name(stack, terminal):
            continue
        keywords.add(spelled)
    return Expected(frozenset(keywords), name)
