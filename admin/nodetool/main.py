"""``nodetool`` as a function: parse, run one command against a NodeProbe, map outcomes to exit codes.

Exit status and streams as nodetool 5.0 (``NodeTool.java``):

* 0 — success (most mutating commands print nothing);
* 1 — bad usage: parse errors, unknown commands and arguments Cassandra rejects with
  IllegalArgumentException, printed on **stdout** as ``nodetool: <message>`` and
  ``See 'nodetool help' or 'nodetool help <command>'.``; also a failed connection
  (``nodetool: Failed to connect to '<host>:<port>' - ...``, on stderr);
* 2 — any other failure, on **stderr** as ``error: <message>``. Cassandra adds ``-- StackTrace --`` and a
  Java stack trace; cqlkit prints the message line only (docs/nodetool.md).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from admin.nodetool import (
    compaction,
    diskusage,
    help,
    histograms,
    info,
    maintenance,
    network,
    operations,
    repair,
    ring,
    snapshots,
    switches,
    tablestats,
    topology,
)
from admin.nodetool.command import USAGE_HINT, Command, Parsed, UsageError, parse
from admin.nodetool.context import CommandExit, Context
from engine.probe import ProbeArgumentError, ProbeError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = "7199"


class ConnectionFailed(Exception):
    """The target could not be reached: nodetool prints ``nodetool: Failed to connect to '<host>:<port>' -
    <kind>: '<message>'.`` on stderr and exits 1."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: '{message}'.")


def probe_for(cluster: Any, host: str | None) -> Any:
    """The probe of the node ``host`` names (the first node when None); a host that is not a running node
    of the cluster is refused as nodetool's connection is."""
    from engine import NodeProbe

    if host is None:
        return NodeProbe(cluster)
    try:
        return NodeProbe.for_address(cluster, host)
    except ProbeError:
        raise ConnectionFailed("ConnectException", "Connection refused (Connection refused)") from None


def _help(ctx: Context, parsed: Parsed) -> None:
    if not parsed.arguments:
        ctx.write(help.summary(COMMANDS))
        return
    name = parsed.arguments[0]
    command = COMMANDS.get(name)
    if command is None:
        raise UsageError(f"Unknown command {name}")
    ctx.write(help.command_help(command))


COMMANDS: dict[str, Command] = {
    c.name: c
    for module in (
        compaction,
        diskusage,
        histograms,
        info,
        maintenance,
        network,
        operations,
        repair,
        ring,
        snapshots,
        switches,
        tablestats,
        topology,
    )
    for c in module.COMMANDS
}
COMMANDS["help"] = Command(
    "help", "Display help information", _help, (), "[<command>...]", "", needs_probe=False
)

#: ``connect(host, port)`` opens what the probe runs on; used as a context manager yielding the probe.
Connector = Callable[[str | None, str], Any]


def run(argv: Sequence[str], *, out: TextIO, err: TextIO, connect: Connector) -> int:
    """Run ``nodetool argv``; returns the exit status."""
    try:
        parsed = parse(argv, COMMANDS)
    except UsageError as e:
        out.write(f"nodetool: {e}\n{USAGE_HINT}\n")
        return 1
    if parsed.command is None:
        out.write(help.summary(COMMANDS))
        return 0
    host = parsed.value("host")
    port = parsed.value("port", DEFAULT_PORT)
    with contextlib.ExitStack() as stack:

        def open_probe() -> Any:
            try:
                return stack.enter_context(connect(host, port))
            except ConnectionFailed as e:
                raise _Connect(f"Failed to connect to '{host or DEFAULT_HOST}:{port}' - {e}") from None

        ctx = Context(out, err, open_probe, print_port=parsed.flag("print_port"))
        try:
            parsed.command.run(ctx, parsed)
        except CommandExit as e:
            return e.code
        except (UsageError, ProbeArgumentError) as e:
            out.write(f"nodetool: {e}\n{USAGE_HINT}\n")
            return 1
        except _Connect as e:
            err.write(f"nodetool: {e}\n")
            return 1
        except ProbeError as e:
            err.write(f"error: {e}\n")
            return 2
        except Exception as e:  # nodetool's catch-all: any other failure is "error: <message>", exit 2
            err.write(f"error: {e}\n")
            return 2
    return 0


class _Connect(Exception):
    pass
