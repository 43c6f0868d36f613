"""nodetool against a running ``cqlkit serve``: the command runs in the server, on its live nodes.

A running server holds the cluster's data directories (DESIGN.md §1: two processes never open one), so
``cqlkit nodetool`` cannot open the cluster itself. It sends its arguments to the server's admin API
(``POST /v1/nodetool`` with ``{"argv": [...]}``, the token from ``admin.token``), where
:func:`nodetool_routes` runs the same :func:`admin.nodetool.main.run` against the served cluster's
NodeProbe and answers ``{"stdout", "stderr", "status"}``; the client prints them and exits with the status.
So what nodetool shows is the live state: a node stopped with ``cqlkit cluster node2 stop`` is ``DN``, a
``setcompactionthroughput`` lasts as long as the server. This is cqlkit's own route (Cassandra's nodetool
talks JMX); the admin API is described in docs/admin_api.md.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from admin.nodetool import progress
from engine.admin_api.server import AdminRequest, AdminResponse, Router, read_token

#: how long a command may run in the server (a major compaction of a big table takes a while)
REMOTE_TIMEOUT_S = 3600.0


def nodetool_routes(router: Router, served: Any) -> None:
    """``POST /v1/nodetool`` on ``router``: run nodetool in this (the serving) process."""

    def handle(request: AdminRequest) -> AdminResponse:
        from admin.nodetool.main import run

        argv = request.body.get("argv")
        if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
            return AdminResponse(400, {"error": "argv must be a list of strings"})
        out, err = io.StringIO(), io.StringIO()
        status = run(argv, out=out, err=err, connect=_served_connect(served.cluster))
        return AdminResponse(200, {"stdout": out.getvalue(), "stderr": err.getvalue(), "status": status})

    router.add("POST", "/v1/nodetool", handle)


def _served_connect(cluster: Any) -> Any:
    @contextlib.contextmanager
    def connect(host: str | None, port: str) -> Iterator[Any]:
        from admin.nodetool.main import probe_for

        yield probe_for(cluster, host)  # the served cluster stays open

    return connect


def run_remote(
    directory: Path, server: dict[str, Any], argv: Sequence[str], *, out: TextIO, err: TextIO
) -> int:
    """Run ``nodetool argv`` in the server holding ``directory``; returns its exit status."""
    admin = server.get("admin")
    if not isinstance(admin, dict):
        err.write(f"nodetool: the server of cluster {directory.name} has no admin API (restart it)\n")
        return 1
    token = read_token(directory)
    try:
        if "--progress" in argv and progress.is_terminal(err):
            status, answer = _with_progress_bar(admin, token, argv, err)
        else:
            status, answer = _post(admin, token, argv)
    except (OSError, ValueError) as e:
        err.write(
            f"nodetool: Failed to connect to '{admin['host']}:{admin['port']}' - ConnectException: '{e}'.\n"
        )
        return 1
    if status != 200:
        err.write(f"error: {answer.get('error', status)}\n")
        return 2
    out.write(str(answer.get("stdout", "")))
    err.write(str(answer.get("stderr", "")))
    return int(answer.get("status", 2))


def _post(admin: dict[str, Any], token: str, argv: Sequence[str]) -> tuple[int, dict[str, Any]]:
    connection = http.client.HTTPConnection(str(admin["host"]), int(admin["port"]), timeout=REMOTE_TIMEOUT_S)
    try:
        connection.request(
            "POST",
            "/v1/nodetool",
            body=json.dumps({"argv": list(argv)}),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


def _with_progress_bar(
    admin: dict[str, Any], token: str, argv: Sequence[str], err: TextIO
) -> tuple[int, dict[str, Any]]:
    """``--progress`` against a server: the command runs there; meanwhile this process draws the bar
    from the server's ``compactionstats -F json`` (a repair shows its elapsed time)."""

    def ask(request: list[str]) -> dict[str, Any] | None:
        status, answer = _post(admin, token, request)
        if status != 200 or answer.get("status") != 0:
            return None
        return json.loads(str(answer.get("stdout", "")))

    command = next((w for w in argv if w in ("compact", "cleanup", "repair")), "nodetool")
    poll = progress.remote_compaction_poll(ask, argv) if command != "repair" else (lambda: None)
    return progress.run_polled(err, command, lambda: _post(admin, token, argv), poll)
