"""EXPAND, PAGING and TRACING: on/off switches, with the messages of cqlsh 6.2 (Cassandra 5.0).

``EXPAND`` alone answers ``EXPAND is OFF``; ``EXPAND ON`` answers ``EXPAND set to ON``, or ``EXPAND is
already ON`` when it was. PAGING also takes a page size (``PAGING 50`` turns paging on with 50 rows per
page) and, whenever paging is on afterwards, adds ``Page size: N``; ``PAGING OFF`` resets the size to 100.

cqlkit adds ``EXPAND AUTO`` (``EXPAND set to AUTO``, ``EXPAND is AUTO``, ``EXPAND is already AUTO``): rows
are shown in blocks when their table would be wider than the terminal (``shell.output.printer``).

Tracing: cqlkit's engine records no traces yet. ``TRACING ON`` is accepted and remembered, and statements
then print what cqlsh prints when the server returns no trace for a request: nothing more.
"""

from __future__ import annotations

from shell.commands.registry import CommandContext, ImproperCommand, Invocation, command
from shell.session_state import DEFAULT_PAGE_SIZE, Expand


def on_off(invocation: Invocation) -> bool | None:
    """ON -> True, OFF -> False, nothing -> None; anything else is improper."""
    words = invocation.words()
    if words is None or len(words) > 1 or (words and words[0] not in ("ON", "OFF")):
        raise ImproperCommand
    return words[0] == "ON" if words else None


def flip(context: CommandContext, name: str, current: bool, wanted: bool | None) -> bool:
    """cqlsh's ``on_off_switch``: report or change a switch, returning its new value."""
    shown = "ON" if current else "OFF"
    if wanted is None:
        context.message(f"{name} is {shown}")
        return current
    if wanted == current:
        context.message(f"{name} is already {shown}")
        return current
    context.message(f"{name} set to {'ON' if wanted else 'OFF'}")
    return wanted


@command("expand")
def expand(context: CommandContext, invocation: Invocation) -> None:
    state = context.state
    words = invocation.words()
    if words == ["AUTO"] or (not words and state.expand is Expand.AUTO):
        # cqlkit's AUTO, reported with the words cqlsh uses for ON and OFF
        if not words:
            context.message("EXPAND is AUTO")
        elif state.expand is Expand.AUTO:
            context.message("EXPAND is already AUTO")
        else:
            context.message("EXPAND set to AUTO")
        state.expand = Expand.AUTO
        return
    wanted = on_off(invocation)
    if state.expand is Expand.AUTO:
        context.message(f"EXPAND set to {'ON' if wanted else 'OFF'}")
        state.expand = Expand.ON if wanted else Expand.OFF
        return
    on = flip(context, "EXPAND", state.expand is Expand.ON, wanted)
    state.expand = Expand.ON if on else Expand.OFF


@command("tracing")
def tracing(context: CommandContext, invocation: Invocation) -> None:
    context.state.tracing = flip(context, "TRACING", context.state.tracing, on_off(invocation))


@command("paging")
def paging(context: CommandContext, invocation: Invocation) -> None:
    state = context.state
    args = invocation.args
    if len(args) == 1 and args[0].text.isdigit():  # <wholenumber>: no sign
        state.paging, state.page_size = True, int(args[0].text)
    else:
        state.paging = flip(context, "PAGING", state.paging, on_off(invocation))
    if state.paging:
        context.message(f"Page size: {state.page_size}")
    else:
        state.page_size = DEFAULT_PAGE_SIZE
