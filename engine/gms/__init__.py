"""Gossip and failure detection: who is in the cluster, in what state, and who is UP.

* :mod:`~engine.gms.failure_detector`: phi accrual :class:`FailureDetector` over heartbeat arrivals, with an
  injected clock (``phi_convict_threshold`` 8, as Cassandra).
* :mod:`~engine.gms.endpoint_state`: heartbeats and versioned application states (``STATUS``, ``LOAD``,
  ``SCHEMA``, ``HOST_ID``, ``TOKENS``, ``DC``, ``RACK``, ``RELEASE_VERSION`` …), immutable values.
* :mod:`~engine.gms.gossiper`: the :class:`Gossiper` protocol (SYN/ACK/ACK2, echo, shutdown), stepped
  with ``tick()``, sending through an injected callable so it needs no particular transport, and
  :class:`GossipListener` callbacks for joins, changes, UP and DOWN.

No threads and no wall clock here: a running node drives ``tick()`` from its own timer.
"""

from engine.gms.endpoint_state import (
    ApplicationState,
    EndpointState,
    HeartBeatState,
    NodeStatus,
    VersionedValue,
    parse_status,
    parse_tokens,
    status_value,
    tokens_value,
)
from engine.gms.failure_detector import DEFAULT_PHI_CONVICT_THRESHOLD, PHI_FACTOR, FailureDetector
from engine.gms.gossiper import (
    GossipDigest,
    GossipDigestAck,
    GossipDigestAck2,
    GossipDigestSyn,
    GossipEcho,
    GossipEchoAck,
    Gossiper,
    GossipListener,
    GossipMessage,
    GossipShutdown,
)

__all__ = [
    "DEFAULT_PHI_CONVICT_THRESHOLD",
    "PHI_FACTOR",
    "ApplicationState",
    "EndpointState",
    "FailureDetector",
    "GossipDigest",
    "GossipDigestAck",
    "GossipDigestAck2",
    "GossipDigestSyn",
    "GossipEcho",
    "GossipEchoAck",
    "GossipListener",
    "GossipMessage",
    "GossipShutdown",
    "Gossiper",
    "HeartBeatState",
    "NodeStatus",
    "VersionedValue",
    "parse_status",
    "parse_tokens",
    "status_value",
    "tokens_value",
]
