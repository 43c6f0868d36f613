"""Parser speed: statements/s for a mixed corpus and simple INSERTs, and grammar load time from cache.

Run: python bench/parse.py

The mixed corpus is every valid statement of tests/fixtures/cql/valid (all statement kinds and literal
forms). The baseline, printed side by side, is the real cqlsh's own CQL lexer (cqlshlib.cql3handling's
``CqlRuleSet.cql_split_statements``, which cqlsh runs on every input) over the same text: it only tokenizes and
splits, it does not build a syntax tree, so it is a floor that a full parser is expected to be slower than.
Grammar load time is measured in a fresh interpreter (so nothing is warm but lark's cache file).
"""

from __future__ import annotations

import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.cql import parse  # noqa: E402

CORPUS_DIR = ROOT / "tests" / "fixtures" / "cql" / "valid"


def corpus() -> list[str]:
    statements = []
    for path in sorted(CORPUS_DIR.glob("*.cql")):
        blocks = re.split(r"^---$", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
        statements.extend(b.strip() for b in blocks if b.strip())
    return statements


def inserts(n: int) -> list[str]:
    return [
        f"INSERT INTO metrics.training_runs (run_id, epoch, loss, accuracy, note) "
        f"VALUES ({i}, {i % 100}, {i * 0.001:.4f}, 0.{i % 97:02d}, 'run {i}')"
        for i in range(n)
    ]


def best_rate(fn: Callable[[str], object], statements: list[str], repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for s in statements:
            fn(s)
        best = min(best, time.perf_counter() - start)
    return len(statements) / best


def load_time_ms(runs: int = 7) -> tuple[float, float]:
    """Median (import of engine.cql, grammar load from the table cache) in fresh interpreters, in ms."""
    code = (
        "import time; t0 = time.perf_counter(); import engine.cql.parser as p; t1 = time.perf_counter(); "
        "p.load(); t2 = time.perf_counter(); print((t1 - t0) * 1000, (t2 - t1) * 1000)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, capture_output=True)  # warm the cache
    imports, loads = [], []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code], check=True, cwd=ROOT, capture_output=True, text=True
        )
        first, second = out.stdout.split()
        imports.append(float(first))
        loads.append(float(second))
    return sorted(imports)[runs // 2], sorted(loads)[runs // 2]


def cqlsh_splitter() -> Callable[[str], object] | None:
    try:
        from cqlshlib.cql3handling import CqlRuleSet
    except ImportError:
        return None
    return lambda text: CqlRuleSet.cql_split_statements(text + ";")


def _accepts(fn: Callable[[str], object], statement: str) -> bool:
    try:
        fn(statement)
    except Exception:
        return False
    return True


def main() -> None:
    mixed = corpus()
    simple = inserts(5000)
    parse(mixed[0])  # load the grammar before timing
    baseline = cqlsh_splitter()
    print(f"python {platform.python_version()} on {platform.machine()}")
    print(f"{'workload':<34}{'cqlkit parse/s':>16}{'cqlsh split/s':>16}{'ratio':>8}")
    if baseline is not None:
        # cqlsh's lexer refuses a few valid forms (named markers in batches, ...): compare on what both take.
        mixed = [s for s in mixed if _accepts(baseline, s)]
    for name, statements in (
        (f"mixed corpus ({len(mixed)} stmts)", mixed),
        ("simple INSERT (5000 stmts)", simple),
    ):
        ours = best_rate(parse, statements)
        theirs = best_rate(baseline, statements) if baseline else float("nan")
        print(f"{name:<34}{ours:>16,.0f}{theirs:>16,.0f}{ours / theirs:>8.2f}")
    import_ms, load_ms = load_time_ms()
    print(f"grammar load from warm cache (median of 7 fresh interpreters): {load_ms:.1f} ms")
    print(f"import of engine.cql before that (syntax-tree classes, lexer): {import_ms:.1f} ms")


if __name__ == "__main__":
    main()
