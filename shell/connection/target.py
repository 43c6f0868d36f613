"""Which connection ``cqlkit cqlsh`` opens, from its command line, cqlshrc and environment.

* A host given as an argument, in ``$CQLSH_HOST`` or in cqlshrc's ``[connection] hostname`` (in that
  order; the port likewise from the second argument, ``$CQLSH_PORT``, ``[connection] port``, else
  9042) is reached through cassandra-driver, with cqlsh's option checks and messages
  (``'x' is not a valid port number.``, ``"x" is not a valid connect timeout.``: usage errors, status 2).
* Without a host, the current cqlkit cluster (``--cluster`` / ``$CQLKIT_CLUSTER`` names another, as
  ``cqlkit serve`` resolves it). If a ``cqlkit serve`` holds it — ``<cluster>/server.lock`` is locked and
  ``<cluster>/server.json`` names the address — the shell connects to that server through the driver,
  since opening the directory in-process would fail; otherwise it opens the cluster in this process.

Connection failures are :class:`ConnectError` carrying cqlsh's text
(``Connection error: ('Unable to connect to any servers', {...})``), printed by the command line with
exit status 1.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from shell.connection.base import Connection
from shell.cqlshrc import Cqlshrc

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9042
DEFAULT_CONNECT_TIMEOUT = 5
DEFAULT_REQUEST_TIMEOUT = 10


class ConnectError(Exception):
    """No connection: ``usage`` errors are the command line's (status 2), the rest cqlsh's exit (1)."""

    def __init__(self, text: str, *, usage: bool = False) -> None:
        super().__init__(text)
        self.usage = usage


@dataclass(frozen=True)
class ServedAt:
    host: str
    port: int


def cluster_directory(name_or_path: str | None, env: Mapping[str, str]) -> Path:
    """Where ``engine.Cluster.open`` finds a cluster: a name under ``$CQLKIT_HOME/clusters``, or a path;
    by default the current cluster (``clusters/CURRENT``, which ``cqlkit cluster switch`` writes, as
    nodetool and ``cqlkit serve`` read it), else ``default``."""
    home = Path(env.get("CQLKIT_HOME", str(Path.home() / ".cqlkit")))
    if name_or_path is None:
        current = home / "clusters" / "CURRENT"
        name = current.read_text(encoding="utf-8").strip() if current.is_file() else ""
        return home / "clusters" / (name or "default")
    candidate = Path(name_or_path)
    if candidate.is_absolute() or os.sep in name_or_path:
        return candidate
    return home / "clusters" / name_or_path


def running_server(directory: Path) -> ServedAt | None:
    """The address of the ``cqlkit serve`` holding ``directory``, or None when none holds it."""
    lock_path = directory / "server.lock"
    info_path = directory / "server.json"
    if not lock_path.exists() or not info_path.exists():
        return None
    with open(lock_path, encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            pass  # held: a server is running
        else:
            fcntl.flock(handle, fcntl.LOCK_UN)
            return None  # a stale server.json left by a server that died
    import json

    try:
        nodes = [
            ServedAt(str(n["host"]), int(n["port"]))
            for n in json.loads(info_path.read_text(encoding="utf-8"))["nodes"]
        ]
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None
    if not nodes:
        return None
    # cqlsh talks to one host: the first node that listens (node1 may be stopped: cqlkit cluster node1 stop)
    for node in nodes:
        try:
            with socket.create_connection((node.host, node.port), timeout=0.5):
                return node
        except OSError:
            continue
    return nodes[0]  # none listens: the connection error names the first


def _seconds(value: str | None, default: int, what: str) -> int:
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ConnectError(f'"{value}" is not a valid {what} timeout.', usage=True) from None


def open_connection(
    options: argparse.Namespace,
    rc: Cqlshrc,
    out: TextIO,
    env: Mapping[str, str],
    *,
    batch: bool = False,
    color: bool = False,
) -> Connection:
    """The connection the options ask for. ``batch`` (statements from ``-e``, ``-f`` or piped input)
    lets a remote shell use the native connection (``shell.connection.native``), ``color`` tells it
    to read the column roles that color headers."""
    connect_timeout = _seconds(
        options.connect_timeout or rc.connect_timeout, DEFAULT_CONNECT_TIMEOUT, "connect"
    )
    request_timeout = _seconds(
        options.request_timeout or rc.request_timeout, DEFAULT_REQUEST_TIMEOUT, "request"
    )
    host = options.host or env.get("CQLSH_HOST") or rc.hostname
    port_text = options.port or env.get("CQLSH_PORT") or rc.port
    served = None
    if host is None:
        cluster = options.cluster or env.get("CQLKIT_CLUSTER")
        directory = cluster_directory(cluster, env)
        served = running_server(directory)
        if served is None:
            return _embedded(str(directory), options.keyspace)
        host, port_text = served.host, str(served.port)
    try:
        port = int(port_text) if port_text is not None else DEFAULT_PORT
    except ValueError:
        raise ConnectError(f"{port_text!r} is not a valid port number.", usage=True) from None
    protocol = options.protocol_version or rc.protocol_version
    try:
        protocol_version = int(protocol) if protocol is not None else None
    except ValueError:
        raise ConnectError(f"{protocol!r} is not a valid protocol version.", usage=True) from None
    username, password = options.username, options.password  # resolved with the credentials file
    if username and not password:
        import getpass

        password = getpass.getpass()
    return _remote(
        host,
        port,
        options=options,
        rc=rc,
        out=out,
        env=env,
        protocol_version=protocol_version,
        timeouts=(connect_timeout, request_timeout),
        credentials=(username, password),
        native=(batch, color),
    )


def _embedded(cluster: str | None, keyspace: str | None) -> Connection:
    import engine
    from shell.connection.embedded import EmbeddedConnection

    try:
        return EmbeddedConnection(cluster, None)
    except engine.DirectoryInUse as error:
        raise ConnectError(f"Connection error: {error}") from None


def _remote(
    host: str,
    port: int,
    *,
    options: argparse.Namespace,
    rc: Cqlshrc,
    out: TextIO,
    env: Mapping[str, str],
    protocol_version: int | None,
    timeouts: tuple[int, int],
    credentials: tuple[str | None, str | None],
    native: tuple[bool, bool] = (False, False),
) -> Connection:
    from shell.connection.remote_options import ConnectionFailed, DriverOptions

    use_ssl = options.ssl if options.ssl is not None else bool(rc.ssl)
    tls = None
    if use_ssl:
        from shell.connection.tls import TlsConfigurationError, ssl_options

        try:
            tls = ssl_options(host, rc.path, out, env)
        except TlsConfigurationError as error:
            raise ConnectError(str(error)) from None
    driver_options = DriverOptions(
        host=host,
        port=port,
        protocol_version=protocol_version,
        connect_timeout=timeouts[0],
        request_timeout=timeouts[1],
        username=credentials[0],
        password=credentials[1],
        ssl_options=tls,
        cql_version=options.cqlversion,
    )
    keyspace = options.keyspace or rc.keyspace
    if native[0] and tls is None and options.cqlversion is None:
        from shell.connection.native import NativeConnection, Unsupported

        try:
            return NativeConnection(driver_options, keyspace, column_kinds=native[1])
        except Unsupported:
            pass  # the driver connection connects, or says why not as cqlsh does
    from shell.connection.driver import DriverConnection

    quiet_driver_logging()
    try:
        return DriverConnection(driver_options, keyspace)
    except ConnectionFailed as error:
        raise ConnectError(f"Connection error: {error}") from None


def quiet_driver_logging() -> None:
    """cqlsh configures no logging handler, so the driver's warnings (protocol downgrades while
    negotiating) are never printed; Python's last-resort handler would print them here."""
    import logging

    logging.getLogger("cassandra").addHandler(logging.NullHandler())
