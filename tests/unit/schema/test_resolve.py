"""Types from the AST and from system_schema text, with Cassandra's errors; ``parse_type(t.cql()) == t``."""

from __future__ import annotations

import pytest
from hypothesis import given

from engine.cql.ast.terms import TypeRef
from engine.cql.parser import parse_one
from engine.errors import InvalidRequest, SyntaxException
from engine.schema import types as ct

from .support import PROPERTY_SETTINGS, typed_values

ADDRESS = ct.UserType("ks", "address", ("street", "zip"), (ct.TEXT, ct.INT))
QUOTED = ct.UserType("ks", "My Type", ("a",), (ct.INT,))


def user_types(keyspace: str, name: str) -> ct.UserType | None:
    return {("ks", "address"): ADDRESS, ("ks", "My Type"): QUOTED}.get((keyspace, name))


def ref(text: str) -> TypeRef:
    """The AST of a column type, as the parser builds it."""
    statement = parse_one(f"CREATE TABLE t (k int PRIMARY KEY, c {text})")
    return statement.columns[1].type  # type: ignore[attr-defined]


def resolve(text: str) -> ct.CqlType:
    return ct.resolve_type(ref(text), "ks", user_types)


@pytest.mark.parametrize(
    ("text", "expected", "cql"),
    [
        ("int", ct.INT, "int"),
        ("varchar", ct.TEXT, "text"),
        ("list<int>", ct.ListType(ct.INT), "list<int>"),
        ("frozen<list<int>>", ct.ListType(ct.INT, True), "frozen<list<int>>"),
        (
            "map<text, frozen<list<int>>>",
            ct.MapType(ct.TEXT, ct.ListType(ct.INT, True)),
            "map<text, frozen<list<int>>>",
        ),
        (
            "frozen<map<text, list<int>>>",
            ct.MapType(ct.TEXT, ct.ListType(ct.INT, True), True),
            "frozen<map<text, frozen<list<int>>>>",
        ),
        ("set<frozen<address>>", ct.SetType(ADDRESS.freeze()), "set<frozen<address>>"),
        ("tuple<int, text>", ct.TupleType((ct.INT, ct.TEXT)), "frozen<tuple<int, text>>"),
        (
            "frozen<tuple<int, list<int>>>",
            ct.TupleType((ct.INT, ct.ListType(ct.INT, True))),
            "frozen<tuple<int, frozen<list<int>>>>",
        ),
        ("vector<float, 3>", ct.VectorType(ct.FLOAT, 3), "vector<float, 3>"),
        ("address", ADDRESS, "address"),
        ("frozen<ks.address>", ADDRESS.freeze(), "frozen<address>"),
        ('"My Type"', QUOTED, '"My Type"'),
        ("'org.apache.cassandra.db.marshal.Int32Type'", ct.INT, "int"),
        ("'com.example.Custom'", ct.CustomType("com.example.Custom"), "'com.example.Custom'"),
    ],
)
def test_resolve(text: str, expected: ct.CqlType, cql: str) -> None:
    resolved = resolve(text)
    assert resolved == expected
    assert resolved.cql() == cql
    assert ct.parse_type(cql, "ks", user_types) == resolved


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        (
            "frozen<int>",
            SyntaxException,
            "frozen<> is only allowed on collections, tuples, and user-defined types (got int)",
        ),
        (
            "list<list<int>>",
            InvalidRequest,
            "Non-frozen collections are not allowed inside collections: list<list<int>>",
        ),
        (
            "map<text, set<int>>",
            InvalidRequest,
            "Non-frozen collections are not allowed inside collections: map<text, set<int>>",
        ),
        (
            "map<list<int>, int>",
            InvalidRequest,
            "Non-frozen collections are not allowed inside collections: map<list<int>, int>",
        ),
        (
            "list<address>",
            InvalidRequest,
            "Non-frozen UDTs are not allowed inside collections: list<address>",
        ),
        ("list<counter>", InvalidRequest, "Counters are not allowed inside collections: list<counter>"),
        (
            "map<counter, int>",
            InvalidRequest,
            "Counters are not allowed inside collections: map<counter, int>",
        ),
        ("set<duration>", InvalidRequest, "Durations are not allowed inside sets: set<duration>"),
        ("map<duration, int>", InvalidRequest, "Durations are not allowed as map keys: map<duration, int>"),
        ("tuple<int, counter>", InvalidRequest, "Counters are not allowed inside tuples"),
        ("nosuch", InvalidRequest, "Unknown type ks.nosuch"),
        ("frozen<list<nosuch>>", InvalidRequest, "Unknown type ks.nosuch"),
        (
            "other.address",
            InvalidRequest,
            "Statement on keyspace ks cannot refer to a user type in keyspace other; user types can only be used in the keyspace they are defined in",
        ),
        ("vector<float, 0>", InvalidRequest, "vectors may only have positive dimensions; given 0"),
        (
            "frozen<'com.example.Custom'>",
            SyntaxException,
            "frozen<> is only allowed on collections, tuples, and user-defined types (got 'com.example.Custom')",
        ),
    ],
)
def test_resolve_errors(text: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as exc:
        resolve(text)
    assert str(exc.value) == message


def test_frozen_collections_may_nest() -> None:
    assert resolve("frozen<list<list<int>>>").cql() == "frozen<list<frozen<list<int>>>>"
    assert resolve("list<frozen<list<int>>>").cql() == "list<frozen<list<int>>>"


def test_parse_type_reads_system_schema_text() -> None:
    assert ct.parse_type("frozen<map<text, frozen<list<int>>>>", "ks", user_types) == ct.MapType(
        ct.TEXT, ct.ListType(ct.INT, True), True
    )
    assert ct.parse_type("vector<float, 3>", "ks", user_types) == ct.VectorType(ct.FLOAT, 3)
    assert ct.parse_type('frozen<"My Type">', "ks", user_types) == QUOTED.freeze()
    assert ct.parse_type("  map< text ,int > ", "ks", user_types) == ct.MapType(ct.TEXT, ct.INT)
    assert ct.parse_type("TEXT", "ks", user_types) == ct.TEXT
    # internal parsing allows counters as map values (super columns)
    assert ct.parse_type("map<text, counter>", "ks", user_types) == ct.MapType(ct.TEXT, ct.COUNTER)
    for bad in ("list<int", "map<int>", "vector<float, x>", "list<int>>", "", "frozen<"):
        with pytest.raises((SyntaxException, ValueError)):
            ct.parse_type(bad, "ks", user_types)


@given(typed_values())
@PROPERTY_SETTINGS
def test_parse_type_reads_what_cql_prints(pair: tuple[ct.CqlType, object]) -> None:
    t, _ = pair

    def types_of(keyspace: str, name: str) -> ct.UserType | None:
        return _find_udt(t, name)

    parsed = ct.parse_type(t.cql(), "ks", types_of)
    assert parsed.cql() == t.cql()
    if not _has_udt(t):
        assert parsed == t


def _find_udt(t: ct.CqlType, name: str) -> ct.UserType | None:
    if isinstance(t, ct.UserType) and t.name == name:
        return ct.UserType(t.keyspace, t.name, t.field_names, t.field_types)
    for s in t.subtypes:
        found = _find_udt(s, name)
        if found is not None:
            return found
    return None


def _has_udt(t: ct.CqlType) -> bool:
    return isinstance(t, ct.UserType) or any(_has_udt(s) for s in t.subtypes)
