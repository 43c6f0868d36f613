"""Bytes no driver would send, on raw sockets: each gets Cassandra's ERROR, and the server keeps serving."""

from __future__ import annotations

import struct

import pytest
from cassandra.protocol import (
    ErrorMessage,
    EventMessage,
    InvalidRequestException,
    ProtocolException,
    QueryMessage,
    ReadyMessage,
    ResultMessage,
    SupportedMessage,
)

from engine.cluster.server import NodeServer
from tests.integration.conftest import MAX_FRAME_SIZE
from tests.integration.rawclient import RawConnection

QUERY = 0x07
SUPPORTED_TEXT = "supported versions are (3/v3, 4/v4, 5/v5)"


def _long_string(text: str) -> bytes:
    data = text.encode()
    return struct.pack(">i", len(data)) + data


def test_options_and_supported(served: NodeServer) -> None:
    raw = RawConnection(served.port)
    supported = raw.options()
    assert isinstance(supported, SupportedMessage)
    assert supported.cql_versions == ["3.4.7"]
    assert supported.options == {
        "COMPRESSION": ["lz4"],
        "PROTOCOL_VERSIONS": ["3/v3", "4/v4", "5/v5"],
    }
    raw.close()


@pytest.mark.parametrize(("version", "answered_in"), [(6, 5), (66, 5), (2, 2), (1, 1)])
def test_unsupported_version_is_refused_in_a_version_the_client_reads(
    served: NodeServer, version: int, answered_in: int
) -> None:
    raw = RawConnection(served.port, version=version)
    if version < 3:
        raw.send_raw(struct.pack(">BBbBi", version, 0, 3, 0x05, 0))  # v1/v2 OPTIONS, stream 3
    else:
        raw.send_frame(0x05, b"", stream=3)
    error = raw.read()
    assert isinstance(error, ProtocolException)
    assert error.raw_version == 0x80 | answered_in
    assert error.stream_id == 3
    assert error.message == f"Invalid or unsupported protocol version ({version}); {SUPPORTED_TEXT}"
    assert raw.is_closed()


