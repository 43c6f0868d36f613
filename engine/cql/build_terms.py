"""Tree building, part 1: names, types, terms, selectors, relations, conditions and operations.

These are callbacks, run as the LALR parser (``engine.cql.lalr``) reduces each rule: no parse tree is
built. Each method is named after a grammar rule or alias in ``grammar/cql.lark`` and receives that
rule's kept children as arguments: named tokens and the results of sub-rules, with ``None`` for an absent
``[optional]`` part. Keywords and punctuation are dropped, except in rules marked ``!``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine.cql.ast import clauses as c
from engine.cql.ast import terms as t
from engine.cql.lexer import Token
from engine.errors import SyntaxException

# Cassandra refuses these as user type names (Parser.g reservedTypeNames).
RESERVED_TYPE_NAMES = frozenset({"byte", "complex", "enum", "date", "interval", "macaddr", "bitstring"})


def name_of(token: Token | str) -> str:
    """A name token's normalized text: quoted names verbatim, everything else lower-cased."""
    if isinstance(token, str):
        return token
    if token.type == "QUOTED_NAME":
        return str(token.value)
    if token.type == "EMPTY_QUOTED_NAME":
        return ""
    return str(token.value).lower()


# Names Cassandra's allowedFunctionName refuses although they are unreserved keywords.
_NOT_FUNCTION_NAMES = frozenset({"ttl", "writetime", "maxwritetime", "key", "cast", "json", "distinct"})


def _function_name(token: Token) -> str:
    if token.type != "IDENT" and token.type != "QUOTED_NAME" and token.value.lower() in _NOT_FUNCTION_NAMES:
        raise SyntaxException(
            f"line {token.line}:{token.column} no viable alternative at input '{token.value}'",
            line=token.line or 0,
            column=token.column or 0,
        )
    return name_of(token)


def role_name_of(token: Token) -> str:
    """Role and user names: string literals and quoted names verbatim, identifiers lower-cased."""
    if token.type in ("STRING_LITERAL", "QUOTED_NAME"):
        return str(token.value)
    return str(token.value).lower()


def recognition_error(message: str) -> SyntaxException:
    """An error Cassandra's parser reports without a position (its ``addRecognitionError``)."""
    return SyntaxException(message)


def _items(*children: Any) -> tuple[Any, ...]:
    return tuple(x for x in children if x is not None)


