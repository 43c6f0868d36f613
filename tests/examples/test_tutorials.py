"""Every examples/*/tutorial.cql runs through `cqlkit cqlsh -f` in a real process, exit 0, pinned output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TUTORIALS = sorted((ROOT / "examples").glob("*/tutorial.cql"))


@pytest.mark.parametrize("tutorial", TUTORIALS, ids=lambda p: p.parent.name)
def test_tutorial(tutorial: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    cqlkit = Path(sys.executable).parent / "cqlkit"
    result = subprocess.run(
        [str(cqlkit), "cqlsh", "--cluster", str(tmp_path / "cluster"), "-f", str(tutorial.relative_to(ROOT))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"TZ": "UTC", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    expected = tutorial.with_suffix(".out")
    if request.config.getoption("--update-goldens"):
        expected.write_text(result.stdout)
    assert result.stdout == expected.read_text()
