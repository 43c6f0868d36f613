"""cqlsh's special commands in batch mode: exact messages on stdout, exact errors on stderr.

Expected texts are cqlsh 6.2's (``cqlshlib/cqlshmain.py``), checked against the real cqlsh on a cqlkit
server where noted.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from shell.batch import Shell, run_lines, run_statements
from shell.connection.base import DEFAULT_SETTINGS, Settings
from shell.connection.embedded import EmbeddedConnection
from shell.output.result import ResultPage
from shell.session_state import Expand, ShellState

KEYSPACE = "CREATE KEYSPACE IF NOT EXISTS {} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"


@pytest.fixture(scope="module")
def connection(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedConnection]:
    conn = EmbeddedConnection(tmp_path_factory.mktemp("commands") / "cluster")
    for statement in (
        KEYSPACE.format("ks"),
        "CREATE TABLE IF NOT EXISTS ks.t (a int PRIMARY KEY, b text)",
        "INSERT INTO ks.t (a, b) VALUES (1, 'x')",
        "INSERT INTO ks.t (a, b) VALUES (2, 'y')",
    ):
        list(conn.execute(statement))
    yield conn
    conn.close()


def run(connection: EmbeddedConnection, text: str, state: ShellState | None = None) -> tuple[str, str, int]:
    """``cqlsh -e text`` (a final ``;`` added, as cqlsh does): stdout, stderr, exit status."""
    out, err = io.StringIO(), io.StringIO()
    text = text if text.endswith(";") else text + ";"
    outcome = run_statements(text, connection, out, err, source="<stdin>", state=state)
    return out.getvalue(), err.getvalue(), outcome.exit_code


def test_consistency(connection: EmbeddedConnection) -> None:
    state = ShellState()
    out, err, code = run(connection, "CONSISTENCY; CONSISTENCY quorum; CONSISTENCY; CONSISTENCY FOO;", state)
    assert out == (
        "Current consistency level is ONE.\n"
        "Consistency level set to QUORUM.\n"
        "Current consistency level is QUORUM.\n"
    )
    assert err == "<stdin>:1:Improper CONSISTENCY command.\n"
    assert code == 2
    assert state.consistency == "QUORUM"


def test_consistency_applies_to_later_statements(connection: EmbeddedConnection) -> None:
    out, err, code = run(connection, "CONSISTENCY LOCAL_ONE; SELECT b FROM ks.t WHERE a = 1;")
    assert (out, err, code) == ("Consistency level set to LOCAL_ONE.\n\n b\n---\n x\n\n(1 rows)\n", "", 0)
    seen: list[str] = []
    execute = connection.execute

    def spy(statement: str, settings: Settings = DEFAULT_SETTINGS) -> Iterator[ResultPage]:
        seen.append(settings.consistency)
        return execute(statement, settings)

    connection.execute = spy  # type: ignore[method-assign]
    try:
        run(connection, "CONSISTENCY QUORUM; SELECT b FROM ks.t WHERE a = 1; DESCRIBE KEYSPACES")
    finally:
        del connection.execute
    assert seen == ["QUORUM", "LOCAL_ONE"]


def test_serial_consistency(connection: EmbeddedConnection) -> None:
    out, err, _ = run(
        connection,
        "SERIAL CONSISTENCY; SERIAL CONSISTENCY local_serial; SERIAL CONSISTENCY ONE; SERIAL; serial consistency",
    )
    assert out == (
        "Current serial consistency level is SERIAL.\n"
        "Serial consistency level set to LOCAL_SERIAL.\n"
        "Current serial consistency level is LOCAL_SERIAL.\n"
    )
    assert err == "<stdin>:1:Improper SERIAL command.\n<stdin>:1:Improper SERIAL command.\n"


def test_switches(connection: EmbeddedConnection) -> None:
    out, err, code = run(
        connection,
        "EXPAND; EXPAND ON; EXPAND ON; EXPAND OFF; TRACING; TRACING ON; TRACING OFF; TRACING OFF; EXPAND maybe",
    )
    assert out == (
        "EXPAND is OFF\nEXPAND set to ON\nEXPAND is already ON\nEXPAND set to OFF\n"
        "TRACING is OFF\nTRACING set to ON\nTRACING set to OFF\nTRACING is already OFF\n"
    )
    assert err == "<stdin>:1:Improper EXPAND command.\n"
    assert code == 2


def test_paging(connection: EmbeddedConnection) -> None:
    state = ShellState()
    out, err, _ = run(
        connection, "PAGING; PAGING ON; PAGING 50; PAGING OFF; PAGING OFF; PAGING -1; PAGING 0", state
    )
    assert out == (
        "PAGING is ON\nPage size: 100\n"
        "PAGING is already ON\nPage size: 100\n"
        "Page size: 50\n"
        "PAGING set to OFF\n"
        "PAGING is already OFF\n"
        "Page size: 0\n"
    )
    assert err == "<stdin>:1:Improper PAGING command.\n"
    assert (state.paging, state.page_size) == (True, 0)


def test_paging_off_resets_the_page_size(connection: EmbeddedConnection) -> None:
    state = ShellState()
    run(connection, "PAGING 7; PAGING OFF", state)
    assert (state.paging, state.page_size, state.fetch_size) == (False, 100, None)


def test_expand_on_prints_rows_vertically(connection: EmbeddedConnection) -> None:
    out, _, _ = run(connection, "EXPAND ON; SELECT * FROM ks.t WHERE a = 1")
    assert out == "EXPAND set to ON\n\n@ Row 1\n---+---\n a | 1\n b | x\n\n\n(1 rows)\n"


def test_show_version_and_host(connection: EmbeddedConnection) -> None:
    out, err, _ = run(connection, "SHOW VERSION; SHOW HOST; SHOW; SHOW VERSION x")
    lines = out.splitlines()
    assert lines[0] == "[cqlsh 6.2.0 | Cassandra 5.0.0 | CQL spec 3.4.7 | Native protocol v5]"
    assert lines[1] == "Connected to cluster at 127.0.0.1:9042"
    assert err == "<stdin>:1:Improper SHOW command.\n" * 2


def test_show_session(connection: EmbeddedConnection) -> None:
    session_id = uuid.UUID("12345678-1234-1234-1234-123456789012")
    out, err, _ = run(connection, f"SHOW SESSION {session_id}; SHOW SESSION; SHOW SESSION abc")
    assert out == ""
    assert err == (
        f"<stdin>:1:Session {session_id} wasn't found.\n"
        "<stdin>:1:Improper SHOW command.\n"
        "<stdin>:1:Improper SHOW command.\n"
    )


def test_show_replicas(connection: EmbeddedConnection) -> None:
    out, _, _ = run(connection, "SHOW REPLICAS 0 ks; SHOW REPLICAS -5 nope; SHOW REPLICAS 0")
    assert out == "['127.0.0.1']\n[]\n[]\n"


HELP_LIST = """
Documented shell commands:
===========================
CAPTURE  CLS          COPY  DESCRIBE  EXPAND  HISTORY  PAGING  SHOW    TRACING
CLEAR    CONSISTENCY  DESC  EXIT      HELP    LOGIN    SERIAL  SOURCE  UNICODE

