"""Find complete CQL statements in text typed at the shell or read from a file.

The shell calls this on every keystroke (is the buffer ready to run?) and on whole ``SOURCE`` files, so it
is one linear pass of a single compiled regex over the input. It is not a parser: it only knows enough of
CQL's lexical structure to tell a statement-ending ``;`` from one that is data. It follows cqlsh
(``cqlshlib.cqlhandling.CqlParsingRuleSet.cql_split_statements`` and ``cql_massage_tokens``):

- A statement ends at ``;`` outside string literals (``'...'`` with ``''`` as an escaped quote), quoted
  identifiers (``"..."`` with ``""``), dollar-quoted strings (``$$...$$``), line comments (``-- ...`` and
  ``// ...`` to end of line) and block comments (``/* ... */``, not nested).
- Empty statements (``;;``) and pieces holding only whitespace and comments produce nothing.
- ``BEGIN [UNLOGGED|COUNTER|LOGGED] BATCH`` as the first words of a statement opens a batch: its inner
  ``;`` do not end it; the ``;`` right after ``APPLY BATCH`` (comments allowed in between) does.
- A statement whose first word is one of ``line_commands`` (shell commands such as ``CONSISTENCY``) also
  ends at the end of its line, if no ``;`` comes first.

Each statement is reported as a :class:`StatementText`: its source text from its first character that is
neither whitespace nor comment, up to (not including) the terminator, with trailing whitespace stripped and
inner comments kept verbatim, plus where it starts. Lines are 1-based and counted by ``\\n`` only, so a
``\\r\\n`` pair is one line break and a lone ``\\r`` is ordinary whitespace; columns are 0-based code points.

Choices where cqlsh is silent or unhelpful:

- A trailing piece that is not terminated is reported with ``terminated=False``. That includes a line
  command at the very end of input with no newline after it: ``is_complete`` then says False and the shell
  decides (cqlsh would run an ``exit`` typed without a newline at end of file; we leave that to the caller).
- When the input ends inside a string, quoted identifier, ``$$`` string or block comment, the last piece runs
  to the end of input and its trailing whitespace is kept, since it belongs to that unclosed element.
- A trailing piece that is only an unclosed block comment produces no statement (it holds no CQL), but
  ``is_complete`` returns False for it: the user is still typing the comment.

Where we knowingly differ from cqlsh:

- cqlsh's line-comment token swallows the newline after it, so there ``CONSISTENCY ONE -- why`` does not end
  at its newline; here a line comment stops before the newline, which then ends the line command.
- cqlsh treats every statement whose first word is BEGIN as a batch and ends it at any ``APPLY <word> ;``;
  here the statement must start ``BEGIN [UNLOGGED|COUNTER|LOGGED] BATCH`` and end with ``APPLY BATCH ;``.
- cqlsh counts input holding only ``;`` as handled (it resets its buffer); here it holds no statement, so
  ``is_complete`` is False and the shell should reset when ``split_statements`` finds nothing to run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["StatementText", "is_complete", "split_statements"]


@dataclass(frozen=True)
class StatementText:
    """One statement found in the input, with where it starts."""

    text: str
    """Source text from the first non-blank, non-comment character up to the terminator, right-stripped."""
    line: int
    """1-based line where ``text`` starts."""
    column: int
    """0-based column where ``text`` starts."""
    terminated: bool
    """True when ended by ``;`` (or a newline, for a line command); False for a trailing incomplete piece."""


class _Tok(StrEnum):
    """Kinds of lexical element the scanner tells apart; the values are the regex group names."""

    SPACE = "space"
    NEWLINE = "newline"
    WORD = "word"
    SEMICOLON = "semicolon"
    STRING = "string"
    QUOTED_NAME = "quoted_name"
    DOLLAR_STRING = "dollar_string"
    LINE_COMMENT = "line_comment"
    BLOCK_COMMENT = "block_comment"
    OTHER = "other"


# Possessive quantifiers (``*+``, ``++``) keep every alternative free of backtracking, so a failed closing
# delimiter costs nothing extra and the whole scan stays linear. Each quoted element matches even when it is
# never closed (then it runs to the end of input); its optional ``*_end`` group tells the two apart. Words
# and other punctuation take the blanks after them along, which halves the number of tokens to look at.
# A word starts with a letter, so '1APPLY' is a number then APPLY, as Cassandra's lexer reads it.
_SCANNER = re.compile(
    r"""
      (?P<space>[^\S\n]+)
    | (?P<newline>\n)
    | (?P<word>[^\W\d]\w*[^\S\n]*)
    | (?P<semicolon>;)
    | (?P<string>'(?:[^']++|'')*+(?P<string_end>')?)
    | (?P<quoted_name>"(?:[^"]++|"")*+(?P<quoted_name_end>")?)
    | (?P<dollar_string>\$\$(?:[^$]++|\$(?!\$))*+(?P<dollar_string_end>\$\$)?)
    | (?P<line_comment>(?:--|//)[^\r\n]*)
    | (?P<block_comment>/\*(?:[^*]++|\*(?!/))*+(?P<block_comment_end>\*/)?)
    | (?P<other>(?:[^\w\s'"$/;-]+|\d+|.)[^\S\n]*)
    """,
    re.VERBOSE | re.DOTALL,
)

# Elements that may be left open at end of input, mapped to the group that is set when they are closed.
_CLOSING_GROUP: dict[str, str] = {
    _Tok.STRING: "string_end",
    _Tok.QUOTED_NAME: "quoted_name_end",
    _Tok.DOLLAR_STRING: "dollar_string_end",
    _Tok.BLOCK_COMMENT: "block_comment_end",
}

# Tokens that are part of a statement's CQL, as opposed to terminators, whitespace and comments.
_SIGNIFICANT = frozenset({_Tok.WORD, _Tok.OTHER, _Tok.STRING, _Tok.QUOTED_NAME, _Tok.DOLLAR_STRING})

# Cassandra's grammar allows UNLOGGED and COUNTER; LOGGED is the default and accepted here too, since
# splitting a statement the parser will then reject is harmless.
_BATCH_KINDS = frozenset({"UNLOGGED", "COUNTER", "LOGGED"})


@dataclass(frozen=True)
class _Scan:
    statements: list[StatementText]
    open_at_end: bool
    """The input ends inside a string, quoted identifier, ``$$`` string or block comment."""


class _LineCounter:
    """Maps offsets to (line, column), moving forward only, so the total work is linear in the input."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0
        self._line = 1
        self._line_start = 0

    def locate(self, pos: int) -> tuple[int, int]:
        breaks = self._text.count("\n", self._pos, pos)
        if breaks:
            self._line += breaks
            self._line_start = self._text.rfind("\n", self._pos, pos) + 1
        self._pos = pos
        return self._line, pos - self._line_start


def _is_batch(head: list[str]) -> bool:
    """Whether a statement's first words (upper-cased; "" for a non-word) open a BATCH block."""
    if len(head) < 2 or head[0] != "BEGIN":
        return False
    if head[1] == "BATCH":
        return True
    return len(head) == 3 and head[1] in _BATCH_KINDS and head[2] == "BATCH"


def _scan(text: str, line_commands: frozenset[str]) -> _Scan:
    statements: list[StatementText] = []
    lines = _LineCounter(text)
    start = -1  # offset of the current statement's first significant character; -1 while there is none
    head: list[str] = []  # the statement's first three significant tokens, upper-cased words or ""
    ends_at_newline = False  # the statement is a line command
    maybe_batch = False  # the statement starts with BEGIN
    last_two = ("", "")  # the two most recent significant tokens while maybe_batch, to spot APPLY BATCH
    open_at_end = False

    def emit(end: int, terminated: bool, strip: bool = True) -> None:
        body = text[start:end]
        line, column = lines.locate(start)
        statements.append(StatementText(body.rstrip() if strip else body, line, column, terminated))

    for match in _SCANNER.finditer(text):
        kind = match.lastgroup or ""  # never empty: every alternative is a named group
        if kind in _SIGNIFICANT:
            closing = _CLOSING_GROUP.get(kind)
            if closing is not None and match.group(closing) is None:
                open_at_end = True
            if start < 0:
                start = match.start()
            # Words matter only at a statement's head and inside a batch; skipping them elsewhere keeps the
            # common path to a couple of comparisons per token.
            if len(head) < 3 or maybe_batch:
                raw = match.group().rstrip() if kind == _Tok.WORD else ""
                word = raw.upper()
                if not head:
                    maybe_batch = word == "BEGIN"
                    ends_at_newline = bool(raw) and raw.lower() in line_commands
                if len(head) < 3:
                    head.append(word)
                last_two = (last_two[1], word)
            continue
        if kind == _Tok.SEMICOLON:
            if start < 0:
                continue  # an empty statement, as in ';;'
            if maybe_batch and _is_batch(head) and last_two != ("APPLY", "BATCH"):
                last_two = ("", "")  # a ';' between APPLY and BATCH breaks the pair
                continue
        elif kind == _Tok.NEWLINE:
            if start < 0 or not ends_at_newline:
                continue
        else:  # whitespace or a comment
            if kind == _Tok.BLOCK_COMMENT and match.group("block_comment_end") is None:
                open_at_end = True
            continue
        # Only a ';' or a newline that ends the current statement gets here.
        emit(match.start(), terminated=True)
        start, head, ends_at_newline, maybe_batch, last_two = -1, [], False, False, ("", "")

    if start >= 0:
        emit(len(text), terminated=False, strip=not open_at_end)
    return _Scan(statements, open_at_end)


def split_statements(text: str, *, line_commands: frozenset[str] = frozenset()) -> list[StatementText]:
    """Split ``text`` into statements, the last possibly unterminated (see the module docstring).

    ``line_commands`` are lower-case first words of statements that also end at the end of their line.
    Never raises.
    """
    return _scan(text, _lower(line_commands)).statements


def is_complete(text: str, *, line_commands: frozenset[str] = frozenset()) -> bool:
    """True when ``text`` holds at least one statement and nothing but whitespace/comments after the last.

    Empty or comment-only text, an unterminated trailing statement and an unclosed block comment are all
    incomplete. Never raises.
    """
    scan = _scan(text, _lower(line_commands))
    return bool(scan.statements) and scan.statements[-1].terminated and not scan.open_at_end


def _lower(words: frozenset[str]) -> frozenset[str]:
    # Callers are asked for lower case; tolerating other spellings costs one pass over a handful of words.
    return words if all(w.islower() for w in words) else frozenset(w.lower() for w in words)
