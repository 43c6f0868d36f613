"""``nodetool repair``: run a full anti-entropy repair of each keyspace and print its progress (Repair.java,
RepairRunner.java).

Each keyspace is one repair command; its progress events are printed as they come,
``[yyyy-MM-dd HH:mm:ss,SSS] <message>``, a session's line followed by ``(progress: N%)``. Once the command
completes, nodetool asks the node for the command's status and prints ``condition satisfied queried for
parent session status and discovered repair completed.`` and the status message again, as 5.0 does. A
failed command (an ERROR event) ends nodetool with ``error: Error occurred during repair`` and exit 2
(Cassandra adds the stack trace of ``Repair job has failed with the error message: ...``).

cqlkit always runs a full repair: ``-full`` is accepted, and without it the options line still says
``incremental: false`` (docs/nodetool.md).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from admin.nodetool import progress
from admin.nodetool.command import Command, Option, Parsed, UsageError, keyspace_and_tables
from admin.nodetool.context import Context
from engine.probe import ProbeArgumentError, ProbeError
from engine.repair import ProgressEvent, ProgressEventType, RepairParallelism, RepairResult


class RepairError(Exception):
    """A repair command failed: nodetool's ``error: Error occurred during repair`` (exit 2)."""


def timestamp(at: float) -> str:
    """RepairRunner's ``yyyy-MM-dd HH:mm:ss,SSS``."""
    moment = datetime.fromtimestamp(at, UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S,") + f"{moment.microsecond // 1000:03d}"


def event_line(event: ProgressEvent) -> str:
    message = event.message
    if event.type is ProgressEventType.PROGRESS and event.total:
        message += f" (progress: {event.progress * 100 // event.total}%)"
    return f"[{timestamp(event.at)}] {message}"


def _int(parsed: Parsed, title: str, default: int | None = None) -> int | None:
    value = parsed.value(title)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise UsageError(f'{title}: can not convert "{value}" to a int') from None


def repair(ctx: Context, parsed: Parsed) -> None:
    keyspace, tables = keyspace_and_tables(parsed.arguments)
    probe = ctx.probe
    keyspaces = [keyspace] if keyspace is not None else list(probe.repair_keyspaces())
    if parsed.flag("sequential"):
        parallelism = RepairParallelism.SEQUENTIAL
    elif parsed.flag("dc_parallel"):
        parallelism = RepairParallelism.DATACENTER_AWARE
    else:
        parallelism = RepairParallelism.PARALLEL
    shown = contextlib.ExitStack()
    bar = shown.enter_context(progress.bar(ctx.err, "repair")) if progress.wanted(parsed, ctx.err) else None
    with shown:
        _repair_each(ctx, parsed, probe, keyspaces, tables, parallelism, _printer(ctx, bar))
        if bar is not None:
            bar.finish()  # every command succeeded (the sessions' own events stop at 57%, as Cassandra's)


def _printer(ctx: Context, bar: progress.Bar | None = None) -> Callable[[ProgressEvent], None]:
    """Each progress event as RepairRunner prints it; with a bar, the bar follows its progress too."""

    def on_event(event: ProgressEvent) -> None:
        ctx.line(event_line(event))
        if bar is not None and event.type is ProgressEventType.PROGRESS and event.total:
            bar.update(event.progress, event.total)

    return on_event


def _repair_each(
    ctx: Context,
    parsed: Parsed,
    probe: Any,
    keyspaces: list[str],
    tables: list[str],
    parallelism: RepairParallelism,
    on_event: Callable[[ProgressEvent], None],
) -> None:
    for name in keyspaces:
        try:
            result: RepairResult = probe.repair(
                name,
                tables,
                primary_range=parsed.flag("primary_range"),
                start_token=_int(parsed, "start_token"),
                end_token=_int(parsed, "end_token"),
                datacenters=parsed.value("specific_dc", []),
                hosts=parsed.value("specific_host", []),
                local_dc=parsed.flag("local_dc"),
                parallelism=parallelism,
                job_threads=_int(parsed, "num_job_threads", 1),
                pull=parsed.flag("pull"),
                force=parsed.flag("force"),
                optimise_streams=parsed.flag("optimise_streams"),
                ignore_unreplicated_keyspaces=parsed.flag("ignore_unreplicated_keyspaces"),
                on_event=on_event,
            )
        except ProbeArgumentError:
            raise
        except ProbeError as e:  # refused by repairAsync: Repair.java wraps it
            raise RepairError("Error occurred during repair") from e
        if result.command == 0:
            ctx.line(
                f"[{timestamp(probe.now().timestamp())}] Replication factor is 1. No repair is needed for keyspace '{name}'"
            )
            continue
        if not result.succeeded:
            raise RepairError("Error occurred during repair")
        status = next(e for e in result.events if e.type is ProgressEventType.SUCCESS)
        now = result.events[-1].at
        ctx.line(
            f"[{timestamp(now)}] condition satisfied queried for parent session status and discovered repair completed."
        )
        ctx.line(f"[{timestamp(now)}] {status.message}")


def _flag(names: tuple[str, ...], title: str, description: str) -> Option:
    return Option(names, title, description)


COMMANDS = (
    Command(
        "repair",
        "Repair one or more tables",
        repair,
        (
            _flag(("-full", "--full"), "fullRepair", "Use -full to issue a full repair."),
            _flag(
                ("-pr", "--partitioner-range"),
                "primary_range",
                "Use -pr to repair only the first range returned by the partitioner",
            ),
            Option(
                ("-st", "--start-token"),
                "start_token",
                "Use -st to specify a token at which the repair range starts (exclusive)",
                takes_value=True,
            ),
            Option(
                ("-et", "--end-token"),
                "end_token",
                "Use -et to specify a token at which repair range ends (inclusive)",
                takes_value=True,
            ),
            _flag(
                ("-local", "--in-local-dc"),
                "local_dc",
                "Use -local to only repair against nodes in the same datacenter",
            ),
            Option(
                ("-dc", "--in-dc"),
                "specific_dc",
                "Use -dc to repair specific datacenters",
                takes_value=True,
                repeated=True,
            ),
            Option(
                ("-hosts", "--in-hosts"),
                "specific_host",
                "Use -hosts to repair specific hosts",
                takes_value=True,
                repeated=True,
            ),
            _flag(("-seq", "--sequential"), "sequential", "Use -seq to carry out a sequential repair"),
            _flag(
                ("-dcpar", "--dc-parallel"), "dc_parallel", "Use -dcpar to repair data centers in parallel."
            ),
            Option(
                ("-j", "--job-threads"),
                "num_job_threads",
                "Number of threads to run repair jobs. Usually this means number of CFs to repair concurrently. WARNING: increasing this puts more load on repairing nodes, so be careful. (default: 1, max: 4)",
                takes_value=True,
            ),
            _flag(
                ("-tr", "--trace"),
                "trace",
                "Use -tr to trace the repair. Traces are logged to system_traces.events.",
            ),
            _flag(
                ("-pl", "--pull"),
                "pull",
                "Use --pull to perform a one way repair where data is only streamed from a remote node to this node.",
            ),
            _flag(
                ("-os", "--optimise-streams"),
                "optimise_streams",
                "Use --optimise-streams to try to reduce the number of streams we do (EXPERIMENTAL, see CASSANDRA-3200).",
            ),
            _flag(("-force", "--force"), "force", "Use -force to filter out down endpoints"),
            _flag(
                ("-iuk", "--ignore-unreplicated-keyspaces"),
                "ignore_unreplicated_keyspaces",
                "Use --ignore-unreplicated-keyspaces to ignore keyspaces which are not replicated, otherwise the repair will fail",
            ),
            progress.OPTION,
        ),
        "[<keyspace> <tables>...]",
        "The keyspace followed by one or many tables",
    ),
)
