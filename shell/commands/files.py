"""SOURCE and CAPTURE: run a file of statements; send query output to a file.

``SOURCE 'file'`` runs the file as cqlsh's sub-shell does: in batch mode (errors prefixed with the file
name and line), from the default settings (tracing and color inherited), in the current keyspace, with a
``USE`` inside staying inside; errors do not stop it and do not count toward the exit status of the shell
that sourced it. ``~`` is expanded. A file that cannot be read: ``Could not open '<file>': <error>``.

``CAPTURE 'file'`` appends query output (results, warnings) to the file, uncolored, until ``CAPTURE
OFF``; messages of shell commands and errors still go to the terminal. ``CAPTURE`` alone says what is
being captured. (cqlsh 6.2.2 on PyPI no longer accepts ``CAPTURE OFF`` because of a slip in its grammar;
cqlkit follows Cassandra 5.0's cqlsh, where it stops capturing.)
"""

from __future__ import annotations

import codecs
import os

from engine.cql.lexer import TokenKind
from shell.commands.registry import CommandContext, ImproperCommand, Invocation, command
from shell.session_state import Capture

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def read_script(path: str) -> str:
    """A file of statements as text: UTF-8 unless a byte-order mark says otherwise (as cqlsh reads it)."""
    with open(path, "rb") as f:
        data = f.read()
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    return data.decode(encoding)


def _file_name(invocation: Invocation) -> str | None:
    """The argument when it is a single string literal, ``~`` expanded; None when there is none."""
    args = invocation.args
    if not args:
        return None
    if len(args) != 1 or args[0].kind is not TokenKind.STRING_LITERAL:
        raise ImproperCommand
    return os.path.expanduser(args[0].text)


@command("source")
def source(context: CommandContext, invocation: Invocation) -> None:
    path = _file_name(invocation)
    if path is None:
        raise ImproperCommand
    try:
        text = read_script(path)
    except (OSError, UnicodeDecodeError) as error:
        context.error(f"Could not open {path!r}: {error}")
        return
    context.source(path, text)


@command("capture")
def capture(context: CommandContext, invocation: Invocation) -> None:
    state = context.state
    args = invocation.args
    if len(args) == 1 and args[0].kind is TokenKind.IDENT and args[0].text.upper() == "OFF":
        if state.capture is None:
            context.error("Not currently capturing output.")
        else:
            state.stop_capture()
        return
    path = _file_name(invocation)
    if path is None:
        if state.capture is not None:
            context.message(f"Currently capturing query output to {state.capture.path!r}.")
        else:
            context.message("Currently not capturing query output.")
        return
    if state.capture is not None:
        context.error(f"Already capturing output to {state.capture.path}. Use CAPTURE OFF to disable.")
        return
    try:
        file = open(path, "a", encoding="utf-8")  # noqa: SIM115 (open until CAPTURE OFF)
    except OSError as error:
        context.error(f"Could not open {path!r} for append: {error}")
        return
    state.capture = Capture(path, file)
    context.message(f"Now capturing query output to {path!r}.")
