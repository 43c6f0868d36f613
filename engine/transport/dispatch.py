"""Running one statement request on a session and turning the outcome into a response.

:func:`run_request` is what the server's thread pool executes for QUERY, PREPARE, EXECUTE and BATCH:
it calls the :class:`~engine.transport.handler.ClientSession`, encodes the RESULT (in the worker
thread, so the event loop only frames bytes), and maps a :class:`~engine.errors.CqlError` to its ERROR.
Any other exception is a bug: it is logged and answered as a server error naming it, and the
connection carries on.
"""

from __future__ import annotations

import dataclasses
import logging

from engine.errors import CqlError, ServerError
from engine.service.query_options import QueryOptions
from engine.service.results import ResultMessage, SchemaChange
from engine.transport.connection import Response, error_response
from engine.transport.frame import Opcode
from engine.transport.handler import ClientSession
from engine.transport.messages import AuthResponse, Batch, DecodedRequest, Execute, Prepare, Query
from engine.transport.notation import write_bytes
from engine.transport.results import encode_prepared, encode_result

log = logging.getLogger(__name__)


def _result(stream: int, message: ResultMessage, body: bytes) -> Response:
    return Response(stream, Opcode.RESULT, body, warnings=message.warnings, tracing_id=message.trace_id)


def _traced(options: QueryOptions, request: DecodedRequest) -> QueryOptions:
    """The options with the frame's tracing flag (the TRACING header flag asks for a trace)."""
    return dataclasses.replace(options, tracing=True) if request.tracing else options


def run_request(
    session: ClientSession, stream: int, version: int, request: DecodedRequest
) -> tuple[Response, SchemaChange | None]:
    """The response to ``request``, and the schema change it made (for SCHEMA_CHANGE events)."""
    message = request.message
    try:
        if isinstance(message, AuthResponse):
            outcome = session.authenticate(message.token)  # type: ignore[attr-defined]
            opcode = Opcode.AUTH_SUCCESS if outcome.complete else Opcode.AUTH_CHALLENGE
            return Response(stream, opcode, write_bytes(outcome.token)), None
        if isinstance(message, Prepare):
            info = session.prepare(message.query, message.keyspace)
            return Response(stream, Opcode.RESULT, encode_prepared(info, version)), None
        if isinstance(message, Query):
            result = session.query(message.query, _traced(message.options, request))
            body = encode_result(result.result, version, skip_metadata=False)
        elif isinstance(message, Execute):
            result = session.execute(message.statement_id, _traced(message.options, request))
            body = encode_result(
                result.result,
                version,
                skip_metadata=message.skip_metadata,
                client_metadata_id=message.result_metadata_id,
            )
        elif isinstance(message, Batch):
            result = session.batch(message.request)
            body = encode_result(result.result, version)
        else:  # the connection answers everything else itself
            raise ServerError(f"Unexpected request {type(message).__name__} dispatched to a session")
        change = result.result if isinstance(result.result, SchemaChange) else None
        return _result(stream, result, body), change
    except CqlError as e:
        return error_response(stream, e, version), None
    except Exception as e:
        log.exception("Unexpected error while executing a %s request", type(message).__name__.upper())
        return error_response(stream, ServerError(f"{type(e).__name__}: {e}"), version), None
