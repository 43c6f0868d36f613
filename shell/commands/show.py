"""SHOW VERSION, SHOW HOST, SHOW SESSION <id>, SHOW REPLICAS <token> [<keyspace>], and the facts the banner
shares with them.

cqlsh reads the server's versions from ``system.local`` and shows the host and port it connected to.
The embedded cluster answers the same way where it can: versions and cluster name from ``system.local``,
falling back to what a cqlkit node reports (Cassandra ``5.0.0``, CQL spec ``3.4.7``, the cluster's
directory name) when the table has no row. Its host and port are those its first node listens on when
served (``127.0.0.1:9042``), although no socket is involved in-process.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import engine
from engine.cql.lexer import Token, TokenKind
from shell.commands.registry import CommandContext, ImproperCommand, Invocation, command
from shell.connection.embedded import PROTOCOL_VERSION, EmbeddedConnection
from shell.output.colors import Ansi
from shell.output.result import ResultPage

CQLSH_VERSION = "6.2.0"
EMBEDDED_HOST = "127.0.0.1"
EMBEDDED_PORT = 9042
_RELEASE_VERSION = "5.0.0"
_CQL_VERSION = "3.4.7"


@dataclass(frozen=True)
class ServerInfo:
    cluster_name: str
    host: str
    port: int
    release_version: str
    cql_version: str
    protocol_version: int = PROTOCOL_VERSION

    def version_line(self) -> str:
        return (
            f"[cqlsh {CQLSH_VERSION} | Cassandra {self.release_version} | CQL spec {self.cql_version} | "
            f"Native protocol v{self.protocol_version}]"
        )

    def host_line(self, color: bool) -> str:
        name = f"{Ansi.BLUE}{self.cluster_name}{Ansi.RESET}" if color else self.cluster_name
        return f"Connected to {name} at {self.host}:{self.port}"


def _first_row(connection: EmbeddedConnection, query: str) -> dict[str, object] | None:
    try:
        for page in connection.execute(query):
            return _row(page)
    except engine.CqlError:
        return None
    return None


def _row(page: ResultPage) -> dict[str, object] | None:
    if not page.rows:
        return None
    return dict(zip([c.name for c in page.columns], page.rows[0], strict=True))


def server_info(connection: EmbeddedConnection) -> ServerInfo:
    local = _first_row(connection, "SELECT * FROM system.local WHERE key = 'local'") or {}
    cluster = getattr(connection, "cluster", None)
    directory = getattr(cluster, "directory", None)
    fallback_name = directory.name if directory is not None else "Test Cluster"
    return ServerInfo(
        cluster_name=str(local.get("cluster_name") or fallback_name),
        host=EMBEDDED_HOST,
        port=EMBEDDED_PORT,
        release_version=str(local.get("release_version") or _RELEASE_VERSION),
        cql_version=_full_version(str(local.get("cql_version") or _CQL_VERSION)),
    )


def _full_version(version: str) -> str:
    """cqlsh's ``full_cql_version``: pad to three parts (``3.4`` -> ``3.4.0``)."""
    while version.count(".") < 2:
        version += ".0"
    return version


@command("show")
def show(context: CommandContext, invocation: Invocation) -> None:
    args = invocation.args
    what = args[0].text.lower() if args and args[0].kind is TokenKind.IDENT else ""
    rest = args[1:]
    if what == "version" and not rest:
        context.message(server_info(context.connection).version_line())
    elif what == "host" and not rest:
        context.message(server_info(context.connection).host_line(context.state.painting))
    elif what == "session" and len(rest) == 1 and rest[0].kind is TokenKind.UUID:
        _show_session(context, uuid.UUID(rest[0].text))
    elif what == "replicas" and 1 <= len(rest) <= 2 and rest[0].kind is TokenKind.INTEGER:
        keyspace = _keyspace_name(rest[1]) if len(rest) == 2 else context.connection.keyspace
        _show_replicas(context, keyspace)
    else:
        raise ImproperCommand


def _keyspace_name(token: Token) -> str:
    if token.kind is TokenKind.QUOTED_NAME:
        return token.text
    if token.kind is TokenKind.IDENT:
        return token.text.lower()
    raise ImproperCommand


def _show_session(context: CommandContext, session_id: uuid.UUID) -> None:
    """cqlkit records no traces yet, so every session is one the server does not know (cqlsh's message)."""
    row = _first_row(
        context.connection, f"SELECT * FROM system_traces.sessions WHERE session_id = {session_id}"
    )
    if row is None:
        context.error(f"Session {session_id} wasn't found.")
        return
    context.error(f"No rows for session {session_id} found.")


def _show_replicas(context: CommandContext, keyspace: str | None) -> None:
    """The embedded cluster has one node, which holds every token of every keyspace."""
    schema = context.connection.session.schema
    known = keyspace is not None and schema.keyspace(keyspace) is not None
    context.message(str([EMBEDDED_HOST] if known else []))
