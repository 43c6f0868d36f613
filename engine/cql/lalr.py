"""The LALR(1) parse tables of the CQL grammar, cached on disk, and the loop that runs them.

lark computes the tables from ``grammar/cql.lark`` (``build_tables``); that analysis takes a second or
so, so its result is stored as plain data (dicts, tuples, strings) in a cache file keyed by the
grammar's text, lark's version and this module's FORMAT_VERSION. Loading that file takes milliseconds
and needs no lark at all; only a cache miss imports lark.

The tables:

* ``actions[state][terminal]`` is ``n >= 0`` to shift and go to state ``n``, or ``-(r + 1)`` to reduce
  by rule ``r``;
* ``gotos[state][nonterminal]`` is the state to go to after a reduction to that nonterminal;
* ``rules[r]`` says how to turn the right-hand side's values into the callback's arguments, exactly as
  lark's tree builder does with ``maybe_placeholders=True``: drop filtered tokens (keywords and
  punctuation unless the rule is ``!``-marked), splice the children of inlined ``_rules``, insert
  ``None`` for absent ``[optional]`` items, pass a single child through for ``?rules``, then call the
  builder method named after the rule's alias or name (or keep an Inline node for helper rules).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

FORMAT_VERSION = 2
END = "$END"


class Token(Protocol):
    type: str


@dataclass(frozen=True, slots=True)
class RulePlan:
    """How to reduce one grammar rule (see the module docstring)."""

    origin: str
    size: int
    include: tuple[tuple[int, bool, int], ...]  # (child index, splice its children, Nones before it)
    append_none: int
    expand1: bool
    callback: str


@dataclass(frozen=True, slots=True)
class Tables:
    actions: tuple[dict[str, int], ...]
    gotos: tuple[dict[str, int], ...]
    rules: tuple[RulePlan, ...]
    start_state: int
    end_state: int
    terminals: tuple[tuple[str, str, bool], ...]  # (name, literal text, case-insensitive) of string terminals


@dataclass(slots=True)
class Inline:
    """The value of a helper rule with no builder method: its children, to be spliced into the parent."""

    children: list[Any]


class ParseError(Exception):
    """No action for ``token`` in the current state; ``expected`` lists the terminals that had one."""

    def __init__(self, token: Any, expected: frozenset[str]) -> None:
        super().__init__(f"unexpected {token!r}")
        self.token = token
        self.expected = expected


def _analyse(grammar_text: str) -> Any:
    """lark's LALR analysis of the grammar (a lark.Lark object that is never asked to lex)."""
    import lark
    from lark.lexer import Lexer

    class ExternalTokens(Lexer):
        """Tokens come from engine.cql.lexer; lark only needs a lexer class to analyse the grammar."""

        def __init__(self, conf: object) -> None:
            self.conf = conf

        def lex(self, data: object) -> Any:  # type: ignore[override]
            raise TypeError("the CQL grammar is only analysed by lark, never run by it")

    return lark.Lark(grammar_text, parser="lalr", lexer=ExternalTokens, maybe_placeholders=True)


def build_tables(grammar_text: str) -> Tables:
    """Run lark's LALR analysis on the grammar and keep only what parsing needs."""
    from lark.lexer import PatternStr
    from lark.parsers.lalr_analysis import Shift

    parser = _analyse(grammar_text)
    table = parser.parser.parser.parser.parse_table
    rule_index = {rule: i for i, rule in enumerate(parser.rules)}
    actions: list[dict[str, int]] = []
    gotos: list[dict[str, int]] = []
    for state in range(len(table.states)):
        state_actions: dict[str, int] = {}
        state_gotos: dict[str, int] = {}
        for lark_symbol, (action, arg) in table.states[state].items():
            symbol = str(lark_symbol)  # lark names are str subclasses; plain str pickles without lark
            if action is Shift:
                if symbol.isupper() or symbol == END:  # terminals are upper-case, rules lower-case
                    state_actions[symbol] = arg
                else:
                    state_gotos[symbol] = arg
            else:
                state_actions[symbol] = -(rule_index[arg] + 1)
        actions.append(state_actions)
        gotos.append(state_gotos)
    rules = tuple(_plan(rule) for rule in parser.rules)
    terminals = tuple(
        (t.name, t.pattern.value, "i" in t.pattern.flags)
        for t in parser.terminals
        if isinstance(t.pattern, PatternStr)
    )
    return Tables(
        tuple(actions), tuple(gotos), rules, table.start_states["start"], table.end_states["start"], terminals
    )


def _plan(rule: Any) -> RulePlan:
    # Mirrors lark.parse_tree_builder.maybe_create_child_filter for LALR with placeholders.
    expansion = rule.expansion
    flags = rule.options.empty_indices
    if flags:
        ones = "".join(str(int(b)) for b in flags).split("0")
        empty = [len(x) for x in ones]
    else:
        empty = [0] * (len(expansion) + 1)
    include = []
    nones = 0
    for i, symbol in enumerate(expansion):
        nones += empty[i]
        if rule.options.keep_all_tokens or not (symbol.is_term and symbol.filter_out):
            splice = not symbol.is_term and symbol.name.startswith("_")
            include.append((i, splice, nones))
            nones = 0
    nones += empty[len(expansion)]
    callback = str(rule.alias or rule.options.template_source or rule.origin.name)
    return RulePlan(
        origin=str(rule.origin.name),
        size=len(expansion),
        include=tuple(include),
        append_none=nones,
        expand1=bool(rule.options.expand1 and not rule.alias),
        callback=callback,
    )


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cqlkit"


