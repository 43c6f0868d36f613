"""The REPL's CQL lexer: keywords from the grammar, literals, names, comments."""

from __future__ import annotations

from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Text

from engine.cql.lexicon import KEYWORDS
from shell.highlight import CqlLexer


def tokens(text: str) -> list[tuple[object, str]]:
    # pygments ends the input with a newline; it belongs to the last token when that one is unfinished
    return [(kind, value.rstrip("\n")) for kind, value in CqlLexer().get_tokens(text) if kind is not Text]


def test_a_statement() -> None:
    assert tokens(
        "select name, count(*) FROM ks.\"Users\" WHERE id = 0x1f AND n >= -1.5e3 and s = 'it''s';"
    ) == [
        (Keyword, "select"),
        (Name, "name"),
        (Punctuation, ","),
        (Keyword, "count"),
        (Punctuation, "("),
        (Operator, "*"),
        (Punctuation, ")"),
        (Keyword, "FROM"),
        (Name, "ks"),
        (Punctuation, "."),
        (Name.Variable, '"Users"'),
        (Keyword, "WHERE"),
        (Name, "id"),
        (Operator, "="),
        (Number.Hex, "0x1f"),
        (Keyword, "AND"),
        (Name, "n"),
        (Operator, ">="),
        (Number, "-1.5e3"),
        (Keyword, "and"),
        (Name, "s"),
        (Operator, "="),
        (String.Single, "'it''s'"),
        (Punctuation, ";"),
    ]


def test_every_grammar_keyword_is_a_keyword() -> None:
    for word in KEYWORDS - {"true", "false", "null", "nan", "infinity"}:
        assert tokens(word) == [(Keyword, word)], word


def test_constants_uuids_and_dollar_strings() -> None:
    assert tokens("true NULL 5b6962dd-3f90-4c93-8f61-eabfa4a803e2 $$a;\nb$$") == [
        (Keyword.Constant, "true"),
        (Keyword.Constant, "NULL"),
        (Number.Hex, "5b6962dd-3f90-4c93-8f61-eabfa4a803e2"),
        (String.Single, "$$a;\nb$$"),
    ]


def test_comments_and_shell_commands() -> None:
    assert tokens("-- note\nCONSISTENCY quorum /* a\nb */ // end") == [
        (Comment.Single, "-- note"),
        (Keyword, "CONSISTENCY"),
        (Keyword, "quorum"),
        (Comment.Multiline, "/*"),
        (Comment.Multiline, " a\nb "),
        (Comment.Multiline, "*/"),
        (Comment.Single, "// end"),
    ]


def test_unfinished_strings_and_names_are_still_tokens() -> None:
    assert tokens("SELECT 'abc") == [(Keyword, "SELECT"), (String.Single, "'abc")]
    assert tokens('SELECT "ab') == [(Keyword, "SELECT"), (Name.Variable, '"ab')]
