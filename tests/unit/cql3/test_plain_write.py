"""A batch of one plain prepared write run many times is built in one pass (``plain_write``): the stored data,
the errors and the reconciliation are the general path's, and other statements are not taken for plain."""

from __future__ import annotations

import random
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cluster.server import NodeRequestHandler
from engine.cluster.session import Cluster
from engine.cql3.statements import batch as batch_module
from engine.cql3.statements.base import ClientState
from engine.cql3.statements.modification import ModificationStatement
from engine.db.rows import ComplexColumn, PartitionUpdate
from engine.dht import get_token
from engine.errors import InvalidRequest
from engine.service.query_options import UNSET, BoundValue, QueryOptions
from engine.transport.handler import BatchChild, BatchRequest, BatchType

INSERT = "INSERT INTO ks.t (k, c, name, price, tags) VALUES (?, ?, ?, ?, ?)"
UPDATE = "UPDATE ks.t SET price = ?, name = ? WHERE k = ? AND c = ?"


def _open(path: Path, ttl: int = 0) -> Cluster:
    cluster = Cluster.open(path)
    session = cluster.connect()
    session.execute(
        "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    session.execute(
        "CREATE TABLE ks.t (k int, c int, name text, price double, tags list<int>, s int static, "
        f"m map<int, int>, PRIMARY KEY (k, c)) WITH default_time_to_live = {ttl}"
    )
    session.execute("CREATE TABLE ks.counts (k int PRIMARY KEY, n counter)")
    return cluster


@pytest.fixture
def clusters(tmp_path: Path) -> Iterator[tuple[Cluster, Cluster]]:
    """Two clusters with the same schema: the first builds plain batches in one pass, the second is run with
    the general path only (see ``_run``)."""
    with _open(tmp_path / "plain") as plain, _open(tmp_path / "general") as general:
        yield plain, general


def _int(value: int) -> bytes:
    return struct.pack(">i", value)


def _tags(*values: int) -> bytes:
    return _int(len(values)) + b"".join(_int(4) + _int(v) for v in values)


def _run(
    cluster: Cluster, query: str, children: list[tuple[BoundValue, ...]], timestamp: int | None = 1000
) -> None:
    session = NodeRequestHandler(cluster.nodes[0]).open_session("127.0.0.1:1")
    prepared = session.prepare(query, None)
    request = BatchRequest(
        BatchType.UNLOGGED,
        tuple(BatchChild(prepared.statement_id, values) for values in children),
        QueryOptions(timestamp=timestamp),
    )
    session.batch(request)


def _run_both(
    clusters: tuple[Cluster, Cluster],
    monkeypatch: pytest.MonkeyPatch,
    query: str,
    children: list[tuple[BoundValue, ...]],
    *,
    expect_plain: bool = True,
) -> None:
    """The batch on the first cluster (checking whether the one-pass path built it), then on the second
    with the general path only."""
    plain, general = clusters
    built: list[object] = []
    original = batch_module._plain_mutations

    def spy(*args: object) -> object:
        result = original(*args)  # type: ignore[arg-type]
        built.append(result)
        return result

    monkeypatch.setattr(batch_module, "_plain_mutations", spy)
    _run(plain, query, children)
    assert (built[-1] is not None) is expect_plain
    for mutation in built[-1] or ():  # type: ignore[attr-defined]
        ((_, update),) = mutation.updates
        clusterings = [struct.unpack(">i", row.clustering[0])[0] for row in update.rows]
        assert clusterings == sorted(set(clusterings))  # in clustering order, as the format expects
    monkeypatch.setattr(batch_module, "_plain_mutations", lambda *args: None)
    _run(general, query, children)
    monkeypatch.undo()


def _stored(cluster: Cluster, key: int) -> PartitionUpdate | None:
    node = cluster.nodes[0]
    table = node.catalog.schema.table("ks", "t")
    raw = _int(key)
    return node.storage.table(table.id).get(raw, get_token(raw))


def _comparable(partition: PartitionUpdate | None) -> object:
    """The partition with each list's cell paths (ids that differ between two writes of the same list)
    replaced by the elements' order."""
    if partition is None:
        return None
    rows = []
    for row in partition.rows:
        columns = {}
        for name, data in row.columns.items():
            if isinstance(data, ComplexColumn):
                cells = [data.cells[path] for path in sorted(data.cells)]
                columns[name] = (data.deletion, cells)
            else:
                columns[name] = data
        rows.append((row.clustering, row.liveness, row.deletion, columns))
    return partition.key, partition.token, partition.deletion, partition.static_row, rows


def _same_everywhere(clusters: tuple[Cluster, Cluster], keys: range) -> None:
    plain, general = clusters
    for key in keys:
        assert _comparable(_stored(plain, key)) == _comparable(_stored(general, key)), key


