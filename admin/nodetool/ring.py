"""``status``, ``ring``, ``describecluster``, ``describering``, ``getendpoints``: the ring as nodetool
prints it (Status.java, Ring.java, DescribeCluster.java, DescribeRing.java, GetEndpoints.java)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from admin.nodetool import machine
from admin.nodetool.command import Command, Option, Parsed, UsageError
from admin.nodetool.context import CommandExit, Context
from admin.nodetool.formatting import TableBuilder, file_size, shared_widths
from engine.probe import NodeStatus, ProbeArgumentError


def _percent(fraction: float, places: int) -> str:
    """``DecimalFormat("##0.0%")`` / ``("##0.00%")``."""
    quantum = Decimal(1).scaleb(-places)
    return f"{Decimal(fraction * 100).quantize(quantum, rounding=ROUND_HALF_EVEN)}%"


def _single_keyspace(parsed: Parsed) -> str | None:
    if len(parsed.arguments) > 1:
        raise UsageError(f"Found unexpected parameters: [{', '.join(parsed.arguments[1:])}]")
    return parsed.arguments[0] if parsed.arguments else None


def _by_datacenter(ring_endpoints: tuple) -> dict[str, list]:
    """Endpoints per data center (sorted), each in the order of its lowest token (as Cassandra lists them)."""
    ordered = sorted(ring_endpoints, key=lambda r: r.endpoint.tokens[0] if r.endpoint.tokens else 2**63)
    out: dict[str, list] = {}
    for item in ordered:
        out.setdefault(item.endpoint.data_center, []).append(item)
    return dict(sorted(out.items()))


def _ring_document(ownership, ring) -> dict:  # type: ignore[no-untyped-def]
    """``-F json|yaml`` (cqlkit extension): every node with its load and ownership fraction."""
    return {
        "effective_ownership": ownership.effective,
        "note": ownership.note,
        "nodes": [
            {
                **machine.document(r.endpoint),
                "load": r.load,
                "owns": ownership.fractions.get(r.endpoint.address),
            }
            for r in ring
        ],
    }


def status(ctx: Context, parsed: Parsed) -> None:
    keyspace = _single_keyspace(parsed)
    fmt = parsed.value("format")
    machine.check(fmt)
    probe = ctx.probe
    try:
        ownership = probe.ownership(keyspace)
    except ProbeArgumentError as e:
        ctx.write(f"\nError: {e}\n")
        raise CommandExit(1) from None
    ring = probe.ring_endpoints()
    if fmt is not None:
        ctx.write(machine.dump(_ring_document(ownership, ring), fmt))
        return
    datacenters = _by_datacenter(ring)
    token_per_node = sum(len(r.endpoint.tokens) for r in ring) <= len(ring)
    owns_header = "Owns (effective)" if ownership.effective else "Owns"
    tables = []
    for members in datacenters.values():
        table = TableBuilder("  ")
        if token_per_node:
            table.add("--", "Address", "Load", owns_header, "Host ID", "Token", "Rack")
        else:
            table.add("--", "Address", "Load", "Tokens", owns_header, "Host ID", "Rack")
        for item in members:
            e = item.endpoint
            owned = ownership.fractions.get(e.address)
            owns = _percent(owned, 1) if owned is not None and ownership.effective else "?"
            state = e.status.value + e.state.value
            load = file_size(item.load) if item.load is not None else "?"
            address = ctx.address(e)
            if token_per_node:
                token = str(e.tokens[0]) if e.tokens else ""
                table.add(state, address, load, owns, str(e.host_id), token, e.rack)
            else:
                table.add(state, address, load, str(len(e.tokens)), owns, str(e.host_id), e.rack)
        tables.append(table)
    widths = shared_widths(tables)
    for i, (datacenter, table) in enumerate(zip(datacenters, tables, strict=True)):
        if i:
            ctx.line()
        header = f"Datacenter: {datacenter}"
        ctx.line(header)
        ctx.line("=" * len(header))
        ctx.line("Status=Up/Down")
        ctx.line("|/ State=Normal/Leaving/Joining/Moving")
        ctx.write(table.render(widths))
    ctx.line()
    if ownership.note:
        ctx.line(f"Note: {ownership.note}")


def ring(ctx: Context, parsed: Parsed) -> None:
    keyspace = _single_keyspace(parsed)
    fmt = parsed.value("format")
    machine.check(fmt)
    probe = ctx.probe
    try:
        ownership = probe.ownership(keyspace)
    except ProbeArgumentError as e:
        ctx.write(f"\nError: {e}\n")
        return
    ring_endpoints = probe.ring_endpoints()
    if fmt is not None:
        ctx.write(machine.dump(_ring_document(ownership, ring_endpoints), fmt))
        return
    width = max(len(ctx.address(r.endpoint)) for r in ring_endpoints)
    row = f"%-{width}s  %-12s%-7s%-8s%-16s%-20s%-44s\n"
    have_vnodes = any(len(r.endpoint.tokens) > 1 for r in ring_endpoints)
    ctx.line()
    for datacenter, members in _by_datacenter(ring_endpoints).items():
        ctx.line(f"Datacenter: {datacenter}")
        ctx.line("==========")
        rows = sorted(((t, m) for m in members for t in m.endpoint.tokens), key=lambda x: x[0])
        ctx.write(row % ("Address", "Rack", "Status", "State", "Load", "Owns", "Token"))
        if len(rows) > 1:
            ctx.write(row % ("", "", "", "", "", "", str(rows[-1][0])))
        else:
            ctx.line()
        for token, item in rows:
            e = item.endpoint
            word = {NodeStatus.UP: "Up", NodeStatus.DOWN: "Down"}.get(e.status, "?")
            owned = ownership.fractions.get(e.address)
            owns = _percent(owned, 2) if owned is not None and ownership.effective else "?"
            ctx.write(
                row
                % (
                    ctx.address(e),
                    e.rack,
                    word,
                    e.state.title,
                    file_size(item.load) if item.load is not None else "?",
                    owns,
                    str(token),
                )
            )
        ctx.line()
    if have_vnodes:
        ctx.line('  Warning: "nodetool ring" is used to output all the tokens of a node.')
        ctx.line('  To view status related info of a node use "nodetool status" instead.\n')
    ctx.write("\n  " + (f"Note: {ownership.note}\n" if ownership.note else ""))


def describecluster(ctx: Context, parsed: Parsed) -> None:
    d = ctx.probe.describe_cluster()
    ctx.line("Cluster Information:")
    ctx.line(f"\tName: {d.name}")
    ctx.line(f"\tSnitch: {d.snitch}")
    ctx.line(f"\tDynamicEndPointSnitch: {'enabled' if d.dynamic_snitch else 'disabled'}")
    ctx.line(f"\tPartitioner: {d.partitioner}")
    ctx.line("\tSchema versions:")
    for version, endpoints in d.schema_versions.items():
        ctx.line(f"\t\t{version}: [{', '.join(ctx.address(e) for e in endpoints)}]\n")
    endpoints = d.endpoints
    ctx.line("Stats for all nodes:")
    ctx.line(f"\tLive: {sum(e.status is NodeStatus.UP for e in endpoints)}")
    for state in ("JOINING", "MOVING", "LEAVING"):
        ctx.line(f"\t{state.capitalize()}: {sum(e.state.name == state for e in endpoints)}")
    ctx.line(f"\tUnreachable: {sum(e.status is NodeStatus.DOWN for e in endpoints)}")
    if d.ownership_error:
        ctx.line(f"Error: {d.ownership_error}")
    ctx.line("\nData Centers: ")
    for datacenter in sorted({e.data_center for e in endpoints}):
        members = [e for e in endpoints if e.data_center == datacenter]
        down = sum(e.status is NodeStatus.DOWN for e in members)
        ctx.line(f"\t{datacenter} #Nodes: {len(members)} #Down: {down}")
    ctx.line("\nDatabase versions:")
    versions: dict[str, list[str]] = {}
    for e in endpoints:
        versions.setdefault(e.release_version, []).append(e.address_and_port)
    for version, addresses in versions.items():
        ctx.line(f"\t{version}: [{', '.join(addresses)}]\n")
    ctx.line("Keyspaces:")
    for name, strategy, options in d.keyspaces:
        rendered = ", ".join(f"{k}={v}" for k, v in sorted(options.items()))
        ctx.line(f"\t{name} -> Replication class: {strategy} {{{rendered}}}")


def describering(ctx: Context, parsed: Parsed) -> None:
    if len(parsed.arguments) != 1:
        raise UsageError("describering requires a keyspace argument")  # checkArgument in DescribeRing
    keyspace = parsed.arguments[0]
    probe = ctx.probe
    ctx.line(f"Schema Version:{probe.schema_version}")
    ctx.line("TokenRange: ")
    port = f":{probe.local.storage_port}" if ctx.print_port else ""
    for r in probe.describe_ring(keyspace):
        hosts = ", ".join(h + port for h in r.endpoints)
        rpcs = ", ".join(r.rpc_endpoints)
        details = ", ".join(
            f"EndpointDetails(host:{d.host}{port}, datacenter:{d.data_center}, rack:{d.rack})"
            for d in r.details
        )
        ctx.line(
            f"\tTokenRange(start_token:{r.start_token}, end_token:{r.end_token}, endpoints:[{hosts}], "
            f"rpc_endpoints:[{rpcs}], endpoint_details:[{details}])"
        )


def getendpoints(ctx: Context, parsed: Parsed) -> None:
    if len(parsed.arguments) != 3:
        raise UsageError("getendpoints requires keyspace, table and partition key arguments")
    keyspace, table, key = parsed.arguments
    probe = ctx.probe
    port = f":{probe.local.storage_port}" if ctx.print_port else ""
    for address in probe.natural_endpoints(keyspace, table, key):
        ctx.line(address + port)


RESOLVE_IP = Option(("-r", "--resolve-ip"), "resolve_ip", "Show node domain names instead of IPs")
FORMAT = Option(
    ("-F", "--format"),
    "format",
    "Output format (json, yaml); a cqlkit extension for this command",
    takes_value=True,
)

COMMANDS = (
    Command(
        "status",
        "Print cluster information (state, load, IDs, ...)",
        status,
        (RESOLVE_IP, FORMAT),
        "[<keyspace>]",
        "The keyspace name",
    ),
    Command(
        "ring",
        "Print information about the token ring",
        ring,
        (RESOLVE_IP, FORMAT),
        "[<keyspace>]",
        "Specify a keyspace for accurate ownership information (topology awareness)",
    ),
    Command(
        "describecluster",
        "Print the name, snitch, partitioner and schema version of a cluster",
        describecluster,
    ),
    Command(
        "describering",
        "Shows the token ranges info of a given keyspace",
        describering,
        (),
        "<keyspace>",
        "The keyspace name",
    ),
    Command(
        "getendpoints",
        "Print the end points that owns the key",
        getendpoints,
        (),
        "<keyspace> <table> <key>",
        "The keyspace, the table, and the partition key for which we need to find the endpoint",
    ),
)
