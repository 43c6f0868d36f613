"""Column masks in the schema: kept in schema.json across a restart, rendered as DESCRIBE renders them."""

from __future__ import annotations

import json
import uuid

from engine.cql.ast import NativeTypeName
from engine.cql3.masking import apply, masked_default
from engine.schema import catalog
from engine.schema.metadata import (
    ColumnKind,
    ColumnMask,
    ColumnMetadata,
    KeyspaceMetadata,
    ReplicationParams,
    Schema,
    TableMetadata,
)
from engine.schema.types import NATIVE_TYPES, parse_type

INT, TEXT = NATIVE_TYPES[NativeTypeName.INT], NATIVE_TYPES[NativeTypeName.TEXT]


def _schema(mask: ColumnMask | None) -> Schema:
    columns = (
        ColumnMetadata("k", INT, ColumnKind.PARTITION_KEY, 0),
        ColumnMetadata("name", TEXT, ColumnKind.REGULAR, mask=mask),
    )
    table = TableMetadata("ks", "t", uuid.UUID(int=7), columns)
    ks = KeyspaceMetadata("ks", ReplicationParams.simple(1)).with_table(table)
    return Schema().with_keyspace(ks)


def test_masks_survive_a_dump_and_load() -> None:
    mask = ColumnMask("mask_inner", (INT, INT, TEXT), (INT.serialize(1), None, TEXT.serialize("#")))
    (loaded,) = catalog.load(catalog.dump(_schema(mask)))
    column = loaded.tables["t"].column("name")
    assert column is not None and column.mask == mask
    assert column.mask.cql() == "system.mask_inner(1, null, '#')"


def test_unmasked_columns_keep_their_five_element_form() -> None:
    doc = json.loads(catalog.dump(_schema(None)))
    assert [len(c) for c in doc["keyspaces"][0]["tables"][0]["columns"]] == [5, 5]


def test_default_masked_values_by_type() -> None:
    def parsed(cql: str):
        return parse_type(cql, "ks", lambda k, n: None)

    assert TEXT.deserialize(masked_default(TEXT)) == "****"
    assert masked_default(parsed("list<int>")) == parsed("list<int>").serialize([])
    assert parsed("tuple<int, text>").deserialize(masked_default(parsed("tuple<int, text>"))) == (0, "****")
    assert parsed("vector<float, 2>").deserialize(masked_default(parsed("vector<float, 2>"))) == [0.0, 0.0]
    assert (
        apply("mask_outer", TEXT, TEXT.serialize("Alice"), (INT.serialize(2), INT.serialize(1))) == b"**ic*"
    )


def test_column_masks_rows_give_argument_values_as_getstring_does() -> None:
    from engine.schema import system_schema

    mask = ColumnMask("mask_inner", (INT, INT, TEXT), (INT.serialize(1), None, TEXT.serialize("#")))
    (row,) = system_schema.rows("column_masks", _schema(mask))
    assert (row["function_argument_values"], row["function_argument_nulls"]) == (
        ["1", "", "#"],
        [False, True, False],
    )
    blob = NATIVE_TYPES[NativeTypeName.BLOB]
    assert system_schema._as_string(blob, b"\xca\xfe") == "cafe"
    assert system_schema._as_string(NATIVE_TYPES[NativeTypeName.DATE], b"\x80\x00\x00\x00") == "1970-01-01"