CQL help topics:
================
AGGREGATES               CREATE_KEYSPACE           DROP_TRIGGER      TEXT     
ALTER_KEYSPACE           CREATE_MATERIALIZED_VIEW  DROP_TYPE         TIME     
ALTER_MATERIALIZED_VIEW  CREATE_ROLE               DROP_USER         TIMESTAMP
ALTER_TABLE              CREATE_TABLE              FUNCTIONS         TRUNCATE 
ALTER_TYPE               CREATE_TRIGGER            GRANT             TYPES    
ALTER_USER               CREATE_TYPE               INSERT            UPDATE   
APPLY                    CREATE_USER               INSERT_JSON       USE      
ASCII                    DATE                      INT               UUID     
BATCH                    DELETE                    JSON            
BEGIN                    DROP_AGGREGATE            KEYWORDS        
BLOB                     DROP_COLUMNFAMILY         LIST_PERMISSIONS
BOOLEAN                  DROP_FUNCTION             LIST_ROLES      
COUNTER                  DROP_INDEX                LIST_USERS      
CREATE_AGGREGATE         DROP_KEYSPACE             PERMISSIONS     
CREATE_COLUMNFAMILY      DROP_MATERIALIZED_VIEW    REVOKE          
CREATE_FUNCTION          DROP_ROLE                 SELECT          
CREATE_INDEX             DROP_TABLE                SELECT_JSON     

