"""Property tests: syntax trees built by hypothesis render as CQL that parses back to the same tree.

The strategies build AST values directly (never text) and check, for every statement ``s``, that
``parse(render(s)) == [s]`` and that rendering is canonical (a second round renders the same text).

They only build trees that CQL can express: terms have no grouping parentheses, so arithmetic trees are
the left-associative ones operator precedence gives; a negation, a cast or a type hint applies to a
"simple term"; a TermSelector holds a constant, NULL or a bind marker (collection literals among the
selectors are List/Set/MapSelectors); a TupleSelector has two or more items; a MapLiteral term has at
least one entry (``{}`` is the empty set), and so on.

Apart from that, nothing is steered around: names include the words that need care (keywords,
`true`/`false`, native and reserved type names, the words Cassandra refuses as bare function names), and
the render/parse bugs these tests found are fixed, each pinned by a regression test at the end of this
file.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cql import RESERVED_KEYWORDS, UNRESERVED_KEYWORDS, parse, render
from engine.cql.ast import clauses as c
from engine.cql.ast import dcl, ddl, dml
from engine.cql.ast import terms as t
from engine.cql.ast.dml import Statement

PROPERTY_SETTINGS = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


def assert_round_trip(statement: Statement) -> None:
    text = render(statement)
    again = parse(text)
    assert again == [statement], f"rendered as {text!r}, read back as {again!r}"
    assert render(again[0]) == text


# ------------------------------------------------------------------------------------------------ names

NATIVE_TYPE_NAMES = frozenset(n.value for n in t.NativeTypeName)

# (Text is built from alphabets rather than with from_regex, which is several times slower to draw.)
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_DIGITS = "0123456789"
digits = st.text(alphabet=_DIGITS, min_size=1, max_size=5)
plain_names = st.builds(
    str.__add__, st.sampled_from(_LOWER), st.text(alphabet=_LOWER + _DIGITS + "_", max_size=8)
).filter(lambda n: n not in RESERVED_KEYWORDS)
reserved_names = st.sampled_from(sorted(RESERVED_KEYWORDS))
unreserved_names = st.sampled_from(sorted(UNRESERVED_KEYWORDS))
# Names that must be quoted: upper case, spaces, quotes, punctuation, non-ASCII letters, leading digits.
odd_names = st.one_of(
    st.text(alphabet=st.sampled_from(list("aZ_ \"'.;-é€µ😀9\n")), min_size=1, max_size=6),
    st.text(min_size=1, max_size=6),
    st.sampled_from(["Foo", "a b", 'say "hi"', "1abc", "ÀÉ", "select", "TTL", "Key", "true ", "-x"]),
)

# Words tried more often than the others, as the renderer must take care with them: unreserved keywords
# that play a part in the grammar near names; `true`/`false`, which lex as booleans; words after which a
# `(` could open a type hint; words Cassandra refuses as bare function names (Parser.g allowedFunctionName)
# or as user type names (non_type_ident: other unreserved keywords, native and reserved type names); and
# `expr`, whose `expr(` lexes as the custom index expression token.
_TRICKY = {"count", "keys", "as", "group", "per", "partition", "static", "exists", "type", "frozen"}
_TRICKY |= {"list", "map", "int", "text", "ann", "filtering", "custom", "default", "unset"}
_TRICKY |= {"expr", "exprs", "nan_", "true", "false"}
_TRICKY |= {"like", "values", "contains", "initcond", "key", "json", "distinct"}
_TRICKY |= {"ttl", "writetime", "maxwritetime", "cast"}
_TRICKY |= {"byte", "complex", "enum", "date", "interval", "macaddr", "bitstring"} | NATIVE_TYPE_NAMES
tricky_names = st.sampled_from(sorted(_TRICKY))
names = st.one_of(plain_names, plain_names, reserved_names, unreserved_names, tricky_names, odd_names)
# A cident (column in relations, INSERT, UPDATE, DELETE, ORDER BY, index targets) may be `""`.
cident_names = st.one_of(names, st.just(""))

qualified_names = st.builds(t.QualifiedName, st.none() | names, names)
function_names = st.builds(t.FunctionName, st.none() | names, names)


# ------------------------------------------------------------------------------------------------ types

native_types = st.builds(t.NativeType, st.sampled_from(list(t.NativeTypeName)))
user_type_refs = st.builds(t.UserTypeRef, qualified_names)
custom_types = st.builds(t.CustomType, st.text(max_size=12))


def _extend_types(children: st.SearchStrategy[t.TypeRef]) -> st.SearchStrategy[t.TypeRef]:
    return st.one_of(
        st.builds(lambda e: t.CollectionType(t.CollectionKind.LIST, (e,)), children),
        st.builds(lambda e: t.CollectionType(t.CollectionKind.SET, (e,)), children),
        st.builds(lambda k, v: t.CollectionType(t.CollectionKind.MAP, (k, v)), children, children),
        st.builds(t.FrozenType, children),
        st.builds(t.TupleType, st.lists(children, min_size=1, max_size=3).map(tuple)),
        st.builds(t.VectorType, children, st.integers(min_value=1, max_value=4096)),
    )


def _types(leaves: st.SearchStrategy[t.TypeRef]) -> st.SearchStrategy[t.TypeRef]:
    return st.recursive(leaves, _extend_types, max_leaves=4)


# Any type, as in a column definition.
type_refs = _types(st.one_of(native_types, native_types, user_type_refs, custom_types))


# ------------------------------------------------------------------------------------------- constants


def _const(kind: t.ConstantKind) -> Callable[[str], t.Constant]:
    return lambda text: t.Constant(kind, text)


string_constants = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "it's", "''", "a\nb\r\n", "$$", "$$x$$", "--", "/* no */", 'say "hi"', "µs€😀"]),
).map(_const(t.ConstantKind.STRING))

signs = st.sampled_from(["", "-"])
integer_constants = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.builds(str.__add__, signs, st.text(alphabet=_DIGITS, min_size=1, max_size=25)),  # 007 stays 007
).map(_const(t.ConstantKind.INTEGER))

exponents = st.builds(
    lambda e, sign, n: e + sign + n, st.sampled_from("eE"), st.sampled_from(["", "+", "-"]), digits
)
float_texts = st.one_of(
    st.builds(
        lambda sign, i, f, e: f"{sign}{i}.{f}{e}",
        signs,
        digits,
        st.text(alphabet=_DIGITS, max_size=4),
        st.just("") | exponents,
    ),
    st.builds(lambda sign, i, e: sign + i + e, signs, digits, exponents),
    st.sampled_from(["1.5", "-2.5e10", "3E-7", "1.", "0.0", "NaN", "Infinity", "-Infinity"]),
)
float_constants = float_texts.map(_const(t.ConstantKind.FLOAT))

boolean_constants = st.sampled_from(["true", "false"]).map(_const(t.ConstantKind.BOOLEAN))

_UNITS = ["y", "Y", "mo", "MO", "w", "d", "h", "H", "m", "s", "ms", "us", "µs", "ns", "NS"]


@st.composite
def _unit_durations(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(st.integers(0, 9999), st.sampled_from(_UNITS)), min_size=1, max_size=4))
    return ("-" if draw(st.booleans()) else "") + "".join(f"{n}{u}" for n, u in parts)


@st.composite
def _iso_durations(draw: st.DrawFn) -> str:
    sign = "-" if draw(st.booleans()) else ""
    n = st.integers(0, 999)

    def time() -> str:
        form = draw(st.sampled_from(["H", "HM", "HS", "HMS", "M", "MS", "S"]))
        return "T" + "".join(f"{draw(n)}{d}" for d in form)

    form = draw(st.sampled_from(["alt", "time", "week", "date", "datetime"]))
    if form == "alt":
        y, mo, d, h, mi, s = (draw(st.integers(0, 99)) for _ in range(6))
        return f"{sign}P{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}"
    if form == "time":
        return f"{sign}P{time()}"
    if form == "week":
        return f"{sign}P{draw(n)}W"
    date = draw(st.sampled_from(["Y", "YM", "YD", "YMD", "M", "MD", "D"]))
    text = f"{sign}P" + "".join(f"{draw(n)}{d}" for d in date)
    return text + (time() if form == "datetime" else "")


duration_constants = st.one_of(
    _unit_durations(),
    _iso_durations(),
    st.sampled_from(["1h30m", "-12mo3d", "P1Y2M", "PT2H", "P3W", "P0001-02-03T04:05:06", "1µs"]),
).map(_const(t.ConstantKind.DURATION))

uuid_constants = st.builds(
    lambda u, upper: str(u).upper() if upper else str(u), st.uuids(), st.booleans()
).map(_const(t.ConstantKind.UUID))

hex_constants = st.one_of(
    st.builds(
        str.__add__, st.sampled_from(["0x", "0X"]), st.text(alphabet="0123456789abcdefABCDEF", max_size=16)
    ),
    st.sampled_from(["0x", "0xCAFE"]),
).map(_const(t.ConstantKind.HEX))

constants = st.one_of(
    string_constants,
    integer_constants,
    float_constants,
    boolean_constants,
    duration_constants,
    uuid_constants,
    hex_constants,
)
bind_markers = st.one_of(st.just(t.BindMarker()), st.builds(t.BindMarker, names))
leaf_terms = st.one_of(constants, constants, st.just(t.Null()), bind_markers)


# ----------------------------------------------------------------------------------------------- terms


def _is_additive(term: t.Term) -> bool:
    return isinstance(term, t.BinaryOperation) and term.operator.precedence == 1


def _is_simple(term: t.Term) -> bool:
    return not isinstance(term, t.BinaryOperation | t.Negation)


# Strategies are repaired with `map` rather than narrowed with `filter`: a filter that keeps failing
# makes hypothesis describe the (huge, recursive) strategy, which is slow.
def _wrap_unless(ok: Callable[[t.Term], bool]) -> Callable[[t.Term], t.Term]:
    """Leave a term that satisfies ``ok`` alone; put any other inside a list literal, a simple term."""
    return lambda x: x if ok(x) else t.ListLiteral((x,))


_ADDITIVE = [t.ArithmeticOperator.ADD, t.ArithmeticOperator.SUBTRACT]
_MULTIPLICATIVE = [t.ArithmeticOperator.MULTIPLY, t.ArithmeticOperator.DIVIDE, t.ArithmeticOperator.MODULO]


def _extend_terms(children: st.SearchStrategy[t.Term]) -> st.SearchStrategy[t.Term]:
    simple = children.map(_wrap_unless(_is_simple))
    group = st.one_of(simple, st.builds(t.Negation, simple))  # a term_group: what * / % take on the right
    non_additive = children.map(_wrap_unless(lambda x: not _is_additive(x)))
    items = st.lists(children, max_size=3).map(tuple)
    return st.one_of(
        st.builds(t.ListLiteral, items),
        st.builds(t.SetLiteral, items),
        st.builds(t.MapLiteral, st.lists(st.tuples(children, children), min_size=1, max_size=3).map(tuple)),
        st.builds(t.TupleLiteral, st.lists(children, min_size=1, max_size=3).map(tuple)),
        st.builds(t.UserTypeLiteral, st.lists(st.tuples(names, children), min_size=1, max_size=3).map(tuple)),
        st.builds(t.FunctionCall, function_names, items),
        st.builds(t.TypeHint, type_refs, simple),
        st.builds(t.Cast, simple, native_types),
        st.builds(t.BinaryOperation, st.sampled_from(_ADDITIVE), children, non_additive),
        st.builds(t.BinaryOperation, st.sampled_from(_MULTIPLICATIVE), non_additive, group),
        st.builds(t.Negation, simple),
    )


terms = st.recursive(leaf_terms, _extend_terms, max_leaves=6)
int_values = st.one_of(integer_constants, bind_markers)


# ------------------------------------------------------------------------------------------- selectors


def _modified(
    receivers: st.SearchStrategy[c.Selector], max_modifiers: int = 3
) -> st.SearchStrategy[c.Selector]:
    """A receiver with field, element and slice accesses applied (Cassandra's selector modifiers)."""
    slice_start = float_constants | terms  # a float like `1.` right before `..`
    modifier = st.one_of(
        st.builds(lambda f: lambda r: c.FieldSelector(r, f), names),
        st.builds(lambda e: lambda r: c.ElementSelector(r, e), terms),
        st.builds(lambda s, e: lambda r: c.SliceSelector(r, s, e), slice_start, st.none() | terms),
        st.builds(lambda e: lambda r: c.SliceSelector(r, None, e), terms),
    )

    def apply(receiver: c.Selector, modifiers: list) -> c.Selector:
        for m in modifiers:
            receiver = m(receiver)
        return receiver

    return st.builds(apply, receivers, st.lists(modifier, max_size=max_modifiers))


column_selectors = st.builds(c.ColumnSelector, names)
column_paths = _modified(column_selectors)  # what WRITETIME/TTL/MAXWRITETIME accept
literal_selectors = st.builds(c.TermSelector, leaf_terms)


def _extend_selectors(children: st.SearchStrategy[c.Selector]) -> st.SearchStrategy[c.Selector]:
    items = st.lists(children, max_size=3).map(tuple)
    return st.one_of(
        st.builds(c.FunctionSelector, function_names, items),
        st.builds(c.CastSelector, children, native_types),
        _modified(children, max_modifiers=2),
        st.builds(c.ArithmeticSelector, st.sampled_from(list(t.ArithmeticOperator)), children, children),
        st.builds(c.NegationSelector, children),
        st.builds(c.TypeHintSelector, type_refs, children),
        st.builds(c.TupleSelector, st.lists(children, min_size=2, max_size=3).map(tuple)),
        st.builds(c.ListSelector, items),
        st.builds(c.SetSelector, items),
        st.builds(c.MapSelector, st.lists(st.tuples(children, children), min_size=1, max_size=3).map(tuple)),
    )


leaf_selectors = st.one_of(
    column_selectors,
    column_selectors,
    literal_selectors,
    st.just(c.CountRowsSelector()),
    st.builds(c.WritetimeSelector, st.sampled_from(list(c.WritetimeKind)), column_paths),
)


@st.composite
def _leaf_selectors(draw: st.DrawFn) -> c.Selector:
    # A composite keeps the strategy's description short: hypothesis describes a recursive strategy's
    # base when validating it, and the full description of this one runs to hundreds of kilobytes.
    return draw(leaf_selectors)


selectors = st.recursive(_leaf_selectors(), _extend_selectors, max_leaves=6)
selections = st.builds(c.Selection, selectors, st.none() | names)


# ------------------------------------------------------------------------------------------- relations

_RELATION_OPERATORS = [
    c.Operator.EQ,
    c.Operator.LT,
    c.Operator.LTE,
    c.Operator.GT,
    c.Operator.GTE,
    c.Operator.NEQ,
]
relation_operators = st.sampled_from(_RELATION_OPERATORS)
in_values = st.one_of(st.builds(c.InValues, st.lists(terms, max_size=3).map(tuple)), bind_markers)
column_lists = st.lists(cident_names, min_size=1, max_size=3).map(tuple)
tuple_literals = st.builds(t.TupleLiteral, st.lists(terms, min_size=1, max_size=3).map(tuple))

relations = st.one_of(
    st.builds(c.SingleColumnRelation, cident_names, relation_operators, terms),
    st.builds(
        c.SingleColumnRelation,
        cident_names,
        st.sampled_from([c.Operator.LIKE, c.Operator.CONTAINS, c.Operator.CONTAINS_KEY]),
        terms,
    ),
    st.builds(c.SingleColumnRelation, cident_names, st.just(c.Operator.IS_NOT), st.just(t.Null())),
    st.builds(c.SingleColumnRelation, cident_names, st.just(c.Operator.IN), in_values),
    st.builds(c.MapElementRelation, cident_names, terms, relation_operators, terms),
    st.builds(c.TokenRelation, column_lists, relation_operators, terms),
    st.builds(c.MultiColumnRelation, column_lists, relation_operators, tuple_literals | bind_markers),
    st.builds(c.MultiColumnRelation, column_lists, st.just(c.Operator.IN), bind_markers),
    st.builds(
        c.MultiColumnRelation,
        column_lists,
        st.just(c.Operator.IN),
        st.lists(tuple_literals | bind_markers, max_size=3).map(tuple),
    ),
    st.builds(c.CustomIndexExpression, st.builds(t.QualifiedName, st.none() | names, names), terms),
)
where_clauses = st.lists(relations, max_size=3).map(tuple)

orderings = st.builds(c.Ordering, cident_names, st.sampled_from(list(c.Direction)), st.none() | terms)

conditions = st.one_of(
    st.builds(c.ColumnCondition, cident_names, relation_operators, terms),
    st.builds(
        c.ColumnCondition,
        cident_names,
        st.sampled_from([c.Operator.CONTAINS, c.Operator.CONTAINS_KEY]),
        terms,
    ),
    st.builds(c.ColumnCondition, cident_names, st.just(c.Operator.IN), in_values),
    st.builds(
        lambda col, op, v, e: c.ColumnCondition(col, op, v, element=e),
        cident_names,
        relation_operators,
        terms,
        terms,
    ),
    st.builds(
        lambda col, v, e: c.ColumnCondition(col, c.Operator.IN, v, element=e), cident_names, in_values, terms
    ),
    st.builds(
        lambda col, op, v, f: c.ColumnCondition(col, op, v, field=f),
        cident_names,
        relation_operators,
        terms,
        names,
    ),
    st.builds(
        lambda col, v, f: c.ColumnCondition(col, c.Operator.IN, v, field=f), cident_names, in_values, names
    ),
)
attributes = st.builds(c.Attributes, st.none() | int_values, st.none() | int_values)


# ------------------------------------------------------------------------------------------ statements

select_statements = st.builds(
    dml.SelectStatement,
    table=qualified_names,
    selection=st.none() | st.lists(selections, min_size=1, max_size=3).map(tuple),
    where=where_clauses,
    distinct=st.booleans(),
    json=st.booleans(),
    group_by=st.lists(selectors, max_size=2).map(tuple),
    order_by=st.lists(orderings, max_size=2).map(tuple),
    per_partition_limit=st.none() | int_values,
    limit=st.none() | int_values,
    allow_filtering=st.booleans(),
)


@st.composite
def insert_statements(draw: st.DrawFn) -> dml.InsertStatement:
    columns = draw(st.lists(cident_names, min_size=1, max_size=4))
    values = draw(st.lists(terms, min_size=len(columns), max_size=len(columns)))
    return dml.InsertStatement(
        draw(qualified_names), tuple(columns), tuple(values), draw(st.booleans()), draw(attributes)
    )


insert_json_statements = st.builds(
    dml.InsertJsonStatement,
    qualified_names,
    string_constants | bind_markers,
    st.booleans(),
    st.booleans(),
    attributes,
)


def _operation(kind: c.OperationKind, column: str, draw: st.DrawFn) -> c.Operation:
    value = draw(terms)
    if kind is c.OperationKind.SET_ELEMENT:
        return c.Operation(kind, column, value, element=draw(terms))
    if kind is c.OperationKind.SET_FIELD:
        return c.Operation(kind, column, value, field=draw(names))
    return c.Operation(kind, column, value)


@st.composite
def update_statements(draw: st.DrawFn) -> dml.UpdateStatement:
    # Columns are distinct: setting a column twice is refused by the parser (as Cassandra's does).
    columns = draw(st.lists(cident_names, min_size=1, max_size=3, unique=True))
    operations = tuple(_operation(draw(st.sampled_from(list(c.OperationKind))), col, draw) for col in columns)
    if_exists = draw(st.booleans())
    return dml.UpdateStatement(
        draw(qualified_names),
        operations,
        draw(st.lists(relations, min_size=1, max_size=3).map(tuple)),
        draw(attributes),
        () if if_exists else draw(st.lists(conditions, max_size=2).map(tuple)),
        if_exists,
    )


deletions = st.one_of(
    st.builds(c.Deletion, cident_names),
    st.builds(lambda col, e: c.Deletion(col, element=e), cident_names, terms),
    st.builds(lambda col, f: c.Deletion(col, field=f), cident_names, names),
)


@st.composite
def delete_statements(draw: st.DrawFn) -> dml.DeleteStatement:
    if_exists = draw(st.booleans())
    return dml.DeleteStatement(
        draw(qualified_names),
        draw(st.lists(deletions, max_size=3).map(tuple)),
        draw(st.lists(relations, min_size=1, max_size=3).map(tuple)),
        draw(st.none() | int_values),
        () if if_exists else draw(st.lists(conditions, max_size=2).map(tuple)),
        if_exists,
    )


modification_statements = st.one_of(
    insert_statements(), insert_json_statements, update_statements(), delete_statements()
)
batch_statements = st.builds(
    dml.BatchStatement,
    st.sampled_from(list(dml.BatchType)),
    st.lists(modification_statements, max_size=3).map(tuple),
    attributes,
)

property_values = st.one_of(
    constants,
    st.builds(t.MapLiteral, st.lists(st.tuples(terms, terms), max_size=3).map(tuple)),
    st.builds(ddl.KeywordValue, unreserved_names),
)
# Property names are distinct: a repeated property is a syntax error.
properties = st.lists(
    st.builds(ddl.Property, names, property_values), max_size=3, unique_by=lambda p: p.name
).map(tuple)
nonempty_properties = st.lists(
    st.builds(ddl.Property, names, property_values), min_size=1, max_size=3, unique_by=lambda p: p.name
).map(tuple)

column_masks = st.one_of(
    st.just(ddl.ColumnMask(ddl.DEFAULT_MASK)),
    st.builds(ddl.ColumnMask, function_names, st.lists(terms, max_size=2).map(tuple)),
)
column_definitions = st.builds(
    ddl.ColumnDefinition, names, type_refs, st.booleans(), st.none() | column_masks, st.booleans()
)
primary_keys = st.builds(
    ddl.PrimaryKey,
    st.lists(names, min_size=1, max_size=3).map(tuple),
    st.lists(names, max_size=3).map(tuple),
)
table_options = st.builds(
    ddl.TableOptions,
    properties,
    st.lists(st.tuples(names, st.sampled_from(list(c.Direction))), max_size=2).map(tuple),
    st.booleans(),
)


@st.composite
def create_table_statements(draw: st.DrawFn) -> ddl.CreateTableStatement:
    columns = draw(st.lists(column_definitions, max_size=4).map(tuple))
    keys = draw(st.lists(primary_keys, min_size=0 if columns else 1, max_size=2).map(tuple))
    return ddl.CreateTableStatement(
        draw(qualified_names), columns, keys, draw(table_options), draw(st.booleans())
    )


create_keyspace_statements = st.builds(ddl.CreateKeyspaceStatement, names, nonempty_properties, st.booleans())

create_index_statements = st.builds(
    ddl.CreateIndexStatement,
    table=qualified_names,
    targets=st.lists(
        st.builds(ddl.IndexTarget, cident_names, st.sampled_from(list(ddl.IndexTargetKind))), max_size=3
    ).map(tuple),
    name=st.none() | names,
    custom=st.booleans(),
    using=st.none() | st.text(max_size=10),
    properties=properties,
    if_not_exists=st.booleans(),
)

create_type_statements = st.builds(
    ddl.CreateTypeStatement,
    qualified_names,
    st.lists(st.tuples(names, type_refs), min_size=1, max_size=3).map(tuple),
    st.booleans(),
)

create_function_statements = st.builds(
    ddl.CreateFunctionStatement,
    name=function_names,
    arguments=st.lists(st.tuples(names, type_refs), max_size=3).map(tuple),
    called_on_null_input=st.booleans(),
    return_type=type_refs,
    language=st.sampled_from(["java", "javascript"]),
    body=st.text(max_size=20),
    or_replace=st.booleans(),
    if_not_exists=st.booleans(),
)

role_strings = st.one_of(st.text(max_size=8), names)


@st.composite
def role_options(draw: st.DrawFn) -> tuple[dcl.RoleOption, ...]:
    kinds = draw(st.lists(st.sampled_from(list(dcl.RoleOptionKind)), max_size=4, unique=True))
    if dcl.RoleOptionKind.PASSWORD in kinds and dcl.RoleOptionKind.HASHED_PASSWORD in kinds:
        kinds.remove(dcl.RoleOptionKind.HASHED_PASSWORD)  # the two are mutually exclusive
    options = []
    for kind in kinds:
        match kind:
            case dcl.RoleOptionKind.PASSWORD | dcl.RoleOptionKind.HASHED_PASSWORD:
                value: object = draw(st.text(max_size=8))
            case dcl.RoleOptionKind.OPTIONS:
                value = t.MapLiteral(draw(st.lists(st.tuples(terms, terms), max_size=2).map(tuple)))
            case dcl.RoleOptionKind.SUPERUSER | dcl.RoleOptionKind.LOGIN:
                value = draw(st.booleans())
            case _:
                value = draw(st.none() | st.lists(st.text(max_size=6), min_size=1, max_size=3).map(tuple))
        options.append(dcl.RoleOption(kind, value))  # type: ignore[arg-type]
    return tuple(options)


create_role_statements = st.builds(dcl.CreateRoleStatement, role_strings, role_options(), st.booleans())

resources = st.one_of(
    st.sampled_from(
        [
            dcl.Resource(dcl.ResourceKind.ALL_KEYSPACES),
            dcl.Resource(dcl.ResourceKind.ALL_ROLES),
            dcl.Resource(dcl.ResourceKind.ALL_FUNCTIONS),
            dcl.Resource(dcl.ResourceKind.ALL_MBEANS),
        ]
    ),
    st.builds(
        lambda kind, ks: dcl.Resource(kind, keyspace=ks),
        st.sampled_from(
            [dcl.ResourceKind.KEYSPACE, dcl.ResourceKind.KEYSPACE_TABLES, dcl.ResourceKind.KEYSPACE_FUNCTIONS]
        ),
        names,
    ),
    st.builds(lambda q: dcl.Resource(dcl.ResourceKind.TABLE, q.keyspace, q.name), qualified_names),
    st.builds(lambda r: dcl.Resource(dcl.ResourceKind.ROLE, name=r), role_strings),
    st.builds(
        lambda f, types: dcl.Resource(dcl.ResourceKind.FUNCTION, f.keyspace, f.name, types),
        function_names,
        st.lists(type_refs, max_size=3).map(tuple),
    ),
    st.builds(
        lambda kind, n: dcl.Resource(kind, name=n),
        st.sampled_from([dcl.ResourceKind.MBEAN, dcl.ResourceKind.MBEANS]),
        st.text(max_size=10),
    ),
)
permission_sets = st.none() | st.frozensets(st.sampled_from(list(dcl.Permission)), min_size=1)
grant_statements = st.builds(dcl.GrantPermissionsStatement, permission_sets, resources, role_strings)


# ------------------------------------------------------------------------------------------ properties


@PROPERTY_SETTINGS
@given(qualified_names)
def test_names_round_trip(name: t.QualifiedName) -> None:
    """Any name reads back: plain ones bare, keywords and odd ones quoted as render_name decides."""
    assert_round_trip(dml.TruncateStatement(name))
    assert_round_trip(dml.SelectStatement(name, (c.Selection(c.ColumnSelector(name.name), name.keyspace),)))


@PROPERTY_SETTINGS
@given(
    st.one_of(
        reserved_names,
        st.sampled_from(["true", "false"]),
        odd_names.filter(lambda n: not re.fullmatch(r"[a-z][a-z0-9_]*", n)),
    )
)
def test_names_that_must_be_quoted_are_quoted(name: str) -> None:
    assert t.render_name(name).startswith('"')
    assert_round_trip(dml.UseStatement(name))


@PROPERTY_SETTINGS
@given(constants)
def test_constants_round_trip(constant: t.Constant) -> None:
    assert_round_trip(dml.InsertStatement(t.QualifiedName(None, "t"), ("c",), (constant,)))
    assert_round_trip(
        dml.SelectStatement(t.QualifiedName(None, "t"), (c.Selection(c.TermSelector(constant)),))
    )


@settings(PROPERTY_SETTINGS, max_examples=120)
@given(st.lists(terms, min_size=1, max_size=3))
def test_terms_round_trip(values: list[t.Term]) -> None:
    columns = tuple(f"c{i}" for i in range(len(values)))
    assert_round_trip(dml.InsertStatement(t.QualifiedName("ks", "t"), columns, tuple(values)))


@settings(PROPERTY_SETTINGS, max_examples=120)
@given(st.lists(selections, min_size=1, max_size=3), st.booleans(), st.booleans())
def test_selectors_round_trip(selection: list[c.Selection], json: bool, distinct: bool) -> None:
    statement = dml.SelectStatement(
        t.QualifiedName(None, "t"), tuple(selection), json=json, distinct=distinct
    )
    assert_round_trip(statement)


keyword_columns = st.builds(c.ColumnSelector, st.sampled_from(["json", "distinct"]) | tricky_names)
keyword_column_selections = st.builds(
    c.Selection,
    st.one_of(
        _modified(keyword_columns, max_modifiers=1),
        st.builds(
            c.ArithmeticSelector,
            st.sampled_from(list(t.ArithmeticOperator)),
            keyword_columns,
            literal_selectors,
        ),
    ),
    st.none() | names,
)


@PROPERTY_SETTINGS
@given(keyword_column_selections, st.lists(selections, max_size=1), st.booleans(), st.booleans())
def test_keyword_columns_first_round_trip(
    first: c.Selection, rest: list[c.Selection], json: bool, distinct: bool
) -> None:
    """Columns named like unreserved keywords (json, distinct, ttl, cast, key...) as the first selector."""
    statement = dml.SelectStatement(t.QualifiedName(None, "t"), (first, *rest), json=json, distinct=distinct)
    assert_round_trip(statement)


@PROPERTY_SETTINGS
@given(type_refs)
def test_types_round_trip(type_: t.TypeRef) -> None:
    column = ddl.ColumnDefinition("c", type_)
    assert_round_trip(ddl.CreateTableStatement(t.QualifiedName(None, "t"), (column,)))


@PROPERTY_SETTINGS
@given(type_refs, leaf_terms, _modified(_leaf_selectors()))
def test_type_hints_round_trip(type_: t.TypeRef, term: t.Term, selector: c.Selector) -> None:
    """Type hints on their own, where the heuristic that spots them has the most to get wrong."""
    hint = t.TypeHint(type_, term)
    assert_round_trip(dml.InsertStatement(t.QualifiedName(None, "t"), ("c",), (hint,)))
    hinted = (c.TypeHintSelector(type_, c.TermSelector(term)), c.TypeHintSelector(type_, selector))
    assert_round_trip(dml.SelectStatement(t.QualifiedName(None, "t"), tuple(map(c.Selection, hinted))))


small_tuples = st.builds(t.TupleLiteral, st.lists(leaf_terms, min_size=1, max_size=2).map(tuple))


@settings(PROPERTY_SETTINGS, max_examples=40)
@given(
    st.lists(st.tuples(small_tuples | leaf_terms, small_tuples | leaf_terms), min_size=1, max_size=2),
    small_tuples,
    st.sampled_from(_RELATION_OPERATORS),
)
def test_small_tuples_round_trip(
    entries: list[tuple[t.Term, t.Term]], value: t.TupleLiteral, operator: c.Operator
) -> None:
    """Parenthesized terms next to what can follow them: a map entry's `:`, GROUP BY, PER PARTITION."""
    table = t.QualifiedName(None, "t")
    assert_round_trip(dml.InsertStatement(table, ("m",), (t.MapLiteral(tuple(entries)),)))
    group_by = (c.ColumnSelector("a"),)
    relations: list[c.Relation] = [
        c.SingleColumnRelation("a", operator, value),
        c.SingleColumnRelation("a", c.Operator.IN, c.InValues(value.items)),
        c.MultiColumnRelation(("a",), operator, value),
    ]
    for relation in relations:
        assert_round_trip(dml.SelectStatement(table, None, (relation,), group_by=group_by))
        assert_round_trip(dml.SelectStatement(table, None, (relation,), per_partition_limit=t.BindMarker()))


@settings(PROPERTY_SETTINGS, max_examples=120)
@given(select_statements)
def test_select_round_trip(statement: dml.SelectStatement) -> None:
    assert_round_trip(statement)


@PROPERTY_SETTINGS
@given(st.one_of(insert_statements(), insert_json_statements))
def test_insert_round_trip(statement: Statement) -> None:
    assert_round_trip(statement)


@settings(PROPERTY_SETTINGS, max_examples=80)
@given(update_statements())
def test_update_round_trip(statement: dml.UpdateStatement) -> None:
    assert_round_trip(statement)


@PROPERTY_SETTINGS
@given(delete_statements())
def test_delete_round_trip(statement: dml.DeleteStatement) -> None:
    assert_round_trip(statement)


@settings(PROPERTY_SETTINGS, max_examples=60)
@given(batch_statements)
def test_batch_round_trip(statement: dml.BatchStatement) -> None:
    assert_round_trip(statement)


@PROPERTY_SETTINGS
@given(create_table_statements())
def test_create_table_round_trip(statement: ddl.CreateTableStatement) -> None:
    assert_round_trip(statement)


@PROPERTY_SETTINGS
@given(create_keyspace_statements)
def test_create_keyspace_round_trip(statement: ddl.CreateKeyspaceStatement) -> None:
    assert_round_trip(statement)


@PROPERTY_SETTINGS
@given(create_index_statements)
def test_create_index_round_trip(statement: ddl.CreateIndexStatement) -> None:
    assert_round_trip(statement)


@settings(PROPERTY_SETTINGS, max_examples=60)
@given(st.one_of(create_type_statements, create_function_statements))
def test_create_type_and_function_round_trip(statement: Statement) -> None:
    assert_round_trip(statement)


@settings(PROPERTY_SETTINGS, max_examples=80)
@given(st.one_of(create_role_statements, grant_statements))
def test_roles_and_permissions_round_trip(statement: Statement) -> None:
    assert_round_trip(statement)


# ------------------------------ regressions: render/parse bugs found by these property tests, now fixed
#
# Each case below is a tree that once did not survive render → parse. The strategies above generate
# such trees too; these pin the minimal cases.

T = t.QualifiedName(None, "t")
A = c.ColumnSelector("a")
ONE = t.Constant(t.ConstantKind.INTEGER, "1")
INT = t.NativeType(t.NativeTypeName.INT)


def _string(text: str) -> t.Constant:
    return t.Constant(t.ConstantKind.STRING, text)


def _select(*selectors: c.Selector | c.Selection, **fields: object) -> dml.SelectStatement:
    selection = tuple(s if isinstance(s, c.Selection) else c.Selection(s) for s in selectors)
    return dml.SelectStatement(T, selection, **fields)  # type: ignore[arg-type]


def _insert(*values: t.Term, table: t.QualifiedName = T) -> dml.InsertStatement:
    return dml.InsertStatement(table, tuple(f"c{i}" for i in range(len(values))), values)


def _column_of_type(type_: t.TypeRef) -> ddl.CreateTableStatement:
    return ddl.CreateTableStatement(T, (ddl.ColumnDefinition("c", type_, primary_key=True),))


def _function(name: str, *arguments: t.Term) -> t.FunctionCall:
    return t.FunctionCall(t.FunctionName(None, name), arguments)


def _one_tuple(item: t.Term) -> t.TupleLiteral:
    return t.TupleLiteral((item,))


def _eq(column: str, value: t.Term | c.InValues, operator: c.Operator = c.Operator.EQ) -> c.Relation:
    return c.SingleColumnRelation(column, operator, value)


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(_select(c.ColumnSelector("true")), id="column-true"),  # once read back as a TermSelector
        pytest.param(dml.TruncateStatement(t.QualifiedName(None, "false")), id="table-false"),
        pytest.param(_insert(t.BindMarker("true")), id="marker-true"),
        pytest.param(_select(c.Selection(A, "false")), id="alias-false"),
    ],
)
def test_true_false_names_are_quoted(statement: Statement) -> None:
    """`true`/`false` lex as BOOLEAN (in Cassandra too): as names they are quoted, or they read back as
    booleans or fail to parse."""
    assert_round_trip(statement)


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(_column_of_type(t.UserTypeRef(t.QualifiedName(None, "int"))), id="int"),
        pytest.param(_column_of_type(t.UserTypeRef(t.QualifiedName("ks", "text"))), id="ks.text"),
        pytest.param(_column_of_type(t.UserTypeRef(t.QualifiedName(None, "ttl"))), id="ttl"),
        pytest.param(_column_of_type(t.UserTypeRef(t.QualifiedName(None, "byte"))), id="byte"),
        pytest.param(
            ddl.CreateTypeStatement(t.QualifiedName(None, "count"), (("f", INT),)), id="create-type-count"
        ),
        pytest.param(_insert(t.TypeHint(t.UserTypeRef(t.QualifiedName(None, "json")), ONE)), id="hint-json"),
    ],
)
def test_user_type_names_that_need_quotes(statement: Statement) -> None:
    """A user type name is IDENT | QUOTED_NAME | basic unreserved keyword | KEY (Parser.g non_type_ident)
    and not a reserved type name: native type names (`int`), the other unreserved keywords (`ttl`,
    `count`, `json`...) and reserved type names (`byte`) are quoted in type position (render_type_name)."""
    assert_round_trip(statement)


