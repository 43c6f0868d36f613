"""The COPY command's grammar (cqlsh's ``<copyCommand>``), read from the statement's tokens::

    COPY [ks.]table [(col, ...)] FROM ('file_or_glob[, ...]' | STDIN) [WITH opt=val [AND opt=val ...]]
    COPY [ks.]table [(col, ...)] TO ('file' | STDOUT) [WITH ...]

Names are taken as cqlsh takes them: double quotes removed, unquoted names kept as typed. Option names
are lower-cased; values are words, numbers or string literals (quotes removed). Anything else is
cqlsh's ``Improper COPY command.``
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.cql.lexer import Token, TokenKind
from shell.commands.registry import ImproperCommand

_NAMES = (TokenKind.IDENT, TokenKind.QUOTED_NAME)
_VALUES = (
    TokenKind.IDENT,
    TokenKind.STRING_LITERAL,
    TokenKind.INTEGER,
    TokenKind.FLOAT,
    TokenKind.BOOLEAN,
    TokenKind.UUID,
    TokenKind.HEXNUMBER,
    TokenKind.DURATION,
)


@dataclass(frozen=True)
class CopyStatement:
    keyspace: str | None
    table: str
    columns: tuple[str, ...] | None
    direction: str  # "from" or "to"
    file: str | None  # None: STDIN / STDOUT
    options: dict[str, str]


def parse_copy(args: tuple[Token, ...]) -> CopyStatement:
    tokens = list(args)
    pos = 0

    def peek(offset: int = 0) -> Token | None:
        return tokens[pos + offset] if pos + offset < len(tokens) else None

    def take() -> Token:
        nonlocal pos
        token = peek()
        if token is None:
            raise ImproperCommand
        pos += 1
        return token

    def name() -> str:
        token = take()
        if token.kind not in _NAMES:
            raise ImproperCommand
        return token.text

    def punct(text: str) -> bool:
        token = peek()
        return token is not None and token.kind is TokenKind.PUNCT and token.text == text

    keyspace = None
    table = name()
    if punct("."):
        take()
        keyspace, table = table, name()
    columns = None
    if punct("("):
        take()
        found = [name()]
        while punct(","):
            take()
            found.append(name())
        if not punct(")"):
            raise ImproperCommand
        take()
        columns = tuple(found)
    direction_token = take()
    direction = direction_token.text.lower()
    if direction_token.kind is not TokenKind.IDENT or direction not in ("from", "to"):
        raise ImproperCommand
    target = take()
    if target.kind is TokenKind.STRING_LITERAL:
        file: str | None = target.text
    elif target.kind is TokenKind.IDENT and target.text.upper() == (
        "STDIN" if direction == "from" else "STDOUT"
    ):
        file = None
    else:
        raise ImproperCommand
    options: dict[str, str] = {}
    if peek() is not None:
        word = take()
        if word.kind is not TokenKind.IDENT or word.text.upper() != "WITH":
            raise ImproperCommand
        while True:
            option = take()
            if option.kind is not TokenKind.IDENT or not punct("="):
                raise ImproperCommand
            take()
            value = take()
            if value.kind not in _VALUES:
                raise ImproperCommand
            options[option.text.lower()] = value.text
            if peek() is None:
                break
            joiner = take()
            if joiner.kind is not TokenKind.IDENT or joiner.text.upper() != "AND":
                raise ImproperCommand
    return CopyStatement(keyspace, table, columns, direction, file, options)
