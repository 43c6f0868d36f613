"""The native connection reads types, values and errors exactly as cassandra-driver does: every case is
decoded by both (the driver's ``cqltypes``/``protocol`` classes and ``shell.connection.native_*``) and
must give the same type text, the same Python values and the same printed error."""

from __future__ import annotations

import datetime
import io
import struct
import uuid
from decimal import Decimal

import pytest
from cassandra import cqltypes
from cassandra.protocol import ErrorMessage, ResultMessage

from shell.connection.decoding import decode as driver_decode
from shell.connection.driver import query_error
from shell.connection.native import Retry, retry_decision
from shell.connection.native_codec import Reader, ResultKind, decode_response, query_body
from shell.connection.native_types import DriverType, ListOf, SimpleType, decode, read_type
from shell.output.errors import ErrorCode, ServerError, error_message


def _string(text: str) -> bytes:
    data = text.encode()
    return struct.pack(">H", len(data)) + data


def _option(code: int, *parameters: bytes) -> bytes:
    return struct.pack(">H", code) + b"".join(parameters)


LIST, MAP, SET, UDT, TUPLE, CUSTOM = 0x20, 0x21, 0x22, 0x30, 0x31, 0x00
UDT_OPTION = _option(
    UDT,
    _string("ks"),
    _string("address"),
    struct.pack(">H", 2),
    _string("street"),
    _option(0x0D),
    _string("zip"),
    _option(0x09),
)

