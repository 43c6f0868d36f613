"""The one result type the shell renders; every connection kind (embedded, cassandra-driver) adapts into it.

A statement that returns rows produces a :class:`ResultPage`: the columns (name, CQL type text as cqlsh
sees it, part in the primary key), the rows of this page, the server's warnings, the paging state that
fetches the next page (``None`` on the last page), the trace session id, and the user-defined types the
column types mention. The next page is another :class:`ResultPage` with the same columns, fetched by the
connection from ``paging_state``; rendering never fetches.

Row values are the Python values cassandra-driver returns, with cqlsh's driver hooks applied — the embedded
connection converts its values to exactly these:

=====================  =================================================================================
CQL type               Python value
=====================  =================================================================================
ascii, text, varchar   ``str``
int, bigint, smallint, ``int``
tinyint, varint,
counter
float, double          ``float`` (a float is the float32 value widened, e.g. ``1.100000023841858``)
decimal                ``decimal.Decimal``
boolean                ``bool``
blob                   ``bytes``
uuid, timeuuid         ``uuid.UUID``
inet                   ``str`` (the address text, e.g. ``'127.0.0.1'``)
timestamp              naive UTC ``datetime.datetime``; an ``int`` of milliseconds since the epoch when
                       the instant is outside ``datetime``'s range (cqlsh's ``deserialize_date_fallback_int``,
                       CASSANDRA-10625)
date                   ``cassandra.util.Date``
time                   ``cassandra.util.Time``
duration               ``cassandra.util.Duration``
list, vector           ``list``
set                    ``cassandra.util.SortedSet`` (already in CQL order)
map                    ``cassandra.util.OrderedMapSerializedKey`` or ``dict``
tuple                  ``tuple`` (elements may be ``None``)
user-defined type      a namedtuple whose fields are the UDT's fields (values may be ``None``)
null                   ``None``
empty value            ``cassandra.cqltypes.EMPTY`` (a zero-length value of a type that has no empty
                       form, e.g. an ``int`` written as ``0x``; cqlsh sets ``support_empty_values``)
=====================  =================================================================================

Column types are CQL type text in the form cassandra-driver's ``cql_typename`` produces: ``int``,
``map<text, frozen<list<int>>>``, ``frozen<tuple<int, text>>``, ``frozen<address>`` for a UDT,
``vector<float, 3>``, a quoted class name for custom types.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeAlias


class ColumnKind(enum.Enum):
    """A column's part in its table's primary key; only decides the header color."""

    PARTITION_KEY = "partition_key"
    CLUSTERING = "clustering"
    STATIC = "static"
    REGULAR = "regular"
    NONE = "none"  # not a table column (an aggregate, an alias, a function call) or table unknown


@dataclass(frozen=True)
class ColumnSpec:
    """One result column: its name as shown in the header, its CQL type text, and its key role."""

    name: str
    cql_type: str
    kind: ColumnKind = ColumnKind.NONE


@dataclass(frozen=True)
class UserTypeSpec:
    """A user-defined type the result's column types refer to by name: its fields' names and CQL types.

    cqlsh finds these in the keyspace metadata of the queried table (or of the current keyspace); a UDT
    it cannot find is printed as the namedtuple's ``repr``-like ``str``. Connections that want that
    behaviour leave such types out of :attr:`ResultPage.user_types`.
    """

    name: str
    field_names: tuple[str, ...]
    field_types: tuple[str, ...]


Row: TypeAlias = tuple[object, ...]

_NO_USER_TYPES: Mapping[str, UserTypeSpec] = MappingProxyType({})


@dataclass(frozen=True)
class ResultPage:
    """One page of a statement's rows, plus what cqlsh prints around it."""

    columns: tuple[ColumnSpec, ...]
    rows: Sequence[Row]
    warnings: tuple[str, ...] = ()
    paging_state: bytes | None = None
    user_types: Mapping[str, UserTypeSpec] = field(default_factory=lambda: _NO_USER_TYPES)
    trace_id: uuid.UUID | None = None

    @property
    def has_more_pages(self) -> bool:
        return self.paging_state is not None


#: A statement's result is its first page; later pages are fetched by the connection.
Result: TypeAlias = ResultPage
