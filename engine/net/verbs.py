"""Message kinds between nodes (Cassandra's ``net.Verb``), their replies and timeouts, and failure reasons.

Each request verb names the verb its reply travels with (``MUTATION_REQ`` → ``MUTATION_RSP``) and the
timeout a coordinator waits for it by default, from ``cassandra.yaml``'s defaults:
``write_request_timeout`` 2 s, ``read_request_timeout`` 5 s, ``range_request_timeout`` 10 s,
``counter_write_request_timeout`` 5 s, ``cas_contention_timeout`` 1 s, ``truncate_request_timeout`` 60 s,
``request_timeout`` 10 s for everything else. One-way verbs (gossip, hints' fire-and-forget paths) have no
reply. A replica that cannot serve a request answers ``FAILURE_RSP`` carrying a
:class:`RequestFailureReason` (its codes are what the native protocol v5 reason map carries).
"""

from __future__ import annotations

import enum
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
