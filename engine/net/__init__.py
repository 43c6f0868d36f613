"""Messaging between the nodes of a cluster: in-process, deterministic when stepped, with faults.

* :mod:`~engine.net.verbs`: :class:`Verb` (``MUTATION_REQ``/``RSP``, ``READ_REQ``/``RSP``, ``HINT_REQ``,
  ``PAXOS_*``, ``GOSSIP_*``, ``ECHO_*`` …) with reply verbs and default timeouts;
  :class:`RequestFailureReason`.
* :mod:`~engine.net.message`: :class:`Message`, a frozen envelope around an opaque payload.
* :mod:`~engine.net.network`: the shared :class:`Network` — event queue, timers, ``down``/``up``,
  ``partition``/``heal``, ``drop``, ``delay``; stepped (``deliver_all``, ``advance``) or real-time
  (``start``/``stop`` with a background thread).
* :mod:`~engine.net.messaging`: each node's :class:`MessagingService` — verb handlers, ``send``,
  ``send_request`` with callbacks and timeouts, ``reply``.

A TCP transport between processes can later implement the same :class:`Network` surface.
"""

from engine.net.message import FailureResponse, Message
from engine.net.messaging import MessagingService, RequestFailed
from engine.net.network import DropRule, Network, TimerHandle, VirtualClock
from engine.net.verbs import RequestFailureReason, Verb

__all__ = [
    "DropRule",
    "FailureResponse",
    "Message",
    "MessagingService",
    "Network",
    "RequestFailed",
    "RequestFailureReason",
    "TimerHandle",
    "Verb",
    "VirtualClock",
]
