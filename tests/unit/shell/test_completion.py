"""Completion as a pure function: keywords from the grammar's tables, names from a schema."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from shell.completion import complete
from shell.completion.completer import CqlCompleter
from shell.completion.names import quoted


@dataclass
class Column:
    name: str


@dataclass
class Table:
    columns: tuple[Column, ...]


@dataclass
class Keyspace:
    tables: dict[str, Table]
    views: dict[str, Table] = field(default_factory=dict)
    types: dict[str, object] = field(default_factory=dict)


@dataclass
class Schema:
    keyspaces: dict[str, Keyspace]


def _table(*names: str) -> Table:
    return Table(tuple(Column(n) for n in names))


SCHEMA = Schema(
    {
        "shop": Keyspace(
            {"orders": _table("customer", "placed", "total"), "Items": _table("sku", "select")},
            views={"orders_by_total": _table("total", "customer", "placed")},
            types={"address": object()},
        ),
        "system": Keyspace({"local": _table("key", "cluster_name")}),
    }
)


def c(text: str, keyspace: str | None = None) -> list[str]:
    return complete(text, SCHEMA, keyspace)


def test_statement_start_offers_shell_commands_and_cql_statements() -> None:
    words = c("")
    for word in (
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "CREATE",
        "DROP",
        "ALTER",
        "USE",
        "BEGIN",
        "TRUNCATE",
    ):
        assert word in words
    for word in (
        "CONSISTENCY",
        "EXPAND",
        "PAGING",
        "TRACING",
        "SOURCE",
        "CAPTURE",
        "HELP",
        "SHOW",
        "exit",
        "quit",
    ):
        assert word in words
    assert len(words) == len(set(words))
    assert "FROM" not in words


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("alt", ["ALTER"]), ("I", ["INSERT"]), ("DESCR", ["DESCRIBE"]), ("DR", ["DROP"]), ("UPD", ["UPDATE"])],
)
def test_a_partial_keyword_completes(typed: str, expected: list[str]) -> None:
    assert c(typed) == expected


def test_keywords_follow_the_grammar() -> None:
    assert c("SELECT * FROM shop.orders WHERE customer = 'a' ") == [
        "ALLOW",
        "AND",
        "GROUP",
        "LIMIT",
        "ORDER",
        "PER",
    ]
    assert c("UPDATE shop.orders ") == ["SET", "USING"]
    assert c("DELETE FROM shop.orders ") == ["USING", "WHERE"]
    assert c("INSERT INTO shop.orders ") == ["JSON"]
    assert c("BEGIN BATCH ") == ["APPLY", "DELETE", "INSERT", "UPDATE", "USING"]
    assert "TABLE" in c("DROP ") and "KEYSPACE" in c("DROP ")


def test_unreserved_keywords_are_not_offered_where_they_can_only_be_names() -> None:
    assert c("USE ") == ["shop", "system"]
    assert "JSON" in c("SELECT ")  # SELECT JSON ...
    types = c("CREATE TABLE t (a ")
    assert "INT" in types and "TEXT" in types and "FROZEN" in types
    assert "ACCESS" not in types and "KEYS" not in types


def test_keyspaces() -> None:
    assert c("USE s") == ["shop", "system"]
    assert c("DROP KEYSPACE ") == ["IF", "shop", "system"]
    assert c("DESCRIBE KEYSPACE sh") == ["shop"]


def test_tables_with_and_without_a_current_keyspace() -> None:
    assert c("SELECT * FROM ") == ["shop.", "system."]
    assert c("SELECT * FROM ", "shop") == ['"Items"', "orders", "orders_by_total", "shop.", "system."]
    assert c("SELECT * FROM shop.") == ['"Items"', "orders", "orders_by_total"]
    assert c("SELECT * FROM shop.or") == ["orders", "orders_by_total"]
    assert c("INSERT INTO sys") == ["system."]
    assert c("TRUNCATE ", "shop")[:2] == ["COLUMNFAMILY", "TABLE"]
    assert c("DROP TABLE IF EXISTS shop.") == ['"Items"', "orders", "orders_by_total"]


def test_columns_of_the_statement_table() -> None:
    assert c("SELECT * FROM shop.orders WHERE ") == ["TOKEN", "customer", "placed", "total"]
    assert c("SELECT * FROM orders WHERE cu", "shop") == ["customer"]
    assert c("UPDATE shop.orders SET ") == ["customer", "placed", "total"]
    assert c("INSERT INTO shop.orders (customer, ") == ["customer", "placed", "total"]
    assert c('SELECT * FROM shop."Items" WHERE ') == ["TOKEN", "sku", '"select"']


def test_user_types() -> None:
    assert c("DROP TYPE ", "shop") == ["IF", "address", "shop.", "system."]


def test_new_names_get_no_suggestions() -> None:
    assert c("CREATE TABLE ") == ["IF"]
    assert c("CREATE KEYSPACE ") == ["IF"]


def test_options_after_with() -> None:
    assert c("CREATE KEYSPACE k WITH ") == ["durable_writes", "replication"]
    table_options = c("CREATE TABLE t (a int PRIMARY KEY) WITH ")
    assert {"CLUSTERING", "COMPACT", "compaction", "gc_grace_seconds", "comment"} <= set(table_options)
    assert c("ALTER TABLE shop.orders WITH comm") == ["comment"]


def test_multi_line_and_several_statements() -> None:
    assert c("SELECT *\nFROM shop.orders\nWHERE cus") == ["customer"]
    assert c("SELECT * FROM shop.orders; SELECT * FROM shop.") == ['"Items"', "orders", "orders_by_total"]
    assert c("USE shop;\n") == c("")


def test_shell_command_arguments() -> None:
    assert c("CONSISTENCY ") == [
        "ANY",
        "ONE",
        "TWO",
        "THREE",
        "QUORUM",
        "ALL",
        "LOCAL_QUORUM",
        "EACH_QUORUM",
        "SERIAL",
        "LOCAL_SERIAL",
        "LOCAL_ONE",
        "NODE_LOCAL",
    ]
    assert c("consistency lo") == ["LOCAL_QUORUM", "LOCAL_SERIAL", "LOCAL_ONE"]
    assert c("SERIAL ") == ["CONSISTENCY"]
    assert c("SERIAL CONSISTENCY ") == ["SERIAL", "LOCAL_SERIAL"]
    assert c("EXPAND ") == ["ON", "OFF", "AUTO"]  # AUTO: cqlkit's own
    assert c("PAGING o") == ["ON", "OFF"]
    assert c("SHOW ") == ["HOST", "REPLICAS", "SESSION", "VERSION"]
    assert c("HELP SEL") == ["SELECT", "SELECT_JSON"]
    assert c("CAPTURE ") == ["OFF"]
    assert c("EXPAND ON ") == []


def test_nothing_after_a_syntax_error_or_without_schema() -> None:
    assert c("SELECT FROM WHERE ") == []
    assert complete("SELECT * FROM ", None, None) == []


def test_quoting() -> None:
    assert quoted("orders") == "orders"
    assert quoted("Items") == '"Items"'
    assert quoted("select") == '"select"'
    assert quoted('we"ird') == '"we""ird"'


def test_prompt_toolkit_completer_replaces_the_word_being_typed() -> None:
    completer = CqlCompleter(lambda: SCHEMA, lambda: "shop", lambda: "SELECT *\n")
    completions = list(
        completer.get_completions(Document("FROM ord"), CompleteEvent(completion_requested=True))
    )
    assert [(x.text, x.start_position) for x in completions] == [("orders", -3), ("orders_by_total", -3)]
