"""Malformed statements raise SyntaxException at Cassandra's line:column, worded as Cassandra words it."""

from __future__ import annotations

import pytest

from engine.cql import parse, parse_one
from engine.errors import ErrorCode, SyntaxException
from tests.unit.cql.corpus import BadCase, invalid_cases

CASES = invalid_cases()


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_error_position(case: BadCase) -> None:
    with pytest.raises(SyntaxException) as raised:
        parse_one(case.text)
    error = raised.value
    assert error.code is ErrorCode.SYNTAX_ERROR
    assert (error.line, error.column) == (case.line, case.column), str(error)
    assert str(error).startswith(f"line {case.line}:{case.column} ")
    assert f"input '{case.token}'" in str(error) or f"character '{case.token}'" in str(error), str(error)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELEC * FROM t", "line 1:0 no viable alternative at input 'SELEC' ([SELEC] *...)"),
        ("SELECT * FROM t WHERE", "line 0:-1 no viable alternative at input '<EOF>'"),
        ("SELECT * FROM t t2 x", "line 1:16 mismatched input 't2' expecting EOF (SELECT * FROM t [t2] x)"),
        (
            "INSERT INTO t (a) VALUE (1)",
            "line 1:18 mismatched input 'VALUE' expecting K_VALUES (INSERT INTO t (a) [VALUE] (...)",
        ),
        ("SELECT * FROM t;\nSELECT a\nFROM t LIMIT x", "line 3:13 no viable alternative at input 'x'"),
        ("SELECT 'abc FROM t", "line 1:18 mismatched character '<EOF>' expecting '''"),
        ("SELECT * FROM t /* never closed", "line 1:31 mismatched character '<EOF>' expecting '*'"),
        ("SELECT @ FROM t", "line 1:7 no viable alternative at character '@'"),
        (
            "CREATE TABLE select (a int PRIMARY KEY)",
            "line 1:13 no viable alternative at input 'select' (CREATE TABLE [select] (...)",
        ),
    ],
)
def test_exact_messages(text: str, message: str) -> None:
    with pytest.raises(SyntaxException) as raised:
        parse(text)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("UPDATE t SET a = b + 1 WHERE k = 0", "Only expressions of the form X = X +<value> are supported."),
        (
            "UPDATE t SET a = [1] + b WHERE k = 0",
            "Only expressions of the form X = <value> + X are supported.",
        ),
        ("UPDATE t SET a = 1, a = 2 WHERE k = 0", "Multiple incompatible setting of column a"),
        (
            "CREATE KEYSPACE k WITH durable_writes = true AND durable_writes = false",
            "Multiple definition for property durable_writes",
        ),
        ("CREATE TYPE byte (a int)", "Invalid (reserved) user type name byte"),
        (
            'CREATE USER "Bob"',
            "Quoted strings are are not supported for user names and USER is deprecated, please use ROLE",
        ),
        (
            "CREATE MATERIALIZED VIEW v AS SELECT * FROM t WHERE k IS NOT NULL PRIMARY KEY (k) WITH COMPACT STORAGE",
            "COMPACT STORAGE tables are not allowed starting with version 4.0",
        ),
        (
            "CREATE ROLE r WITH PASSWORD = 'a' AND HASHED PASSWORD = 'b'",
            "Options 'password' and 'hashed password' are mutually exclusive",
        ),
    ],
)
def test_parser_recognition_errors(text: str, message: str) -> None:
    with pytest.raises(SyntaxException) as raised:
        parse(text)
    assert str(raised.value) == message


def test_parse_one_refuses_a_second_statement() -> None:
    with pytest.raises(SyntaxException) as raised:
        parse_one("SELECT * FROM t; SELECT * FROM u")
    assert (
        str(raised.value)
        == "line 1:17 mismatched input 'SELECT' expecting EOF (SELECT * FROM t; [SELECT] *...)"
    )
    assert parse_one("SELECT * FROM t;;").table.name == "t"  # type: ignore[attr-defined]


def test_errors_do_not_poison_later_parses() -> None:
    with pytest.raises(SyntaxException):
        parse("SELECT * FROM")
    assert len(parse("SELECT * FROM t")) == 1
