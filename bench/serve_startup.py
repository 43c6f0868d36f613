"""Time from starting ``cqlkit serve --nodes 3`` to the first query answered over the native protocol.

Run from the repository root: ``python bench/serve_startup.py [--nodes 3] [--runs 5]``.

Each run uses a fresh ``$CQLKIT_HOME`` and free ports (``--single-interface``, so it runs anywhere), and
measures with ``time.perf_counter`` from just before the ``cqlkit serve`` process is spawned to the first
``SELECT release_version FROM system.local`` answered by node1 (a raw v4 STARTUP + QUERY, retried until
the port accepts), and to every node answering. Two phases per run: the cluster created by ``serve``
(fresh) and the same cluster served again (reopen). The baseline is the same interpreter's start-up
(``python -c pass``) and ``cqlkit --version`` (interpreter + the CLI's imports), medians over the runs.

Where the time goes, measured inside one fresh interpreter per run (``PHASES``): importing the modules
``serve`` needs, ``Cluster.open`` (storage of every node, gossip converged), and opening the endpoints.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CQLKIT = str(Path(sys.executable).with_name("cqlkit"))


PHASES = """
import json, sys, time
t0 = time.perf_counter()
import engine.admin_api.lifecycle, engine.auth.embedded
from engine import Cluster
t1 = time.perf_counter()
cluster = Cluster.open(sys.argv[1], sys.argv[2], realtime=True)
t2 = time.perf_counter()
from engine.admin_api.lifecycle import ServedCluster, endpoints
served = ServedCluster(cluster, endpoints(cluster, 0, single_interface=True))
served.start()
t3 = time.perf_counter()
served.stop()
print(json.dumps({"import": t1 - t0, "open": t2 - t1, "endpoints": t3 - t2}))
"""


def _phases(directory: str, nodes: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, "-c", PHASES, directory, nodes], check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def _frame(opcode: int, body: bytes) -> bytes:
    return struct.pack(">BBhBi", 0x04, 0, 0, opcode, len(body)) + body


def _read(sock: socket.socket) -> tuple[int, bytes]:
    header = b""
    while len(header) < 9:
        chunk = sock.recv(9 - len(header))
        if not chunk:
            raise ConnectionError("closed")
        header += chunk
    _, _, _, opcode, length = struct.unpack(">BBhBi", header)
    body = b""
    while len(body) < length:
        body += sock.recv(length - len(body))
    return opcode, body


def _query(port: int) -> bool:
    """STARTUP then the query; True once a RESULT (opcode 0x08) comes back."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            options = struct.pack(">H", 1)
            for text in ("CQL_VERSION", "3.0.0"):
                options += struct.pack(">H", len(text)) + text.encode()
            sock.sendall(_frame(0x01, options))
            if _read(sock)[0] != 0x02:  # READY
                return False
            query = b"SELECT release_version FROM system.local"
            sock.sendall(_frame(0x07, struct.pack(">i", len(query)) + query + struct.pack(">HB", 0x0001, 0)))
            return _read(sock)[0] == 0x08
    except OSError:
        return False


def _free_base(count: int) -> int:
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + count >= 65535:
            continue
        try:
            for port in range(base, base + count):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue


def _serve_once(home: str, nodes: str) -> tuple[float, float]:
    port = _free_base(sum(int(n) for n in nodes.split(":")))
    env = {**os.environ, "CQLKIT_HOME": home}
    command = [CQLKIT, "serve", "--cluster", "bench", "--nodes", nodes, "--single-interface"]
    start = time.perf_counter()
    server = subprocess.Popen(
        [*command, "--native-port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    try:
        while not _query(port):
            if server.poll() is not None:
                raise RuntimeError("cqlkit serve exited")
            time.sleep(0.002)
        first = time.perf_counter() - start
        count = sum(int(n) for n in nodes.split(":"))
        for offset in range(1, count):
            while not _query(port + offset):
                time.sleep(0.002)
        every = time.perf_counter() - start
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
    return first, every


def _wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--nodes", default="3")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    figures: dict[str, list[float]] = {}
    for _ in range(args.runs):
        figures.setdefault("python -c pass", []).append(_wall([sys.executable, "-c", "pass"]))
        figures.setdefault("cqlkit --version", []).append(_wall([CQLKIT, "--version"]))
        with tempfile.TemporaryDirectory() as home:
            for phase in ("fresh", "reopen"):
                first, every = _serve_once(home, args.nodes)
                figures.setdefault(f"serve --nodes {args.nodes} ({phase}): first query", []).append(first)
                figures.setdefault(f"serve --nodes {args.nodes} ({phase}): every node", []).append(every)
            for phase, seconds in _phases(str(Path(home) / "phases"), args.nodes).items():
                figures.setdefault(f"  in-process: {phase}", []).append(seconds)
    print(f"python {sys.version.split()[0]}, median of {args.runs} runs")
    for label, values in figures.items():
        print(f"{label:<48} {statistics.median(values) * 1000:8.0f} ms")


if __name__ == "__main__":
    main()