def test_garbage_is_refused_and_other_connections_do_not_notice(served: NodeServer) -> None:
    bystander = RawConnection(served.port)
    assert isinstance(bystander.startup(), ReadyMessage)
    raw = RawConnection(served.port)
    raw.send_raw(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    error = raw.read()
    assert isinstance(error, ProtocolException)
    assert error.message == f"Invalid or unsupported protocol version (71); {SUPPORTED_TEXT}"  # 'G'
    assert raw.is_closed()
    result = bystander.query("SELECT key FROM system.local")
    assert isinstance(result, ResultMessage) and result.parsed_rows == [("local",)]
    bystander.close()


def test_unknown_opcode_keeps_the_connection(served: NodeServer) -> None:
    raw = RawConnection(served.port)
    raw.startup()
    raw.send_frame(0x42, b"\x00\x01\x02", stream=9)
    error = raw.read()
    assert isinstance(error, ProtocolException)
    assert (error.stream_id, error.message) == (9, "Unknown opcode 66")
    raw.send_frame(0x02, b"", stream=10)  # READY is a response
    error = raw.read()
    assert error.message == "Wrong protocol direction (expected RESPONSE, got REQUEST) for opcode 2 (READY)"
    assert isinstance(raw.query("SELECT key FROM system.local"), ResultMessage)
    raw.close()


def test_truncated_body_is_a_protocol_error_and_the_connection_goes_on(served: NodeServer) -> None:
    raw = RawConnection(served.port)
    raw.startup()
    raw.send_frame(QUERY, struct.pack(">i", 100) + b"SELEC", stream=4)  # says 100 bytes, has 5
    error = raw.read()
    assert isinstance(error, ProtocolException)
    assert error.stream_id == 4
    assert error.message == "Not enough bytes to read a [long string] of 100 bytes (5 left) in QUERY body"
    raw.send_frame(QUERY, _long_string("SELECT key FROM system.local"), stream=5)  # no consistency
    error = raw.read()
    assert error.message == "Not enough bytes to read a [short] of 2 bytes (0 left) in QUERY body"
    assert isinstance(raw.query("SELECT key FROM system.local", stream=6), ResultMessage)
    raw.close()


def test_requests_before_startup_and_startup_twice(served: NodeServer) -> None:
    raw = RawConnection(served.port)
    raw.send(QueryMessage("SELECT key FROM system.local", consistency_level=1))
    error = raw.read()
    assert error.message == "Unexpected message QUERY, expecting STARTUP or OPTIONS"
    raw.startup()
    error = raw.startup()
    assert isinstance(error, ProtocolException)
    assert error.message == "Unexpected message STARTUP, the connection is already initialized"
    raw.close()


def test_startup_options_are_checked(served: NodeServer) -> None:
    raw = RawConnection(served.port)
    raw.send_frame(0x01, b"\x00\x00")  # an empty string map
    error = raw.read()
    assert error.message == "Missing value CQL_VERSION in STARTUP message"
    body = b"\x00\x02" + b"".join(
        struct.pack(">H", len(s)) + s for s in (b"CQL_VERSION", b"3.0.0", b"COMPRESSION", b"snappy")
    )
    raw.send_frame(0x01, body)
    error = raw.read()
    assert error.message == "Unknown compression algorithm: snappy"
    raw.close()


def test_too_big_frame_is_skipped_and_answered(served: NodeServer) -> None:
    raw = RawConnection(served.port)
    raw.startup()
    size = MAX_FRAME_SIZE + 100
    raw.send_raw(struct.pack(">BBhBi", 4, 0, 11, QUERY, size) + b"\x00" * size)
    error = raw.read()
    assert isinstance(error, InvalidRequestException)
    assert error.stream_id == 11
    assert error.message == (
        f"Request is too big: length {size + 9} exceeds maximum allowed length {MAX_FRAME_SIZE}."
    )
    assert isinstance(raw.query("SELECT key FROM system.local"), ResultMessage)
    raw.close()


def test_version_cannot_change_on_a_connection(served: NodeServer) -> None:
    raw = RawConnection(served.port, version=4)
    raw.startup()
    raw.send_frame(0x05, b"", stream=2, version=3)
    error = raw.read()
    assert error.message == (
        "Invalid message version. Got 3 but previous messages on this connection had version 4"
    )
    raw.close()


@pytest.mark.parametrize("compression", [None, "lz4"])
def test_v5_segments(served: NodeServer, compression: str | None) -> None:
    raw = RawConnection(served.port, version=5)
    assert isinstance(raw.startup(compression), ReadyMessage)
    # two requests in one segment, answered (possibly out of order) by stream id
    out = bytearray()
    for stream in (1, 2):
        from cassandra.protocol import _ProtocolHandler

        frame = _ProtocolHandler.encode_message(
            QueryMessage(f"SELECT key FROM system.local -- {stream}", 1), stream, 5, None, False
        )
        out += frame
    raw.send_raw(raw._wrap(bytes(out)))
    answers = {m.stream_id: m for m in (raw.read(), raw.read())}
    assert sorted(answers) == [1, 2]
    assert all(m.parsed_rows == [("local",)] for m in answers.values())
    raw.close()


def test_v5_corrupt_segment_closes_the_connection(served: NodeServer) -> None:
    raw = RawConnection(served.port, version=5)
    raw.startup()
    segment = bytearray(raw._wrap(b"\x05\x00\x00\x01\x05\x00\x00\x00\x00"))  # OPTIONS
    segment[3] ^= 0xFF  # break the header CRC
    raw.send_raw(bytes(segment))
    error = raw.read()
    assert isinstance(error, ProtocolException)
    assert error.message.startswith("CRC mismatch on segment header")
    assert raw.is_closed()


def test_schema_change_events_reach_registered_connections(served: NodeServer) -> None:
    listener = RawConnection(served.port, version=4)
    listener.startup()
    assert isinstance(listener.register("SCHEMA_CHANGE", "STATUS_CHANGE"), ReadyMessage)
    actor = RawConnection(served.port, version=5)
    actor.startup()
    result = actor.query(
        "CREATE KEYSPACE events_ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    assert result.schema_change_event == {
        "target_type": "KEYSPACE",
        "change_type": "CREATED",
        "keyspace": "events_ks",
    }
    event = listener.read()
    assert isinstance(event, EventMessage)
    assert event.stream_id == -1
    assert event.event_type == "SCHEMA_CHANGE"
    assert event.event_args == {"target_type": "KEYSPACE", "change_type": "CREATED", "keyspace": "events_ks"}
    actor.query("CREATE TABLE events_ks.t (k int PRIMARY KEY)")
    event = listener.read()
    assert event.event_args == {
        "target_type": "TABLE",
        "change_type": "CREATED",
        "keyspace": "events_ks",
        "table": "t",
    }
    from engine.transport import StatusChange

    served.transport.publish(StatusChange("DOWN", "127.0.0.2", 9042))
    event = listener.read()
    assert (event.event_type, event.event_args) == (
        "STATUS_CHANGE",
        {"change_type": "DOWN", "address": ("127.0.0.2", 9042)},
    )
    listener.close()
    actor.close()


def test_register_rejects_unknown_events(served: NodeServer) -> None:
    raw = RawConnection(served.port)
    raw.startup()
    error = raw.register("SCHEMA_CHANGE", "NOPE")
    assert isinstance(error, ErrorMessage)
    assert "Invalid value 'NOPE' for Event.Type" in error.message
    raw.close()


def test_named_values_in_a_query(served: NodeServer) -> None:
    raw = RawConnection(served.port)
    raw.startup()
    body = (
        _long_string("SELECT key FROM system.local WHERE key = :wanted")
        + struct.pack(">HB", 1, 0x01 | 0x40)  # ONE; values with names
        + struct.pack(">H", 1)
        + struct.pack(">H", 6)
        + b"wanted"
        + struct.pack(">i", 5)
        + b"local"
    )
    raw.send_frame(QUERY, body, stream=3)
    result = raw.read()
    assert isinstance(result, ResultMessage) and result.parsed_rows == [("local",)]
    raw.close()
