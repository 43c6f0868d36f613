"""A bare native-protocol client for tests: cassandra-driver's own message encoders and decoders over
a plain socket, so every byte cqlkit's server produces is read by an independent implementation, and
tests can also send bytes no driver would (garbage, unknown opcodes, truncated bodies)."""

from __future__ import annotations

import io
import socket
import struct

from cassandra.connection import locally_supported_compressions
from cassandra.protocol import OptionsMessage, QueryMessage, RegisterMessage, StartupMessage, _ProtocolHandler
from cassandra.segment import CrcException, SegmentCodec

HEADER = struct.Struct(">BBhBi")


class RawConnection:
    def __init__(self, port: int, version: int = 4, timeout: float = 5.0) -> None:
        self.version = version
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buffer = b""
        self.codec: SegmentCodec | None = None  # v5 after READY
        self.frames = b""  # reassembled frame bytes (v5)
        self.compressor = None
        self.decompressor = None

    def close(self) -> None:
        self.sock.close()

    # -------------------------------------------------------------------------------- sending

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send_frame(
        self, opcode: int, body: bytes, stream: int = 0, flags: int = 0, version: int | None = None
    ) -> None:
        frame = HEADER.pack(version or self.version, flags, stream, opcode, len(body)) + body
        self.send_raw(self._wrap(frame))

    def _wrap(self, frame: bytes) -> bytes:
        if self.codec is None:
            return frame
        out = io.BytesIO()
        self.codec.encode(out, frame)
        return out.getvalue()

    def send(self, message: object, stream: int = 0) -> None:
        compressor = self.compressor if self.version < 5 else None
        frame = _ProtocolHandler.encode_message(message, stream, self.version, compressor, False)
        self.send_raw(self._wrap(frame))

    # ------------------------------------------------------------------------------ receiving

    def _recv(self) -> bytes:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("connection closed by the server")
        return data

    def read_frame(self) -> tuple[int, int, int, int, bytes]:
        """(version byte, flags, stream, opcode, body) of the next frame."""
        while True:
            source = self.frames if self.codec is not None else self.buffer
            if len(source) >= 9:
                first = source[0]
                if first & 0x7F < 3:  # v1/v2 header: one-byte stream
                    version, flags, stream, opcode, length = struct.unpack_from(">BBbBi", source)
                    size = 8
                else:
                    version, flags, stream, opcode, length = HEADER.unpack_from(source)
                    size = 9
                if len(source) >= size + length:
                    body = source[size : size + length]
                    rest = source[size + length :]
                    if self.codec is not None:
                        self.frames = rest
                    else:
                        self.buffer = rest
                    return version, flags, stream, opcode, body
            self._fill()

    def _fill(self) -> None:
        self.buffer += self._recv()
        if self.codec is None:
            return
        while len(self.buffer) >= self.codec.header_length_with_crc:
            stream = io.BytesIO(self.buffer)
            header = self.codec.decode_header(stream)
            if len(self.buffer) < header.segment_length:
                return
            segment = self.codec.decode(stream, header)
            self.frames += segment.payload
            self.buffer = self.buffer[header.segment_length :]

    def read(self) -> object:
        """The next message, decoded by the driver."""
        version, flags, stream, opcode, body = self.read_frame()
        message = _ProtocolHandler.decode_message(
            version & 0x7F, {}, stream, flags, opcode, body, self.decompressor, None
        )
        message.raw_version = version
        return message

    def is_closed(self) -> bool:
        try:
            self.sock.settimeout(2.0)
            return self.sock.recv(1) == b""
        except (ConnectionError, OSError):
            return True

    # ---------------------------------------------------------------------------- handshakes

    def options(self) -> object:
        self.send(OptionsMessage())
        return self.read()

    def startup(self, compression: str | None = None) -> object:
        options = {"COMPRESSION": compression} if compression else {}
        self.send(StartupMessage(cqlversion="3.4.7", options=options))
        ready = self.read()
        if compression:
            self.compressor, self.decompressor = locally_supported_compressions[compression]
        if self.version >= 5:
            if compression:
                self.codec = SegmentCodec(self.compressor, self.decompressor)
            else:
                self.codec = SegmentCodec()
        return ready

    def query(self, text: str, stream: int = 0) -> object:
        self.send(QueryMessage(text, consistency_level=1), stream)
        return self.read()

    def register(self, *events: str) -> object:
        self.send(RegisterMessage(list(events)))
        return self.read()


__all__ = ["CrcException", "RawConnection"]
