"""The C row builder of plain writes (``engine/db/_plain_rows.c``) builds what the Python one builds
(``PlainWrite._python_rows``): the same keys, clusterings, row bytes, sizes and timestamps for every batch,
and the general path for the same batches (a null or unset key, a value its type refuses, a malformed
list, a key too long). Both draw their list paths from a sequence, given the same one here."""

from __future__ import annotations

import itertools
import random
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cluster.session import Cluster
from engine.cql3.cells import CellFactory
from engine.cql3.statements import plain_write
from engine.cql3.statements.base import ClientState
from engine.errors import InvalidRequest
from engine.service.query_options import UNSET, BoundValue

INSERT = (
    "INSERT INTO ks.t (a, b, c, d, name, code, price, addr, data, ints, names, addrs) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
UPDATE = "UPDATE ks.t SET name = ?, ints = ?, price = ? WHERE a = ? AND b = ? AND c = ? AND d = ?"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with Cluster.open(Path(tmp_path_factory.mktemp("native")) / "c") as cluster:
        session = cluster.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        session.execute(
            "CREATE TABLE ks.t (a int, b text, c bigint, d blob, name text, code ascii, price double, "
            "addr inet, data blob, ints list<int>, names list<text>, addrs list<inet>, "
            "PRIMARY KEY ((a, b), c, d))"
        )
        yield cluster


def _plain(cluster: Cluster, query: str) -> plain_write.PlainWrite:
    statement = cluster.nodes[0].query_processor.prepare(query, ClientState()).statement
    plain = statement.plain_write  # type: ignore[attr-defined]
    assert plain is not None
    return plain  # type: ignore[no-any-return]


def _int(value: int) -> bytes:
    return struct.pack(">i", value)


def _list(*elements: bytes) -> bytes:
    return _int(len(elements)) + b"".join(_int(len(e)) + e for e in elements)


def _value(rng: random.Random, kind: str, clean: bool) -> BoundValue:
    """A value of the column's kind: mostly valid, sometimes null, unset or (unless ``clean``) refused by
    the type."""
    roll = rng.random()
    if roll < 0.04:
        return None
    if roll < 0.08:
        return UNSET
    bad = roll < 0.12 and not clean
    if kind == "int":
        return rng.choice([b"\x00\x01", b"\x00" * 5, b"x" * 70000]) if bad else _int(rng.randint(-5, 5))
    if kind == "bigint":
        return b"\x01" if bad else struct.pack(">q", rng.randint(-5, 5))
    if kind == "double":
        return b"\x01\x02" if bad else rng.choice([struct.pack(">d", rng.uniform(-9, 9)), b""])
    if kind == "text":
        return (
            rng.choice([b"\xff", b"\xed\xa0\x80", b"\xc0\xaf"])
            if bad
            else "é😀x".encode() * rng.randint(0, 3)
        )
    if kind == "ascii":
        return rng.choice([b"caf\xe9", b"\x80"]) if bad else rng.choice([b"code\x7f", b""])
    if kind == "inet":
        return b"\x7f\x00\x01" if bad else rng.choice([b"\x7f\x00\x00\x01", bytes(range(16))])
    if kind == "blob":
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 200)))
    element = {"ints": "int", "names": "text", "addrs": "inet"}[kind]
    elements = [_value(rng, element, clean) for _ in range(rng.randint(0, 4))]
    if bad:
        return rng.choice([b"\x00\x00", _int(2) + _int(4) + _int(1), _list(b"1") + b"!", _int(-1)])
    if any(not isinstance(e, bytes) for e in elements):
        return _list(*(e for e in elements if isinstance(e, bytes)))
    return _list(*elements)  # type: ignore[arg-type]


KINDS = ("int", "text", "bigint", "blob", "text", "ascii", "double", "inet", "blob", "ints", "names", "addrs")


def _outcome(build: object) -> object:
    try:
        return build()  # type: ignore[operator]
    except (plain_write._NotPlain, InvalidRequest, ValueError, IndexError):
        return None  # either way the batch goes the general path


def _both(plain: plain_write.PlainWrite, children: list[tuple[BoundValue, ...]], insert: bool) -> None:
    timestamp, now = 1_700_000_000_000_123, 1_700_000_000
    marker = timestamp if insert else None
    cells = CellFactory(timestamp, 0, now)

    def in_c() -> object:
        assert plain_write.native_rows is not None, "the _plain_rows C extension is not built"
        return plain_write.native_rows.build(
            children,
            plain.native_plan,
            marker,
            timestamp,
            now,
            cells.append_prefix,
            itertools.count(7),
            UNSET,
        )

    def in_python() -> object:
        cells.sequence = itertools.count(7)  # type: ignore[misc]  # this factory's own, as given to C
        return plain._python_rows(children, cells, marker, timestamp, now)

    assert _outcome(in_c) == _outcome(in_python)


@pytest.mark.parametrize("query", [INSERT, UPDATE])
def test_c_and_python_build_the_same_rows(cluster: Cluster, query: str) -> None:
    plain = _plain(cluster, query)
    rng = random.Random(11)
    built = 0
    for _ in range(400):
        children = []
        clean = rng.random() < 0.6  # no value the types refuse: most such batches are built
        for _ in range(rng.randint(1, 12)):
            values = [_value(rng, kind, clean) for kind in KINDS]
            if clean or rng.random() < 0.85:
                values[0], values[1], values[2], values[3] = (
                    _int(rng.randint(0, 3)),
                    b"k",
                    _int(0) * 2,
                    b"\x01",
                )
                values[2] = struct.pack(">q", rng.randint(0, 50))
            if query == UPDATE:  # its markers: name, ints, price, then the keys
                values = [values[4], values[9], values[6], *values[:4]]
            children.append(tuple(values))
        _both(plain, children, query == INSERT)
        built += (
            _outcome(
                lambda children=children: plain._python_rows(  # type: ignore[misc]
                    children, CellFactory(1, 0, 1), 1 if query == INSERT else None, 1, 1
                )
            )
            is not None
        )
    assert built > 100  # most batches were built, not sent the general way


def test_the_checks_the_c_builder_takes(cluster: Cluster) -> None:
    plain = _plain(cluster, INSERT)
    keys, clustering, columns, _ = plain.native_plan  # type: ignore[misc]
    assert [check[1] for check in keys] == [plain_write._CheckKind.FIXED, plain_write._CheckKind.UTF8]
    assert [check[1] for check in clustering] == [plain_write._CheckKind.FIXED, plain_write._CheckKind.CALL]
    kinds = {name[1:].decode(): (check[1], element and element[1]) for name, check, element in columns}
    assert kinds["code"] == (plain_write._CheckKind.ASCII, None)
    assert kinds["ints"] == (plain_write._CheckKind.CALL, plain_write._CheckKind.FIXED)
    assert kinds["names"] == (plain_write._CheckKind.CALL, plain_write._CheckKind.UTF8)
