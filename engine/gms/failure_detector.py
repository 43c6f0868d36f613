"""Phi accrual failure detection, as Cassandra's ``gms.FailureDetector`` (CASSANDRA-2597).

Every time gossip brings news of an endpoint's heartbeat, :meth:`FailureDetector.report` records the
arrival. For each endpoint an *arrival window* keeps the last 1000 intervals between arrivals (intervals
longer than ``max_interval_ms``, 2 s by default, are ignored as outliers; the very first report adds
``initial_interval_ms``, 2 s, since the right mean depends on cluster size and erring high avoids
flapping). The suspicion level of an endpoint at time ``now`` is::

    phi = (now - last_arrival) / mean_interval

and it is *convicted* when ``PHI_FACTOR * phi > phi_convict_threshold`` with ``PHI_FACTOR = 1 / ln 10``
(Cassandra keeps that factor so the historical default threshold of 8 still means what it did). With one
heartbeat a second that is about 18 seconds of silence. :meth:`interpret`, called for every endpoint on
each gossip round, checks this and notifies the listeners (the gossiper marks the endpoint DOWN).

Two more behaviours copied from Cassandra:

* if ``interpret`` itself was not called for more than ``max_local_pause_ms`` (5 s), *this* node was
  paused (GC, a suspended laptop, a test that jumped the clock) and silence proves nothing: no conviction
  for that long afterwards;
* a convicted endpoint is alive again as soon as a new heartbeat is reported.

The clock is injected (milliseconds, monotonic): tests step it, a running node passes a real one.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable

PHI_FACTOR = 1.0 / math.log(10.0)
DEFAULT_PHI_CONVICT_THRESHOLD = 8.0
GOSSIP_INTERVAL_MS = 1000.0
SAMPLE_SIZE = 1000

ConvictListener = Callable[[str, float], None]


class ArrivalWindow:
    """The recent inter-arrival times of one endpoint's heartbeats."""

    def __init__(
        self, *, initial_interval_ms: float, max_interval_ms: float, size: int = SAMPLE_SIZE
    ) -> None:
        self._intervals: deque[float] = deque(maxlen=size)
        self._sum = 0.0
        self._initial = initial_interval_ms
        self._max_interval = max_interval_ms
        self.last_arrival: float | None = None

    def add(self, now: float) -> None:
        if self.last_arrival is None:
            self._push(self._initial)
        else:
            interval = now - self.last_arrival
            if interval <= self._max_interval:
                self._push(interval)
        self.last_arrival = now

    def _push(self, value: float) -> None:
        if len(self._intervals) == self._intervals.maxlen:
            self._sum -= self._intervals[0]
        self._intervals.append(value)
        self._sum += value

    def mean(self) -> float:
        return self._sum / len(self._intervals) if self._intervals else 0.0

    def phi(self, now: float) -> float:
        """Silence so far over the mean interval (not yet scaled by :data:`PHI_FACTOR`)."""
        mean = self.mean()
        if self.last_arrival is None or mean <= 0:
            return 0.0
        return (now - self.last_arrival) / mean


class FailureDetector:
    """Per-endpoint arrival windows, conviction, and aliveness as the detector sees it."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        phi_convict_threshold: float = DEFAULT_PHI_CONVICT_THRESHOLD,
        initial_interval_ms: float = 2 * GOSSIP_INTERVAL_MS,
        max_interval_ms: float | None = None,
        max_local_pause_ms: float = 5000.0,
    ) -> None:
        self._clock = clock
        self.phi_convict_threshold = phi_convict_threshold
        self._initial = initial_interval_ms
        self._max_interval = initial_interval_ms if max_interval_ms is None else max_interval_ms
        self._max_pause = max_local_pause_ms
        self._windows: dict[str, ArrivalWindow] = {}
        self._convicted: set[str] = set()
        self._listeners: list[ConvictListener] = []
        self._last_interpret = clock()
        self._last_pause: float | None = None
        self._lock = threading.RLock()

    def register(self, listener: ConvictListener) -> None:
        """Call ``listener(endpoint, phi)`` whenever an endpoint is convicted."""
        self._listeners.append(listener)

    def unregister(self, listener: ConvictListener) -> None:
        self._listeners.remove(listener)

    def report(self, endpoint: str) -> None:
        """A heartbeat of ``endpoint`` arrived now."""
        with self._lock:
            window = self._windows.get(endpoint)
            if window is None:
                window = ArrivalWindow(initial_interval_ms=self._initial, max_interval_ms=self._max_interval)
                self._windows[endpoint] = window
            window.add(self._clock())
            self._convicted.discard(endpoint)

    def interpret(self, endpoint: str) -> bool:
        """Check ``endpoint``'s silence; convict it (notifying listeners) if phi is over the threshold.

        Returns whether it was convicted by this call.
        """
        with self._lock:
            window = self._windows.get(endpoint)
            if window is None:
                return False
            now = self._clock()
            since_last = now - self._last_interpret
            self._last_interpret = now
            if since_last > self._max_pause:
                self._last_pause = now  # we were paused: silence proves nothing
                return False
            if self._last_pause is not None and now - self._last_pause < self._max_pause:
                return False
            phi = PHI_FACTOR * window.phi(now)
            if phi <= self.phi_convict_threshold or endpoint in self._convicted:
                return False
            self._convicted.add(endpoint)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(endpoint, phi)
        return True

    def force_conviction(self, endpoint: str) -> None:
        """Convict now (a node announced its shutdown)."""
        with self._lock:
            self._convicted.add(endpoint)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(endpoint, math.inf)

    def remove(self, endpoint: str) -> None:
        """Forget ``endpoint`` (it left the cluster, or restarted and starts a fresh window)."""
        with self._lock:
            self._windows.pop(endpoint, None)
            self._convicted.discard(endpoint)

    def is_alive(self, endpoint: str) -> bool:
        """Reported at least once and not convicted since the last report."""
        with self._lock:
            return endpoint in self._windows and endpoint not in self._convicted

    def phi(self, endpoint: str) -> float:
        """The scaled suspicion level (what ``nodetool failuredetector`` shows); 0 for unknown endpoints."""
        with self._lock:
            window = self._windows.get(endpoint)
            return 0.0 if window is None else PHI_FACTOR * window.phi(self._clock())

    def mean_interval(self, endpoint: str) -> float:
        with self._lock:
            window = self._windows.get(endpoint)
            return 0.0 if window is None else window.mean()
