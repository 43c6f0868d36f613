"""Schema metadata: keyspaces, tables, columns, user types and indexes, as immutable values.

A :class:`Schema` is one immutable snapshot of every keyspace a node knows; a schema change builds a new
snapshot (with a new version UUID) and swaps it in (``engine.schema.catalog``). Everything here is a
frozen dataclass so a snapshot can be shared by readers without locks.

Column order follows Cassandra's ``TableMetadata``: partition key columns by position, clustering
columns by position, then static and regular columns sorted by name (UTF-8 byte order), statics first.
That is the order of ``SELECT *`` and of ``DESCRIBE``.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from engine.schema.types import CqlType, ReversedType, UserType

SIMPLE_STRATEGY = "org.apache.cassandra.locator.SimpleStrategy"
NETWORK_TOPOLOGY_STRATEGY = "org.apache.cassandra.locator.NetworkTopologyStrategy"
LOCAL_STRATEGY = "org.apache.cassandra.locator.LocalStrategy"
EVERYWHERE_STRATEGY = "org.apache.cassandra.locator.EverywhereStrategy"
NIL_UUID = uuid.UUID(int=0)


def _frozen_map(items: Mapping[str, str] | None = None) -> Mapping[str, str]:
    return MappingProxyType(dict(items or {}))


class ColumnKind(enum.Enum):
    """A column's role (``system_schema.columns.kind``)."""

    PARTITION_KEY = "partition_key"
    CLUSTERING = "clustering"
    STATIC = "static"
    REGULAR = "regular"

    @property
    def is_primary_key(self) -> bool:
        return self in (ColumnKind.PARTITION_KEY, ColumnKind.CLUSTERING)


class ClusteringOrder(enum.Enum):
    """``system_schema.columns.clustering_order``."""

    ASC = "asc"
    DESC = "desc"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class ColumnMask:
    """A column's dynamic data mask (Cassandra 5.0, CEP-20): a masking function partially applied, as
    ``MASKED WITH system.mask_inner(1, 2)`` declares it. The column's value is the function's first
    argument; ``argument_types``/``argument_values`` are the others (serialized, None for null), and
    ``engine.cql3.masking`` computes the masked value."""

    function: str  # a native masking function: mask_default, mask_null, mask_replace, mask_inner, ...
    argument_types: tuple[CqlType, ...] = ()
    argument_values: tuple[bytes | None, ...] = ()
    keyspace: str = "system"

    def cql(self) -> str:
        """``ColumnMask.toString``: the function's full name and its arguments as CQL literals."""
        arguments = ", ".join(
            "null" if v is None else t.to_cql_literal(t.deserialize(v))
            for t, v in zip(self.argument_types, self.argument_values, strict=True)
        )
        return f"{self.keyspace}.{self.function}({arguments})"


@dataclass(frozen=True, slots=True)
class ColumnMetadata:
    name: str
    type: CqlType
    kind: ColumnKind
    position: int = -1  # index within the partition key or the clustering; -1 otherwise
    clustering_order: ClusteringOrder = ClusteringOrder.NONE
    mask: ColumnMask | None = None

    @property
    def is_static(self) -> bool:
        return self.kind is ColumnKind.STATIC

    @property
    def is_primary_key(self) -> bool:
        return self.kind.is_primary_key

    @property
    def storage_type(self) -> CqlType:
        """The type whose order the storage engine sorts by (reversed for DESC clustering)."""
        if self.clustering_order is ClusteringOrder.DESC:
            return ReversedType(self.type)
        return self.type


@dataclass(frozen=True, slots=True)
class DroppedColumn:
    """A dropped column, remembered so data written before the drop stays invisible (and purgeable)."""

    name: str
    type: CqlType
    dropped_time: int  # microseconds, the drop's timestamp
    kind: ColumnKind = ColumnKind.REGULAR


class IndexKind(enum.Enum):
    """``system_schema.indexes.kind``."""

    COMPOSITES = "COMPOSITES"
    KEYS = "KEYS"
    CUSTOM = "CUSTOM"


@dataclass(frozen=True, slots=True)
class IndexMetadata:
    name: str
    kind: IndexKind
    options: Mapping[str, str]  # 'target' plus 'class_name' for custom (SAI) indexes

    @property
    def target(self) -> str:
        return self.options.get("target", "")


