"""Hints: the framed file format (torn tails, corruption) and the service (window, delivery, retries)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from engine.db.mutation import Mutation
from engine.db.rows import DeletionTime, PartitionUpdate
from engine.hints import CorruptHint, Hint, HintsService, hint_file
from engine.hints.service import HintMessage
from engine.net import Message, MessagingService, Network, RequestFailed, RequestFailureReason, Verb

TABLE = uuid.UUID(int=7)
HOST = uuid.UUID("11111111-2222-3333-4444-555555555555")
N1, N2 = "127.0.0.1", "127.0.0.2"


def _mutation(key: bytes, stamp: int = 1) -> Mutation:
    return Mutation("ks", key, ((TABLE, PartitionUpdate(key, 42, DeletionTime(stamp, 10))),))


def test_file_round_trip_and_name(tmp_path: Path) -> None:
    path = tmp_path / hint_file.file_name(HOST, 1234)
    assert path.name == "11111111-2222-3333-4444-555555555555-1234-1.hints"
    assert hint_file.host_id_of(path) == HOST
    hints = [Hint(1, _mutation(b"a")), Hint(2, _mutation(b"b", 5))]
    hint_file.append(path, hints[:1])
    hint_file.append(path, hints[1:])
    assert list(hint_file.read(path)) == hints


def test_a_torn_tail_keeps_the_hints_before_it(tmp_path: Path) -> None:
    path = tmp_path / hint_file.file_name(HOST, 1)
    hint_file.append(path, [Hint(1, _mutation(b"a")), Hint(2, _mutation(b"b"))])
    data = path.read_bytes()
    for cut in range(1, len(hint_file.encode(Hint(2, _mutation(b"b"))))):
        path.write_bytes(data[:-cut])
        assert [h.mutation.key for h in hint_file.read(path)] == [b"a"], cut


def test_a_damaged_body_is_an_error_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / hint_file.file_name(HOST, 1)
    hint_file.append(path, [Hint(1, _mutation(b"a"))])
    data = bytearray(path.read_bytes())
    data[12] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptHint, match="corrupt hint at offset 0: hint body checksum mismatch"):
        list(hint_file.read(path))


class _Replica:
    def __init__(self, network: Network, fail_keys: set[bytes]) -> None:
        self.messaging = MessagingService(N2, network)
        self.applied: list[bytes] = []
        self.fail_keys = fail_keys
        self.messaging.register(Verb.HINT_REQ, self._on_hint)

    def _on_hint(self, message: Message) -> None:
        hint = message.payload
        assert isinstance(hint, HintMessage) and hint.host_id == HOST
        mutation = hint.mutation
        if mutation.key in self.fail_keys:
            raise RequestFailed(RequestFailureReason.UNKNOWN)
        self.applied.append(mutation.key)
        self.messaging.reply(message)


def _service(tmp_path: Path, network: Network, alive: set[str]) -> HintsService:
    return HintsService(
        tmp_path / "hints",
        MessagingService(N1, network),
        host_id_of=lambda e: HOST if e == N2 else uuid.UUID(int=1),
        endpoint_of=lambda h: N2 if h == HOST else None,
        is_alive=lambda e: e in alive,
    )


def test_hints_are_delivered_when_the_replica_is_up_and_the_file_deleted(tmp_path: Path) -> None:
    network = Network()
    alive: set[str] = set()
    replica = _Replica(network, set())
    hints = _service(tmp_path, network, alive)
    hints.on_dead(N2)
    assert hints.store(N2, _mutation(b"a")) and hints.store(N2, _mutation(b"b"))
    assert hints.pending(N2) == 2
    network.advance(10_000)  # the periodic dispatch skips a dead replica
    assert replica.applied == []
    alive.add(N2)
    hints.on_alive(N2)
    network.deliver_all()
    assert replica.applied == [b"a", b"b"]
    assert hints.pending(N2) == 0 and list((tmp_path / "hints").iterdir()) == []
    assert hints.delivered == 2


def test_undelivered_hints_stay_for_the_next_attempt(tmp_path: Path) -> None:
    network = Network()
    alive = {N2}
    replica = _Replica(network, {b"b"})
    hints = _service(tmp_path, network, alive)
    hints.store(N2, _mutation(b"a"))
    hints.store(N2, _mutation(b"b"))
    network.advance(10_000)  # the periodic dispatch finds a live replica with hints
    assert replica.applied == [b"a"]
    assert hints.pending(N2) == 1
    replica.fail_keys.clear()
    network.advance(10_000)
    assert replica.applied == [b"a", b"b"] and hints.pending(N2) == 0


def test_no_hints_past_the_window(tmp_path: Path) -> None:
    network = Network()
    hints = _service(tmp_path, network, set())
    hints.on_dead(N2)
    network.advance(3 * 3600 * 1000)
    assert hints.store(N2, _mutation(b"a"))  # exactly at the window: still hinted
    network.advance(1)
    assert not hints.store(N2, _mutation(b"b"))
    assert hints.pending(N2) == 1
