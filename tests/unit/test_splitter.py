"""Tests for engine.cql.splitter: where CQL statements end, as cqlsh decides it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.cql.splitter import StatementText, is_complete, split_statements

SHELL_COMMANDS = frozenset({"consistency", "serial", "describe", "desc", "show", "source", "exit", "quit"})

Expected = list[tuple[str, int, int, bool]]


def split(text: str, line_commands: frozenset[str] = frozenset()) -> Expected:
    return [
        (s.text, s.line, s.column, s.terminated) for s in split_statements(text, line_commands=line_commands)
    ]


def offset_of(text: str, stmt: StatementText) -> int:
    """The input offset that a statement's (line, column) names, lines being separated by '\\n'."""
    lines = text.split("\n")
    return sum(len(line) + 1 for line in lines[: stmt.line - 1]) + stmt.column


CASES: dict[str, tuple[str, Expected]] = {
    # Plain statements, separators and positions.
    "single": ("SELECT * FROM t;", [("SELECT * FROM t", 1, 0, True)]),
    "no terminator": ("SELECT * FROM t", [("SELECT * FROM t", 1, 0, False)]),
    "trailing blanks stripped": ("SELECT 1   \n\t;", [("SELECT 1", 1, 0, True)]),
    "empty": ("", []),
    "blank": (" \n\t\r\n ", []),
    "only semicolons": (";;;", []),
    "empty statements skipped": (
        "SELECT 1;;; ;\n; SELECT 2;",
        [("SELECT 1", 1, 0, True), ("SELECT 2", 2, 2, True)],
    ),
    "several per line": (
        "USE ks; SELECT a FROM t;  INSERT INTO t (a) VALUES (1);",
        [
            ("USE ks", 1, 0, True),
            ("SELECT a FROM t", 1, 8, True),
            ("INSERT INTO t (a) VALUES (1)", 1, 26, True),
        ],
    ),
    "multi-line statement": (
        "\n  SELECT a,\n         b\n  FROM t\n;",
        [("SELECT a,\n         b\n  FROM t", 2, 2, True)],
    ),
    # Strings, quoted identifiers and $$ strings hide ';'.
    "string with semicolon": (
        "INSERT INTO t (a) VALUES ('x; y');SELECT 1;",
        [("INSERT INTO t (a) VALUES ('x; y')", 1, 0, True), ("SELECT 1", 1, 34, True)],
    ),
    "doubled quote escape": (
        "SELECT * FROM t WHERE a = 'it''s; ok'; SELECT 2;",
        [("SELECT * FROM t WHERE a = 'it''s; ok'", 1, 0, True), ("SELECT 2", 1, 39, True)],
    ),
    "string ending in escaped quote": (
        "SELECT 'a''';SELECT '''';",
        [("SELECT 'a'''", 1, 0, True), ("SELECT ''''", 1, 13, True)],
    ),
    "string spanning lines": ("SELECT 'a;\nb';", [("SELECT 'a;\nb'", 1, 0, True)]),
    "quoted identifier": (
        'SELECT "we;ird""name" FROM "T;";x;',
        [('SELECT "we;ird""name" FROM "T;"', 1, 0, True), ("x", 1, 32, True)],
    ),
    "dollar string": (
        "CREATE FUNCTION f(a int) RETURNS NULL ON NULL INPUT RETURNS int LANGUAGE java\n"
        "AS $$ return a; $$;\nSELECT f(1) FROM t;",
        [
            (
                "CREATE FUNCTION f(a int) RETURNS NULL ON NULL INPUT RETURNS int LANGUAGE java\n"
                "AS $$ return a; $$",
                1,
                0,
                True,
            ),
            ("SELECT f(1) FROM t", 3, 0, True),
        ],
    ),
    "dollar string with quotes, lone $ and newlines": (
        'INSERT INTO t (s) VALUES ($$ it\'s "q"; $5 -- no\n /* no */ $$);',
        [('INSERT INTO t (s) VALUES ($$ it\'s "q"; $5 -- no\n /* no */ $$)', 1, 0, True)],
    ),
    "lone dollar, slash and minus are plain": (
        "SELECT a - 1, b / 2, $x FROM t;",
        [("SELECT a - 1, b / 2, $x FROM t", 1, 0, True)],
    ),
    # Comments hide ';' and quotes; inner comments stay in the text.
    "dash comment": (
        "SELECT 1; -- don't; stop\nSELECT 2;",
        [("SELECT 1", 1, 0, True), ("SELECT 2", 2, 0, True)],
    ),
    "slash comment": (
        "// it's; \"here\nSELECT 2; // trailing; '",
        [("SELECT 2", 2, 0, True)],
    ),
    "block comment": (
        "/* one; 'two\n   \"three; */ SELECT 1;",
        [("SELECT 1", 2, 14, True)],
    ),
    "block comments are not nested": ("/* a /* b */ SELECT 1;", [("SELECT 1", 1, 13, True)]),
    "comments inside kept verbatim": (
        "SELECT a, -- first; 'x\n  b /* ; */ FROM t // end;\n;",
        [("SELECT a, -- first; 'x\n  b /* ; */ FROM t // end;", 1, 0, True)],
    ),
    "statement after comments on later lines": (
        "-- header\n/* block\n comment */\n\n    SELECT 1;",
        [("SELECT 1", 5, 4, True)],
    ),
    "comment-only statement is dropped": ("/* x */ ; -- y\n;", []),
    # BATCH blocks.
    "batch": (
        "BEGIN BATCH INSERT INTO t (a) VALUES (1); UPDATE t SET b = 2 WHERE a = 1; APPLY BATCH;",
        [
            (
                "BEGIN BATCH INSERT INTO t (a) VALUES (1); UPDATE t SET b = 2 WHERE a = 1; APPLY BATCH",
                1,
                0,
                True,
            )
        ],
    ),
    "unlogged batch then statement": (
        "BEGIN UNLOGGED BATCH\n  INSERT INTO t (a) VALUES (1);\nAPPLY BATCH;\nSELECT * FROM t;",
        [
            ("BEGIN UNLOGGED BATCH\n  INSERT INTO t (a) VALUES (1);\nAPPLY BATCH", 1, 0, True),
            ("SELECT * FROM t", 4, 0, True),
        ],
    ),
    "counter batch": (
        "BEGIN COUNTER BATCH UPDATE c SET n = n + 1 WHERE k = 1; APPLY BATCH;",
        [("BEGIN COUNTER BATCH UPDATE c SET n = n + 1 WHERE k = 1; APPLY BATCH", 1, 0, True)],
    ),
    "logged batch": (
        "BEGIN LOGGED BATCH DELETE FROM t WHERE a = 1; APPLY BATCH;",
        [("BEGIN LOGGED BATCH DELETE FROM t WHERE a = 1; APPLY BATCH", 1, 0, True)],
    ),
    "batch using timestamp": (
        "BEGIN BATCH USING TIMESTAMP 1234\n INSERT INTO t (a) VALUES (1);\n INSERT INTO t (a) VALUES (2);\n"
        "APPLY BATCH;",
        [
            (
                "BEGIN BATCH USING TIMESTAMP 1234\n INSERT INTO t (a) VALUES (1);\n"
                " INSERT INTO t (a) VALUES (2);\nAPPLY BATCH",
                1,
                0,
                True,
            )
        ],
    ),
    "lower-case batch with comments between keywords": (
        "  begin /* b; */ unlogged -- u;\n batch\ninsert into t (a) values (';');\napply\n-- ;\nbatch ;",
        [
            (
                "begin /* b; */ unlogged -- u;\n batch\ninsert into t (a) values (';');\napply\n-- ;\nbatch",
                1,
                2,
                True,
            )
        ],
    ),
    "APPLY BATCH in strings and comments does not end a batch": (
        "BEGIN BATCH INSERT INTO t (a) VALUES ('APPLY BATCH'); -- APPLY BATCH\n; APPLY BATCH;",
        [("BEGIN BATCH INSERT INTO t (a) VALUES ('APPLY BATCH'); -- APPLY BATCH\n; APPLY BATCH", 1, 0, True)],
    ),
    "batch without final semicolon": (
        "BEGIN BATCH INSERT INTO t (a) VALUES (1); APPLY BATCH",
        [("BEGIN BATCH INSERT INTO t (a) VALUES (1); APPLY BATCH", 1, 0, False)],
    ),
    "BEGIN only counts as first word": (
        "SELECT begin, batch FROM t; INSERT INTO t (a) VALUES (1);",
        [("SELECT begin, batch FROM t", 1, 0, True), ("INSERT INTO t (a) VALUES (1)", 1, 28, True)],
    ),
    "BEGIN without BATCH is an ordinary statement": (
        "BEGIN UNLOGGED; SELECT 1;",
        [("BEGIN UNLOGGED", 1, 0, True), ("SELECT 1", 1, 16, True)],
    ),
    # Input that ends inside an element: the rest is one incomplete piece, kept as is.
    "unterminated string": (
        "SELECT 1; INSERT INTO t (a) VALUES ('abc;\n  ",
        [("SELECT 1", 1, 0, True), ("INSERT INTO t (a) VALUES ('abc;\n  ", 1, 10, False)],
    ),
    "unterminated quoted identifier": ('SELECT "a;b', [('SELECT "a;b', 1, 0, False)]),
    "unterminated dollar string": ("AS $$ x; $ ", [("AS $$ x; $ ", 1, 0, False)]),
    "unterminated block comment in statement": ("SELECT 1 /* ; \n", [("SELECT 1 /* ; \n", 1, 0, False)]),
    "unclosed block comment alone is no statement": ("SELECT 1; /* ;", [("SELECT 1", 1, 0, True)]),
    # Line endings and unicode.
    "crlf": (
        "SELECT 1;\r\n-- c\r\n  SELECT\r\n 2;\r\n",
        [("SELECT 1", 1, 0, True), ("SELECT\r\n 2", 3, 2, True)],
    ),
    "lone carriage return is not a line break": (
        "SELECT 1;\r SELECT 2;",
        [("SELECT 1", 1, 0, True), ("SELECT 2", 1, 11, True)],
    ),
    "unicode columns count code points": (
        "SELECT 'é;ü' FROM t; SELECT ñ;",
        [("SELECT 'é;ü' FROM t", 1, 0, True), ("SELECT ñ", 1, 21, True)],
    ),
}


