"""Error lines: exact goldens, and cassandra-driver's own exceptions (what cqlsh prints) as the oracle."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from cassandra import ConsistencyLevel
from cassandra.cluster import NoHostAvailable
from cassandra.connection import DefaultEndPoint
from cassandra.policies import SimpleConvictionPolicy, WriteType
from cassandra.pool import Host
from cassandra.protocol import ErrorMessage, error_classes

from shell.output.colors import Ansi
from shell.output.errors import (
    Coordinator,
    ErrorCode,
    ServerError,
    SourcePosition,
    client_timeout_message,
    error_line,
    error_message,
)


def _driver_info(code: int, info: Mapping[str, object]) -> object:
    """The info the driver decodes from the wire for this code (consistency/write type as values)."""
    decoded = dict(info)
    if "consistency" in decoded:
        decoded["consistency"] = ConsistencyLevel.name_to_value[decoded["consistency"]]  # type: ignore[index]
    if "write_type" in decoded:
        decoded["write_type"] = WriteType.name_to_value[decoded["write_type"]]  # type: ignore[index]
    if code == ErrorCode.UNPREPARED:
        return b"\x01\x02"
    return decoded or None


def _driver_exception(error: ServerError) -> Exception:
    message_class = error_classes.get(error.code, ErrorMessage)
    message = message_class(code=error.code, message=error.message, info=_driver_info(error.code, error.info))
    return message.to_exception()


def _as_cqlsh_prints(exception: Exception) -> str:
    # cqlshmain.perform_simple_statement
    text = exception.message if hasattr(exception, "message") else str(exception)
    return f"{type(exception).__name__}: {text}"


TIMEOUT = {"consistency": "QUORUM", "required_responses": 2, "received_responses": 1}
CASES = [
    ServerError("InvalidRequest", 0x2200, "Keyspace 'nonexistentkeyspace' does not exist"),
    ServerError("InvalidRequest", 0x2200, "quotes \" and ' and\nnewline"),
    ServerError("SyntaxException", 0x2000, "line 1:0 no viable alternative at input 'SELEC' ([SELEC]...)"),
    ServerError(
        "Unauthorized", 0x2100, "User bob has no SELECT permission on <table ks.t> or any of its parents"
    ),
    ServerError("AlreadyExists", 0x2400, "Keyspace ks already exists", {"keyspace": "ks", "table": ""}),
    ServerError("AlreadyExists", 0x2400, "Table ks.t already exists", {"keyspace": "ks", "table": "t"}),
    ServerError("ConfigurationException", 0x2300, "Unrecognized strategy option {foo}"),
    ServerError(
        "Unavailable",
        0x1000,
        "Cannot achieve consistency level QUORUM",
        {"consistency": "QUORUM", "required_replicas": 2, "alive_replicas": 1},
    ),
    ServerError(
        "ReadTimeout",
        0x1200,
        "Operation timed out - received only 1 responses.",
        {**TIMEOUT, "data_retrieved": False},
    ),
    ServerError(
        "WriteTimeout",
        0x1100,
        "Operation timed out - received only 0 responses.",
        {"consistency": "ONE", "required_responses": 1, "received_responses": 0, "write_type": "SIMPLE"},
    ),
    ServerError(
        "ReadFailure",
        0x1300,
        "Operation failed - received 0 responses and 1 failures: READ_TOO_MANY_TOMBSTONES from /127.0.0.1:7000",
        {**TIMEOUT, "failures": 1, "error_code_map": {"127.0.0.1": 1}, "data_retrieved": False},
    ),
    ServerError(
        "WriteFailure",
        0x1500,
        "Operation failed - received 0 responses and 1 failures",
        {**TIMEOUT, "failures": 1, "error_code_map": None, "write_type": "BATCH"},
    ),
    ServerError(
        "FunctionFailure",
        0x1400,
        "execution of 'ks.f[int]' failed: java.lang.ArithmeticException",
        {"keyspace": "ks", "function": "f", "arg_types": ["int"]},
    ),
    ServerError("ServerError", 0x0000, "java.lang.AssertionError"),
    ServerError("ProtocolError", 0x000A, "Invalid or unsupported protocol version (66)"),
    ServerError("AuthenticationError", 0x0100, "Provided username bob and/or password are incorrect"),
    ServerError("Overloaded", 0x1001, "Too many requests"),
    ServerError("IsBootstrapping", 0x1002, "Cannot read from a bootstrapping node"),
    ServerError("TruncateError", 0x1003, "Truncate timed out"),
    ServerError("CdcWriteFailure", 0x1600, "Rejecting mutation to keyspace ks"),
    ServerError("CasWriteUnknown", 0x1700, "CAS operation result is unknown"),
    ServerError("Unprepared", 0x2500, "Prepared query with ID 0102 not found"),
]


@pytest.mark.parametrize("error", CASES, ids=lambda e: f"{e.code:04x}")
def test_matches_driver_exception(error: ServerError) -> None:
    assert error_message(error) == _as_cqlsh_prints(_driver_exception(error))


@pytest.mark.parametrize("error", CASES, ids=lambda e: f"{e.code:04x}")
def test_matches_driver_after_single_host_retry(error: ServerError) -> None:
    host = Host(DefaultEndPoint("127.0.0.1", 9042), SimpleConvictionPolicy)
    host.set_location_info("datacenter1", "rack1")
    coordinator = Coordinator("127.0.0.1:9042", "datacenter1")
    retried = error.code in (0x1000, 0x1001, 0x1002, 0x1003, 0x0000)
    exception = _driver_exception(error)
    if retried:
        exception = NoHostAvailable("Unable to complete the operation against any hosts", {host: exception})
    assert error_message(error, coordinator=coordinator) == _as_cqlsh_prints(exception)


def test_reference_lines() -> None:
    assert error_message(CASES[0]) == (
        "InvalidRequest: Error from server: code=2200 [Invalid query] "
        "message=\"Keyspace 'nonexistentkeyspace' does not exist\""
    )
    assert error_message(CASES[4]) == "AlreadyExists: Keyspace 'ks' already exists"
    assert error_message(CASES[7]) == (
        "Unavailable: Error from server: code=1000 [Unavailable exception] "
        'message="Cannot achieve consistency level QUORUM" '
        "info={'consistency': 'QUORUM', 'required_replicas': 2, 'alive_replicas': 1}"
    )
    assert error_message(CASES[7], coordinator=Coordinator("127.0.0.1:9042", "datacenter1")) == (
        "NoHostAvailable: ('Unable to complete the operation against any hosts', "
        "{<Host: 127.0.0.1:9042 datacenter1>: Unavailable('Error from server: code=1000 [Unavailable exception] "
        'message="Cannot achieve consistency level QUORUM" '
        "info={\\'consistency\\': \\'QUORUM\\', \\'required_replicas\\': 2, \\'alive_replicas\\': 1}')})"
    )
    assert error_message(CASES[2]) == (
        "SyntaxException: line 1:0 no viable alternative at input 'SELEC' ([SELEC]...)"
    )


def test_consistency_by_protocol_value() -> None:
    by_value = ServerError(
        "Unavailable",
        0x1000,
        "m",
        {"consistency": ConsistencyLevel.LOCAL_QUORUM, "required_replicas": 2, "alive_replicas": 0},
    )
    assert "'consistency': 'LOCAL_QUORUM'" in error_message(by_value)


def test_line_prefix_and_color() -> None:
    text = error_message(CASES[0])
    assert error_line(text) == text
    assert error_line(text, position=SourcePosition("<stdin>", 3)) == f"<stdin>:3:{text}"
    assert (
        error_line(text, position=SourcePosition("f.cql", 12), color=True)
        == f"{Ansi.RED}f.cql:12:{text}{Ansi.RESET}"
    )


def test_client_timeout() -> None:
    assert client_timeout_message("127.0.0.1:9042") == (
        "OperationTimedOut: errors={'127.0.0.1:9042': 'Client request timeout. See Session.execute[_async](timeout)'}, "
        "last_host=127.0.0.1:9042"
    )


def test_coordinator_repr_without_datacenter() -> None:
    host = Host(DefaultEndPoint("10.0.0.1", 9042), SimpleConvictionPolicy)
    assert repr(Coordinator("10.0.0.1:9042")) == repr(host)
