"""Errors of the engine: one root, one subclass per native-protocol error code.

Every error a client can see is a :class:`CqlError`. Each subclass carries the protocol error code it is
encoded with in an ERROR frame (``doc/native_protocol_v4.spec`` §9, ``v5.spec`` §9) and, as attributes, the
extra body fields that code defines (for example :class:`Unavailable` carries the consistency level, the
number of replicas required and the number alive). The message text is Cassandra's own: callers build it
where the condition is detected, and it is passed through to drivers and printed by the shell unchanged.

Consistency levels are carried as their protocol names (``"QUORUM"``), which is what Cassandra's messages
and cqlsh's ``info={...}`` rendering show; the transport maps names to codes when encoding.
"""

from __future__ import annotations

import enum
from types import MappingProxyType


class ErrorCode(enum.IntEnum):
    """Error codes of the native protocol (v4/v5 spec §9)."""

    SERVER_ERROR = 0x0000
    PROTOCOL_ERROR = 0x000A
    AUTHENTICATION_ERROR = 0x0100
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


class WriteType(enum.Enum):
    """The kind of write that timed out or failed, as named in WRITE_TIMEOUT/WRITE_FAILURE bodies."""

    SIMPLE = "SIMPLE"
    BATCH = "BATCH"
    UNLOGGED_BATCH = "UNLOGGED_BATCH"
    COUNTER = "COUNTER"
    BATCH_LOG = "BATCH_LOG"
    CAS = "CAS"
    VIEW = "VIEW"
    CDC = "CDC"


class CqlError(Exception):
    """Root of every error the engine reports to a client."""

    code: ErrorCode = ErrorCode.SERVER_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ServerError(CqlError):
    """An unexpected failure inside the server (a bug); the message names what failed."""

    code = ErrorCode.SERVER_ERROR


class ProtocolError(CqlError):
    """A malformed frame or a message not allowed in the connection's state."""

    code = ErrorCode.PROTOCOL_ERROR


class AuthenticationError(CqlError):
    """Bad credentials, or an authentication exchange that failed."""

    code = ErrorCode.AUTHENTICATION_ERROR


class Unavailable(CqlError):
    """Too few replicas are alive to even try the request at the requested consistency level."""

    code = ErrorCode.UNAVAILABLE

    def __init__(self, message: str, *, consistency: str, required: int, alive: int) -> None:
        super().__init__(message)
        self.consistency = consistency
        self.required = required
        self.alive = alive


class Overloaded(CqlError):
    """The coordinator is overloaded and refused the request."""

    code = ErrorCode.OVERLOADED


class IsBootstrapping(CqlError):
    """The request reached a node that is still bootstrapping."""

    code = ErrorCode.IS_BOOTSTRAPPING


class TruncateError(CqlError):
    """A TRUNCATE could not be completed on every replica."""

    code = ErrorCode.TRUNCATE_ERROR


class RequestTimeout(CqlError):
    """Common shape of the timeout errors: consistency, responses received, responses required."""

    def __init__(self, message: str, *, consistency: str, received: int, block_for: int) -> None:
        super().__init__(message)
        self.consistency = consistency
        self.received = received
        self.block_for = block_for


class WriteTimeout(RequestTimeout):
    """Replicas did not acknowledge a write in time."""

    code = ErrorCode.WRITE_TIMEOUT

    def __init__(
        self,
        message: str,
        *,
        consistency: str,
        received: int,
        block_for: int,
        write_type: WriteType,
        contentions: int = 0,
    ) -> None:
        super().__init__(message, consistency=consistency, received=received, block_for=block_for)
        self.write_type = write_type
        # v5 adds the number of Paxos contentions for CAS write timeouts.
        self.contentions = contentions


class ReadTimeout(RequestTimeout):
    """Replicas did not answer a read in time."""

    code = ErrorCode.READ_TIMEOUT

    def __init__(
        self, message: str, *, consistency: str, received: int, block_for: int, data_present: bool
    ) -> None:
        super().__init__(message, consistency=consistency, received=received, block_for=block_for)
        self.data_present = data_present


class RequestFailure(CqlError):
    """Common shape of the failure errors: like a timeout, plus the replicas that failed and why."""

    def __init__(
        self,
        message: str,
        *,
        consistency: str,
        received: int,
        block_for: int,
        reasons: dict[str, int] | None = None,
    ) -> None:
        super().__init__(message)
        self.consistency = consistency
        self.received = received
        self.block_for = block_for
        # endpoint address -> failure reason code (v5 "reasonmap"; v4 sends only its size).
        self.reasons = dict(reasons or {})


