"""Collecting replicas' answers to one request (Cassandra's response handlers and read callbacks).

:class:`Replies` records, per replica, an answer or a failure reason under a condition variable, so a
coordinator can wait for it either by driving a stepped network or by sleeping on the condition
(``engine.service.awaiting``); callbacks run on whichever thread the network delivers on.
:class:`WriteHandler` counts acknowledgements the way a consistency level wants them: all of them, the
local datacenter's only (``LOCAL_*``), or a quorum in every datacenter (``EACH_QUORUM``); at ``ANY`` a
stored hint counts too.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

from engine.db.consistency_level import ConsistencyLevel, quorum_for
from engine.locator import ANY_DATACENTER
from engine.net import RequestFailureReason
from engine.service.replica_plan import Ring, counts_toward, live_per_datacenter


class Replies:
    """Answers to one request from several replicas, guarded by a condition the waiter sleeps on."""

    def __init__(self, targets: Sequence[str]) -> None:
        self.condition = threading.Condition()
        self.targets = tuple(targets)
        self.replies: dict[str, object] = {}
        self.failures: dict[str, RequestFailureReason] = {}

    def respond(self, endpoint: str, payload: object) -> None:
        with self.condition:
            self.replies[endpoint] = payload
            self.condition.notify_all()

    def fail(self, endpoint: str, reason: RequestFailureReason) -> None:
        with self.condition:
            self.failures[endpoint] = reason
            self.condition.notify_all()

    @property
    def complete(self) -> bool:
        return len(self.replies) + len(self.failures) >= len(self.targets)

    def real_failures(self) -> dict[str, int]:
        return {e: int(r) for e, r in self.failures.items() if r is not RequestFailureReason.TIMEOUT}


class WriteHandler(Replies):
    """Counts acknowledgements the way the level wants them (Cassandra's write response handlers)."""

    def __init__(
        self,
        level: ConsistencyLevel,
        factors: Mapping[str, int],
        ring: Ring,
        block: int,
        targets: Sequence[str],
    ) -> None:
        super().__init__(targets)
        self.level = level
        self.factors = factors
        self.ring = ring
        self.block = block
        self.hinted = 0  # hints that count (ANY)

    def received(self) -> int:
        counted = sum(1 for e in self.replies if counts_toward(self.level, self.factors, self.ring, e))
        return counted + self.hinted

    def satisfied(self) -> bool:
        if self.level is ConsistencyLevel.EACH_QUORUM and ANY_DATACENTER not in self.factors:
            acks = live_per_datacenter(self.ring, self.replies)
            return all(acks.get(dc, 0) >= quorum_for(rf) for dc, rf in self.factors.items())
        return self.received() >= self.block

    def done(self) -> bool:
        return self.satisfied() or self.complete
