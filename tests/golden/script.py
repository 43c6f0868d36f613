"""Golden scripts: CQL statements with the exact text cqlsh prints for them.

A ``.test`` file is a sequence of blocks::

    # a comment line (kept when the file is rewritten)
    > CREATE TABLE t (k int PRIMARY KEY, v text);
    > SELECT * FROM t
    >   WHERE k = 1;
    ---
    <exactly what cqlsh prints on stdout for the block>
    !> SELECT nope FROM t;
    ---
    InvalidRequest: Error from server: code=2200 [Invalid query] message="Undefined column name nope in table ks.t"

Consecutive ``>`` lines (or consecutive ``!>`` lines) form one block (statements may span lines; several statements may share a
block); the text after ``---`` up to the next ``>``/``!>``/``#`` line is the expected stdout of the
block (stderr for a ``!>`` block, whose statements must fail, without the ``<stdin>:N:`` prefix); a
block without ``---`` must print nothing. Trailing blank lines of an expected output are not
significant (the file keeps one blank line between blocks). Each file runs on a fresh one-node cluster
with keyspace ``ks`` (SimpleStrategy, RF 1) current.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class Block:
    comments: list[str]
    statements: str
    expect_error: bool
    expected: str | None  # None: no '---' section


def parse(text: str) -> list[Block]:
    blocks: list[Block] = []
    comments: list[str] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            comments.append(line)
            i += 1
            continue
        if line.startswith(">") or line.startswith("!>"):
            expect_error = line.startswith("!>")
            statement_lines = []
            while i < len(lines) and lines[i].startswith("!>" if expect_error else ">"):
                current = lines[i]
                statement_lines.append(
                    current[2:]
                    if current.startswith("> ")
                    else current[3:]
                    if current.startswith("!> ")
                    else current.lstrip("!>")
                )
                i += 1
            expected = None
            if i < len(lines) and lines[i] == "---":
                i += 1
                out = []
                while i < len(lines) and not (
                    lines[i].startswith(">") or lines[i].startswith("!>") or lines[i].startswith("#")
                ):
                    out.append(lines[i])
                    i += 1
                expected = "\n".join(out).rstrip("\n")
            blocks.append(Block(comments, "\n".join(statement_lines), expect_error, expected))
            comments = []
            continue
        if line.strip():
            raise ValueError(f"line {i + 1}: expected '>', '!>', '#' or '---', got {line!r}")
        i += 1
    return blocks


def render(blocks: list[Block]) -> str:
    parts = []
    for block in blocks:
        lines = list(block.comments)
        marker = "!> " if block.expect_error else "> "
        lines.extend(marker + s for s in block.statements.split("\n"))
        if block.expected is not None:
            lines.append("---")
            lines.append(block.expected)
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.test"))
