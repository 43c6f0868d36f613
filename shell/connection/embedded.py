"""The embedded connection: a cluster opened in this process through the ``engine`` facade.

Rows come back from the engine as the native protocol's serialized values; they are decoded here with
cassandra-driver's own type classes (looked up by each column type's Cassandra class name), so the
values the shell formats are exactly those a remote connection through the driver produces, including
cqlsh's fallback of out-of-range timestamps to integer milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from cassandra import cqltypes

import engine
from shell.output.result import ColumnKind, ColumnSpec, ResultPage, UserTypeSpec

PROTOCOL_VERSION = 5
#: cqlsh pages every SELECT by 100 rows (its `--page-size` default), even in batch mode
DEFAULT_PAGE_SIZE = 100

_KIND = {
    "partition_key": ColumnKind.PARTITION_KEY,
    "clustering": ColumnKind.CLUSTERING,
    "static": ColumnKind.STATIC,
    "regular": ColumnKind.REGULAR,
}


class EmbeddedConnection:
    def __init__(self, cluster: str | Path | None = None, keyspace: str | None = None) -> None:
        self.cluster = engine.Cluster.open(cluster)
        self.session = self.cluster.connect(keyspace)

    @property
    def keyspace(self) -> str | None:
        return self.session.keyspace

    def execute(self, statement: str, fetch_size: int | None = DEFAULT_PAGE_SIZE) -> Iterator[ResultPage]:
        """The pages of ``statement``'s result (none for statements without rows); raises engine.CqlError."""
        result = self.session.execute(statement, fetch_size=fetch_size)
        if not result.column_specs:
            return
        while True:
            yield self._page(result)
            if not result.has_more_pages:
                return
            result = self.session.execute(statement, fetch_size=fetch_size, paging_state=result.paging_state)

    def _page(self, result: engine.ResultSet) -> ResultPage:
        schema = self.session.schema
        specs = result.column_specs
        columns = []
        decoders = []
        user_types: dict[str, UserTypeSpec] = {}
        for spec in specs:
            table = schema.table(spec.keyspace, spec.table)
            column = table.column(spec.name) if table is not None else None
            kind = _KIND[column.kind.value] if column is not None else ColumnKind.NONE
            decoder = driver_type(spec.type)
            columns.append(ColumnSpec(spec.name, decoder.cql_parameterized_type(), kind))
            decoders.append(decoder)
            ks = schema.keyspace(spec.keyspace)
            for user_type in ks.types.values() if ks is not None else ():
                user_types[user_type.name] = UserTypeSpec(
                    user_type.name,
                    user_type.field_names,
                    tuple(driver_type(t).cql_parameterized_type() for t in user_type.field_types),
                )
        rows = [
            tuple(_decode(decoder, value) for decoder, value in zip(decoders, raw, strict=True))
            for raw in result.raw_rows
        ]
        return ResultPage(tuple(columns), rows, tuple(result.warnings), result.paging_state, user_types)

    def close(self) -> None:
        self.cluster.shutdown()


def driver_type(cql_type: object) -> type:
    """cassandra-driver's type class for one of the engine's types (what the driver builds from a RESULT
    frame's column specs), so values decode and names print exactly as over the network."""
    from engine.schema.types import ListType, MapType, SetType, TupleType, UserType

    inner = cql_type.unwrap() if getattr(cql_type, "is_reversed", False) else cql_type  # type: ignore[attr-defined]
    if isinstance(inner, ListType):
        built = cqltypes.ListType.apply_parameters([driver_type(inner.element)])
    elif isinstance(inner, SetType):
        built = cqltypes.SetType.apply_parameters([driver_type(inner.element)])
    elif isinstance(inner, MapType):
        built = cqltypes.MapType.apply_parameters([driver_type(inner.key), driver_type(inner.value)])
    elif isinstance(inner, TupleType):
        return cqltypes.TupleType.apply_parameters([driver_type(t) for t in inner.elements])
    elif isinstance(inner, UserType):
        built = cqltypes.UserType.make_udt_class(
            inner.keyspace, inner.name, list(inner.field_names), [driver_type(t) for t in inner.field_types]
        )
    else:
        return cqltypes.lookup_casstype(inner.marshal_name())  # type: ignore[attr-defined]
    if inner.is_frozen:  # type: ignore[attr-defined]
        return cqltypes.FrozenType.apply_parameters([built])
    return built


def _decode(decoder: type, value: bytes | None) -> object:
    if value is None:
        return None
    try:
        return decoder.from_binary(value, PROTOCOL_VERSION)
    except OverflowError:
        # cqlsh's deserialize_date_fallback_int: timestamps outside datetime's range show as millis.
        return int.from_bytes(value, "big", signed=True)
