"""``cqlkit cqlsh``: cqlsh's command line (``Usage: cqlsh.py [options] [host [port]]``).

Where it connects (``shell.connection.target``): a host (positional, then ``$CQLSH_HOST``, then cqlshrc's
``[connection] hostname``; the port likewise, default 9042) is reached through cassandra-driver
(``shell.connection.driver``). Without one, the shell uses the current cqlkit cluster (``--cluster``
names another): over the network when a ``cqlkit serve`` holds it (its ``server.json``), otherwise
opened in this process (``shell.connection.embedded``). Modes, as cqlsh decides them:

* ``-e`` runs the given statements (a missing final ``;`` is added) and ``-f`` runs a file; piped
  standard input is read line by line. These are batch mode: no banner, no prompt, errors prefixed with
  ``<source>:<line>:``, exit status 2 if any statement failed.
* Otherwise, with a terminal on standard input (or ``-t``), the interactive shell (``shell.repl``).

cqlkit adds ``--mode tabular|csv|json`` (``shell.output.script``): cqlsh's tables, or only the rows of
each result as CSV or JSON Lines, without colour, for scripts.

Color: ``-C``/``--no-color`` decide, then cqlshrc's ``[ui] color``; otherwise color is on when stdout is
a terminal whose ``TERM`` is set and not ``dumb`` (never with ``-f``). cqlkit also honours ``NO_COLOR``.
Display settings (precision, timestamp format, timezone) and the default keyspace come from cqlshrc
(``shell.cqlshrc``); ``$TZ`` sets the display timezone.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from shell import cqlshrc, credentials
from shell.batch import run_lines, run_statements
from shell.commands.files import read_script
from shell.connection.base import CQLSH_VERSION, Connection, QueryError
from shell.connection.target import ConnectError, open_connection
from shell.output.formatting import FormatOptions
from shell.output.script import OutputMode
from shell.output.temporal import default_timestamp_format, resolve_display_timezone
from shell.session_state import ShellState


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cqlsh",
        usage="Usage: cqlsh [options] [host [port]]",
        add_help=True,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("host", nargs="?")
    parser.add_argument("port", nargs="?")
    parser.add_argument("--version", "-v", action="version", version=f"cqlsh {CQLSH_VERSION}")
    parser.add_argument("-C", "--color", dest="color", action="store_true", default=None)
    parser.add_argument("--no-color", dest="color", action="store_false")
    parser.add_argument("-e", "--execute", dest="execute")
    parser.add_argument("-f", "--file", dest="file")
    parser.add_argument("-k", "--keyspace", dest="keyspace")
    parser.add_argument("-u", "--username")
    parser.add_argument("-p", "--password")
    parser.add_argument(
        "--cluster", help="cqlkit: the cluster directory or name to open (default: the current one)"
    )
    parser.add_argument("--debug", action="store_true")
    parser.add_argument("--encoding", default="utf-8")
    parser.add_argument("--request-timeout")
    parser.add_argument("--connect-timeout")
    parser.add_argument("--protocol-version")
    parser.add_argument("--cqlversion")
    parser.add_argument("--ssl", action="store_true", default=None)
    parser.add_argument("--insecure-password-without-warning", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("-t", "--tty", action="store_true", default=None)
    parser.add_argument("--cqlshrc")
    parser.add_argument("--credentials")
    parser.add_argument(
        "--mode",
        choices=[mode.value for mode in OutputMode],
        default=OutputMode.TABULAR.value,
        help="cqlkit: how results are printed: cqlsh's tables (tabular), or rows only as CSV with a "
        "header line (csv) or one JSON object per line (json)",
    )
    parser.add_argument(
        "--pager",
        action="store_true",
        help="cqlkit: in the interactive shell, show results longer than the terminal through $PAGER "
        "(default: less -R) instead of ---MORE--- (the PAGER command switches it)",
    )
    return parser


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, sized as it sizes itself (``shutil.get_terminal_size``: ``$COLUMNS``, else the
    terminal of ``sys.__stdout__``, else 80 columns, less 2) without importing shutil, which loads the
    compression modules: argparse builds a formatter for every option it adds, so every run paid for it."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24) -> None:
        super().__init__(prog, indent_increment, max_help_position, width=_columns() - 2)


def _columns() -> int:
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


def should_use_color(stdout: TextIO) -> bool:
    """cqlsh's automatic choice: a terminal with a usable ``TERM`` (cqlsh also asks ``tput colors``)."""
    if "NO_COLOR" in os.environ:
        return False
    try:
        if not stdout.isatty():
            return False
    except (AttributeError, ValueError):
        return False
    return os.environ.get("TERM", "") not in ("", "dumb")


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = _parser()
    options = parser.parse_args(list(argv) if argv is not None else None)
    script: str | None = None
    if options.file is not None:
        try:
            script = read_script(options.file)
        except OSError as e:
            stderr.write(f"Can't open {options.file!r}: {e}\n")
            return 1
    rc, notice = cqlshrc.load(options.cqlshrc)
    stdout.write(notice)
    if rc.has_credentials:
        if rc.password and not credentials.is_file_secure(rc.path):
            stderr.write(credentials.INSECURE_CQLSHRC)
        stderr.write(cqlshrc.CREDENTIALS_NOTICE)
    batch = options.execute is not None or options.file is not None
    tty = not batch and (options.tty or (rc.tty if rc.tty is not None else _isatty(stdin)))
    mode = OutputMode(options.mode)
    if mode is not OutputMode.TABULAR:
        color = False  # rows for programs: never coloured
    elif options.color is not None:
        color = bool(options.color)
    elif rc.color is not None:
        color = rc.color
    else:
        color = options.file is None and should_use_color(stdout)
    zone = resolve_display_timezone(rc.timezone, os.environ)
    stderr.write("".join(zone.warnings))
    formats = FormatOptions(
        color=color,
        float_precision=rc.float_precision,
        double_precision=rc.double_precision,
        timestamp_format=rc.time_format or default_timestamp_format(os.environ),
        timezone=zone.timezone,
    )
    keyspace = options.keyspace or rc.keyspace
    login = credentials.resolve(
        username=options.username,
        password=options.password,
        credentials_file=options.credentials or rc.credentials,
        rc_username=rc.username,
        rc_password=rc.password,
        quiet_password=options.insecure_password_without_warning,
    )
    stderr.write(login.warnings)
    options.username, options.password = login.username, login.password
    try:
        connection: Connection = open_connection(options, rc, stdout, os.environ, batch=not tty, color=color)
    except ConnectError as error:
        return _usage_or_exit(parser, error, stderr)
    try:
        if keyspace and connection.keyspace != keyspace:
            try:
                connection.set_keyspace(keyspace)
            except QueryError:
                unable = (f"Unable to connect to any servers using keyspace '{keyspace}'", ["127.0.0.1"])
                stderr.write(f"Connection error: {unable}\n")
                return 1
        state = ShellState(
            color=color,
            debug=options.debug,
            username=_user(connection),
            cqlshrc=str(rc.path),
            max_trace_wait=rc.max_trace_wait,
            mode=mode,
            pager=options.pager,
        )
        if options.execute is not None:
            text = options.execute if options.execute.endswith(";") else options.execute + ";"
            outcome = run_statements(
                text, connection, stdout, stderr, source="<stdin>", state=state, formats=formats
            )
            return outcome.exit_code
        if script is not None:
            outcome = run_lines(
                script.splitlines(keepends=True),
                connection,
                stdout,
                stderr,
                source=options.file,
                state=state,
                formats=formats,
            )
            return outcome.exit_code
        if not tty:
            outcome = run_lines(
                stdin, connection, stdout, stderr, source="<stdin>", state=state, formats=formats
            )
            return outcome.exit_code
        from shell.repl import run_repl

        return run_repl(connection, stdin, stdout, stderr, state=state, formats=formats)
    finally:
        connection.close()
        stdout.flush()


def _usage_or_exit(parser: argparse.ArgumentParser, error: ConnectError, stderr: TextIO) -> int:
    if error.usage:
        parser.print_usage(stderr)
        stderr.write(f"cqlsh: error: {error}\n")
        return 2
    stderr.write(f"{error}\n")
    return 1


def _user(connection: Connection) -> str | None:
    options = getattr(connection, "options", None)
    return getattr(options, "username", None)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
