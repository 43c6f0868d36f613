"""Real ``cqlkit`` processes on a temporary ``$CQLKIT_HOME`` and free ports."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

CQLKIT = str(Path(sys.executable).with_name("cqlkit"))


def free_ports(count: int, host: str = "127.0.0.1") -> int:
    """A base port P such that P..P+count-1 are free on ``host`` now (random, so parallel runs differ)."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(20000, 60000 - count)
        sockets = []
        try:
            for port in range(base, base + count):
                s = socket.socket()
                sockets.append(s)
                s.bind((host, port))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no free ports")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def env(home: Path) -> dict[str, str]:
    return {**os.environ, "CQLKIT_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "80", "TZ": "UTC"}


@pytest.fixture
def cqlkit(env: dict[str, str]) -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([CQLKIT, *args], capture_output=True, text=True, env=env, timeout=120)

    return run


@pytest.fixture
def cli(env: dict[str, str]) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``cqlkit`` in this process (typer's runner): for the commands that start no server."""
    from typer.testing import CliRunner

    from admin.cli.app import app

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        result = CliRunner().invoke(app, list(args), env=env)
        return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)

    return run
