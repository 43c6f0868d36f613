"""RESULT bodies (v4/v5 spec §4.2.5): Void, Rows, Set_keyspace, Prepared, Schema_change.

Rows metadata flags: 0x0001 *global tables spec* (every column is from one table: keyspace and table
written once), 0x0002 *has more pages* (the paging state follows as a [bytes]), 0x0004 *no metadata*
(EXECUTE asked to skip it and the client's copy is current), 0x0008 *metadata changed* (v5: the client's
result metadata id is stale; the new id follows and full metadata is sent).

The result metadata id (v5) is Cassandra's ``ResultSet.computeResultMetadataId``: the MD5 over each
column's name, a zero byte, its type's class name and two zero bytes; statements without rows share
the id of the empty list (the MD5 of nothing).
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Sequence

from engine.service.results import (
    ColumnSpec,
    ResultKind,
    Rows,
    SchemaChange,
    SchemaChangeTarget,
    SetKeyspace,
    Void,
)
from engine.transport.datatypes import encode_type
from engine.transport.handler import PreparedInfo
from engine.transport.notation import (
    write_bytes,
    write_int,
    write_short,
    write_short_bytes,
    write_string,
    write_string_list,
)


class RowsFlag(enum.IntFlag):
    GLOBAL_TABLES_SPEC = 0x0001
    HAS_MORE_PAGES = 0x0002
    NO_METADATA = 0x0004
    METADATA_CHANGED = 0x0008


def result_metadata_id(columns: Sequence[ColumnSpec]) -> bytes:
    digest = hashlib.md5()
    for column in columns:
        digest.update(column.name.encode("utf-8"))
        digest.update(b"\x00")
        digest.update(column.type.marshal_name().encode("utf-8"))
        digest.update(b"\x00\x00")
    return digest.digest()


def _same_table(columns: Sequence[ColumnSpec]) -> bool:
    if not columns:
        return False
    first = columns[0]
    return all(c.keyspace == first.keyspace and c.table == first.table for c in columns)


def _column_specs(columns: Sequence[ColumnSpec], global_spec: bool, version: int) -> bytes:
    out = []
    if global_spec:
        out.append(write_string(columns[0].keyspace) + write_string(columns[0].table))
    for column in columns:
        if not global_spec:
            out.append(write_string(column.keyspace) + write_string(column.table))
        out.append(write_string(column.name) + encode_type(column.type, version))
    return b"".join(out)


def rows_metadata(
    columns: Sequence[ColumnSpec],
    version: int,
    *,
    paging_state: bytes | None = None,
    skip_metadata: bool = False,
    new_metadata_id: bytes | None = None,
) -> bytes:
    """The <metadata> of a Rows result (or of a PREPARED result's result metadata)."""
    flags = RowsFlag(0)
    global_spec = _same_table(columns)
    if global_spec:
        flags |= RowsFlag.GLOBAL_TABLES_SPEC
    if paging_state is not None:
        flags |= RowsFlag.HAS_MORE_PAGES
    if new_metadata_id is not None and version >= 5:
        flags |= RowsFlag.METADATA_CHANGED
    elif skip_metadata:
        flags |= RowsFlag.NO_METADATA
    out = [write_int(flags), write_int(len(columns))]
    if paging_state is not None:
        out.append(write_bytes(paging_state))
    if RowsFlag.METADATA_CHANGED in flags:
        assert new_metadata_id is not None
        out.append(write_short_bytes(new_metadata_id))
    if RowsFlag.NO_METADATA not in flags:
        out.append(_column_specs(columns, global_spec, version))
    return b"".join(out)


def encode_rows(
    rows: Rows, version: int, *, skip_metadata: bool = False, client_metadata_id: bytes | None = None
) -> bytes:
    """A Rows result. ``client_metadata_id`` is the id an EXECUTE sent (v5): when it is stale the
    metadata is sent in full with the new id, whatever ``skip_metadata`` says."""
    new_id = None
    if client_metadata_id is not None and version >= 5:
        current = result_metadata_id(rows.columns)
        if current != client_metadata_id:
            new_id = current
    body = [
        write_int(ResultKind.ROWS.value),
        rows_metadata(
            rows.columns,
            version,
            paging_state=rows.paging_state,
            skip_metadata=skip_metadata,
            new_metadata_id=new_id,
        ),
        write_int(len(rows.rows)),
    ]
    body.extend(write_bytes(value) for row in rows.rows for value in row)
    return b"".join(body)


def schema_change_body(change: SchemaChange) -> bytes:
    """<change_type><target><options>, shared by the RESULT and the EVENT (v3+)."""
    out = (
        write_string(change.change.value) + write_string(change.target.value) + write_string(change.keyspace)
    )
    if change.target is SchemaChangeTarget.KEYSPACE:
        return out
    out += write_string(change.name or "")
    if change.target in (SchemaChangeTarget.FUNCTION, SchemaChangeTarget.AGGREGATE):
        out += write_string_list(change.argument_types)
    return out


def encode_prepared(info: PreparedInfo, version: int) -> bytes:
    bind = info.bind_columns
    global_spec = _same_table(bind)
    flags = 0x0001 if global_spec else 0
    out = [write_int(ResultKind.PREPARED.value), write_short_bytes(info.statement_id)]
    if version >= 5:
        out.append(write_short_bytes(result_metadata_id(info.result_columns)))
    out.append(write_int(flags) + write_int(len(bind)))
    if version >= 4:
        out.append(write_int(len(info.pk_indexes)) + b"".join(write_short(i) for i in info.pk_indexes))
    out.append(_column_specs(bind, global_spec, version))
    if info.result_columns:
        out.append(rows_metadata(info.result_columns, version))
    else:
        out.append(write_int(RowsFlag.NO_METADATA) + write_int(0))
    return b"".join(out)


def encode_result(
    result: Rows | Void | SetKeyspace | SchemaChange,
    version: int,
    *,
    skip_metadata: bool = False,
    client_metadata_id: bytes | None = None,
) -> bytes:
    if isinstance(result, Rows):
        return encode_rows(
            result, version, skip_metadata=skip_metadata, client_metadata_id=client_metadata_id
        )
    if isinstance(result, SetKeyspace):
        return write_int(ResultKind.SET_KEYSPACE.value) + write_string(result.keyspace)
    if isinstance(result, SchemaChange):
        return write_int(ResultKind.SCHEMA_CHANGE.value) + schema_change_body(result)
    return write_int(ResultKind.VOID.value)