"""  # noqa: W291 (cmd.Cmd.columnize pads every column, the last one too)


def test_help_lists_topics(connection: EmbeddedConnection) -> None:
    out, err, _ = run(connection, "HELP")
    assert err == ""
    assert out == HELP_LIST


HELP_HELP = """
        HELP [cqlsh only]

        Gives information about cqlsh commands. To see available topics,
        enter "HELP" without any arguments. To see help on a topic,
        use "HELP <topic>".
        
"""  # noqa: W293


def test_help_on_commands_and_cql_topics(connection: EmbeddedConnection) -> None:
    out, err, code = run(connection, "HELP HELP; ? help; HELP select_json; HELP foo; HELP quit; HELP 1")
    assert out == HELP_HELP * 2
    assert err == (
        "<stdin>:1:*** No browser to display CQL help. URL for help topic select_json : "
        "https://cassandra.apache.org/doc/latest/cassandra/cql/cql_singlefile.html#selectJson\n"
        "<stdin>:1:*** No help on foo\n"
        "<stdin>:1:*** No help on quit\n"
        "<stdin>:1:Improper HELP command.\n"
    )
    assert code == 2


def test_help_for_aliases_and_several_topics(connection: EmbeddedConnection) -> None:
    out, _, _ = run(connection, "HELP cls desc")
    assert out.startswith("\n        CLEAR/CLS [cqlsh only]\n\n        Clears the console.\n        \n")
    assert "\n        DESCRIBE [cqlsh only]\n" in out


def test_capture(connection: EmbeddedConnection, tmp_path: Path) -> None:
    target = tmp_path / "captured.txt"
    state = ShellState()
    out, err, _ = run(
        connection,
        f"CAPTURE; CAPTURE '{target}'; CAPTURE; CAPTURE '{target}'; SELECT b FROM ks.t WHERE a = 2; "
        "EXPAND; CAPTURE OFF; CAPTURE OFF; SELECT b FROM ks.t WHERE a = 1",
        state,
    )
    assert out == (
        "Currently not capturing query output.\n"
        f"Now capturing query output to '{target}'.\n"
        f"Currently capturing query output to '{target}'.\n"
        "EXPAND is OFF\n"
        "\n b\n---\n x\n\n(1 rows)\n"
    )
    assert err == (
        f"<stdin>:1:Already capturing output to {target}. Use CAPTURE OFF to disable.\n"
        "<stdin>:1:Not currently capturing output.\n"
    )
    assert target.read_text() == "\n b\n---\n y\n\n(1 rows)\n"
    assert state.capture is None


def test_capture_cannot_open(connection: EmbeddedConnection, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "x.txt"
    _, err, _ = run(connection, f"CAPTURE '{target}'; CAPTURE foo")
    assert err == (
        f"<stdin>:1:Could not open '{target}' for append: [Errno 2] No such file or directory: '{target}'\n"
        "<stdin>:1:Improper CAPTURE command.\n"
    )


def test_source_runs_a_file_in_a_sub_shell(connection: EmbeddedConnection, tmp_path: Path) -> None:
    script = tmp_path / "script.cql"
    script.write_text("USE ks;\nEXPAND ON\nSELECT b FROM t WHERE a = 1;\nSELECT * FROM nope;\n")
    state = ShellState()
    out, err, code = run(
        connection, f"CONSISTENCY TWO; SOURCE '{script}'; CONSISTENCY; SELECT * FROM t", state
    )
    # The sub-shell starts from the defaults; its USE and EXPAND stay inside; its errors carry the file's
    # name and line and do not count toward the exit status.
    assert out == (
        "Consistency level set to TWO.\n"
        "EXPAND set to ON\n"
        "\n@ Row 1\n---+---\n b | x\n\n\n(1 rows)\n"
        "Current consistency level is TWO.\n"
    )
    assert err == (
        f'{script}:5:InvalidRequest: Error from server: code=2200 [Invalid query] message="table nope does not exist"\n'
        '<stdin>:1:InvalidRequest: Error from server: code=2200 [Invalid query] message="No keyspace has been '
        'specified. USE a keyspace, or explicitly specify keyspace.tablename"\n'
    )
    assert code == 2
    assert state.expand is Expand.OFF


def test_source_errors(connection: EmbeddedConnection, tmp_path: Path) -> None:
    missing = tmp_path / "nope.cql"
    out, err, code = run(connection, f"SOURCE '{missing}'; SOURCE nope; SOURCE")
    assert out == ""
    assert err == (
        f"<stdin>:1:Could not open '{missing}': [Errno 2] No such file or directory: '{missing}'\n"
        "<stdin>:1:Improper SOURCE command.\n"
        "<stdin>:1:Improper SOURCE command.\n"
    )
    assert code == 2


def test_source_with_tilde(
    connection: EmbeddedConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "s.cql").write_text("CONSISTENCY\n")
    out, err, _ = run(connection, "SOURCE '~/s.cql'")
    assert (out, err) == ("Current consistency level is ONE.\n", "")


def test_exit_stops_the_run(connection: EmbeddedConnection) -> None:
    out, err, code = run(connection, "CONSISTENCY; EXIT; CONSISTENCY; exit now")
    assert (out, err, code) == ("Current consistency level is ONE.\n", "", 0)


def test_improper_commands_name_the_word_as_typed(connection: EmbeddedConnection) -> None:
    _, err, _ = run(connection, "exit now; Clear x; tracing maybe; USE; use a b; debug x")
    assert err == (
        "<stdin>:1:Improper exit command.\n"
        "<stdin>:1:Improper Clear command.\n"
        "<stdin>:1:Improper tracing command.\n"
        "<stdin>:1:Improper USE command.\n"
        "<stdin>:1:Improper use command.\n"
        "<stdin>:1:Improper debug command.\n"
    )


def test_clear_writes_the_terminal_reset(connection: EmbeddedConnection) -> None:
    out, _, _ = run(connection, "CLEAR; CLS")
    assert out == "\x1b[H\x1b[2J\x1b[3J" * 2


def test_history_in_batch_mode_fails_as_cqlsh_without_readline(connection: EmbeddedConnection) -> None:
    _, err, _ = run(connection, "HISTORY")
    assert err == "<stdin>:1:'NoneType' object has no attribute 'get_current_history_length'\n"


def test_history_shows_entries_before_the_command(connection: EmbeddedConnection) -> None:
    entries = [f"s{i}" for i in range(1, 8)] + ["HISTORY 3"]
    out, err = io.StringIO(), io.StringIO()
    shell = Shell(connection, out, err, tty=True, history=lambda: entries)
    shell.run_text("HISTORY 3;")
    assert out.getvalue() == "s5\ns6\ns7\n"
    assert shell.state.history_shown == 3


def test_login_sets_the_user(connection: EmbeddedConnection) -> None:
    state = ShellState()
    out, err, _ = run(connection, "LOGIN bob 'secret'; LOGIN", state)
    assert (out, err) == ("", "<stdin>:1:Improper LOGIN command.\n")
    assert state.username == "bob"


def test_login_asks_for_a_missing_password(connection: EmbeddedConnection) -> None:
    asked = []
    shell = Shell(connection, io.StringIO(), io.StringIO(), password=lambda: asked.append(1) or "pw")
    shell.run_text("LOGIN alice;")
    assert asked == [1]
    assert shell.state.username == "alice"


def test_line_commands_end_at_newline_and_errors_carry_cqlsh_line_numbers(
    connection: EmbeddedConnection,
) -> None:
    out, err = io.StringIO(), io.StringIO()
    text = "SELECT * FROM nope;\n\nSELECT *\nFROM nope2;\nCONSISTENCY FOO\nCONSISTENCY\n? 1\nSELECT"
    outcome = run_lines(text.splitlines(keepends=True), connection, out, err, source="f.cql")
    assert out.getvalue() == "Current consistency level is ONE.\n"
    assert [line.split(":")[1] for line in err.getvalue().splitlines()] == ["2", "5", "6", "8", "9"]
    assert err.getvalue().splitlines()[3] == "f.cql:8:Improper help command."
    assert err.getvalue().splitlines()[4] == "f.cql:9:Incomplete statement at end of file"
    assert outcome.exit_code == 2


def test_blank_and_comment_only_input_is_dropped(connection: EmbeddedConnection) -> None:
    out, err = io.StringIO(), io.StringIO()
    outcome = run_lines(
        ["\n", "-- a comment\n", "/* a\n", " block */\n", "   \n"], connection, out, err, source="f"
    )
    assert (out.getvalue(), err.getvalue(), outcome.exit_code) == ("", "", 0)


def test_statements_are_sent_with_their_semicolon(connection: EmbeddedConnection) -> None:
    _, err, _ = run(connection, "SELECT * FROM ;")
    assert err == "<stdin>:1:SyntaxException: line 1:14 no viable alternative at input ';'\n"
