"""The in-process network shared by the nodes of a cluster: delivery, timers, and injected faults.

Every node's :class:`~engine.net.messaging.MessagingService` registers with one :class:`Network`. Sending a
message schedules its delivery ``latency`` milliseconds later on the network's event queue; the queue
also holds timers (request timeouts, gossip rounds, anything a component schedules). Events run in
``(due time, scheduling order)`` order, so a run is a pure function of what was sent, the faults, and
the seeds.

**Two ways to run.**

* *Stepped* (the default, for tests and golden scripts): time is virtual and only moves when asked.
  :meth:`Network.deliver_all` runs everything due now, including what handlers send in turn, until
  nothing is left; :meth:`Network.advance` moves time forward, running deliveries and timers in order.
* *Real-time* (a serving cluster): pass a ``clock`` (milliseconds, e.g. ``time.monotonic() * 1000``) and
  call :meth:`Network.start`; a background thread runs each event when the clock reaches it.
  Handlers and callbacks then run on that thread.

**Faults** (checked when a message is sent and again when it arrives):

* :meth:`down` / :meth:`up`: a down node neither sends nor receives;
* :meth:`partition`: ``partition(a, b)`` cuts the links between two nodes or two groups,
  ``partition(a)`` isolates ``a`` from everyone; :meth:`heal` restores every link (and clears drops);
* :meth:`drop`: drop a fraction of matching messages, drawn from the rule's own seeded RNG;
* :meth:`delay`: add latency to matching messages (or to all).

A node's messages to itself skip faults and latency (Cassandra delivers local requests in-process too).
Counters of delivered and dropped messages per verb are kept for tests and tracing, and per sender and
verb (``outbound_pending``, ``outbound_completed``, ``outbound_dropped``: messages to other nodes queued,
delivered, lost) for ``nodetool netstats``.
"""

from __future__ import annotations

import heapq
import itertools
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from engine.net.message import Message
from engine.net.verbs import Verb

if TYPE_CHECKING:
    from engine.net.messaging import MessagingService

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class TimerHandle:
    """What :meth:`Network.schedule` returns; pass it to :meth:`Network.cancel`."""

    seq: int


@dataclass(slots=True)
class DropRule:
    """Drop messages matching ``verb`` / ``sender`` / ``recipient`` (``None`` matches any) with
    probability ``probability``, drawing from ``rng``."""

    probability: float
    rng: random.Random
    verb: Verb | None = None
    sender: str | None = None
    recipient: str | None = None
    dropped: int = 0

    def matches(self, message: Message) -> bool:
        return (
            (self.verb is None or message.verb is self.verb)
            and (self.sender is None or message.sender == self.sender)
            and (self.recipient is None or message.recipient == self.recipient)
        )


@dataclass(frozen=True, slots=True)
class DelayRule:
    delay_ms: float
    verb: Verb | None = None
    sender: str | None = None
    recipient: str | None = None

    def matches(self, message: Message) -> bool:
        return (
            (self.verb is None or message.verb is self.verb)
            and (self.sender is None or message.sender == self.sender)
            and (self.recipient is None or message.recipient == self.recipient)
        )


@dataclass(order=True, slots=True)
class _Event:
    due: float
    seq: int
    action: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)