@pytest.mark.parametrize(
    "statement",
    [
        *(
            pytest.param(_insert(_function(name, ONE)), id=name)
            for name in ["ttl", "writetime", "maxwritetime", "key", "cast", "json", "distinct", "expr"]
        ),
        pytest.param(_select(c.FunctionSelector(t.FunctionName(None, "ttl"), (A,))), id="selector-ttl"),
        pytest.param(_insert(t.FunctionCall(t.FunctionName("ks", "cast"), ())), id="ks.cast"),
        pytest.param(_select(c.FunctionSelector(t.FunctionName(None, "expr"), (A,))), id="selector-expr"),
    ],
)
def test_function_names_that_need_quotes(statement: Statement) -> None:
    """Cassandra's allowedFunctionName refuses ttl, writetime, maxwritetime, key, cast, json and distinct
    unquoted (and `ttl(` reads as the TTL selector); `expr(` lexes as the custom index expression token."""
    assert_round_trip(statement)


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(_insert(ONE, table=t.QualifiedName(None, "like")), id="insert-into-like"),
        pytest.param(_insert(ONE, table=t.QualifiedName("ks", "key")), id="insert-into-ks.key"),
        pytest.param(
            _select(c.Selection(c.FunctionSelector(t.FunctionName(None, "like"), (A,)), "x")),
            id="like(a)-AS",
        ),
        pytest.param(
            _select(c.ElementSelector(c.FunctionSelector(t.FunctionName(None, "values"), (A,)), ONE)),
            id="values(a)[1]",
        ),
        pytest.param(
            _insert(
                t.MapLiteral(((_function("contains", t.Constant(t.ConstantKind.BOOLEAN, "true")), ONE),))
            ),
            id="contains(true)-map-key",
        ),
        pytest.param(
            ddl.CreateFunctionStatement(
                t.FunctionName(None, "values"), (("a", INT),), True, INT, "java", "return a;"
            ),
            id="create-function-values",
        ),
        pytest.param(
            ddl.CreateAggregateStatement(t.FunctionName(None, "initcond"), (INT,), "f", INT),
            id="create-aggregate-initcond",
        ),
    ],
)
def test_names_before_a_parenthesis(statement: Statement) -> None:
    """A `(` after a table or function named like, values, contains, initcond, key, json or distinct is
    not a type hint: hints are recognized by the parser state (HINT_LPAREN only where a term can start)."""
    assert_round_trip(statement)


