"""``cqlkit serve``: run a cluster's node in the foreground, serving the CQL native protocol.

Opens the cluster (``--cluster`` is a name under ``$CQLKIT_HOME/clusters`` or a directory; default the
current one, as ``cqlkit cqlsh`` does), listens on ``--host``/``--port`` (v3, v4 and v5, LZ4), and runs
until SIGINT or SIGTERM; then it drains: no new connections, running requests finish, the node flushes
and closes. While it runs, ``<cluster>/server.lock`` is held (a second ``serve`` of the same cluster is
refused) and ``<cluster>/server.json`` names the address, so other tools can find the server.

Exit status: 0 after a clean shutdown, 2 if the cluster is already served or the address is taken.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import threading
from pathlib import Path
from typing import IO

import typer


def _lock(directory: Path) -> IO[str] | None:
    handle = open(directory / "server.lock", "a+", encoding="utf-8")  # noqa: SIM115 (held while serving)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def _cluster_directory(name_or_path: str | None) -> Path:
    """Where ``Cluster.open`` finds the cluster: a name under ``$CQLKIT_HOME/clusters``, or a path."""
    from engine.cluster.session import default_home

    if name_or_path is None:
        return default_home() / "clusters" / "default"
    candidate = Path(name_or_path)
    if candidate.is_absolute() or os.sep in name_or_path:
        return candidate
    return default_home() / "clusters" / name_or_path


def serve(
    cluster: str | None = typer.Option(
        None, "--cluster", help="The cluster name or directory (default: the current one)."
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="The address to listen on."),
    port: int = typer.Option(9042, "--port", help="The native protocol port (0 picks a free one)."),
    authenticator: str = typer.Option(
        "AllowAllAuthenticator",
        "--authenticator",
        help="AllowAllAuthenticator or PasswordAuthenticator (default superuser cassandra/cassandra).",
    ),
    authorizer: str = typer.Option(
        "AllowAllAuthorizer", "--authorizer", help="AllowAllAuthorizer or CassandraAuthorizer."
    ),
) -> None:
    """Serve a cluster over the CQL native protocol until interrupted (Ctrl-C / SIGTERM)."""
    from engine import Cluster
    from engine.auth import embedded
    from engine.cluster.server import NodeServer
    from engine.errors import ConfigurationException

    directory = _cluster_directory(cluster)
    directory.mkdir(parents=True, exist_ok=True)
    lock = _lock(directory)  # before opening: two processes never open the same data directory
    if lock is None:
        typer.echo(f"cqlkit serve: cluster {directory} is already being served", err=True)
        raise typer.Exit(2)
    opened = Cluster.open(directory, realtime=True)  # a multi-node cluster runs its network in real time
    node = opened.nodes[0]
    try:
        # one auth service for every node of the cluster (its state with node1), as system_auth is one
        # keyspace for the whole cluster in Cassandra
        embedded.enable(opened, authenticator=authenticator, authorizer=authorizer)
        server = NodeServer(node, host, port)
        server.start()
    except ConfigurationException as e:
        opened.shutdown()
        lock.close()
        typer.echo(f"cqlkit serve: {e}", err=True)
        raise typer.Exit(2) from None
    except OSError as e:
        opened.shutdown()
        lock.close()
        typer.echo(f"cqlkit serve: cannot listen on {host}:{port}: {e.strerror or e}", err=True)
        raise typer.Exit(2) from None
    info = opened.directory / "server.json"
    document = {"pid": os.getpid(), "nodes": [{"name": node.name, "host": server.host, "port": server.port}]}
    info.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    typer.echo(
        f"cqlkit: serving cluster '{opened.directory.name}' on {server.host}:{server.port} "
        "(CQL native protocol v3/v4/v5); Ctrl-C to stop"
    )
    try:
        while not stop.wait(0.5):
            pass
    finally:
        typer.echo("cqlkit: draining")
        server.stop()
        opened.shutdown()
        with contextlib.suppress(FileNotFoundError):
            info.unlink()
        lock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    typer.echo("cqlkit: stopped")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
