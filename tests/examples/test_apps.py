"""Every examples/*/app.py runs as a real process, with cassandra-driver, against a real `cqlkit serve`.

One server process per module (a temporary ``CQLKIT_HOME`` and cluster directory, a free port); each
example uses its own keyspace. The app's standard output is pinned in ``app.out`` next to it
(``--update-goldens`` rewrites it).
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = sorted((ROOT / "examples").glob("*/app.py"))
SERVING = re.compile(r"serving cluster '[^']*' on ([\d.]+):(\d+) ")


def _env(home: Path) -> dict[str, str]:
    return {"TZ": "UTC", "PATH": "/usr/bin:/bin", "HOME": str(home), "CQLKIT_HOME": str(home / "cqlkit")}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    home = tmp_path_factory.mktemp("serve")
    cqlkit = Path(sys.executable).parent / "cqlkit"
    process = subprocess.Popen(
        [str(cqlkit), "serve", "--cluster", str(home / "cluster"), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(home),
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 60)
        assert ready, "cqlkit serve did not start within 60 s"
        assert process.stdout is not None
        banner = process.stdout.readline()
        match = SERVING.search(banner)
        assert match, (
            f"unexpected banner {banner!r}; stderr: {process.stderr.read() if process.stderr else ''}"
        )
        yield match.group(1), int(match.group(2))
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert out.splitlines()[-1] == "cqlkit: stopped"


@pytest.mark.parametrize("app", APPS, ids=lambda p: p.parent.name)
def test_app(app: Path, server: tuple[str, int], tmp_path: Path, request: pytest.FixtureRequest) -> None:
    host, port = server
    env = _env(tmp_path)
    env["PYTHONWARNINGS"] = "error::DeprecationWarning:__main__"  # the apps use the driver's current API
    result = subprocess.run(
        [sys.executable, str(app), "--host", host, "--port", str(port)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    expected = app.with_name("app.out")
    if request.config.getoption("--update-goldens"):
        expected.write_text(result.stdout)
    assert result.stdout == expected.read_text()


def test_every_example_has_an_app() -> None:
    examples = sorted(p.parent.name for p in (ROOT / "examples").glob("*/tutorial.cql"))
    assert [p.parent.name for p in APPS] == examples
    assert all(os.access(p, os.R_OK) for p in APPS)


@pytest.mark.parametrize("app", APPS, ids=lambda p: p.parent.name)
def test_readme_shows_the_apps_output(app: Path) -> None:
    assert app.with_name("app.out").read_text() in app.with_name("README.md").read_text()
