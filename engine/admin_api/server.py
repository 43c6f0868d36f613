"""The admin HTTP/JSON endpoint of a running cluster: a loopback-only server with generic routing.

A ``cqlkit serve`` process runs one :class:`AdminServer` next to its nodes' native-protocol endpoints.
Tools in other processes (``cqlkit cluster node2 stop``) reach it through the address and token the
server lists in ``<cluster>/server.json`` and ``<cluster>/admin.token``.

**Routes.** A :class:`Router` maps a method and a path pattern to a handler; ``{name}`` segments
match one path segment and reach the handler as :attr:`AdminRequest.params`. Handlers return an
:class:`AdminResponse` (status and a JSON-serializable body) or raise :class:`AdminError`. Unknown
paths answer 404, a known path with another method 405, a handler that fails unexpectedly 500; every
error body is ``{"error": "<message>"}``. New route families (NodeProbe's) register on the same router.

**Guard.** The server binds a loopback address only, and every request must carry
``Authorization: Bearer <token>``, the token being the content of ``admin.token`` (created with mode
0600 in the cluster directory), so only the user who can read the cluster directory drives the cluster.
A missing or wrong token answers 401.

**Wire format.** Request bodies, when a route takes one, are a JSON object; responses are JSON objects
with ``Content-Type: application/json``. Requests are served one thread each (``ThreadingHTTPServer``).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import re
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

log = logging.getLogger(__name__)

TOKEN_FILE = "admin.token"


@dataclass(frozen=True)
class AdminRequest:
    method: str
    path: str
    params: Mapping[str, str]
    body: Mapping[str, object]
    #: the query string's parameters (the last value of a repeated one), as ScyllaDB's routes take them
    query: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AdminResponse:
    status: int = HTTPStatus.OK
    #: a JSON object for cqlkit's own routes; ScyllaDB-compatible routes answer any JSON value
    body: object = field(default_factory=dict)


class AdminError(Exception):
    """A refused request: ``status`` (an HTTP status) and the message the client shows."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


Handler = Callable[[AdminRequest], AdminResponse]

_SEGMENT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


class Router:
    """Method + path pattern → handler; ``/v1/nodes/{name}/stop`` captures ``name``."""

    def __init__(self) -> None:
        self._routes: list[_Route] = []

    def add(self, method: str, path: str, handler: Handler) -> None:
        parts = [
            f"(?P<{m.group(1)}>[^/]+)" if (m := _SEGMENT.fullmatch(part)) else re.escape(part)
            for part in path.split("/")
        ]
        regex = "^" + "/".join(parts) + "$"
        self._routes.append(_Route(method.upper(), re.compile(regex), handler))

    def dispatch(
        self, method: str, path: str, body: Mapping[str, object], query: Mapping[str, str] | None = None
    ) -> AdminResponse:
        allowed = False
        for route in self._routes:
            match = route.pattern.match(path)
            if match is None:
                continue
            if route.method != method:
                allowed = True
                continue
            return route.handler(AdminRequest(method, path, match.groupdict(), body, dict(query or {})))
        if allowed:
            raise AdminError(HTTPStatus.METHOD_NOT_ALLOWED, f"{method} is not allowed on {path}")
        raise AdminError(HTTPStatus.NOT_FOUND, f"no such resource: {path}")


def create_token(directory: Path) -> str:
    """A fresh random token in ``directory/admin.token``, readable by its owner only."""
    token = secrets.token_hex(32)
    path = directory / TOKEN_FILE
    temporary = path.with_suffix(".tmp")
    temporary.unlink(missing_ok=True)
    temporary.touch(mode=0o600)
    temporary.write_text(token + "\n", encoding="utf-8")
    temporary.replace(path)
    return token


def read_token(directory: Path) -> str:
    return (directory / TOKEN_FILE).read_text(encoding="utf-8").strip()


class AdminServer:
    """The HTTP endpoint; ``start()`` binds (``OSError`` if it cannot), ``port`` once started."""

    def __init__(self, router: Router, token: str, host: str = "127.0.0.1", port: int = 0) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"the admin API listens on a loopback address only, not {host}")
        self.router = router
        self._token = token
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def start(self) -> None:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="admin-api", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
        self._httpd.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            server_version = "cqlkit-admin"

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_DELETE(self) -> None:
                self._serve("DELETE")

            def _serve(self, method: str) -> None:
                threading.current_thread().name = "AdminApi"  # what node logs show for admin-driven work
                try:
                    response = self._respond(method)
                except AdminError as e:
                    response = AdminResponse(e.status, {"error": e.message})
                except Exception as e:  # a failed handler answers 500 and the server keeps running
                    log.exception("admin API %s %s failed", method, self.path)
                    response = AdminResponse(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": str(e)})
                payload = json.dumps(response.body).encode("utf-8")
                self.send_response(response.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _respond(self, method: str) -> AdminResponse:
                sent = self.headers.get("Authorization", "")
                if not hmac.compare_digest(sent.encode(), f"Bearer {server._token}".encode()):
                    raise AdminError(HTTPStatus.UNAUTHORIZED, "missing or wrong admin token")
                length = int(self.headers.get("Content-Length") or 0)
                body: object = {}
                if length:
                    try:
                        body = json.loads(self.rfile.read(length))
                    except ValueError:
                        raise AdminError(HTTPStatus.BAD_REQUEST, "the request body is not JSON") from None
                if not isinstance(body, dict):
                    raise AdminError(HTTPStatus.BAD_REQUEST, "the request body is not a JSON object")
                path, _, query = self.path.partition("?")
                parameters = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
                return server.router.dispatch(method, path, body, parameters)

            def log_message(self, format: str, *args: object) -> None:
                log.debug("admin API: " + format, *args)

        return _Handler
