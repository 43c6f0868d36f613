"""Paxos ballots: time UUIDs from a node's clock, newer than any ballot the node has seen.

A **ballot** orders the proposals of every coordinator of a partition. Cassandra's is a version-1 (time)
UUID: the proposer's clock in microseconds as the UUID timestamp, and its ``clockSeqAndNode`` as the
low 64 bits, so two coordinators never make equal ballots. cqlkit's :class:`Ballot` is the same pair —
``micros`` and a 48-bit ``node`` that is the proposer's IPv4 address — ordered by ``(micros, node)``,
which is also the order of the stored UUIDs (a tie on the timestamp compares the node bytes, unsigned).

UUID layout (RFC 4122 version 1, as ``uuid.uuid1`` and Cassandra's ``TimeUUID`` build it)::

    timestamp  = micros * 10 + 0x01B21DD213814000   (100 ns intervals since 1582-10-15)
    time_low   = timestamp & 0xFFFFFFFF             bytes 0-3
    time_mid   = (timestamp >> 32) & 0xFFFF         bytes 4-5
    time_hi    = (timestamp >> 48) & 0x0FFF | 0x1000 (version 1)   bytes 6-7
    clock_seq  = 0x8000 (IETF variant, sequence 0)  bytes 8-9
    node       = proposer's IPv4 address            bytes 10-15 (high 16 bits zero)

**Where the microseconds come from** (:class:`BallotClock`, Cassandra's
``ClientState.getTimestampForPaxos``): an injected clock, raised to one more than the last ballot this
node made and to one more than any ballot it has *seen* in a replica's answer. The second floor is what
lets a coordinator whose clock is behind (a restarted stepped cluster, whose virtual clock starts again
at zero, or a node with a slow wall clock) win after one rejected round instead of never.

**No two proposers share a microsecond.** A ballot's microseconds are also the write timestamp of the
Paxos state it leaves on replicas (``engine.service.paxos_table``), where last-write-wins must follow
ballot order. Two ballots with equal microseconds from different proposers would tie there, and a tie
is settled cell by cell on the values' bytes, mixing two proposals. On a stepped network equal
microseconds are the rule, not a rarity: a healthy request costs no virtual time, so two coordinators
asked one after the other read the same clock. So a node's ballot microseconds are always congruent to
the last byte of its address modulo 256 (the next such value at or above the floor): nodes of a cluster
(``127.0.0.N``) never collide, at the price of up to 255 µs of skew.
:func:`clock_for` picks the clock: the network's virtual milliseconds on a stepped network, so a seeded
run makes the same ballots every time, and the wall clock when serving.
"""

from __future__ import annotations

import ipaddress
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from engine.net import Network

#: 100-nanosecond intervals between the Gregorian reform (UUID epoch) and the Unix epoch.
UUID_EPOCH_OFFSET = 0x01B21DD213814000
_VARIANT_CLOCK_SEQ = 0x8000
_NODE_MASK = (1 << 48) - 1
#: ballot microseconds of one proposer share their residue modulo this (module doc)
PROPOSER_STRIDE = 256

Micros = Callable[[], int]


@dataclass(frozen=True, slots=True, order=True)
class Ballot:
    """A Paxos ballot: ordered by microseconds, then by the proposer (see the module doc)."""

    micros: int
    node: int

    @classmethod
    def of(cls, micros: int, proposer: str) -> Ballot:
        return cls(micros, int(ipaddress.IPv4Address(proposer)))

    @property
    def proposer(self) -> str:
        return str(ipaddress.IPv4Address(self.node & 0xFFFFFFFF))

    @property
    def uuid(self) -> uuid.UUID:
        timestamp = self.micros * 10 + UUID_EPOCH_OFFSET
        return uuid.UUID(
            fields=(
                timestamp & 0xFFFFFFFF,
                (timestamp >> 32) & 0xFFFF,
                ((timestamp >> 48) & 0x0FFF) | 0x1000,
                _VARIANT_CLOCK_SEQ >> 8,
                _VARIANT_CLOCK_SEQ & 0xFF,
                self.node & _NODE_MASK,
            )
        )

    @classmethod
    def from_uuid(cls, value: uuid.UUID) -> Ballot:
        if value.version != 1:
            raise ValueError(f"a ballot is a time UUID (version 1), not version {value.version}: {value}")
        micros, rest = divmod(value.time - UUID_EPOCH_OFFSET, 10)
        if rest:
            raise ValueError(f"ballot {value} is not a whole number of microseconds")
        return cls(micros, value.node)

    def __str__(self) -> str:
        return str(self.uuid)


def wall_clock_micros() -> int:
    return time.time_ns() // 1000


def clock_for(network: Network) -> Micros:
    """The clock ballots come from on ``network``: its virtual time in µs when stepped (deterministic),
    the wall clock otherwise (as Cassandra's ballots)."""
    if network.is_stepped:
        return lambda: int(network.now() * 1000)
    return wall_clock_micros


class BallotClock:
    """One node's ballots: strictly increasing, never older than one seen (module doc)."""

    def __init__(self, proposer: str, micros: Micros) -> None:
        self._node = Ballot.of(0, proposer).node
        self._residue = self._node % PROPOSER_STRIDE
        self._micros = micros
        self._last = -1
        self._lock = threading.Lock()

    def next(self) -> Ballot:
        with self._lock:
            floor = max(self._micros(), self._last + 1)
            micros = floor + (self._residue - floor) % PROPOSER_STRIDE
            self._last = micros
        return Ballot(micros, self._node)

    def observe(self, ballot: Ballot | None) -> None:
        """A ballot a replica reported: the next one made here is newer."""
        if ballot is None:
            return
        with self._lock:
            self._last = max(self._last, ballot.micros)
