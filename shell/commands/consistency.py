"""CONSISTENCY and SERIAL CONSISTENCY: the levels later statements are sent with.

``CONSISTENCY`` alone answers ``Current consistency level is ONE.``; ``CONSISTENCY quorum`` answers
``Consistency level set to QUORUM.`` (the level upper-cased). A level outside the grammar's list is an
improper command, as in cqlsh. ``SERIAL CONSISTENCY`` takes only SERIAL or LOCAL_SERIAL.
"""

from __future__ import annotations

from shell.commands.registry import CommandContext, ImproperCommand, Invocation, command
from shell.session_state import CONSISTENCY_LEVELS, SERIAL_CONSISTENCY_LEVELS


def _level(invocation: Invocation, skip: int, levels: tuple[str, ...]) -> str | None:
    """The level named after the first ``skip`` argument words, None when none is; raises if invalid."""
    words = invocation.words()
    if words is None or len(words) > skip + 1:
        raise ImproperCommand
    if len(words) == skip + 1:
        if words[skip] not in levels:
            raise ImproperCommand
        return words[skip]
    return None


@command("consistency")
def consistency(context: CommandContext, invocation: Invocation) -> None:
    level = _level(invocation, 0, CONSISTENCY_LEVELS)
    if level is None:
        context.message(f"Current consistency level is {context.state.consistency}.")
        return
    context.state.consistency = level
    context.message(f"Consistency level set to {level}.")


@command("serial")
def serial_consistency(context: CommandContext, invocation: Invocation) -> None:
    words = invocation.words()
    if not words or words[0] != "CONSISTENCY":
        raise ImproperCommand
    level = _level(invocation, 1, SERIAL_CONSISTENCY_LEVELS)
    if level is None:
        context.message(f"Current serial consistency level is {context.state.serial_consistency}.")
        return
    context.state.serial_consistency = level
    context.message(f"Serial consistency level set to {level}.")
