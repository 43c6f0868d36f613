"""CQL's keywords, read from the grammar: which words are keywords and which of them are reserved.

Every case-insensitive string in ``grammar/cql.lark`` is a keyword. A keyword is *unreserved* when the
grammar lets it stand for a name (it appears in ``unreserved_keyword`` or what that rule includes);
every other keyword is *reserved* and must be double-quoted to be used as a name, as in Cassandra.
The shell's highlighting and completion use these sets; ``render_name`` uses RESERVED_KEYWORDS to know
when a name needs quotes.
"""

from __future__ import annotations

import re
from pathlib import Path

GRAMMAR_PATH = Path(__file__).parent / "grammar" / "cql.lark"

_RULE = re.compile(r"^!?\??([a-z_]+):(.*?)(?=^\S)", re.MULTILINE | re.DOTALL)
_KEYWORD = re.compile(r'"([a-z_(-]+)"i')


def _read() -> tuple[frozenset[str], frozenset[str]]:
    text = GRAMMAR_PATH.read_text(encoding="utf-8")
    text = re.sub(r"//[^\n]*", "", text) + "\nend:"
    # `-nan` and `-infinity` are literals spelled like keywords, not words: they are not in these sets.
    keywords = frozenset(k for k in _KEYWORD.findall(text) if k.replace("_", "").isalpha())
    rules = {name: body for name, body in _RULE.findall(text)}
    return (
        keywords,
        frozenset(_rule_keywords(rules, "unreserved_keyword")),
        frozenset(_rule_keywords(rules, "basic_unreserved_keyword")),
    )


def _rule_keywords(rules: dict[str, str], rule: str) -> set[str]:
    """The keywords a rule accepts, following the *_keyword rules it includes."""
    found: set[str] = set()
    pending = [rule]
    while pending:
        body = rules[pending.pop()]
        found.update(_KEYWORD.findall(body))
        pending.extend(r for r in re.findall(r"\b([a-z_]+_keyword)\b", body) if r in rules)
    return found


KEYWORDS, UNRESERVED_KEYWORDS, BASIC_UNRESERVED_KEYWORDS = _read()
RESERVED_KEYWORDS: frozenset[str] = KEYWORDS - UNRESERVED_KEYWORDS
#: Keywords a user type may be named without quotes (Parser.g ``non_type_ident``).
TYPE_NAME_KEYWORDS: frozenset[str] = BASIC_UNRESERVED_KEYWORDS | {"key"}
