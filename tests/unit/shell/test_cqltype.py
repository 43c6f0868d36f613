"""Type text parsing: the same tree as cqlsh's ``formatting.CqlType``, quirks included."""

from __future__ import annotations

import pytest

from shell.output.cqltype import CqlType, TypeArityError, parse_cql_type
from shell.output.result import UserTypeSpec
from tests.unit.shell.oracle import oracle_type

USER_TYPES = {
    "address": UserTypeSpec("address", ("street", "zip"), ("text", "int")),
    "person": UserTypeSpec(
        "person", ("name", "home", "old"), ("text", "frozen<address>", "list<frozen<address>>")
    ),
    "a": UserTypeSpec("a", ("x",), ("int",)),
}


@pytest.mark.parametrize(
    "text",
    [
        "int",
        "text",
        "frozen<list<int>>",
        "map<text, frozen<list<int>>>",
        "map<frozen<tuple<int, text>>, frozen<map<int, frozen<set<text>>>>>",
        "frozen<tuple<int, text, frozen<address>>>",
        "frozen<address>",
        "address",
        "frozen<person>",
        "list<frozen<person>>",
        "vector<float, 3>",
        "vector<frozen<address>, 2>",
        "vector<frozen<tuple<int, int>>, 2>",
        "org.apache.cassandra.db.marshal.VectorType<float, 4>",
        "'org.apache.cassandra.db.marshal.DynamicCompositeType(s=>UTF8Type)'",
        "list<a>",
        "map<int, a>",
        "tuple<int,a>",
        "unknown_udt",
        "vector<int, -1>",
    ],
)
def test_same_tree_as_cqlsh(text: str) -> None:
    assert str(parse_cql_type(text, USER_TYPES)) == str(oracle_type(text, USER_TYPES))


def test_udt_resolution_is_exact_name() -> None:
    assert parse_cql_type("frozen<address>", USER_TYPES).is_user_type
    assert not parse_cql_type("Address", USER_TYPES).is_user_type
    assert not parse_cql_type("address").is_user_type


def test_params_for() -> None:
    assert parse_cql_type("list<int>").params_for(3) == (CqlType("int"),) * 3
    assert parse_cql_type("frozen<tuple<int, text>>").params_for(2) == (CqlType("int"), CqlType("text"))
    with pytest.raises(TypeArityError, match=r"Unexpected number of subtypes 3 - \[int, text\]"):
        parse_cql_type("frozen<tuple<int, text>>").params_for(3)