@pytest.mark.parametrize(("text", "expected"), list(CASES.values()), ids=list(CASES))
def test_split(text: str, expected: Expected) -> None:
    assert split(text) == expected


LINE_COMMAND_CASES: dict[str, tuple[str, Expected]] = {
    "ends at newline": (
        "CONSISTENCY QUORUM\nSELECT * FROM t;",
        [("CONSISTENCY QUORUM", 1, 0, True), ("SELECT * FROM t", 2, 0, True)],
    ),
    "semicolon first": (
        "consistency one; SELECT * FROM t\n;",
        [("consistency one", 1, 0, True), ("SELECT * FROM t", 1, 17, True)],
    ),
    "several on one input": (
        "DESCRIBE KEYSPACES\ndesc tables\n\nSHOW VERSION\n",
        [("DESCRIBE KEYSPACES", 1, 0, True), ("desc tables", 2, 0, True), ("SHOW VERSION", 4, 0, True)],
    ),
    "end of input without newline is incomplete": (
        "SELECT 1;\nexit",
        [("SELECT 1", 1, 0, True), ("exit", 2, 0, False)],
    ),
    "crlf stripped": (
        "SERIAL CONSISTENCY SERIAL\r\nSELECT 1;",
        [("SERIAL CONSISTENCY SERIAL", 1, 0, True), ("SELECT 1", 2, 0, True)],
    ),
    "after leading comment": ("-- note\n  source 'a;b.cql'\n", [("source 'a;b.cql'", 2, 2, True)]),
    "newline inside string does not end it": (
        "SOURCE 'a\nb'\n",
        [("SOURCE 'a\nb'", 1, 0, True)],
    ),
    "trailing comment is kept": ("CONSISTENCY ONE -- why\n", [("CONSISTENCY ONE -- why", 1, 0, True)]),
    "only the first word counts": (
        "SELECT consistency\nFROM t;",
        [("SELECT consistency\nFROM t", 1, 0, True)],
    ),
    "prefix of a command word is not one": ("describes\nx;", [("describes\nx", 1, 0, True)]),
}


