"""What a coordinator measures of the requests clients send it (Cassandra's ``ClientRequestMetrics`` and
``ReadRepairMetrics``), for ``nodetool proxyhistograms`` and ``netstats``.

:class:`ClientRequestMetrics` holds one latency histogram (µs, in Cassandra's ``EstimatedHistogram``
buckets: :class:`~engine.db.metrics.LatencyHistogram`) per request kind — ``Read``, ``Write``,
``RangeSlice``, ``CASRead``, ``CASWrite``, ``ViewWrite`` — and the read-repair counters:

* ``attempted``: reads whose replicas answered with different digests, so the coordinator asked for the
  data and reconciled it;
* ``repaired_blocking``: of those, reads that sent the reconciled partition to a stale replica and waited
  (Cassandra 4+ only repairs blocking);
* ``repaired_background``: always 0 (Cassandra 4+ has no background read repair; the counter remains for
  netstats' layout).

:class:`MeteredProxy` wraps any storage proxy (a node's ``LocalStorageProxy`` or its cluster
``Coordinator``) and times every request it passes on, failed ones included (Cassandra's timers are
updated in ``finally`` blocks too). A serial read is a ``CASRead``, a conditional update a ``CASWrite``;
a range read is timed until the caller stops consuming it. What a request does through the proxy while
it runs (a conditional update reading its row) is part of that one request, not another one, as a
client request is one measurement in Cassandra. The clock is injectable (tests step it).
"""

from __future__ import annotations

import enum
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from engine.db.column_family_store import TokenKey
from engine.db.consistency_level import ConsistencyLevel
from engine.db.metrics import LatencyHistogram
from engine.db.mutation import Mutation
from engine.db.rows import PartitionUpdate
from engine.db.slices import Slices

Clock = Callable[[], float]  # seconds


class RequestKind(enum.Enum):
    """The ``scope`` of Cassandra's ``ClientRequest`` latency metrics."""

    READ = "Read"
    WRITE = "Write"
    RANGE_SLICE = "RangeSlice"
    CAS_READ = "CASRead"
    CAS_WRITE = "CASWrite"
    VIEW_WRITE = "ViewWrite"


class ReadRepairCounters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.attempted = 0
        self.repaired_blocking = 0
        self.repaired_background = 0

    def mark_attempted(self) -> None:
        with self._lock:
            self.attempted += 1

    def mark_repaired_blocking(self) -> None:
        with self._lock:
            self.repaired_blocking += 1


class ClientRequestMetrics:
    """Latencies of a coordinator's client requests by kind, and its read-repair counters."""

    def __init__(self) -> None:
        self.latencies = {kind: LatencyHistogram() for kind in RequestKind}
        self.read_repair = ReadRepairCounters()

    def record(self, kind: RequestKind, micros: int) -> None:
        self.latencies[kind].record(max(0, micros))


#: methods only some proxies have, and the kind of request each is
_OPTIONAL = {"mutate_atomically": RequestKind.WRITE, "cas": RequestKind.CAS_WRITE}


class MeteredProxy:
    """A storage proxy that times what it passes on to ``inner``; anything else is ``inner``'s."""

    def __init__(
        self, inner: Any, metrics: ClientRequestMetrics | None = None, *, clock: Clock = time.monotonic
    ):
        self.inner = inner
        self.metrics = metrics if metrics is not None else ClientRequestMetrics()
        self._clock = clock
        self._inside = threading.local()

    def __getattr__(self, name: str) -> Any:
        # Statements ask ``getattr(proxy, "cas", None)``: the optional methods exist only when the inner
        # proxy has them (a cluster's coordinator), timed like the others.
        found = getattr(self.inner, name)
        kind = _OPTIONAL.get(name)
        if kind is None:
            return found
        return lambda *args, **kwargs: self._timed(kind, lambda: found(*args, **kwargs))

    def _timed(self, kind: RequestKind, call: Callable[[], Any]) -> Any:
        if getattr(self._inside, "request", False):
            return call()  # part of the client request already being timed (a CAS reading its row)
        self._inside.request = True
        started = self._clock()
        try:
            return call()
        finally:
            self.metrics.record(kind, int((self._clock() - started) * 1_000_000))
            self._inside.request = False

    def mutate(self, mutations: Sequence[Mutation], consistency: ConsistencyLevel) -> None:
        self._timed(RequestKind.WRITE, lambda: self.inner.mutate(mutations, consistency))

    def read_partition(
        self,
        table_id: uuid.UUID,
        key: bytes,
        token: int,
        consistency: ConsistencyLevel,
        *,
        slices: Slices | None = None,
    ) -> PartitionUpdate | None:
        kind = RequestKind.CAS_READ if consistency.is_serial else RequestKind.READ
        return self._timed(  # type: ignore[no-any-return]
            kind, lambda: self.inner.read_partition(table_id, key, token, consistency, slices=slices)
        )

    def scan(
        self,
        table_id: uuid.UUID,
        start: TokenKey | None,
        end: TokenKey | None,
        consistency: ConsistencyLevel,
    ) -> Iterator[PartitionUpdate]:
        # A range read is consumed lazily, between other requests of the same thread: it is timed from
        # the first partition asked to the last, and is never nested in another request.
        started = self._clock()
        try:
            yield from self.inner.scan(table_id, start, end, consistency)
        finally:
            self.metrics.record(RequestKind.RANGE_SLICE, int((self._clock() - started) * 1_000_000))

    def truncate(self, table_id: uuid.UUID) -> None:
        self.inner.truncate(table_id)


def metrics_of(proxy: Any) -> ClientRequestMetrics | None:
    """The metrics a node's proxy keeps (None when it is not metered)."""
    found = getattr(proxy, "metrics", None)
    return found if isinstance(found, ClientRequestMetrics) else None
