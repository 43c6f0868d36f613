"""Frames (Cassandra calls them envelopes): the 9-byte header and body of every protocol message.

Layout (v3+, spec §1-2)::

    version:1  flags:1  stream:2 (signed)  opcode:1  length:4 (body bytes)  body:length

The version byte's top bit is the direction (0 request, 1 response). Flags: 0x01 compressed (v3/v4
only; v5 compresses whole segments, see :mod:`engine.transport.segment`), 0x02 tracing, 0x04 custom
payload, 0x08 warnings, 0x10 use-beta. v1/v2 headers are 8 bytes (one-byte stream); cqlkit only writes
them, to tell such clients which versions it speaks, as Cassandra does (CASSANDRA-11464).

:class:`FrameDecoder` cuts a byte stream into frames. It never raises on bad input: a problem becomes
a :class:`FrameError` in its output, with the stream id when the header got that far and whether the
stream can go on. A body over the size limit is skipped without buffering it and answered with
Cassandra's ``Request is too big`` (the connection stays usable); an unknown opcode or a response
opcode is answered and its body skipped; an unsupported version or a negative length loses the framing,
so the connection must close after the answer.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass

from engine.errors import CqlError, InvalidRequest, ProtocolError

HEADER_LENGTH = 9
_HEADER = struct.Struct(">BBhBi")
_LEGACY_HEADER = struct.Struct(">BBbBi")  # v1/v2: one-byte stream id

SUPPORTED_VERSIONS = (3, 4, 5)
CURRENT_VERSION = 5
#: ``native_transport_max_frame_size`` (Cassandra 5.0's default, 16 MiB)
DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024
RESPONSE_BIT = 0x80


class Opcode(enum.IntEnum):
    ERROR = 0x00
    STARTUP = 0x01
    READY = 0x02
    AUTHENTICATE = 0x03
    CREDENTIALS = 0x04  # v1 only; decoded so it gets a precise error
    OPTIONS = 0x05
    SUPPORTED = 0x06
    QUERY = 0x07
    RESULT = 0x08
    PREPARE = 0x09
    EXECUTE = 0x0A
    REGISTER = 0x0B
    EVENT = 0x0C
    BATCH = 0x0D
    AUTH_CHALLENGE = 0x0E
    AUTH_RESPONSE = 0x0F
    AUTH_SUCCESS = 0x10


REQUEST_OPCODES = frozenset(
    {
        Opcode.STARTUP,
        Opcode.CREDENTIALS,
        Opcode.OPTIONS,
        Opcode.QUERY,
        Opcode.PREPARE,
        Opcode.EXECUTE,
        Opcode.REGISTER,
        Opcode.BATCH,
        Opcode.AUTH_RESPONSE,
    }
)


class Flag(enum.IntFlag):
    COMPRESSED = 0x01
    TRACING = 0x02
    CUSTOM_PAYLOAD = 0x04
    WARNING = 0x08
    USE_BETA = 0x10


def supported_versions_text() -> list[str]:
    """``ProtocolVersion.supportedVersions()``: what SUPPORTED and version errors list."""
    return [f"{v}/v{v}" for v in SUPPORTED_VERSIONS]


def invalid_version_error(version: int) -> ProtocolError:
    return ProtocolError(
        f"Invalid or unsupported protocol version ({version}); supported versions are "
        f"({', '.join(supported_versions_text())})"
    )


def error_response_version(version: int) -> int:
    """The version an answer to a frame of unsupported ``version`` is written in: v1/v2 clients get
    their own header layout (they can read nothing else); anything else gets the current version."""
    return version if version in (1, 2) else CURRENT_VERSION


@dataclass(frozen=True, slots=True)
class FrameHeader:
    version: int
    flags: Flag
    stream: int
    opcode: Opcode
    length: int


@dataclass(frozen=True, slots=True)
class Frame:
    header: FrameHeader
    body: bytes


@dataclass(frozen=True, slots=True)
class FrameError:
    """A frame that could not be decoded: answer ``error`` on ``stream`` in ``version``; if ``fatal``,
    the byte stream has lost its framing and the connection must close after the answer."""

    error: CqlError
    stream: int
    version: int
    fatal: bool


def encode_frame(version: int, flags: int, stream: int, opcode: int, body: bytes) -> bytes:
    """A response frame (direction bit set). v1/v2 get their 8-byte header."""
    if version < 3:
        return _LEGACY_HEADER.pack(version | RESPONSE_BIT, flags, stream, opcode, len(body)) + body
    return _HEADER.pack(version | RESPONSE_BIT, flags, stream, opcode, len(body)) + body


def encode_request(version: int, flags: int, stream: int, opcode: int, body: bytes) -> bytes:
    """A request frame (for tests and tools that play the client)."""
    return _HEADER.pack(version, flags, stream, opcode, len(body)) + body


def decode_header(data: bytes | memoryview) -> tuple[int, int, int, int, int]:
    """The raw fields of a response or request header (``version`` with its direction bit)."""
    return _HEADER.unpack_from(data, 0)


class FrameDecoder:
    """Cuts a request byte stream into :class:`Frame`/:class:`FrameError` items (see module docstring)."""

    def __init__(self, max_frame_size: int = DEFAULT_MAX_FRAME_SIZE) -> None:
        self.max_frame_size = max_frame_size
        self._buffer = bytearray()
        self._discard = 0  # bytes of a too-big frame still to skip
        self._discard_error: FrameError | None = None
        self.failed = False  # framing lost: ignore everything after the fatal error

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Frame | FrameError]:
        if self.failed:
            return []
        out: list[Frame | FrameError] = []
        if self._discard:
            skipped = min(self._discard, len(data))
            self._discard -= skipped
            data = data[skipped:]
            if self._discard:
                return out
            assert self._discard_error is not None
            out.append(self._discard_error)
            self._discard_error = None
        self._buffer += data
        while not self.failed:
            item = self._next()
            if item is None:
                break
            out.append(item)
        return out

    def _fatal(self, error: CqlError, stream: int, version: int) -> FrameError:
        self.failed = True
        self._buffer.clear()
        return FrameError(error, stream, version, fatal=True)

    def _next(self) -> Frame | FrameError | None:
        buffer = self._buffer
        if not buffer:
            return None
        first = buffer[0]
        version = first & 0x7F
        if version not in SUPPORTED_VERSIONS:
            # v1/v2 put a one-byte stream id at offset 2; later versions two bytes
            stream = 0
            if version in (1, 2) and len(buffer) >= 3:
                stream = struct.unpack_from(">b", buffer, 2)[0]
            elif len(buffer) >= 4:
                stream = struct.unpack_from(">h", buffer, 2)[0]
            return self._fatal(invalid_version_error(version), stream, error_response_version(version))
        if len(buffer) < HEADER_LENGTH:
            return None
        _, flags, stream, opcode, length = _HEADER.unpack_from(buffer, 0)
        if length < 0:
            error = ProtocolError(f"Invalid value for envelope header body length field: {length}")
            return self._fatal(error, stream, version)
        total = HEADER_LENGTH + length
        if total > self.max_frame_size:
            error = FrameError(
                InvalidRequest(
                    f"Request is too big: length {total} exceeds maximum allowed length {self.max_frame_size}."
                ),
                stream,
                version,
                fatal=False,
            )
            available = len(buffer)
            del buffer[: min(total, available)]
            if total > available:
                self._discard = total - available
                self._discard_error = error
                return None
            return error
        if len(buffer) < total:
            return None
        body = bytes(buffer[HEADER_LENGTH:total])
        del buffer[:total]
        try:
            op = Opcode(opcode)
        except ValueError:
            return FrameError(ProtocolError(f"Unknown opcode {opcode}"), stream, version, fatal=False)
        frame_direction = "RESPONSE" if first & RESPONSE_BIT else "REQUEST"
        type_direction = "REQUEST" if op in REQUEST_OPCODES else "RESPONSE"
        if frame_direction != type_direction:
            error = ProtocolError(
                f"Wrong protocol direction (expected {type_direction}, got {frame_direction}) "
                f"for opcode {opcode} ({op.name})"
            )
            return FrameError(error, stream, version, fatal=False)
        if type_direction == "RESPONSE":
            error = ProtocolError(f"Unexpected message {op.name}: clients send requests, not responses")
            return FrameError(error, stream, version, fatal=False)
        return Frame(FrameHeader(version, Flag(flags & 0x1F), stream, op, length), body)
