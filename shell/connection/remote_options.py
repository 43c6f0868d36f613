"""How to reach a remote server, as cqlsh's command line and cqlshrc give it; shared by both remote
connections (``shell.connection.native`` and ``shell.connection.driver``) without importing either."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


class ConnectionFailed(Exception):
    """The shell could not connect; the text follows cqlsh's ``Connection error: ``."""


@dataclass
class DriverOptions:
    """How to reach the server, as cqlsh's command line and cqlshrc give it."""

    host: str = "127.0.0.1"
    port: int = 9042
    protocol_version: int | None = None
    connect_timeout: float = 5.0
    request_timeout: float = 10.0
    username: str | None = None
    password: str | None = None
    ssl_options: Mapping[str, object] | None = None
    cql_version: str | None = None
    extra: dict[str, object] = field(default_factory=dict)
