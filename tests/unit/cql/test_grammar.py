"""The grammar itself: its deliberate conflicts, its keyword sets, and its table cache."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from engine.cql import KEYWORDS, RESERVED_KEYWORDS, UNRESERVED_KEYWORDS, parse
from engine.cql.lalr import load_tables, shift_reduce_conflicts
from engine.cql.parser import GRAMMAR_PATH

# Each conflict is settled by shifting, and each shift is what Cassandra's parser does:
# - JSON/DISTINCT before `*`, `-`, `(`, `[`, AS: read as the SELECT keyword (Cassandra's syntactic predicate
#   `(K_JSON selectClause)=>` succeeds there), not as a column named json/distinct;
# - ttl/writetime/maxwritetime/cast before `(`: the special selector, not a function of that name
#   (Cassandra does not allow these names for functions);
# - KEY before `(` after CONTAINS: CONTAINS KEY with a tuple, `key(...)` is not a function;
# - `.` after a name among selectors: a field of that column, or a keyspace-qualified function when `(`
#   follows; both continue after the shift.
EXPECTED_CONFLICTS = {
    ("AS", "<unreserved_keyword : DISTINCT>"),
    ("AS", "<unreserved_keyword : JSON>"),
    ("DOT", "<sident : name>"),
    ("LPAR", "<unreserved_keyword : CAST>"),
    ("LPAR", "<unreserved_keyword : DISTINCT>"),
    ("LPAR", "<unreserved_keyword : JSON>"),
    ("LPAR", "<unreserved_keyword : KEY>"),
    ("LPAR", "<unreserved_keyword : MAXWRITETIME>"),
    ("LPAR", "<unreserved_keyword : TTL>"),
    ("LPAR", "<unreserved_keyword : WRITETIME>"),
    ("LSQB", "<unreserved_keyword : DISTINCT>"),
    ("LSQB", "<unreserved_keyword : JSON>"),
    ("MINUS", "<unreserved_keyword : DISTINCT>"),
    ("MINUS", "<unreserved_keyword : JSON>"),
    ("STAR", "<unreserved_keyword : DISTINCT>"),
    ("STAR", "<unreserved_keyword : JSON>"),
}


def test_only_the_deliberate_conflicts() -> None:
    assert shift_reduce_conflicts(GRAMMAR_PATH.read_text(encoding="utf-8")) == EXPECTED_CONFLICTS


def test_reserved_keywords_match_the_real_cqlsh() -> None:
    cqlhandling = pytest.importorskip("cqlshlib.cqlhandling")
    assert set(cqlhandling.cql_keywords_reserved) == RESERVED_KEYWORDS


def test_keyword_sets_partition() -> None:
    assert RESERVED_KEYWORDS | UNRESERVED_KEYWORDS == KEYWORDS
    assert not RESERVED_KEYWORDS & UNRESERVED_KEYWORDS
    assert {"select", "from", "where", "token"} <= RESERVED_KEYWORDS
    assert {"key", "ttl", "text", "json", "keyspaces", "vector", "ann"} <= UNRESERVED_KEYWORDS


@pytest.mark.parametrize("word", sorted(UNRESERVED_KEYWORDS))
def test_every_unreserved_keyword_is_a_column_name(word: str) -> None:
    (statement,) = parse(f"INSERT INTO t ({word}) VALUES (1)")
    assert statement.columns == (word,)  # type: ignore[attr-defined]


@pytest.mark.parametrize("word", sorted(RESERVED_KEYWORDS))
def test_no_reserved_keyword_is_a_column_name(word: str) -> None:
    with pytest.raises(Exception, match=r"^line \d+:\d+ "):
        parse(f"INSERT INTO t ({word}) VALUES (1)")
    (quoted,) = parse(f'INSERT INTO t ("{word}") VALUES (1)')
    assert quoted.columns == (word,)  # type: ignore[attr-defined]


def test_tables_are_cached_and_reloaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    grammar = GRAMMAR_PATH.read_text(encoding="utf-8")
    built = load_tables(grammar)
    (cache_file,) = (tmp_path / "cqlkit").glob("cql-tables-*.pickle")
    assert load_tables(grammar) == built
    # A damaged cache file is rebuilt, not trusted (lark may number states differently on each analysis,
    # so the rebuilt tables are compared by shape), and the rebuilt tables are what the cache holds next.
    cache_file.write_bytes(b"not a pickle")
    rebuilt = load_tables(grammar)
    assert len(rebuilt.actions) == len(built.actions) and rebuilt.terminals == built.terminals
    assert pickle.loads(cache_file.read_bytes()) == rebuilt == load_tables(grammar)
    # Another grammar text uses another file.
    load_tables(grammar + "\n// changed\n")
    assert len(list((tmp_path / "cqlkit").glob("cql-tables-*.pickle"))) == 2
