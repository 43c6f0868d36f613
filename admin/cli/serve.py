"""``cqlkit serve``: run a cluster in the foreground, every node serving the CQL native protocol.

Opens the cluster (``--cluster`` is a name under ``$CQLKIT_HOME/clusters`` or a directory; default the
current one: ``clusters/CURRENT`` names it, else ``default``), creating it with ``--nodes N`` (or
``N:M`` for two datacenters) nodes if it does not exist. Node N listens on ``127.0.0.N`` at
``--native-port`` (9042; all of 127.0.0.0/8 is loopback on Linux); with ``--single-interface`` every
node is on 127.0.0.1 at ports P, P+1, … (node N at P+N-1). Unset, both come from what
``cqlkit cluster create`` recorded in ``<cluster>/lifecycle.json``, else 9042 on 127.0.0.N.
``--host H`` puts every node on H the same way (``--port`` is another name for ``--native-port``; port 0
picks free ports), which is what a one-node cluster has always been served as. v3, v4 and v5, LZ4.

Next to the nodes runs the admin API (``engine.admin_api``) on 127.0.0.1 at ``--admin-port`` (0, the
default, picks a free port), guarded by ``<cluster>/admin.token``; ``cqlkit cluster nodeN stop|start``
drives it. ``--ssl-certfile`` (with ``--ssl-keyfile``, ``--ssl-ca-certfile``,
``--ssl-require-client-auth``: Cassandra's ``client_encryption_options``) makes every node's native
protocol TLS, all nodes presenting that one certificate (give it every node's address as a
subjectAltName). Each node logs to ``nodeN/logs/system.log`` in Cassandra's format (``admin.cli.system_log``).

Runs until SIGINT or SIGTERM; then it drains: no new connections, running requests finish, the nodes
flush and close. While it runs, ``<cluster>/server.lock`` is held (a second ``serve`` of the same
cluster is refused) and ``<cluster>/server.json`` lists the pid, every node's name, host and port, and
the admin API's address, so other tools can find the server.

Exit status: 0 after a clean shutdown, 2 if the cluster is already served, an address is taken or the
options are wrong.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import os
import signal
import threading
from pathlib import Path
from typing import IO, Any

import typer

SERVER_FILE = "server.json"
#: what ``cqlkit cluster create`` chose for the cluster (``single_interface``, ``native_port``)
SETTINGS_FILE = "lifecycle.json"
NATIVE_PORT = 9042


def _lock(directory: Path) -> IO[str] | None:
    handle = open(directory / "server.lock", "a+", encoding="utf-8")  # noqa: SIM115 (held while serving)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def home() -> Path:
    from engine.cluster.session import default_home

    return default_home()


def current_cluster() -> str:
    """The current cluster's name: ``clusters/CURRENT``, else ``default`` (as ``cqlkit nodetool``)."""
    current = home() / "clusters" / "CURRENT"
    name = current.read_text(encoding="utf-8").strip() if current.is_file() else ""
    return name or "default"


def cluster_directory(name_or_path: str | None) -> Path:
    """Where ``Cluster.open`` finds the cluster: a name under ``$CQLKIT_HOME/clusters``, or a path."""
    if name_or_path is None:
        name_or_path = current_cluster()
    candidate = Path(name_or_path)
    if candidate.is_absolute() or os.sep in name_or_path:
        return candidate
    return home() / "clusters" / name_or_path


def settings(directory: Path) -> dict[str, object]:
    path = directory / SETTINGS_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _fail(message: str) -> typer.Exit:
    typer.echo(f"cqlkit serve: {message}", err=True)
    return typer.Exit(2)


def _write_server_json(info: Path, served: Any, admin: Any) -> None:
    """``server.json``: the server's pid, admin address and every served node's endpoint (rewritten when
    a node joins or leaves)."""
    document = {**served.describe(), "admin": {"host": admin.host, "port": admin.port}}
    del document["name"]
    for node in document["nodes"]:
        node.pop("status")
        node.pop("address")
    temporary = info.with_suffix(".tmp")
    temporary.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    temporary.replace(info)


