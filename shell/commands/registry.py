"""The shell's special commands: how a statement reaches one, and what a command may do.

cqlsh sends a statement to the handler named after its first word (``do_consistency`` for
``CONSISTENCY ...``, ``?`` meaning HELP) when it has one; everything else is CQL for the server. A
handler first checks the whole statement against the command's grammar and, if it does not match, cqlsh
prints ``Improper <word> command.`` with the word as typed. Here a handler gets the statement's tokens
(``engine.cql.lexer``: words, string literals with their quotes removed, numbers, UUIDs) and raises
:class:`ImproperCommand` when they do not fit.

Commands talk to the shell through :class:`CommandContext`: messages go to stdout (``print`` in
cqlsh), query output through :meth:`CommandContext.result` (which ``CAPTURE`` redirects), errors through
:meth:`CommandContext.error` (stderr, red, ``file:line:`` prefixed in batch mode, and counted for the
exit status).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TextIO

from engine.cql.lexer import Token, TokenKind, scan

if TYPE_CHECKING:
    from shell.connection.base import Connection
    from shell.session_state import ShellState

#: first words of statements that end at the end of their line as well as at ``;`` (cqlsh's
#: ``my_commands_ending_with_newline``; DESCRIBE is sent to the server but ends at newline too)
LINE_COMMANDS = frozenset(
    {
        "help",
        "?",
        "consistency",
        "serial",
        "describe",
        "desc",
        "show",
        "source",
        "capture",
        "login",
        "debug",
        "tracing",
        "expand",
        "paging",
        "exit",
        "quit",
        "clear",
        "cls",
        "history",
        "elapsed",  # cqlkit's own (shell.commands.elapsed)
        "pager",  # cqlkit's own (shell.commands.pager)
    }
)


class ImproperCommand(Exception):
    """The statement does not fit the command's grammar: cqlsh's ``Improper <word> command.``"""


class CommandContext(Protocol):
    """What a command can see and do in the shell that runs it."""

    state: ShellState
    connection: Connection
    tty: bool
    out: TextIO

    def input_lines(self, prompt: str) -> Iterator[str]:
        """The lines of input that follow the statement (COPY FROM STDIN), each with its newline."""

    def message(self, text: str) -> None:
        """Write ``text`` and a newline to stdout (never captured)."""

    def write(self, text: str) -> None:
        """Write ``text`` as is to stdout."""

    def result(self, text: str) -> None:
        """Write ``text`` (already with its newlines) where query output goes (the capture file, if any)."""

    def error(self, text: str) -> None:
        """Report an error as cqlsh's ``printerr`` does."""

    def source(self, path: str, text: str) -> None:
        """Run ``text`` (read from ``path``) as cqlsh runs a ``SOURCE``d file."""

    def history(self) -> Sequence[str] | None:
        """The input history, oldest first, or None when there is none (batch mode, as without readline)."""

    def read_password(self) -> str:
        """Ask for a password on the terminal (``getpass``)."""

    def stop(self) -> None:
        """End the shell after this statement."""


@dataclass(frozen=True)
class Invocation:
    """One statement addressed to a command: its first word as typed and the tokens after it."""

    word: str
    args: tuple[Token, ...]
    text: str

    def words(self) -> list[str] | None:
        """The arguments when every one is a plain word, upper-cased; None otherwise."""
        if all(t.kind is TokenKind.IDENT for t in self.args):
            return [t.text.upper() for t in self.args]
        return None


Handler = Callable[[CommandContext, Invocation], None]


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler


_REGISTRY: dict[str, Command] = {}


def command(*names: str) -> Callable[[Handler], Handler]:
    """Register ``handler`` for statements whose first word is one of ``names`` (lower case)."""

    def register(handler: Handler) -> Handler:
        for name in names:
            _REGISTRY[name] = Command(names[0], handler)
        return handler

    return register


def lookup(word: str) -> Command | None:
    return _REGISTRY.get(word.lower())


def first_word(text: str) -> str:
    """The statement's first token as typed (``?`` included), or '' for an empty statement."""
    tokens, _ = scan(text, keep_hidden=False)
    return tokens[0].text if tokens else ""


def dispatch(context: CommandContext, text: str) -> bool:
    """Run ``text`` if it is a special command and return True; return False for CQL (and DESCRIBE)."""
    tokens, lex_error = scan(text, keep_hidden=False)
    if not tokens:
        return False
    word = tokens[0].text
    found = lookup(word)
    if found is None:
        return False
    if lex_error is not None:
        context.error(f"Improper {_shown(word)} command.")
        return True
    try:
        found.handler(context, Invocation(word, tuple(tokens[1:]), text))
    except ImproperCommand:
        context.error(f"Improper {_shown(word)} command.")
    return True


def _shown(word: str) -> str:
    # cqlsh turns '?' into 'help' before it reports a statement that does not parse.
    return "help" if word == "?" else word
