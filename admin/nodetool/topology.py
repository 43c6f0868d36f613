"""``decommission`` and ``removenode``: a node leaves the ring (Decommission.java, RemoveNode.java).

Both block until the data has moved and print nothing on success, as nodetool does. A refused
decommission is nodetool's ``nodetool: Unsupported operation: …`` with the usage hint (exit 1);
``removenode status`` prints ``RemovalStatus: …``; ``removenode force`` prints it too, then fails as
Cassandra's ``forceRemoveCompletion`` does when no removal is in progress.
"""

from __future__ import annotations

from admin.nodetool.command import Command, Option, Parsed, UsageError
from admin.nodetool.context import Context
from engine.probe import ProbeError


def decommission(ctx: Context, parsed: Parsed) -> None:
    ctx.probe.decommission(force=parsed.flag("force"))


def removenode(ctx: Context, parsed: Parsed) -> None:
    if len(parsed.arguments) != 1:
        raise UsageError("Required parameters are missing: remove_operation")
    operation = parsed.arguments[0]
    if operation in ("status", "force"):
        ctx.line(f"RemovalStatus: {ctx.probe.removal_status()}")
        if operation == "force":
            # a removal always completes inside its own command: there is never one left to force
            raise ProbeError("No tokens to force removal on, call 'removenode' first")
        return
    ctx.probe.remove_node(operation)


COMMANDS = (
    Command(
        "decommission",
        "Decommission the *node I am connecting to*",
        decommission,
        (
            Option(
                ("-f", "--force"),
                "force",
                "Force decommission of this node even when it reduces the number of replicas to below "
                "configured RF",
            ),
        ),
    ),
    Command(
        "removenode",
        "Show status of current node removal, force completion of pending removal or remove provided ID",
        removenode,
        (),
        "<status>|<force>|<ID>",
        "Show status of current node removal, force completion of pending removal, or remove provided ID",
    ),
)
