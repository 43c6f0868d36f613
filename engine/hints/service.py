"""Hinted handoff: keeping writes for replicas that missed them, and replaying them when they are back.

A coordinator that cannot deliver a write to a replica — the replica is known to be down, or its
acknowledgement never came before the write timeout — stores a *hint* (the mutation, for that replica)
under its ``hints/`` directory (format in :mod:`engine.hints.hint_file`). Hints are not written for a
replica that has been down longer than ``max_hint_window`` (3 hours, cassandra.yaml's
``max_hint_window``): it needs a repair instead, as in Cassandra.

**Delivery.** When gossip reports the replica UP (:meth:`HintsService.on_alive`), and every
``dispatch_interval_ms`` (10 s, for replicas that never looked down, e.g. after a short partition) for
every live replica with hints, the hints are sent (``HINT_REQ``); the replica applies them like any
write. A file whose hints were all acknowledged is deleted; one with failures is rewritten with the hints
still to deliver, for the next attempt. Delivery runs on the network's timers, so a stepped test decides
when it happens (``network.advance``), and a real-time cluster does it in the background.

At consistency ``ANY`` a stored hint counts as an acknowledgement (the coordinator decides that).

**The message.** ``HINT_REQ`` carries a :class:`HintMessage`: the host id the hint is for, and the
mutation. A node applies a hint meant for itself; one meant for another host it stores as its own hint
for that host — that is how a decommissioned node hands its hints over (:meth:`HintsService.transfer`,
Cassandra's ``HintsService.transferHints`` and ``HintVerbHandler``).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.db.mutation import Mutation
from engine.hints import hint_file
from engine.hints.hint_file import Hint
from engine.net import Message, MessagingService, Verb
from engine.service.awaiting import wait_until
from engine.service.response_handlers import Replies


class HintsTransferFailed(Exception):
    """Some hints could not be handed to another node (decommission keeps going without them)."""


#: cassandra.yaml ``max_hint_window``: 3 hours.
MAX_HINT_WINDOW_MS = 3 * 3600 * 1000
#: How often hints for live replicas are dispatched (Cassandra's dispatcher checks every 10 s).
DISPATCH_INTERVAL_MS = 10_000.0


@dataclass(frozen=True, slots=True)
class HintMessage:
    """``HINT_REQ``'s payload: a write for host ``host_id``."""

    host_id: uuid.UUID
    mutation: Mutation


