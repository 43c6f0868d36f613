"""The admin seam's questions about a node's place on the network: messaging, gossip, seeds, timeouts and
the latencies of the requests it coordinated (``nodetool netstats``, ``gossipinfo``, ``getseeds``,
``gettimeout``/``settimeout``, ``proxyhistograms``).

:class:`NetworkProbe` is mixed into :class:`~engine.probe.node_probe.NodeProbe`; it reads:

* the node's gossip state (``engine.gms``) — every endpoint's heartbeat and application states, as the
  node asked knows them;
* the shared network's per-sender counters (``engine.net.network``): a node's messages to other nodes,
  split as Cassandra splits its outbound connections — gossip verbs on the gossip (urgent) connection,
  everything else on the small-message one. cqlkit's in-process messages are never serialized, so none
  travels on a large-message connection (that row stays 0);
* the node's messaging :class:`~engine.net.verbs.Timeouts`;
* the coordinator's :class:`~engine.service.client_request_metrics.ClientRequestMetrics` when its proxy is
  metered (else the histograms are empty and the read-repair counters 0, as a node that served nothing).

A node alone in its cluster does not gossip and sends no messages: it knows no gossip state, has no seeds
and no messaging counters, and keeps its timeouts at their defaults.
"""

from __future__ import annotations

import enum
import ipaddress
from dataclasses import dataclass
from typing import Any

from engine.cluster.local_tables import STORAGE_PORT
from engine.gms import ApplicationState
from engine.net.verbs import DEFAULT_TIMEOUTS_MS, TimeoutType, Verb
from engine.probe.endpoint import NodeState
from engine.probe.tables import percentiles
from engine.probe.values import Percentiles, ProbeArgumentError, ProbeError
from engine.service.client_request_metrics import RequestKind, metrics_of

#: ``GetTimeout.TIMEOUT_TYPES``: the text nodetool's timeout errors list
TIMEOUT_TYPES = (
    "read, range, write, counterwrite, cascontention, truncate, internodeconnect, internodeuser, "
    "internodestreaminguser, misc (general rpc_timeout_in_ms)"
)

#: Cassandra 5.0's ``ApplicationState`` in declaration order: gossipinfo prints states in this order
_STATE_ORDER = [
    "STATUS",
    "LOAD",
    "SCHEMA",
    "DC",
    "RACK",
    "RELEASE_VERSION",
    "REMOVAL_COORDINATOR",
    "INTERNAL_IP",
    "RPC_ADDRESS",
    "X_11_PADDING",
    "SEVERITY",
    "NET_VERSION",
    "HOST_ID",
    "TOKENS",
    "RPC_READY",
    "INTERNAL_ADDRESS_AND_PORT",
    "NATIVE_ADDRESS_AND_PORT",
    "STATUS_WITH_PORT",
    "SSTABLE_VERSIONS",
    "DISK_USAGE",
    "INDEX_STATUS",
]

_GOSSIP_VERBS = frozenset(
    {
        Verb.GOSSIP_DIGEST_SYN,
        Verb.GOSSIP_DIGEST_ACK,
        Verb.GOSSIP_DIGEST_ACK2,
        Verb.GOSSIP_SHUTDOWN,
        Verb.ECHO_REQ,
        Verb.ECHO_RSP,
    }
)


class OperationMode(enum.Enum):
    """``StorageService.Mode`` (netstats' ``Mode:`` line)."""

    STARTING = "STARTING"
    NORMAL = "NORMAL"
    JOINING = "JOINING"
    LEAVING = "LEAVING"
    DECOMMISSIONED = "DECOMMISSIONED"
    MOVING = "MOVING"
    DRAINING = "DRAINING"
    DRAINED = "DRAINED"


@dataclass(frozen=True, slots=True)
class MessagePoolStats:
    """One outbound connection kind of netstats: messages queued, delivered and lost (all peers)."""

    name: str
    pending: int
    completed: int
    dropped: int


@dataclass(frozen=True, slots=True)
class NetStats:
    mode: OperationMode
    read_repair_attempted: int
    read_repair_repaired_blocking: int
    read_repair_repaired_background: int
    pools: tuple[MessagePoolStats, ...]  # Large, Small, Gossip messages


@dataclass(frozen=True, slots=True)
class GossipStateEntry:
    name: str  # the ApplicationState name
    version: int
    value: str


@dataclass(frozen=True, slots=True)
class GossipEndpointInfo:
    """What the asked node's gossip knows of one endpoint (``gossipinfo``); TOKENS apart, as nodetool
    prints only their version."""

    address: str
    storage_port: int
    generation: int
    heartbeat: int
    states: tuple[GossipStateEntry, ...]
    tokens_version: int | None

    @property
    def address_and_port(self) -> str:
        return f"{self.address}:{self.storage_port}"


@dataclass(frozen=True, slots=True)
class ProxyHistograms:
    """Coordinator latencies (µs) by request kind since the node started."""

    read: Percentiles
    write: Percentiles
    range_slice: Percentiles
    cas_read: Percentiles
    cas_write: Percentiles
    view_write: Percentiles


def parse_timeout_type(name: str) -> TimeoutType:
    try:
        return TimeoutType(name)
    except ValueError:
        raise ProbeArgumentError(f"Timeout type requires one of ({TIMEOUT_TYPES})") from None


