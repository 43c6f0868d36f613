"""Server-side DESCRIBE (Cassandra 5.0's ``DescribeStatement``), as pure functions over a :class:`Schema`.

A DESCRIBE returns rows, not text: the list forms (``KEYSPACES``, ``TABLES``, ``TYPES``, ``FUNCTIONS``,
``AGGREGATES``) return ``(keyspace_name, type, name)``; the element forms add ``create_statement``, one
row per schema element (keyspace, type, table, index, view...), each a complete CQL statement ending in
``;``. cqlsh prints the statements of a multi-row answer separated by blank lines; that is the shell's
concern. ``CLUSTER`` returns ``(cluster, partitioner, snitch[, range_ownership])``.

Names in the ``keyspace_name`` and ``name`` columns are quoted when needed, like everywhere in CQL.
Elements are ordered as Cassandra orders them: keyspaces and tables by name ignoring case, a keyspace's
user types with dependencies first, each table followed by its indexes then its materialized views.

System keyspaces (``system``, ``system_schema``, ``system_auth``, ``system_distributed``,
``system_traces``, and the virtual ``system_views`` and ``system_virtual_schema``) are left out of
``DESCRIBE SCHEMA`` and included by ``DESCRIBE FULL SCHEMA``; virtual keyspaces and tables describe as
commented ``VIRTUAL KEYSPACE`` / ``VIRTUAL TABLE`` structures. Virtual keyspaces that are not part of
the :class:`Schema` can be passed as ``virtual_keyspaces``.

User-defined functions and aggregates are not part of cqlkit's schema metadata yet: ``FUNCTIONS`` and
``AGGREGATES`` list nothing and ``FUNCTION``/``AGGREGATE`` report Cassandra's "not found" errors.

Paging: Cassandra pages DESCRIBE results by row offset, refusing to continue when the schema version
changed ("The schema has changed since the previous page of the DESCRIBE statement result. Please retry
the DESCRIBE statement."); :data:`SCHEMA_CHANGED_WHILE_PAGING` is that message for the caller that pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from engine.cql.ast.ddl import DescribeKind, DescribeStatement
from engine.cql.ast.terms import render_name
from engine.errors import InvalidRequest
from engine.schema import schema_cql
from engine.schema.metadata import IndexMetadata, KeyspaceMetadata, Schema, TableMetadata
from engine.schema.system_tables import (
    LOCAL_SYSTEM_KEYSPACE_NAMES,
    REPLICATED_SYSTEM_KEYSPACE_NAMES,
    VIRTUAL_SYSTEM_KEYSPACE_NAMES,
)

LIST_COLUMNS = ("keyspace_name", "type", "name")
ELEMENT_COLUMNS = (*LIST_COLUMNS, "create_statement")
RANGE_OWNERSHIP_TYPE = "frozen<map<text, frozen<list<text>>>>"

SCHEMA_CHANGED_WHILE_PAGING = (
    "The schema has changed since the previous page of the DESCRIBE statement result. "
    "Please retry the DESCRIBE statement."
)


@dataclass(frozen=True, slots=True)
class ClusterInfo:
    """What ``DESCRIBE CLUSTER`` reports.

    ``partitioner`` and ``snitch`` are class names; Cassandra drops the ``org.apache.cassandra.dht.`` and
    ``org.apache.cassandra.locator.`` prefixes (its default snitch, wrapped for dynamic snitching, shows
    as ``DynamicEndpointSnitch``). ``range_ownership(keyspace)`` maps each token range's end token
    (as text) to the endpoints replicating it for that keyspace (Cassandra 5.0 prints endpoints like
    ``/127.0.0.1:7000``); it is only asked for a non-system current keyspace.
    """

    cluster_name: str
    partitioner: str = "org.apache.cassandra.dht.Murmur3Partitioner"
    snitch: str = "org.apache.cassandra.locator.DynamicEndpointSnitch"
    range_ownership: Callable[[str], Mapping[str, Sequence[str]]] | None = None


@dataclass(frozen=True, slots=True)
class DescribeResult:
    """Result columns (all ``text`` except ``range_ownership``) and rows."""

    columns: tuple[str, ...]
    column_types: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]


class _Element(NamedTuple):
    keyspace: str
    type: str  # keyspace, type, function, aggregate, table, index, materialized_view
    name: str
    statement: Callable[[bool], str]  # with_internals -> CREATE statement


def is_system_keyspace(name: str) -> bool:
    """``SchemaConstants.isSystemKeyspace`` (local, replicated or virtual; compared lower-cased)."""
    lowered = name.lower()
    return (
        lowered in LOCAL_SYSTEM_KEYSPACE_NAMES
        or lowered in REPLICATED_SYSTEM_KEYSPACE_NAMES
        or lowered in VIRTUAL_SYSTEM_KEYSPACE_NAMES
    )


def describe(
    statement: DescribeStatement,
    schema: Schema,
    current_keyspace: str | None,
    cluster_info: ClusterInfo,
    *,
    virtual_keyspaces: Iterable[KeyspaceMetadata] = (),
) -> DescribeResult:
    """Run ``statement`` against ``schema``; raises :class:`InvalidRequest` with Cassandra's messages."""
    keyspaces = dict(schema.keyspaces)
    for ks in virtual_keyspaces:
        keyspaces.setdefault(ks.name, ks)
    return _Describer(keyspaces, current_keyspace, cluster_info).run(statement)