def load_tables(grammar_text: str) -> Tables:
    """The tables for this grammar: from the cache file, or built (with lark) and cached."""
    import importlib.metadata

    try:
        lark_version = importlib.metadata.version("lark")
    except importlib.metadata.PackageNotFoundError:
        lark_version = "unknown"
    key = hashlib.sha256(f"{FORMAT_VERSION}\0{lark_version}\0{grammar_text}".encode()).hexdigest()[:24]
    for directory in (_cache_dir(), Path(tempfile.gettempdir()) / "cqlkit-cache"):
        path = directory / f"cql-tables-{key}.pickle"
        try:
            with path.open("rb") as f:
                tables = pickle.load(f)
            if isinstance(tables, Tables):
                return tables
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
            pass
    tables = build_tables(grammar_text)
    for directory in (_cache_dir(), Path(tempfile.gettempdir()) / "cqlkit-cache"):
        try:
            directory.mkdir(parents=True, exist_ok=True)
            tmp = directory / f".cql-tables-{key}.{os.getpid()}.tmp"
            with tmp.open("wb") as f:
                pickle.dump(tables, f, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(directory / f"cql-tables-{key}.pickle")
            break
        except OSError:
            continue  # an unwritable cache only costs the next process the analysis again
    return tables


class Parser:
    """Runs the tables over a token stream, calling ``builder``'s methods as rules are reduced."""

    def __init__(self, tables: Tables, builder: object) -> None:
        self.tables = tables
        self._reducers = tuple(self._reducer(plan, builder) for plan in tables.rules)

    @staticmethod
    def _reducer(plan: RulePlan, builder: object) -> Callable[[list[Any]], Any]:
        method = getattr(builder, plan.callback, None)
        include, append_none, expand1, size = plan.include, plan.append_none, plan.expand1, plan.size
        identity = append_none == 0 and len(include) == size and all(not s and n == 0 for _, s, n in include)

        def build(children: list[Any]) -> Any:
            if expand1 and len(children) == 1:
                return children[0]
            if method is None:
                return Inline(children)
            return method(*children)

        if identity:
            return build

        def reduce(values: list[Any]) -> Any:
            children: list[Any] = []
            for index, splice, nones in include:
                if nones:
                    children.extend([None] * nones)
                if splice:
                    children.extend(values[index].children)
                else:
                    children.append(values[index])
            if append_none:
                children.extend([None] * append_none)
            return build(children)

        return reduce

    def parse(
        self,
        tokens: list[Any],
        end_token: Callable[[], Any],
        refine: Callable[[list[Any], int, dict[str, int]], None] | None = None,
        refine_types: frozenset[str] = frozenset(),
    ) -> Any:
        """Parse ``tokens`` (objects with a ``type``) and return the start rule's value.

        For a token whose type is in ``refine_types``, ``refine(tokens, index, actions)`` is called first
        with the actions of the current state, and may change the token's type (context-dependent tokens).
        Raises ParseError at the first token with no action; at the end of input the token passed to
        ParseError is ``end_token()``, whose ``type`` is ``$END``.
        """
        actions = self.tables.actions
        gotos = self.tables.gotos
        reducers = self._reducers
        rules = self.tables.rules
        states = [self.tables.start_state]
        values: list[Any] = []
        for index, token in enumerate(tokens):
            if refine is not None and token.type in refine_types:
                refine(tokens, index, actions[states[-1]])
            type_ = token.type
            while True:
                code = actions[states[-1]].get(type_)
                if code is None:
                    raise ParseError(token, frozenset(actions[states[-1]]))
                if code >= 0:
                    states.append(code)
                    values.append(token)
                    break
                plan = rules[-code - 1]
                size = plan.size
                if size:
                    args = values[-size:]
                    del values[-size:]
                    del states[-size:]
                else:
                    args = []
                values.append(reducers[-code - 1](args))
                states.append(gotos[states[-1]][plan.origin])
        end_state = self.tables.end_state
        while True:
            code = actions[states[-1]].get(END)
            if code is None:
                raise ParseError(end_token(), frozenset(actions[states[-1]]))
            if code >= 0:
                return values[-1]
            plan = rules[-code - 1]
            size = plan.size
            if size:
                args = values[-size:]
                del values[-size:]
                del states[-size:]
            else:
                args = []
            values.append(reducers[-code - 1](args))
            states.append(gotos[states[-1]][plan.origin])
            if states[-1] == end_state:
                return values[-1]


def shift_reduce_conflicts(grammar_text: str) -> set[tuple[str, str]]:
    """The grammar's shift/reduce conflicts as (terminal, rule that would be reduced).

    lark settles each by shifting; the grammar relies on that in a few documented places, and the
    tests pin the list so that a new conflict is a decision, not an accident.
    """
    from lark.parsers.lalr_analysis import LALR_Analyzer

    analyzer = LALR_Analyzer(_analyse(grammar_text).parser.parser_conf)
    analyzer.compute_lr0_states()
    analyzer.compute_reads_relations()
    analyzer.compute_includes_lookback()
    analyzer.compute_lookaheads()
    conflicts = set()
    for state in analyzer.lr0_itemsets:
        shiftable = {item.next.name for item in state.closure if not item.is_satisfied and item.next.is_term}
        for lookahead, rules in state.lookaheads.items():
            if lookahead.name in shiftable:
                conflicts.update((str(lookahead.name), str(rule)) for rule in rules)
    return conflicts
