"""Message kinds between nodes (Cassandra's ``net.Verb``), their replies and timeouts, and failure reasons.

Each request verb names the verb its reply travels with (``MUTATION_REQ`` → ``MUTATION_RSP``) and the
timeout a coordinator waits for it by default, from ``cassandra.yaml``'s defaults:
``write_request_timeout`` 2 s, ``read_request_timeout`` 5 s, ``range_request_timeout`` 10 s,
``counter_write_request_timeout`` 5 s, ``cas_contention_timeout`` 1 s, ``truncate_request_timeout`` 60 s,
``request_timeout`` 10 s for everything else. One-way verbs (gossip, hints' fire-and-forget paths) have no
reply. A replica that cannot serve a request answers ``FAILURE_RSP`` carrying a
:class:`RequestFailureReason` (its codes are what the native protocol v5 reason map carries).

**Per-node timeouts.** Each node's messaging holds a :class:`Timeouts`: the value of every
:class:`TimeoutType` (``nodetool gettimeout``/``settimeout``'s names), the defaults above until changed.
A request's expiry timer uses the node's current value for its verb's type, so ``settimeout write 500``
makes the node's writes to an unresponsive replica fail after 500 ms. A change lasts until the node's
process ends, as a JMX change lasts until Cassandra restarts.
"""

from __future__ import annotations

import enum
import threading
from types import MappingProxyType

WRITE_TIMEOUT_MS = 2000.0
READ_TIMEOUT_MS = 5000.0
RANGE_TIMEOUT_MS = 10_000.0
COUNTER_WRITE_TIMEOUT_MS = 5000.0
CAS_CONTENTION_TIMEOUT_MS = 1000.0
TRUNCATE_TIMEOUT_MS = 60_000.0
REQUEST_TIMEOUT_MS = 10_000.0


class Verb(enum.Enum):
    # writes
    MUTATION_REQ = "MUTATION_REQ"
    MUTATION_RSP = "MUTATION_RSP"
    COUNTER_MUTATION_REQ = "COUNTER_MUTATION_REQ"
    COUNTER_MUTATION_RSP = "COUNTER_MUTATION_RSP"
    HINT_REQ = "HINT_REQ"
    HINT_RSP = "HINT_RSP"
    BATCH_STORE_REQ = "BATCH_STORE_REQ"
    BATCH_STORE_RSP = "BATCH_STORE_RSP"
    BATCH_REMOVE_REQ = "BATCH_REMOVE_REQ"
    BATCH_REMOVE_RSP = "BATCH_REMOVE_RSP"
    TRUNCATE_REQ = "TRUNCATE_REQ"
    TRUNCATE_RSP = "TRUNCATE_RSP"
    # reads
    READ_REQ = "READ_REQ"
    READ_RSP = "READ_RSP"
    RANGE_REQ = "RANGE_REQ"
    RANGE_RSP = "RANGE_RSP"
    READ_REPAIR_REQ = "READ_REPAIR_REQ"
    READ_REPAIR_RSP = "READ_REPAIR_RSP"
    # lightweight transactions
    PAXOS_PREPARE_REQ = "PAXOS_PREPARE_REQ"
    PAXOS_PREPARE_RSP = "PAXOS_PREPARE_RSP"
    PAXOS_PROPOSE_REQ = "PAXOS_PROPOSE_REQ"
    PAXOS_PROPOSE_RSP = "PAXOS_PROPOSE_RSP"
    PAXOS_COMMIT_REQ = "PAXOS_COMMIT_REQ"
    PAXOS_COMMIT_RSP = "PAXOS_COMMIT_RSP"
    # gossip and liveness
    GOSSIP_DIGEST_SYN = "GOSSIP_DIGEST_SYN"
    GOSSIP_DIGEST_ACK = "GOSSIP_DIGEST_ACK"
    GOSSIP_DIGEST_ACK2 = "GOSSIP_DIGEST_ACK2"
    GOSSIP_SHUTDOWN = "GOSSIP_SHUTDOWN"
    ECHO_REQ = "ECHO_REQ"
    ECHO_RSP = "ECHO_RSP"
    # schema
    SCHEMA_PUSH_REQ = "SCHEMA_PUSH_REQ"
    SCHEMA_PUSH_RSP = "SCHEMA_PUSH_RSP"
    SCHEMA_PULL_REQ = "SCHEMA_PULL_REQ"
    SCHEMA_PULL_RSP = "SCHEMA_PULL_RSP"
    SCHEMA_VERSION_REQ = "SCHEMA_VERSION_REQ"
    SCHEMA_VERSION_RSP = "SCHEMA_VERSION_RSP"
    # repair and streaming
    VALIDATION_REQ = "VALIDATION_REQ"
    VALIDATION_RSP = "VALIDATION_RSP"
    SYNC_REQ = "SYNC_REQ"
    SYNC_RSP = "SYNC_RSP"
    STREAM_REQ = "STREAM_REQ"
    STREAM_RSP = "STREAM_RSP"
    SNAPSHOT_REQ = "SNAPSHOT_REQ"
    SNAPSHOT_RSP = "SNAPSHOT_RSP"
    # the reply of any request a replica could not serve
    FAILURE_RSP = "FAILURE_RSP"

    @property
    def is_response(self) -> bool:
        return self.value.endswith("_RSP")

    @property
    def response(self) -> Verb | None:
        """The verb replies to this request travel with (``None`` for one-way verbs and replies)."""
        if not self.value.endswith("_REQ"):
            return None
        return Verb[self.value[: -len("_REQ")] + "_RSP"]

    @property
    def timeout_ms(self) -> float:
        """How long a coordinator waits for the reply by default."""
        return _TIMEOUTS.get(self, REQUEST_TIMEOUT_MS)