# ------------------------------------------------------------------------------------------ sorting


def _name_key(name: str) -> tuple[str, str]:
    """``SchemaElement.NAME_COMPARATOR`` (``compareToIgnoreCase``), ties broken by the exact name."""
    folded = "".join(c.upper().lower() if len(c.upper()) == 1 else c.lower() for c in name)
    return folded, name


_T = TypeVar("_T")


def _by_name(items: Iterable[_T], name: Callable[[_T], str]) -> list[_T]:
    return sorted(items, key=lambda item: _name_key(name(item)))


# ------------------------------------------------------------------------------------------ elements


def _keyspace_element(ks: KeyspaceMetadata) -> _Element:
    return _Element(ks.name, "keyspace", ks.name, lambda _internals: schema_cql.keyspace_cql(ks))


def _table_element(table: TableMetadata) -> _Element:
    return _Element(
        table.keyspace, "table", table.name, lambda internals: schema_cql.table_cql(table, internals)
    )


def _index_element(table: TableMetadata, index: IndexMetadata) -> _Element:
    return _Element(
        table.keyspace, "index", index.name, lambda _internals: schema_cql.index_cql(table, index)
    )


def _view_element(view: TableMetadata) -> _Element:
    return _Element(
        view.keyspace, "materialized_view", view.name, lambda internals: schema_cql.view_cql(view, internals)
    )


def _index_elements(table: TableMetadata) -> list[_Element]:
    return [_index_element(table, i) for i in _by_name(table.indexes.values(), lambda i: i.name)]


def _table_elements(ks: KeyspaceMetadata, table: TableMetadata) -> Iterator[_Element]:
    yield _table_element(table)
    yield from _index_elements(table)
    views = [v for v in ks.views.values() if v.base_table == table.name]
    for view in _by_name(views, lambda v: v.name):
        yield _view_element(view)


def _keyspace_elements(ks: KeyspaceMetadata, only_keyspace: bool) -> Iterator[_Element]:
    yield _keyspace_element(ks)
    if only_keyspace:
        return
    for user_type in schema_cql.types_in_dependency_order(ks.types.values()):
        yield _Element(ks.name, "type", user_type.name, lambda _i, t=user_type: schema_cql.type_cql(t))
    for table in _by_name(ks.tables.values(), lambda t: t.name):
        yield from _table_elements(ks, table)


def _find_indexed_table(ks: KeyspaceMetadata, index: str) -> TableMetadata | None:
    for table in (*ks.tables.values(), *ks.views.values()):
        if index in table.indexes:
            return table
    return None


# ---------------------------------------------------------------------------------------- statements


