"""Which schema names fit where the grammar expects a name, judged from the words before it.

The grammar says *that* a name may come; the keyword before it says *which* (see the package docstring).
Names that CQL would read differently unquoted (upper case, punctuation, reserved keywords) are offered
double-quoted. After ``CREATE TABLE``, ``CREATE KEYSPACE`` and the like the name is new, so none is
offered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Protocol

from engine.cql.lexer import Token, TokenKind
from engine.cql.lexicon import RESERVED_KEYWORDS

_PLAIN = re.compile(r"[a-z][a-z0-9_]*")
_TABLE_WORDS = frozenset({"FROM", "INTO", "UPDATE", "TABLE", "COLUMNFAMILY", "TRUNCATE"})
_SKIPPED = frozenset({"IF", "NOT", "EXISTS"})
_STATEMENT_TABLE = frozenset({"FROM", "UPDATE", "INTO"})
#: option names after WITH/AND in CREATE/ALTER KEYSPACE and TABLE (the options Cassandra 5.0 knows)
KEYSPACE_OPTIONS = ("durable_writes", "replication")
TABLE_OPTIONS = (
    "additional_write_policy",
    "allow_auto_snapshot",
    "bloom_filter_fp_chance",
    "caching",
    "cdc",
    "comment",
    "compaction",
    "compression",
    "crc_check_chance",
    "default_time_to_live",
    "gc_grace_seconds",
    "incremental_backups",
    "max_index_interval",
    "memtable",
    "memtable_flush_period_in_ms",
    "min_index_interval",
    "read_repair",
    "speculative_retry",
)


class ColumnLike(Protocol):
    name: str


class TableLike(Protocol):
    @property
    def columns(self) -> Sequence[ColumnLike]: ...


class KeyspaceLike(Protocol):
    @property
    def tables(self) -> Mapping[str, TableLike]: ...

    @property
    def views(self) -> Mapping[str, TableLike]: ...

    @property
    def types(self) -> Mapping[str, object]: ...


class SchemaLike(Protocol):
    """What completion reads of a schema (``engine.schema.metadata.Schema`` has it)."""

    @property
    def keyspaces(self) -> Mapping[str, KeyspaceLike]: ...


def quoted(name: str) -> str:
    """``name`` as it must be typed: double-quoted unless it reads back unchanged without quotes."""
    if _PLAIN.fullmatch(name) and name not in RESERVED_KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def _name(token: Token) -> str | None:
    if token.kind is TokenKind.QUOTED_NAME:
        return token.text
    if token.kind is TokenKind.IDENT:
        return token.text.lower()
    return None


def _word(token: Token) -> str:
    return token.text.upper() if token.kind is TokenKind.IDENT else token.text


def name_candidates(tokens: Sequence[Token], schema: SchemaLike | None, keyspace: str | None) -> list[str]:
    """Names that may stand where the grammar expects one after ``tokens``."""
    if schema is None or not tokens:
        return []
    first = _word(tokens[0])
    # A qualified name: `ks.` followed by the table or type being typed.
    if len(tokens) >= 2 and tokens[-1].text == "." and tokens[-1].kind is TokenKind.PUNCT:
        qualifier = _name(tokens[-2])
        trigger = _trigger(tokens[:-2])
        if qualifier is None or first == "CREATE" or qualifier not in schema.keyspaces:
            return []
        ks = schema.keyspaces[qualifier]
        if trigger == "TYPE":
            return sorted(quoted(n) for n in ks.types)
        if trigger in _TABLE_WORDS or trigger == "ON":
            return sorted(quoted(n) for n in (*ks.tables, *ks.views))
        return []
    trigger = _trigger(tokens)
    if first in ("CREATE", "ALTER") and trigger in ("WITH", "AND"):
        return _options(tokens)
    if first == "CREATE" and trigger != "ON":
        return []
    if trigger in ("USE", "KEYSPACE"):
        return sorted(quoted(n) for n in schema.keyspaces)
    if trigger in _TABLE_WORDS or (trigger == "ON" and first == "CREATE"):
        return _tables(schema, keyspace)
    if trigger == "TYPE":
        ks = schema.keyspaces.get(keyspace) if keyspace is not None else None
        local = sorted(quoted(n) for n in ks.types) if ks is not None else []
        return local + sorted(quoted(n) + "." for n in schema.keyspaces)
    if trigger in ("DESCRIBE", "DESC") and len(tokens) == 1:
        return sorted(quoted(n) for n in schema.keyspaces) + _tables(schema, keyspace, prefixes=False)
    return _columns(tokens, schema, keyspace)


def _options(tokens: Sequence[Token]) -> list[str]:
    words = {_word(t) for t in tokens[:3]}
    if "KEYSPACE" in words or "SCHEMA" in words:
        return list(KEYSPACE_OPTIONS)
    if words & {"TABLE", "COLUMNFAMILY", "MATERIALIZED"}:
        return list(TABLE_OPTIONS)
    return []


def _trigger(tokens: Sequence[Token]) -> str:
    """The keyword that decides the kind of name: the last word, looking past IF [NOT] EXISTS."""
    for token in reversed(tokens):
        word = _word(token)
        if word not in _SKIPPED:
            return word
    return ""


def _tables(schema: SchemaLike, keyspace: str | None, *, prefixes: bool = True) -> list[str]:
    ks = schema.keyspaces.get(keyspace) if keyspace is not None else None
    local = sorted(quoted(n) for n in (*ks.tables, *ks.views)) if ks is not None else []
    if not prefixes:
        return local
    return local + sorted(quoted(n) + "." for n in schema.keyspaces)


def _columns(tokens: Sequence[Token], schema: SchemaLike, keyspace: str | None) -> list[str]:
    """The columns of the table the statement names after FROM, UPDATE or INTO, in schema order."""
    for i, token in enumerate(tokens[:-1]):
        if _word(token) not in _STATEMENT_TABLE:
            continue
        name = _name(tokens[i + 1])
        ks_name = keyspace
        if name is not None and i + 3 < len(tokens) and tokens[i + 2].text == ".":
            ks_name, name = name, _name(tokens[i + 3])
        if name is None or ks_name is None:
            continue
        ks = schema.keyspaces.get(ks_name)
        table = None if ks is None else (ks.tables.get(name) or ks.views.get(name))
        if table is not None:
            return [quoted(c.name) for c in table.columns]
    return []
