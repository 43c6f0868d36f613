"""PAGER ON|OFF and ``--pager``: long results through a pager program (a cqlkit extension; cqlsh has none).

cqlsh's own paging (``PAGING``, ``---MORE---`` between pages) is unchanged and stays the default. With the
pager on, in the interactive shell with standard output on a terminal and nothing being captured, a
SELECT's whole result (every page fetched, no ``---MORE---``) is rendered first; when it has more lines
than the terminal, it is written to a pager instead of the terminal; a shorter one is printed as usual.

The pager is ``$PAGER``, run by ``/bin/sh`` as git runs it (so it may carry options), or ``less -R``
(``-R`` keeps the colors) when ``PAGER`` is unset or empty; ``LESS`` is set to ``R`` for it when unset,
for the same reason. When the program cannot be found the result is printed directly. Ctrl-C while the
pager runs is the pager's (less ignores it); the shell waits for the pager to end.

``PAGER`` answers ``PAGER is OFF``; ``PAGER ON`` answers ``PAGER set to ON`` (or ``PAGER is already ON``):
the messages of cqlsh's switches.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from shell.commands.registry import CommandContext, Invocation, command
from shell.commands.switches import flip, on_off

DEFAULT_PAGER = "less -R"


def pager_command(environ: Mapping[str, str]) -> str:
    """The pager to run: ``$PAGER`` when set and not empty, else ``less -R``."""
    return environ.get("PAGER", "").strip() or DEFAULT_PAGER


def run_pager(text: str, environ: Mapping[str, str] | None = None) -> bool:
    """Show ``text`` through the pager and wait for it to end; False (nothing shown) if it cannot start."""
    # loaded here: every shell registers the command, few run a pager (start-up matters for ``-e``)
    import shlex
    import shutil
    import subprocess

    environ = os.environ if environ is None else environ
    command_line = pager_command(environ)
    try:
        program = shlex.split(command_line)[0]
    except (ValueError, IndexError):
        return False
    if shutil.which(program, path=environ.get("PATH")) is None:
        return False
    env = dict(environ)
    env.setdefault("LESS", "R")
    try:
        process = subprocess.Popen(command_line, shell=True, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    assert process.stdin is not None
    try:
        process.stdin.write(text.encode("utf-8", errors="replace"))
        process.stdin.close()
    except BrokenPipeError:
        pass  # the pager was left before reading everything
    while True:
        try:
            process.wait()
            return True
        except KeyboardInterrupt:
            continue  # the pager's to handle; the shell goes on once it ends


@command("pager")
def pager(context: CommandContext, invocation: Invocation) -> None:
    context.state.pager = flip(context, "PAGER", context.state.pager, on_off(invocation))
