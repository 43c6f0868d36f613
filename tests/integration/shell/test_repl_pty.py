"""``cqlkit cqlsh`` at a terminal: the REPL in a pty (pexpect), on a fresh embedded cluster.

Every expectation is an exact string the terminal receives: prompts (prompt_toolkit writes them whole,
see shell.repl), result tables, messages. prompt_toolkit repaints the input line as it is edited and
once more when it is accepted, so the output of a line is read between the two markers prompt_toolkit
writes when it stops and starts reading (bracketed paste off, then on again). Its cursor-position
requests are turned off (``PROMPT_TOOLKIT_NO_CPR``) since pexpect answers none; the terminal is 80x24
xterm.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

CQLKIT = str(Path(sys.executable).with_name("cqlkit"))
INPUT_DONE = "\x1b[?2004l"
INPUT_START = "\x1b[?2004h"
BANNER = (
    "Connected to cluster at 127.0.0.1:9042\r\n"
    "[cqlsh 6.2.0 | Cassandra 5.0.0 | CQL spec 3.4.7 | Native protocol v5]\r\n"
    "Use HELP for help.\r\n"
)


class Terminal:
    def __init__(self, home: Path, *args: str, color: bool = False) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CQLSH_PROMPT")}
        env.update(
            TERM="xterm",
            COLUMNS="80",
            LINES="24",
            CQLKIT_HOME=str(home),
            CQL_HISTORY=str(home / "history"),
            PROMPT_TOOLKIT_NO_CPR="1",
        )
        options = ["-C"] if color else ["--no-color"]
        self.child = pexpect.spawn(
            CQLKIT,
            ["cqlsh", "--cluster", str(home / "cluster"), *options, *args],
            env=env,
            encoding="utf-8",
            timeout=15,
            dimensions=(24, 80),
        )

    def expect(self, text: str) -> str:
        """Wait for ``text``; return what came before it."""
        self.child.expect_exact(text)
        return self.child.before

    def type(self, line: str, prompt: str) -> str:
        """Enter ``line`` and wait for the next ``prompt``; return the output in between."""
        self.child.sendline(line)
        return self.next_prompt(prompt)

    def next_prompt(self, prompt: str) -> str:
        """Wait until the current input ends and ``prompt`` is shown; return the output in between."""
        self.expect(INPUT_DONE)
        output = self.expect(INPUT_START)
        self.expect(prompt)
        return output

    def close(self) -> None:
        self.child.close(force=True)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def terminal(home: Path) -> Iterator[Terminal]:
    term = Terminal(home)
    yield term
    term.close()


def test_a_session(terminal: Terminal, home: Path) -> None:
    assert BANNER + INPUT_START in terminal.expect("cqlsh> ")
    terminal.type(
        "CREATE KEYSPACE shop WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1};",
        "cqlsh> ",
    )
    # A statement over several lines: continuation prompts until the ';'.
    terminal.type("CREATE TABLE shop.items (id int PRIMARY KEY,", "   ... ")
    terminal.type("name text)", "   ... ")
    terminal.type(";", "cqlsh> ")
    for i, name in enumerate(("tea", "cake", "jam"), start=1):
        terminal.type(f"INSERT INTO shop.items (id, name) VALUES ({i}, '{name}');", "cqlsh> ")
    # USE changes the prompt, and the continuation prompt lines up under it.
    terminal.type("USE shop;", "cqlsh:shop> ")
    terminal.type("SELECT name", "        ... ")
    output = terminal.type("FROM items WHERE id = 1;", "cqlsh:shop> ")
    assert output.endswith("\r\n name\r\n------\r\n  tea\r\n\r\n(1 rows)\r\n")
    # Ctrl-C cancels the statement being typed.
    terminal.type("SELECT * FROM", "        ... ")
    terminal.child.sendintr()
    assert terminal.next_prompt("cqlsh:shop> ") == ""
    assert terminal.type("", "cqlsh:shop> ") == ""
    # EXPAND ON: one block per row.
    assert terminal.type("EXPAND ON", "cqlsh:shop> ").endswith("EXPAND set to ON\r\n")
    output = terminal.type("SELECT * FROM items WHERE id = 2;", "cqlsh:shop> ")
    assert output.endswith("\r\n@ Row 1\r\n------+------\r\n id   | 2\r\n name | cake\r\n\r\n(1 rows)\r\n")
    terminal.type("EXPAND OFF", "cqlsh:shop> ")
    # A result longer than a page pauses on ---MORE--- (the header is repeated on each page).
    assert terminal.type("PAGING 2", "cqlsh:shop> ").endswith("Page size: 2\r\n")
    first = terminal.type("SELECT id FROM items;", "---MORE---")
    assert first.startswith("\r\n id\r\n----\r\n") and first.count("\r\n") == 6
    second = terminal.type("", "cqlsh:shop> ")
    assert second.startswith(" id\r\n----\r\n") and second.endswith(" rows)\r\n")
    # Ctrl-C at ---MORE--- abandons the rest of the result.
    terminal.type("SELECT id FROM items;", "---MORE---")
    terminal.child.sendintr()
    assert terminal.next_prompt("cqlsh:shop> ") == ""
    terminal.child.sendline("EXIT")
    terminal.expect(INPUT_DONE)
    terminal.child.expect(pexpect.EOF)
    assert terminal.child.before == ""
    terminal.child.close()
    assert terminal.child.exitstatus == 0
    history = (home / "history").read_text().splitlines()
    assert "USE shop;" in history
    assert "CREATE TABLE shop.items (id int PRIMARY KEY, name text) ;" in history


def test_completion_errors_and_ctrl_d(terminal: Terminal) -> None:
    terminal.expect("cqlsh> ")
    # Tab completes a keyword, a keyspace, a table, a column.
    terminal.child.send("SEL\t")
    terminal.child.send(" * FROM system_sch\t")
    terminal.child.send("keysp\t")
    terminal.child.send(" WHERE keyspace_n\t")
    output = terminal.type(" = 'nope';", "cqlsh> ")
    assert (
        output
        == "\r\n keyspace_name | durable_writes | replication\r\n---------------+----------------+-------------\r\n\r\n(0 rows)\r\n"
    )
    # Errors on a terminal carry no file:line prefix.
    output = terminal.type("CONSISTENCY FOO", "cqlsh> ")
    assert output.endswith("Improper CONSISTENCY command.\r\n")
    output = terminal.type("SELECT * FROM nope;", "cqlsh> ")
    assert 'message="No keyspace has been specified.' in output
    # Ctrl-D on an unfinished statement: reported, then the shell ends.
    terminal.type("SELECT", "   ... ")
    terminal.child.sendeof()
    terminal.expect(INPUT_DONE)
    terminal.child.expect(pexpect.EOF)
    assert terminal.child.before == "Incomplete statement at end of file\r\n"


def test_color_highlights_input_and_output(home: Path) -> None:
    term = Terminal(home, color=True)
    try:
        banner = term.expect("cqlsh> ")
        assert "Connected to \x1b[0;1;34mcluster\x1b[0m at 127.0.0.1:9042\r\n" in banner
        term.child.sendline("SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = 'x';")
        # The accepted line is painted with keywords styled, names and strings not.
        echo = term.expect(INPUT_DONE)
        assert "cqlsh> \x1b[0;38;5;28;1mSELECT\x1b[0m keyspace_name \x1b[0;38;5;28;1mFROM\x1b[0m" in echo
        output = term.expect(INPUT_START)
        assert output == "\r\n \x1b[0;1;31mkeyspace_name\x1b[0m\r\n---------------\r\n\r\n(0 rows)\r\n"
        term.child.sendeof()
        term.child.expect(pexpect.EOF)
    finally:
        term.close()


def test_pager_and_expand_auto(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """cqlkit's --pager: a result longer than the 24-line terminal goes to $PAGER (here a program that
    keeps what it reads); EXPAND AUTO lays out a row wider than the 80 columns in a block."""
    paged = home / "paged.txt"
    keep = f"import sys; open({str(paged)!r}, 'w').write(sys.stdin.read())"
    monkeypatch.setenv("PAGER", f'{sys.executable} -c "{keep}"')
    terminal = Terminal(home, "--pager")
    try:
        terminal.expect("cqlsh> ")
        assert terminal.type("SELECT column_name FROM system_schema.columns;", "cqlsh> ") == ""
        text = paged.read_text()
        assert text.startswith("\n column_name\n") and text.endswith(" rows)\n")
        assert text.count("\n") >= 24
        # a short result is printed on the terminal
        output = terminal.type(
            "SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = 'system';", "cqlsh> "
        )
        assert output.endswith("\r\n keyspace_name\r\n---------------\r\n        system\r\n\r\n(1 rows)\r\n")
        assert terminal.type("EXPAND AUTO", "cqlsh> ").endswith("EXPAND set to AUTO\r\n")
        wide = "SELECT keyspace_name, table_name, comment, bloom_filter_fp_chance, caching FROM system_schema.tables WHERE keyspace_name = 'system' AND table_name = 'local';"
        output = terminal.type(wide, "cqlsh> ")
        assert output.startswith("\r\n@ Row 1\r\n") and " keyspace_name          | system\r\n" in output
    finally:
        terminal.close()
