"""Gossip: every node learns every other node's state, and who is UP or DOWN (Cassandra's ``Gossiper``).

Each node runs one :class:`Gossiper`. Once a second (the caller steps it with :meth:`Gossiper.tick`; a
running node calls it from a timer) it bumps its own heartbeat and starts a three-way exchange with one
random live peer — plus, with some probability, an unreachable peer and a seed, exactly as Cassandra's
``GossipTask`` chooses:

1. ``GossipDigestSyn``: one digest per endpoint it knows, ``(endpoint, generation, max version)``;
2. the peer answers ``GossipDigestAck``: the states it has that are newer than the digests, and digests
   of what it wants;
3. the initiator answers ``GossipDigestAck2`` with what was asked for.

Receiving newer state for an endpoint reports a heartbeat to the :class:`FailureDetector` and applies the
state (a higher generation replaces it: the endpoint restarted). After the exchange, a status check asks
the failure detector about every endpoint; a convicted endpoint is marked DOWN. A new endpoint, or newer
heartbeats from a DOWN one, lead to an ECHO round trip (``GossipEcho`` / ``GossipEchoAck``) and the
endpoint is marked UP when the answer arrives, so second-hand news about a node that is really down
never marks it UP (an unanswered echo is retried after ``echo_timeout_ms``). A node shutting down tells
its live peers (``GossipShutdown``), which mark it DOWN immediately.

**Transport.** ``engine.gms`` does not depend on ``engine.net``: the gossiper sends through an injected
``send(to, message)`` callable and the node feeds incoming gossip messages to :meth:`Gossiper.receive`.
The node wires those to ``MessagingService`` verbs (``GOSSIP_DIGEST_SYN`` …), so network faults (down,
partition, drop) reach gossip and the failure detector like they would in a real cluster.

**Listeners** (:class:`GossipListener`, Cassandra's ``IEndpointStateChangeSubscriber``) hear about joins,
state changes, UP/DOWN and removals; they are called after the gossiper's lock is released.

Deterministic: peer choices come from a seeded ``random.Random``; time from the injected clock.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from engine.gms.endpoint_state import (
    ApplicationState,
    EndpointState,
    HeartBeatState,
    NodeStatus,
    VersionedValue,
    status_value,
)
from engine.gms.failure_detector import FailureDetector

# ------------------------------------------------------------------------------------------- messages


@dataclass(frozen=True, slots=True)
class GossipDigest:
    endpoint: str
    generation: int
    max_version: int


@dataclass(frozen=True, slots=True)
class GossipDigestSyn:
    cluster_name: str
    digests: tuple[GossipDigest, ...]


@dataclass(frozen=True, slots=True)
class GossipDigestAck:
    digests: tuple[GossipDigest, ...]
    states: Mapping[str, EndpointState] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class GossipDigestAck2:
    states: Mapping[str, EndpointState] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class GossipShutdown:
    pass


@dataclass(frozen=True, slots=True)
class GossipEcho:
    """Are you there? Sent before marking an endpoint UP (Cassandra's ``ECHO_REQ``)."""


@dataclass(frozen=True, slots=True)
class GossipEchoAck:
    """Yes (``ECHO_RSP``): the sender is marked UP."""


GossipMessage = (
    GossipDigestSyn | GossipDigestAck | GossipDigestAck2 | GossipShutdown | GossipEcho | GossipEchoAck
)
Send = Callable[[str, GossipMessage], None]


class GossipListener:
    """Override what you need (Cassandra's ``IEndpointStateChangeSubscriber``)."""

    def on_join(self, endpoint: str, state: EndpointState) -> None:
        """A new endpoint, or a known one with a new generation (restart)."""

    def on_change(self, endpoint: str, state: ApplicationState, value: VersionedValue) -> None:
        """An application state of ``endpoint`` changed."""

    def on_alive(self, endpoint: str, state: EndpointState) -> None:
        """``endpoint`` is UP."""

    def on_dead(self, endpoint: str, state: EndpointState) -> None:
        """``endpoint`` is DOWN."""

    def on_remove(self, endpoint: str) -> None:
        """``endpoint`` was removed from gossip."""

    def on_restart(self, endpoint: str, state: EndpointState) -> None:
        """``endpoint`` restarted (a higher generation), before :meth:`on_join` reports its new state."""


_Event = Callable[[GossipListener], None]


class Gossiper:
    """One node's gossip state and protocol; stepped by :meth:`tick`, fed by :meth:`receive`."""

    def __init__(
        self,
        local_endpoint: str,
        *,
        send: Send,
        clock: Callable[[], float],
        seeds: Iterable[str] = (),
        cluster_name: str = "Test Cluster",
        failure_detector: FailureDetector | None = None,
        seed: int = 0,
        echo_timeout_ms: float = 10_000.0,
    ) -> None:
        self.local_endpoint = local_endpoint
        self.cluster_name = cluster_name
        self.seeds = tuple(sorted(set(seeds)))
        self.failure_detector = failure_detector or FailureDetector(clock)
        self.failure_detector.register(self._convict)
        self._send = send
        self._clock = clock
        self._rng = random.Random(seed)
        self._states: dict[str, EndpointState] = {}
        self._listeners: list[GossipListener] = []
        self._version = 0
        self._echoes: dict[str, float] = {}  # endpoint -> when the unanswered echo was sent
        self._echo_timeout = echo_timeout_ms
        self._lock = threading.RLock()
        self.started = False

    # --------------------------------------------------------------------------------- local state

    def start(self, generation: int, states: Mapping[ApplicationState, str] | None = None) -> None:
        """Begin gossiping as a node started at ``generation`` (must exceed any earlier start's)."""
        with self._lock:
            self._states[self.local_endpoint] = EndpointState(
                HeartBeatState(generation, self._next_version()), alive=True, updated_at_ms=self._clock()
            )
            self.started = True
        for state, value in (states or {}).items():
            self.add_local_state(state, value)

    def add_local_state(self, state: ApplicationState, value: str) -> None:
        """Set one of this node's application states (gossiped from the next round on)."""
        with self._lock:
            local = self._states[self.local_endpoint]
            versioned = VersionedValue(value, self._next_version())
            self._states[self.local_endpoint] = local.with_states({state: versioned})
        self._fire([lambda listener: listener.on_change(self.local_endpoint, state, versioned)])

    def announce_shutdown(self) -> None:
        """Tell every live peer this node is shutting down (they mark it DOWN at once); stop gossiping."""
        with self._lock:
            if not self.started:
                return
            self.started = False
            targets = [e for e in self.live_members() if e != self.local_endpoint]
        self.add_local_state(ApplicationState.STATUS, status_value(NodeStatus.SHUTDOWN))
        for target in targets:
            self._send(target, GossipShutdown())

    def advertise_for(self, endpoint: str, states: Mapping[ApplicationState, str]) -> EndpointState | None:
        """Set application states of another, dead ``endpoint`` on its behalf (``removenode``).

        As Cassandra's ``Gossiper.advertiseRemoving``, the state gets a newer generation so every peer
        replaces what it holds instead of comparing versions the endpoint itself issued. ``None`` when the
        endpoint is unknown."""
        with self._lock:
            current = self._states.get(endpoint)
            if current is None:
                return None
            heartbeat = HeartBeatState(current.heartbeat.generation + 1, self._next_version())
            versioned = {k: VersionedValue(v, self._next_version()) for k, v in states.items()}
            updated = replace(current, heartbeat=heartbeat, alive=False).with_states(versioned)
            # the other states too must be newer than anything issued under the old generation
            updated = replace(
                updated,
                states=_frozen(
                    {k: VersionedValue(v.value, self._next_version()) for k, v in updated.states.items()}
                ),
            )
            self._states[endpoint] = updated
            self._echoes.pop(endpoint, None)
            return updated

    def _next_version(self) -> int:
        self._version += 1
        return self._version

    # ------------------------------------------------------------------------------------- queries

    def register(self, listener: GossipListener) -> None:
        self._listeners.append(listener)

    def unregister(self, listener: GossipListener) -> None:
        self._listeners.remove(listener)

    def endpoint_state(self, endpoint: str) -> EndpointState | None:
        with self._lock:
            return self._states.get(endpoint)

    def endpoint_states(self) -> Mapping[str, EndpointState]:
        with self._lock:
            return MappingProxyType(dict(self._states))

    def is_alive(self, endpoint: str) -> bool:
        if endpoint == self.local_endpoint:
            return self.started
        with self._lock:
            state = self._states.get(endpoint)
            return state is not None and state.alive

    def live_members(self) -> tuple[str, ...]:
        """Endpoints currently UP, this node included once started."""
        with self._lock:
            return tuple(sorted(e for e in self._states if self.is_alive(e)))

    def unreachable_members(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(
                sorted(e for e, s in self._states.items() if e != self.local_endpoint and not s.alive)
            )

    def application_state(self, endpoint: str, state: ApplicationState) -> str | None:
        found = self.endpoint_state(endpoint)
        return None if found is None else found.get(state)

    # ----------------------------------------------------------------------------------- the round

    def tick(self) -> None:
        """One gossip round: heartbeat, exchange with chosen peers, then the status check."""
        with self._lock:
            if not self.started:
                return
            local = self._states[self.local_endpoint]
            heartbeat = HeartBeatState(local.heartbeat.generation, self._next_version())
            self._states[self.local_endpoint] = replace(
                local, heartbeat=heartbeat, updated_at_ms=self._clock()
            )
            syn = GossipDigestSyn(self.cluster_name, self._digests())
            live = [e for e in self.live_members() if e != self.local_endpoint]
            unreachable = list(self.unreachable_members())
            targets: list[str] = []
            gossiped_to_seed = False
            if live:
                target = self._rng.choice(live)
                targets.append(target)
                gossiped_to_seed = target in self.seeds
            if unreachable and self._rng.random() < len(unreachable) / (len(live) + 1):
                targets.append(self._rng.choice(unreachable))
            if self._should_gossip_to_seed(live, unreachable, gossiped_to_seed):
                targets.append(self._rng.choice([s for s in self.seeds if s != self.local_endpoint]))
        for target in dict.fromkeys(targets):
            self._send(target, syn)
        self.status_check()

    def _should_gossip_to_seed(self, live: list[str], unreachable: list[str], gossiped_to_seed: bool) -> bool:
        """``maybeGossipToSeed``: always when nobody is live, else with probability seeds / others."""
        seeds = [s for s in self.seeds if s != self.local_endpoint]
        if not seeds or (gossiped_to_seed and len(live) >= len(self.seeds)):
            return False
        return not live or self._rng.random() <= len(seeds) / (len(live) + len(unreachable))

    def status_check(self) -> None:
        """Ask the failure detector about every other endpoint (convictions mark them DOWN)."""
        with self._lock:
            endpoints = [e for e in self._states if e != self.local_endpoint]
        for endpoint in endpoints:
            self.failure_detector.interpret(endpoint)

    def _digests(self) -> tuple[GossipDigest, ...]:
        return tuple(
            GossipDigest(e, s.heartbeat.generation, s.max_version) for e, s in sorted(self._states.items())
        )

    # ------------------------------------------------------------------------------------ receiving

    def receive(self, sender: str, message: GossipMessage) -> None:
        """Handle a gossip message from ``sender`` (replies go out through ``send``)."""
        if isinstance(message, GossipDigestSyn):
            self._on_syn(sender, message)
        elif isinstance(message, GossipDigestAck):
            self._on_ack(sender, message)
        elif isinstance(message, GossipDigestAck2):
            self._apply(message.states)
        elif isinstance(message, GossipShutdown):
            self._on_shutdown(sender)
        elif isinstance(message, GossipEcho):
            if self.started:
                self._send(sender, GossipEchoAck())
        elif isinstance(message, GossipEchoAck):
            self._on_echo_ack(sender)

    def _on_syn(self, sender: str, syn: GossipDigestSyn) -> None:
        if syn.cluster_name != self.cluster_name or not self.started:
            return  # ClusterName mismatch: Cassandra ignores the SYN
        requests: list[GossipDigest] = []
        send_back: dict[str, EndpointState] = {}
        with self._lock:
            mentioned = set()
            for digest in syn.digests:
                mentioned.add(digest.endpoint)
                local = self._states.get(digest.endpoint)
                if local is None:
                    requests.append(GossipDigest(digest.endpoint, digest.generation, 0))
                    continue
                local_gen, local_version = local.heartbeat.generation, local.max_version
                if digest.generation > local_gen:
                    requests.append(GossipDigest(digest.endpoint, digest.generation, 0))
                elif digest.generation < local_gen:
                    send_back[digest.endpoint] = local.newer_than(-1)
                elif digest.max_version > local_version:
                    requests.append(GossipDigest(digest.endpoint, digest.generation, local_version))
                elif digest.max_version < local_version:
                    send_back[digest.endpoint] = local.newer_than(digest.max_version)
            for endpoint, local in self._states.items():
                if endpoint not in mentioned:
                    send_back[endpoint] = local.newer_than(-1)
        self._send(sender, GossipDigestAck(tuple(requests), _frozen(send_back)))

    def _on_ack(self, sender: str, ack: GossipDigestAck) -> None:
        if not self.started:
            return
        self._apply(ack.states)
        with self._lock:
            wanted: dict[str, EndpointState] = {}
            for digest in ack.digests:
                local = self._states.get(digest.endpoint)
                if local is not None:
                    wanted[digest.endpoint] = local.newer_than(digest.max_version)
        self._send(sender, GossipDigestAck2(_frozen(wanted)))

    def _on_shutdown(self, sender: str) -> None:
        events: list[_Event] = []
        with self._lock:
            state = self._states.get(sender)
            if state is None:
                return
            version = state.max_version + 1
            state = state.with_states(
                {ApplicationState.STATUS: VersionedValue(status_value(NodeStatus.SHUTDOWN), version)}
            )
            state = replace(state, heartbeat=HeartBeatState(state.heartbeat.generation, version))
            self._states[sender] = state
            self._echoes.pop(sender, None)
            if state.alive:
                events.extend(self._mark_dead(sender))
        self.failure_detector.force_conviction(sender)
        self._fire(events)

    # ------------------------------------------------------------------------------------- applying

    def _apply(self, remote_states: Mapping[str, EndpointState]) -> None:
        """``Gossiper.applyStateLocally`` (with ``notifyFailureDetector`` first)."""
        events: list[_Event] = []
        now = self._clock()
        for endpoint, remote in sorted(remote_states.items()):
            if endpoint == self.local_endpoint:
                continue
            with self._lock:
                local = self._states.get(endpoint)
                if local is None or remote.heartbeat.generation > local.heartbeat.generation:
                    if local is not None:
                        self.failure_detector.remove(endpoint)
                    self.failure_detector.report(endpoint)
                    events.extend(self._major_change(endpoint, local, remote, now))
                    continue
                if remote.heartbeat.generation < local.heartbeat.generation:
                    continue
                if remote.heartbeat.version > local.heartbeat.version:
                    self.failure_detector.report(endpoint)
                if remote.max_version > local.max_version:
                    events.extend(self._apply_new_states(endpoint, local, remote, now))
                current = self._states[endpoint]
                if not current.alive and not current.is_dead_state and not current.is_shutdown:
                    self._want_echo(endpoint, now)
        self._fire(events)
        self._send_echoes()

    def _major_change(
        self, endpoint: str, local: EndpointState | None, remote: EndpointState, now: float
    ) -> list[_Event]:
        events: list[_Event] = []
        if local is not None:
            events.append(lambda listener: listener.on_restart(endpoint, remote))
        state = replace(remote, alive=False, updated_at_ms=now)
        self._states[endpoint] = state
        self._echoes.pop(endpoint, None)
        events.append(lambda listener: listener.on_join(endpoint, state))
        if local is not None and local.alive:
            events.extend(self._mark_dead(endpoint))
        if not remote.is_dead_state and not remote.is_shutdown:
            self._want_echo(endpoint, now)
        return events

    def _want_echo(self, endpoint: str, now: float) -> None:
        sent = self._echoes.get(endpoint)
        if sent is None or sent < 0 or now - sent > self._echo_timeout:
            self._echoes[endpoint] = -1.0  # to send

    def _send_echoes(self) -> None:
        with self._lock:
            now = self._clock()
            targets = sorted(e for e, sent in self._echoes.items() if sent < 0)
            for endpoint in targets:
                self._echoes[endpoint] = now
        for endpoint in targets:
            self._send(endpoint, GossipEcho())

    def _on_echo_ack(self, sender: str) -> None:
        events: list[_Event] = []
        with self._lock:
            self._echoes.pop(sender, None)
            state = self._states.get(sender)
            if state is not None and not state.alive and not state.is_dead_state and not state.is_shutdown:
                events.extend(self._mark_alive(sender))
        self._fire(events)

    def _apply_new_states(
        self, endpoint: str, local: EndpointState, remote: EndpointState, now: float
    ) -> list[_Event]:
        changed = {
            k: v
            for k, v in remote.states.items()
            if k not in local.states or v.version > local.states[k].version
        }
        heartbeat = max(local.heartbeat, remote.heartbeat)
        updated = replace(local.with_states(changed), heartbeat=heartbeat, updated_at_ms=now)
        self._states[endpoint] = updated
        events: list[_Event] = []
        for key, value in sorted(changed.items(), key=lambda kv: kv[1].version):
            events.append(lambda listener, k=key, v=value: listener.on_change(endpoint, k, v))
        if updated.alive and (updated.is_shutdown or updated.is_dead_state):
            events.extend(self._mark_dead(endpoint))
        return events

    def _mark_alive(self, endpoint: str) -> list[_Event]:
        state = replace(self._states[endpoint], alive=True)
        self._states[endpoint] = state
        return [lambda listener: listener.on_alive(endpoint, state)]

    def _mark_dead(self, endpoint: str) -> list[_Event]:
        state = replace(self._states[endpoint], alive=False)
        self._states[endpoint] = state
        return [lambda listener: listener.on_dead(endpoint, state)]

    def _convict(self, endpoint: str, phi: float) -> None:
        """Failure detector callback (``Gossiper.convict``)."""
        with self._lock:
            state = self._states.get(endpoint)
            if state is None or not state.alive or endpoint == self.local_endpoint:
                return
            events = self._mark_dead(endpoint)
        self._fire(events)

    def remove_endpoint(self, endpoint: str) -> None:
        """Forget ``endpoint`` entirely (removenode / assassinate; decommission once it has LEFT)."""
        with self._lock:
            self._echoes.pop(endpoint, None)
            if self._states.pop(endpoint, None) is None:
                return
        self.failure_detector.remove(endpoint)
        self._fire([lambda listener: listener.on_remove(endpoint)])

    def _fire(self, events: list[_Event]) -> None:
        for event in events:
            for listener in list(self._listeners):
                event(listener)


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))
