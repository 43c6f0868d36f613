"""RESULT and ERROR messages as both remote connections read them, with cassandra-driver's own codecs.

Rows are not decoded by the driver: :class:`RawProtocolHandler` keeps each page's serialized values
with the RESULT's column metadata (:class:`RawRows`), and the shell decodes them as the embedded
connection decodes its own (``shell.connection.decoding``), without patching the driver's classes
process-wide as cqlsh does. Column types stay the driver's type classes (built from the RESULT's type
options by the driver's ``read_type``), so a column's CQL type text is the driver's
``cql_parameterized_type()`` whichever connection read it.

Server errors become :class:`shell.output.errors.ServerError` (the driver exception's class name, the
error code, the message and the driver's info fields), rendered by the same code as the embedded
connection's. This module imports ``cassandra.protocol`` only, not the driver's cluster machinery.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import cassandra
from cassandra.cqltypes import UserType
from cassandra.protocol import ErrorMessage, ResultMessage, _ProtocolHandler, read_int

from shell.connection.base import QueryError
from shell.connection.decoding import decode
from shell.output.errors import ErrorCode, ServerError

_SUMMARY = re.compile(r'Error from server: code=([0-9a-fA-F]{4}) \[[^\]]*\] message="(.*)"', re.DOTALL)


class RawRows(list):  # type: ignore[type-arg]
    """A page's rows as serialized values, with the RESULT's column metadata (keyspace, table, name,
    driver type) so the shell can decode and color them."""

    column_metadata: Sequence[tuple[str, str, str, type]] = ()


@dataclass(frozen=True)
class RawPage:
    """What the driver session's row factory makes of a page: an object, so that the driver's ResultSet
    keeps it even when it has no rows (it replaces an empty list, and with it the column metadata)."""

    rows: RawRows


def raw_page(column_names: Sequence[str], rows: RawRows) -> RawPage:
    return RawPage(rows)


class _RawResultMessage(ResultMessage):
    """A RESULT whose rows are kept serialized (the name's leading ``_`` keeps the driver from registering
    it in place of its own ResultMessage)."""

    def recv_results_rows(
        self,
        f: Any,
        protocol_version: int,
        user_type_map: Any,
        result_metadata: Any,
        column_encryption_policy: Any,
    ) -> None:
        self.recv_results_metadata(f, user_type_map)
        column_metadata = self.column_metadata or result_metadata
        count = read_int(f)
        rows = RawRows(self.recv_row(f, len(column_metadata)) for _ in range(count))
        rows.column_metadata = column_metadata
        self.column_names = [c[2] for c in column_metadata]
        self.column_types = [c[3] for c in column_metadata]
        self.parsed_rows = rows


class RawProtocolHandler(_ProtocolHandler):
    message_types_by_opcode = {
        **_ProtocolHandler.message_types_by_opcode,
        ResultMessage.opcode: _RawResultMessage,
    }


def decode_rows(rows: RawRows, protocol_version: int) -> list[tuple[object, ...]]:
    decoders = [column[3] for column in rows.column_metadata]
    return [
        tuple(decode(d, value, protocol_version) for d, value in zip(decoders, raw, strict=True))
        for raw in rows
    ]


def mentions_user_type(types: Iterable[type]) -> bool:
    """Whether any of the driver types is, or holds, a user-defined type."""
    for kind in types:
        if issubclass(kind, UserType) or mentions_user_type(getattr(kind, "subtypes", ())):
            return True
    return False


def server_error(error: BaseException) -> ServerError | None:
    """The server error a driver exception carries, or None for a client-side failure."""
    if isinstance(error, ErrorMessage):
        return ServerError(type(error).__name__, error.code, error.message, dict(error.info or {}))
    if isinstance(error, cassandra.AlreadyExists):
        return ServerError(
            "AlreadyExists",
            ErrorCode.ALREADY_EXISTS,
            str(error),
            {"keyspace": error.keyspace, "table": error.table},
        )
    text = str(error)
    info: dict[str, Any] = {}
    if " info={" in text:
        # Unavailable, timeouts and failures append repr(info) to the summary
        text, _, literal = text.rpartition(" info=")
        try:
            info = dict(ast.literal_eval(literal))
        except (ValueError, SyntaxError):
            return None
        codes = info.get("error_code_map")
        if isinstance(codes, dict):
            info["error_code_map"] = {address: int(str(code), 16) for address, code in codes.items()}
    match = _SUMMARY.fullmatch(text)
    if match is None:
        return None
    return ServerError(type(error).__name__, int(match.group(1), 16), match.group(2), info)


def plain_query_error(error: BaseException) -> QueryError:
    """A driver exception (not ``NoHostAvailable``) as the shell reports it."""
    server = server_error(error)
    if server is not None:
        return QueryError.from_server(server)
    text = error.message if hasattr(error, "message") else str(error)  # cqlsh's perform_simple_statement
    return QueryError(f"{type(error).__name__}: {text}", str(text))
