"""The replica side of the data verbs: what a node does when a coordinator writes to or reads from it.

* ``MUTATION_REQ``, ``READ_REPAIR_REQ``: apply the :class:`~engine.db.mutation.Mutation`
  (commitlog, then memtable) and acknowledge;
* ``READ_REQ``: answer the partition, or its digest (:class:`~engine.service.commands.ReadCommand`);
* ``RANGE_REQ``: answer the partitions of a token range;
* ``TRUNCATE_REQ``: truncate the table here (with Cassandra's automatic snapshot).

A replica that does not know the table (the schema has not reached it yet) answers ``FAILURE_RSP`` with
``INCOMPATIBLE_SCHEMA``, as Cassandra does for an unknown table id.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from engine.db.column_family_store import ColumnFamilyStore
from engine.db.local_storage import LocalStorage
from engine.db.mutation import Mutation
from engine.net import Message, MessagingService, RequestFailed, RequestFailureReason, Verb
from engine.service.commands import (
    RangeCommand,
    RangeResponse,
    ReadCommand,
    ReadResponse,
    TruncateCommand,
    digest,
)


class ReplicaHandlers:
    """Registers the data verbs of one node on its messaging service."""

    def __init__(
        self, storage: LocalStorage, messaging: MessagingService, truncate: Callable[[uuid.UUID], None]
    ) -> None:
        self._storage = storage
        self._messaging = messaging
        self._truncate = truncate
        # HINT_REQ is the hints service's (a hint may be for another node: engine.hints)
        for verb in (Verb.MUTATION_REQ, Verb.READ_REPAIR_REQ):
            messaging.register(verb, self._on_mutation)
        messaging.register(Verb.READ_REQ, self._on_read)
        messaging.register(Verb.RANGE_REQ, self._on_range)
        messaging.register(Verb.TRUNCATE_REQ, self._on_truncate)

    def _store(self, table_id: uuid.UUID) -> ColumnFamilyStore:
        try:
            return self._storage.table(table_id)
        except KeyError:
            raise RequestFailed(
                RequestFailureReason.INCOMPATIBLE_SCHEMA, f"unknown table {table_id}"
            ) from None

    def apply(self, mutation: Mutation) -> None:
        for table_id, _ in mutation.updates:
            self._store(table_id)
        self._storage.apply(mutation)

    def _on_mutation(self, message: Message) -> None:
        mutation = message.payload
        assert isinstance(mutation, Mutation)
        self.apply(mutation)
        self._messaging.reply(message)

    def read(self, command: ReadCommand) -> ReadResponse:
        store = self._store(command.table_id)
        if command.slices is None:
            partition = store.get(command.key, command.token)
        else:
            partition = store.read_partition(command.key, command.token, command.slices)
        if command.digest_only:
            return ReadResponse(digest=digest(partition), is_digest=True)
        return ReadResponse(partition, digest(partition))

    def _on_read(self, message: Message) -> None:
        command = message.payload
        assert isinstance(command, ReadCommand)
        self._messaging.reply(message, self.read(command))

    def scan(self, command: RangeCommand) -> RangeResponse:
        return RangeResponse(tuple(self._store(command.table_id).scan(command.start, command.end)))

    def _on_range(self, message: Message) -> None:
        command = message.payload
        assert isinstance(command, RangeCommand)
        self._messaging.reply(message, self.scan(command))

    def _on_truncate(self, message: Message) -> None:
        command = message.payload
        assert isinstance(command, TruncateCommand)
        self._store(command.table_id)
        self._truncate(command.table_id)
        self._messaging.reply(message)
