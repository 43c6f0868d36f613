"""Multi-column relations on clustering columns of any order, checked against a brute-force model.

``(a, b) > (1, 2)`` compares tuples by the columns' values, whatever their clustering order (Cassandra's
MultiColumnRestriction bounds, CASSANDRA-7281); SELECT reads them through clustering slices and DELETE
writes them as range tombstones, so both are checked: the rows a SELECT returns and the rows a DELETE
leaves must be exactly what comparing the value tuples in Python says.
"""

from __future__ import annotations

import itertools
import operator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cluster.session import Cluster

VALUES = (0, 1, 2)
ROWS = list(itertools.product(VALUES, repeat=3))
OPERATORS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    opened = Cluster.open(tmp_path_factory.mktemp("multi") / "c")
    session = opened.connect()
    session.execute(
        "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    for orders in itertools.product(("ASC", "DESC"), repeat=3):
        name = "t_" + "_".join(o.lower() for o in orders)
        session.execute(
            f"CREATE TABLE ks.{name} (k int, a int, b int, c int, PRIMARY KEY (k, a, b, c)) "
            f"WITH CLUSTERING ORDER BY (a {orders[0]}, b {orders[1]}, c {orders[2]})"
        )
    yield opened
    opened.shutdown()


relation = st.tuples(st.sampled_from(sorted(OPERATORS)), st.integers(1, 3)).flatmap(
    lambda op_width: st.tuples(st.just(op_width[0]), st.tuples(*[st.sampled_from(VALUES)] * op_width[1]))
)


def _where(relations: list[tuple[str, tuple[int, ...]]]) -> str:
    parts = []
    for op, values in relations:
        columns = ("a", "b", "c")[: len(values)]
        parts.append(f"({', '.join(columns)}) {op} ({', '.join(map(str, values))})")
    return " AND ".join(parts)


def _expected(relations: list[tuple[str, tuple[int, ...]]]) -> set[tuple[int, int, int]]:
    return {row for row in ROWS if all(OPERATORS[op](row[: len(values)], values) for op, values in relations)}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    orders=st.tuples(*[st.sampled_from(("asc", "desc"))] * 3),
    relations=st.lists(relation, min_size=1, max_size=2),
    key=st.integers(0, 10_000),
)
def test_select_and_delete_match_value_order(cluster, orders, relations, key) -> None:
    lower = [r for r in relations if r[0] in (">", ">=")]
    upper = [r for r in relations if r[0] in ("<", "<=")]
    if len(lower) > 1 or len(upper) > 1:
        return  # Cassandra refuses two bounds on the same side
    session = cluster.connect("ks")
    table = "t_" + "_".join(orders)
    for a, b, c in ROWS:
        session.execute(f"INSERT INTO {table} (k, a, b, c) VALUES ({key}, {a}, {b}, {c})")
    where = _where(relations)
    expected = _expected(relations)
    selected = {tuple(r) for r in session.execute(f"SELECT a, b, c FROM {table} WHERE k = {key} AND {where}")}
    assert selected == expected, where
    session.execute(f"DELETE FROM {table} WHERE k = {key} AND {where}")
    left = {tuple(r) for r in session.execute(f"SELECT a, b, c FROM {table} WHERE k = {key}")}
    assert left == set(ROWS) - expected, where
    session.execute(f"DELETE FROM {table} WHERE k = {key}")


def test_equality_and_in_on_the_whole_clustering(cluster) -> None:
    session = cluster.connect("ks")
    for a, b, c in ROWS:
        session.execute(f"INSERT INTO t_asc_desc_asc (k, a, b, c) VALUES (-1, {a}, {b}, {c})")
    session.execute("DELETE FROM t_asc_desc_asc WHERE k = -1 AND (a, b, c) = (1, 1, 1)")
    session.execute("DELETE FROM t_asc_desc_asc WHERE k = -1 AND (a, b, c) IN ((0, 0, 0), (2, 2, 2))")
    left = {tuple(r) for r in session.execute("SELECT a, b, c FROM t_asc_desc_asc WHERE k = -1")}
    assert left == set(ROWS) - {(1, 1, 1), (0, 0, 0), (2, 2, 2)}