@pytest.mark.parametrize(
    ("text", "expected"), list(LINE_COMMAND_CASES.values()), ids=list(LINE_COMMAND_CASES)
)
def test_split_line_commands(text: str, expected: Expected) -> None:
    assert split(text, SHELL_COMMANDS) == expected


def test_line_commands_are_ordinary_statements_when_not_configured() -> None:
    assert split("CONSISTENCY ONE\nSELECT 1;") == [("CONSISTENCY ONE\nSELECT 1", 1, 0, True)]


def test_line_command_set_is_case_insensitive() -> None:
    assert split("exit\n", frozenset({"EXIT"})) == [("exit", 1, 0, True)]


COMPLETE_CASES: dict[str, tuple[str, bool]] = {
    "empty": ("", False),
    "blank": ("  \n ", False),
    "comment only": ("-- x;\n/* y; */", False),
    "semicolons only": (";;", False),
    "terminated": ("SELECT 1;", True),
    "trailing blanks and comments": ("SELECT 1; -- done\n  /* really */\n", True),
    "unterminated": ("SELECT 1", False),
    "second unterminated": ("SELECT 1; SELECT", False),
    "open string": ("SELECT ';", False),
    "open dollar string": ("AS $$ x;", False),
    "open block comment after statement": ("SELECT 1; /* ", False),
    "batch not applied": ("BEGIN BATCH INSERT INTO t (a) VALUES (1);", False),
    "batch applied": ("BEGIN BATCH INSERT INTO t (a) VALUES (1); APPLY BATCH;", True),
}


