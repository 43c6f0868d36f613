"""The frame, segment and notation codecs, checked against cassandra-driver's independent implementation."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator

import pytest
from cassandra import cqltypes
from cassandra.connection import locally_supported_compressions
from cassandra.protocol import ResultMessage, _ProtocolHandler
from cassandra.segment import SegmentCodec
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import ProtocolError
from engine.schema.types import (
    BIGINT,
    DATE,
    DURATION,
    INT,
    TEXT,
    ListType,
    MapType,
    ReversedType,
    TupleType,
    UserType,
    VectorType,
)
from engine.schema.types import FLOAT as FLOAT_TYPE
from engine.service.query_options import UNSET
from engine.service.results import ColumnSpec, Rows
from engine.transport import notation
from engine.transport.compression import Lz4
from engine.transport.connection import ProtocolConnection, Reply
from engine.transport.datatypes import encode_type
from engine.transport.frame import Flag, Frame, FrameDecoder, FrameError, Opcode, encode_request
from engine.transport.handler import BatchChild, PreparedInfo
from engine.transport.messages import decode_request
from engine.transport.notation import BodyReader, write_long_string, write_short, write_string, write_value
from engine.transport.results import encode_prepared, encode_rows, result_metadata_id
from engine.transport.segment import MAX_PAYLOAD, SegmentDecoder, encode_segments

LZ4_DRIVER = locally_supported_compressions["lz4"]


def _driver_segments(data: bytes, compressed: bool) -> list[tuple[bytes, bool]]:
    codec = SegmentCodec(*LZ4_DRIVER) if compressed else SegmentCodec()
    buffer = io.BytesIO(data)
    out = []
    while buffer.tell() < len(data):
        header = codec.decode_header(buffer)
        segment = codec.decode(buffer, header)
        out.append((segment.payload, segment.is_self_contained))
    return out


@pytest.mark.parametrize("compressed", [False, True])
def test_segments_are_what_the_driver_reads(compressed: bool) -> None:
    small = [b"a" * 10, b"b" * 20]
    big = bytes(range(256)) * 1100  # 281,600 bytes: three segments
    data = encode_segments([*small, big, b"c"], Lz4() if compressed else None)
    segments = _driver_segments(data, compressed)
    assert segments[0] == (b"a" * 10 + b"b" * 20, True)
    assert [s for _, s in segments[1:4]] == [False, False, False]
    assert b"".join(p for p, _ in segments[1:4]) == big
    assert max(len(p) for p, _ in segments) <= MAX_PAYLOAD
    assert segments[4] == (b"c", True)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(max_size=3000), min_size=1, max_size=5), st.booleans(), st.integers(1, 97))
def test_segments_from_the_driver_decode_in_any_chunking(
    frames: list[bytes], compressed: bool, chunk: int
) -> None:
    codec = SegmentCodec(*LZ4_DRIVER) if compressed else SegmentCodec()
    out = io.BytesIO()
    for frame in frames:
        codec.encode(out, frame)
    data = out.getvalue()
    decoder = SegmentDecoder(Lz4() if compressed else None)
    payloads = []
    for start in range(0, len(data), chunk):
        payloads.extend(decoder.feed(data[start : start + chunk]))
    assert payloads == frames


def test_segment_checksums_are_checked() -> None:
    data = bytearray(encode_segments([b"hello"]))
    data[-1] ^= 0x01
    decoder = SegmentDecoder()
    good = encode_segments([b"first"])
    assert decoder.feed(good + bytes(data)) == [b"first"]  # what came before the bad segment
    assert isinstance(decoder.error, ProtocolError)
    assert decoder.error.message.startswith("CRC mismatch on segment payload")
    assert decoder.feed(good) == []  # stays failed


def test_frame_decoder_byte_by_byte() -> None:
    frames = encode_request(4, 0, 7, Opcode.OPTIONS, b"") + encode_request(4, 0, 8, Opcode.QUERY, b"xyz")
    decoder = FrameDecoder()
    items = [item for i in range(len(frames)) for item in decoder.feed(frames[i : i + 1])]
    assert [(i.header.stream, i.header.opcode, i.body) for i in items if isinstance(i, Frame)] == [
        (7, Opcode.OPTIONS, b""),
        (8, Opcode.QUERY, b"xyz"),
    ]


def test_negative_length_loses_the_framing() -> None:
    decoder = FrameDecoder()
    (error,) = decoder.feed(b"\x04\x00\x00\x05\x05\xff\xff\xff\xfe")
    assert isinstance(error, FrameError) and error.fatal
    assert error.error.message == "Invalid value for envelope header body length field: -2"
    assert decoder.feed(encode_request(4, 0, 1, Opcode.OPTIONS, b"")) == []


def test_body_reader_values_and_errors() -> None:
    body = write_value(b"ab") + write_value(None) + write_value(UNSET) + write_string("é")
    reader = BodyReader(body, "EXECUTE")
    assert [reader.read_value(), reader.read_value(), reader.read_value(), reader.read_string()] == [
        b"ab",
        None,
        UNSET,
        "é",
    ]
    with pytest.raises(ProtocolError, match=r"Invalid \[value\] length -3 in EXECUTE body"):
        BodyReader(b"\xff\xff\xff\xfd", "EXECUTE").read_value()
    with pytest.raises(ProtocolError, match=r"Cannot decode a \[string\] as UTF-8 in QUERY body"):
        BodyReader(write_short(2) + b"\xff\xfe", "QUERY").read_string()


#: bound values read by the C extension (``_notation.c``) and by the Python loops: both must agree
VALUE_READERS = pytest.mark.parametrize(
    "native", [notation.native_notation, None], ids=["c-extension", "python"]
)


@contextlib.contextmanager
def _reading_with(native: object) -> Iterator[None]:
    assert notation.native_notation is not None, "the _notation C extension is not built"
    previous = BodyReader.native
    BodyReader.native = native
    try:
        yield
    finally:
        BodyReader.native = previous


@given(
    st.lists(st.one_of(st.none(), st.just(UNSET), st.binary(max_size=40)), max_size=30), st.integers(0, 12)
)
@settings(max_examples=200, deadline=None)
@VALUE_READERS
def test_read_values_is_read_value_repeated(native: object, values: list, cut: int) -> None:
    """The batched reader gives what reading one value at a time gives, errors included (the body cut
    short by ``cut`` bytes, or ending in a length below -2)."""
    with _reading_with(native):
        _check_values_read(values, cut)


def _check_values_read(values: list, cut: int) -> None:
    body = b"".join(write_value(v) for v in values)
    for data in (body, body[: max(0, len(body) - cut)], body + b"\xff\xff\xff\xfd"):
        count = len(values) + (1 if data is not body and data.endswith(b"\xfd") else 0)
        one, many = BodyReader(data, "BATCH"), BodyReader(data, "BATCH")
        try:
            expected: object = tuple(one.read_value() for _ in range(count))
        except ProtocolError as e:
            expected = e.message
        try:
            got: object = many.read_values(count)
        except ProtocolError as e:
            got = e.message
        assert got == expected
        if not isinstance(expected, str):
            assert many.remaining == one.remaining
            assert all(v is None or v is UNSET or type(v) is bytes for v in got)  # type: ignore[union-attr]


_CHILDREN = st.lists(
    st.one_of(
        st.tuples(st.just(0), st.text(max_size=8), st.lists(st.binary(max_size=6), max_size=3)),
        st.tuples(
            st.just(1), st.sampled_from([b"id-a", b"id-b", b""]), st.lists(st.binary(max_size=6), max_size=3)
        ),
        st.tuples(st.just(7), st.just(""), st.just([])),  # not a kind of child: refused
    ),
    max_size=8,
)


def _child_by_child(reader: BodyReader, count: int) -> tuple[tuple[str | bytes, tuple[object, ...]], ...]:
    """BATCH children read one notation at a time (what the one-loop reader must agree with)."""
    children = []
    for _ in range(count):
        kind = reader.read_byte()
        if kind == 0:
            statement: str | bytes = reader.read_long_string()
        elif kind == 1:
            statement = reader.read_short_bytes()
        else:
            raise ProtocolError(f"Invalid query kind in BATCH messages. Must be 0 or 1 but got {kind}")
        children.append((statement, tuple(reader.read_value() for _ in range(reader.read_short()))))
    return tuple(children)


@given(_CHILDREN, st.integers(0, 12))
@settings(max_examples=200, deadline=None)
@VALUE_READERS
def test_batch_children_read_in_one_loop_are_read_one_by_one(
    native: object, children: list, cut: int
) -> None:
    """A BATCH body decodes to the children (or the error) that reading one notation at a time gives,
    cut short or not: the prepared children of a batch are read in one loop."""
    with _reading_with(native):
        _check_children_read(children, cut)


def _check_children_read(children: list, cut: int) -> None:
    body = bytearray([0]) + write_short(len(children))
    for kind, statement, values in children:
        body.append(kind)
        if kind == 0:
            body += write_long_string(statement)
        elif kind == 1:
            body += write_short(len(statement)) + statement
        body += write_short(len(values)) + b"".join(write_value(v) for v in values)
    body += write_short(1) + b"\x00"  # consistency ANY, no flags
    for whole, data in ((True, bytes(body)), (False, bytes(body[: max(3, len(body) - cut)]))):
        reader = BodyReader(data, "BATCH")
        reader.read_byte()
        try:
            expected: object = _child_by_child(reader, reader.read_short())
        except ProtocolError as e:
            expected = e.message
        try:
            request = decode_request(Opcode.BATCH, 4, Flag(0), data).message.request  # type: ignore[attr-defined]
            assert all(type(c) is BatchChild for c in request.children)
            got: object = tuple((c.statement, c.values) for c in request.children)
        except ProtocolError as e:
            got = e.message
        if isinstance(expected, str) or whole:
            assert got == expected
        elif not isinstance(got, str):
            assert got == expected  # a body cut in its options: the children still agree


ADDRESS = UserType("ks", "address", ("street", "zip"), (TEXT, INT))


@pytest.mark.parametrize(
    ("cql_type", "version", "driver_name"),
    [
        (INT, 4, "int"),
        (ReversedType(BIGINT), 4, "bigint"),
        (MapType(TEXT, ListType(INT)), 4, "map<varchar, list<int>>"),
        (TupleType((INT, TEXT)), 4, "frozen<tuple<int, varchar>>"),
        (ADDRESS, 4, "frozen<address>"),
        (DATE, 4, "date"),
        (DATE, 3, "date"),
        (DURATION, 5, "duration"),
        (DURATION, 4, "duration"),
        (VectorType(FLOAT_TYPE, 3), 5, "org.apache.cassandra.db.marshal.VectorType<float, 3>"),
    ],
)
def test_types_are_read_by_the_driver(cql_type: object, version: int, driver_name: str) -> None:
    encoded = encode_type(cql_type, version)
    read = ResultMessage.read_type(io.BytesIO(encoded), {})
    assert read.cql_parameterized_type() == driver_name
    if cql_type is DATE and version == 3:  # date arrived in v4: v3 gets Cassandra's class name
        assert encoded == b"\x00\x00" + write_string("org.apache.cassandra.db.marshal.SimpleDateType")
    if cql_type is ADDRESS:
        assert issubclass(read, cqltypes.UserType)
        assert (read.keyspace, read.typename, read.fieldnames) == ("ks", "address", ("street", "zip"))


def _decode(body: bytes, version: int, result_metadata: object = None) -> ResultMessage:
    return _ProtocolHandler.decode_message(version, {}, 1, 0, Opcode.RESULT, body, None, result_metadata)


def test_rows_with_paging_and_skipped_metadata() -> None:
    columns = (ColumnSpec("ks", "t", "k", INT), ColumnSpec("ks", "t", "v", TEXT))
    rows = Rows(columns, ((INT.serialize(1), TEXT.serialize("a")), (INT.serialize(2), None)), b"\x01state")
    full = _decode(encode_rows(rows, 4), 4)
    assert (full.column_names, full.parsed_rows, full.paging_state) == (
        ["k", "v"],
        [(1, "a"), (2, None)],
        b"\x01state",
    )
    skipped = _decode(encode_rows(rows, 4, skip_metadata=True), 4, full.column_metadata)
    assert skipped.column_metadata is None and skipped.parsed_rows == [(1, "a"), (2, None)]
    # v5: a stale result metadata id gets the metadata back with the new id
    changed = _decode(encode_rows(rows, 5, skip_metadata=True, client_metadata_id=b"stale"), 5)
    assert changed.result_metadata_id == result_metadata_id(columns)
    assert changed.column_names == ["k", "v"]
    current = _decode(
        encode_rows(rows, 5, skip_metadata=True, client_metadata_id=result_metadata_id(columns)),
        5,
        full.column_metadata,
    )
    assert current.column_metadata is None


@pytest.mark.parametrize("version", [3, 4, 5])
def test_prepared_result(version: int) -> None:
    bind = (ColumnSpec("ks", "t", "k", INT), ColumnSpec("ks", "t", "v", TEXT))
    info = PreparedInfo(b"\x0a" * 16, bind, (0,), (ColumnSpec("ks", "t", "v", TEXT),))
    message = _decode(encode_prepared(info, version), version)
    assert message.query_id == b"\x0a" * 16
    assert [c.name for c in message.bind_metadata] == ["k", "v"]
    assert message.pk_indexes == ([0] if version >= 4 else None)
    assert [c[2] for c in message.column_metadata] == ["v"]
    if version >= 5:
        assert message.result_metadata_id == result_metadata_id(info.result_columns)


def test_connection_answers_options_before_startup_and_switches_to_segments() -> None:
    connection = ProtocolConnection()
    (reply,) = connection.receive(encode_request(5, 0, 1, Opcode.OPTIONS, b""))
    assert isinstance(reply, Reply) and reply.data[:5] == b"\x85\x00\x00\x01\x06"
    startup = write_short(1) + write_string("CQL_VERSION") + write_string("3.4.7")
    (ready,) = connection.receive(encode_request(5, 0, 2, Opcode.STARTUP, startup))
    assert ready.data == b"\x85\x00\x00\x02\x02\x00\x00\x00\x00"  # READY itself is not in a segment
    assert connection.framed
    query = write_long_string("SELECT 1") + write_short(1) + b"\x00\x00\x00\x00"
    (dispatch,) = connection.receive(encode_segments([encode_request(5, 0, 3, Opcode.QUERY, query)]))
    assert dispatch.stream == 3 and dispatch.request.message.query == "SELECT 1"