def _settle_collector() -> None:
    """Tune Python's cyclic garbage collector for a long-running server, once it has started.

    What starting made (modules, the CQL grammar's tables, schema, the nodes: well over 100k objects,
    all kept for the life of the process) leaves the collector's generations (``gc.freeze``). Every
    collection of the oldest generation walked all of it, and served writes ran such collections every
    few thousand requests. The youngest generation is also collected every 10,000 allocations instead of
    700. A request's objects mostly die with the request, but at 700 the requests still queued were
    caught alive and promoted, to be walked again by older collections. Measured on a served COPY FROM
    of 200k rows: ~1.1-1.4 s of the server's CPU in the collector before, ~0.3 s after
    (docs/benchmarks.md)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def serve(
    cluster: str | None = typer.Option(
        None, "--cluster", help="The cluster name or directory (default: the current one)."
    ),
    nodes: str | None = typer.Option(
        None,
        "--nodes",
        "-n",
        help="Nodes to create the cluster with (N, or N:M for two datacenters; 1 if not given).",
    ),
    single_interface: bool = typer.Option(
        False,
        "--single-interface",
        help="Every node on 127.0.0.1, node N at port P+N-1 (default: as `cqlkit cluster create` chose).",
    ),
    native_port: int | None = typer.Option(
        None,
        "--native-port",
        "--port",
        help="The native protocol port P, 0 picking free ones (default: 9042, or the create's).",
    ),
    host: str | None = typer.Option(
        None, "--host", help="Serve every node on this address (ports P, P+1, ...), as --single-interface."
    ),
    admin_port: int = typer.Option(
        0, "--admin-port", help="The admin API port on 127.0.0.1 (0: a free one)."
    ),
    commitlog_sync: str = typer.Option(
        "periodic",
        "--commitlog-sync",
        help="periodic, or batch: every write synced before it is acknowledged.",
    ),
    ssl_certfile: str | None = typer.Option(
        None, "--ssl-certfile", help="TLS for every node: the certificate chain (PEM)."
    ),
    ssl_keyfile: str | None = typer.Option(None, "--ssl-keyfile", help="Its private key (PEM)."),
    ssl_ca_certfile: str | None = typer.Option(
        None, "--ssl-ca-certfile", help="CAs that client certificates must chain to."
    ),
    ssl_require_client_auth: bool = typer.Option(
        False, "--ssl-require-client-auth", help="Refuse clients without such a certificate."
    ),
    authenticator: str = typer.Option(
        "AllowAllAuthenticator",
        "--authenticator",
        help="AllowAllAuthenticator or PasswordAuthenticator (default superuser cassandra/cassandra).",
    ),
    authorizer: str = typer.Option(
        "AllowAllAuthorizer", "--authorizer", help="AllowAllAuthorizer or CassandraAuthorizer."
    ),
    stopped: list[str] | None = typer.Option(  # noqa: B008  (typer reads its options from the defaults)
        None,
        "--stopped",
        help="A node that stays stopped (repeatable): start it with `cqlkit cluster nodeN start`.",
    ),
) -> None:
    """Serve a cluster (every node) over the CQL native protocol until interrupted (Ctrl-C / SIGTERM)."""
    from admin.cli import system_log
    from admin.nodetool.remote import nodetool_routes
    from engine import Cluster, ClusterLayoutError
    from engine.admin_api.lifecycle import Endpoint, ServedCluster, endpoints, lifecycle_routes
    from engine.admin_api.scylla import scylla_routes
    from engine.admin_api.server import TOKEN_FILE, AdminServer, Router, create_token
    from engine.auth import embedded
    from engine.cluster.node import Node
    from engine.cluster.server import NodeServer
    from engine.db.commitlog.commitlog import CommitLogConfig, CommitLogSync
    from engine.errors import ConfigurationException, InvalidRequest
    from engine.transport.tls import TlsConfigurationError

    if commitlog_sync not in ("periodic", "batch"):
        raise _fail(f"--commitlog-sync must be batch or periodic, not {commitlog_sync!r}")
    directory = cluster_directory(cluster)
    directory.mkdir(parents=True, exist_ok=True)
    lock = _lock(directory)  # before opening: two processes never open the same data directory
    if lock is None:
        raise _fail(f"cluster {directory} is already being served")
    config = CommitLogConfig(sync=CommitLogSync(commitlog_sync))
    try:
        opened = Cluster.open(directory, nodes, realtime=True, commitlog_config=config, stopped=stopped or ())
    except (ClusterLayoutError, InvalidRequest) as e:
        lock.close()
        raise _fail(str(e)) from None
    handlers = system_log.install(opened.directory, [n.name for n in opened.nodes])
    chosen = settings(opened.directory)  # what `cqlkit cluster create` recorded, for unset options
    port = native_port if native_port is not None else int(chosen.get("native_port", NATIVE_PORT))
    one_interface = single_interface or bool(chosen.get("single_interface")) or host is not None
    addresses = endpoints(opened, port, single_interface=one_interface)
    if host is not None:
        addresses = {name: type(at)(host, at.port) for name, at in addresses.items()}
    tls = {
        "ssl_certfile": ssl_certfile,
        "ssl_keyfile": ssl_keyfile,
        "ssl_ca_certfile": ssl_ca_certfile,
        "ssl_require_client_auth": ssl_require_client_auth,
    }
    info = opened.directory / SERVER_FILE
    admin: AdminServer | None = None

    def endpoint_for(node: Node) -> Endpoint:
        """Where a node added while serving listens: as ``endpoints`` places node N."""
        index = int(node.name.removeprefix("node"))
        if one_interface:
            return Endpoint(host or "127.0.0.1", port + index - 1 if port else 0)
        return Endpoint(node.address, port)

    def on_change() -> None:
        if admin is not None:
            _write_server_json(info, served, admin)

    served = ServedCluster(
        opened,
        addresses,
        lambda node, at: NodeServer(node, at.host, at.port, **tls),
        endpoint_for=endpoint_for,
        on_change=on_change,
    )
    try:
        # one auth service for every node of the cluster (its state with node1), as system_auth is one
        # keyspace for the whole cluster in Cassandra
        embedded.enable(opened, authenticator=authenticator, authorizer=authorizer)
        served.start()
        router = Router()
        lifecycle_routes(router, served)
        nodetool_routes(router, served)  # cqlkit nodetool runs its commands here while the server runs
        scylla_routes(router, served)  # ScyllaDB's REST paths, where cqlkit has the operation
        try:
            admin = AdminServer(router, create_token(opened.directory), "127.0.0.1", admin_port)
        except OSError as e:
            raise OSError(
                e.errno, f"the admin API cannot listen on 127.0.0.1:{admin_port}: {e.strerror}"
            ) from e
        admin.start()
    except (ConfigurationException, OSError, TlsConfigurationError) as e:
        served.stop()
        system_log.uninstall(handlers)
        lock.close()
        raise _fail(e.strerror if isinstance(e, OSError) and e.strerror else str(e)) from None
    _write_server_json(info, served, admin)
    _settle_collector()
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    where = ", ".join(f"{at.host}:{at.port}" for at in served.endpoints.values())
    typer.echo(
        f"cqlkit: serving cluster '{opened.directory.name}' on {where} "
        "(CQL native protocol v3/v4/v5); Ctrl-C to stop"
    )
    try:
        while not stop.wait(0.5):
            pass
    finally:
        typer.echo("cqlkit: draining")
        admin.stop()
        served.stop()
        with contextlib.suppress(FileNotFoundError):
            info.unlink()
        with contextlib.suppress(FileNotFoundError):
            (opened.directory / TOKEN_FILE).unlink()  # the token dies with the server it guards
        system_log.uninstall(handlers)
        lock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    typer.echo("cqlkit: stopped")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