class VirtualClock:
    """Milliseconds that only move when the network advances them."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


class Network:
    """Delivery, timers and faults for every node of one cluster (see the module doc)."""

    def __init__(
        self, *, clock: Clock | None = None, latency_ms: float = 0.0, max_events: int = 1_000_000
    ) -> None:
        self._virtual = VirtualClock() if clock is None else None
        self.clock: Clock = self._virtual if self._virtual is not None else clock  # type: ignore[assignment]
        self.latency_ms = latency_ms
        self.max_events = max_events
        self._services: dict[str, MessagingService] = {}
        self._events: list[_Event] = []
        self._live_timers: dict[int, _Event] = {}
        self._seq = itertools.count()
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._wakeup = threading.Condition(self._lock)
        self._down: set[str] = set()
        self._cut: set[frozenset[str]] = set()
        self._isolated: set[str] = set()
        self._drops: list[DropRule] = []
        self._delays: list[DelayRule] = []
        self.delivered: Counter[Verb] = Counter()
        self.dropped: Counter[Verb] = Counter()
        # per (sender, verb), messages to another node only: what nodetool netstats shows of a node
        self.outbound_pending: Counter[tuple[str, Verb]] = Counter()
        self.outbound_completed: Counter[tuple[str, Verb]] = Counter()
        self.outbound_dropped: Counter[tuple[str, Verb]] = Counter()
        self.handler_errors: list[tuple[str, Verb, BaseException]] = []
        self._thread: threading.Thread | None = None
        self._running = False

    @property
    def is_stepped(self) -> bool:
        return self._virtual is not None

    def now(self) -> float:
        return self.clock()

    # --------------------------------------------------------------------------------- membership

    def register(self, service: MessagingService) -> None:
        with self._lock:
            self._services[service.endpoint] = service

    def unregister(self, endpoint: str) -> None:
        with self._lock:
            self._services.pop(endpoint, None)

    def service(self, endpoint: str) -> MessagingService | None:
        return self._services.get(endpoint)

    @property
    def endpoints(self) -> tuple[str, ...]:
        return tuple(sorted(self._services))

    def next_message_id(self) -> int:
        return next(self._ids)

    # ------------------------------------------------------------------------------------- faults

    def down(self, endpoint: str) -> None:
        with self._lock:
            self._down.add(endpoint)

    def up(self, endpoint: str) -> None:
        with self._lock:
            self._down.discard(endpoint)

    def is_up(self, endpoint: str) -> bool:
        return endpoint not in self._down

    def partition(self, a: str | Iterable[str], b: str | Iterable[str] | None = None) -> None:
        """Cut every link between ``a`` and ``b`` (nodes or groups); with no ``b``, isolate ``a``."""
        left = {a} if isinstance(a, str) else set(a)
        with self._lock:
            if b is None:
                self._isolated |= left
                return
            right = {b} if isinstance(b, str) else set(b)
            for x in left:
                for y in right:
                    if x != y:
                        self._cut.add(frozenset((x, y)))

    def heal(self) -> None:
        """Restore every link and remove every drop rule (down nodes stay down, delays stay)."""
        with self._lock:
            self._cut.clear()
            self._isolated.clear()
            self._drops.clear()

    def can_reach(self, sender: str, recipient: str) -> bool:
        """Whether a message from ``sender`` to ``recipient`` would get through (ignoring drop rules)."""
        if sender == recipient:
            return sender not in self._down
        with self._lock:
            return (
                sender not in self._down
                and recipient not in self._down
                and sender not in self._isolated
                and recipient not in self._isolated
                and frozenset((sender, recipient)) not in self._cut
            )

    def drop(
        self,
        verb: Verb | None = None,
        probability: float = 1.0,
        seed: int = 0,
        *,
        sender: str | None = None,
        recipient: str | None = None,
    ) -> DropRule:
        """Drop matching messages with ``probability`` (deterministic for a given ``seed``)."""
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        rule = DropRule(probability, random.Random(seed), verb, sender, recipient)
        with self._lock:
            self._drops.append(rule)
        return rule

    def remove_drop(self, rule: DropRule) -> None:
        with self._lock:
            self._drops.remove(rule)

    def delay(
        self, ms: float, verb: Verb | None = None, *, sender: str | None = None, recipient: str | None = None
    ) -> None:
        """Add ``ms`` of latency to matching messages; with no filter, set the base latency."""
        if ms < 0:
            raise ValueError("delay must not be negative")
        with self._lock:
            if verb is None and sender is None and recipient is None:
                self.latency_ms = ms
            else:
                self._delays.append(DelayRule(ms, verb, sender, recipient))

    def clear_delays(self) -> None:
        with self._lock:
            self._delays.clear()
            self.latency_ms = 0.0

    # ------------------------------------------------------------------------------------ sending

    def send(self, message: Message) -> bool:
        """Queue ``message`` for delivery; ``False`` if a fault dropped it at once."""
        with self._lock:
            if message.sender != message.recipient:
                if not self.can_reach(message.sender, message.recipient) or self._dropped_by_rule(message):
                    self.dropped[message.verb] += 1
                    self.outbound_dropped[(message.sender, message.verb)] += 1
                    return False
                self.outbound_pending[(message.sender, message.verb)] += 1
                latency = self.latency_ms + sum(r.delay_ms for r in self._delays if r.matches(message))
            else:
                latency = 0.0
            self._push(self.clock() + latency, lambda: self._deliver(message))
        return True

    def _dropped_by_rule(self, message: Message) -> bool:
        dropped = False
        for rule in self._drops:
            if rule.matches(message) and rule.rng.random() < rule.probability:
                rule.dropped += 1
                dropped = True
        return dropped

    def _deliver(self, message: Message) -> None:
        with self._lock:
            outbound = (message.sender, message.verb) if message.sender != message.recipient else None
            if outbound is not None:
                self.outbound_pending[outbound] -= 1
            service = self._services.get(message.recipient)
            if service is None or not self.can_reach(message.sender, message.recipient):
                self.dropped[message.verb] += 1
                if outbound is not None:
                    self.outbound_dropped[outbound] += 1
                return
            self.delivered[message.verb] += 1
            if outbound is not None:
                self.outbound_completed[outbound] += 1
        service.receive(message)

    # ------------------------------------------------------------------------------------- timers

    def schedule(self, delay_ms: float, action: Callable[[], None]) -> TimerHandle:
        """Run ``action`` ``delay_ms`` from now (on the network's time)."""
        with self._lock:
            event = self._push(self.clock() + max(0.0, delay_ms), action)
            self._live_timers[event.seq] = event
        return TimerHandle(event.seq)

    def every(
        self, interval_ms: float, action: Callable[[], None], *, first_in_ms: float | None = None
    ) -> TimerHandle:
        """Run ``action`` every ``interval_ms``; the returned handle cancels the whole series."""
        if interval_ms <= 0:
            raise ValueError("interval must be positive")
        handle = TimerHandle(next(self._seq))

        def fire() -> None:
            with self._lock:
                if handle.seq not in self._live_timers:
                    return
                self._live_timers[handle.seq] = self._push(self.clock() + interval_ms, fire)
            action()

        with self._lock:
            start = interval_ms if first_in_ms is None else first_in_ms
            self._live_timers[handle.seq] = self._push(self.clock() + start, fire)
        return handle

    def cancel(self, handle: TimerHandle) -> None:
        with self._lock:
            event = self._live_timers.pop(handle.seq, None)
            if event is not None:
                event.cancelled = True

    def _push(self, due: float, action: Callable[[], None]) -> _Event:
        event = _Event(due, next(self._seq), action)
        heapq.heappush(self._events, event)
        self._wakeup.notify_all()
        return event

    def _pop_due(self, until: float) -> _Event | None:
        with self._lock:
            while self._events and self._events[0].cancelled:
                heapq.heappop(self._events)
            if not self._events or self._events[0].due > until:
                return None
            event = heapq.heappop(self._events)
            self._live_timers.pop(event.seq, None)
            return event

    def pending(self) -> int:
        """Events (deliveries and timers) still queued."""
        with self._lock:
            return sum(1 for e in self._events if not e.cancelled)

    # ------------------------------------------------------------------------------- stepped mode

    def deliver_all(self) -> int:
        """Run every event due now, and what they cause, until nothing is due; returns how many ran."""
        self._require_stepped()
        return self._run_until(self.clock())

    def advance(self, ms: float) -> int:
        """Move virtual time forward by ``ms``, running deliveries and timers in order on the way."""
        self._require_stepped()
        assert self._virtual is not None
        target = self._virtual.now + ms
        count = self._run_until(target)
        self._virtual.now = max(self._virtual.now, target)
        return count

    def run_until_idle(self, limit_ms: float = 3_600_000.0) -> int:
        """Advance until no event is left (at most ``limit_ms``); returns how many ran."""
        self._require_stepped()
        assert self._virtual is not None
        count = 0
        deadline = self._virtual.now + limit_ms
        while True:
            with self._lock:
                live = [e for e in self._events if not e.cancelled]
                if not live:
                    return count
                due = min(e.due for e in live)
            if due > deadline:
                return count
            count += self.advance(max(0.0, due - self._virtual.now))

    def _run_until(self, until: float) -> int:
        count = 0
        while (event := self._pop_due(until)) is not None:
            if self._virtual is not None and event.due > self._virtual.now:
                self._virtual.now = event.due
            event.action()
            count += 1
            if count > self.max_events:
                raise RuntimeError(f"more than {self.max_events} network events without quiescing")
        return count

    def _require_stepped(self) -> None:
        if not self.is_stepped:
            raise RuntimeError("deliver_all/advance are for stepped networks; this one runs in real time")

    # ----------------------------------------------------------------------------- real-time mode

    def start(self) -> None:
        """Run events on a background thread as the clock reaches them (real-time mode)."""
        if self.is_stepped:
            raise RuntimeError("a stepped network is driven by deliver_all/advance")
        with self._lock:
            if self._running:
                return
            self._running = True
            self._thread = threading.Thread(target=self._loop, name="cqlkit-network", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        with self._lock:
            self._running = False
            self._wakeup.notify_all()
            thread = self._thread
            self._thread = None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _loop(self) -> None:
        while True:
            with self._lock:
                if not self._running:
                    return
                while self._events and self._events[0].cancelled:
                    heapq.heappop(self._events)
                if not self._events:
                    self._wakeup.wait()
                    continue
                wait_ms = self._events[0].due - self.clock()
                if wait_ms > 0:
                    self._wakeup.wait(wait_ms / 1000.0)
                    continue
            event = self._pop_due(self.clock())
            if event is None:
                continue
            try:
                event.action()
            except Exception as e:  # keep the cluster's network alive; record for diagnosis
                self.handler_errors.append(("<timer>", Verb.FAILURE_RSP, e))
