"""The interactive shell: cqlsh's banner, prompts and line-by-line statement entry, on prompt_toolkit.

Entry works as in cqlsh: each line typed is added to the statement being entered (``shell.batch.Shell``
runs it once its last statement is complete), and the prompt says where you are:

* ``cqlsh> ``, or ``cqlsh:ks> `` in a keyspace (``user@`` before it after LOGIN; ``$CQLSH_PROMPT`` and a
  newline before it when set);
* continuation lines: ``   ... ``, or as many spaces as the keyspace name has letters plus ``    ... `` so
  the dots line up under the keyspace prompt; after three empty continuation lines in a row, the hint
  ``Statements are terminated with a ';'.  You can press CTRL-C to cancel an incomplete statement.``.

Ctrl-C cancels the statement being typed (or abandons a result between pages), Ctrl-D on an empty line
leaves (a statement left unfinished is reported as incomplete). History is kept in
``~/.cassandra/cqlsh_history`` (``$CQL_HISTORY`` overrides; ``/dev/null`` keeps nothing) in readline's
format, one entry per line, so cqlsh and cqlkit share it; a statement typed over several lines is also
added as one line. Ctrl-R searches it; suggestions from history appear greyed as you type (prompt_toolkit);
Tab completes keywords and schema names (``shell.completion``); with color on, input is highlighted
(``shell.highlight``). Results longer than a page pause on ``---MORE---`` until Enter is pressed.

The banner names the cluster and where it is reached (for the embedded cluster, ``127.0.0.1:9042``, the
address its first node serves on; see ``shell.commands.show``)::

    Connected to default at 127.0.0.1:9042
    [cqlsh 6.2.0 | Cassandra 5.0.0 | CQL spec 3.4.7 | Native protocol v5]
    Use HELP for help.

When standard input or output is not a terminal but the interactive mode is forced (``-t``), prompts are
written and lines read without prompt_toolkit.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from prompt_toolkit.completion import Completer
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import History
from prompt_toolkit.styles import Style

from shell.batch import Shell
from shell.commands.show import server_info
from shell.connection.base import Connection
from shell.output.formatting import FormatOptions
from shell.session_state import ShellState

HINT_PROMPT = "Statements are terminated with a ';'.  You can press CTRL-C to cancel an incomplete statement."
MORE = "---MORE---"
#: the terminal's own foreground color, named explicitly: prompt_toolkit then writes the prompt's trailing
#: space instead of moving the cursor over it (it skips blank cells without style)
_PROMPT_STYLE = "fg:default"
#: keep an aborted or finished line as typed (prompt_toolkit greys it out by default)
_STYLE = Style.from_dict({"aborting": "fg:default", "exiting": "fg:default"})


def history_path() -> str:
    return os.environ.get("CQL_HISTORY") or os.path.join(
        os.path.expanduser("~"), ".cassandra", "cqlsh_history"
    )


class ReadlineHistory(History):
    """A history file in readline's plain format (one entry per line), appended to as entries are added."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self._loaded_strings = list(self.load_history_strings())
        self._loaded = True

    def load_history_strings(self) -> Iterable[str]:
        try:
            with open(self.path, encoding="utf-8", errors="replace") as f:
                lines = [line.rstrip("\n") for line in f]
        except OSError:
            return []
        return [line for line in reversed(lines) if line]

    def store_string(self, string: str) -> None:
        try:
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(string.replace("\n", " ") + "\n")
        except OSError:
            pass  # cqlsh, too, goes on without saving history it cannot write


class Prompts:
    """cqlsh's prompt rules (``reset_prompt`` / ``set_continue_prompt``)."""

    def __init__(self, custom: str | None = None) -> None:
        custom = os.environ.get("CQLSH_PROMPT", "") if custom is None else custom
        self.custom = custom + "\n" if custom else ""
        self.empty_lines = 0

    def main(self, keyspace: str | None, username: str | None) -> str:
        prompt = f"cqlsh:{keyspace}> " if keyspace is not None else "cqlsh> "
        prompt = self.custom + prompt
        return f"{username}@{prompt}" if username else prompt

    def continuation(self, keyspace: str | None, last_line: str) -> str:
        if self.empty_lines >= 3:
            self.empty_lines = 0
            return HINT_PROMPT
        self.empty_lines = 0 if last_line else self.empty_lines + 1
        return "   ... " if keyspace is None else " " * len(keyspace) + "    ... "

    def reset(self) -> None:
        self.empty_lines = 0


class PlainReader:
    """Prompts written to ``out``, lines read from ``stdin`` (no line editing)."""

    #: Ctrl-C and Ctrl-D leave the cursor on the typed line, which cqlsh then ends
    ends_line_on_interrupt = False

    def __init__(self, stdin: TextIO, out: TextIO) -> None:
        self.stdin = stdin
        self.out = out
        self.entries: list[str] = []

    def read(self, prompt: str) -> str:
        self.out.write(prompt)
        self.out.flush()
        line = self.stdin.readline()
        if not line:
            raise EOFError
        line = line.rstrip("\n")
        if line:
            self.entries.append(line)
        return line

    def add_history(self, entry: str) -> None:
        self.entries.append(entry)

    def history(self) -> Sequence[str]:
        return self.entries

    def more(self) -> None:
        self.read(MORE)


