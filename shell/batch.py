"""Running statements as cqlsh does, for batch mode (``-e``, ``-f FILE``, piped stdin, ``SOURCE``) and for
the REPL, which feeds the same :class:`Shell` one typed line at a time.

Input is read line by line into a buffer, as cqlsh's ``cmdloop``/``onecmd`` do: after each line the buffer
is split (``engine.cql.splitter``; special commands also end at the end of their line) and, once its last
statement is complete, every statement in it runs and the buffer is cleared. A buffer holding only blanks
and comments is dropped; one that is still incomplete at end of input is reported as ``Incomplete
statement at end of file``. ``-e`` text is run at once instead.

Each statement goes to the special command it names (``shell.commands``) or to the server. Results are
printed as cqlsh prints them (SELECT/LIST: the table and ``(N rows)``; other statements with rows, such as
an LWT's ``[applied]``: the table alone; DESCRIBE: its own layouts; writes and schema changes: nothing),
then the server's warnings, then, with cqlkit's ``ELAPSED ON``, the statement's wall time
(``shell.commands.elapsed``). In cqlkit's ``--mode csv|json`` only rows are printed
(``shell.output.script``), and warnings and times go to stderr. On a terminal (``tty``) each page of a long result is followed by
``---MORE---`` until Enter is pressed, unless output is being captured.

Errors go to stderr, red when color is on. In batch mode each is prefixed ``<source>:<line>:``, where the
line is cqlsh's count: one more than the number of lines read when the statement ran (so ``-e`` text is
always line 1, and an error in a statement ending on line 3 of a file is reported at line 4). Any error
makes a batch run exit with status 2.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TextIO, TypeVar

import shell.copy  # noqa: F401 - registers COPY with the special commands
from engine.cql.lexer import Token, TokenKind, scan
from engine.cql.splitter import StatementText, split_statements
from shell.commands import LINE_COMMANDS, dispatch
from shell.commands.elapsed import elapsed_line
from shell.commands.pager import run_pager
from shell.commands.tracing import print_statement_traces
from shell.connection.base import Connection, QueryError, Settings
from shell.output.describe import describe_target, render_describe
from shell.output.errors import SourcePosition, error_line
from shell.output.formatting import FormatOptions
from shell.output.printer import (
    DisplayOptions,
    ResultPrinter,
    render_static_result,
    render_warnings,
)
from shell.output.result import ResultPage
from shell.output.script import OutputMode, ScriptPrinter
from shell.session_state import Expand, ShellState

#: statements whose rows cqlsh prints with a row count (``print_result``); others print rows without one
_COUNTED = ("select", "list")
#: DESCRIBE targets whose output cqlsh prints entirely with ``print`` (never captured)
_PRINTED_DESCRIBE = ("columnfamilies", "tables", "types", "functions", "aggregates", "keyspaces", "cluster")


T = TypeVar("T")


@dataclass
class BatchOutcome:
    failures: int = 0

    @property
    def exit_code(self) -> int:
        return 2 if self.failures else 0


class Shell:
    """One cqlsh session over a connection: settings, the statement being typed, output and errors.

    ``more`` is called between pages of a result on a terminal (the REPL's ``---MORE---`` pause; it may
    raise KeyboardInterrupt to abandon the result); ``history`` gives the input history for HISTORY;
    ``password`` asks for a LOGIN password.
    """

    def __init__(
        self,
        connection: Connection,
        out: TextIO,
        err: TextIO,
        *,
        state: ShellState | None = None,
        tty: bool = False,
        source: str = "<stdin>",
        formats: FormatOptions | None = None,
        more: Callable[[], None] | None = None,
        history: Callable[[], Sequence[str]] | None = None,
        password: Callable[[], str] | None = None,
        read_line: Callable[[str], str] | None = None,
        clock: Callable[[], float] = time.perf_counter,
        terminal: Callable[[], os.terminal_size | None] | None = None,
        pager: Callable[[str], bool] = run_pager,
    ) -> None:
        self.connection = connection
        self.out = out
        self.err = err
        self.state = state or ShellState()
        self.tty = tty
        self.source_name = source
        self.formats = formats or FormatOptions(color=self.state.color)
        self.lineno = 1
        self.failures = 0
        self.stopped = False
        self.on_error: Callable[[], None] | None = None
        self._lines: list[str] = []
        self._needs_semicolon = False
        self._more = more
        self._history = history
        self._password = password
        self._read_line = read_line
        self._input: Iterator[str] | None = None
        self._clock = clock
        self._terminal = terminal or (lambda: terminal_size(out))
        self._pager = pager
        self._paused = 0.0  # seconds spent at ---MORE--- during the statement being timed

    # ------------------------------------------------------------------ input

    @property
    def pending(self) -> str:
        """The text of the statement being typed (lines read since the last complete statement)."""
        return "".join(self._lines)

    def feed(self, line: str) -> bool:
        """Add one line of input (with its newline, if it had one) and run what it completes.

        Returns True when the buffer was consumed (ran, or held nothing), False when the statement goes on.
        """
        if not self._lines and line.lstrip().startswith("?"):
            # The splitter ends only statements that start with a word at a newline; cqlsh treats ? as HELP.
            head, _, tail = line.partition("?")
            line = f"{head}help {tail}"
        self._lines.append(line)
        self.lineno += 1
        if self._needs_semicolon and ";" not in line:
            return False  # only a ';' can end it: no need to split the whole statement again
        text = self.pending
        statements = split_statements(text, line_commands=LINE_COMMANDS)
        if not statements:
            if _inside_comment(text):
                return False
            self._lines.clear()
            return True
        last = statements[-1]
        if not last.terminated:
            first = last.text.split(None, 1)[0].lower() if last.text.strip() else ""
            self._needs_semicolon = first not in LINE_COMMANDS
            return False
        self._lines.clear()
        self._needs_semicolon = False
        for statement in statements:
            if self.stopped:
                break
            self.run_one(statement.text, _as_sent(text, statement))
        return True

    def cancel(self) -> None:
        """Forget the statement being typed (Ctrl-C)."""
        self._lines.clear()
        self._needs_semicolon = False

    def finish(self) -> None:
        """End of input: a statement left incomplete is an error, as in cqlsh's ``handle_eof``."""
        if self.pending.strip() and not self.stopped:
            self.error("Incomplete statement at end of file")
        self._lines.clear()
        self.stopped = True

    def run_lines(self, lines: Iterable[str]) -> None:
        """Batch mode over a file or stdin: feed every line, then end the input."""
        self._input = iter(lines)
        for line in self._input:
            try:
                self.feed(line)
            except KeyboardInterrupt:
                # cqlsh drops the statement, ends the line and reads on
                self.cancel()
                self.out.write("\n")
            if self.stopped:
                return
        self.finish()

    def run_text(self, text: str) -> None:
        """``-e``: run the complete statements of ``text`` (all reported at line 1)."""
        for statement in split_statements(text, line_commands=LINE_COMMANDS):
            if self.stopped:
                return
            if statement.terminated:
                self.run_one(statement.text, _as_sent(text, statement))

    # ------------------------------------------------------------------ one statement

    def run_one(self, text: str, sent: str | None = None) -> None:
        """Run one statement; only KeyboardInterrupt escapes (cqlsh's ``onecmd`` reports the rest).

        ``text`` is the statement without its terminator; ``sent`` is what goes to the server, with the
        ``;`` that ended it, as cqlsh sends it (the server's syntax errors point at that ``;``).
        """
        try:
            if dispatch(self, text):
                return
            self._execute(text, sent if sent is not None else text)
        except (KeyboardInterrupt, EOFError):
            raise  # Ctrl-C, or Ctrl-D at ---MORE---: the caller's business
        except Exception as error:
            if self.state.debug:
                import traceback

                self.error(traceback.format_exc().rstrip("\n"))
            else:
                self.error(str(error))
        finally:
            self.out.flush()

    def _execute(self, text: str, sent: str) -> None:
        tokens, _ = scan(text, keep_hidden=False)
        word = tokens[0].text.lower() if tokens else ""
        if word == "use" and not (
            len(tokens) == 2 and tokens[1].kind in (TokenKind.IDENT, TokenKind.QUOTED_NAME)
        ):
            self.error(f"Improper {tokens[0].text} command.")
            return
        describe = word in ("describe", "desc")
        # cqlsh never traces DESCRIBE, nor a SELECT on system_traces (do_select)
        traced = (
            self.state.tracing and not describe and not _on_system_traces(tokens, self.connection.keyspace)
        )
        started, self._paused = self._clock(), 0.0
        succeeded = self._run_pages(text, sent, describe, traced)
        if self.state.elapsed:
            self._report_elapsed(self._clock() - started - self._paused)
        self._print_traces(succeeded, traced)

    def _report_elapsed(self, seconds: float) -> None:
        line = elapsed_line(seconds) + "\n"
        if self.state.mode is OutputMode.TABULAR:
            self.result(line)
        else:  # stdout holds only rows in the script modes
            self.out.flush()
            self.err.write(line)
            self.err.flush()

    def _print_traces(self, succeeded: bool, traced: bool) -> None:
        if succeeded and traced:
            print_statement_traces(self)

    def _run_pages(self, text: str, sent: str, describe: bool, traced: bool) -> bool:
        """Run the statement and print its result; False when it failed."""
        pages = iter(self.connection.execute(sent, replace(self._settings(describe), tracing=traced)))
        try:
            first = next(pages, None)
        except QueryError as error:
            # cqlsh prints only the message of a failed DESCRIBE (do_describe).
            self.error(error.message if describe else error.text)
            return False
        word = text.split(None, 1)[0].lower() if text.strip() else ""
        if describe:
            self._describe(text, first, pages)
        elif first is None:
            return True
        elif word in _COUNTED or self.state.mode is not OutputMode.TABULAR:
            return self._print_rows(first, pages)
        else:
            self.result(render_static_result(first, self._display()))
            self._warn(first.warnings)
        return True

    def _settings(self, describe: bool = False) -> Settings:
        state = self.state
        return Settings(
            # cqlsh's DESCRIBE runs at the driver's default, LOCAL_ONE, whatever CONSISTENCY says
            consistency="LOCAL_ONE" if describe else state.consistency,
            serial_consistency=state.serial_consistency,
            fetch_size=state.fetch_size,
            tracing=state.tracing and not describe,
        )

    def _display(self) -> DisplayOptions:
        expand = self.state.expand
        return DisplayOptions(
            formats=replace(self.formats, color=self.state.painting),
            tty=self.tty,
            expand=expand is Expand.ON,
            auto_width=_columns(self._terminal()) if expand is Expand.AUTO else None,
        )

    def _printer(self) -> ResultPrinter | ScriptPrinter:
        if self.state.mode is OutputMode.TABULAR:
            return ResultPrinter(self._display())
        return ScriptPrinter(self.state.mode, self.formats.timestamp_format)

    def _print_rows(self, first: ResultPage, pages: Iterator[ResultPage]) -> bool:
        printer = self._printer()
        scripted = isinstance(printer, ScriptPrinter)
        size = self._terminal() if self._pages_through_pager(scripted) else None
        held: list[str] = []  # the whole result, when it may go to the pager
        emit = held.append if size is not None else self.result
        pause = not scripted and size is None and self.tty and self.state.capture is None and self._more
        warnings = list(first.warnings)
        emit(printer.start())
        page: ResultPage | None = first
        failure: QueryError | None = None
        while page is not None:
            emit(printer.page(page))
            if page.paging_state is None:
                break
            if pause:
                self.out.flush()
                self._pause(self._more)  # type: ignore[arg-type]
            try:
                page = next(pages, None)
            except QueryError as error:
                failure = error
                break
            if page is not None:
                warnings.extend(page.warnings)
        if failure is None:
            emit(printer.finish())
        if size is not None:
            self._page_or_print("".join(held), size)
        if failure is not None:
            self.error(failure.text)
            return False
        self._warn(warnings)
        return True

    def _pages_through_pager(self, scripted: bool) -> bool:
        return self.state.pager and self.tty and not scripted and self.state.capture is None

    def _page_or_print(self, text: str, size: os.terminal_size) -> None:
        """cqlkit's pager: a result longer than the terminal goes to it, a shorter one is printed."""
        if text.count("\n") >= size.lines:
            self.out.flush()
            if self._pause(lambda: self._pager(text)):
                return
        self.result(text)

    def _pause(self, wait: Callable[[], T]) -> T:
        """Run ``wait`` (the user reading: ---MORE---, the pager), its time left out of ELAPSED."""
        paused = self._clock()
        try:
            return wait()
        finally:
            self._paused += self._clock() - paused

    def _describe(self, text: str, first: ResultPage | None, pages: Iterator[ResultPage]) -> None:
        collected = [first] if first is not None else []
        try:
            collected.extend(pages)
        except QueryError as error:
            self.error(error.message)
            return
        rows = [
            dict(zip([c.name for c in page.columns], row, strict=True))
            for page in collected
            for row in page.rows
        ]
        target = describe_target(text)
        keyspace = self.connection.keyspace
        if self.state.capture is None or target in _PRINTED_DESCRIBE or not target:
            self.write(render_describe(target, rows, keyspace))
        else:
            # cqlsh prints the blank lines but writes each CREATE statement where query output goes.
            for row in rows:
                self.write("\n")
                self.result(render_describe(target, [row], keyspace).strip("\n"))
                self.write("\n")
        self._warn([w for page in collected for w in page.warnings])

    def _warn(self, warnings: Sequence[str]) -> None:
        if not warnings:
            return
        if self.state.mode is OutputMode.TABULAR:
            self.result(render_warnings(warnings))
        else:  # stdout holds only rows in the script modes
            self.out.flush()
            self.err.write(render_warnings(warnings))
            self.err.flush()

    # ------------------------------------------------------------------ CommandContext

    def message(self, text: str) -> None:
        self.out.write(text + "\n")

    def write(self, text: str) -> None:
        self.out.write(text)

    def result(self, text: str) -> None:
        capture = self.state.capture
        target = capture.file if capture is not None else self.out
        target.write(text)
        if capture is not None:
            capture.file.flush()

    def error(self, text: str) -> None:
        self.failures += 1
        position = None if self.tty else SourcePosition(self.source_name, self.lineno)
        self.out.flush()
        self.err.write(error_line(text, position=position, color=self.state.painting) + "\n")
        self.err.flush()
        if self.on_error is not None:
            self.on_error()

    def source(self, path: str, text: str) -> None:
        connection = self.connection.fork()
        sub = Shell(
            connection, self.out, self.err, state=self.state.for_source(), source=path, formats=self.formats
        )
        sub.run_lines(text.splitlines(keepends=True))

    def input_lines(self, prompt: str) -> Iterator[str]:
        """The input after the current statement: the rest of the file or stdin being run, or lines typed
        at ``prompt`` on a terminal (cqlsh's ``use_stdin_reader``); each counts as a line read."""
        if self._input is not None:
            for line in self._input:
                self.lineno += 1
                yield line
            return
        if self._read_line is None:
            return
        while True:
            try:
                line = self._read_line(prompt)
            except EOFError:
                return
            self.lineno += 1
            yield line + "\n"

    def history(self) -> Sequence[str] | None:
        return self._history() if self._history is not None else None

    def read_password(self) -> str:
        if self._password is not None:
            return self._password()
        import getpass  # LOGIN without a password, at a terminal: rare, and getpass loads termios

        return getpass.getpass()

    def stop(self) -> None:
        self.stopped = True


