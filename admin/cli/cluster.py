"""``cqlkit cluster``: ccm's cluster lifecycle for cqlkit clusters.

Clusters live in ``$CQLKIT_HOME/clusters/<name>/`` (default home ``~/.cqlkit``); ``clusters/CURRENT``
names the current one (``default`` when the file is absent), which is what ``cqlkit serve`` and
``cqlkit nodetool`` use without ``--cluster``. A running cluster is one ``cqlkit serve`` process holding
``server.lock``; ``start`` launches it in the background (detached, its output in ``<cluster>/serve.log``)
and waits until every node answers the native protocol; ``stop`` sends it SIGTERM and waits for the
drain. Single nodes of a running cluster stop and start through the server's admin API
(``engine.admin_api``, address in ``server.json``, token in ``admin.token``).

Commands and their output follow ccm's: ``create`` prints ``Current cluster is now: NAME``; ``list``
marks the current cluster with ``*``; ``status`` prints ``Cluster: 'NAME'``, a line of dashes and
``nodeN: UP`` / ``DOWN`` (``DOWN (Not initialized)`` for a node that has never run); errors go to
stderr with exit status 1 (ccm's texts where ccm has them).

``nodeN start`` on a stopped cluster starts its server and stops the other nodes: every node lives in
that one process, so this is how one node alone runs. ``add`` is not offered: the engine cannot bootstrap
a node into an existing ring yet.
"""

from __future__ import annotations

import contextlib
import fcntl
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click
import typer
from typer.core import TyperGroup

from admin.cli.serve import SERVER_FILE, SETTINGS_FILE, current_cluster, home

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 60.0
#: A bootstrap streams the new node's ranges before the command returns: allow for a large cluster.
BOOTSTRAP_TIMEOUT_S = 600.0
_NODE = re.compile(r"node\d+")