_TRUE = t.Constant(t.ConstantKind.BOOLEAN, "true")


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(_insert(t.MapLiteral(((_one_tuple(_TRUE), ONE),))), id="map-key-(true)"),
        pytest.param(_insert(t.MapLiteral(((_one_tuple(_string("x")), ONE),))), id="map-key-('x')"),
        pytest.param(
            _insert(t.MapLiteral(((_one_tuple(t.Constant(t.ConstantKind.FLOAT, "-Infinity")), ONE),))),
            id="map-key-(-Infinity)",
        ),
        pytest.param(
            dml.SelectStatement(T, None, where=(_eq("a", _one_tuple(_string("x"))),), group_by=(A,)),
            id="('x')-GROUP-BY",
        ),
        pytest.param(
            dml.SelectStatement(
                T, None, where=(_eq("a", c.InValues((t.Null(),)), c.Operator.IN),), per_partition_limit=ONE
            ),
            id="IN-(NULL)-PER-PARTITION",
        ),
        pytest.param(
            dml.SelectStatement(
                T,
                None,
                where=(
                    c.MultiColumnRelation(
                        ("a",), c.Operator.EQ, _one_tuple(t.Constant(t.ConstantKind.FLOAT, "NaN"))
                    ),
                ),
                group_by=(A,),
            ),
            id="(a)=(NaN)-GROUP-BY",
        ),
    ],
)
def test_one_element_tuple_before_a_term_start(statement: Statement) -> None:
    """A one-element tuple whose item is one word or string (`(true)`, `('x')`, `(NULL)`, `(NaN)`,
    `(-Infinity)`) followed by something that can start a term (a map entry's `:`, GROUP, PER) is a
    tuple, not a type hint."""
    assert_round_trip(statement)