def _address_key(address: str) -> tuple[int, Any]:
    try:
        return (0, ipaddress.ip_address(address))
    except ValueError:
        return (1, address)


class NetworkProbe:
    """NodeProbe's network questions (mixed into :class:`~engine.probe.node_probe.NodeProbe`)."""

    node: Any

    @property
    def _membership(self) -> Any:
        return getattr(self.node, "membership", None)

    # --------------------------------------------------------------------------------- netstats

    def operation_mode(self) -> OperationMode:
        state = self.local.state  # type: ignore[attr-defined]
        return {
            NodeState.JOINING: OperationMode.JOINING,
            NodeState.LEAVING: OperationMode.LEAVING,
            NodeState.MOVING: OperationMode.MOVING,
        }.get(state, OperationMode.NORMAL)

    def net_stats(self) -> NetStats:
        metrics = metrics_of(getattr(self.node, "proxy", None))
        repair = metrics.read_repair if metrics is not None else None
        pending = {"Large messages": 0, "Small messages": 0, "Gossip messages": 0}
        completed = dict.fromkeys(pending, 0)
        dropped = dict.fromkeys(pending, 0)
        membership = self._membership
        if membership is not None:
            network = membership.network
            address = membership.address
            for counter, into in (
                (network.outbound_pending, pending),
                (network.outbound_completed, completed),
                (network.outbound_dropped, dropped),
            ):
                for (sender, verb), count in list(counter.items()):
                    if sender == address:
                        into["Gossip messages" if verb in _GOSSIP_VERBS else "Small messages"] += count
        return NetStats(
            mode=self.operation_mode(),
            read_repair_attempted=repair.attempted if repair is not None else 0,
            read_repair_repaired_blocking=repair.repaired_blocking if repair is not None else 0,
            read_repair_repaired_background=repair.repaired_background if repair is not None else 0,
            pools=tuple(MessagePoolStats(n, pending[n], completed[n], dropped[n]) for n in pending),
        )

    # ------------------------------------------------------------------------------- gossipinfo

    def gossip_info(self) -> tuple[GossipEndpointInfo, ...]:
        """Every endpoint the node's gossip knows, by address."""
        membership = self._membership
        if membership is None:
            return ()
        found = []
        states = membership.gossiper.endpoint_states()
        for address in sorted(states, key=_address_key):
            state = states[address]
            entries = sorted(
                (
                    GossipStateEntry(kind.name, value.version, value.value)
                    for kind, value in state.states.items()
                    if kind is not ApplicationState.TOKENS
                ),
                key=lambda e: (
                    _STATE_ORDER.index(e.name) if e.name in _STATE_ORDER else len(_STATE_ORDER),
                    e.name,
                ),
            )
            tokens = state.states.get(ApplicationState.TOKENS)
            found.append(
                GossipEndpointInfo(
                    address=address,
                    storage_port=STORAGE_PORT,
                    generation=state.heartbeat.generation,
                    heartbeat=state.heartbeat.version,
                    states=tuple(entries),
                    tokens_version=tokens.version if tokens is not None else None,
                )
            )
        return tuple(found)

    def seeds(self) -> tuple[str, ...]:
        """``Gossiper.getSeeds``: the seeds other than this node, as ``/address:port``."""
        membership = self._membership
        if membership is None:
            return ()
        return tuple(
            f"/{seed}:{STORAGE_PORT}"
            for seed in sorted(membership.gossiper.seeds, key=_address_key)
            if seed != membership.address
        )

    # --------------------------------------------------------------------------------- timeouts

    def timeout(self, name: str) -> int:
        """``gettimeout``: the node's current timeout of type ``name`` in ms."""
        kind = parse_timeout_type(name)
        membership = self._membership
        if membership is None:
            return DEFAULT_TIMEOUTS_MS[kind]
        return int(membership.messaging.timeouts.get(kind))

    def set_timeout(self, name: str, ms: int) -> None:
        """``settimeout``: the node's requests of that type expire after ``ms`` from now on."""
        if ms < 0:
            raise ProbeArgumentError("timeout must be non-negative")
        kind = parse_timeout_type(name)
        membership = self._membership
        if membership is None:
            raise ProbeError(f"{self.node.name} is alone in its cluster: it sends no request that times out")
        membership.messaging.timeouts.set(kind, ms)

    # -------------------------------------------------------------------------- proxyhistograms

    def proxy_histograms(self) -> ProxyHistograms:
        metrics = metrics_of(getattr(self.node, "proxy", None))
        if metrics is None:
            empty = Percentiles(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
            return ProxyHistograms(empty, empty, empty, empty, empty, empty)

        def of(kind: RequestKind) -> Percentiles:
            return percentiles(metrics.latencies[kind].snapshot())

        return ProxyHistograms(
            read=of(RequestKind.READ),
            write=of(RequestKind.WRITE),
            range_slice=of(RequestKind.RANGE_SLICE),
            cas_read=of(RequestKind.CAS_READ),
            cas_write=of(RequestKind.CAS_WRITE),
            view_write=of(RequestKind.VIEW_WRITE),
        )