class _ClusterGroup(TyperGroup):
    """``cqlkit cluster nodeN start`` routes to the hidden ``node`` command with ``nodeN`` as argument."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and _NODE.fullmatch(args[0]):
            command = self.get_command(ctx, "node")
            return "node", command, args
        return super().resolve_command(ctx, args)


cluster_app = typer.Typer(
    name="cluster",
    cls=_ClusterGroup,
    no_args_is_help=True,
    help=(
        "ccm-style cluster lifecycle: create, start, stop, status, list, switch, remove, liveset; "
        "`cqlkit cluster nodeN start|stop|showlog|cqlsh` for one node of the current cluster."
    ),
)


def _err(message: str, code: int = 1) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def _clusters() -> Path:
    return home() / "clusters"


def _is_cluster(directory: Path) -> bool:
    return (directory / "cluster.json").is_file() or (directory / "node1").is_dir()


def _directory(name: str | None) -> Path:
    """The named (or current) cluster's directory; ccm's message when there is no such cluster."""
    name = name or current_cluster()
    directory = _clusters() / name
    if not _is_cluster(directory):
        raise _err(
            f"{name} does not appear to be a valid cluster (use cqlkit cluster list to view valid cluster)"
        )
    return directory


def _layout_nodes(directory: Path) -> list[dict[str, Any]]:
    path = directory / "cluster.json"
    if not path.is_file():
        return [{"name": "node1", "address": "127.0.0.1"}]  # a cluster made before cluster.json
    return list(json.loads(path.read_text(encoding="utf-8"))["nodes"])


def _node_names(directory: Path) -> list[str]:
    return [node["name"] for node in _layout_nodes(directory)]


# ------------------------------------------------------------------------------ the running server


def _served(directory: Path) -> dict[str, Any] | None:
    """``server.json`` of the ``cqlkit serve`` holding ``directory``, or None when none holds it."""
    lock = directory / "server.lock"
    if not lock.exists():
        return None
    with open(lock, encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            pass  # held: a server is running
        else:
            fcntl.flock(handle, fcntl.LOCK_UN)
            return None
    try:
        return json.loads((directory / SERVER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # running, still starting up: server.json is not written yet


def _admin(
    directory: Path,
    served: dict[str, Any],
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    timeout: float = STOP_TIMEOUT_S,
) -> tuple[int, dict[str, Any]]:
    from engine.admin_api.server import read_token

    address = served["admin"]
    connection = http.client.HTTPConnection(address["host"], address["port"], timeout=timeout)
    headers = {"Authorization": f"Bearer {read_token(directory)}"}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    except (OSError, ValueError) as e:
        raise _err(f"cannot reach the admin API of cluster {directory.name}: {e}") from None
    finally:
        connection.close()


def _answers(host: str, port: int) -> bool:
    """Whether a native-protocol endpoint answers OPTIONS with SUPPORTED (v4 header: 0x84, opcode 0x06)."""
    try:
        with socket.create_connection((host, port), timeout=2.0) as sock:
            sock.sendall(bytes([0x04, 0, 0, 0, 0x05, 0, 0, 0, 0]))  # v4 OPTIONS, stream 0, empty body
            header = sock.recv(9)
    except OSError:
        return False
    return len(header) >= 5 and header[0] == 0x84 and header[4] == 0x06


def _start(directory: Path, stopped: list[str] | None = None) -> None:
    """Start the cluster's server (every node but those in ``stopped``), or the stopped nodes of a running one."""
    served = _served(directory)
    if served:
        # ccm's start starts whatever is not running: here the stopped nodes of the running server
        _, body = _admin(directory, served, "GET", "/v1/cluster")
        for node in body.get("nodes", []):
            if node["status"] == "DOWN":
                _admin(directory, served, "POST", f"/v1/nodes/{node['name']}/start")
        return
    # serve takes the addresses `create` chose from lifecycle.json
    command = [
        sys.executable,
        "-c",
        "from admin.cli.app import main; main()",
        "serve",
        "--cluster",
        str(directory),
        *(f"--stopped={name}" for name in stopped or ()),
    ]
    with open(directory / "serve.log", "ab") as log:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = (directory / "serve.log").read_text(encoding="utf-8", errors="replace").splitlines()[-1:]
            raise _err(f"Error starting nodes: {tail[0] if tail else 'cqlkit serve exited'}")
        served = _served(directory)
        if (
            served
            and served.get("pid") == process.pid
            and all(
                _answers(node["host"], node["port"])
                for node in served["nodes"]
                if node["name"] not in (stopped or ())
            )
        ):
            return
        time.sleep(0.05)
    raise _err(
        f"Error starting nodes: no answer within {START_TIMEOUT_S:.0f} s (see {directory / 'serve.log'})"
    )


def _stop(directory: Path) -> None:
    served = _served(directory)
    if served is None:
        return  # nothing runs: ccm's stop has nothing to do either
    pid = served.get("pid")
    if pid is None:
        raise _err(f"cluster {directory.name} is starting; try again when it is up")
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while _served(directory) is not None:
        if time.monotonic() > deadline:
            raise _err(f"cluster {directory.name} did not stop within {STOP_TIMEOUT_S:.0f} s (pid {pid})")
        time.sleep(0.05)


# ---------------------------------------------------------------------------------------- commands


