"""Hinted handoff, the native transport and gossip, switched on and off at runtime (EnableHandoff.java,
DisableHandoff.java, PauseHandoff.java, ResumeHandoff.java, StatusHandoff.java, EnableBinary.java,
DisableBinary.java, StatusBinary.java, EnableGossip.java, DisableGossip.java, StatusGossip.java).

Silent on success, as nodetool is; the status commands print nodetool's words. Like Cassandra's, the
switches last as long as the process that runs the node: a running server keeps them, an in-process
``cqlkit nodetool`` forgets them when it exits.
"""

from __future__ import annotations

from admin.nodetool.command import Command, Parsed
from admin.nodetool.context import Context


def _running(flag: bool) -> str:
    return "running" if flag else "not running"


def status_handoff(ctx: Context, parsed: Parsed) -> None:
    ctx.line(f"Hinted handoff is {_running(ctx.probe.handoff_enabled())}")


def status_binary(ctx: Context, parsed: Parsed) -> None:
    ctx.line(_running(ctx.probe.native_transport_running()))


def status_gossip(ctx: Context, parsed: Parsed) -> None:
    ctx.line(_running(ctx.probe.gossip_running()))


COMMANDS = (
    Command(
        "enablehandoff",
        "Reenable future hints storing on the current node",
        lambda ctx, parsed: ctx.probe.set_handoff(True),
    ),
    Command(
        "disablehandoff", "Disable storing hinted handoffs", lambda ctx, parsed: ctx.probe.set_handoff(False)
    ),
    Command("statushandoff", "Status of storing future hints on the current node", status_handoff),
    Command(
        "pausehandoff", "Pause hints delivery process", lambda ctx, parsed: ctx.probe.set_handoff_paused(True)
    ),
    Command(
        "resumehandoff",
        "Resume hints delivery process",
        lambda ctx, parsed: ctx.probe.set_handoff_paused(False),
    ),
    Command(
        "enablebinary",
        "Reenable native transport (binary protocol)",
        lambda ctx, parsed: ctx.probe.set_native_transport(True),
    ),
    Command(
        "disablebinary",
        "Disable native transport (binary protocol)",
        lambda ctx, parsed: ctx.probe.set_native_transport(False),
    ),
    Command("statusbinary", "Status of native transport (binary protocol)", status_binary),
    Command("enablegossip", "Reenable gossip", lambda ctx, parsed: ctx.probe.set_gossip(True)),
    Command(
        "disablegossip",
        "Disable gossip (effectively marking the node down)",
        lambda ctx, parsed: ctx.probe.set_gossip(False),
    ),
    Command("statusgossip", "Status of gossip", status_gossip),
)
