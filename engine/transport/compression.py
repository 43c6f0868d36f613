"""Frame compression: LZ4, the one algorithm cqlkit offers (``COMPRESSION`` in STARTUP).

v3/v4 compress each frame body (flag 0x01) as Cassandra's ``LZ4Compressor`` does: a 4-byte big-endian
uncompressed length, then the LZ4 block. v5 compresses whole segments instead, and the uncompressed
length lives in the segment header, so :meth:`Lz4.compress_block` has no prefix (spec v5 §2, §5).
Snappy, which Cassandra also offers to v3/v4 clients, is not available (it needs a native library).
"""

from __future__ import annotations

import struct

import lz4.block

from engine.errors import ProtocolError

_LENGTH = struct.Struct(">i")


class Lz4:
    name = "lz4"

    @staticmethod
    def compress_frame_body(body: bytes) -> bytes:
        return _LENGTH.pack(len(body)) + lz4.block.compress(body, store_size=False)

    @staticmethod
    def decompress_frame_body(data: bytes) -> bytes:
        if len(data) < 4:
            raise ProtocolError(f"Compressed frame body too short for its length prefix ({len(data)} bytes)")
        (size,) = _LENGTH.unpack_from(data, 0)
        if size < 0:
            raise ProtocolError(f"Invalid uncompressed length {size} in an lz4 frame body")
        if size == 0:
            return b""
        try:
            return lz4.block.decompress(data[4:], uncompressed_size=size)
        except lz4.block.LZ4BlockError as e:
            raise ProtocolError(f"Cannot decompress lz4 frame body: {e}") from None

    @staticmethod
    def compress_block(data: bytes) -> bytes:
        return lz4.block.compress(data, store_size=False)

    @staticmethod
    def decompress_block(data: bytes, size: int) -> bytes:
        try:
            return lz4.block.decompress(data, uncompressed_size=size)
        except lz4.block.LZ4BlockError as e:
            raise ProtocolError(f"Cannot decompress lz4 segment payload: {e}") from None


#: algorithms by their STARTUP name
COMPRESSORS = {"lz4": Lz4()}
