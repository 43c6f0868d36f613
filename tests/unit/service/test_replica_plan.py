"""Which replicas a read contacts, and whose acknowledgements count (engine.service.replica_plan)."""

from __future__ import annotations

from engine.db.consistency_level import ConsistencyLevel as CL
from engine.locator import TokenMetadata, Topology
from engine.service.replica_plan import Ring, by_proximity, counts_toward, for_read, read_level

TOPOLOGY = Topology.of(
    {
        "10.0.0.1": ("dc1", "r1"),
        "10.0.0.2": ("dc1", "r1"),
        "10.0.0.3": ("dc1", "r1"),
        "10.0.1.1": ("dc2", "r1"),
        "10.0.1.2": ("dc2", "r1"),
    }
)
RING = TokenMetadata.from_tokens({e: [i * 100] for i, e in enumerate(TOPOLOGY.endpoints)})
NTS = {"dc1": 3, "dc2": 2}
LIVE = ["10.0.1.1", "10.0.0.1", "10.0.1.2", "10.0.0.2", "10.0.0.3"]


def _ring(local: str) -> Ring:
    return Ring(RING, TOPOLOGY, local, lambda _e: True)


def test_closest_first_this_node_then_its_datacenter() -> None:
    assert by_proximity(_ring("10.0.0.2"), LIVE) == [
        "10.0.0.2",
        "10.0.0.1",
        "10.0.0.3",
        "10.0.1.1",
        "10.0.1.2",
    ]
    assert by_proximity(_ring("10.0.1.2"), LIVE) == [
        "10.0.1.2",
        "10.0.1.1",
        "10.0.0.1",
        "10.0.0.2",
        "10.0.0.3",
    ]


def test_contacts_per_level() -> None:
    ring = _ring("10.0.0.2")
    assert for_read(CL.ONE, NTS, ring, LIVE) == ["10.0.0.2"]
    assert for_read(CL.QUORUM, NTS, ring, LIVE) == ["10.0.0.2", "10.0.0.1", "10.0.0.3"]
    assert for_read(CL.LOCAL_QUORUM, NTS, ring, LIVE) == ["10.0.0.2", "10.0.0.1"]
    assert for_read(CL.EACH_QUORUM, NTS, ring, LIVE) == ["10.0.0.2", "10.0.0.1", "10.0.1.1", "10.0.1.2"]
    assert for_read(CL.ALL, NTS, ring, LIVE) == by_proximity(ring, LIVE)
    assert for_read(CL.LOCAL_ONE, NTS, _ring("10.0.1.2"), LIVE) == ["10.0.1.2"]
    # without datacenters (SimpleStrategy) LOCAL_QUORUM is a quorum of all replicas
    assert for_read(CL.LOCAL_QUORUM, {"": 3}, ring, LIVE[:3]) == ["10.0.0.1", "10.0.1.1"]


def test_serial_and_any_read_levels() -> None:
    assert read_level(CL.SERIAL) is CL.QUORUM
    assert read_level(CL.LOCAL_SERIAL) is CL.LOCAL_QUORUM
    assert read_level(CL.ANY) is CL.ONE
    assert read_level(CL.TWO) is CL.TWO


def test_local_levels_count_local_acknowledgements_only() -> None:
    ring = _ring("10.0.0.1")
    assert counts_toward(CL.LOCAL_QUORUM, NTS, ring, "10.0.0.3")
    assert not counts_toward(CL.LOCAL_QUORUM, NTS, ring, "10.0.1.1")
    assert counts_toward(CL.QUORUM, NTS, ring, "10.0.1.1")
    assert counts_toward(CL.LOCAL_ONE, {"": 3}, ring, "10.0.1.1")
