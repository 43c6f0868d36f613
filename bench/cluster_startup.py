"""Time from ``Cluster.open(dir, nodes=3)`` to the first answered query, in a fresh process.

Run from the repository root: ``python bench/cluster_startup.py [--nodes 3] [--runs 5]``.

Each run starts a new Python process that imports ``engine``, then measures (``time.perf_counter``) from
``Cluster.open(directory, nodes=N, realtime=True)`` — as a serving cluster opens: creating the node
directories and ``cluster.json``, opening every node's storage, starting the network thread and running
gossip until every node sees every other UP — to the first ``SELECT release_version FROM system.local``
answered. Two figures per run: a fresh directory (created) and the same directory reopened. Printed:
the median over the runs, and the import time for reference.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, sys, time
t0 = time.perf_counter()
from engine import Cluster
imported = time.perf_counter() - t0
directory, nodes = sys.argv[1], sys.argv[2]
out = {"import": imported}
for phase in ("fresh", "reopen"):
    start = time.perf_counter()
    cluster = Cluster.open(directory, nodes=nodes, realtime=True)
    session = cluster.connect()
    session.execute("SELECT release_version FROM system.local")
    out[phase] = time.perf_counter() - start
    cluster.shutdown()
print(json.dumps(out))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--nodes", default="3")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            directory = str(Path(tmp) / "bench")
            output = subprocess.run(
                [sys.executable, "-c", CHILD, directory, args.nodes],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            results.append(json.loads(output.strip().splitlines()[-1]))
    for key, label in (
        ("fresh", "fresh directory"),
        ("reopen", "reopened directory"),
        ("import", "import engine"),
    ):
        values = [r[key] * 1000 for r in results]
        print(
            f"{label:>20}: median {statistics.median(values):7.1f} ms  (min {min(values):.1f}, max {max(values):.1f})"
        )


if __name__ == "__main__":
    main()
