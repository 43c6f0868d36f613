"""Consistency-level arithmetic: block_for and live-replica sufficiency (Cassandra 5.0's ConsistencyLevel)."""

from __future__ import annotations

import pytest

from engine.db.consistency_level import (
    ConsistencyLevel,
    assure_sufficient_live_replicas,
    block_for,
    block_for_write,
    validate_for_read,
    validate_for_write,
)
from engine.errors import InvalidRequest, Unavailable

CL = ConsistencyLevel
SIMPLE_3 = {"": 3}
NTS = {"dc1": 3, "dc2": 2}


@pytest.mark.parametrize(
    ("level", "factors", "local", "expected"),
    [
        (CL.ANY, SIMPLE_3, None, 1),
        (CL.ONE, SIMPLE_3, None, 1),
        (CL.TWO, SIMPLE_3, None, 2),
        (CL.THREE, SIMPLE_3, None, 3),
        (CL.QUORUM, SIMPLE_3, None, 2),
        (CL.QUORUM, {"": 1}, None, 1),
        (CL.QUORUM, {"": 4}, None, 3),
        (CL.QUORUM, {"": 5}, None, 3),
        (CL.ALL, SIMPLE_3, None, 3),
        (CL.SERIAL, SIMPLE_3, None, 2),
        (CL.LOCAL_ONE, SIMPLE_3, "datacenter1", 1),
        (CL.LOCAL_QUORUM, SIMPLE_3, "datacenter1", 2),  # non-NTS: the whole replication factor
        (CL.EACH_QUORUM, SIMPLE_3, "datacenter1", 2),
        (CL.QUORUM, NTS, "dc1", 3),  # quorum of 5
        (CL.ALL, NTS, "dc1", 5),
        (CL.LOCAL_QUORUM, NTS, "dc1", 2),
        (CL.LOCAL_QUORUM, NTS, "dc2", 2),
        (CL.LOCAL_SERIAL, NTS, "dc2", 2),
        (CL.EACH_QUORUM, NTS, "dc1", 4),  # 2 + 2
        (CL.EACH_QUORUM, {"dc1": 3, "dc2": 1}, "dc1", 3),
        (CL.LOCAL_ONE, NTS, "dc2", 1),
    ],
)
def test_block_for(
    level: ConsistencyLevel, factors: dict[str, int], local: str | None, expected: int
) -> None:
    assert block_for(level, factors, local) == expected


def test_block_for_write_adds_pending_replicas_except_for_any() -> None:
    assert block_for_write(CL.QUORUM, SIMPLE_3, pending=1) == 3
    assert block_for_write(CL.ANY, SIMPLE_3, pending=1) == 1
    assert block_for_write(CL.ONE, SIMPLE_3) == 1


@pytest.mark.parametrize(
    ("level", "factors", "live", "local"),
    [
        (CL.ONE, SIMPLE_3, {"": 1}, None),
        (CL.QUORUM, SIMPLE_3, {"": 2}, None),
        (CL.ALL, SIMPLE_3, {"": 3}, None),
        (CL.ANY, SIMPLE_3, {}, None),  # a hint on the coordinator is enough
        (CL.LOCAL_QUORUM, NTS, {"dc1": 2}, "dc1"),
        (CL.LOCAL_ONE, NTS, {"dc1": 0, "dc2": 1}, "dc2"),
        (CL.EACH_QUORUM, NTS, {"dc1": 2, "dc2": 2}, "dc1"),
        (CL.QUORUM, NTS, {"dc1": 1, "dc2": 2}, "dc1"),  # 3 of 5 anywhere
        (CL.LOCAL_QUORUM, SIMPLE_3, {"datacenter1": 2}, "datacenter1"),
    ],
)
def test_sufficient(
    level: ConsistencyLevel, factors: dict[str, int], live: dict[str, int], local: str | None
) -> None:
    assure_sufficient_live_replicas(level, factors, live, local)


@pytest.mark.parametrize(
    ("level", "factors", "live", "local", "message", "required", "alive"),
    [
        (CL.ALL, SIMPLE_3, {"": 2}, None, "Cannot achieve consistency level ALL", 3, 2),
        (CL.QUORUM, SIMPLE_3, {"": 1}, None, "Cannot achieve consistency level QUORUM", 2, 1),
        (CL.ONE, SIMPLE_3, {"": 0}, None, "Cannot achieve consistency level ONE", 1, 0),
        (CL.THREE, {"": 2}, {"": 2}, None, "Cannot achieve consistency level THREE", 3, 2),
        (CL.SERIAL, SIMPLE_3, {"": 1}, None, "Cannot achieve consistency level SERIAL", 2, 1),
        (
            CL.LOCAL_QUORUM,
            NTS,
            {"dc1": 1, "dc2": 2},
            "dc1",
            "Cannot achieve consistency level LOCAL_QUORUM",
            2,
            1,
        ),
        (CL.LOCAL_ONE, NTS, {"dc1": 0, "dc2": 2}, "dc1", "Cannot achieve consistency level LOCAL_ONE", 1, 0),
        (
            CL.EACH_QUORUM,
            NTS,
            {"dc1": 3, "dc2": 1},
            "dc1",
            "Cannot achieve consistency level EACH_QUORUM in DC dc2",
            2,
            1,
        ),
        (
            CL.EACH_QUORUM,
            NTS,
            {"dc1": 1, "dc2": 0},
            "dc2",
            "Cannot achieve consistency level EACH_QUORUM in DC dc1",
            2,
            1,
        ),
        (CL.EACH_QUORUM, SIMPLE_3, {"": 1}, None, "Cannot achieve consistency level EACH_QUORUM", 2, 1),
        (CL.QUORUM, NTS, {"dc1": 2}, "dc1", "Cannot achieve consistency level QUORUM", 3, 2),
    ],
)
def test_unavailable(
    level: ConsistencyLevel,
    factors: dict[str, int],
    live: dict[str, int],
    local: str | None,
    message: str,
    required: int,
    alive: int,
) -> None:
    with pytest.raises(Unavailable) as raised:
        assure_sufficient_live_replicas(level, factors, live, local)
    error = raised.value
    assert (str(error), error.consistency, error.required, error.alive) == (
        message,
        level.name,
        required,
        alive,
    )


def test_required_overrides_block_for() -> None:
    with pytest.raises(Unavailable) as raised:
        assure_sufficient_live_replicas(CL.QUORUM, SIMPLE_3, {"": 2}, required=3)
    assert (raised.value.required, raised.value.alive) == (3, 2)


def test_every_level_against_every_live_count() -> None:
    """Exhaustive for RF 3 SimpleStrategy: achievable exactly when live >= block_for (ANY always)."""
    for level in CL:
        for live in range(4):
            need = block_for(level, SIMPLE_3, "datacenter1")
            try:
                assure_sufficient_live_replicas(level, SIMPLE_3, {"": live}, "datacenter1")
                ok = True
            except Unavailable:
                ok = False
            assert ok == (level is CL.ANY or live >= need), (level, live)


def test_read_and_write_validation() -> None:
    with pytest.raises(InvalidRequest, match="ANY ConsistencyLevel is only supported for writes"):
        validate_for_read(CL.ANY)
    validate_for_read(CL.EACH_QUORUM)
    with pytest.raises(InvalidRequest, match="You must use conditional updates for serializable writes"):
        validate_for_write(CL.SERIAL)
    validate_for_write(CL.ANY)
