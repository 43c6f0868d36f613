"""``netstats``, ``gossipinfo``, ``proxyhistograms``, ``getseeds``, ``gettimeout``, ``settimeout``
(NetStats.java, GossipInfo.java, ProxyHistograms.java, GetSeeds.java, GetTimeout.java, SetTimeout.java):
one NodeProbe call each (``engine.probe.network``), printed as nodetool 5.0 prints it."""

from __future__ import annotations

import re
import socket

from admin.nodetool.command import Command, Option, Parsed
from admin.nodetool.context import Context
from admin.nodetool.formatting import java_fixed
from engine.probe import ProbeArgumentError
from engine.probe.network import TIMEOUT_TYPES

_LONG = re.compile(r"[+-]?[0-9]+")
_POOL_ROW = "%-25s%10s%10s%15s%10s"


def netstats(ctx: Context, parsed: Parsed) -> None:
    stats = ctx.probe.net_stats()
    ctx.line(f"Mode: {stats.mode.value}")
    ctx.line("Not sending any streams.")  # cqlkit streams only inside a repair, which runs to completion
    ctx.line("Read Repair Statistics:")
    ctx.line(f"Attempted: {stats.read_repair_attempted}")
    ctx.line(f"Mismatch (Blocking): {stats.read_repair_repaired_blocking}")
    ctx.line(f"Mismatch (Background): {stats.read_repair_repaired_background}")
    ctx.line(_POOL_ROW % ("Pool Name", "Active", "Pending", "Completed", "Dropped"))
    for pool in stats.pools:
        ctx.line(_POOL_ROW % (pool.name, "n/a", pool.pending, pool.completed, pool.dropped))


def gossipinfo(ctx: Context, parsed: Parsed) -> None:
    lines = []
    resolve = parsed.flag("resolve_ip")
    for endpoint in ctx.probe.gossip_info():
        if resolve:  # InetAddressAndPort.getHostName(withPort): the name, no leading slash
            name = _host_name(endpoint.address)
            lines.append(f"{name}:{endpoint.storage_port}" if ctx.print_port else name)
        else:
            lines.append("/" + (endpoint.address_and_port if ctx.print_port else endpoint.address))
        lines.append(f"  generation:{endpoint.generation}")
        lines.append(f"  heartbeat:{endpoint.heartbeat}")
        lines += [f"  {s.name}:{s.version}:{s.value}" for s in endpoint.states]
        if endpoint.tokens_version is not None:
            lines.append(f"  TOKENS:{endpoint.tokens_version}:<hidden>")
        else:
            lines.append("  TOKENS: not present")
    # FailureDetector's text ends each line with \n and nodetool println()s it: one blank line closes it.
    ctx.write("".join(line + "\n" for line in lines) + "\n")


def _host_name(address: str) -> str:
    """The address's name by reverse lookup, or the address itself (Java's ``getHostName``)."""
    try:
        return socket.gethostbyaddr(address)[0]
    except OSError:
        return address


_PERCENTILES = ("50%", "75%", "95%", "98%", "99%", "Min", "Max")
_HEADER = "%-10s%19s%19s%19s%19s%19s%19s"


def proxyhistograms(ctx: Context, parsed: Parsed) -> None:
    h = ctx.probe.proxy_histograms()
    ctx.line("proxy histograms")
    ctx.line(
        _HEADER
        % (
            "Percentile",
            "Read Latency",
            "Write Latency",
            "Range Latency",
            "CAS Read Latency",
            "CAS Write Latency",
            "View Write Latency",
        )
    )
    ctx.line(_HEADER % ("", "(micros)", "(micros)", "(micros)", "(micros)", "(micros)", "(micros)"))
    columns = (h.read, h.write, h.range_slice, h.cas_read, h.cas_write, h.view_write)
    for index, name in enumerate(_PERCENTILES):
        cells = "".join(java_fixed(c.values()[index], 2).rjust(19) for c in columns)
        ctx.line(f"{name:<10}{cells}")
    ctx.line()


def getseeds(ctx: Context, parsed: Parsed) -> None:
    seeds = ctx.probe.seeds()
    if not seeds:
        ctx.line("Seed node list does not contain any remote node IPs")
    else:
        ctx.line("Current list of seed node IPs, excluding the current node's IP: " + " ".join(seeds))


def gettimeout(ctx: Context, parsed: Parsed) -> None:
    if len(parsed.arguments) != 1:
        raise ProbeArgumentError(f"gettimeout requires a timeout type, one of ({TIMEOUT_TYPES})")
    name = parsed.arguments[0]
    ctx.line(f"Current timeout for type {name}: {ctx.probe.timeout(name)} ms")


_SET_USAGE = (
    "Timeout type followed by value in ms (0 disables socket streaming timeout). "
    f"Type should be one of ({TIMEOUT_TYPES})"
)


def settimeout(ctx: Context, parsed: Parsed) -> None:
    if len(parsed.arguments) != 2:
        raise ProbeArgumentError(_SET_USAGE)
    name, text = parsed.arguments
    if _LONG.fullmatch(text) is None:  # Long.parseLong: an optional sign, then ASCII digits
        raise ProbeArgumentError(f'For input string: "{text}"')
    ctx.probe.set_timeout(name, int(text))


COMMANDS = (
    Command(
        "netstats",
        "Print network information on provided host (connecting node by default)",
        netstats,
        (
            Option(
                ("-H", "--human-readable"),
                "human_readable",
                "Display bytes in human readable form, i.e. KiB, MiB, GiB, TiB",
            ),
        ),
    ),
    Command(
        "gossipinfo",
        "Shows the gossip information for the cluster",
        gossipinfo,
        (Option(("-r", "--resolve-ip"), "resolve_ip", "Show node domain names instead of IPs"),),
    ),
    Command("proxyhistograms", "Print statistic histograms for network operations", proxyhistograms),
    Command("getseeds", "Get the currently in use seed node IP list excluding the node IP", getseeds),
    Command(
        "gettimeout",
        "Print the timeout of the given type in ms",
        gettimeout,
        (),
        "<timeout_type>",
        f"The timeout type, one of ({TIMEOUT_TYPES})",
    ),
    Command(
        "settimeout",
        "Set the specified timeout in ms, or 0 to disable timeout",
        settimeout,
        (),
        "<timeout_type> <timeout_in_ms>",
        _SET_USAGE,
    ),
)
