"""EXIT/QUIT, CLEAR/CLS, HISTORY, LOGIN, DEBUG.

* ``EXIT``/``QUIT`` end the shell (in a ``SOURCE``d file: the file) and print nothing.
* ``CLEAR``/``CLS`` clear the terminal (cqlsh runs ``clear``; cqlkit writes the same escape sequences).
* ``HISTORY [n]`` prints the last ``n`` (default 50; the number sticks for the session) lines of input
  before the HISTORY command itself. In batch mode cqlsh has no readline and fails with the error printed
  here too.
* ``LOGIN user ['password']`` connects again as ``user`` (over the driver: a new connection with
  PlainTextAuthProvider; a failure is reported and the old login kept). The embedded cluster has no
  authentication yet, so any login succeeds there, as against a Cassandra with ``AllowAllAuthenticator``;
  the prompt then shows ``user@``. Without a password, one is asked for on the terminal, as cqlsh does.
* ``DEBUG`` drops into pdb on a terminal (a developer's command, as in cqlsh); in batch mode it is ignored.
"""

from __future__ import annotations

from engine.cql.lexer import TokenKind
from shell.commands.registry import CommandContext, ImproperCommand, Invocation, command
from shell.connection.base import QueryError

#: what ``clear`` writes on an xterm-like terminal: home, erase display, erase scrollback
CLEAR_SCREEN = "\x1b[H\x1b[2J\x1b[3J"


def _no_arguments(invocation: Invocation) -> None:
    if invocation.args:
        raise ImproperCommand


@command("exit", "quit")
def exit_command(context: CommandContext, invocation: Invocation) -> None:
    _no_arguments(invocation)
    context.stop()


@command("clear", "cls")
def clear(context: CommandContext, invocation: Invocation) -> None:
    _no_arguments(invocation)
    context.write(CLEAR_SCREEN)


@command("history")
def history(context: CommandContext, invocation: Invocation) -> None:
    args = invocation.args
    if len(args) > 1 or (args and not (args[0].kind is TokenKind.INTEGER and args[0].text.isdigit())):
        raise ImproperCommand
    entries = context.history()
    if entries is None:
        context.error("'NoneType' object has no attribute 'get_current_history_length'")
        return
    if args:
        context.state.history_shown = int(args[0].text)
    # readline numbers entries from 1; cqlsh shows max(1, length - n) .. length - 1.
    length = len(entries)
    for index in range(max(1, length - context.state.history_shown), length):
        context.message(entries[index - 1])


@command("login")
def login(context: CommandContext, invocation: Invocation) -> None:
    args = invocation.args
    if not args or len(args) > 2:
        raise ImproperCommand
    user, password = args[0], args[1] if len(args) == 2 else None
    if user.kind not in (TokenKind.IDENT, TokenKind.QUOTED_NAME, TokenKind.STRING_LITERAL):
        raise ImproperCommand
    if password is not None and password.kind is not TokenKind.STRING_LITERAL:
        raise ImproperCommand
    secret = context.read_password() if password is None else password.text
    try:
        context.connection.login(user.text, secret)
    except QueryError as error:
        context.error(error.text)  # cqlsh keeps the old login
        return
    context.state.username = user.text


@command("debug")
def debug(context: CommandContext, invocation: Invocation) -> None:
    words = invocation.words()
    if words is None or words not in ([], ["THINGS"]):
        raise ImproperCommand
    if context.tty:
        import pdb  # a developer's command: not loaded at start-up

        pdb.Pdb().set_trace()
