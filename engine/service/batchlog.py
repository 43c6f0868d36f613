"""The batchlog: logged batches are written somewhere safe before they are applied, so they apply fully.

A LOGGED batch touching several partitions must not apply partly if its coordinator dies half-way
(Cassandra's ``StorageProxy.mutateAtomically``). The coordinator first stores the whole batch on up to two
other live nodes of its datacenter (``BATCH_STORE_REQ``; itself only when it is its datacenter's only node,
or at ``ANY`` when nobody else is up), waiting for all of them (``WriteTimeout`` with write type
``BATCH_LOG`` otherwise; ``Unavailable`` at ``ONE`` when nobody can take it), then writes the mutations
normally (write type ``BATCH``), then tells the batchlog nodes to drop the batch (``BATCH_REMOVE_REQ``).

A node holding a batch that was never removed replays it once it is older than the batchlog timeout
(twice the write timeout, as Cassandra): every mutation goes to its live replicas, and a hint is kept for
each replica that is down or does not acknowledge; then the batch is deleted (the hints carry on).
Replays are checked every 10 s on the network's timers.

**On disk**: one file per batch, ``<node>/batches/<batch id>.batch``, holding the batch's mutations as
framed, checksummed records in the hints file format (:mod:`engine.hints.hint_file`, the creation time
in each record), written and fsynced before the store is acknowledged.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.db.mutation import Mutation
from engine.hints import Hint, hint_file
from engine.net import Message, MessagingService, Network, Verb
from engine.net.verbs import WRITE_TIMEOUT_MS

SUFFIX = ".batch"
#: Cassandra's ``BatchlogManager.getBatchlogTimeout``: twice the write timeout.
BATCHLOG_TIMEOUT_MS = 2 * WRITE_TIMEOUT_MS
REPLAY_INTERVAL_MS = 10_000.0


@dataclass(frozen=True, slots=True)
class Batch:
    id: uuid.UUID
    created_at_ms: int
    mutations: tuple[Mutation, ...]


@dataclass(frozen=True, slots=True)
class BatchRemove:
    id: uuid.UUID


class BatchlogStore:
    """One node's stored batches; serves ``BATCH_STORE_REQ`` and ``BATCH_REMOVE_REQ``."""

    def __init__(self, directory: Path, messaging: MessagingService) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._messaging = messaging
        self._lock = threading.Lock()
        messaging.register(Verb.BATCH_STORE_REQ, self._on_store)
        messaging.register(Verb.BATCH_REMOVE_REQ, self._on_remove)

    def _path(self, batch_id: uuid.UUID) -> Path:
        return self.directory / f"{batch_id}{SUFFIX}"

    def store(self, batch: Batch) -> None:
        with self._lock:
            hint_file.append(self._path(batch.id), [Hint(batch.created_at_ms, m) for m in batch.mutations])

    def remove(self, batch_id: uuid.UUID) -> None:
        with self._lock:
            self._path(batch_id).unlink(missing_ok=True)

    def batches(self) -> list[Batch]:
        """Every stored batch, oldest first."""
        out = []
        with self._lock:
            for path in self.directory.glob(f"*{SUFFIX}"):
                hints = list(hint_file.read(path))
                created = hints[0].created_at_ms if hints else 0
                out.append(
                    Batch(
                        uuid.UUID(path.name.removesuffix(SUFFIX)), created, tuple(h.mutation for h in hints)
                    )
                )
        return sorted(out, key=lambda b: (b.created_at_ms, str(b.id)))

    def _on_store(self, message: Message) -> None:
        assert isinstance(message.payload, Batch)
        self.store(message.payload)
        self._messaging.reply(message)

    def _on_remove(self, message: Message) -> None:
        assert isinstance(message.payload, BatchRemove)
        self.remove(message.payload.id)
        self._messaging.reply(message)


class BatchlogReplayer:
    """Replays this node's batches that outlived the batchlog timeout (their coordinator never removed them)."""

    def __init__(
        self, store: BatchlogStore, network: Network, replay: Callable[[Sequence[Mutation]], None]
    ) -> None:
        self._store = store
        self._network = network
        self._replay = replay
        self.replayed = 0
        self._first_seen: dict[uuid.UUID, float] = {}
        self._timer = network.every(REPLAY_INTERVAL_MS, self.replay_all)

    def replay_all(self) -> None:
        now = self._network.now()
        for batch in self._store.batches():
            # A batch written before this process started carries another run's clock: its age counts
            # from when this replayer first saw it.
            born = batch.created_at_ms if batch.created_at_ms <= now else now
            since = self._first_seen.setdefault(batch.id, born)
            if now - since < BATCHLOG_TIMEOUT_MS:
                continue
            self._replay(batch.mutations)
            self._store.remove(batch.id)
            self._first_seen.pop(batch.id, None)
            self.replayed += 1

    def close(self) -> None:
        self._network.cancel(self._timer)
