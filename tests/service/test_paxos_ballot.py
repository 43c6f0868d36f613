"""Ballots as time UUIDs, and the per-node ballot clock (engine.service.ballot)."""

from __future__ import annotations

import uuid

import pytest

from engine.net import Network
from engine.service.ballot import Ballot, BallotClock, clock_for, wall_clock_micros


def test_a_ballot_is_a_version_1_uuid_of_its_microseconds_and_proposer() -> None:
    # the Unix epoch as a time UUID: 0x01B21DD213814000 100 ns intervals after 1582-10-15
    assert str(Ballot.of(0, "127.0.0.1").uuid) == "13814000-1dd2-11b2-8000-00007f000001"
    ballot = Ballot.of(1_700_000_000_123_456, "127.0.0.3")
    value = ballot.uuid
    assert (value.version, value.variant) == (1, uuid.RFC_4122)
    assert value.time == 1_700_000_000_123_456 * 10 + 0x01B21DD213814000
    assert value.node == 0x7F000003
    assert Ballot.from_uuid(value) == ballot
    assert ballot.proposer == "127.0.0.3"


def test_ballots_order_by_microseconds_then_proposer_as_their_uuids_do() -> None:
    ballots = [
        Ballot.of(5, "127.0.0.2"),
        Ballot.of(4, "127.0.0.9"),
        Ballot.of(5, "127.0.0.10"),  # numerically after .2, though "127.0.0.10" < "127.0.0.2" as text
        Ballot.of(6, "127.0.0.1"),
    ]
    ordered = sorted(ballots)
    assert [(b.micros, b.proposer) for b in ordered] == [
        (4, "127.0.0.9"),
        (5, "127.0.0.2"),
        (5, "127.0.0.10"),
        (6, "127.0.0.1"),
    ]
    assert sorted(ballots, key=lambda b: (b.uuid.time, b.uuid.bytes[8:])) == ordered


def test_a_ballot_refuses_a_uuid_that_is_not_time_based() -> None:
    with pytest.raises(ValueError, match="not version 4"):
        Ballot.from_uuid(uuid.UUID("3f2b8e4c-1d2a-4b5c-9e8f-0a1b2c3d4e5f"))


def test_the_clock_makes_strictly_increasing_ballots_from_a_frozen_clock() -> None:
    clock = BallotClock("127.0.0.2", lambda: 1000)
    made = [clock.next() for _ in range(3)]
    assert [b.micros for b in made] == [1026, 1282, 1538]  # the next microseconds = 2 (mod 256)
    assert {b.proposer for b in made} == {"127.0.0.2"}


def test_two_proposers_never_make_ballots_of_the_same_microsecond() -> None:
    """On a stepped network two coordinators read the same virtual time: their ballots must still differ
    in microseconds, the write timestamp of the Paxos state they leave on replicas."""
    clocks = [BallotClock(f"127.0.0.{n}", lambda: 5_000_000) for n in (1, 2, 3)]
    made = [clock.next().micros for _ in range(50) for clock in clocks]
    assert len(set(made)) == len(made)
    assert [m % 256 for m in made[:3]] == [1, 2, 3]
    assert all(m >= 5_000_000 for m in made)


def test_a_ballot_seen_in_an_answer_raises_the_next_one() -> None:
    now = [256]
    clock = BallotClock("127.0.0.1", lambda: now[0])
    assert clock.next().micros == 257
    clock.observe(Ballot.of(9_000, "127.0.0.3"))  # a replica promised a newer ballot
    clock.observe(None)
    assert clock.next() == Ballot.of(9_217, "127.0.0.1")  # 9,217 = 36 * 256 + 1
    now[0] = 20_481  # the clock caught up: it leads again (20,481 = 80 * 256 + 1)
    assert clock.next().micros == 20_481


def test_ballots_follow_the_virtual_clock_of_a_stepped_network_and_the_wall_clock_otherwise() -> None:
    stepped = Network()
    micros = clock_for(stepped)
    assert micros() == 0
    stepped.advance(2_500.0)
    assert micros() == 2_500_000
    real = Network(clock=lambda: 123.0)
    assert clock_for(real) is wall_clock_micros
