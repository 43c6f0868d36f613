"""Generated native-protocol input for the fuzz tests: valid request frames and seeded mutations of them.

The seeds are encoded with cassandra-driver's own message classes (an independent encoder), for protocol
v3, v4 and v5: OPTIONS, STARTUP (with and without LZ4), QUERY with every parameter flag (values, named
values, page size, paging state, serial consistency, timestamp, keyspace), PREPARE, EXECUTE, BATCH and
REGISTER. A case is a connection's whole input: a STARTUP (so later frames reach the request decoders,
not only the handshake) then mutated frames, cut into random chunks as a socket would deliver them.

Mutations: flipped bits anywhere, random header fields (version, flags, stream, opcode), a wrong body
length (short, long, negative, huge), truncation, [int]/[short] counts overwritten with huge or negative
values (collection sizes, value counts, string lengths), random bytes spliced in, frames concatenated,
and plain random bytes.
"""

from __future__ import annotations

import io
import random
import struct
from collections.abc import Iterator

from cassandra import ConsistencyLevel
from cassandra.protocol import (
    BatchMessage,
    ExecuteMessage,
    OptionsMessage,
    PrepareMessage,
    QueryMessage,
    RegisterMessage,
    StartupMessage,
    _ProtocolHandler,
)
from cassandra.query import BatchType
from cassandra.segment import SegmentCodec

HEADER = struct.Struct(">BBhBi")
VERSIONS = (3, 4, 5)


def encode(message: object, version: int, stream: int = 1) -> bytes:
    return _ProtocolHandler.encode_message(message, stream, version, None, False)


def startup(version: int) -> bytes:
    return encode(StartupMessage(cqlversion="3.4.7", options={}), version, stream=0)


def seed_frames(version: int) -> list[bytes]:
    """Valid request frames of every kind for ``version``."""
    q = "SELECT * FROM system.local WHERE key = ?"
    frames = [
        encode(OptionsMessage(), version),
        encode(StartupMessage(cqlversion="3.4.7", options={"COMPRESSION": "lz4"}), version),
        encode(QueryMessage("SELECT release_version FROM system.local", ConsistencyLevel.ONE), version),
        encode(
            QueryMessage(
                q,
                ConsistencyLevel.QUORUM,
                serial_consistency_level=ConsistencyLevel.SERIAL,
                fetch_size=7,
                paging_state=b"\x00\x04abcd",
                timestamp=1_700_000_000_000_000,
            ),
            version,
        ),
        encode(PrepareMessage(q), version),
        encode(
            ExecuteMessage(
                b"\x01" * 16,
                [b"local"],
                ConsistencyLevel.ONE,
                fetch_size=100,
                result_metadata_id=b"\x03" * 16 if version >= 5 else None,
            ),
            version,
        ),
        encode(
            BatchMessage(
                BatchType.LOGGED,
                [(False, "INSERT INTO ks.t (k) VALUES (?)", [b"\x00\x00\x00\x01"]), (True, b"\x02" * 16, [])],
                ConsistencyLevel.ONE,
            ),
            version,
        ),
        encode(RegisterMessage(["SCHEMA_CHANGE", "STATUS_CHANGE", "TOPOLOGY_CHANGE"]), version),
    ]
    query = QueryMessage("SELECT * FROM t WHERE k = ?", ConsistencyLevel.ONE)
    query.query_params = [b"\x00\x00\x00\x01", None]  # raw values, including a null
    frames.append(encode(query, version))
    if version >= 5:
        frames.append(
            encode(QueryMessage("SELECT * FROM t", ConsistencyLevel.ONE, keyspace="system"), version)
        )
    return frames


def _set_header(frame: bytes, **fields: int) -> bytes:
    version, flags, stream, opcode, length = HEADER.unpack_from(frame)
    values = {"version": version, "flags": flags, "stream": stream, "opcode": opcode, "length": length}
    values.update(fields)
    return HEADER.pack(*values.values()) + frame[HEADER.size :]