def terminal_size(out: TextIO) -> os.terminal_size | None:
    """The terminal's size when ``out`` is one (EXPAND AUTO and the pager act only there), else None."""
    try:
        if not out.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    import shutil  # only on a terminal (shutil loads the compression modules)

    return shutil.get_terminal_size()


def _columns(size: os.terminal_size | None) -> int | None:
    return size.columns if size is not None else None


def _on_system_traces(tokens: Sequence[Token], keyspace: str | None) -> bool:
    """Whether a SELECT reads ``system_traces`` (named, or as the current keyspace with an unqualified table)."""
    if not tokens or tokens[0].text.lower() != "select":
        return False
    words = [t.text.lower() for t in tokens]
    if "from" not in words:
        return False
    at = words.index("from") + 1
    if at + 1 < len(tokens) and tokens[at + 1].text == ".":
        return words[at] == "system_traces"
    return keyspace == "system_traces"


def _as_sent(text: str, statement: StatementText) -> str:
    """The statement with the ``;`` that ended it (and the blanks before it), if a ``;`` did."""
    end = _offset(text, statement.line, statement.column) + len(statement.text)
    rest = text[end:]
    stripped = rest.lstrip()
    if stripped.startswith(";"):
        return text[end - len(statement.text) : end + len(rest) - len(stripped) + 1]
    return statement.text


