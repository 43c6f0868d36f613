"""Moving the data of token ranges between nodes: one node runs the transfers of a ring change.

A :class:`StreamSession` belongs to the node that drives the change (the joining node for bootstrap, the
leaving node for decommission, any live node for removenode) and runs a plan's
:class:`~engine.streaming.plan.Transfer` list table by table:

1. **read** the range at the source: the local store when the source is this node, else a
   ``RANGE_REQ`` (the same range read repair uses) — every partition with its tombstones and timestamps,
   so the target reconciles it with whatever it already holds exactly as a replica would;
2. **write** it at the target: applied locally through the replica's write path (commitlog, then
   memtable) when the target is this node, else sent as ``STREAM_REQ`` batches of
   :data:`BATCH_PARTITIONS` partitions that the target applies the same way before it answers.

Cassandra streams whole SSTable sections between processes; in one process the partitions themselves
travel, which lands the same cells. A request that fails or times out fails the session with
Cassandra's ``Stream failed``, and the ring change is not completed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from engine.db.local_storage import LocalStorage
from engine.db.mutation import Mutation
from engine.db.rows import PartitionUpdate
from engine.net import MessagingService, Verb
from engine.repair.messages import StreamRequest, spans
from engine.schema.metadata import Schema
from engine.service.awaiting import wait_until
from engine.service.commands import RangeCommand, RangeResponse
from engine.service.replica import ReplicaHandlers
from engine.service.response_handlers import Replies
from engine.streaming.plan import STORAGE_PORT, Transfer

log = logging.getLogger(__name__)

#: Partitions per ``STREAM_REQ`` message.
BATCH_PARTITIONS = 200
#: How long one streaming request may take (cassandra.yaml's ``streaming_keep_alive_period`` is longer;
#: in one process a request either answers at once or its node is gone).
STREAM_REQUEST_TIMEOUT_MS = 60_000.0


class StreamFailed(Exception):
    """A transfer that could not complete (Cassandra's ``StreamException: Stream failed``)."""


@dataclass(frozen=True, slots=True)
class StreamResult:
    """What a session moved: partitions sent or applied, and the transfers run."""

    plan_id: uuid.UUID
    transfers: int
    partitions: int


class StreamSession:
    def __init__(
        self,
        *,
        messaging: MessagingService,
        replica: ReplicaHandlers,
        storage: LocalStorage,
        schema: Callable[[], Schema],
        node_name: str | None = None,
    ) -> None:
        self._log_extra = {} if node_name is None else {"node": node_name}  # whose system.log it goes to
        self._messaging = messaging
        self._replica = replica
        self._storage = storage
        self._schema = schema

    @property
    def endpoint(self) -> str:
        return self._messaging.endpoint

    def run(self, transfers: Sequence[Transfer], description: str = "Bootstrap") -> StreamResult:
        """Run every transfer; ``description`` names the plan in the node's log, as Cassandra's
        ``StreamPlan`` does (``Bootstrap``, ``Unbootstrap``, ``Removenode``)."""
        plan_id = uuid.uuid4()
        log.info("[Stream #%s] Executing streaming plan for %s", plan_id, description, extra=self._log_extra)
        moved = 0
        for transfer in transfers:
            keyspace = self._schema().keyspace(transfer.keyspace)
            if keyspace is None:
                continue  # dropped while the change ran: nothing to move
            for table in keyspace.tables.values():
                if table.virtual:
                    continue
                partitions = self._read(transfer, table.id)
                mutations = [Mutation(table.keyspace, p.key, ((table.id, p),)) for p in partitions]
                self._write(plan_id, transfer.target, mutations)
                moved += len(mutations)
        log.info("[Stream #%s] All sessions completed", plan_id, extra=self._log_extra)
        return StreamResult(plan_id, len(transfers), moved)

    # ------------------------------------------------------------------------------------ reading

    def _read(self, transfer: Transfer, table_id: uuid.UUID) -> list[PartitionUpdate]:
        out: list[PartitionUpdate] = []
        for start, end in spans(transfer.token_range):
            command = RangeCommand(table_id, start, end)
            if transfer.source == self.endpoint:
                response = self._replica.scan(command)
            else:
                response = self._ask(transfer.source, Verb.RANGE_REQ, command)
            assert isinstance(response, RangeResponse)
            out.extend(p for p in response.partitions if p.token in transfer.token_range)
        return out

    # ------------------------------------------------------------------------------------ writing

    def _write(self, plan_id: uuid.UUID, target: str, mutations: Sequence[Mutation]) -> None:
        if target == self.endpoint:
            for mutation in mutations:
                self._replica.apply(mutation)
            return
        for batch in _batches(mutations, BATCH_PARTITIONS):
            self._ask(target, Verb.STREAM_REQ, StreamRequest(plan_id, tuple(batch)))

    def _ask(self, endpoint: str, verb: Verb, payload: object) -> object:
        replies = Replies([endpoint])
        self._messaging.send_request(
            endpoint,
            verb,
            payload,
            on_response=lambda message: replies.respond(message.sender, message.payload),
            on_failure=replies.fail,
            timeout_ms=STREAM_REQUEST_TIMEOUT_MS,
        )
        network = self._messaging.network
        wait_until(network, replies.condition, lambda: replies.complete, STREAM_REQUEST_TIMEOUT_MS)
        if endpoint not in replies.replies:
            raise StreamFailed(f"Stream failed: {verb.name} to /{endpoint}:{STORAGE_PORT} did not complete")
        return replies.replies[endpoint]


def _batches(items: Sequence[Mutation], size: int) -> Iterable[Sequence[Mutation]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
