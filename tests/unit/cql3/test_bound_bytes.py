"""Bound values reach storage as the bytes the client sent: a prepared write validates each value and,
for a type whose valid bytes are canonical (``CqlType.bytes_are_canonical``), stores them without a round
trip through a Python value; other types still go through one. Invalid bytes are refused as before."""

from __future__ import annotations

import struct
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cluster.session import Cluster
from engine.cql3.statements.base import ClientState
from engine.dht import get_token
from engine.errors import InvalidRequest
from engine.service.query_options import UNSET, QueryOptions

COLUMNS = (
    ("i", "int"),
    ("b", "bigint"),
    ("s", "smallint"),
    ("y", "tinyint"),
    ("f", "float"),
    ("d", "double"),
    ("ts", "timestamp"),
    ("dt", "date"),
    ("u", "uuid"),
    ("tu", "timeuuid"),
    ("t", "text"),
    ("a", "ascii"),
    ("bl", "blob"),
    ("ip", "inet"),
    ("bo", "boolean"),
    ("vi", "varint"),
)

VALUES = {
    "i": struct.pack(">i", -7),
    "b": struct.pack(">q", 2**62),
    "s": struct.pack(">h", -2),
    "y": b"\x05",
    "f": struct.pack(">f", 1.5),
    "d": struct.pack(">d", -0.0),
    "ts": struct.pack(">q", 2**62),  # far past any Python datetime: kept as the client sent it
    "dt": struct.pack(">I", 2**31 + 5),
    "u": uuid.UUID("5a1e5a1e-0000-4000-8000-00000000be4c").bytes,
    "tu": uuid.UUID("e1c1a4e0-2a44-11ee-8000-000000000001").bytes,
    "t": "héllo ✓".encode(),
    "a": b"plain",
    "bl": b"\x00\xff\x10",
    "ip": bytes([10, 0, 0, 1]),
    "bo": b"\x01",
    "vi": b"\x01\x00",
}


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with Cluster.open(tmp_path / "c") as opened:
        session = opened.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS)
        session.execute(f"CREATE TABLE ks.t (k text, c int, {columns}, PRIMARY KEY (k, c))")
        yield opened


def _insert(cluster: Cluster, key: bytes, clustering: bytes, values: dict[str, bytes | None]) -> None:
    processor = cluster.nodes[0].query_processor
    names = ", ".join(values)
    markers = ", ".join("?" for _ in range(len(values) + 2))
    prepared = processor.prepare(f"INSERT INTO ks.t (k, c, {names}) VALUES ({markers})", ClientState())
    options = QueryOptions(values=(key, clustering, *values.values()))
    processor.execute_prepared(prepared.id, ClientState(), options)


def _stored(cluster: Cluster, key: bytes) -> dict[str, bytes | None]:
    node = cluster.nodes[0]
    table = node.catalog.schema.table("ks", "t")
    partition = node.storage.table(table.id).get(key, get_token(key))
    assert partition is not None and len(partition.rows) == 1
    row = partition.rows[0]
    return {name: cell.value for name, cell in row.columns.items()}


def test_canonical_types_store_the_bound_bytes(cluster: Cluster) -> None:
    _insert(cluster, b"k1", struct.pack(">i", 3), VALUES)
    stored = _stored(cluster, b"k1")
    table = cluster.nodes[0].catalog.schema.table("ks", "t")
    for name, kind in COLUMNS:
        assert stored[name] == VALUES[name], kind
        assert table.column(name).type.bytes_are_canonical is (kind not in ("boolean", "varint")), kind


def test_empty_and_null_values(cluster: Cluster) -> None:
    _insert(cluster, b"k2", struct.pack(">i", 1), {"i": b"", "t": b"", "b": None, "d": UNSET})
    stored = _stored(cluster, b"k2")
    assert stored["i"] == b"" and stored["t"] == b""
    assert stored["b"] is None  # a null writes a tombstone
    assert "d" not in stored  # an unset value writes nothing


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("i", b"\x00\x01\x02", "Exception while binding column i: Expected 4 or 0 byte int (3)"),
        ("t", b"\xff\xfe", "Exception while binding column t: String didn't validate."),
        ("tu", uuid.uuid4().bytes, "Exception while binding column tu: Invalid version for TimeUUID type."),
        ("ip", b"\x01\x02", "Exception while binding column ip: Expected 4 or 16 byte inetaddress; got 0102"),
    ],
)
def test_invalid_bytes_are_refused(cluster: Cluster, name: str, raw: bytes, message: str) -> None:
    with pytest.raises(InvalidRequest) as raised:
        _insert(cluster, b"k3", struct.pack(">i", 1), {name: raw})
    assert raised.value.message == message
    table = cluster.nodes[0].catalog.schema.table("ks", "t")
    assert cluster.nodes[0].storage.table(table.id).get(b"k3", get_token(b"k3")) is None


def test_key_relations_refuse_null_and_unset(cluster: Cluster) -> None:
    with pytest.raises(InvalidRequest, match=r"^Invalid null value in condition for column k$"):
        _insert(cluster, None, struct.pack(">i", 1), {"i": b"\x00\x00\x00\x01"})  # type: ignore[arg-type]
    with pytest.raises(InvalidRequest, match=r"^Invalid unset value for column c$"):
        _insert(cluster, b"k4", UNSET, {"i": b"\x00\x00\x00\x01"})  # type: ignore[arg-type]
