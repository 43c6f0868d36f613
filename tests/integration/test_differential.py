"""Differential tests: the same statement files through the real cqlsh (PyPI ``cqlsh``) and through
``cqlkit cqlsh HOST PORT``, against one ``cqlkit serve``-style server, print byte-identical stdout and
stderr and exit with the same status.

The schema and data the files read (``differential/setup.cql``) are loaded once per module; every other
``differential/*.cql`` file is run by both shells with ``-f`` (batch mode), so the files are written to
give the same output however often they run (no DDL that succeeds only once, writes that rewrite the
same values). ``SHOW VERSION`` is left out: cqlkit reports cqlsh 6.2.0 (Cassandra 5.0's) where PyPI's
cqlsh says 6.2.2. Also compared: command-line forms (``-e``, ``-k``, piped stdin, colors, protocol v4,
usage errors, a refused connection), a COPY script (output with its timings masked, errors, and every
file written), ``--ssl`` against a TLS server, and ``-u``/``-p``/``LOGIN`` against PasswordAuthenticator.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.cluster.node import Node
from engine.cluster.server import NodeServer
from engine.cql.splitter import split_statements
from engine.cql3.statements.base import ClientState
from shell.cli import main as cqlkit_cqlsh

CQLSH = Path(sys.executable).with_name("cqlsh")
FILES = Path(__file__).parent / "differential"
STATEMENT_FILES = sorted(p for p in FILES.glob("*.cql") if p.name != "setup.cql")

pytestmark = pytest.mark.skipif(
    not CQLSH.exists(), reason="the real cqlsh is not installed next to this Python"
)


@dataclass(frozen=True)
class Address:
    host: str
    port: int


@dataclass(frozen=True)
class Run:
    stdout: str
    stderr: str
    status: int


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeServer]:
    directory = tmp_path_factory.mktemp("differential") / "Test Cluster"
    node = Node(directory / "node1", cluster_name="Test Cluster")
    for statement in split_statements((FILES / "setup.cql").read_text(encoding="utf-8")):
        node.query_processor.execute(statement.text, ClientState())
    served = NodeServer(node, "127.0.0.1", 0)
    served.start()
    yield served
    served.stop()
    node.close()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


def environment(home: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CQLSH_", "CQLKIT_"))},
        "HOME": str(home),
        "TZ": "UTC",
        "COLUMNS": "80",
        "NO_COLOR": "1",
        "CQL_HISTORY": "/dev/null",
    }


def real_cqlsh(
    server: NodeServer | Address,
    home: Path,
    args: list[str],
    stdin: str | None = None,
    cwd: Path = FILES,
    extra_env: dict[str, str] | None = None,
) -> Run:
    """The real cqlsh; its output decoded without newline translation (COPY's progress ends in ``\\r``)."""
    done = subprocess.run(
        [str(CQLSH), server.host, str(server.port), *args],
        input=stdin.encode() if stdin is not None else None,
        capture_output=True,
        env={**environment(home), **(extra_env or {})},
        cwd=cwd,
        timeout=120,
    )
    return Run(done.stdout.decode(), done.stderr.decode(), done.returncode)


def ours(
    server: NodeServer | Address,
    home: Path,
    args: list[str],
    monkeypatch: pytest.MonkeyPatch,
    stdin: str = "",
    cwd: Path = FILES,
    extra_env: dict[str, str] | None = None,
) -> Run:
    """``cqlkit cqlsh HOST PORT ARGS`` in this process, with the environment the real cqlsh gets."""
    with monkeypatch.context() as patch:
        for name in [k for k in os.environ if k.startswith(("CQLSH_", "CQLKIT_"))]:
            patch.delenv(name)
        for name, value in {**environment(home), **(extra_env or {})}.items():
            patch.setenv(name, value)
        patch.chdir(cwd)
        out, err = io.StringIO(), io.StringIO()
        status = cqlkit_cqlsh(
            [server.host, str(server.port), *args], stdin=io.StringIO(stdin), stdout=out, stderr=err
        )
    return Run(out.getvalue(), err.getvalue(), status)


@pytest.mark.parametrize("path", STATEMENT_FILES, ids=lambda p: p.stem)
def test_statement_file(path: Path, server: NodeServer, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = real_cqlsh(server, home, ["-f", path.name])
    actual = ours(server, home, ["-f", path.name], monkeypatch)
    assert actual.stderr == expected.stderr
    assert traces_masked(actual.stdout) == traces_masked(expected.stdout)
    assert actual.status == expected.status


_TRACE_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}(?:\+00:00)?")
_TRACE_ELAPSED = re.compile(r"\| +\d+ \|")


def traces_masked(text: str) -> str:
    """The output with each trace's session id, timestamps and elapsed times masked: two traced runs of
    one statement take different times, but must print the same trace table otherwise."""
    out = []
    in_trace = False
    for line in text.split("\n"):
        if line.startswith("Tracing session: "):
            in_trace, line = True, "Tracing session: <session>"
        elif in_trace and line.startswith(" ") and "|" in line:
            line = _TRACE_ELAPSED.sub("| <elapsed> |", _TRACE_TIME.sub("<time>", line))
        elif in_trace and line and not line.startswith("-"):
            in_trace = False
        out.append(line)
    return "\n".join(out)


@pytest.mark.parametrize(
    "args",
    [
        ["-e", "SELECT what FROM diff.events WHERE day = 'mon'"],
        ["-e", "SELECT * FROM diff.nope; SELECT id FROM diff.events WHERE day = 'tue'"],
        ["-k", "diff", "-e", "SELECT * FROM counts"],
        ["-k", "nope", "-e", "SELECT * FROM counts"],
        ["--protocol-version", "4", "-e", "SHOW HOST"],
        ["--connect-timeout", "x", "-e", "SHOW HOST"],
        ["-C", "-e", "SELECT * FROM diff.everything; SELECT * FROM diff.events; SELECT * FROM diff.nope"],
        ["-C", "-e", "EXPAND ON; SELECT * FROM diff.everything WHERE k IN (1, 3)"],
        ["-e", "SELECT * FROM diff.events WHERE day = 'mon'; PAGING 1; SELECT * FROM diff.events"],
    ],
    ids=[
        "select",
        "error_then_select",
        "keyspace",
        "missing_keyspace",
        "protocol_v4",
        "bad_timeout",
        "color",
        "color_expanded",
        "paging_in_execute",
    ],
)
def test_command_line(
    args: list[str], server: NodeServer, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = real_cqlsh(server, home, args)
    actual = ours(server, home, args, monkeypatch)
    assert (actual.stdout, actual.stderr, actual.status) == (
        expected.stdout,
        expected.stderr,
        expected.status,
    )


def test_piped_stdin(server: NodeServer, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "USE diff;\nSELECT k, n\n  FROM counts;\nSELECT nope FROM counts;\n"
    expected = real_cqlsh(server, home, [], stdin=text)
    actual = ours(server, home, [], monkeypatch, stdin=text)
    assert (actual.stdout, actual.stderr, actual.status) == (
        expected.stdout,
        expected.stderr,
        expected.status,
    )


def test_connection_refused(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = Address("127.0.0.1", port)
    expected = real_cqlsh(closed, home, ["-e", "SHOW HOST"])
    actual = ours(closed, home, ["-e", "SHOW HOST"], monkeypatch)
    assert expected.stderr.startswith("Connection error: ('Unable to connect to any servers'")
    assert (actual.stdout, actual.stderr, actual.status) == (expected.stdout, expected.stderr, 1)


COPY_FILES = FILES / "copy"
_PROGRESS = re.compile(r"Processed: \d+ rows; Rate: +\d+ rows/s; Avg\. rate: +\d+ rows/s\r\r")
_STAMP = re.compile(r"\.\d{8}_\d{6}$")  # an old error file, renamed
_ELAPSED = re.compile(r" in [0-9a-z ,.]+ seconds")


def masked(text: str) -> str:
    """COPY's output without its timing: progress lines (how many depends on speed) and durations."""
    return _ELAPSED.sub(" in T seconds", _PROGRESS.sub("", text))


def _run_copy(runner: Callable[[Path], Run], workdir: Path) -> tuple[Run, dict[str, str]]:
    if workdir.exists():
        shutil.rmtree(workdir)
    shutil.copytree(COPY_FILES, workdir)
    before = {p.name for p in workdir.iterdir()}
    run = runner(workdir)
    produced = {
        _STAMP.sub(".STAMP", p.name): p.read_text(encoding="utf-8")
        for p in sorted(workdir.iterdir())
        if p.name not in before
    }
    return run, produced


def test_copy(server: NodeServer, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = (COPY_FILES / "copy.cql").read_text(encoding="utf-8")

    def real(workdir: Path) -> Run:
        return real_cqlsh(
            server, home, [], stdin=script, cwd=workdir, extra_env={"CQLSH_COPY_TEST_NUM_CORES": "2"}
        )

    def cqlkit(workdir: Path) -> Run:
        return ours(
            server,
            home,
            [],
            monkeypatch,
            stdin=script,
            cwd=workdir,
            extra_env={"CQLSH_COPY_TEST_NUM_CORES": "2"},
        )

    expected, expected_files = _run_copy(real, tmp_path / "real")
    actual, actual_files = _run_copy(cqlkit, tmp_path / "ours")
    assert "rows imported from 1 files" in expected.stdout and "rows exported to 1 files" in expected.stdout
    assert masked(actual.stderr) == masked(expected.stderr)
    assert masked(actual.stdout) == masked(expected.stdout)
    assert actual.status == expected.status
    assert actual_files == expected_files


@pytest.mark.skipif(
    shutil.which("openssl") is None, reason="the openssl command is needed to make certificates"
)
def test_ssl_from_cqlshrc(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--ssl`` with cqlshrc's ``[ssl]``: both shells reach a TLS server, validating its certificate."""

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=tmp_path, check=True, capture_output=True, timeout=60)

    curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl(
        "req", "-x509", *curve, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=test-ca"
    )
    openssl("req", "-new", *curve, "-keyout", "node.key", "-out", "node.csr", "-subj", "/CN=node1")
    (tmp_path / "node.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl(
        "x509", "-req", "-in", "node.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "node.pem", "-days", "2", "-extfile", "node.ext",
    )  # fmt: skip
    node = Node(tmp_path / "cluster" / "node1", cluster_name="Test Cluster")
    served = NodeServer(
        node, "127.0.0.1", 0, ssl_certfile=tmp_path / "node.pem", ssl_keyfile=tmp_path / "node.key"
    )
    served.start()
    cqlshrc = tmp_path / "cqlshrc"
    cqlshrc.write_text(f"[ssl]\ncertfile = {tmp_path / 'ca.pem'}\nvalidate = true\n")
    args = ["--ssl", "--cqlshrc", str(cqlshrc), "-e", "SHOW HOST; SELECT cluster_name FROM system.local"]
    try:
        expected = real_cqlsh(served, home, args)
        actual = ours(served, home, args, monkeypatch)
        plain = ours(served, home, ["-e", "SHOW HOST"], monkeypatch, extra_env={})
    finally:
        served.stop()
        node.close()
    assert expected.status == 0 and "Test Cluster" in expected.stdout
    assert (actual.stdout, actual.stderr, actual.status) == (
        expected.stdout,
        expected.stderr,
        expected.status,
    )
    assert plain.status == 1 and plain.stderr.startswith(
        "Connection error: ('Unable to connect to any servers'"
    )


def test_authentication(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``-u``/``-p`` and ``LOGIN`` against PasswordAuthenticator: the same prompts, errors and results."""
    from engine.auth import passwords
    from engine.auth.service import AuthService

    node = Node(tmp_path / "secured" / "node1", cluster_name="Test Cluster")
    service = AuthService.create(
        tmp_path / "secured" / "node1" / "data" / "system_auth",
        authenticator="PasswordAuthenticator",
        authorizer="CassandraAuthorizer",
        cost=passwords.TEST_COST,
    )
    node.query_processor.install_auth(service)
    served = NodeServer(node, "127.0.0.1", 0)
    served.start()
    setup = (
        "CREATE KEYSPACE shop WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}; "
        "CREATE TABLE shop.items (id int PRIMARY KEY, name text); "
        "INSERT INTO shop.items (id, name) VALUES (1, 'tea'); "
        "CREATE ROLE alice WITH PASSWORD = 'wonder' AND LOGIN = true"
    )
    secure, insecure = tmp_path / "credentials", tmp_path / "shared-credentials"
    for path, mode in ((secure, 0o600), (insecure, 0o644)):
        path.write_text("[plain_text_auth]\nusername = cassandra\npassword = cassandra\n")
        path.chmod(mode)
    runs = [
        ["-u", "alice", "-p", "wonder", "-e", "SELECT * FROM shop.items"],
        ["-u", "alice", "-p", "wrong", "-e", "SELECT * FROM shop.items"],
        ["-e", "SELECT * FROM shop.items"],
        ["-u", "cassandra", "-p", "cassandra", "-e", "LOGIN alice 'wonder'; SELECT * FROM shop.items"],
        ["-u", "cassandra", "-p", "cassandra", "-e", "LOGIN alice 'nope'; SELECT id FROM shop.items"],
        ["--credentials", str(secure), "-e", "SELECT * FROM shop.items"],
        ["--credentials", str(insecure), "-e", "SELECT * FROM shop.items"],
    ]
    try:
        assert (
            ours(served, home, ["-u", "cassandra", "-p", "cassandra", "-e", setup], monkeypatch).status == 0
        )
        pairs = [(real_cqlsh(served, home, args), ours(served, home, args, monkeypatch)) for args in runs]
    finally:
        served.stop()
        node.close()
    assert "Unauthorized" in pairs[0][0].stderr and "Bad credentials" in pairs[1][0].stderr
    assert "(1 rows)" in pairs[5][0].stdout and "exists but is not used" in pairs[6][0].stderr
    for expected, actual in pairs:
        assert (actual.stdout, actual.stderr, actual.status) == (
            expected.stdout,
            expected.stderr,
            expected.status,
        )