def test_random_batches_store_what_the_general_path_stores(
    clusters: tuple[Cluster, Cluster], monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(8)
    for _ in range(30):
        children: list[tuple[BoundValue, ...]] = []
        written: set[tuple[int, int]] = set()
        for _ in range(rng.randint(1, 25)):
            k, c = rng.randint(0, 6), rng.randint(0, 40)
            if (k, c) in written:
                continue  # one row twice in a batch: see the reconciliation test
            written.add((k, c))
            name = rng.choice([f"item {c}".encode(), b"", None, UNSET])
            price = rng.choice([struct.pack(">d", rng.uniform(0, 100)), None, UNSET])
            tags = rng.choice([_tags(*rng.sample(range(50), rng.randint(0, 4))), None, UNSET])
            children.append((_int(k), _int(c), name, price, tags))
        _run_both(clusters, monkeypatch, INSERT, children)
    _same_everywhere(clusters, range(7))
    assert _stored(clusters[0], 3) is not None


@pytest.mark.parametrize("ttl", [0, 600])
def test_updates_and_a_default_ttl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ttl: int) -> None:
    """UPDATEs write no row marker; a table with a default TTL (expiring cells) goes the general way."""
    with _open(tmp_path / "a", ttl=ttl) as plain, _open(tmp_path / "b", ttl=ttl) as general:
        clusters = (plain, general)
        children: list[tuple[BoundValue, ...]] = [
            (struct.pack(">d", 1.5), b"one", _int(1), _int(2)),
            (UNSET, UNSET, _int(1), _int(3)),  # writes nothing: an UPDATE has no row liveness
            (None, b"two", _int(2), _int(1)),
        ]
        _run_both(clusters, monkeypatch, UPDATE, children, expect_plain=ttl == 0)
        _same_everywhere(clusters, range(3))
        row = _stored(plain, 1).rows[0]  # type: ignore[union-attr]
        assert row.liveness is None and row.columns["price"].ttl == ttl  # type: ignore[union-attr]
        assert [r.clustering for r in _stored(plain, 1).rows] == [(_int(2),)]  # type: ignore[union-attr]


def test_one_row_written_twice_is_reconciled_as_the_general_path_does(
    clusters: tuple[Cluster, Cluster], monkeypatch: pytest.MonkeyPatch
) -> None:
    children: list[tuple[BoundValue, ...]] = [
        (_int(1), _int(1), b"b", struct.pack(">d", 1.0), _tags(1)),
        (_int(1), _int(2), b"x", None, None),
        (_int(1), _int(1), b"a", None, _tags(2, 3)),  # same row, same timestamp: reconciled cell by cell
    ]
    _run_both(clusters, monkeypatch, INSERT, children, expect_plain=False)
    _same_everywhere(clusters, range(2))
    assert _stored(clusters[0], 1).rows[0].columns["name"].value == b"b"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ((None, _int(1), b"n", None, None), "Invalid null value in condition for column k"),
        ((_int(1), UNSET, b"n", None, None), "Invalid unset value for column c"),
        (
            (b"\x00\x01", _int(1), b"n", None, None),
            "Exception while binding column k: Expected 4 or 0 byte int (2)",
        ),
        (
            (_int(1), _int(1), b"\xff", None, None),
            "Exception while binding column name: String didn't validate.",
        ),
        (
            (_int(1), _int(1), b"n", b"\x01", None),
            "Exception while binding column price: Expected 8 or 0 byte value for a double (1)",
        ),
    ],
)
def test_an_invalid_child_fails_the_batch_with_the_general_paths_error(
    clusters: tuple[Cluster, Cluster], bad: tuple[BoundValue, ...], message: str
) -> None:
    children: list[tuple[BoundValue, ...]] = [(_int(1), _int(c), b"ok", None, None) for c in range(5)]
    children.insert(3, bad)
    for cluster in clusters:
        with pytest.raises(InvalidRequest) as raised:
            _run(cluster, INSERT, children)
        assert raised.value.message == message
        assert _stored(cluster, 1) is None  # nothing of the batch was applied


@pytest.mark.parametrize(
    ("query", "plain"),
    [
        (INSERT, True),
        (UPDATE, True),
        ("INSERT INTO ks.t (k, c) VALUES (?, ?)", True),
        ("INSERT INTO ks.t (k, c, name) VALUES (?, ?, ?) USING TTL 5", False),
        ("INSERT INTO ks.t (k, c, name) VALUES (?, ?, ?) USING TIMESTAMP 5", False),
        ("INSERT INTO ks.t (k, c, name) VALUES (?, ?, ?) IF NOT EXISTS", False),
        ("INSERT INTO ks.t (k, c, name) VALUES (?, ?, 'literal')", False),
        ("INSERT INTO ks.t (k, c, name) VALUES (?, 5, ?)", False),
        ("INSERT INTO ks.t (k, c, s) VALUES (?, ?, ?)", False),
        ("INSERT INTO ks.t (k, c, m) VALUES (?, ?, ?)", False),
        ("UPDATE ks.t SET tags = tags + ? WHERE k = ? AND c = ?", False),
        ("UPDATE ks.t SET tags[0] = ? WHERE k = ? AND c = ?", False),
        ("UPDATE ks.t SET name = ? WHERE k IN (?, ?) AND c = ?", False),
        ("UPDATE ks.t SET name = ? WHERE k = ? AND c IN (?, ?)", False),
        ("DELETE FROM ks.t WHERE k = ? AND c = ?", False),
        ("UPDATE ks.counts SET n = n + ? WHERE k = ?", False),
    ],
)
def test_which_statements_are_plain(clusters: tuple[Cluster, Cluster], query: str, plain: bool) -> None:
    processor = clusters[0].nodes[0].query_processor
    statement = processor.prepare(query, ClientState()).statement
    assert isinstance(statement, ModificationStatement)
    assert (statement.plain_write is not None) is plain
