"""Runs every golden script under tests/golden/ through ``cqlkit cqlsh``'s batch path on a fresh cluster."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from shell.batch import run_statements
from shell.connection.embedded import EmbeddedConnection
from tests.golden.script import Block, files, parse, render

ROOT = Path(__file__).parent
SETUP = "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}; USE ks;"


def _run(connection: EmbeddedConnection, block: Block) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    text = block.statements if block.statements.rstrip().endswith(";") else block.statements + ";"
    outcome = run_statements(text, connection, out, err, source="<stdin>")
    errors = "\n".join(line.split(":", 2)[2] for line in err.getvalue().splitlines())
    return out.getvalue(), errors, outcome.failures


@pytest.mark.parametrize("path", files(ROOT), ids=lambda p: str(p.relative_to(ROOT)))
def test_golden(path: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    update = request.config.getoption("--update-goldens")
    blocks = parse(path.read_text())
    connection = EmbeddedConnection(tmp_path / "cluster")
    mismatches = []
    wrong_outcome = []  # an error where none was expected, or none where one was: never rewritten
    try:
        setup = run_statements(SETUP, connection, io.StringIO(), io.StringIO(), source="<setup>")
        assert setup.failures == 0
        for block in blocks:
            stdout, stderr, failures = _run(connection, block)
            if block.expect_error:
                actual = stderr.rstrip("\n")
                if not failures:
                    wrong_outcome.append(
                        f"expected an error from:\n{block.statements}\nbut it succeeded: {stdout!r}"
                    )
            else:
                actual = stdout.rstrip("\n")
                if failures:
                    wrong_outcome.append(f"unexpected error from:\n{block.statements}\n{stderr}")
            got = actual if actual else None
            expected = block.expected if block.expected else None
            if got != expected:
                if update:
                    block.expected = got
                else:
                    mismatches.append(
                        f"block:\n{block.statements}\n--- expected:\n{expected}\n--- got:\n{got}"
                    )
    finally:
        connection.close()
    assert not wrong_outcome, "\n\n".join(wrong_outcome)
    if update:
        path.write_text(render(blocks))
        return
    assert not mismatches, "\n\n".join(mismatches)