def test_nested_type_hint_term() -> None:
    """A type hint over a type hint, `(int) (text) 1` (simpleTerm: '(' comparatorType ')' simpleTerm)."""
    text = t.NativeType(t.NativeTypeName.TEXT)
    assert_round_trip(_insert(t.TypeHint(INT, t.TypeHint(text, ONE))))


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(
            _insert(
                t.TypeHint(
                    t.CollectionType(t.CollectionKind.LIST, (t.CustomType("org.Foo"),)), t.BindMarker()
                )
            ),
            id="term",
        ),
        pytest.param(_select(c.TypeHintSelector(t.FrozenType(t.CustomType("org.Foo")), A)), id="selector"),
    ],
)
def test_custom_type_nested_in_a_type_hint(statement: Statement) -> None:
    """A custom (string) type nested in a hinted type: `(list<'org.Foo'>) ?`, `(frozen<'org.Foo'>) a`."""
    assert_round_trip(statement)


_JSON = c.ColumnSelector("json")
_DISTINCT = c.ColumnSelector("distinct")


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(_select(c.Selection(_JSON, "x")), id="json-AS-x"),
        pytest.param(_select(c.ElementSelector(_JSON, ONE)), id="json[1]"),
        pytest.param(
            _select(c.ArithmeticSelector(t.ArithmeticOperator.SUBTRACT, _JSON, c.TermSelector(ONE))),
            id="json-minus-1",
        ),
        pytest.param(_select(c.Selection(_DISTINCT, "x")), id="distinct-AS-x"),
        pytest.param(_select(c.ElementSelector(_DISTINCT, ONE), json=True), id="JSON-distinct[1]"),
    ],
)
def test_leading_json_or_distinct_column(statement: Statement) -> None:
    """A first selector starting with a column named json (distinct) is rendered quoted, so it is not
    read as the JSON (DISTINCT) keyword when `[`, `-`, `(` or AS follows."""
    assert_round_trip(statement)


