"""SHOW VERSION, SHOW HOST, SHOW SESSION <id>, SHOW REPLICAS <token> [<keyspace>].

cqlsh reads the server's versions from ``system.local`` and shows the host and port it connected to;
each connection reports these as :class:`shell.connection.base.ServerInfo` (the embedded cluster, which
has no socket, names the address its first node serves on under ``cqlkit serve``).
"""

from __future__ import annotations

import uuid

from engine.cql.lexer import Token, TokenKind
from shell.commands.registry import CommandContext, ImproperCommand, Invocation, command
from shell.commands.tracing import show_trace_session
from shell.connection.base import CQLSH_VERSION, Connection, QueryError, ServerInfo

__all__ = ["CQLSH_VERSION", "ServerInfo", "server_info", "show"]


def server_info(connection: Connection) -> ServerInfo:
    return connection.server_info()


def _first_row(connection: Connection, query: str) -> dict[str, object] | None:
    try:
        for page in connection.execute(query):
            if not page.rows:
                return None
            return dict(zip([c.name for c in page.columns], page.rows[0], strict=True))
    except QueryError:
        return None
    return None


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
        context.message(str(list(context.connection.replicas(int(rest[0].text), keyspace))))
    else:
        raise ImproperCommand


def _keyspace_name(token: Token) -> str:
    if token.kind is TokenKind.QUOTED_NAME:
        return token.text
    if token.kind is TokenKind.IDENT:
        return token.text.lower()
    raise ImproperCommand


def _show_session(context: CommandContext, session_id: uuid.UUID, partial: bool = False) -> None:
    """cqlsh's ``print_trace_session``: the driver's default two-second wait, then the trace or an error."""
    show_trace_session(context, session_id, partial=partial)
