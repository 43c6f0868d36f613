"""SELECT with clustering restrictions (pushed down to storage as slices) against a plain model."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cluster.session import Cluster


def _holds(value: int, operator: str, bound: int) -> bool:
    return {
        "=": value == bound,
        "<": value < bound,
        "<=": value <= bound,
        ">": value > bound,
        ">=": value >= bound,
    }[operator]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.sets(st.tuples(st.integers(0, 3), st.integers(0, 6)), max_size=25),
    first=st.one_of(st.none(), st.integers(0, 3)),
    lower=st.one_of(st.none(), st.tuples(st.sampled_from([">", ">="]), st.integers(-1, 7))),
    upper=st.one_of(st.none(), st.tuples(st.sampled_from(["<", "<="]), st.integers(-1, 7))),
    descending=st.booleans(),
    reverse=st.booleans(),
    flush=st.booleans(),
)
def test_slices_match_model(tmp_path_factory, rows, first, lower, upper, descending, reverse, flush) -> None:
    ranges = [r for r in (lower, upper) if r is not None]
    directory: Path = tmp_path_factory.mktemp("slices")
    with Cluster.open(directory) as cluster:
        s = cluster.connect()
        s.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        s.set_keyspace("ks")
        order = "DESC" if descending else "ASC"
        s.execute(
            "CREATE TABLE t (k int, a int, b int, PRIMARY KEY (k, a, b)) "
            f"WITH CLUSTERING ORDER BY (a {order}, b {order})"
        )
        for a, b in rows:
            s.execute("INSERT INTO t (k, a, b) VALUES (0, ?, ?)", (a, b))
        if flush:
            cluster.nodes[0].storage.flush_all()
        where = ["k = 0"]
        expected = sorted(rows)
        if first is not None:
            where.append(f"a = {first}")
            expected = [r for r in expected if r[0] == first]
            column = "b"
            position = 1
        else:
            column = "a"
            position = 0
        for operator, bound in ranges:
            where.append(f"{column} {operator} {bound}")
            expected = [r for r in expected if _holds(r[position], operator, bound)]
        if descending:
            expected.reverse()
        query = f"SELECT a, b FROM t WHERE {' AND '.join(where)}"
        if reverse:
            query += f" ORDER BY a {'ASC' if descending else 'DESC'}"
            expected.reverse()
        got = [(r.a, r.b) for r in s.execute(query)]
        assert got == expected, query


def test_two_start_bounds_are_refused(tmp_path) -> None:
    import pytest

    from engine.errors import InvalidRequest

    with Cluster.open(tmp_path / "c") as cluster:
        s = cluster.connect()
        s.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        s.execute("CREATE TABLE ks.t (k int, c int, PRIMARY KEY (k, c))")
        with pytest.raises(
            InvalidRequest, match="More than one restriction was found for the start bound on c"
        ):
            s.execute("SELECT * FROM ks.t WHERE k = 0 AND c > 1 AND c >= 2")
