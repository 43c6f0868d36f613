"""ERROR bodies (v4/v5 spec §4.2.1, §9): ``<code:int><message:string>`` then the code's own fields.

Each :class:`~engine.errors.CqlError` subclass carries the fields its code needs. Older protocol
versions lack some codes, so errors are downgraded as Cassandra's ``ErrorMessage`` does: v3 gets read
and write failures as timeouts and a function failure as an invalid request; before v5 an unknown CAS
outcome is a CAS write timeout, failures send a failure count instead of the reason map, and write
timeouts carry no contention count.
"""

from __future__ import annotations

from engine.db.consistency_level import ConsistencyLevel
from engine.errors import (
    AlreadyExists,
    CasWriteUnknown,
    CqlError,
    FunctionFailure,
    InvalidRequest,
    ReadFailure,
    ReadTimeout,
    Unavailable,
    Unprepared,
    WriteFailure,
    WriteTimeout,
    WriteType,
)
from engine.transport.notation import (
    write_byte,
    write_consistency,
    write_inetaddr,
    write_int,
    write_short,
    write_short_bytes,
    write_string,
    write_string_list,
)


def _cl(name: str) -> bytes:
    return write_consistency(ConsistencyLevel.from_name(name).code)


def _downgrade(error: CqlError, version: int) -> CqlError:
    if version < 4:
        if isinstance(error, ReadFailure):
            return ReadTimeout(
                error.message,
                consistency=error.consistency,
                received=error.received,
                block_for=error.block_for,
                data_present=error.data_present,
            )
        if isinstance(error, WriteFailure):
            return WriteTimeout(
                error.message,
                consistency=error.consistency,
                received=error.received,
                block_for=error.block_for,
                write_type=error.write_type,
            )
        if isinstance(error, FunctionFailure):
            return InvalidRequest(error.message)
    if version < 5 and isinstance(error, CasWriteUnknown):
        return WriteTimeout(
            error.message,
            consistency=error.consistency,
            received=error.received,
            block_for=error.block_for,
            write_type=WriteType.CAS,
        )
    return error


def _reasons(reasons: dict[str, int], version: int) -> bytes:
    if version < 5:
        return write_int(len(reasons))
    return write_int(len(reasons)) + b"".join(
        write_inetaddr(address) + write_short(code) for address, code in reasons.items()
    )


def encode_error(error: CqlError, version: int) -> bytes:
    error = _downgrade(error, version)
    out = [write_int(error.code), write_string(error.message)]
    match error:
        case Unavailable():
            out += [_cl(error.consistency), write_int(error.required), write_int(error.alive)]
        case WriteTimeout():
            out += [_cl(error.consistency), write_int(error.received), write_int(error.block_for)]
            out.append(write_string(error.write_type.value))
            if version >= 5 and error.write_type is WriteType.CAS:
                out.append(write_short(error.contentions))
        case ReadTimeout():
            out += [_cl(error.consistency), write_int(error.received), write_int(error.block_for)]
            out.append(write_byte(int(error.data_present)))
        case ReadFailure():
            out += [_cl(error.consistency), write_int(error.received), write_int(error.block_for)]
            out += [_reasons(error.reasons, version), write_byte(int(error.data_present))]
        case WriteFailure():
            out += [_cl(error.consistency), write_int(error.received), write_int(error.block_for)]
            out += [_reasons(error.reasons, version), write_string(error.write_type.value)]
        case CasWriteUnknown():
            out += [_cl(error.consistency), write_int(error.received), write_int(error.block_for)]
        case FunctionFailure():
            out += [write_string(error.keyspace), write_string(error.function)]
            out.append(write_string_list(error.arg_types))
        case AlreadyExists():
            out += [write_string(error.keyspace), write_string(error.table)]
        case Unprepared():
            out.append(write_short_bytes(error.statement_id))
        case _:
            pass
    return b"".join(out)