class TermBuilder:
    """Callbacks for the expression-level rules."""

    # ------------------------------------------------------------------------------------- names

    def ident(self, token: Token) -> str:
        return name_of(token)

    fident = noncol_ident = keyspace_name = idx_name = describe_name = allowed_function_name = ident

    def cident(self, token: Token) -> str:
        return name_of(token)

    def unreserved_keyword(self, token: Token) -> Token:
        return token

    unreserved_function_keyword = basic_unreserved_keyword = native_type_keyword = unreserved_keyword
    describe_name_keyword = unreserved_keyword

    def int_value(self, marker: t.BindMarker) -> t.BindMarker:
        return marker

    def non_type_ident(self, token: Token) -> str:
        if token.type == "IDENT" and token.value.lower() in RESERVED_TYPE_NAMES:
            raise recognition_error(f"Invalid (reserved) user type name {token.value}")
        return name_of(token)

    def column_family_name(self, keyspace: Token | None, name: Token) -> t.QualifiedName:
        return t.QualifiedName(None if keyspace is None else name_of(keyspace), name_of(name))

    index_name = column_family_name

    def user_type_name(self, keyspace: Token | None, name: str) -> t.QualifiedName:
        return t.QualifiedName(None if keyspace is None else name_of(keyspace), name)

    def function_name_simple(self, name: Token) -> t.FunctionName:
        return t.FunctionName(None, _function_name(name))

    def function_name_qualified(self, keyspace: Token, name: Token) -> t.FunctionName:
        return t.FunctionName(name_of(keyspace), _function_name(name))

    def function_name_token(self) -> t.FunctionName:
        return t.FunctionName(None, "token")

    def function_name_qualified_token(self, keyspace: Token) -> t.FunctionName:
        return t.FunctionName(name_of(keyspace), "token")

    # ------------------------------------------------------------------------------------- types

    def native_type(self, token: Token) -> t.NativeType:
        return t.NativeType(t.NativeTypeName(token.value.lower()))

    def map_type(self, key: t.TypeRef, value: t.TypeRef) -> t.CollectionType:
        return t.CollectionType(t.CollectionKind.MAP, (key, value))

    def list_type(self, element: t.TypeRef) -> t.CollectionType:
        return t.CollectionType(t.CollectionKind.LIST, (element,))

    def set_type(self, element: t.TypeRef) -> t.CollectionType:
        return t.CollectionType(t.CollectionKind.SET, (element,))

    def tuple_type(self, *elements: t.TypeRef) -> t.TupleType:
        return t.TupleType(elements)

    def vector_type(self, element: t.TypeRef, dimension: Token) -> t.VectorType:
        return t.VectorType(element, int(dimension.value))

    def user_type(self, name: t.QualifiedName) -> t.UserTypeRef:
        return t.UserTypeRef(name)

    def frozen_type(self, inner: t.TypeRef) -> t.FrozenType:
        return t.FrozenType(inner)

    def custom_type(self, token: Token) -> t.CustomType:
        return t.CustomType(token.value)

    # ------------------------------------------------------------------------------------- terms

    def string_constant(self, token: Token) -> t.Constant:
        return t.Constant(t.ConstantKind.STRING, token.value)

    def integer_constant(self, token: Token) -> t.Constant:
        return t.Constant(t.ConstantKind.INTEGER, token.value)

    def float_constant(self, token: Token) -> t.Constant:
        return t.Constant(t.ConstantKind.FLOAT, token.value)

    def boolean_constant(self, token: Token) -> t.Constant:  # BOOLEAN_LITERAL
        return t.Constant(t.ConstantKind.BOOLEAN, token.value.lower())

    def duration_constant(self, token: Token) -> t.Constant:
        return t.Constant(t.ConstantKind.DURATION, token.value)

    def uuid_constant(self, token: Token) -> t.Constant:
        return t.Constant(t.ConstantKind.UUID, token.value)

    def hex_constant(self, token: Token) -> t.Constant:
        return t.Constant(t.ConstantKind.HEX, token.value)

    def nan_constant(self) -> t.Constant:
        return t.Constant(t.ConstantKind.FLOAT, "NaN")

    def infinity_constant(self) -> t.Constant:
        return t.Constant(t.ConstantKind.FLOAT, "Infinity")

    def negative_infinity_constant(self) -> t.Constant:
        return t.Constant(t.ConstantKind.FLOAT, "-Infinity")

    def null(self) -> t.Null:
        return t.Null()

    def anonymous_marker(self, _token: Token) -> t.BindMarker:
        return t.BindMarker()

    def named_marker(self, name: str) -> t.BindMarker:
        return t.BindMarker(name)

    def list_literal(self, *items: t.Term | None) -> t.ListLiteral:
        return t.ListLiteral(_items(*items))

    def set_literal(self, *items: t.Term) -> t.SetLiteral:
        return t.SetLiteral(items)

    def empty_set_literal(self) -> t.SetLiteral:
        return t.SetLiteral(())

    def map_entry(self, key: t.Term, value: t.Term) -> tuple[t.Term, t.Term]:
        return (key, value)

    def map_literal_entries(self, *entries: tuple[t.Term, t.Term]) -> t.MapLiteral:
        return t.MapLiteral(entries)

    def map_literal(self, *entries: tuple[t.Term, t.Term] | None) -> t.MapLiteral:
        return t.MapLiteral(_items(*entries))

    def usertype_field(self, name: str, value: t.Term) -> tuple[str, t.Term]:
        return (name, value)

    def usertype_literal(self, *fields: tuple[str, t.Term]) -> t.UserTypeLiteral:
        return t.UserTypeLiteral(fields)

    def tuple_literal(self, *items: t.Term) -> t.TupleLiteral:
        return t.TupleLiteral(items)

    def function(self, name: t.FunctionName, *arguments: t.Term | None) -> t.FunctionCall:
        return t.FunctionCall(name, _items(*arguments))

    def type_cast(self, _hint: Token, type_: t.TypeRef, term: t.Term) -> t.TypeHint:
        return t.TypeHint(type_, term)

    def term_cast(self, term: t.Term, type_: t.NativeType) -> t.Cast:
        return t.Cast(term, type_)

    def term_negation(self, term: t.Term) -> t.Negation:
        return t.Negation(term)

    def term_add(self, left: t.Term, right: t.Term) -> t.BinaryOperation:
        return t.BinaryOperation(t.ArithmeticOperator.ADD, left, right)

    def term_sub(self, left: t.Term, right: t.Term) -> t.BinaryOperation:
        return t.BinaryOperation(t.ArithmeticOperator.SUBTRACT, left, right)

    def term_mul(self, left: t.Term, right: t.Term) -> t.BinaryOperation:
        return t.BinaryOperation(t.ArithmeticOperator.MULTIPLY, left, right)

    def term_div(self, left: t.Term, right: t.Term) -> t.BinaryOperation:
        return t.BinaryOperation(t.ArithmeticOperator.DIVIDE, left, right)

    def term_mod(self, left: t.Term, right: t.Term) -> t.BinaryOperation:
        return t.BinaryOperation(t.ArithmeticOperator.MODULO, left, right)

    # --------------------------------------------------------------------------------- selectors

    def sident(self, name: Token) -> c.ColumnSelector:
        return c.ColumnSelector(name_of(name))

    def selector_column_field(self, column: Token, field: str) -> c.FieldSelector:
        return c.FieldSelector(c.ColumnSelector(name_of(column)), field)

    def selector(self, selector: Any, alias: str | None) -> c.Selection:
        return c.Selection(_selector(selector), alias)

    def selectors(self, *selections: c.Selection) -> tuple[c.Selection, ...]:
        return selections

    def select_all(self) -> None:
        return None

    def selection_group_with_modifier(self, receiver: Any, *modifiers: Any) -> c.Selector:
        receiver = _selector(receiver)
        for modifier in modifiers:
            receiver = modifier(receiver)
        return receiver

    def column_path(self, column: c.ColumnSelector, *modifiers: Any) -> c.Selector:
        return self.selection_group_with_modifier(column, *modifiers)

    # Modifiers are returned as functions of their receiver, applied in order by the rules above.
    def field_modifier(self, field: str) -> Any:
        return lambda receiver: c.FieldSelector(receiver, field)

    def element_modifier(self, element: t.Term) -> Any:
        return lambda receiver: c.ElementSelector(receiver, element)

    def slice_modifier(self, start: t.Term, end: t.Term | None) -> Any:
        return lambda receiver: c.SliceSelector(receiver, start, end)

    def slice_to_modifier(self, end: t.Term) -> Any:
        return lambda receiver: c.SliceSelector(receiver, None, end)

    def selector_function(self, name: t.FunctionName, *arguments: c.Selector | None) -> c.FunctionSelector:
        return c.FunctionSelector(name, tuple(_selector(a) for a in arguments if a is not None))

    def selector_function_star(self, name: t.FunctionName) -> c.CountRowsSelector:
        if name.keyspace is not None or name.name != "count":
            raise recognition_error(f"Only COUNT(*) may take '*' as argument, not {name.cql()}(*)")
        return c.CountRowsSelector()

    def selector_cast(self, selector: c.Selector, type_: t.NativeType) -> c.CastSelector:
        return c.CastSelector(_selector(selector), type_)

    def selector_writetime(self, column: c.Selector) -> c.WritetimeSelector:
        return c.WritetimeSelector(c.WritetimeKind.WRITETIME, column)

    def selector_maxwritetime(self, column: c.Selector) -> c.WritetimeSelector:
        return c.WritetimeSelector(c.WritetimeKind.MAXWRITETIME, column)

    def selector_ttl(self, column: c.Selector) -> c.WritetimeSelector:
        return c.WritetimeSelector(c.WritetimeKind.TTL, column)

    def selector_type_hint(self, _hint: Token, type_: t.TypeRef, selector: Any) -> c.TypeHintSelector:
        return c.TypeHintSelector(type_, _selector(selector))

    def selector_tuple(self, *items: Any) -> c.Selector:
        if len(items) == 1:  # parentheses around one selector only group it
            return _selector(items[0])
        return c.TupleSelector(tuple(_selector(i) for i in items))

    def selector_list(self, *items: Any) -> c.ListSelector:
        return c.ListSelector(tuple(_selector(i) for i in items if i is not None))

    def selector_empty_set(self) -> c.SetSelector:
        return c.SetSelector(())

    def selector_set(self, *items: Any) -> c.SetSelector:
        return c.SetSelector(tuple(_selector(i) for i in items))

    def selector_entry(self, key: Any, value: Any) -> tuple[c.Selector, c.Selector]:
        return (_selector(key), _selector(value))

    def selector_map(self, *entries: tuple[c.Selector, c.Selector]) -> c.MapSelector:
        return c.MapSelector(entries)

    def selector_negation(self, selector: Any) -> c.NegationSelector:
        return c.NegationSelector(_selector(selector))

    def selector_add(self, left: Any, right: Any) -> c.ArithmeticSelector:
        return _arith(t.ArithmeticOperator.ADD, left, right)

    def selector_sub(self, left: Any, right: Any) -> c.ArithmeticSelector:
        return _arith(t.ArithmeticOperator.SUBTRACT, left, right)

    def selector_mul(self, left: Any, right: Any) -> c.ArithmeticSelector:
        return _arith(t.ArithmeticOperator.MULTIPLY, left, right)

    def selector_div(self, left: Any, right: Any) -> c.ArithmeticSelector:
        return _arith(t.ArithmeticOperator.DIVIDE, left, right)

    def selector_mod(self, left: Any, right: Any) -> c.ArithmeticSelector:
        return _arith(t.ArithmeticOperator.MODULO, left, right)

    # --------------------------------------------------------------------------------- relations

    def relation_type(self, token: Token) -> c.Operator:
        return c.Operator(token.value)

    def relation_single(self, column: str, operator: c.Operator, value: t.Term) -> c.SingleColumnRelation:
        return c.SingleColumnRelation(column, operator, value)

    def relation_like(self, column: str, value: t.Term) -> c.SingleColumnRelation:
        return c.SingleColumnRelation(column, c.Operator.LIKE, value)

    def relation_is_not_null(self, column: str) -> c.SingleColumnRelation:
        return c.SingleColumnRelation(column, c.Operator.IS_NOT, t.Null())

    def relation_in(self, column: str, values: c.InValues | t.BindMarker) -> c.SingleColumnRelation:
        return c.SingleColumnRelation(column, c.Operator.IN, values)

    def relation_contains(self, column: str, value: t.Term) -> c.SingleColumnRelation:
        return c.SingleColumnRelation(column, c.Operator.CONTAINS, value)

    def relation_contains_key(self, column: str, value: t.Term) -> c.SingleColumnRelation:
        return c.SingleColumnRelation(column, c.Operator.CONTAINS_KEY, value)

    def relation_token(
        self, columns: tuple[str, ...], operator: c.Operator, value: t.Term
    ) -> c.TokenRelation:
        return c.TokenRelation(columns, operator, value)

    def relation_map_element(
        self, column: str, key: t.Term, operator: c.Operator, value: t.Term
    ) -> c.MapElementRelation:
        return c.MapElementRelation(column, key, operator, value)

    def relation_multi_in(self, columns: tuple[str, ...], values: Any) -> c.MultiColumnRelation:
        return c.MultiColumnRelation(columns, c.Operator.IN, values)

    def relation_multi(
        self, columns: tuple[str, ...], operator: c.Operator, value: Any
    ) -> c.MultiColumnRelation:
        return c.MultiColumnRelation(columns, operator, value)

    def multi_in_list(self, *items: Any) -> tuple[Any, ...]:
        return _items(*items)

    def custom_index_expression(self, index: t.QualifiedName, value: t.Term) -> c.CustomIndexExpression:
        return c.CustomIndexExpression(index, value)

    def tuple_of_identifiers(self, *columns: str) -> tuple[str, ...]:
        return columns

    def terms(self, *items: t.Term | None) -> c.InValues:
        return c.InValues(_items(*items))

    def where_clause(self, *relations: c.Relation) -> tuple[c.Relation, ...]:
        return relations

    # -------------------------------------------------------------------------------- conditions

    def condition_simple(self, column: str, operator: c.Operator, value: t.Term) -> c.ColumnCondition:
        return c.ColumnCondition(column, operator, value)

    def condition_contains(self, column: str, value: t.Term) -> c.ColumnCondition:
        return c.ColumnCondition(column, c.Operator.CONTAINS, value)

    def condition_contains_key(self, column: str, value: t.Term) -> c.ColumnCondition:
        return c.ColumnCondition(column, c.Operator.CONTAINS_KEY, value)

    def condition_in(self, column: str, values: Any) -> c.ColumnCondition:
        return c.ColumnCondition(column, c.Operator.IN, values)

    def condition_element(
        self, column: str, element: t.Term, operator: c.Operator, value: t.Term
    ) -> c.ColumnCondition:
        return c.ColumnCondition(column, operator, value, element=element)

    def condition_element_in(self, column: str, element: t.Term, values: Any) -> c.ColumnCondition:
        return c.ColumnCondition(column, c.Operator.IN, values, element=element)

    def condition_field(
        self, column: str, field: str, operator: c.Operator, value: t.Term
    ) -> c.ColumnCondition:
        return c.ColumnCondition(column, operator, value, field=field)

    def condition_field_in(self, column: str, field: str, values: Any) -> c.ColumnCondition:
        return c.ColumnCondition(column, c.Operator.IN, values, field=field)

    # -------------------------------------------------------------------------------- operations

    def op_set(self, column: str, value: t.Term) -> c.Operation:
        return c.Operation(c.OperationKind.SET, column, value)

    def op_prepend(self, column: str, value: t.Term, other: str) -> c.Operation:
        if column != other:
            raise recognition_error("Only expressions of the form X = <value> + X are supported.")
        return c.Operation(c.OperationKind.PREPEND, column, value)

    def op_add(self, column: str, other: str, value: t.Term) -> c.Operation:
        if column != other:
            raise recognition_error("Only expressions of the form X = X +<value> are supported.")
        return c.Operation(c.OperationKind.ADD, column, value)

    def op_sub(self, column: str, other: str, value: t.Term) -> c.Operation:
        if column != other:
            raise recognition_error("Only expressions of the form X = X -<value> are supported.")
        return c.Operation(c.OperationKind.SUBTRACT, column, value)

    def op_add_integer(self, column: str, other: str, value: Token) -> c.Operation:
        # `c = c -3` lexes as `c = c INTEGER(-3)` (the sign belongs to the integer): an addition.
        if column != other:
            sign = "-" if value.value.startswith("-") else "+"
            raise recognition_error(f"Only expressions of the form X = X {sign} <value> are supported.")
        return c.Operation(c.OperationKind.ADD, column, t.Constant(t.ConstantKind.INTEGER, value.value))

    def op_add_shorthand(self, column: str, value: t.Term) -> c.Operation:
        return c.Operation(c.OperationKind.ADD, column, value)

    def op_sub_shorthand(self, column: str, value: t.Term) -> c.Operation:
        return c.Operation(c.OperationKind.SUBTRACT, column, value)

    def op_set_element(self, column: str, element: t.Term, value: t.Term) -> c.Operation:
        return c.Operation(c.OperationKind.SET_ELEMENT, column, value, element=element)

    def op_set_field(self, column: str, field: str, value: t.Term) -> c.Operation:
        return c.Operation(c.OperationKind.SET_FIELD, column, value, field=field)


_TERM_TYPES = tuple(
    cls
    for cls in (
        t.Constant,
        t.Null,
        t.BindMarker,
        t.ListLiteral,
        t.SetLiteral,
        t.MapLiteral,
        t.TupleLiteral,
        t.UserTypeLiteral,
        t.FunctionCall,
        t.TypeHint,
        t.Cast,
        t.BinaryOperation,
        t.Negation,
    )
)


def _selector(value: Any) -> c.Selector:
    """Selector rules share the literal rules with terms: wrap a bare term as a TermSelector."""
    if isinstance(value, _TERM_TYPES):
        return c.TermSelector(value)
    return value


def _arith(operator: t.ArithmeticOperator, left: Any, right: Any) -> c.ArithmeticSelector:
    return c.ArithmeticSelector(operator, _selector(left), _selector(right))


def selections(values: Sequence[Any] | None) -> tuple[c.Selection, ...] | None:
    """The selectors of a SELECT (None for ``*``), each wrapped as a Selection."""
    if values is None:
        return None
    return tuple(v if isinstance(v, c.Selection) else c.Selection(_selector(v)) for v in values)
