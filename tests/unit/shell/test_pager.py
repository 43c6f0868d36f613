"""cqlkit's PAGER ON|OFF / ``--pager``: a long result goes whole to the pager in the interactive shell;
everything else is printed as before (cqlsh's ``---MORE---`` stays the default)."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shell.batch import Shell, run_statements
from shell.cli import _parser
from shell.commands.help_texts import shell_help
from shell.commands.pager import DEFAULT_PAGER, pager_command, run_pager
from shell.completion import complete
from shell.connection.embedded import EmbeddedConnection
from shell.session_state import Capture, ShellState

SIZE = os.terminal_size((80, 7))  # 10 lines of ALL_ROWS do not fit; 6 (one row) do


@pytest.fixture(scope="module")
def connection(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedConnection]:
    conn = EmbeddedConnection(tmp_path_factory.mktemp("pager") / "cluster")
    for statement in (
        "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
        "CREATE TABLE ks.t (p int, n int, PRIMARY KEY (p, n))",
        *(f"INSERT INTO ks.t (p, n) VALUES (0, {n})" for n in range(1, 6)),
    ):
        list(conn.execute(statement))
    yield conn
    conn.close()


class Pager:
    def __init__(self, works: bool = True) -> None:
        self.shown: list[str] = []
        self.works = works

    def __call__(self, text: str) -> bool:
        self.shown.append(text)
        return self.works


def run(
    connection: EmbeddedConnection,
    text: str,
    state: ShellState,
    *,
    tty: bool = True,
    pager: Pager | None = None,
    size: os.terminal_size | None = SIZE,
) -> tuple[str, list[str], int]:
    out, err = io.StringIO(), io.StringIO()
    pauses: list[None] = []
    shell = Shell(
        connection,
        out,
        err,
        state=state,
        tty=tty,
        more=lambda: pauses.append(None),
        terminal=lambda: size,
        pager=pager or Pager(),
    )
    shell.run_text(text)
    assert err.getvalue() == ""
    return out.getvalue(), (pager.shown if pager else []), len(pauses)


ALL_ROWS = "\n n\n---\n 1\n 2\n 3\n 4\n 5\n\n(5 rows)\n"


def test_a_result_longer_than_the_terminal_goes_whole_to_the_pager(connection: EmbeddedConnection) -> None:
    pager = Pager()
    out, shown, pauses = run(
        connection, "SELECT n FROM ks.t WHERE p = 0;", ShellState(pager=True), pager=pager
    )
    assert (out, shown, pauses) == ("", [ALL_ROWS], 0)


def test_pages_are_fetched_without_more(connection: EmbeddedConnection) -> None:
    pager = Pager()
    state = ShellState(pager=True, page_size=2)
    out, shown, pauses = run(connection, "SELECT n FROM ks.t WHERE p = 0;", state, pager=pager)
    # the tty layout: each page with its header, as at ---MORE---, but no pause
    assert shown == ["\n n\n---\n 1\n 2\n\n n\n---\n 3\n 4\n\n n\n---\n 5\n\n(5 rows)\n"]
    assert (out, pauses) == ("", 0)


def test_a_short_result_is_printed(connection: EmbeddedConnection) -> None:
    pager = Pager()
    out, shown, _ = run(
        connection, "SELECT n FROM ks.t WHERE p = 0 AND n = 1;", ShellState(pager=True), pager=pager
    )
    assert (out, shown) == ("\n n\n---\n 1\n\n(1 rows)\n", [])


def test_without_a_pager_program_the_result_is_printed(connection: EmbeddedConnection) -> None:
    pager = Pager(works=False)
    out, shown, _ = run(connection, "SELECT n FROM ks.t WHERE p = 0;", ShellState(pager=True), pager=pager)
    assert (out, len(shown)) == (ALL_ROWS, 1)


@pytest.mark.parametrize(
    ("state", "tty", "size"),
    [
        (ShellState(pager=False), True, SIZE),  # off: cqlsh's output
        (ShellState(pager=True), False, SIZE),  # batch mode
        (ShellState(pager=True), True, None),  # stdout not a terminal
    ],
)
def test_otherwise_the_pager_is_not_used(
    connection: EmbeddedConnection, state: ShellState, tty: bool, size: os.terminal_size | None
) -> None:
    pager = Pager()
    out, shown, _ = run(connection, "SELECT n FROM ks.t WHERE p = 0;", state, tty=tty, pager=pager, size=size)
    assert shown == []
    assert out == (ALL_ROWS if tty else "\n n\n---\n 1\n 2\n 3\n 4\n 5\n\n(5 rows)\n")


def test_not_while_capturing(connection: EmbeddedConnection, tmp_path: Path) -> None:
    pager = Pager()
    captured = tmp_path / "out.txt"
    with captured.open("a") as file:
        state = ShellState(pager=True, capture=Capture(str(captured), file))
        out, shown, _ = run(connection, "SELECT n FROM ks.t WHERE p = 0;", state, pager=pager)
    assert (out, shown) == ("", [])
    assert captured.read_text() == ALL_ROWS


def test_the_switch_help_completion_and_option(connection: EmbeddedConnection) -> None:
    out, err = io.StringIO(), io.StringIO()
    state = ShellState()
    run_statements(
        "PAGER; PAGER ON; PAGER ON; PAGER OFF; PAGER 2;", connection, out, err, source="<stdin>", state=state
    )
    assert out.getvalue() == "PAGER is OFF\nPAGER set to ON\nPAGER is already ON\nPAGER set to OFF\n"
    assert err.getvalue() == "<stdin>:1:Improper PAGER command.\n"
    assert shell_help("pager").startswith(
        "\n        PAGER [cqlkit extension]\n\n          Shows long query results"
    )
    assert complete("PAG", None, None) == ["PAGER", "PAGING"]
    assert complete("pager ", None, None) == ["ON", "OFF"]
    assert _parser().parse_args(["--pager"]).pager is True
    assert _parser().parse_args([]).pager is False


def test_the_pager_program(tmp_path: Path) -> None:
    assert pager_command({}) == DEFAULT_PAGER == "less -R"
    assert pager_command({"PAGER": " "}) == "less -R"
    assert pager_command({"PAGER": "more -s"}) == "more -s"
    paged = tmp_path / "paged.txt"
    environ = {
        "PATH": os.environ["PATH"],
        "PAGER": f'{sys.executable} -c \'import os, sys; open(sys.argv[1], "w").write(sys.stdin.read() + os.environ["LESS"])\' {paged}',
    }
    assert run_pager("a\nb\n", environ) is True
    assert paged.read_text() == "a\nb\nR"  # LESS=R when unset, so less keeps colors
    assert run_pager("x", {"PATH": os.environ["PATH"], "PAGER": "no-such-pager-program"}) is False