def mutate(frame: bytes, rng: random.Random, others: list[bytes]) -> bytes:
    """One random mutation of ``frame``."""
    kind = rng.randrange(10)
    data = bytearray(frame)
    if kind == 0:  # flip bits
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
        return bytes(data)
    if kind == 1:  # random header field
        field = rng.choice(("version", "flags", "stream", "opcode"))
        limits = {"version": (0, 255), "flags": (0, 255), "stream": (-32768, 32767), "opcode": (0, 255)}
        return _set_header(frame, **{field: rng.randint(*limits[field])})
    if kind == 2:  # wrong body length, body unchanged
        body_length = len(frame) - HEADER.size
        length = rng.choice(
            (
                0,
                max(0, body_length - rng.randint(1, 8)),
                body_length + rng.randint(1, 64),
                -1,
                -(2**31),
                2**31 - 1,
            )
        )
        return _set_header(frame, length=length)
    if kind == 3:  # truncated, length field kept consistent or not
        cut = rng.randrange(HEADER.size, len(frame) + 1)
        truncated = frame[:cut]
        if rng.random() < 0.5 and cut >= HEADER.size:
            truncated = _set_header(truncated, length=cut - HEADER.size)
        return truncated
    if kind in (4, 5):  # a count or length in the body overwritten
        if len(data) <= HEADER.size + 2:
            return bytes(data)
        offset = rng.randrange(HEADER.size, len(data) - 1)
        if kind == 4 and offset + 4 <= len(data):
            value = rng.choice((2**31 - 1, -1, -2, 65536, 1 << 24, rng.randint(-(2**31), 2**31 - 1)))
            struct.pack_into(">i", data, offset, value)
        else:
            struct.pack_into(">H", data, offset, rng.choice((0xFFFF, 0x8000, rng.randrange(0x10000))))
        return bytes(data)
    if kind == 6:  # random bytes spliced into the body
        i = rng.randrange(HEADER.size, len(data) + 1)
        junk = rng.randbytes(rng.randint(1, 32))
        body = bytes(data[HEADER.size : i]) + junk + bytes(data[i:])
        return _set_header(bytes(data[: HEADER.size]) + body, length=len(body))
    if kind == 7:  # two frames glued, the second mutated too
        return frame + mutate(rng.choice(others), rng, others)
    if kind == 8:  # the body replaced with random bytes, length consistent
        body = rng.randbytes(rng.randint(0, 200))
        return _set_header(frame[: HEADER.size] + body, length=len(body))
    return rng.randbytes(rng.randint(1, 64))  # noise


def chunks(data: bytes, rng: random.Random) -> Iterator[bytes]:
    """``data`` cut into 1 to 4 random pieces, as reads off a socket may deliver it."""
    cuts = (
        sorted(rng.sample(range(1, len(data)), min(len(data) - 1, rng.randint(0, 3))))
        if len(data) > 1
        else []
    )
    start = 0
    for cut in [*cuts, len(data)]:
        yield data[start:cut]
        start = cut


def _segment(frame: bytes) -> bytes:
    """``frame`` in v5 segments (uncompressed), as a v5 client sends everything after READY."""
    out = io.BytesIO()
    SegmentCodec().encode(out, frame)
    return out.getvalue()


def cases(count: int, seed: int) -> Iterator[tuple[int, list[bytes]]]:
    """``count`` connection inputs: (version, the byte chunks to feed). Most start with a STARTUP, so the
    mutated frame reaches the request decoders; after a v5 STARTUP the frame is usually sent in a valid
    segment (else the segment decoder is what gets fuzzed)."""
    rng = random.Random(seed)
    seeds = {v: seed_frames(v) for v in VERSIONS}
    for _ in range(count):
        version = rng.choice(VERSIONS)
        frames = seeds[version]
        body = mutate(rng.choice(frames), rng, frames)
        data: list[bytes] = []
        if rng.random() < 0.8:
            data.append(startup(version))
            if version >= 5 and rng.random() < 0.8:
                body = _segment(body)
        data.extend(chunks(body, rng))
        yield version, data
