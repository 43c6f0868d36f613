"""Generated CQL for the fuzz tests: the golden scripts' statements, mutated token by token.

The corpus is every statement of ``tests/golden/**/*.test`` (hundreds of statements covering DDL, DML,
queries, functions, types, batches, LWTs and DESCRIBE), grouped by file so each file's schema can be set
up before its statements are mutated. A mutation works on the statement's tokens (``engine.cql.lexer``):
delete, duplicate, swap neighbours, replace one with a keyword, a literal of another type, punctuation or
a name, cut the statement short, or insert random characters — so most mutants get past the lexer and
deep into the parser, the preparation checks and execution.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

from engine.cql.lexer import scan
from engine.cql.lexicon import KEYWORDS
from engine.cql.splitter import split_statements

GOLDEN = Path(__file__).resolve().parents[1] / "golden"

LITERALS = (
    "0",
    "-1",
    "2147483648",
    "9223372036854775808",
    "1.5e308",
    "NaN",
    "-Infinity",
    "'text'",
    "''",
    "'it''s'",
    "0x",
    "0xdeadbeef",
    "true",
    "null",
    "1h30m",
    "P1Y2M",
    "2024-01-01",
    "'2024-13-45 25:61:61'",
    "123e4567-e89b-12d3-a456-426614174000",
    "now()",
    "[1, 2]",
    "{1, 2}",
    "{'a': 1}",
    "(1, 'a')",
    "{a: 1}",
    "?",
    ":name",
    "$$ body $$",
)
PUNCTUATION = ("(", ")", ",", ";", ".", "=", "<", ">=", "[", "]", "{", "}", ":", "+", "-", "*", "?")
NAMES = ("k", "v", "t", "ks", "system", '"Quoted"', "token", "writetime", "ttl", "count")


def corpus() -> list[tuple[Path, list[str]]]:
    """Every golden file's statements, in order."""
    out = []
    for path in sorted(GOLDEN.rglob("*.test")):
        lines = []
        for line in path.read_text().splitlines():
            if line.startswith("> ") or line.startswith("!> "):
                lines.append(line.split("> ", 1)[1])
        statements = [s.text for s in split_statements("\n".join(lines)) if s.terminated]
        if statements:
            out.append((path, statements))
    return out


_KEYWORDS = sorted(KEYWORDS)


def mutate(statement: str, rng: random.Random) -> str:
    tokens, _ = scan(statement, keep_hidden=False)
    pieces = [statement[t.start : t.end] for t in tokens]
    if not pieces:
        return statement
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(pieces))
        kind = rng.randrange(9)
        if kind == 0 and len(pieces) > 1:
            del pieces[i]
        elif kind == 1:
            pieces.insert(i, pieces[i])
        elif kind == 2 and i + 1 < len(pieces):
            pieces[i], pieces[i + 1] = pieces[i + 1], pieces[i]
        elif kind == 3:
            pieces[i] = rng.choice(_KEYWORDS).upper()
        elif kind == 4:
            pieces[i] = rng.choice(LITERALS)
        elif kind == 5:
            pieces[i] = rng.choice(PUNCTUATION)
        elif kind == 6:
            pieces[i] = rng.choice(NAMES)
        elif kind == 7:
            pieces = pieces[: max(1, i)]
        else:
            pieces.insert(
                i, "".join(rng.choice("'\"$-/*(){}[];:,.?\\\x00é") for _ in range(rng.randint(1, 4)))
            )
        if not pieces:
            pieces = ["SELECT"]
    return " ".join(pieces)


def mutants(statements: list[str], count: int, rng: random.Random) -> Iterator[str]:
    for _ in range(count):
        yield mutate(rng.choice(statements), rng)