# (type [option], values serialized by the driver's own class for that type)
CASES: list[tuple[bytes, list[object]]] = [
    (_option(0x01), ["", "abc"]),
    (_option(0x02), [0, -(2**63), 2**63 - 1]),
    (_option(0x03), [b"", b"\x00\xff"]),
    (_option(0x04), [True, False]),
    (_option(0x05), [7]),
    (_option(0x06), [Decimal("1.50"), Decimal("-0.000001"), Decimal("12345678901234567890.1")]),
    (_option(0x07), [1.5, float("inf"), -0.0, 1e300]),
    (_option(0x08), [1.1, -3.25]),
    (_option(0x09), [0, -1, 2**31 - 1]),
    (_option(0x0A), ["x", "é漢"]),
    (_option(0x0B), [datetime.datetime(2024, 1, 2, 3, 4, 5, 678000), datetime.datetime(1900, 1, 1), -1]),
    (_option(0x0C), [uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")]),
    (_option(0x0D), ["", "text"]),
    (_option(0x0E), [0, -129, 2**80]),
    (_option(0x0F), [uuid.UUID("e1c5a4a0-0000-11ef-8000-000000000001")]),
    (_option(0x10), ["127.0.0.1", "::1", "2001:db8::ff00:42:8329"]),
    (_option(0x11), [cqltypes.util.Date(19000)]),
    (_option(0x12), [cqltypes.util.Time(3_600_000_000_123)]),
    (_option(0x13), [-32768, 5]),
    (_option(0x14), [-128, 127]),
    (_option(0x15), [cqltypes.util.Duration(1, 2, 3)]),
    (_option(LIST, _option(0x09)), [[1, 2, 3], []]),
    (_option(LIST, _option(0x0D)), [["a", ""]]),
    (_option(LIST, _option(LIST, _option(0x0B))), [[[datetime.datetime(2020, 5, 6)]]]),
    (_option(LIST, _option(0x11)), [[cqltypes.util.Date(1)]]),
    (_option(SET, _option(0x09)), [{3, 1}]),
    (_option(MAP, _option(0x0D), _option(0x07)), [{"a": 1.0}]),
    (_option(TUPLE, struct.pack(">H", 2), _option(0x09), _option(0x0D)), [(1, "x"), (None, None)]),
    (UDT_OPTION, [("Main St", 12345)]),
    (
        _option(
            CUSTOM,
            _string(
                "org.apache.cassandra.db.marshal.VectorType(org.apache.cassandra.db.marshal.FloatType,2)"
            ),
        ),
        [[0.5, -2.0]],
    ),
]


def _driver_type(option: bytes) -> type:
    return ResultMessage.read_type(io.BytesIO(option), {})  # type: ignore[no-any-return]


@pytest.mark.parametrize(("option", "values"), CASES, ids=lambda c: c.hex() if isinstance(c, bytes) else "")
def test_types_and_values_read_as_the_driver_reads_them(option: bytes, values: list[object]) -> None:
    driver = _driver_type(option)
    ours = read_type(Reader(option))
    assert ours.cql_parameterized_type() == driver.cql_parameterized_type()
    for value in values:
        raw = (
            struct.pack(">q", value)
            if value == -1 and driver.typename == "timestamp"
            else driver.serialize(value, 5)
        )
        assert decode(ours, raw, 5) == driver_decode(driver, raw, 5)
        assert type(decode(ours, raw, 5)) is type(driver_decode(driver, raw, 5))
    assert decode(ours, None, 5) is None
    assert decode(ours, b"", 5) == driver_decode(driver, b"", 5)


def test_common_types_do_not_need_the_driver() -> None:
    assert isinstance(read_type(Reader(_option(0x0D))), SimpleType)
    assert isinstance(read_type(Reader(_option(LIST, _option(0x09)))), ListOf)
    assert isinstance(read_type(Reader(_option(LIST, _option(0x11)))), DriverType)
    assert read_type(Reader(UDT_OPTION)).holds_user_type()
    assert not read_type(Reader(_option(LIST, _option(0x09)))).holds_user_type()


def test_timestamps_outside_datetime_are_milliseconds() -> None:
    far = struct.pack(">q", 2**62)
    assert (
        decode(read_type(Reader(_option(0x0B))), far, 5) == driver_decode(cqltypes.DateType, far, 5) == 2**62
    )


def test_empty_element_inside_a_list_is_none() -> None:
    raw = struct.pack(">ii", 1, 0)
    assert decode(read_type(Reader(_option(LIST, _option(0x09)))), raw, 5) == [None]


def _error_body(code: int, message: str, extra: bytes = b"") -> bytes:
    return struct.pack(">i", code) + _string(message) + extra


ERRORS = [
    (ErrorCode.INVALID, b""),
    (ErrorCode.SYNTAX_ERROR, b""),
    (ErrorCode.UNAUTHORIZED, b""),
    (ErrorCode.CONFIG_ERROR, b""),
    (ErrorCode.SERVER_ERROR, b""),
    (ErrorCode.OVERLOADED, b""),
    (ErrorCode.UNAVAILABLE, struct.pack(">Hii", 4, 2, 1)),
    (ErrorCode.READ_TIMEOUT, struct.pack(">Hiib", 6, 1, 2, 1)),
    (ErrorCode.WRITE_TIMEOUT, struct.pack(">Hii", 1, 0, 1) + _string("SIMPLE")),
    (
        ErrorCode.READ_FAILURE,
        struct.pack(">Hiii", 5, 1, 3, 1) + b"\x04\x7f\x00\x00\x02" + struct.pack(">Hb", 1, 0),
    ),
    (
        ErrorCode.WRITE_FAILURE,
        struct.pack(">Hiii", 4, 0, 2, 1) + b"\x04\x7f\x00\x00\x03" + struct.pack(">H", 0) + _string("BATCH"),
    ),
    (ErrorCode.FUNCTION_FAILURE, _string("ks") + _string("f") + struct.pack(">H", 1) + _string("int")),
    (ErrorCode.ALREADY_EXISTS, _string("ks") + _string("t")),
    (ErrorCode.ALREADY_EXISTS, _string("ks") + _string("")),
]


@pytest.mark.parametrize(("code", "extra"), ERRORS, ids=lambda c: hex(c) if isinstance(c, int) else "")
def test_errors_print_as_the_driver_connection_prints_them(code: int, extra: bytes) -> None:
    body = _error_body(code, 'it "failed"', extra)
    driver = ErrorMessage.recv_body(io.BytesIO(body), 5)
    exception = driver.to_exception() if hasattr(driver, "to_exception") else driver
    ours = decode_response(0x00, 0, body, 5).error
    assert ours is not None
    assert error_message(ours) == query_error(exception).text


def test_retry_policy_is_the_drivers_default() -> None:
    def error(code: int, **info: object) -> ServerError:
        return ServerError("", code, "m", info)

    enough = {"received_responses": 1, "required_responses": 1, "data_retrieved": False}
    assert retry_decision(error(ErrorCode.READ_TIMEOUT, **enough), 0) == Retry.SAME_HOST
    assert retry_decision(error(ErrorCode.READ_TIMEOUT, **enough), 1) == Retry.RETHROW
    assert (
        retry_decision(error(ErrorCode.READ_TIMEOUT, **{**enough, "data_retrieved": True}), 0)
        == Retry.RETHROW
    )
    assert retry_decision(error(ErrorCode.WRITE_TIMEOUT, write_type="BATCH_LOG"), 0) == Retry.SAME_HOST
    assert retry_decision(error(ErrorCode.WRITE_TIMEOUT, write_type="SIMPLE"), 0) == Retry.RETHROW
    assert retry_decision(error(ErrorCode.UNAVAILABLE), 0) == Retry.NEXT_HOST
    assert retry_decision(error(ErrorCode.UNAVAILABLE), 1) == Retry.RETHROW
    assert retry_decision(error(ErrorCode.OVERLOADED), 3) == Retry.NEXT_HOST
    assert retry_decision(error(ErrorCode.INVALID), 0) == Retry.RETHROW


def test_query_body_is_the_drivers() -> None:
    from cassandra.protocol import QueryMessage

    for version in (4, 5):
        for fetch, paging in ((100, None), (None, None), (100, b"\x01\x02")):
            message = QueryMessage("SELECT 1", 4, 9, fetch, paging, timestamp=1234567)
            expected = io.BytesIO()
            message.send_body(expected, version)
            ours = query_body(
                "SELECT 1",
                version,
                consistency="QUORUM",
                serial_consistency="LOCAL_SERIAL",
                fetch_size=fetch,
                paging_state=paging,
                timestamp=1234567,
            )
            assert ours == expected.getvalue()


def test_rows_result_with_paging_and_warnings() -> None:
    paging = b"\x00\x01"
    flags = struct.pack(">iii", 0x0001 | 0x0002, 2, 3)
    body = (
        struct.pack(">H", 1)
        + _string("careful")
        + struct.pack(">i", ResultKind.ROWS)
        + flags[:8]
        + struct.pack(">i", 2)
        + paging
        + _string("ks")
        + _string("t")
        + _string("k")
        + _option(0x09)
        + _string("v")
        + _option(LIST, _option(0x0D))
        + struct.pack(">i", 1)
        + struct.pack(">i", 4)
        + struct.pack(">i", 7)
        + struct.pack(">i", -1)
    )
    response = decode_response(0x08, 0x08, body, 5)
    assert response.warnings == ("careful",)
    assert response.paging_state == paging
    assert [(c.keyspace, c.table, c.name, c.type.cql_parameterized_type()) for c in response.columns] == [
        ("ks", "t", "k", "int"),
        ("ks", "t", "v", "list<varchar>"),
    ]
    assert response.rows == [[struct.pack(">i", 7), None]]