@pytest.mark.parametrize(("text", "expected"), list(COMPLETE_CASES.values()), ids=list(COMPLETE_CASES))
def test_is_complete(text: str, expected: bool) -> None:
    assert is_complete(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("consistency one\n", True), ("consistency one", False), ("SELECT 1;\nexit\n", True), ("exit", False)],
)
def test_is_complete_line_commands(text: str, expected: bool) -> None:
    assert is_complete(text, line_commands=SHELL_COMMANDS) is expected


@pytest.mark.parametrize(
    "text",
    [
        "'",
        '"',
        "$",
        "$$",
        "$$$",
        "/",
        "-",
        "*",
        "/*",
        "*/",
        "--",
        "//",
        "\\",
        "\r",
        "\n",
        "''''",
        "a;'",
        "\x00;",
    ],
)
def test_odd_fragments_never_raise(text: str) -> None:
    for stmt in split_statements(text, line_commands=SHELL_COMMANDS):
        assert stmt.text
    is_complete(text, line_commands=SHELL_COMMANDS)


# Characters that stress the lexer, mixed with arbitrary unicode.
_tricky_chars = st.one_of(st.sampled_from(list(";'\"$-/*\n\r\t ")), st.characters())


@given(
    values=st.lists(st.text(alphabet=_tricky_chars, max_size=20), min_size=1, max_size=8),
    terminate_last=st.booleans(),
)
def test_round_trip_of_simple_statements(values: list[str], terminate_last: bool) -> None:
    quoted = [value.replace("'", "''") for value in values]
    statements = [f"SELECT * FROM t{n} WHERE a = '{value}'" for n, value in enumerate(quoted)]
    text = ";\n".join(statements) + (";" if terminate_last else "")
    found = split_statements(text)
    assert [s.text for s in found] == statements
    assert [s.terminated for s in found] == [True] * (len(statements) - 1) + [terminate_last]
    for stmt in found:
        assert text[offset_of(text, stmt) :].startswith(stmt.text)
    assert is_complete(text) is terminate_last


_tricky_pieces = _tricky_chars | st.sampled_from(
    ["BEGIN BATCH ", "APPLY BATCH", "exit", "$$", "--", "/*", "*/"]
)


@given(text=st.lists(_tricky_pieces, max_size=40).map("".join))
def test_arbitrary_text_never_raises_and_positions_are_exact(text: str) -> None:
    found = split_statements(text, line_commands=SHELL_COMMANDS)
    for stmt in found:
        assert stmt.text
        assert text[offset_of(text, stmt) :].startswith(stmt.text)
    assert all(s.terminated for s in found[:-1])
    if is_complete(text, line_commands=SHELL_COMMANDS):
        assert found
        assert found[-1].terminated