DEFAULT_CACHING: Mapping[str, str] = MappingProxyType({"keys": "ALL", "rows_per_partition": "NONE"})
DEFAULT_COMPACTION: Mapping[str, str] = MappingProxyType(
    {
        "class": "org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy",
        "max_threshold": "32",
        "min_threshold": "4",
    }
)
DEFAULT_COMPRESSION: Mapping[str, str] = MappingProxyType(
    {"chunk_length_in_kb": "16", "class": "org.apache.cassandra.io.compress.LZ4Compressor"}
)


@dataclass(frozen=True, slots=True)
class TableParams:
    """A table's options with Cassandra 5.0's defaults (``TableParams``); maps hold text values."""

    additional_write_policy: str = "99p"
    allow_auto_snapshot: bool = True
    bloom_filter_fp_chance: float = 0.01
    caching: Mapping[str, str] = field(default_factory=lambda: DEFAULT_CACHING)
    cdc: bool = False
    comment: str = ""
    compaction: Mapping[str, str] = field(default_factory=lambda: DEFAULT_COMPACTION)
    compression: Mapping[str, str] = field(default_factory=lambda: DEFAULT_COMPRESSION)
    memtable: str = "default"
    crc_check_chance: float = 1.0
    default_time_to_live: int = 0
    extensions: Mapping[str, bytes] = field(default_factory=lambda: MappingProxyType({}))
    gc_grace_seconds: int = 864000
    incremental_backups: bool = True
    max_index_interval: int = 2048
    memtable_flush_period_in_ms: int = 0
    min_index_interval: int = 128
    read_repair: str = "BLOCKING"
    speculative_retry: str = "99p"


class TableFlag(enum.Enum):
    """``system_schema.tables.flags``."""

    COMPOUND = "compound"
    COUNTER = "counter"
    DENSE = "dense"
    SUPER = "super"


@dataclass(frozen=True, slots=True)
class TableMetadata:
    keyspace: str
    name: str
    id: uuid.UUID
    columns: tuple[ColumnMetadata, ...]
    params: TableParams = TableParams()
    dropped_columns: Mapping[str, DroppedColumn] = field(default_factory=lambda: MappingProxyType({}))
    indexes: Mapping[str, IndexMetadata] = field(default_factory=lambda: MappingProxyType({}))
    is_view: bool = False
    base_table: str | None = None  # for a materialized view
    virtual: bool = False
    _by_name: Mapping[str, ColumnMetadata] = field(init=False, repr=False, compare=False)
    # derived once: every statement execution asks for them (a table's value is immutable)
    _value_columns: tuple[ColumnMetadata, ...] = field(init=False, repr=False, compare=False)
    _is_counter: bool = field(init=False, repr=False, compare=False)
    _by_kind: Mapping[ColumnKind, tuple[ColumnMetadata, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.columns, key=_column_order))
        object.__setattr__(self, "columns", ordered)
        object.__setattr__(self, "_by_name", {c.name: c for c in ordered})
        values = tuple(c for c in ordered if not c.kind.is_primary_key)
        object.__setattr__(self, "_value_columns", values)
        object.__setattr__(self, "_is_counter", any(c.type.is_counter for c in values))
        object.__setattr__(
            self, "_by_kind", {kind: tuple(c for c in ordered if c.kind is kind) for kind in ColumnKind}
        )

    def column(self, name: str) -> ColumnMetadata | None:
        return self._by_name.get(name)

    @property
    def partition_key(self) -> tuple[ColumnMetadata, ...]:
        return self._by_kind[ColumnKind.PARTITION_KEY]

    @property
    def clustering(self) -> tuple[ColumnMetadata, ...]:
        return self._by_kind[ColumnKind.CLUSTERING]

    @property
    def primary_key(self) -> tuple[ColumnMetadata, ...]:
        return self._by_kind[ColumnKind.PARTITION_KEY] + self._by_kind[ColumnKind.CLUSTERING]

    @property
    def static_columns(self) -> tuple[ColumnMetadata, ...]:
        return self._by_kind[ColumnKind.STATIC]

    @property
    def regular_columns(self) -> tuple[ColumnMetadata, ...]:
        return self._by_kind[ColumnKind.REGULAR]

    @property
    def value_columns(self) -> tuple[ColumnMetadata, ...]:
        """Static then regular columns: what the storage engine keeps as cells."""
        return self._value_columns

    @property
    def is_counter(self) -> bool:
        return self._is_counter

    @property
    def has_masked_columns(self) -> bool:
        return any(c.mask is not None for c in self.columns)

    @property
    def has_static(self) -> bool:
        return any(c.kind is ColumnKind.STATIC for c in self.columns)

    @property
    def flags(self) -> frozenset[TableFlag]:
        flags = {TableFlag.COMPOUND}
        if self.is_counter:
            flags.add(TableFlag.COUNTER)
        return frozenset(flags)

    def with_columns(self, columns: tuple[ColumnMetadata, ...]) -> TableMetadata:
        return replace(self, columns=columns)