class HintsService:
    """One coordinator's hints: store, count, deliver."""

    def __init__(
        self,
        directory: Path,
        messaging: MessagingService,
        *,
        host_id_of: Callable[[str], uuid.UUID],
        endpoint_of: Callable[[uuid.UUID], str | None],
        is_alive: Callable[[str], bool],
        local_host_id: uuid.UUID | None = None,
        apply: Callable[[Mutation], None] | None = None,
        max_hint_window_ms: float = MAX_HINT_WINDOW_MS,
        dispatch_interval_ms: float = DISPATCH_INTERVAL_MS,
    ) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._messaging = messaging
        self._host_id_of = host_id_of
        self._endpoint_of = endpoint_of
        self._is_alive = is_alive
        self._local_host_id = local_host_id
        self._apply = apply
        self.max_hint_window_ms = max_hint_window_ms
        self._lock = threading.RLock()
        self._files: dict[uuid.UUID, Path] = {}  # the file new hints for a host are appended to
        self._down_since: dict[str, float] = {}
        self._dispatching: set[uuid.UUID] = set()
        self.delivered = 0
        #: ``nodetool disablehandoff`` turns storing off (cassandra.yaml ``hinted_handoff_enabled``);
        #: ``pausehandoff`` stops delivery until ``resumehandoff``. Neither outlives the process.
        self.enabled = True
        self.paused = False
        self._timer = messaging.network.every(dispatch_interval_ms, self.dispatch_all)
        if apply is not None:
            messaging.register(Verb.HINT_REQ, self._on_hint)

    def _now(self) -> int:
        return int(self._messaging.network.now())

    # ------------------------------------------------------------------------------------- storing

    def store(self, endpoint: str, mutation: Mutation) -> bool:
        """Keep ``mutation`` for ``endpoint``; ``False`` when it is past the hint window (not stored)."""
        if not self.enabled:
            return False
        now = self._now()
        with self._lock:
            since = self._down_since.get(endpoint)
            if since is not None and now - since > self.max_hint_window_ms:
                return False
            self._store_for_host(self._host_id_of(endpoint), mutation)
        return True

    def _store_for_host(self, host_id: uuid.UUID, mutation: Mutation) -> None:
        with self._lock:
            now = self._now()
            path = self._files.get(host_id)
            if path is None:
                path = self.directory / hint_file.file_name(host_id, now)
                self._files[host_id] = path
            hint_file.append(path, [Hint(now, mutation)])

    def _on_hint(self, message: Message) -> None:
        hint = message.payload
        assert isinstance(hint, HintMessage) and self._apply is not None
        if hint.host_id == self._local_host_id:
            self._apply(hint.mutation)  # RequestFailed (an unknown table) answers the failure
        else:
            self._store_for_host(hint.host_id, hint.mutation)  # handed over by a leaving node
        self._messaging.reply(message)

    def transfer(self, endpoint: str, timeout_ms: float = 60_000.0) -> int:
        """Hand every hint this node keeps to ``endpoint``, which keeps (or applies) them; the files go
        once every hint is acknowledged. Returns how many were handed over; raises ``HintsTransferFailed``."""
        with self._lock:
            paths = sorted(self.directory.glob(f"*{hint_file.SUFFIX}"))
            self._files.clear()
        messages = [
            HintMessage(host_id, hint.mutation)
            for path in paths
            if (host_id := hint_file.host_id_of(path)) is not None
            for hint in hint_file.read(path)
        ]
        replies = Replies([f"{i}" for i in range(len(messages))])
        for index, hint in enumerate(messages):
            self._messaging.send_request(
                endpoint,
                Verb.HINT_REQ,
                hint,
                on_response=lambda _m, i=index: replies.respond(f"{i}", None),
                on_failure=lambda _e, reason, i=index: replies.fail(f"{i}", reason),
            )
        wait_until(self._messaging.network, replies.condition, lambda: replies.complete, timeout_ms)
        if len(replies.replies) < len(messages):
            raise HintsTransferFailed(
                f"could not hand {len(messages) - len(replies.replies)} hints to /{endpoint}"
            )
        for path in paths:
            path.unlink(missing_ok=True)
        return len(messages)

    def files_for(self, host_id: uuid.UUID) -> list[Path]:
        return sorted(p for p in self.directory.glob(f"{host_id}-*{hint_file.SUFFIX}"))

    def pending(self, endpoint: str | None = None) -> int:
        """How many hints wait for ``endpoint`` (every endpoint when ``None``)."""
        with self._lock:
            if endpoint is None:
                paths = sorted(self.directory.glob(f"*{hint_file.SUFFIX}"))
            else:
                paths = self.files_for(self._host_id_of(endpoint))
            return sum(sum(1 for _ in hint_file.read(p)) for p in paths)

    def forget(self, host_id: uuid.UUID) -> None:
        """Delete every hint for a node removed from the ring (Cassandra's ``HintsService.excise``)."""
        with self._lock:
            self._files.pop(host_id, None)
            for path in self.files_for(host_id):
                path.unlink(missing_ok=True)

    # ----------------------------------------------------------------------------------- liveness

    def on_dead(self, endpoint: str) -> None:
        with self._lock:
            self._down_since.setdefault(endpoint, self._now())

    def on_alive(self, endpoint: str) -> None:
        with self._lock:
            self._down_since.pop(endpoint, None)
        self._messaging.network.schedule(0.0, lambda: self.dispatch(endpoint))

    # ------------------------------------------------------------------------------------ delivery

    def dispatch_all(self) -> None:
        for path in sorted(self.directory.glob(f"*{hint_file.SUFFIX}")):
            host_id = hint_file.host_id_of(path)
            endpoint = None if host_id is None else self._endpoint_of(host_id)
            if endpoint is not None and self._is_alive(endpoint):
                self.dispatch(endpoint)

    def dispatch(self, endpoint: str) -> None:
        """Send every hint for ``endpoint``; files are deleted (or rewritten) as acknowledgements arrive."""
        host_id = self._host_id_of(endpoint)
        with self._lock:
            if self.paused or host_id in self._dispatching or not self._is_alive(endpoint):
                return
            paths = self.files_for(host_id)
            if not paths:
                return
            self._dispatching.add(host_id)
            self._files.pop(host_id, None)  # new hints go to a new file while these are delivered
        hints = [(path, hint) for path in paths for hint in hint_file.read(path)]
        outcome: dict[int, bool] = {}

        def answered(index: int, ok: bool) -> None:
            with self._lock:
                outcome[index] = ok
                if ok:
                    self.delivered += 1
                if len(outcome) == len(hints):
                    self._finish(host_id, paths, [h for i, (_, h) in enumerate(hints) if not outcome[i]])

        if not hints:
            with self._lock:
                self._finish(host_id, paths, [])
            return
        for index, (_, hint) in enumerate(hints):
            self._messaging.send_request(
                endpoint,
                Verb.HINT_REQ,
                HintMessage(host_id, hint.mutation),
                on_response=lambda _m, i=index: answered(i, True),
                on_failure=lambda _e, _r, i=index: answered(i, False),
            )

    def _finish(self, host_id: uuid.UUID, paths: list[Path], undelivered: list[Hint]) -> None:
        for path in paths:
            path.unlink(missing_ok=True)
        if undelivered:
            path = self.directory / hint_file.file_name(host_id, self._now())
            hint_file.append(path, undelivered)
        self._dispatching.discard(host_id)

    def close(self) -> None:
        self._messaging.network.cancel(self._timer)