_TIMEOUTS = MappingProxyType(
    {
        Verb.MUTATION_REQ: WRITE_TIMEOUT_MS,
        Verb.HINT_REQ: WRITE_TIMEOUT_MS,
        Verb.BATCH_STORE_REQ: WRITE_TIMEOUT_MS,
        Verb.BATCH_REMOVE_REQ: WRITE_TIMEOUT_MS,
        Verb.PAXOS_COMMIT_REQ: WRITE_TIMEOUT_MS,
        Verb.COUNTER_MUTATION_REQ: COUNTER_WRITE_TIMEOUT_MS,
        Verb.READ_REQ: READ_TIMEOUT_MS,
        Verb.READ_REPAIR_REQ: WRITE_TIMEOUT_MS,
        Verb.RANGE_REQ: RANGE_TIMEOUT_MS,
        Verb.PAXOS_PREPARE_REQ: CAS_CONTENTION_TIMEOUT_MS,
        Verb.PAXOS_PROPOSE_REQ: CAS_CONTENTION_TIMEOUT_MS,
        Verb.TRUNCATE_REQ: TRUNCATE_TIMEOUT_MS,
    }
)


class RequestFailureReason(enum.IntEnum):
    """Why a replica failed a request (Cassandra 5.0's ``RequestFailureReason``; v5 reason-map codes)."""

    UNKNOWN = 0
    READ_TOO_MANY_TOMBSTONES = 1
    TIMEOUT = 2
    INCOMPATIBLE_SCHEMA = 3
    READ_SIZE = 4
    NODE_DOWN = 5
    INDEX_NOT_AVAILABLE = 6
    READ_TOO_MANY_INDEXES = 7


class TimeoutType(enum.Enum):
    """The timeouts ``nodetool gettimeout``/``settimeout`` name (``NodeProbe.getTimeout``'s types)."""

    READ = "read"
    RANGE = "range"
    WRITE = "write"
    COUNTER_WRITE = "counterwrite"
    CAS_CONTENTION = "cascontention"
    TRUNCATE = "truncate"
    INTERNODE_CONNECT = "internodeconnect"
    INTERNODE_USER = "internodeuser"
    INTERNODE_STREAMING_USER = "internodestreaminguser"
    MISC = "misc"  # request_timeout: every verb without a timeout of its own


#: cassandra.yaml's defaults (``internode_tcp_connect_timeout`` 2 s, ``internode_tcp_user_timeout`` 30 s,
#: ``internode_streaming_tcp_user_timeout`` 5 min).
DEFAULT_TIMEOUTS_MS = MappingProxyType(
    {
        TimeoutType.READ: int(READ_TIMEOUT_MS),
        TimeoutType.RANGE: int(RANGE_TIMEOUT_MS),
        TimeoutType.WRITE: int(WRITE_TIMEOUT_MS),
        TimeoutType.COUNTER_WRITE: int(COUNTER_WRITE_TIMEOUT_MS),
        TimeoutType.CAS_CONTENTION: int(CAS_CONTENTION_TIMEOUT_MS),
        TimeoutType.TRUNCATE: int(TRUNCATE_TIMEOUT_MS),
        TimeoutType.INTERNODE_CONNECT: 2000,
        TimeoutType.INTERNODE_USER: 30_000,
        TimeoutType.INTERNODE_STREAMING_USER: 300_000,
        TimeoutType.MISC: int(REQUEST_TIMEOUT_MS),
    }
)

_VERB_TIMEOUT_TYPES = MappingProxyType(
    {
        Verb.MUTATION_REQ: TimeoutType.WRITE,
        Verb.HINT_REQ: TimeoutType.WRITE,
        Verb.BATCH_STORE_REQ: TimeoutType.WRITE,
        Verb.BATCH_REMOVE_REQ: TimeoutType.WRITE,
        Verb.PAXOS_COMMIT_REQ: TimeoutType.WRITE,
        Verb.READ_REPAIR_REQ: TimeoutType.WRITE,
        Verb.COUNTER_MUTATION_REQ: TimeoutType.COUNTER_WRITE,
        Verb.READ_REQ: TimeoutType.READ,
        Verb.RANGE_REQ: TimeoutType.RANGE,
        Verb.PAXOS_PREPARE_REQ: TimeoutType.CAS_CONTENTION,
        Verb.PAXOS_PROPOSE_REQ: TimeoutType.CAS_CONTENTION,
        Verb.TRUNCATE_REQ: TimeoutType.TRUNCATE,
    }
)


def timeout_type(verb: Verb) -> TimeoutType:
    """The timeout a request with ``verb`` expires after (``misc`` for verbs without their own)."""
    return _VERB_TIMEOUT_TYPES.get(verb, TimeoutType.MISC)


class Timeouts:
    """One node's current timeouts in milliseconds (settable at run time, like Cassandra's over JMX)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ms: dict[TimeoutType, int] = dict(DEFAULT_TIMEOUTS_MS)

    def get(self, kind: TimeoutType) -> int:
        with self._lock:
            return self._ms[kind]

    def set(self, kind: TimeoutType, ms: int) -> None:
        if ms < 0:
            raise ValueError("timeout must be non-negative")
        with self._lock:
            self._ms[kind] = ms

    def for_verb(self, verb: Verb) -> float:
        """How long a request with ``verb`` waits for its reply."""
        return float(self.get(timeout_type(verb)))
