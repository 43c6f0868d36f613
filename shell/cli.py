"""``cqlkit cqlsh``: cqlsh's command line (``Usage: cqlsh.py [options] [host [port]]``).

Without a host the shell opens the embedded default cluster (``$CQLKIT_HOME``, see ``engine.Cluster``)
in this process. ``-e`` runs the given statements (a missing final ``;`` is added, as cqlsh does), ``-f``
runs a file, and piped standard input is read the same way; all three are batch mode: no banner, no
prompt, no color unless ``--color``, errors prefixed with ``<source>:<line>:``, exit status 2 if any
statement failed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TextIO

import engine
from shell.batch import run_statements
from shell.connection.embedded import EmbeddedConnection

CQLSH_VERSION = "6.2.0"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cqlsh", usage="cqlsh [options] [host [port]]", add_help=True)
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
    parser.add_argument("--request-timeout", type=float, default=10.0)
    parser.add_argument("--connect-timeout", type=float, default=5.0)
    parser.add_argument("-t", "--tty", action="store_true")
    return parser


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
    options = _parser().parse_args(list(argv) if argv is not None else None)
    if options.host is not None:
        stderr.write(
            "Connection error: remote hosts are reached through the native protocol, which this build of "
            "cqlkit cqlsh does not speak yet; run without a host to use the embedded cluster\n"
        )
        return 1
    if options.execute is not None:
        text, source = options.execute, "<stdin>"
        if not text.rstrip().endswith(";"):
            text = text.rstrip() + ";"
    elif options.file is not None:
        try:
            with open(options.file, encoding=options.encoding) as f:
                text = f.read()
        except OSError as e:
            stderr.write(f"Can't open {options.file!r}: {e}\n")
            return 1
        source = options.file
    elif not stdin.isatty():
        text, source = stdin.read(), "<stdin>"
    else:
        stderr.write(
            "cqlkit cqlsh: the interactive shell needs a terminal session with -e, -f or piped input in this build\n"
        )
        return 1
    color = bool(options.color)
    connection = EmbeddedConnection(options.cluster or os.environ.get("CQLKIT_CLUSTER"), None)
    try:
        if options.keyspace:
            try:
                connection.session.set_keyspace(options.keyspace)
            except engine.CqlError as error:
                stderr.write(f"{type(error).__name__}: {error.message}\n")
                return 2
        outcome = run_statements(text, connection, stdout, stderr, source=source, color=color)
    finally:
        connection.close()
    stdout.flush()
    return outcome.exit_code
