"""Names, type references and terms: the leaves every CQL statement is built from.

Names are stored normalized, as Cassandra compares them: an unquoted identifier is lower-cased, a quoted
one is kept verbatim (without its quotes). ``render_name`` quotes a name again only when it has to
(upper case, punctuation, leading digit, or a reserved keyword), so rendering is canonical.

Terms are the values of CQL (Cassandra's ``Term.Raw``): constants, collection/tuple/UDT literals, bind
markers, function calls, casts and arithmetic. Numeric constants keep their source text, so no precision
is lost between parsing and execution. Each node renders itself as canonical CQL with ``cql()``.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass

_PLAIN_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")


@functools.cache
def _words() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(words that need quotes as names, keywords usable as type names, all keywords)."""
    # Imported late: the lexicon reads the grammar, which this module must not need at import time.
    from engine.cql.lexicon import KEYWORDS, RESERVED_KEYWORDS, TYPE_NAME_KEYWORDS

    # true/false lex as booleans, so as names they need quotes like the reserved keywords.
    return RESERVED_KEYWORDS | {"true", "false"}, TYPE_NAME_KEYWORDS, KEYWORDS


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def render_name(name: str) -> str:
    """A name as CQL source: bare when it reads back the same, double-quoted otherwise."""
    if _PLAIN_NAME.match(name) and name not in _words()[0]:
        return name
    return _quote(name)


# Reserved type names (Parser.g reservedTypeNames): refused unquoted as user type names.
_RESERVED_TYPE_NAMES = frozenset({"byte", "complex", "enum", "date", "interval", "macaddr", "bitstring"})


def render_type_name(name: str) -> str:
    """A user type's own name: keywords other than the basic unreserved ones (native type names, ttl,
    json, ...) and Cassandra's reserved type names must be quoted there."""
    quoted, type_keywords, keywords = _words()
    if (
        _PLAIN_NAME.match(name)
        and name not in quoted
        and name not in _RESERVED_TYPE_NAMES
        and (name not in keywords or name in type_keywords)
    ):
        return name
    return _quote(name)


# Unreserved keywords Cassandra's allowedFunctionName refuses unquoted, and `expr`, which followed by
# `(` lexes as the custom index expression token.
_NOT_BARE_FUNCTION_NAMES = frozenset(
    {"ttl", "writetime", "maxwritetime", "key", "cast", "json", "distinct", "expr"}
)


def render_string(value: str) -> str:
    """A string constant as CQL source, single-quoted with ``''`` escapes."""
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True, slots=True)
class QualifiedName:
    """``[keyspace.]name`` for tables, views, indexes and user types."""

    keyspace: str | None
    name: str

    def cql(self) -> str:
        if self.keyspace is None:
            return render_name(self.name)
        return f"{render_name(self.keyspace)}.{render_name(self.name)}"

    def type_cql(self) -> str:
        """As the name of a user type (stricter quoting for the type's own name)."""
        if self.keyspace is None:
            return render_type_name(self.name)
        return f"{render_name(self.keyspace)}.{render_type_name(self.name)}"


@dataclass(frozen=True, slots=True)
class FunctionName:
    """``[keyspace.]function``; unquoted function names are lower-cased like other identifiers."""

    keyspace: str | None
    name: str

    def cql(self) -> str:
        # token and count are reserved or special but written bare as function names.
        if self.name in _FUNCTION_KEYWORD_NAMES:
            name = self.name
        elif self.name in _NOT_BARE_FUNCTION_NAMES:
            name = _quote(self.name)
        else:
            name = render_name(self.name)
        if self.keyspace is None:
            return name
        return f"{render_name(self.keyspace)}.{name}"


# Keywords Cassandra accepts as bare function names (allowedFunctionName): token, count and the
# unreserved function keywords; the lexicon checks this set against the grammar.
_FUNCTION_KEYWORD_NAMES = frozenset({"token", "count"})


# ---------------------------------------------------------------------------------------------- types


class NativeTypeName(enum.Enum):
    """The native CQL types."""

    ASCII = "ascii"
    BIGINT = "bigint"
    BLOB = "blob"
    BOOLEAN = "boolean"
    COUNTER = "counter"
    DATE = "date"
    DECIMAL = "decimal"
    DOUBLE = "double"
    DURATION = "duration"
    FLOAT = "float"
    INET = "inet"
    INT = "int"
    SMALLINT = "smallint"
    TEXT = "text"
    TIME = "time"
    TIMESTAMP = "timestamp"
    TIMEUUID = "timeuuid"
    TINYINT = "tinyint"
    UUID = "uuid"
    VARCHAR = "varchar"
    VARINT = "varint"


class CollectionKind(enum.Enum):
    LIST = "list"
    SET = "set"
    MAP = "map"


@dataclass(frozen=True, slots=True)
class NativeType:
    name: NativeTypeName

    def cql(self) -> str:
        return self.name.value


@dataclass(frozen=True, slots=True)
class CollectionType:
    kind: CollectionKind
    arguments: tuple[TypeRef, ...]

    def cql(self) -> str:
        return f"{self.kind.value}<{', '.join(a.cql() for a in self.arguments)}>"