@cluster_app.command("create")
def create(
    name: str = typer.Argument(..., help="The new cluster's name."),
    nodes: str = typer.Option("3", "--nodes", "-n", help="Nodes: N, or N:M for two datacenters."),
    vnodes: int = typer.Option(16, "--vnodes", help="Tokens per node (num_tokens)."),
    single_interface: bool = typer.Option(
        False, "--single-interface", "-S", help="Every node on 127.0.0.1, node N at port P+N-1."
    ),
    native_port: int = typer.Option(9042, "--native-port", help="The native protocol port (P)."),
    start: bool = typer.Option(False, "--start", "-s", help="Start the cluster once created."),
) -> None:
    """Create a cluster and make it the current one."""
    from engine.cluster.layout import ClusterLayoutError, new_layout, parse_node_counts, to_json

    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or name in ("CURRENT", ".", ".."):
        raise _err(f"Cannot create cluster: invalid cluster name {name!r}")
    if vnodes < 1:
        raise _err("Cannot create cluster: --vnodes must be at least 1")
    directory = _clusters() / name
    if directory.exists():
        raise _err(f"Cannot create cluster: [Errno 17] File exists: '{directory}'")
    try:
        layout = new_layout(name, parse_node_counts(nodes), vnodes)
    except ClusterLayoutError as e:
        raise _err(f"Cannot create cluster: {e}") from None
    directory.mkdir(parents=True)
    (directory / SETTINGS_FILE).write_text(
        json.dumps({"single_interface": single_interface, "native_port": native_port}, indent=2) + "\n",
        encoding="utf-8",
    )
    (directory / "cluster.json").write_text(to_json(layout), encoding="utf-8")
    _switch(name)
    typer.echo(f"Current cluster is now: {name}")
    if start:
        _start(directory)


def _switch(name: str) -> None:
    current = _clusters() / "CURRENT"
    temporary = current.with_suffix(".tmp")
    temporary.write_text(name + "\n", encoding="utf-8")
    temporary.replace(current)


@cluster_app.command("start")
def start_cluster(
    name: str | None = typer.Argument(None, help="The cluster (default: the current one)."),
) -> None:
    """Start the cluster in a background `cqlkit serve`; return once every node answers."""
    _start(_directory(name))


@cluster_app.command("stop")
def stop_cluster(
    name: str | None = typer.Argument(None, help="The cluster (default: the current one)."),
) -> None:
    """Stop the cluster's server (SIGTERM) and wait until it has drained and flushed."""
    _stop(_directory(name))


@cluster_app.command("status")
def status(
    name: str | None = typer.Argument(None, help="The cluster (default: the current one)."),
) -> None:
    """ccm's status: every node UP or DOWN."""
    directory = _directory(name)
    served = _served(directory)
    states: dict[str, str] = {}
    if served:
        _, body = _admin(directory, served, "GET", "/v1/cluster")
        states = {node["name"]: node["status"] for node in body["nodes"]}
    typer.echo(f"Cluster: '{directory.name}'")
    typer.echo("-" * (len(directory.name) + 11))
    for node in _node_names(directory):
        state = states.get(node, "DOWN")
        if state == "DOWN" and not (directory / node / "data").is_dir():
            state = "DOWN (Not initialized)"
        typer.echo(f"{node}: {state}")


@cluster_app.command("list")
def list_clusters() -> None:
    """The clusters, the current one marked with `*`."""
    root = _clusters()
    current = current_cluster()
    names = sorted(p.name for p in root.iterdir() if p.is_dir() and _is_cluster(p)) if root.is_dir() else []
    for cluster in names:
        typer.echo(f" {'*' if cluster == current else ' '}{cluster}")


@cluster_app.command("add")
def add(
    datacenter: str | None = typer.Option(
        None, "--data-center", "-d", help="The datacenter it joins (default: the cluster's only one)."
    ),
) -> None:
    """Add a node to the current cluster: it bootstraps (streams its ranges from the others) and joins
    the ring; on a running cluster it is served at once."""
    directory = _directory(None)
    served = _served(directory)
    if served:
        code, body = _admin(
            directory, served, "POST", "/v1/nodes", {"datacenter": datacenter}, BOOTSTRAP_TIMEOUT_S
        )
        if code != 200:
            raise _err(f"Cannot add node: {body.get('error', f'admin API answered {code}')}")
        typer.echo(f"{body['name']}: UP")
        return
    if served is not None:
        raise _err(f"cluster {directory.name} is starting; try again when it is up")
    from engine import Cluster
    from engine.errors import InvalidRequest

    cluster = Cluster.open(directory)
    try:
        node = cluster.add_node(datacenter)
    except InvalidRequest as e:
        raise _err(f"Cannot add node: {e}") from None
    finally:
        cluster.shutdown()
    typer.echo(f"{node.name}: DOWN")


