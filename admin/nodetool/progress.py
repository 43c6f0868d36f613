"""``--progress`` (a cqlkit extension): a live bar on stderr while ``repair``, ``compact`` or ``cleanup`` runs.

nodetool prints nothing while a compaction runs, and a repair only its progress lines. With ``--progress``
and stderr a terminal, cqlkit also draws a rich progress bar on stderr; stdout stays nodetool's, byte for
byte, and without a terminal nothing changes at all (scripts see nodetool's output).

What the bar measures:

* ``compact`` / ``cleanup``: the bytes the node's running compactions of the named tables have read, over
  their total (``compactionstats``' completed/total), polled while the command runs;
* ``repair``: the command's own progress events (the ``(progress: N%)`` of its session lines).

Against a running server the command runs in the server's process, so the client polls the server's
``compactionstats -F json`` through the admin API while it waits (:func:`remote_compaction_poll`); a
remote repair shows elapsed time only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

from admin.nodetool.command import Option, Parsed

OPTION = Option(("--progress",), "progress", "Show a progress bar on stderr while it runs (cqlkit extension)")
POLL_S = 0.2

#: (completed, total) of the work in progress, or None when nothing is measurable now
Poll = Callable[[], "tuple[int, int] | None"]


def wanted(parsed: Parsed, err: TextIO) -> bool:
    return parsed.flag("progress") and is_terminal(err)


def is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Bar:
    """One rich progress bar on ``err``; :meth:`update` with (completed, total) or a fraction."""

    def __init__(self, progress: Any, task: Any) -> None:
        self._progress = progress
        self._task = task

    def update(self, completed: float, total: float | None) -> None:
        self._progress.update(self._task, completed=completed, total=total)

    def finish(self) -> None:
        task = self._progress.tasks[0]
        self._progress.update(self._task, completed=task.total or 1, total=task.total or 1)


@contextmanager
def bar(err: TextIO, label: str) -> Iterator[Bar]:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    console = Console(file=err, force_terminal=True)
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        yield Bar(progress, progress.add_task(label, total=None))


def run_polled(err: TextIO, label: str, operation: Callable[[], Any], poll: Poll) -> Any:
    """Run ``operation`` in a thread while a bar on ``err`` follows ``poll``; return or raise its outcome."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = operation()
        except BaseException as e:  # re-raised in the caller's thread below
            outcome["error"] = e

    worker = threading.Thread(target=target, name="nodetool-progress", daemon=True)
    with bar(err, label) as shown:
        worker.start()
        while worker.is_alive():
            measured = poll()
            if measured is not None:
                shown.update(*measured)
            worker.join(POLL_S)
        if "error" not in outcome:
            shown.finish()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def compaction_poll(probe: Any, keyspace: str | None, tables: Sequence[str]) -> Poll:
    """What the node's running compactions of ``keyspace`` (and ``tables``) have done, from its probe."""

    def poll() -> tuple[int, int] | None:
        active = probe.compaction_stats().active
        return _sum_active([(a.keyspace, a.table, a.completed, a.total) for a in active], keyspace, tables)

    return poll


def remote_compaction_poll(ask: Callable[[list[str]], dict[str, Any] | None], argv: Sequence[str]) -> Poll:
    """The same measure from a running server: its ``compactionstats -F json`` through ``ask``."""
    host, keyspace, tables = _target(argv)
    request = [*(["-h", host] if host else []), "compactionstats", "-F", "json"]

    def poll() -> tuple[int, int] | None:
        document = ask(request)
        if document is None:
            return None
        active = [(a["keyspace"], a["table"], a["completed"], a["total"]) for a in document.get("active", [])]
        return _sum_active(active, keyspace, tables)

    return poll


def _sum_active(
    active: Sequence[tuple[str, str, int, int]], keyspace: str | None, tables: Sequence[str]
) -> tuple[int, int] | None:
    chosen = [a for a in active if (keyspace is None or a[0] == keyspace) and (not tables or a[1] in tables)]
    if not chosen:
        return None
    return sum(int(a[2]) for a in chosen), sum(int(a[3]) for a in chosen)


_VALUED = {"-h", "--host", "-p", "--port", "-u", "--username", "-pw", "--password", "-pwf", "--password-file"}
_VALUED |= {"-j", "--jobs", "-st", "--start-token", "-et", "--end-token", "--partition"}


def _target(argv: Sequence[str]) -> tuple[str | None, str | None, list[str]]:
    """The host (``-h``), keyspace and tables of a compact/cleanup command line."""
    host: str | None = None
    words: list[str] = []
    pending: str | None = None
    for word in argv:
        if pending is not None:
            if pending in ("-h", "--host"):
                host = word
            pending = None
        elif word in _VALUED:
            pending = word
        elif not word.startswith("-"):
            words.append(word)
    words = words[1:]  # the command's name
    return host, (words[0] if words else None), words[1:]
