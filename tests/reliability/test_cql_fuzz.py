"""Hostile CQL: mutated statements get Cassandra's errors, never a crash, and the node keeps working.

For each golden script (tests/reliability/fuzz_cql.py) a keyspace of its own gets the script's
statements run unmutated (its schema and data), then mutants of them run through the embedded API —
the same query processor the native protocol uses. Every outcome must be a result or a ``CqlError``
(SyntaxException, InvalidRequest, ...: what Cassandra answers); anything else is a bug in cqlkit. The
node must answer a plain query afterwards. ``-m slow`` runs the long version (over 100,000 statements).
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator

import pytest

from engine.cluster.session import Cluster, Session
from engine.errors import CqlError
from tests.reliability.fuzz_cql import corpus, mutants


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    opened = Cluster.open(tmp_path_factory.mktemp("cqlfuzz") / "c")
    yield opened
    opened.shutdown()


def _run(session: Session, statement: str) -> None:
    with contextlib.suppress(CqlError):
        session.execute(statement)


def fuzz(cluster: Cluster, per_file: int, seed: int) -> tuple[int, int]:
    """Mutants run and how many of them succeeded."""
    rng = random.Random(seed)
    ran = succeeded = 0
    for index, (path, statements) in enumerate(corpus()):
        session = cluster.connect()
        keyspace = f"fuzz_{seed}_{index}"
        session.execute(
            f"CREATE KEYSPACE {keyspace} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"
        )
        session.set_keyspace(keyspace)
        for statement in statements:
            _run(session, statement)
        for mutant in mutants(statements, per_file, rng):
            ran += 1
            try:
                session.execute(mutant)
                succeeded += 1
            except CqlError:
                pass
            except Exception as e:  # the property under test: nothing but CqlError escapes
                pytest.fail(f"{type(e).__name__}: {e} from {mutant!r} (corpus {path.name})")
            if session.keyspace != keyspace:  # a mutant may USE another keyspace (or drop this one)
                session = cluster.connect()
                _run(
                    session,
                    f"CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}",
                )
                session.set_keyspace(keyspace)
    return ran, succeeded


def _still_answers(cluster: Cluster) -> None:
    session = cluster.connect()
    session.execute(
        "CREATE KEYSPACE IF NOT EXISTS after WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    session.execute("CREATE TABLE IF NOT EXISTS after.t (k int PRIMARY KEY, v text)")
    session.execute("INSERT INTO after.t (k, v) VALUES (1, 'still here')")
    assert session.execute("SELECT v FROM after.t WHERE k = 1").one().v == "still here"


def test_mutated_statements_get_cql_errors(cluster: Cluster) -> None:
    ran, succeeded = fuzz(cluster, per_file=100, seed=1)
    assert ran > 2_000 and 0 < succeeded < ran
    _still_answers(cluster)


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_mutated_statements_long(cluster: Cluster) -> None:
    ran = 0
    for seed in range(2, 12):
        ran += fuzz(cluster, per_file=400, seed=seed)[0]
    assert ran >= 100_000
    _still_answers(cluster)
