"""cqlkit's EXPAND AUTO: rows in blocks when their table is wider than the terminal, tables otherwise."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator

import pytest

from shell.batch import Shell, terminal_size
from shell.connection.embedded import EmbeddedConnection
from shell.session_state import Expand, ShellState


@pytest.fixture(scope="module")
def connection(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedConnection]:
    conn = EmbeddedConnection(tmp_path_factory.mktemp("expand_auto") / "cluster")
    for statement in (
        "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
        "CREATE TABLE ks.t (p int, n int, note text, PRIMARY KEY (p, n))",
        "INSERT INTO ks.t (p, n, note) VALUES (0, 1, 'short')",
        "INSERT INTO ks.t (p, n, note) VALUES (0, 2, 'a rather longer note')",
        "INSERT INTO ks.t (p, n, note) VALUES (0, 3, 'x')",
    ):
        list(conn.execute(statement))
    yield conn
    conn.close()


def run(
    connection: EmbeddedConnection, text: str, state: ShellState, width: int | None, *, tty: bool = False
) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    size = os.terminal_size((width, 24)) if width is not None else None
    shell = Shell(connection, out, err, state=state, tty=tty, terminal=lambda: size)
    shell.run_text(text)
    return out.getvalue(), err.getvalue()


def test_the_switch_messages() -> None:
    state = ShellState()
    out, err = run(
        None,  # type: ignore[arg-type]  # no statement reaches the server
        "EXPAND AUTO; EXPAND; EXPAND AUTO; EXPAND ON; EXPAND AUTO; EXPAND OFF; EXPAND; EXPAND AUTO x;",
        state,
        None,
    )
    assert out == (
        "EXPAND set to AUTO\n"
        "EXPAND is AUTO\n"
        "EXPAND is already AUTO\n"
        "EXPAND set to ON\n"
        "EXPAND set to AUTO\n"
        "EXPAND set to OFF\n"
        "EXPAND is OFF\n"
    )
    assert err == "<stdin>:1:Improper EXPAND command.\n"
    assert state.expand is Expand.OFF


NARROW = "\n n | note\n---+-------\n 1 | short\n\n(1 rows)\n"


def test_a_table_that_fits_stays_a_table(connection: EmbeddedConnection) -> None:
    query = "SELECT n, note FROM ks.t WHERE p = 0 AND n = 1;"
    # the table is 11 columns wide (its rule: '---+-------'): it fits in 11
    assert run(connection, query, ShellState(expand=Expand.AUTO), 11) == (NARROW, "")


def test_a_wider_table_is_expanded(connection: EmbeddedConnection) -> None:
    query = "SELECT n, note FROM ks.t WHERE p = 0 AND n = 1;"
    out, _ = run(connection, query, ShellState(expand=Expand.AUTO), 10)
    assert out == "\n@ Row 1\n------+-------\n n    | 1\n note | short\n\n\n(1 rows)\n"


def test_not_a_terminal_means_tables(connection: EmbeddedConnection) -> None:
    query = "SELECT n, note FROM ks.t WHERE p = 0 AND n = 1;"
    assert run(connection, query, ShellState(expand=Expand.AUTO), None) == (NARROW, "")
    assert terminal_size(io.StringIO()) is None


def test_the_first_page_decides_for_the_whole_result(connection: EmbeddedConnection) -> None:
    # page 1 (n = 1, 2) is 26 wide with its long note; page 3 alone would fit in 20
    state = ShellState(expand=Expand.AUTO, page_size=2)
    out, _ = run(connection, "SELECT n, note FROM ks.t WHERE p = 0;", state, 20, tty=True)
    assert out == (
        "\n"
        "@ Row 1\n------+----------------------\n n    | 1\n note | short\n\n"
        "@ Row 2\n------+----------------------\n n    | 2\n note | a rather longer note\n\n"
        "@ Row 3\n------+---\n n    | 3\n note | x\n\n"
        "(3 rows)\n"
    )


def test_on_and_off_ignore_the_width(connection: EmbeddedConnection) -> None:
    query = "SELECT n, note FROM ks.t WHERE p = 0 AND n = 1;"
    assert run(connection, query, ShellState(expand=Expand.OFF), 5) == (NARROW, "")
    out, _ = run(connection, query, ShellState(expand=Expand.ON), 500)
    assert out.startswith("\n@ Row 1\n")


def test_lwt_results_too(connection: EmbeddedConnection) -> None:
    out, _ = run(
        connection,
        "INSERT INTO ks.t (p, n, note) VALUES (0, 1, 'other') IF NOT EXISTS;",
        ShellState(expand=Expand.AUTO),
        10,
    )
    assert (
        out
        == "\n@ Row 1\n-----------+-------\n [applied] | False\n p         | 0\n n         | 1\n note      | short\n\n"
    )
