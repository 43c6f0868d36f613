"""examples/mlops/operations.sh runs end to end (monitoring, snapshot, TRUNCATE, restore from the snapshot,
clearsnapshot) with the real cqlkit commands, and prints what operations.out pins.

Figures that differ on every run are normalized before comparing: host ids and table ids (random),
sizes (they depend on write timestamps), and the column alignment of nodetool status that follows them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "mlops" / "operations.sh"


def normalize(text: str) -> str:
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<host-id>", text)
    text = re.sub(r"-[0-9a-f]{32}/", "-<table-id>/", text)
    text = re.sub(r"\b\d+(\.\d+)? (bytes|KiB|MiB)\b", "<size>", text)
    # COPY's progress and timing depend on the machine's speed
    # (cqlsh redraws the progress line with carriage returns, as often as time allows)
    text = re.sub(r"(?:Processed: [^\r\n]*\r*)+\n", "Processed: <progress>\n", text)
    text = re.sub(
        r" in (?:\d+ days?, \d+ hours?, \d+ minutes?, and )?\d+\.\d+ seconds ", " in <time> seconds ", text
    )
    return "\n".join(
        re.sub(r"\s+", " ", line).strip() if line.startswith(("UN ", "DN ", "-- ")) else line
        for line in text.split("\n")
    )


def test_operations_walkthrough(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        ["bash", str(SCRIPT)],
        cwd=ROOT,
        capture_output=True,
        timeout=180,
        env={
            "TZ": "UTC",
            "NO_COLOR": "1",
            "HOME": str(tmp_path),
            "CQLKIT_HOME": str(tmp_path / "cqlkit"),
            "PATH": f"{bin_dir}:/usr/bin:/bin",
        },
    )
    stdout, stderr = result.stdout.decode(), result.stderr.decode()  # bytes: keep COPY's carriage returns
    assert result.returncode == 0, stderr
    assert stderr == ""
    expected = SCRIPT.with_name("operations.out")
    if request.config.getoption("--update-goldens"):
        expected.write_text(normalize(stdout))
    assert normalize(stdout) == expected.read_text()
