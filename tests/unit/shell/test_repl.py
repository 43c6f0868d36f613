"""The interactive loop without a terminal: banner, prompts, continuation, Ctrl-D, history entries.

``run_repl`` is driven through its plain reader (prompts written to stdout, lines read from a stream),
which is what ``cqlkit cqlsh -t`` uses when stdin is not a terminal; the prompt_toolkit reader is
exercised in a pty by tests/integration/shell.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from shell.connection.embedded import EmbeddedConnection
from shell.repl import HINT_PROMPT, PlainReader, Prompts, ReadlineHistory, banner, run_repl
from shell.session_state import ShellState

BANNER = (
    "Connected to cluster at 127.0.0.1:9042\n"
    "[cqlsh 6.2.0 | Cassandra 5.0.0 | CQL spec 3.4.7 | Native protocol v5]\n"
    "Use HELP for help.\n"
)


@pytest.fixture(scope="module")
def connection(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedConnection]:
    conn = EmbeddedConnection(tmp_path_factory.mktemp("repl") / "cluster")
    for statement in (
        "CREATE KEYSPACE social WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
        "CREATE TABLE social.users (id int PRIMARY KEY, name text)",
        "INSERT INTO social.users (id, name) VALUES (1, 'ada')",
        "CREATE TABLE social.pages (p int, n int, PRIMARY KEY (p, n))",
        "INSERT INTO social.pages (p, n) VALUES (0, 1)",
        "INSERT INTO social.pages (p, n) VALUES (0, 2)",
        "INSERT INTO social.pages (p, n) VALUES (0, 3)",
    ):
        list(conn.execute(statement))
    yield conn
    conn.close()


@pytest.fixture(autouse=True)
def no_custom_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CQLSH_PROMPT", raising=False)


def session(
    connection: EmbeddedConnection, typed: str, state: ShellState | None = None
) -> tuple[str, str, int]:
    """Type ``typed`` into a fresh REPL; returns what the terminal shows on stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    reader = PlainReader(io.StringIO(typed), out)
    code = run_repl(connection, io.StringIO(), out, err, state=state or ShellState(), reader=reader)
    if connection.keyspace is not None:
        connection.session = connection.cluster.connect()  # leave the shared session outside any keyspace
    return out.getvalue(), err.getvalue(), code


def test_banner(connection: EmbeddedConnection) -> None:
    assert banner(connection, color=False) == BANNER
    assert banner(connection, color=True).startswith(
        "Connected to \x1b[0;1;34mcluster\x1b[0m at 127.0.0.1:9042\n"
    )


def test_prompt_result_and_eof(connection: EmbeddedConnection) -> None:
    out, err, code = session(connection, "SELECT name FROM social.users;\n")
    assert out == BANNER + "cqlsh> \n name\n------\n  ada\n\n(1 rows)\ncqlsh> \n"
    assert (err, code) == ("", 0)


def test_multi_line_statement_and_keyspace_prompts(connection: EmbeddedConnection) -> None:
    out, _, _ = session(connection, "USE social;\nSELECT name\nFROM users\n;\nSELECT\n")
    assert out == BANNER + (
        "cqlsh> "
        "cqlsh:social> "
        "          ... "  # len('social') spaces, then '    ... '
        "          ... "
        "\n name\n------\n  ada\n\n(1 rows)\n"
        "cqlsh:social> "
        "          ... "
        "\n"
    )


def test_continuation_without_keyspace_and_the_hint_after_three_empty_lines(
    connection: EmbeddedConnection,
) -> None:
    out, _, _ = session(connection, "SELECT\n\n\n\n\n;\n")
    prompts = out[len(BANNER) :]
    assert prompts.startswith("cqlsh> " + "   ... " * 4 + HINT_PROMPT + "cqlsh> ")


def test_errors_are_not_prefixed_and_do_not_change_the_exit_status(connection: EmbeddedConnection) -> None:
    _, err, code = session(connection, "SELECT * FROM nope;\nCONSISTENCY FOO\n")
    assert err == (
        'InvalidRequest: Error from server: code=2200 [Invalid query] message="No keyspace has been specified. '
        'USE a keyspace, or explicitly specify keyspace.tablename"\n'
        "Improper CONSISTENCY command.\n"
    )
    assert code == 0


def test_incomplete_statement_at_eof(connection: EmbeddedConnection) -> None:
    out, err, _ = session(connection, "SELECT name\n")
    assert out.endswith("cqlsh>    ... \n")
    assert err == "Incomplete statement at end of file\n"


def test_exit_and_login_prompt(connection: EmbeddedConnection) -> None:
    out, _, _ = session(connection, "LOGIN bob 'pw'\nUSE social;\nEXIT\nSELECT 1;\n")
    assert out == BANNER + "cqlsh> bob@cqlsh> bob@cqlsh:social> "


def test_custom_prompt(connection: EmbeddedConnection, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CQLSH_PROMPT", "prod")
    out, _, _ = session(connection, "SELECT\n;\n")
    assert out.startswith(BANNER + "prod\ncqlsh>    ... ")


def test_history_lists_what_was_typed(connection: EmbeddedConnection) -> None:
    out, _, _ = session(connection, "CONSISTENCY\nSELECT name\nFROM social.users;\nHISTORY\n")
    assert out.endswith(
        "CONSISTENCY\nSELECT name\nFROM social.users;\nSELECT name FROM social.users;\ncqlsh> \n"
    )


def test_long_results_pause_between_pages(connection: EmbeddedConnection) -> None:
    out, _, _ = session(connection, "PAGING 2\nSELECT n FROM social.pages WHERE p = 0;\n\n")
    assert out == BANNER + (
        "cqlsh> Page size: 2\ncqlsh> \n n\n---\n 1\n 2\n\n---MORE--- n\n---\n 3\n\n(3 rows)\ncqlsh> \n"
    )


def test_eof_at_more_leaves(connection: EmbeddedConnection) -> None:
    out, err, code = session(connection, "PAGING 2\nSELECT n FROM social.pages WHERE p = 0;\n")
    assert out.endswith("\n 1\n 2\n\n---MORE---\n")
    assert (err, code) == ("", 0)


def test_prompts_count_empty_lines_as_cqlsh_does() -> None:
    prompts = Prompts(custom="")
    assert prompts.main(None, None) == "cqlsh> "
    assert prompts.main("ks", "me") == "me@cqlsh:ks> "
    shown = [prompts.continuation("ks", line) for line in ("SELECT", "", "", "", "", "x")]
    assert shown == ["      ... "] * 4 + [HINT_PROMPT, "      ... "]


def test_readline_history_file(tmp_path: Path) -> None:
    path = tmp_path / "cqlsh_history"
    path.write_text("SELECT 1;\nUSE ks;\n")
    history = ReadlineHistory(str(path))
    assert history.get_strings() == ["SELECT 1;", "USE ks;"]
    history.append_string("SELECT *\nFROM t;")
    assert path.read_text() == "SELECT 1;\nUSE ks;\nSELECT * FROM t;\n"
    assert ReadlineHistory(str(tmp_path / "none")).get_strings() == []