@cluster_app.command("switch")
def switch(name: str = typer.Argument(..., help="The cluster to make current.")) -> None:
    """Make another cluster the current one."""
    _switch(_directory(name).name)


@cluster_app.command("remove")
def remove(
    name: str | None = typer.Argument(None, help="The cluster (default: the current one)."),
) -> None:
    """Stop the cluster if it runs, and delete it with all its data."""
    directory = _directory(name)
    _stop(directory)
    shutil.rmtree(directory)
    current = _clusters() / "CURRENT"
    if current.is_file() and current.read_text(encoding="utf-8").strip() == directory.name:
        current.unlink()


@cluster_app.command(
    "node",
    hidden=True,
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def node_command(
    ctx: typer.Context,
    node: str = typer.Argument(..., help="nodeN"),
    action: str = typer.Argument(..., help="start, stop, showlog, cqlsh or decommission"),
) -> None:
    """One node of the current cluster: `cqlkit cluster nodeN start|stop|showlog|decommission|cqlsh [cqlsh options]`."""
    directory = _directory(None)
    if node not in _node_names(directory):
        raise _err(f"Unknown node {node} in cluster {directory.name}")
    if action == "showlog":
        _showlog(directory / node / "logs" / "system.log", node)
        return
    if action == "cqlsh":
        _cqlsh(directory, node, ctx.args)
        return
    if action == "decommission":
        from admin.cli.nodetool import run_nodetool

        address = next(n["address"] for n in _layout_nodes(directory) if n["name"] == node)
        raise typer.Exit(run_nodetool(["-h", address, "decommission", *ctx.args]))
    if action not in ("start", "stop"):
        raise _err(
            f"Unknown node command {action!r}: expected start, stop, showlog, cqlsh or decommission", 2
        )
    served = _served(directory)
    if not served:
        if action == "stop":
            raise _err(f"{node} is not running")
        # every node lives in the cluster's one server process: start it with the other nodes stopped
        # from the outset (they never join, so nothing replays to this one), as `ccm nodeN start` leaves it
        _start(directory, stopped=[other for other in _node_names(directory) if other != node])
        return
    code, body = _admin(directory, served, "POST", f"/v1/nodes/{node}/{action}")
    if code != 200:
        raise _err(str(body.get("error", f"admin API answered {code}")))


def _cqlsh(directory: Path, node: str, args: list[str]) -> None:
    """cqlsh connected to this node's native endpoint (ccm's ``nodeN cqlsh``; cqlsh's own options)."""
    from shell.cli import main as cqlsh_main

    served = _served(directory)
    if served:
        _, body = _admin(directory, served, "GET", "/v1/cluster")
        described = next(n for n in body["nodes"] if n["name"] == node)
        if described["status"] == "UP":
            raise typer.Exit(cqlsh_main([described["host"], str(described["port"]), *args]))
    raise _err(f"{node} is not running")


@cluster_app.command("liveset")
def liveset(name: str | None = typer.Argument(None, help="The cluster (default: the current one).")) -> None:
    """The addresses of the running nodes, comma-separated (ccm's liveset)."""
    directory = _directory(name)
    served = _served(directory)
    if not served:
        typer.echo("")
        return
    _, body = _admin(directory, served, "GET", "/v1/cluster")
    typer.echo(",".join(n["address"] for n in body["nodes"] if n["status"] == "UP"))


def _showlog(path: Path, node: str) -> None:
    if not path.is_file():
        raise _err(f"{node} has no log yet ({path})")
    if sys.stdout.isatty():
        pager = os.environ.get("PAGER") or "less"
        with contextlib.suppress(FileNotFoundError):
            raise typer.Exit(subprocess.call([*pager.split(), str(path)]))
    with open(path, "rb") as handle:
        shutil.copyfileobj(handle, sys.stdout.buffer)
    sys.stdout.flush()


def register(app: typer.Typer) -> None:
    app.add_typer(cluster_app, name="cluster")
