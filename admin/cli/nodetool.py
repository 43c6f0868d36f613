"""``cqlkit nodetool``: nodetool's command line over the current cluster.

With no ``-h``, the command runs in this process on the current cluster (``$CQLKIT_HOME``, default
``~/.cqlkit``; the cluster named in ``clusters/CURRENT`` when that file exists, else ``default``, as
``cqlkit cqlsh`` opens it), on its first node; ``-h 127.0.0.N`` (or a node name) picks node N. The
cluster is opened for the command and closed after it (flushing what it wrote), so settings changed
with ``setcompactionthroughput`` or ``disableautocompaction`` last only as long as that process: they
persist in a running server. While a ``cqlkit serve`` holds the cluster (``server.lock``), the command
runs in that server, on its live nodes, through the admin API (``admin.nodetool.remote``).

Arguments are parsed by :mod:`admin.nodetool.command` (airline's rules and messages), not by typer.
"""

from __future__ import annotations

import contextlib
import fcntl
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer


def cluster_directory() -> Path:
    from engine.cluster.session import default_home

    home = default_home()
    current = home / "clusters" / "CURRENT"
    name = current.read_text(encoding="utf-8").strip() if current.is_file() else ""
    return home / "clusters" / (name or "default")


def _served(directory: Path) -> bool:
    lock = directory / "server.lock"
    if not lock.exists():
        return False
    with open(lock, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


@contextlib.contextmanager
def connect(host: str | None, port: str) -> Iterator[Any]:
    """Open the current cluster in this process and yield the probe of the node ``host`` names."""
    from admin.nodetool.main import ConnectionFailed, probe_for
    from engine import Cluster, DirectoryInUse

    directory = cluster_directory()
    if _served(directory):
        raise ConnectionFailed(
            "ConnectException",
            f"cluster {directory} is served by a cqlkit serve that has not written server.json yet "
            "(still starting); try again",
        )
    try:
        cluster = Cluster.open(directory)
    except DirectoryInUse as e:
        raise ConnectionFailed("ConnectException", str(e)) from None
    try:
        yield probe_for(cluster, host)
    finally:
        cluster.shutdown()


def nodetool(ctx: typer.Context) -> None:
    """Cassandra's nodetool over the current cluster (nodetool's options; run ``cqlkit nodetool help``)."""
    raise typer.Exit(run_nodetool(ctx.args))


def run_nodetool(args: list[str]) -> int:
    """Run nodetool ``args`` on the current cluster: in its running server, else in this process."""
    from admin.nodetool.main import run

    directory = cluster_directory()
    server = _server_json(directory) if _served(directory) else None
    if server is not None:
        from admin.nodetool.remote import run_remote

        return run_remote(directory, server, args, out=sys.stdout, err=sys.stderr)
    return run(args, out=sys.stdout, err=sys.stderr, connect=connect)


def _server_json(directory: Path) -> dict[str, Any] | None:
    """The running server's ``server.json`` (None while it starts and has not written it yet)."""
    import json

    try:
        return json.loads((directory / "server.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def register(app: typer.Typer) -> None:
    app.command(
        "nodetool",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []},
        add_help_option=False,
    )(nodetool)