@pytest.mark.parametrize(
    "selector",
    [
        pytest.param(c.ElementSelector(A, ONE), id="element"),
        pytest.param(c.SliceSelector(A, ONE, None), id="slice"),
        pytest.param(c.FieldSelector(c.FieldSelector(A, "b"), "c"), id="field-of-field"),
    ],
)
def test_type_hint_over_an_accessed_selector(selector: c.Selector) -> None:
    """A type hint binds tighter than the accessors: a hint over `a[1]` renders as `(int) (a[1])`, not
    `(int) a[1]`, which reads as `((int) a)[1]`."""
    assert_round_trip(_select(c.TypeHintSelector(INT, selector)))


@pytest.mark.parametrize("number", ["1", "-3", "1."])
def test_field_of_a_number_selector(number: str) -> None:
    """A field of a number literal renders as `(1).b`: `1.b` lexes as the FLOAT `1.` then `b`."""
    kind = t.ConstantKind.FLOAT if "." in number else t.ConstantKind.INTEGER
    assert_round_trip(_select(c.FieldSelector(c.TermSelector(t.Constant(kind, number)), "b")))


@pytest.mark.parametrize("end", [None, ONE], ids=["open", "closed"])
def test_slice_from_a_float_ending_in_a_dot(end: t.Term | None) -> None:
    """`a[1...]` lexes as FLOAT `1.` then RANGE, as Cassandra's Lexer.g does (FLOAT: (INTEGER '.' RANGE)
    => INTEGER '.')."""
    assert_round_trip(_select(c.SliceSelector(A, t.Constant(t.ConstantKind.FLOAT, "1."), end)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('SELECT "true" FROM t', _select(c.ColumnSelector("true"))),
        (
            'CREATE TABLE t (c "int" PRIMARY KEY)',
            _column_of_type(t.UserTypeRef(t.QualifiedName(None, "int"))),
        ),
        ('INSERT INTO t (c0) VALUES ("ttl"(1))', _insert(_function("ttl", ONE))),
        ('INSERT INTO t (c0) VALUES ("expr"(1))', _insert(_function("expr", ONE))),
        ('INSERT INTO "like" (c0) VALUES (1)', _insert(ONE, table=t.QualifiedName(None, "like"))),
        ('SELECT "json" AS x FROM t', _select(c.Selection(_JSON, "x"))),
        ("SELECT (int) (a[1]) FROM t", _select(c.TypeHintSelector(INT, c.ElementSelector(A, ONE)))),
        ("SELECT (1).b FROM t", _select(c.FieldSelector(c.TermSelector(ONE), "b"))),
        (
            "SELECT a[1. ..] FROM t",
            _select(c.SliceSelector(A, t.Constant(t.ConstantKind.FLOAT, "1."), None)),
        ),
    ],
)
def test_regressions_have_a_hand_written_spelling_that_parses(text: str, expected: Statement) -> None:
    """Hand-written spellings of the trees above (quoted, parenthesized, spaced) parse as intended."""
    assert parse(text) == [expected]