def _column_order(column: ColumnMetadata) -> tuple[int, int, bytes]:
    rank = {
        ColumnKind.PARTITION_KEY: 0,
        ColumnKind.CLUSTERING: 1,
        ColumnKind.STATIC: 2,
        ColumnKind.REGULAR: 3,
    }
    return rank[column.kind], column.position, column.name.encode()


@dataclass(frozen=True, slots=True)
class ReplicationParams:
    """A keyspace's replication: the strategy's full class name and its options (text values)."""

    strategy_class: str
    options: Mapping[str, str] = field(default_factory=_frozen_map)

    def as_map(self) -> dict[str, str]:
        """``system_schema.keyspaces.replication``: the class plus the options."""
        return {"class": self.strategy_class, **self.options}

    @classmethod
    def simple(cls, replication_factor: int) -> ReplicationParams:
        return cls(SIMPLE_STRATEGY, _frozen_map({"replication_factor": str(replication_factor)}))


@dataclass(frozen=True, slots=True)
class KeyspaceMetadata:
    name: str
    replication: ReplicationParams
    durable_writes: bool = True
    tables: Mapping[str, TableMetadata] = field(default_factory=lambda: MappingProxyType({}))
    views: Mapping[str, TableMetadata] = field(default_factory=lambda: MappingProxyType({}))
    types: Mapping[str, UserType] = field(default_factory=lambda: MappingProxyType({}))
    virtual: bool = False

    def table_or_view(self, name: str) -> TableMetadata | None:
        return self.tables.get(name) or self.views.get(name)

    def with_table(self, table: TableMetadata) -> KeyspaceMetadata:
        tables = dict(self.tables)
        tables[table.name] = table
        return replace(self, tables=MappingProxyType(tables))

    def without_table(self, name: str) -> KeyspaceMetadata:
        tables = {n: t for n, t in self.tables.items() if n != name}
        return replace(self, tables=MappingProxyType(tables))

    def with_type(self, user_type: UserType) -> KeyspaceMetadata:
        types = dict(self.types)
        types[user_type.name] = user_type
        return replace(self, types=MappingProxyType(types))

    def without_type(self, name: str) -> KeyspaceMetadata:
        return replace(self, types=MappingProxyType({n: t for n, t in self.types.items() if n != name}))

    def with_view(self, view: TableMetadata) -> KeyspaceMetadata:
        views = dict(self.views)
        views[view.name] = view
        return replace(self, views=MappingProxyType(views))

    def without_view(self, name: str) -> KeyspaceMetadata:
        return replace(self, views=MappingProxyType({n: t for n, t in self.views.items() if n != name}))


@dataclass(frozen=True, slots=True)
class Schema:
    """Every keyspace a node knows, at one schema version."""

    keyspaces: Mapping[str, KeyspaceMetadata] = field(default_factory=lambda: MappingProxyType({}))
    version: uuid.UUID = NIL_UUID
    # table id -> table, built once per schema version: every mutation and read looks its table up by id
    _by_id: Mapping[uuid.UUID, TableMetadata] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {t.id: t for t in self.all_tables()})

    def keyspace(self, name: str) -> KeyspaceMetadata | None:
        return self.keyspaces.get(name)

    def table(self, keyspace: str, name: str) -> TableMetadata | None:
        ks = self.keyspaces.get(keyspace)
        return None if ks is None else ks.table_or_view(name)

    def table_by_id(self, table_id: uuid.UUID) -> TableMetadata | None:
        return self._by_id.get(table_id)

    def all_tables(self) -> Iterator[TableMetadata]:
        for ks in self.keyspaces.values():
            yield from ks.tables.values()
            yield from ks.views.values()

    def user_type(self, keyspace: str, name: str) -> UserType | None:
        ks = self.keyspaces.get(keyspace)
        return None if ks is None else ks.types.get(name)

    def with_keyspace(self, keyspace: KeyspaceMetadata) -> Schema:
        keyspaces = dict(self.keyspaces)
        keyspaces[keyspace.name] = keyspace
        return replace(self, keyspaces=MappingProxyType(keyspaces))

    def without_keyspace(self, name: str) -> Schema:
        return replace(
            self, keyspaces=MappingProxyType({n: k for n, k in self.keyspaces.items() if n != name})
        )