class TerminalReader:
    """prompt_toolkit line editing: history, Ctrl-R search, suggestions, completion, highlighting."""

    #: prompt_toolkit moves to a new line itself when Ctrl-C or Ctrl-D ends the input
    ends_line_on_interrupt = True

    def __init__(self, history: History, completer: Completer | None, color: bool) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.auto_suggest import AutoSuggestFromHistory

        lexer = None
        if color:
            from prompt_toolkit.lexers import PygmentsLexer

            from shell.highlight import CqlLexer

            lexer = PygmentsLexer(CqlLexer)
        self._history = history
        self.session: PromptSession[str] = PromptSession(
            history=history,
            auto_suggest=AutoSuggestFromHistory(),
            completer=completer,
            complete_while_typing=False,
            lexer=lexer,
            style=_STYLE,
        )
        self._more: PromptSession[str] = PromptSession(style=_STYLE)

    def read(self, prompt: str) -> str:
        # Styled, so the terminal receives the prompt's text as cqlsh writes it (see _PROMPT_STYLE).
        return self.session.prompt(FormattedText([(_PROMPT_STYLE, prompt)]))

    def add_history(self, entry: str) -> None:
        strings = self._history.get_strings()
        if not strings or strings[-1] != entry:
            self._history.append_string(entry)

    def history(self) -> Sequence[str]:
        return self._history.get_strings()

    def more(self) -> None:
        self._more.prompt(FormattedText([(_PROMPT_STYLE, MORE)]))


def banner(connection: Connection, color: bool) -> str:
    info = server_info(connection)
    return f"{info.host_line(color)}\n{info.version_line()}\nUse HELP for help.\n"


def run_repl(
    connection: Connection,
    stdin: TextIO,
    stdout: TextIO,
    stderr: TextIO,
    *,
    state: ShellState,
    formats: FormatOptions | None = None,
    reader: PlainReader | TerminalReader | None = None,
) -> int:
    """The interactive loop; returns the exit status (0: cqlsh's tty mode never fails on errors)."""
    shell = Shell(
        connection,
        stdout,
        stderr,
        state=state,
        tty=True,
        formats=formats,
        more=lambda: active.more(),
        history=lambda: active.history(),
        read_line=lambda prompt: active.read(prompt),
    )
    active = reader if reader is not None else _reader(shell, stdin, stdout)
    stdout.write(banner(connection, state.painting))
    prompts = Prompts()
    prompt = prompts.main(connection.keyspace, state.username)
    while not shell.stopped:
        try:
            line = active.read(prompt)
        except KeyboardInterrupt:
            prompt = _interrupted(stdout, shell, prompts, newline=not active.ends_line_on_interrupt)
            continue
        except EOFError:
            if not active.ends_line_on_interrupt:
                stdout.write("\n")  # cqlsh ends the prompt's line
            shell.finish()
            break
        typed = shell.pending + line + "\n"
        try:
            consumed = shell.feed(line + "\n")
        except KeyboardInterrupt:
            prompt = _interrupted(stdout, shell, prompts, newline=not active.ends_line_on_interrupt)
            continue
        except EOFError:  # Ctrl-D at ---MORE---: cqlsh leaves
            if not active.ends_line_on_interrupt:
                stdout.write("\n")
            break
        if consumed:
            if typed.count("\n") > 1:
                active.add_history(typed.replace("\n", " ").rstrip())
            prompts.reset()
            prompt = prompts.main(shell.connection.keyspace, state.username)
        else:
            prompt = prompts.continuation(shell.connection.keyspace, line)
    state.stop_capture()
    stdout.flush()
    return 0


def _interrupted(stdout: TextIO, shell: Shell, prompts: Prompts, *, newline: bool = True) -> str:
    """Ctrl-C: forget the statement, end the line (cqlsh prints an empty line), and prompt afresh."""
    shell.cancel()
    prompts.reset()
    if newline:
        stdout.write("\n")
        stdout.flush()
    return prompts.main(shell.connection.keyspace, shell.state.username)


def _reader(shell: Shell, stdin: TextIO, stdout: TextIO) -> PlainReader | TerminalReader:
    if not (_isatty(stdin) and _isatty(stdout)):
        return PlainReader(stdin, stdout)
    path = history_path()
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        stdout.write(
            f"\nWarning: Cannot create directory at `{Path(path).parent}`. Command history will not be saved. "
            "Please check what was the environment property CQL_HISTORY set to.\n\n"
        )
    from shell.completion.completer import CqlCompleter

    connection = shell.connection
    completer = CqlCompleter(connection.schema, lambda: connection.keyspace, lambda: shell.pending)
    return TerminalReader(ReadlineHistory(path), completer, shell.state.color)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