_X = t.Constant(t.ConstantKind.STRING, "x")


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(
            _insert(t.MapLiteral(((_one_tuple(_X), t.FunctionCall(t.FunctionName(None, "f"), ())),))),
            id="map-(x)-to-function",
        ),
        pytest.param(_select(c.ElementSelector(c.TermSelector(_X), ONE)), id="('x')[1]"),
        pytest.param(_select(c.SliceSelector(c.TermSelector(_X), None, ONE)), id="('x')[..1]"),
        pytest.param(
            _select(c.Selection(c.TypeHintSelector(INT, c.FieldSelector(A, "b")), "x")), id="hint-AS"
        ),
        pytest.param(
            dml.SelectStatement(
                T, None, group_by=(c.TypeHintSelector(INT, c.FieldSelector(A, "b")),), per_partition_limit=ONE
            ),
            id="hint-PER-PARTITION",
        ),
        pytest.param(
            _select(c.Selection(c.TypeHintSelector(INT, c.FieldSelector(A, "bitstring")), "x")),
            id="hint-bitstring",
        ),
    ],
)
def test_regressions_found_by_long_random_runs(statement: Statement) -> None:
    """Found with thousands of examples per test: a map value that is a function call after a
    one-element tuple key; string receivers of `[...]`; a parenthesised hint operand followed by AS or
    PER PARTITION (Cassandra's lookahead reads those as clauses, not columns)."""
    assert_round_trip(statement)