class _Describer:
    def __init__(
        self, keyspaces: Mapping[str, KeyspaceMetadata], current: str | None, cluster: ClusterInfo
    ) -> None:
        self.keyspaces = keyspaces
        self.current = current
        self.cluster = cluster

    def run(self, stmt: DescribeStatement) -> DescribeResult:
        kind = stmt.kind
        if kind is DescribeKind.CLUSTER:
            return self._cluster()
        if kind is DescribeKind.KEYSPACES:
            return _listing(_keyspace_element(k) for k in self._sorted_keyspaces())
        if kind in (DescribeKind.TABLES, DescribeKind.TYPES, DescribeKind.FUNCTIONS, DescribeKind.AGGREGATES):
            return _listing(self._list(kind))
        if kind in (DescribeKind.SCHEMA, DescribeKind.FULL_SCHEMA):
            full = kind is DescribeKind.FULL_SCHEMA
            keyspaces = [k for k in self._sorted_keyspaces() if full or not is_system_keyspace(k.name)]
            return _elements(
                (e for k in keyspaces for e in _keyspace_elements(k, False)), stmt.with_internals
            )
        if kind is DescribeKind.GENERIC:
            return _elements(self._generic(stmt.keyspace, stmt.name or ""), stmt.with_internals)
        return _elements(self._element(kind, stmt.keyspace, stmt.name), stmt.with_internals)

    # -- helpers

    def _sorted_keyspaces(self) -> list[KeyspaceMetadata]:
        return _by_name(self.keyspaces.values(), lambda k: k.name)

    def _keyspace(self, name: str) -> KeyspaceMetadata:
        ks = self.keyspaces.get(name)
        if ks is None:
            # KeyspaceNotDefinedException, an InvalidRequestException.
            raise InvalidRequest(f"'{name}' not found in keyspaces")
        return ks

    def _element_keyspace(self, keyspace: str | None) -> KeyspaceMetadata:
        if keyspace is None:
            if self.current is None:
                raise InvalidRequest("No keyspace specified and no current keyspace")
            keyspace = self.current
        return self._keyspace(keyspace)

    # -- list forms

    def _list(self, kind: DescribeKind) -> Iterator[_Element]:
        keyspaces = self._sorted_keyspaces() if self.current is None else [self._keyspace(self.current)]
        for ks in keyspaces:
            if kind is DescribeKind.TABLES:
                yield from (_table_element(t) for t in _by_name(ks.tables.values(), lambda t: t.name))
            elif kind is DescribeKind.TYPES:
                for user_type in _by_name(ks.types.values(), lambda t: t.name):
                    yield _Element(ks.name, "type", user_type.name, lambda _i: "")
            # FUNCTIONS / AGGREGATES: no user-defined functions in the schema metadata.

    # -- element forms

    def _element(self, kind: DescribeKind, keyspace: str | None, name: str | None) -> list[_Element]:
        ks = self._element_keyspace(keyspace)
        name = name or ""
        match kind:
            case DescribeKind.KEYSPACE | DescribeKind.ONLY_KEYSPACE:
                return list(_keyspace_elements(ks, kind is DescribeKind.ONLY_KEYSPACE))
            case DescribeKind.TABLE:
                table = ks.tables.get(name)
                if table is None:
                    raise InvalidRequest(f"Table '{name}' not found in keyspace '{ks.name}'")
                return [_table_element(table), *_index_elements(table)]
            case DescribeKind.INDEX:
                indexed = _find_indexed_table(ks, name)
                if indexed is None:
                    raise InvalidRequest(f"Table for existing index '{name}' not found in '{ks.name}'")
                return [_index_element(indexed, indexed.indexes[name])]
            case DescribeKind.MATERIALIZED_VIEW:
                view = ks.views.get(name)
                if view is None:
                    raise InvalidRequest(f"Materialized view '{name}' not found in '{ks.name}'")
                return [_view_element(view)]
            case DescribeKind.TYPE:
                user_type = ks.types.get(name)
                if user_type is None:
                    raise InvalidRequest(f"User defined type '{name}' not found in '{ks.name}'")
                return [_Element(ks.name, "type", name, lambda _i: schema_cql.type_cql(user_type))]
            case DescribeKind.FUNCTION:
                raise InvalidRequest(f"User defined function '{name}' not found in '{ks.name}'")
            case DescribeKind.AGGREGATE:
                raise InvalidRequest(f"User defined aggregate '{name}' not found in '{ks.name}'")
        raise AssertionError(kind)

    def _generic(self, keyspace: str | None, name: str) -> list[_Element]:
        """``DESCRIBE name``: a keyspace, else a table, an index or a view (in that order)."""
        if keyspace is None:
            if name in self.keyspaces:
                return self._element(DescribeKind.KEYSPACE, name, None)
            keyspace = name if self.current is None else self.current
        ks = self._keyspace(keyspace)
        if name in ks.tables:
            return self._element(DescribeKind.TABLE, keyspace, name)
        indexed = _find_indexed_table(ks, name)
        if indexed is not None:
            return self._element(DescribeKind.INDEX, keyspace, name)
        if name in ks.views:
            return self._element(DescribeKind.MATERIALIZED_VIEW, keyspace, name)
        raise InvalidRequest(f"'{name}' not found in keyspace '{keyspace}'")

    # -- cluster

    def _cluster(self) -> DescribeResult:
        info = self.cluster
        columns = ["cluster", "partitioner", "snitch"]
        types = ["text", "text", "text"]
        row: list[object] = [
            info.cluster_name,
            _trim(info.partitioner, "org.apache.cassandra.dht."),
            _trim(info.snitch, "org.apache.cassandra.locator."),
        ]
        current = self.current
        if current is not None and not is_system_keyspace(current):
            ownership = info.range_ownership(current) if info.range_ownership is not None else {}
            columns.append("range_ownership")
            types.append(RANGE_OWNERSHIP_TYPE)
            # A map<text, ...> reaches the client sorted by its keys' bytes.
            row.append({t: list(ownership[t]) for t in sorted(ownership, key=str.encode)})
        return DescribeResult(tuple(columns), tuple(types), (tuple(row),))


def _trim(value: str, prefix: str) -> str:
    return value[len(prefix) :] if value.startswith(prefix) else value


def _listing(elements: Iterable[_Element]) -> DescribeResult:
    rows = tuple((render_name(e.keyspace), e.type, render_name(e.name)) for e in elements)
    return DescribeResult(LIST_COLUMNS, ("text",) * 3, rows)


def _elements(elements: Iterable[_Element], with_internals: bool) -> DescribeResult:
    rows = tuple(
        (render_name(e.keyspace), e.type, render_name(e.name), e.statement(with_internals)) for e in elements
    )
    return DescribeResult(ELEMENT_COLUMNS, ("text",) * 4, rows)
