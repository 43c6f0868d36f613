"""examples/mlops/failover.sh runs end to end on a real three-node cluster served in the background: node3
down, QUORUM writes and reads working and ALL refused with Unavailable, no hints kept (disablehandoff on
the coordinator), node3's own copy read at ONE through node3 (missing the steps written while it was down),
a QUORUM read repairing one partition, ``nodetool repair`` repairing the rest; its output is what
failover.out pins.
"""

from __future__ import annotations

import difflib
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "mlops" / "failover.sh"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
STATUS_LINE = re.compile(rf"^[UD][NLJM]\s+127\.0\.0\.(\d+)\s.*\s({UUID})\s", re.MULTILINE)


def normalize(text: str, port: int) -> str:
    text = text.replace(f" --native-port {port}", "").replace(f":{port} ", ":9042 ")
    for node, host_id in STATUS_LINE.findall(text):
        text = text.replace(host_id, f"<host-id-{node}>")
    text = re.sub(UUID, "<uuid>", text)
    text = re.sub(r"\b\d+(\.\d+)? (bytes|KiB|MiB)\b", "<size>", text)
    text = re.sub(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\]", "[<time>]", text, flags=re.MULTILINE)
    text = re.sub(r" finished in \d+ seconds$", " finished in <n> seconds", text, flags=re.MULTILINE)
    return "\n".join(
        re.sub(r"\s+", " ", line).strip() if line.startswith(("UN ", "DN ", "-- ")) else line
        for line in text.split("\n")
    )


def free_port() -> int:
    """A port free on 127.0.0.1, .2 and .3 now (node N listens on 127.0.0.N)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        try:
            for n in (2, 3):
                with socket.socket() as other:
                    other.bind((f"127.0.0.{n}", port))
        except OSError as e:
            if e.errno == 99:  # EADDRNOTAVAIL: only 127.0.0.1 here
                pytest.skip(f"127.0.0.{n} cannot be bound here: {e}")
            continue
        return port
    raise RuntimeError("no free port")


@pytest.mark.timeout(180)  # about 15 s on an idle machine; a loaded one is slower
def test_failover_walkthrough(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    bin_dir = Path(sys.executable).parent
    env = {
        "TZ": "UTC",
        "NO_COLOR": "1",
        "HOME": str(tmp_path),
        "CQLKIT_HOME": str(tmp_path / "cqlkit"),
        "PATH": f"{bin_dir}:/usr/bin:/bin",
    }
    # the script stops its cluster whatever fails; this is for a script killed on timeout
    request.addfinalizer(
        lambda: subprocess.run(
            [str(bin_dir / "cqlkit"), "cluster", "stop"], env=env, capture_output=True, timeout=60
        )
    )
    port = free_port()
    result = subprocess.run(
        ["bash", str(SCRIPT), "--native-port", str(port)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=150,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert result.stderr == ""
    expected = SCRIPT.with_name("failover.out")
    got = normalize(result.stdout, port)
    if request.config.getoption("--update-goldens"):
        expected.write_text(got)
    diff = difflib.unified_diff(
        expected.read_text().splitlines(), got.splitlines(), "failover.out", "run", lineterm=""
    )
    assert got == expected.read_text(), "\n".join(diff)
    assert (tmp_path / "cqlkit" / "clusters" / "mlops3" / "server.json").exists() is False