def _offset(text: str, line: int, column: int) -> int:
    position = 0
    for _ in range(line - 1):
        position = text.index("\n", position) + 1
    return position + column


def _inside_comment(text: str) -> bool:
    """Whether ``text`` ends inside a ``/* ...`` comment (so a statement may still follow)."""
    return not split_statements(text + "\nx;")


def run_statements(
    text: str,
    connection: Connection,
    out: TextIO,
    err: TextIO,
    *,
    source: str,
    color: bool = False,
    formats: FormatOptions | None = None,
    on_error: Callable[[], None] | None = None,
    state: ShellState | None = None,
) -> BatchOutcome:
    """Run ``-e``-style text (every statement reported at line 1 of ``source``)."""
    shell = Shell(
        connection,
        out,
        err,
        state=state or ShellState(color=color),
        source=source,
        formats=formats or FormatOptions(color=color),
    )
    shell.on_error = on_error
    shell.run_text(text)
    return BatchOutcome(shell.failures)


def run_lines(
    lines: Iterable[str],
    connection: Connection,
    out: TextIO,
    err: TextIO,
    *,
    source: str,
    color: bool = False,
    formats: FormatOptions | None = None,
    state: ShellState | None = None,
) -> BatchOutcome:
    """Run a file or piped stdin line by line, as cqlsh does in batch mode."""
    shell = Shell(
        connection,
        out,
        err,
        state=state or ShellState(color=color),
        source=source,
        formats=formats or FormatOptions(color=color),
    )
    shell.run_lines(lines)
    return BatchOutcome(shell.failures)
