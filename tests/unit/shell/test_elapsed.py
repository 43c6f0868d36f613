"""cqlkit's ELAPSED ON|OFF: the switch's messages, HELP, and the time printed after each statement, read
from an injected clock."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from shell.batch import Shell, run_statements
from shell.commands.help_texts import shell_help
from shell.completion import complete
from shell.connection.base import DEFAULT_SETTINGS, Settings
from shell.connection.embedded import EmbeddedConnection
from shell.output.result import ResultPage
from shell.output.script import OutputMode
from shell.session_state import ShellState


@pytest.fixture(scope="module")
def connection(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedConnection]:
    conn = EmbeddedConnection(tmp_path_factory.mktemp("elapsed") / "cluster")
    for statement in (
        "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
        "CREATE TABLE ks.t (p int, n int, PRIMARY KEY (p, n))",
        "INSERT INTO ks.t (p, n) VALUES (0, 1)",
        "INSERT INTO ks.t (p, n) VALUES (0, 2)",
        "INSERT INTO ks.t (p, n) VALUES (0, 3)",
    ):
        list(conn.execute(statement))
    yield conn
    conn.close()


class Clock:
    """Time moves only when the test says: each statement sent takes 12.3 ms, each ---MORE--- 5 s."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class SlowConnection:
    """The connection, with every statement (and every later page) taking ``step`` seconds of ``clock``."""

    def __init__(self, connection: EmbeddedConnection, clock: Clock, step: float = 0.0123) -> None:
        self._connection = connection
        self._clock = clock
        self._step = step

    def execute(self, statement: str, settings: Settings = DEFAULT_SETTINGS) -> Iterator[ResultPage]:
        self._clock.now += self._step  # the first page (or the error, or nothing for a write)
        for number, page in enumerate(self._connection.execute(statement, settings)):
            if number:
                self._clock.now += self._step
            yield page

    def __getattr__(self, name: str) -> object:
        return getattr(self._connection, name)


def shell(
    connection: EmbeddedConnection, state: ShellState, *, tty: bool = False
) -> tuple[Shell, io.StringIO, io.StringIO, Clock]:
    out, err, clock = io.StringIO(), io.StringIO(), Clock()

    def more() -> None:
        clock.now += 5.0

    slow = SlowConnection(connection, clock)
    made = Shell(slow, out, err, state=state, tty=tty, clock=clock, more=more)  # type: ignore[arg-type]
    return made, out, err, clock


def test_the_switch(connection: EmbeddedConnection) -> None:
    out, err = io.StringIO(), io.StringIO()
    state = ShellState()
    outcome = run_statements(
        "ELAPSED; ELAPSED ON; ELAPSED ON; ELAPSED OFF; ELAPSED maybe;",
        connection,
        out,
        err,
        source="<stdin>",
        state=state,
    )
    assert out.getvalue() == "ELAPSED is OFF\nELAPSED set to ON\nELAPSED is already ON\nELAPSED set to OFF\n"
    assert err.getvalue() == "<stdin>:1:Improper ELAPSED command.\n"
    assert (outcome.exit_code, state.elapsed) == (2, False)


def test_off_by_default_prints_nothing_more(connection: EmbeddedConnection) -> None:
    made, out, _, _ = shell(connection, ShellState())
    made.run_text("SELECT n FROM ks.t WHERE p = 0 AND n = 1;")
    assert out.getvalue() == "\n n\n---\n 1\n\n(1 rows)\n"


def test_each_statement_is_followed_by_its_time(connection: EmbeddedConnection) -> None:
    made, out, err, _ = shell(connection, ShellState())
    made.run_text(
        "ELAPSED ON; SELECT n FROM ks.t WHERE p = 0 AND n = 1; INSERT INTO ks.t (p, n) VALUES (0, 1); "
        "CONSISTENCY; SELECT * FROM ks.nope;"
    )
    assert out.getvalue() == (
        "ELAPSED set to ON\n"
        "\n n\n---\n 1\n\n(1 rows)\n(elapsed 12.3 ms)\n"
        "(elapsed 12.3 ms)\n"  # the INSERT: no result, still timed
        "Current consistency level is ONE.\n"  # special commands are not timed
        "(elapsed 12.3 ms)\n"  # a failed statement: after its error
    )
    assert err.getvalue().startswith("<stdin>:1:InvalidRequest:")


def test_pauses_at_more_are_not_counted(connection: EmbeddedConnection) -> None:
    made, out, _, _ = shell(connection, ShellState(elapsed=True, page_size=2), tty=True)
    made.run_text("SELECT n FROM ks.t WHERE p = 0;")
    # two pages of 12.3 ms each; the 5 s at ---MORE--- left out
    assert out.getvalue() == "\n n\n---\n 1\n 2\n\n n\n---\n 3\n\n(3 rows)\n(elapsed 24.6 ms)\n"


def test_script_modes_time_on_stderr(connection: EmbeddedConnection) -> None:
    made, out, err, _ = shell(connection, ShellState(elapsed=True, mode=OutputMode.CSV))
    made.run_text("SELECT n FROM ks.t WHERE p = 0 AND n = 2;")
    assert (out.getvalue(), err.getvalue()) == ("n\r\n2\r\n", "(elapsed 12.3 ms)\n")


def test_help_and_completion() -> None:
    assert shell_help("elapsed") == (
        "\n"
        "        ELAPSED [cqlkit extension]\n"
        "\n"
        "          Shows the client-side wall time of each statement after its result,\n"
        '          as "(elapsed 12.3 ms)": from sending the statement to the end of its\n'
        "          output, pauses at ---MORE--- excluded.\n"
        "\n"
        "        ELAPSED ON\n"
        "\n"
        "          Shows the time after every later statement.\n"
        "\n"
        "        ELAPSED OFF\n"
        "\n"
        "          Stops showing it.\n"
        "\n"
        "        ELAPSED\n"
        "\n"
        "          ELAPSED with no arguments shows whether times are shown.\n"
        "        "
    )
    assert complete("ELA", None, None) == ["ELAPSED"]
    assert complete("elapsed ", None, None) == ["ON", "OFF"]
    assert complete("HELP ELA", None, None) == ["ELAPSED"]
