"""ELAPSED ON|OFF: the client-side wall time of each statement (a cqlkit extension; cqlsh has none).

``ELAPSED`` answers ``ELAPSED is OFF``; ``ELAPSED ON`` answers ``ELAPSED set to ON`` (or ``ELAPSED is
already ON``), the messages of cqlsh's other switches. While it is on, every statement sent to the server
(CQL, DESCRIBE) is followed by one line::

    (elapsed 12.3 ms)

the wall time, in milliseconds with one decimal, from sending the statement to the end of its printed
result (every page fetched and rendered; time spent waiting at ``---MORE---`` is not counted). A failed
statement prints its line after the error. Special commands (CONSISTENCY, COPY, ...) are not timed. The
line goes where query output goes (``CAPTURE`` takes it), except in ``--mode csv|json``, where stdout holds
only rows and it goes to stderr.
"""

from __future__ import annotations

from shell.commands.registry import CommandContext, Invocation, command
from shell.commands.switches import flip, on_off


def elapsed_line(seconds: float) -> str:
    """The line printed after a timed statement."""
    return f"(elapsed {seconds * 1000:.1f} ms)"


@command("elapsed")
def elapsed(context: CommandContext, invocation: Invocation) -> None:
    context.state.elapsed = flip(context, "ELAPSED", context.state.elapsed, on_off(invocation))
