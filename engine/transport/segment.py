"""Protocol v5's outer framing: segments with checksummed headers and payloads (v5 spec §2).

Once STARTUP is answered (READY or AUTHENTICATE), both directions of a v5 connection carry segments;
frames (:mod:`engine.transport.frame`) travel inside their payloads::

    uncompressed:  header (3 bytes LE) = payload_length:17 | self_contained:1 | padding:6
    compressed:    header (5 bytes LE) = payload_length:17 | uncompressed_length:17 | self_contained:1 | padding:5
    then           CRC24 of the header (3 bytes LE), payload, CRC32 of the payload (4 bytes LE)

A payload holds at most 128 KiB - 1 bytes. A *self-contained* segment holds one or more whole frames;
a frame too big for one segment is cut across consecutive segments that are not self-contained. With
compression the payload is an LZ4 block; an uncompressed length of 0 means the payload was sent as is
because compressing did not make it smaller. CRC24 is Cassandra's (init 0x875060, polynomial
0x1974F0B) over the header's bytes; CRC32 is zlib's, primed with the bytes FA 2D 55 CA.

A checksum mismatch means the stream cannot be trusted: :class:`SegmentDecoder` keeps the
:class:`~engine.errors.ProtocolError` in ``error`` and decodes nothing more; the connection answers it
and closes.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

from engine.errors import ProtocolError
from engine.transport.compression import Lz4

MAX_PAYLOAD = 128 * 1024 - 1
CRC24_INIT = 0x875060
CRC24_POLY = 0x1974F0B
CRC32_INIT = zlib.crc32(b"\xfa\x2d\x55\xca")
_CRC_LENGTH = 3
_TRAILER = 4


def crc24(value: int, length: int) -> int:
    """CRC24 of the ``length`` low-order bytes of ``value``, least significant byte first."""
    crc = CRC24_INIT
    for _ in range(length):
        crc ^= (value & 0xFF) << 16
        value >>= 8
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= CRC24_POLY
    return crc & 0xFFFFFF


def crc32(payload: bytes) -> int:
    return zlib.crc32(payload, CRC32_INIT) & 0xFFFFFFFF


def _segment(payload: bytes, self_contained: bool, compressor: Lz4 | None) -> bytes:
    if compressor is None:
        header_length = 3
        header = len(payload) | (int(self_contained) << 17)
        body = payload
    else:
        header_length = 5
        compressed = compressor.compress_block(payload) if payload else b""
        if len(compressed) < len(payload):
            body, uncompressed = compressed, len(payload)
        else:
            body, uncompressed = payload, 0
        header = len(body) | (uncompressed << 17) | (int(self_contained) << 34)
    return (
        header.to_bytes(header_length, "little")
        + crc24(header, header_length).to_bytes(_CRC_LENGTH, "little")
        + body
        + crc32(body).to_bytes(_TRAILER, "little")
    )


def encode_segments(frames: Iterable[bytes], compressor: Lz4 | None = None) -> bytes:
    """Segments carrying ``frames`` in order: small frames share self-contained segments, a frame over
    :data:`MAX_PAYLOAD` is cut across segments that are not self-contained."""
    out: list[bytes] = []
    pending: list[bytes] = []
    pending_size = 0
    for frame in frames:
        if len(frame) > MAX_PAYLOAD:
            if pending:
                out.append(_segment(b"".join(pending), True, compressor))
                pending, pending_size = [], 0
            for start in range(0, len(frame), MAX_PAYLOAD):
                out.append(_segment(frame[start : start + MAX_PAYLOAD], False, compressor))
            continue
        if pending_size + len(frame) > MAX_PAYLOAD:
            out.append(_segment(b"".join(pending), True, compressor))
            pending, pending_size = [], 0
        pending.append(frame)
        pending_size += len(frame)
    if pending:
        out.append(_segment(b"".join(pending), True, compressor))
    return b"".join(out)


class SegmentDecoder:
    """Turns a v5 byte stream into segment payloads (decompressed); see the module docstring."""

    def __init__(self, compressor: Lz4 | None = None) -> None:
        self.compressor = compressor
        self._buffer = bytearray()
        self.error: ProtocolError | None = None

    @property
    def header_length(self) -> int:
        return 5 if self.compressor is not None else 3

    def feed(self, data: bytes) -> list[bytes]:
        """The payloads of the segments completed by ``data``. A checksum mismatch stops decoding:
        the payloads before it are returned and :attr:`error` says what failed (for good)."""
        if self.error is not None:
            return []
        self._buffer += data
        out: list[bytes] = []
        while True:
            try:
                payload = self._next()
            except ProtocolError as e:
                self.error = e
                self._buffer.clear()
                return out
            if payload is None:
                return out
            out.append(payload)

    def _next(self) -> bytes | None:
        buffer = self._buffer
        header_length = self.header_length
        if len(buffer) < header_length + _CRC_LENGTH:
            return None
        header = int.from_bytes(buffer[:header_length], "little")
        expected = int.from_bytes(buffer[header_length : header_length + _CRC_LENGTH], "little")
        actual = crc24(header, header_length)
        if expected != actual:
            raise ProtocolError(
                f"CRC mismatch on segment header: received {expected:06x}, computed {actual:06x}"
            )
        payload_length = header & MAX_PAYLOAD
        uncompressed_length = (header >> 17) & MAX_PAYLOAD if self.compressor is not None else 0
        start = header_length + _CRC_LENGTH
        end = start + payload_length
        if len(buffer) < end + _TRAILER:
            return None
        payload = bytes(buffer[start:end])
        expected = int.from_bytes(buffer[end : end + _TRAILER], "little")
        del buffer[: end + _TRAILER]
        actual = crc32(payload)
        if expected != actual:
            raise ProtocolError(
                f"CRC mismatch on segment payload: received {expected:08x}, computed {actual:08x}"
            )
        if self.compressor is not None and uncompressed_length:
            return self.compressor.decompress_block(payload, uncompressed_length)
        return payload
