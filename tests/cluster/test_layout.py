"""cluster.json: node counts, addresses, datacenters and tokens (engine.cluster.layout)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cluster.layout import (
    ClusterLayoutError,
    from_json,
    load_or_create,
    new_layout,
    parse_node_counts,
    to_json,
)


@pytest.mark.parametrize(
    ("text", "counts"), [(1, (1,)), (3, (3,)), ("3", (3,)), ("3:2", (3, 2)), ("1:1:1", (1, 1, 1))]
)
def test_node_counts(text: int | str, counts: tuple[int, ...]) -> None:
    assert parse_node_counts(text) == counts


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x", "invalid node count 'x': expected N or N:M:... (nodes per datacenter)"),
        ("3:", "invalid node count '3:': expected N or N:M:... (nodes per datacenter)"),
        (0, "invalid node count '0': every datacenter needs at least one node"),
        ("2:0", "invalid node count '2:0': every datacenter needs at least one node"),
    ],
)
def test_bad_node_counts(text: int | str, message: str) -> None:
    with pytest.raises(ClusterLayoutError) as raised:
        parse_node_counts(text)
    assert str(raised.value) == message


def test_a_new_layout_names_addresses_and_splits_the_ring_per_datacenter() -> None:
    layout = new_layout("c", (3, 2), num_tokens=4)
    assert [(n.name, n.address, n.datacenter, n.rack) for n in layout.nodes] == [
        ("node1", "127.0.0.1", "dc1", "rack1"),
        ("node2", "127.0.0.2", "dc1", "rack1"),
        ("node3", "127.0.0.3", "dc1", "rack1"),
        ("node4", "127.0.0.4", "dc2", "rack1"),
        ("node5", "127.0.0.5", "dc2", "rack1"),
    ]
    tokens = [t for n in layout.nodes for t in n.tokens]
    assert len(tokens) == 20 and len(set(tokens)) == 20
    assert layout.describe_counts() == "3:2"
    assert new_layout("c", (3,)).nodes[0].datacenter == "datacenter1"
    assert new_layout("c", (3,)) == new_layout("c", (3,))  # deterministic


def test_json_round_trip_keeps_64_bit_tokens(tmp_path: Path) -> None:
    layout = new_layout("c", (2,))
    assert from_json(to_json(layout), tmp_path) == layout
    with pytest.raises(ClusterLayoutError, match="unreadable cluster description"):
        from_json('{"nodes": [{"name": "node1"}]}', tmp_path / "cluster.json")


def test_load_or_create(tmp_path: Path) -> None:
    created = load_or_create(tmp_path / "c", 3)
    assert load_or_create(tmp_path / "c", None) == created
    assert load_or_create(tmp_path / "c", "3") == created
    with pytest.raises(ClusterLayoutError, match="cluster c has 3 nodes, not 3:2"):
        load_or_create(tmp_path / "c", "3:2")
    (tmp_path / "legacy" / "node1").mkdir(parents=True)
    legacy = load_or_create(tmp_path / "legacy", None)
    assert [n.name for n in legacy.nodes] == ["node1"] and not (tmp_path / "legacy" / "cluster.json").exists()
