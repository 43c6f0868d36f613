"""cqlsh's special commands (everything the shell answers itself rather than sending to the server).

``dispatch(context, text)`` runs a statement if it is one and says whether it was; ``LINE_COMMANDS`` are
the first words of statements that end at the end of their line. One module per family of commands
registers its handlers with ``registry.command``; importing this package registers them all.
"""

from shell.commands import consistency, elapsed, files, help, pager, session, show, switches
from shell.commands.registry import (
    LINE_COMMANDS,
    CommandContext,
    ImproperCommand,
    Invocation,
    dispatch,
    first_word,
    lookup,
)

__all__ = [
    "LINE_COMMANDS",
    "CommandContext",
    "ImproperCommand",
    "Invocation",
    "consistency",
    "dispatch",
    "elapsed",
    "files",
    "first_word",
    "help",
    "lookup",
    "pager",
    "session",
    "show",
    "switches",
]
