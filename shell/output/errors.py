"""Server errors as cqlsh prints them: ``<driver exception class>: <text>``, red, on stderr.

cqlsh prints ``type(err).__name__ + ": " + (err.message if it has one else str(err))`` for the exception
cassandra-driver raised (``perform_simple_statement``). What the driver raises depends on the protocol
error code, so the line is a function of the code, the server's message and the error's extra fields:

=======================  ==========================================================================
code                     printed (after ``<Class>: ``)
=======================  ==========================================================================
Invalid (2200),          ``Error from server: code=2200 [Invalid query] message="<msg>"``
Unauthorized (2100)      (the driver's ``summary_msg``; code as 4 hex digits)
Unavailable, Read/Write  the same plus `` info={...}`` — the fields in the driver's order, consistency
Timeout, Read/Write      by name (``{'consistency': 'QUORUM', 'required_replicas': 2, ...}``)
Failure
FunctionFailure          the summary, no info
AlreadyExists            ``Keyspace 'ks' already exists`` / ``Table 'ks.t' already exists``
Syntax, Config, Server,  the server's message as is (the driver raises its message object, whose
Protocol, Overloaded...  class name is e.g. ``SyntaxException``, ``OverloadedErrorMessage``)
=======================  ==========================================================================

Retries: cqlsh talks to one host only (``WhiteListRoundRobinPolicy``) with the driver's default retry
policy, which retries Unavailable, Overloaded, IsBootstrapping, TruncateError and ServerError *on the next
host*. There is none, so the driver raises ``NoHostAvailable`` carrying the error, and cqlsh prints::

    NoHostAvailable: ('Unable to complete the operation against any hosts', {<Host: 127.0.0.1:9042 datacenter1>: Unavailable('Error from server: ... info={...}')})

Pass the coordinator to get that form; without it the error is printed as the driver would raise it
directly. (A read timeout with enough responses but no data is retried once on the same host; the shell
shows whichever error the last attempt gave, so nothing changes here.)

In batch mode (``-f``, ``-e``, piped stdin) every error line is prefixed ``<source>:<line>:``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from shell.output.colors import Ansi, paint_line

_NO_INFO: Mapping[str, object] = MappingProxyType({})


class ErrorCode(enum.IntEnum):
    """Native protocol error codes (protocol spec §9)."""

    SERVER_ERROR = 0x0000
    PROTOCOL_ERROR = 0x000A
    BAD_CREDENTIALS = 0x0100
    UNAVAILABLE = 0x1000
    OVERLOADED = 0x1001
    IS_BOOTSTRAPPING = 0x1002
    TRUNCATE_ERROR = 0x1003
    WRITE_TIMEOUT = 0x1100
    READ_TIMEOUT = 0x1200
    READ_FAILURE = 0x1300
    FUNCTION_FAILURE = 0x1400
    WRITE_FAILURE = 0x1500
    CDC_WRITE_FAILURE = 0x1600
    CAS_WRITE_UNKNOWN = 0x1700
    SYNTAX_ERROR = 0x2000
    UNAUTHORIZED = 0x2100
    INVALID = 0x2200
    CONFIG_ERROR = 0x2300
    ALREADY_EXISTS = 0x2400
    UNPREPARED = 0x2500


#: consistency levels by protocol value, as the driver names them (``ConsistencyLevel.value_to_name``)
CONSISTENCY_NAMES: Mapping[int, str] = MappingProxyType(
    {
        0x0000: "ANY",
        0x0001: "ONE",
        0x0002: "TWO",
        0x0003: "THREE",
        0x0004: "QUORUM",
        0x0005: "ALL",
        0x0006: "LOCAL_QUORUM",
        0x0007: "EACH_QUORUM",
        0x0008: "SERIAL",
        0x0009: "LOCAL_SERIAL",
        0x000A: "LOCAL_ONE",
    }
)


@dataclass(frozen=True)
class ServerError:
    """An error a server returned for a statement.

    ``kind`` is the server-side class name (informational: the printed class name follows from ``code``,
    as in the driver). ``info`` holds the code's extra fields under the driver's names:

    * Unavailable: ``consistency``, ``required_replicas``, ``alive_replicas``
    * Read/WriteTimeout: ``consistency``, ``required_responses``, ``received_responses``
      (+ ``data_retrieved`` for reads, ``write_type`` name such as ``'SIMPLE'`` for writes)
    * Read/WriteFailure: the timeout fields + ``failures`` and, with protocol v5, ``error_code_map``
      (replica address -> failure code)
    * AlreadyExists: ``keyspace``, ``table`` (empty for a keyspace)
    * FunctionFailure: ``keyspace``, ``function``, ``arg_types``

    Consistency levels may be given by name (``'QUORUM'``) or protocol value.
    """

    kind: str
    code: int
    message: str
    info: Mapping[str, object] = field(default_factory=lambda: _NO_INFO)


@dataclass(frozen=True)
class Coordinator:
    """The host cqlsh is connected to, as the driver's ``Host`` repr shows it: ``<Host: ep dc>``."""

    endpoint: str  # "127.0.0.1:9042"
    datacenter: str | None = None

    def __repr__(self) -> str:
        suffix = f" {self.datacenter}" if self.datacenter else ""
        return f"<Host: {self.endpoint}{suffix}>"


