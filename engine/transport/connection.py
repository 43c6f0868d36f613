"""One client connection's protocol state, without I/O: bytes in, work and answers out.

:meth:`ProtocolConnection.receive` takes bytes off the socket and returns :class:`Reply` items (bytes
to write now: READY, SUPPORTED, errors) and :class:`Dispatch` items (statements the server runs on the
connection's session, in a thread pool, answering with :meth:`ProtocolConnection.encode`). Nothing
here blocks or touches a socket, so every protocol rule is testable on plain bytes.

Connection life (Cassandra's ``ServerConnection``): OPTIONS may come first; STARTUP sets the
compression and moves to READY, or, when the node's authenticator requires a login, answers
AUTHENTICATE (naming the authenticator class) and moves to AUTHENTICATION, where only AUTH_RESPONSE is
accepted: it is dispatched like a statement (checking a password hash is slow work for the pool) and
the AUTH_SUCCESS sent back moves the connection to READY. In READY, STARTUP is refused and everything
else is served. The first frame fixes the protocol version;
frames of another version are refused. For v5, everything after the READY travels in segments
(:mod:`engine.transport.segment`), compressed per segment if LZ4 was chosen; for v3/v4 each frame body
after READY is LZ4-compressed when it was chosen.

Errors: a request-level problem is an ERROR on the request's stream and the connection goes on. Lost
framing (unsupported version, negative length, checksum mismatch) is answered, then ``closing`` is set
and the server closes the connection once the answer is written.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass

from engine.errors import CqlError, ProtocolError
from engine.transport.compression import COMPRESSORS, Lz4
from engine.transport.error_codec import encode_error
from engine.transport.events import Event, encode_event
from engine.transport.frame import (
    DEFAULT_MAX_FRAME_SIZE,
    Flag,
    Frame,
    FrameDecoder,
    FrameError,
    Opcode,
    encode_frame,
    supported_versions_text,
)
from engine.transport.messages import DecodedRequest, Options, Register, Startup, decode_request
from engine.transport.notation import write_string, write_string_list, write_string_multimap
from engine.transport.segment import SegmentDecoder, encode_segments

CQL_VERSION = "3.4.7"
EVENT_STREAM = -1


class State(enum.Enum):
    UNINITIALIZED = "UNINITIALIZED"
    AUTHENTICATION = "AUTHENTICATION"
    READY = "READY"


@dataclass(frozen=True, slots=True)
class Response:
    """A response before framing: the opcode, its body, and what goes in front of the body."""

    stream: int
    opcode: Opcode
    body: bytes
    warnings: tuple[str, ...] = ()
    tracing_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    data: bytes


@dataclass(frozen=True, slots=True)
class Dispatch:
    stream: int
    version: int
    request: DecodedRequest


def error_response(stream: int, error: CqlError, version: int) -> Response:
    return Response(stream, Opcode.ERROR, encode_error(error, version))


def supported_options() -> dict[str, list[str]]:
    return {
        "CQL_VERSION": [CQL_VERSION],
        "COMPRESSION": sorted(COMPRESSORS),
        "PROTOCOL_VERSIONS": supported_versions_text(),
    }


def _check_cql_version(value: str | None) -> None:
    if value is None:
        raise ProtocolError("Missing value CQL_VERSION in STARTUP message")
    parts = value.split("-", 1)[0].split(".")
    if not parts or not all(p.isdigit() for p in parts) or len(parts) > 3:
        raise ProtocolError(f"Invalid version value: {value}")
    if tuple(int(p) for p in parts) < (2, 99):
        raise ProtocolError(
            f"CQL version {value} is not supported by the binary protocol (supported version are >= 3.0.0)"
        )


class ProtocolConnection:
    def __init__(
        self, max_frame_size: int = DEFAULT_MAX_FRAME_SIZE, authenticator: str | None = None
    ) -> None:
        self.state = State.UNINITIALIZED
        self.startup_options: dict[str, str] = {}  # STARTUP's options (driver name and version, ...)
        self.requests = 0  # requests dispatched to the session (system_views.clients.request_count)
        #: the authenticator class AUTHENTICATE names; None when no login is required
        self.authenticator = authenticator
        self.version: int | None = None
        self.compressor: Lz4 | None = None
        self.events: set[str] = set()
        self.closing = False
        self._frames = FrameDecoder(max_frame_size)
        self._segments: SegmentDecoder | None = None  # v5 after READY

    @property
    def framed(self) -> bool:
        """True once a v5 connection carries segments."""
        return self._segments is not None

    # ---------------------------------------------------------------------------------- inbound

    def receive(self, data: bytes) -> list[Reply | Dispatch]:
        if self.closing:
            return []
        segment_error = None
        if self._segments is not None:
            items: list[Frame | FrameError] = []
            for payload in self._segments.feed(data):
                items.extend(self._frames.feed(payload))
            segment_error = self._segments.error
        else:
            items = self._frames.feed(data)
        out = self._handle(items)
        if segment_error is not None and not self.closing:
            self.closing = True
            out.append(Reply(self.encode(error_response(0, segment_error, self.version or 5))))
        return out

    def _handle(self, items: list[Frame | FrameError]) -> list[Reply | Dispatch]:
        out: list[Reply | Dispatch] = []
        for item in items:
            if isinstance(item, FrameError):
                # v1/v2 clients can only read their own header; others get the connection's version
                version = item.version if item.version < 3 or self.version is None else self.version
                out.append(
                    Reply(self.encode(error_response(item.stream, item.error, version), version=version))
                )
                if item.fatal:
                    self.closing = True
                    break
                continue
            try:
                handled = self._frame(item)
            except CqlError as e:
                version = self.version or item.header.version
                handled = Reply(self.encode(error_response(item.header.stream, e, version)))
            if handled is not None:
                out.append(handled)
        return out

    def _frame(self, frame: Frame) -> Reply | Dispatch | None:
        header = frame.header
        if self.version is None:
            self.version = header.version
        elif header.version != self.version:
            raise ProtocolError(
                f"Invalid message version. Got {header.version} but previous messages on this "
                f"connection had version {self.version}"
            )
        body = frame.body
        if Flag.COMPRESSED in header.flags:
            if self.version >= 5:
                raise ProtocolError(
                    "The COMPRESSED frame flag is not used in protocol v5 (segments are compressed)"
                )
            if self.compressor is None:
                raise ProtocolError("Compressed frame received but no compression was chosen in STARTUP")
            body = self.compressor.decompress_frame_body(body)
        if self.state is State.UNINITIALIZED and header.opcode not in (Opcode.STARTUP, Opcode.OPTIONS):
            raise ProtocolError(f"Unexpected message {header.opcode.name}, expecting STARTUP or OPTIONS")
        if self.state is State.AUTHENTICATION and header.opcode is not Opcode.AUTH_RESPONSE:
            raise ProtocolError(f"Unexpected message {header.opcode.name}, expecting SASL_RESPONSE")
        request = decode_request(header.opcode, self.version, header.flags, body)
        message = request.message
        stream = header.stream
        if isinstance(message, Options):
            body = write_string_multimap(supported_options())
            return Reply(self.encode(Response(stream, Opcode.SUPPORTED, body)))
        if isinstance(message, Startup):
            return Reply(self._startup(stream, message))
        if isinstance(message, Register):
            self.events.update(message.events)
            return Reply(self.encode(Response(stream, Opcode.READY, b"")))
        if header.opcode is Opcode.AUTH_RESPONSE and self.state is not State.AUTHENTICATION:
            raise ProtocolError(
                "Unexpected message AUTH_RESPONSE: this server does not ask for authentication"
            )
        return Dispatch(stream, self.version, request)

    def _startup(self, stream: int, message: Startup) -> bytes:
        if self.state is not State.UNINITIALIZED:
            raise ProtocolError("Unexpected message STARTUP, the connection is already initialized")
        _check_cql_version(message.options.get("CQL_VERSION"))
        self.startup_options = dict(message.options)
        compression = message.options.get("COMPRESSION")
        compressor = None
        if compression is not None:
            compressor = COMPRESSORS.get(compression.lower())
            if compressor is None:
                raise ProtocolError(f"Unknown compression algorithm: {compression}")
        if self.authenticator is not None:
            # AUTHENTICATE, like READY, is never compressed and never in a segment
            ready = self.encode(Response(stream, Opcode.AUTHENTICATE, write_string(self.authenticator)))
            self.state = State.AUTHENTICATION
        else:
            ready = self.encode(Response(stream, Opcode.READY, b""))  # never compressed, never in a segment
            self.state = State.READY
        self.compressor = compressor
        if self.version is not None and self.version >= 5:
            self._segments = SegmentDecoder(compressor)
        return ready

    # --------------------------------------------------------------------------------- outbound

    def _frame_bytes(self, response: Response, version: int) -> bytes:
        flags = Flag(0)
        prefix = b""
        if response.tracing_id is not None:
            flags |= Flag.TRACING
            prefix += response.tracing_id.bytes
        if response.warnings and version >= 4:
            flags |= Flag.WARNING
            prefix += write_string_list(response.warnings)
        body = prefix + response.body
        if self.compressor is not None and version < 5 and body:
            body = self.compressor.compress_frame_body(body)
            flags |= Flag.COMPRESSED
        return encode_frame(version, flags, response.stream, response.opcode, body)

    def encode(self, *responses: Response, version: int | None = None) -> bytes:
        """The bytes that carry ``responses`` in the connection's current framing (in ``version``,
        by default the connection's)."""
        version = version or self.version or 5
        if any(r.opcode is Opcode.AUTH_SUCCESS for r in responses):
            self.state = State.READY
        frames = [self._frame_bytes(r, version) for r in responses]
        if self._segments is not None:
            return encode_segments(frames, self.compressor)
        return b"".join(frames)

    def encode_event(self, event: Event) -> bytes | None:
        """The bytes of a pushed event, or None if this connection did not register for its type."""
        if event.type not in self.events or self.state is not State.READY:
            return None
        return self.encode(Response(EVENT_STREAM, Opcode.EVENT, encode_event(event)))
