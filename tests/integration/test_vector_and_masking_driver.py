"""Vector search and masked columns through cassandra-driver: vector values bound and decoded by the
driver, ANN queries prepared with the query vector and LIMIT as bind markers, the Top-K warnings on the
response, and masks read back from system_schema.column_masks by a driver."""

from __future__ import annotations

from cassandra.cluster import Session
from cassandra.query import SimpleStatement


def test_ann_query_prepared_with_a_bound_vector(session: Session, keyspace: str) -> None:
    session.execute(f"CREATE TABLE {keyspace}.items (k int PRIMARY KEY, v vector<float, 2>)")
    session.execute(f"CREATE CUSTOM INDEX ON {keyspace}.items (v) USING 'StorageAttachedIndex'")
    insert = session.prepare(f"INSERT INTO {keyspace}.items (k, v) VALUES (?, ?)")
    for k in range(5):
        session.execute(insert, (k, [float(k), 1.0]))
    select = session.prepare(
        f"SELECT k, v, similarity_cosine(v, ?) AS score FROM {keyspace}.items ORDER BY v ANN OF ? LIMIT ?"
    )
    rows = list(session.execute(select, ([3.0, 1.0], [3.0, 1.0], 2)))
    assert [(r.k, list(r.v), r.score) for r in rows] == [(3, [3.0, 1.0], 1.0), (4, [4.0, 1.0], rows[1].score)]
    assert 0.99 < rows[1].score < 1.0


def test_ann_page_size_below_the_limit_warns(session: Session, keyspace: str) -> None:
    session.execute(f"CREATE TABLE {keyspace}.paged (k int PRIMARY KEY, v vector<float, 2>)")
    session.execute(f"CREATE CUSTOM INDEX ON {keyspace}.paged (v) USING 'StorageAttachedIndex'")
    for k in range(1, 6):
        session.execute(f"INSERT INTO {keyspace}.paged (k, v) VALUES ({k}, [{k}.0, 0.5])")
    statement = SimpleStatement(
        f"SELECT k FROM {keyspace}.paged ORDER BY v ANN OF [1.0, 0.5] LIMIT 4", fetch_size=2
    )
    result = session.execute(statement)
    assert [r.k for r in result.current_rows] == [1, 2, 3, 4]
    assert not result.has_more_pages
    assert result.response_future.warnings == [
        "Top-K queries do not support paging and the page size is set to 2, which is less than LIMIT 4. "
        "The page size has been set to 4 to match the LIMIT."
    ]


def test_masks_in_the_driver_schema_metadata(session: Session, keyspace: str, served) -> None:
    served.node.context.dynamic_data_masking_enabled = True
    try:
        session.execute(
            f"CREATE TABLE {keyspace}.people (k int PRIMARY KEY, name text MASKED WITH mask_inner(1, null))"
        )
    finally:
        served.node.context.dynamic_data_masking_enabled = False
    session.execute(f"INSERT INTO {keyspace}.people (k, name) VALUES (1, 'Alice')")
    # no authorizer: everyone has UNMASK (AllowAllAuthorizer), so reads are clear
    assert [tuple(r) for r in session.execute(f"SELECT k, name FROM {keyspace}.people")] == [(1, "Alice")]
    rows = session.execute(
        "SELECT column_name, function_name, function_argument_types, function_argument_values, "
        f"function_argument_nulls FROM system_schema.column_masks WHERE keyspace_name = '{keyspace}'"
    )
    assert [tuple(r) for r in rows] == [("name", "mask_inner", ["int", "int"], ["1", ""], [False, True])]
    session.cluster.refresh_table_metadata(keyspace, "people")
    table = session.cluster.metadata.keyspaces[keyspace].tables["people"]
    assert set(table.columns) == {"k", "name"}