class _Shape(enum.Enum):
    """How the driver turns an error of a code into the exception cqlsh prints."""

    SUMMARY = "summary"  # driver exception whose text is the summary
    SUMMARY_INFO = "summary_info"  # driver exception: summary + " info=" + repr(info)
    RAW = "raw"  # the driver's message object itself: cqlsh prints its .message
    ALREADY_EXISTS = "already_exists"


@dataclass(frozen=True)
class _DriverError:
    class_name: str
    summary: str
    shape: _Shape
    retried_on_next_host: bool = False


# cassandra-driver's protocol.py error classes (summary texts) and the exception each becomes.
_DRIVER_ERRORS: Mapping[int, _DriverError] = MappingProxyType(
    {
        ErrorCode.SERVER_ERROR: _DriverError("ServerError", "Server error", _Shape.RAW, True),
        ErrorCode.PROTOCOL_ERROR: _DriverError("ProtocolException", "Protocol error", _Shape.RAW),
        ErrorCode.BAD_CREDENTIALS: _DriverError("BadCredentials", "Bad credentials", _Shape.RAW),
        ErrorCode.UNAVAILABLE: _DriverError(
            "Unavailable", "Unavailable exception", _Shape.SUMMARY_INFO, True
        ),
        ErrorCode.OVERLOADED: _DriverError(
            "OverloadedErrorMessage", "Coordinator node overloaded", _Shape.RAW, True
        ),
        ErrorCode.IS_BOOTSTRAPPING: _DriverError(
            "IsBootstrappingErrorMessage", "Coordinator node is bootstrapping", _Shape.RAW, True
        ),
        ErrorCode.TRUNCATE_ERROR: _DriverError("TruncateError", "Error during truncate", _Shape.RAW, True),
        ErrorCode.WRITE_TIMEOUT: _DriverError(
            "WriteTimeout",
            "Coordinator node timed out waiting for replica nodes' responses",
            _Shape.SUMMARY_INFO,
        ),
        ErrorCode.READ_TIMEOUT: _DriverError(
            "ReadTimeout",
            "Coordinator node timed out waiting for replica nodes' responses",
            _Shape.SUMMARY_INFO,
        ),
        ErrorCode.READ_FAILURE: _DriverError(
            "ReadFailure", "Replica(s) failed to execute read", _Shape.SUMMARY_INFO
        ),
        ErrorCode.FUNCTION_FAILURE: _DriverError(
            "FunctionFailure", "User Defined Function failure", _Shape.SUMMARY
        ),
        ErrorCode.WRITE_FAILURE: _DriverError(
            "WriteFailure", "Replica(s) failed to execute write", _Shape.SUMMARY_INFO
        ),
        ErrorCode.CDC_WRITE_FAILURE: _DriverError(
            "CDCWriteException", "Failed to execute write due to CDC space exhaustion.", _Shape.RAW
        ),
        ErrorCode.SYNTAX_ERROR: _DriverError("SyntaxException", "Syntax error in CQL query", _Shape.RAW),
        ErrorCode.UNAUTHORIZED: _DriverError("Unauthorized", "Unauthorized", _Shape.SUMMARY),
        ErrorCode.INVALID: _DriverError("InvalidRequest", "Invalid query", _Shape.SUMMARY),
        ErrorCode.CONFIG_ERROR: _DriverError(
            "ConfigurationException", "Query invalid because of configuration issue", _Shape.RAW
        ),
        ErrorCode.ALREADY_EXISTS: _DriverError("AlreadyExists", "Item already exists", _Shape.ALREADY_EXISTS),
        ErrorCode.UNPREPARED: _DriverError(
            "PreparedQueryNotFound", "Matching prepared statement not found on this node", _Shape.RAW
        ),
    }
)
# A code the driver does not know (CAS_WRITE_UNKNOWN in driver 3.x) stays its base message class.
_UNKNOWN = _DriverError("ErrorMessage", "Unknown", _Shape.RAW)


