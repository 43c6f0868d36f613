"""COPY FROM's writes over the native connection: prepared INSERTs in unlogged batches, pipelined on a socket.

A batch-mode remote shell (``shell.connection.native``) writes COPY FROM's batches itself instead of
through cassandra-driver: the driver's per-request machinery (bound statements, futures, callbacks, and an
event-loop thread that needs the interpreter lock the shell's parsing holds) cost as much as converting
the rows, and a starved event-loop thread leaves the server waiting for requests. Here the shell's own
thread sends each batch as soon as it is made, on a connection of its own (:class:`NativeWriter`), so
answers to COPY's requests never meet a statement's.

At most ``concurrency`` batches are in flight (COPY's NUMPROCESSES x MAXINFLIGHTMESSAGES). Batches made
while the window is full wait in a queue, up to one more window of them, instead of stopping the shell's
parsing until answers come: COPY's batches leave its partition grouping in bursts (every partition of a
file that cycles through its keys fills at once), and a shell that waited for the server during a burst
would leave it idle while it then parsed the next chunks. Each ``write`` first settles the answers that
have arrived (without waiting) and sends queued batches into the window they free; a chunk's settling
reads the remaining answers, sending the queue on as it goes.

What the driver's session does is reproduced where it shows in COPY's messages: the statement is
prepared once (and again when the server answers UNPREPARED); a batch goes out as a ``BatchStatement``
of bound statements with a client timestamp (``native_codec.batch_body``); a failed batch follows the
driver's default retry policy (``native.retry_decision``: a batch-log write timeout is retried once, an
Unavailable or Overloaded answer ends as ``NoHostAvailable``) and is reported under the driver's exception
name with the driver's text (``shell.output.errors``); a batch without an answer within the request
timeout is ``OperationTimedOut``; a closed connection fails what is in flight as the driver's
``NoHostAvailable`` of a shut-down connection does.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from engine.transport.frame import HEADER_LENGTH, Opcode, decode_header, encode_request
from engine.transport.segment import encode_segments
from shell.connection.base import PendingWrite, QueryError, WriteDone, WriteFailure
from shell.connection.native import Retry, Wire, WireClosed, retry_decision
from shell.connection.native_codec import Response, Timestamps, batch_body, decode_response, prepare_body
from shell.output.errors import Coordinator, ErrorCode, ServerError, client_timeout_message

#: the protocol's batch kinds
UNLOGGED, COUNTER = 1, 2
#: stream ids the writer uses (the protocol allows 32,768 per connection)
STREAMS = 32767

Rows = Sequence[Sequence[bytes | None]]


@dataclass
class _Batch:
    pending: _Pending
    index: int
    rows: Rows
    retries: int = 0


@dataclass
class _Pending:
    """The batches of one :meth:`NativeWriter.write`; ``failures`` reads answers until the last."""

    writer: NativeWriter
    query: str
    consistency: str
    kind: int  # UNLOGGED or COUNTER
    left: int
    failed: list[WriteFailure] = field(default_factory=list)

    def failures(self) -> list[WriteFailure]:
        while self.left:
            self.writer.answer_one()
        return sorted(self.failed, key=lambda f: f.batch)

    def fail(self, index: int, error: QueryError) -> None:
        self.failed.append(WriteFailure(index, error, error.text.partition(":")[0]))
        self.left -= 1


class NativeWriter:
    """Pipelined batches on one wire (a ``native.Wire``, opened for COPY): see the module docstring."""

    def __init__(
        self, wire: Wire, endpoint: str, data_center: Callable[[], str | None], request_timeout: float
    ) -> None:
        self.wire = wire
        self.endpoint = endpoint
        self.data_center = data_center
        self.request_timeout = request_timeout
        self.timestamps = Timestamps()
        self.prepared: dict[str, bytes] = {}
        self.in_flight: dict[int, _Batch] = {}
        self.queued: deque[_Batch] = deque()  # made while the window was full, sent as it frees
        self.window = 1
        self.stream = 0
        self.broken: QueryError | None = None

    # ------------------------------------------------------------------------------------- writes

    def write(
        self, query: str, batches: Sequence[Rows], consistency: str, concurrency: int, counter: bool
    ) -> PendingWrite:
        """Send the batches, at most ``concurrency`` in flight; those beyond wait in the queue (up to one
        more window of them: past that, answers are read until the queue is back within it)."""
        try:
            self._prepare(query)
        except QueryError as error:
            name = error.text.partition(":")[0]
            return WriteDone(tuple(WriteFailure(i, error, name) for i in range(len(batches))))
        pending = _Pending(self, query, consistency, COUNTER if counter else UNLOGGED, len(batches))
        self.window = max(1, concurrency)
        self.collect()
        self.queued.extend(_Batch(pending, index, rows) for index, rows in enumerate(batches))
        self._refill()
        while len(self.queued) > 2 * self.window:
            self.answer_one()
        return pending

    def collect(self) -> None:
        """Settle the answers that have arrived, without waiting, and send queued batches in their place."""
        while self.in_flight:
            try:
                frame = self.wire.ready_frame()
            except (WireClosed, OSError):
                self._break()
                return
            if frame is None:
                break
            self._settle(frame)
        self._refill()

    def _refill(self) -> None:
        queued = self.queued
        while queued and len(self.in_flight) < self.window:
            self._send(queued.popleft())

    def _prepare(self, query: str) -> bytes:
        found = self.prepared.get(query)
        if found is not None:
            return found
        answer = self._call(Opcode.PREPARE, prepare_body(query, self.wire.version))
        if answer.error is not None:
            raise QueryError.from_server(answer.error)
        assert answer.prepared_id is not None
        self.prepared[query] = answer.prepared_id
        return answer.prepared_id

    def _send(self, batch: _Batch) -> None:
        if self.broken is not None:
            batch.pending.fail(batch.index, self.broken)
            return
        body = batch_body(
            batch.pending.kind,
            self.prepared[batch.pending.query],
            batch.rows,
            self.wire.version,
            consistency=batch.pending.consistency,
            timestamp=self.timestamps.next(),
        )
        self.stream = self.stream % STREAMS + 1
        while self.stream in self.in_flight:
            self.stream = self.stream % STREAMS + 1
        self.in_flight[self.stream] = batch
        try:
            self._send_frame(self.stream, Opcode.BATCH, body)
        except OSError:
            self._break()

    def _send_frame(self, stream: int, opcode: Opcode, body: bytes) -> None:
        wire = self.wire
        frame = encode_request(wire.version, 0, stream, opcode, body)
        wire.sock.sendall(encode_segments([frame]) if wire.segments is not None else frame)

    def _call(self, opcode: Opcode, body: bytes) -> Response:
        """One request outside the pipeline (PREPARE), once everything in flight is answered."""
        while self.in_flight:
            self.answer_one()
        if self.broken is not None:
            raise self.broken
        try:
            answer = self.wire.call(opcode, body, self.request_timeout)
        except (WireClosed, OSError):
            raise self._break() from None
        if answer is None:
            text = client_timeout_message(self.endpoint)
            raise QueryError(text, text.partition(": ")[2])
        return answer

    # ------------------------------------------------------------------------------------ answers

    def answer_one(self) -> None:
        """Read the next answer and settle its batch (or time out, or break, everything in flight); queued
        batches go out as the window frees."""
        self._refill()
        if not self.in_flight:
            return
        try:
            frame = self.wire.next_frame(time.monotonic() + self.request_timeout)
        except (WireClosed, OSError):  # the server went away
            self._break()
            return
        if frame is None:  # nothing within the request timeout: every batch in flight timed out
            text = client_timeout_message(self.endpoint)
            error = QueryError(text, text.partition(": ")[2])
            for batch in self.in_flight.values():
                batch.pending.fail(batch.index, error)
            self.in_flight.clear()
            return
        self._settle(frame)
        self._refill()

    def _settle(self, frame: bytes) -> None:
        _version, flags, stream, opcode, _length = decode_header(frame)
        batch = self.in_flight.pop(stream, None)
        if batch is None:
            return  # an answer to a request given up on
        answer = decode_response(opcode, flags, frame[HEADER_LENGTH:], self.wire.version)
        if answer.error is None:
            batch.pending.left -= 1
            return
        self._failed(batch, answer.error)

    def _failed(self, batch: _Batch, error: ServerError) -> None:
        if error.code == ErrorCode.UNPREPARED:  # the server forgot the statement: prepare it again
            self.prepared.pop(batch.pending.query, None)
            try:
                self._prepare(batch.pending.query)
            except QueryError as failure:
                batch.pending.fail(batch.index, failure)
                return
            self._send(batch)
            return
        decision = retry_decision(error, batch.retries)
        if decision is Retry.SAME_HOST:
            batch.retries += 1
            self._send(batch)
            return
        coordinator = Coordinator(self.endpoint, self.data_center()) if decision is Retry.NEXT_HOST else None
        batch.pending.fail(batch.index, QueryError.from_server(error, coordinator))

    def _break(self) -> QueryError:
        """The connection is gone: everything in flight (and everything sent later) fails as the driver's
        requests on a shut-down connection do."""
        endpoint = self.endpoint
        self.broken = QueryError(
            "NoHostAvailable: ('Unable to complete the operation against any hosts', "
            f"{{<Host: {endpoint} {self.data_center()}>: "
            f"ConnectionShutdown('Connection to {endpoint} was closed')}})"
        )
        for batch in (*self.in_flight.values(), *self.queued):
            batch.pending.fail(batch.index, self.broken)
        self.in_flight.clear()
        self.queued.clear()
        return self.broken

    def close(self) -> None:
        self.wire.close()