class ReadFailure(RequestFailure):
    """A replica failed while executing a read (for example too many tombstones)."""

    code = ErrorCode.READ_FAILURE

    def __init__(
        self,
        message: str,
        *,
        consistency: str,
        received: int,
        block_for: int,
        data_present: bool,
        reasons: dict[str, int] | None = None,
    ) -> None:
        super().__init__(
            message, consistency=consistency, received=received, block_for=block_for, reasons=reasons
        )
        self.data_present = data_present


class WriteFailure(RequestFailure):
    """A replica failed while applying a write."""

    code = ErrorCode.WRITE_FAILURE

    def __init__(
        self,
        message: str,
        *,
        consistency: str,
        received: int,
        block_for: int,
        write_type: WriteType,
        reasons: dict[str, int] | None = None,
    ) -> None:
        super().__init__(
            message, consistency=consistency, received=received, block_for=block_for, reasons=reasons
        )
        self.write_type = write_type


class FunctionFailure(CqlError):
    """A user-defined function threw while executing."""

    code = ErrorCode.FUNCTION_FAILURE

    def __init__(self, message: str, *, keyspace: str, function: str, arg_types: tuple[str, ...]) -> None:
        super().__init__(message)
        self.keyspace = keyspace
        self.function = function
        self.arg_types = arg_types


class CdcWriteFailure(CqlError):
    """A write to a CDC-enabled table was refused because CDC space is full (v5)."""

    code = ErrorCode.CDC_WRITE_FAILURE


class CasWriteUnknown(CqlError):
    """A Paxos write's outcome is unknown: it may or may not have been applied (v5)."""

    code = ErrorCode.CAS_WRITE_UNKNOWN

    def __init__(self, message: str, *, consistency: str, received: int, block_for: int) -> None:
        super().__init__(message)
        self.consistency = consistency
        self.received = received
        self.block_for = block_for


class SyntaxException(CqlError):
    """A statement that does not parse; the message is ``line L:C <what> (<snippet>)`` like Cassandra's."""

    code = ErrorCode.SYNTAX_ERROR

    def __init__(self, message: str, *, line: int = 0, column: int = -1) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class Unauthorized(CqlError):
    """The logged-in role lacks a permission the statement needs."""

    code = ErrorCode.UNAUTHORIZED


class InvalidRequest(CqlError):
    """A statement that parses but is not valid against the schema or CQL's rules."""

    code = ErrorCode.INVALID


class ConfigurationException(CqlError):
    """A schema change whose options are invalid (replication, compaction, ...)."""

    code = ErrorCode.CONFIG_ERROR


class AlreadyExists(ConfigurationException):
    """CREATE of a keyspace or table that exists; ``table`` is empty for a keyspace."""

    code = ErrorCode.ALREADY_EXISTS

    def __init__(self, message: str, *, keyspace: str, table: str = "") -> None:
        super().__init__(message)
        self.keyspace = keyspace
        self.table = table

    @classmethod
    def for_keyspace(cls, keyspace: str) -> AlreadyExists:
        return cls(f"Keyspace '{keyspace}' already exists", keyspace=keyspace)

    @classmethod
    def for_table(cls, keyspace: str, table: str) -> AlreadyExists:
        return cls(f"Table '{keyspace}.{table}' already exists", keyspace=keyspace, table=table)


class Unprepared(CqlError):
    """EXECUTE of a prepared statement id this node does not know; the driver re-prepares."""

    code = ErrorCode.UNPREPARED

    def __init__(self, message: str, *, statement_id: bytes) -> None:
        super().__init__(message)
        self.statement_id = statement_id


def _by_code(*classes: type[CqlError]) -> MappingProxyType[ErrorCode, type[CqlError]]:
    table: dict[ErrorCode, type[CqlError]] = {}
    for cls in classes:
        table.setdefault(cls.code, cls)
    return MappingProxyType(table)


#: Every concrete error class by its protocol code (the first one listed wins for shared codes).
ERROR_BY_CODE = _by_code(
    ServerError,
    ProtocolError,
    AuthenticationError,
    Unavailable,
    Overloaded,
    IsBootstrapping,
    TruncateError,
    WriteTimeout,
    ReadTimeout,
    ReadFailure,
    FunctionFailure,
    WriteFailure,
    CdcWriteFailure,
    CasWriteUnknown,
    SyntaxException,
    Unauthorized,
    InvalidRequest,
    ConfigurationException,
    AlreadyExists,
    Unprepared,
)