def _driver_error(code: int) -> _DriverError:
    return _DRIVER_ERRORS.get(code, _UNKNOWN)


def _summary(error: ServerError, driver: _DriverError) -> str:
    return f'Error from server: code={error.code:04x} [{driver.summary}] message="{error.message}"'


def _consistency_name(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        return CONSISTENCY_NAMES.get(value, value)
    return value


def _info(error: ServerError) -> dict[str, object]:
    """The ``info`` dict the driver's exception shows, keys in its order (cassandra/__init__.py)."""
    info = error.info
    consistency = _consistency_name(info.get("consistency"))
    code = error.code
    if code == ErrorCode.UNAVAILABLE:
        return {
            "consistency": consistency,
            "required_replicas": info.get("required_replicas"),
            "alive_replicas": info.get("alive_replicas"),
        }
    shown: dict[str, object] = {
        "consistency": consistency,
        "required_responses": info.get("required_responses"),
        "received_responses": info.get("received_responses"),
    }
    if code == ErrorCode.WRITE_TIMEOUT:
        shown["write_type"] = info.get("write_type")
    elif code in (ErrorCode.READ_FAILURE, ErrorCode.WRITE_FAILURE):
        shown["failures"] = info.get("failures")
        codes = info.get("error_code_map")
        if codes is not None:
            shown["error_code_map"] = {address: f"0x{reason:04x}" for address, reason in codes.items()}  # type: ignore[attr-defined]
    return shown


def _exception_text(error: ServerError, driver: _DriverError) -> str:
    """What cqlsh prints after ``Class: `` for the exception the driver raises directly."""
    match driver.shape:
        case _Shape.RAW:
            return error.message
        case _Shape.SUMMARY:
            return _summary(error, driver)
        case _Shape.SUMMARY_INFO:
            return f"{_summary(error, driver)} info={_info(error)!r}"
        case _Shape.ALREADY_EXISTS:
            keyspace, table = error.info.get("keyspace"), error.info.get("table")
            return (
                f"Table '{keyspace}.{table}' already exists"
                if table
                else f"Keyspace '{keyspace}' already exists"
            )


def _exception_repr(error: ServerError, driver: _DriverError) -> str:
    """``repr`` of that exception, as it appears inside ``NoHostAvailable``'s errors dict."""
    if driver.shape is _Shape.RAW:
        return f"<{_summary(error, driver)}>"  # the driver's ErrorMessage.__repr__
    return f"{driver.class_name}({_exception_text(error, driver)!r})"


def error_message(error: ServerError, *, coordinator: Coordinator | None = None) -> str:
    """The text cqlsh prints for a server error, without color or line prefix."""
    driver = _driver_error(error.code)
    if coordinator is not None and driver.retried_on_next_host:
        errors = {coordinator: _RawRepr(_exception_repr(error, driver))}
        return f"NoHostAvailable: {('Unable to complete the operation against any hosts', errors)!r}"
    return f"{driver.class_name}: {_exception_text(error, driver)}"


class _RawRepr:
    """A value whose repr is given text (to build the driver's dict repr with Python's own quoting)."""

    def __init__(self, text: str) -> None:
        self._text = text

    def __repr__(self) -> str:
        return self._text


def client_timeout_message(endpoint: str) -> str:
    """The driver's client-side timeout as cqlsh prints it (``--request-timeout`` elapsed)."""
    errors = {endpoint: "Client request timeout. See Session.execute[_async](timeout)"}
    return f"OperationTimedOut: errors={errors}, last_host={endpoint}"


@dataclass(frozen=True)
class SourcePosition:
    """Where a statement came from in batch mode: ``<stdin>`` or the file name, and its line."""

    name: str
    line: int


def error_line(text: str, *, position: SourcePosition | None = None, color: bool = False) -> str:
    """One error as cqlsh's ``printerr`` writes it (without the newline): prefixed, then all red."""
    if position is not None:
        text = f"{position.name}:{position.line}:{text}"
    return paint_line(text, Ansi.RED, color)
