"""The schema catalog of one node: the current :class:`Schema`, its changes, and its file on disk.

A change is a pure function ``Schema -> Schema`` applied under the catalog's lock: the new snapshot gets
a new version, is written to disk, swapped in, and the listeners (the node's storage, which opens or
drops table stores) are told about it. Readers take ``catalog.schema`` without locking.

**On disk.** Cassandra keeps the schema in the ``system_schema`` tables; cqlkit keeps the user
keyspaces in one JSON document, ``<data directory>/schema.json`` (decision 14 in docs/decisions.md):
written to a temporary file, fsynced, then renamed over the old one, so a crash leaves either the old
or the new schema, never a torn one. ``system_schema`` is served from the in-memory schema instead
(``engine.schema.system_schema``). The document::

    {"format": 1, "keyspaces": [
        {"name": ..., "durable_writes": true, "replication": {"class": ..., ...},
         "types": [{"name": ..., "fields": [[name, type], ...]}, ...],          # dependencies first
         "tables": [{"name": ..., "id": uuid, "columns": [[name, type, kind, position, order(, mask)], ...],
                     "params": {...}, "dropped": [[name, type, time, kind], ...],
                     "indexes": [[name, kind, {options}], ...], "view_of": null}, ...]}]}

Types are stored as their CQL text and parsed back with the keyspace's user types in scope. A masked
column has a sixth element, its mask: ``[function keyspace, function name, [[argument type, argument
value as hex or null], ...]]``.

**Version.** Like Cassandra's schema digest, the version is a name-based (MD5, version 3) UUID of the
schema's content, so two nodes with the same schema report the same version.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import fields
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

from engine.schema.metadata import (
    ClusteringOrder,
    ColumnKind,
    ColumnMask,
    ColumnMetadata,
    DroppedColumn,
    IndexKind,
    IndexMetadata,
    KeyspaceMetadata,
    ReplicationParams,
    Schema,
    TableMetadata,
    TableParams,
)
from engine.schema.types import CqlType, UserType, parse_type

FORMAT = 1
SCHEMA_FILE = "schema.json"


class SchemaListener(Protocol):
    def __call__(self, old: Schema, new: Schema) -> None: ...


class Catalog:
    def __init__(self, directory: Path | None, system_keyspaces: Iterable[KeyspaceMetadata] = ()) -> None:
        self._path = None if directory is None else directory / SCHEMA_FILE
        self._system = tuple(system_keyspaces)
        self._lock = threading.RLock()
        self.listeners: list[SchemaListener] = []
        user: list[KeyspaceMetadata] = []
        if self._path is not None and self._path.exists():
            user = load(self._path.read_bytes())
        schema = Schema(MappingProxyType({k.name: k for k in (*self._system, *user)}))
        self._schema = _versioned(schema, self._system_names)

    @property
    def _system_names(self) -> frozenset[str]:
        return frozenset(k.name for k in self._system)

    @property
    def schema(self) -> Schema:
        return self._schema

    def is_system_keyspace(self, name: str) -> bool:
        return name in self._system_names

    def apply(self, change: Callable[[Schema], Schema]) -> Schema:
        """Apply ``change`` atomically; returns the new schema (unchanged schemas are not rewritten)."""
        with self._lock:
            old = self._schema
            new = change(old)
            if new is old:
                return old
            new = _versioned(new, self._system_names)
            if self._path is not None:
                _write_atomically(self._path, dump(new, self._system_names))
            self._schema = new
            for listener in list(self.listeners):
                listener(old, new)
            return new


def _versioned(schema: Schema, system: frozenset[str]) -> Schema:
    digest = hashlib.md5(dump(schema, system)).digest()
    return Schema(schema.keyspaces, uuid.UUID(bytes=digest, version=3))


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


# --------------------------------------------------------------------------------------- encoding


def dump(schema: Schema, system: frozenset[str] = frozenset()) -> bytes:
    keyspaces = [_keyspace_doc(ks) for name, ks in sorted(schema.keyspaces.items()) if name not in system]
    return json.dumps({"format": FORMAT, "keyspaces": keyspaces}, sort_keys=True, indent=1).encode()


def _keyspace_doc(ks: KeyspaceMetadata) -> dict[str, Any]:
    return {
        "name": ks.name,
        "durable_writes": ks.durable_writes,
        "replication": ks.replication.as_map(),
        "types": [
            {
                "name": t.name,
                "fields": [[n, ft.cql()] for n, ft in zip(t.field_names, t.field_types, strict=True)],
            }
            for t in ks.types.values()
        ],
        "tables": [_table_doc(t) for t in (*ks.tables.values(), *ks.views.values())],
    }


def _table_doc(table: TableMetadata) -> dict[str, Any]:
    params = {}
    for f in fields(TableParams):
        value = getattr(table.params, f.name)
        if f.name == "extensions":
            value = {k: v.hex() for k, v in value.items()}
        elif isinstance(value, MappingProxyType):
            value = dict(value)
        params[f.name] = value
    return {
        "name": table.name,
        "id": str(table.id),
        "columns": [_column_doc(c) for c in table.columns],
        "params": params,
        "dropped": [
            [d.name, d.type.cql(), d.dropped_time, d.kind.value] for d in table.dropped_columns.values()
        ],
        "indexes": [[i.name, i.kind.value, dict(i.options)] for i in table.indexes.values()],
        "view_of": table.base_table if table.is_view else None,
    }


def _column_doc(column: ColumnMetadata) -> list[Any]:
    doc: list[Any] = [
        column.name,
        column.type.cql(),
        column.kind.value,
        column.position,
        column.clustering_order.value,
    ]
    mask = column.mask
    if mask is not None:  # only masked columns have the sixth element (older files stay valid)
        doc.append(
            [
                mask.keyspace,
                mask.function,
                [
                    [t.cql(), None if v is None else v.hex()]
                    for t, v in zip(mask.argument_types, mask.argument_values, strict=True)
                ],
            ]
        )
    return doc


def _column_from_doc(doc: list[Any], keyspace: str, ks: KeyspaceMetadata) -> ColumnMetadata:
    name, type_text, kind, position, order = doc[:5]
    mask = None
    if len(doc) > 5:
        mask_keyspace, function, arguments = doc[5]
        mask = ColumnMask(
            function,
            tuple(_parse(t, keyspace, ks) for t, _ in arguments),
            tuple(None if v is None else bytes.fromhex(v) for _, v in arguments),
            mask_keyspace,
        )
    return ColumnMetadata(
        name, _parse(type_text, keyspace, ks), ColumnKind(kind), position, ClusteringOrder(order), mask
    )


def load(data: bytes) -> list[KeyspaceMetadata]:
    doc = json.loads(data)
    if doc.get("format") != FORMAT:
        raise ValueError(f"unsupported schema file format {doc.get('format')!r}")
    return [_keyspace_from_doc(k) for k in doc["keyspaces"]]


def _keyspace_from_doc(doc: dict[str, Any]) -> KeyspaceMetadata:
    name = doc["name"]
    replication = dict(doc["replication"])
    strategy = replication.pop("class")
    ks = KeyspaceMetadata(
        name, ReplicationParams(strategy, MappingProxyType(replication)), doc["durable_writes"]
    )
    for type_doc in doc["types"]:
        field_names = tuple(n for n, _ in type_doc["fields"])
        field_types = tuple(_parse(t, name, ks) for _, t in type_doc["fields"])
        ks = ks.with_type(UserType(name, type_doc["name"], field_names, field_types))
    for table_doc in doc["tables"]:
        table = _table_from_doc(name, table_doc, ks)
        ks = ks.with_view(table) if table.is_view else ks.with_table(table)
    return ks


def _parse(text: str, keyspace: str, ks: KeyspaceMetadata) -> CqlType:
    return parse_type(text, keyspace, lambda k, n: ks.types.get(n) if k == keyspace else None)


def _table_from_doc(keyspace: str, doc: dict[str, Any], ks: KeyspaceMetadata) -> TableMetadata:
    columns = tuple(_column_from_doc(c, keyspace, ks) for c in doc["columns"])
    raw = doc["params"]
    defaults = [f.name for f in fields(TableParams)]
    values: dict[str, Any] = {}
    for key in defaults:
        if key not in raw:
            continue
        value = raw[key]
        if key == "extensions":
            value = MappingProxyType({k: bytes.fromhex(v) for k, v in value.items()})
        elif isinstance(value, dict):
            value = MappingProxyType(value)
        values[key] = value
    dropped = {
        n: DroppedColumn(n, _parse(t, keyspace, ks), time, ColumnKind(kind))
        for n, t, time, kind in doc["dropped"]
    }
    indexes = {
        n: IndexMetadata(n, IndexKind(kind), MappingProxyType(options)) for n, kind, options in doc["indexes"]
    }
    return TableMetadata(
        keyspace,
        doc["name"],
        uuid.UUID(doc["id"]),
        columns,
        TableParams(**values),
        MappingProxyType(dropped),
        MappingProxyType(indexes),
        is_view=doc["view_of"] is not None,
        base_table=doc["view_of"],
    )