@dataclass(frozen=True, slots=True)
class TupleType:
    elements: tuple[TypeRef, ...]

    def cql(self) -> str:
        return f"tuple<{', '.join(e.cql() for e in self.elements)}>"


@dataclass(frozen=True, slots=True)
class VectorType:
    element: TypeRef
    dimension: int

    def cql(self) -> str:
        return f"vector<{self.element.cql()}, {self.dimension}>"


@dataclass(frozen=True, slots=True)
class UserTypeRef:
    name: QualifiedName

    def cql(self) -> str:
        return self.name.type_cql()


@dataclass(frozen=True, slots=True)
class FrozenType:
    inner: TypeRef

    def cql(self) -> str:
        return f"frozen<{self.inner.cql()}>"


@dataclass(frozen=True, slots=True)
class CustomType:
    """A type named by its Java class, written as a string: ``'org.apache...DynamicCompositeType(...)'``."""

    class_name: str

    def cql(self) -> str:
        return render_string(self.class_name)


TypeRef = NativeType | CollectionType | TupleType | VectorType | UserTypeRef | FrozenType | CustomType


# ---------------------------------------------------------------------------------------------- terms


class ConstantKind(enum.Enum):
    STRING = "string"
    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    DURATION = "duration"
    UUID = "uuid"
    HEX = "hex"


@dataclass(frozen=True, slots=True)
class Constant:
    """A literal constant. ``text`` is the string's content, or the literal's source text otherwise
    (booleans lower-cased; ``NaN``, ``Infinity``, ``-Infinity`` spelled that way)."""

    kind: ConstantKind
    text: str

    def cql(self) -> str:
        if self.kind is ConstantKind.STRING:
            return render_string(self.text)
        return self.text


@dataclass(frozen=True, slots=True)
class Null:
    def cql(self) -> str:
        return "NULL"


@dataclass(frozen=True, slots=True)
class BindMarker:
    """``?`` (name None) or ``:name``."""

    name: str | None = None

    def cql(self) -> str:
        return "?" if self.name is None else f":{render_name(self.name)}"


@dataclass(frozen=True, slots=True)
class ListLiteral:
    items: tuple[Term, ...]

    def cql(self) -> str:
        return "[" + ", ".join(i.cql() for i in self.items) + "]"


@dataclass(frozen=True, slots=True)
class SetLiteral:
    """``{a, b}``; ``{}`` is an empty set literal, which Cassandra also accepts for an empty map."""

    items: tuple[Term, ...]

    def cql(self) -> str:
        return "{" + ", ".join(i.cql() for i in self.items) + "}"


@dataclass(frozen=True, slots=True)
class MapLiteral:
    entries: tuple[tuple[Term, Term], ...]

    def cql(self) -> str:
        return "{" + ", ".join(f"{k.cql()}: {v.cql()}" for k, v in self.entries) + "}"


@dataclass(frozen=True, slots=True)
class TupleLiteral:
    items: tuple[Term, ...]

    def cql(self) -> str:
        return "(" + ", ".join(i.cql() for i in self.items) + ")"


@dataclass(frozen=True, slots=True)
class UserTypeLiteral:
    fields: tuple[tuple[str, Term], ...]

    def cql(self) -> str:
        return "{" + ", ".join(f"{render_name(f)}: {v.cql()}" for f, v in self.fields) + "}"


@dataclass(frozen=True, slots=True)
class FunctionCall:
    name: FunctionName
    arguments: tuple[Term, ...]

    def cql(self) -> str:
        return f"{self.name.cql()}({', '.join(a.cql() for a in self.arguments)})"


@dataclass(frozen=True, slots=True)
class TypeHint:
    """``(type) term``: the term is read as a value of that type."""

    type: TypeRef
    term: Term

    def cql(self) -> str:
        return f"({self.type.cql()}) {self.term.cql()}"


@dataclass(frozen=True, slots=True)
class Cast:
    """``CAST(term AS native_type)``."""

    term: Term
    type: NativeType

    def cql(self) -> str:
        return f"CAST({self.term.cql()} AS {self.type.cql()})"


class ArithmeticOperator(enum.Enum):
    ADD = "+"
    SUBTRACT = "-"
    MULTIPLY = "*"
    DIVIDE = "/"
    MODULO = "%"

    @property
    def precedence(self) -> int:
        return 1 if self in (ArithmeticOperator.ADD, ArithmeticOperator.SUBTRACT) else 2


@dataclass(frozen=True, slots=True)
class BinaryOperation:
    """``left op right``. Terms have no grouping parentheses in CQL, so the tree is always the
    left-associative one that operator precedence gives, and renders without parentheses."""

    operator: ArithmeticOperator
    left: Term
    right: Term

    def cql(self) -> str:
        return f"{self.left.cql()} {self.operator.value} {self.right.cql()}"


@dataclass(frozen=True, slots=True)
class Negation:
    term: Term

    def cql(self) -> str:
        # The space matters: `-5` would lex as the negative constant, not a negation of 5.
        return f"- {self.term.cql()}"


Term = (
    Constant
    | Null
    | BindMarker
    | ListLiteral
    | SetLiteral
    | MapLiteral
    | TupleLiteral
    | UserTypeLiteral
    | FunctionCall
    | TypeHint
    | Cast
    | BinaryOperation
    | Negation
)
