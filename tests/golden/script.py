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

**Clusters** (DESIGN.md §6). A first line ``# nodes: 3`` (or ``# nodes: 3:2``) runs the file on a cluster of
that many nodes, with ``ks`` at replication factor ``min(3, nodes)``. A block whose first line starts with
``n2:`` (``n2: > SELECT ...``, ``n2: !> ...``) runs on node2 as coordinator (node1 otherwise); the shell's
keyspace and consistency level carry over. Directive lines drive the cluster between blocks:

    down n2              stop node2 (its peers see it DOWN at once)
    up n2                start it again (returns once every running node sees it UP)
    partition n1         cut node1 off from every other node (gossip does not notice for ~20 s)
    partition n1 n2      cut the link between node1 and node2
    heal                 restore every link
    flush                flush every node's memtables
    advance 3000ms       let 3 s of virtual time pass (timeouts, gossip, hint delivery)
    repair n1            run a full repair of every keyspace on node1 (``nodetool repair``; must succeed)
    bootstrap            add the next node (node4 after three) and bootstrap it (``cqlkit cluster add``)
    decommission n2      decommission node2 (``nodetool decommission``): it streams its ranges and leaves
    removenode n3        remove node3, which must be down, from the ring (``nodetool removenode``)

**Authentication.** A line ``# auth: PasswordAuthenticator CassandraAuthorizer`` among the leading comment
lines runs the file with that authenticator and authorizer, logged in as ``cassandra``; the directive
``login bob secret`` logs the shell's session in as another role (docs/security.md).

**Settings.** A line ``# dynamic_data_masking_enabled: true`` among the leading comment lines turns that
cassandra.yaml setting on for every node (it is off by default, as in Cassandra).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DIRECTIVE = re.compile(
    r"^(down|up|repair|decommission|removenode) n\d+$|^partition n\d+( n\d+)?$|^heal$|^flush$|^bootstrap$"
    r"|^advance \d+ms$|^login \S+ \S+$"
)
NODE_PREFIX = re.compile(r"^(n\d+): ")
NODES_HEADER = re.compile(r"^# nodes: (\d+(?::\d+)*)$")
AUTH_HEADER = re.compile(r"^# auth: (\w+) (\w+)$")


@dataclass
class Block:
    comments: list[str]
    statements: str
    expect_error: bool
    expected: str | None  # None: no '---' section
    node: str | None = None  # "n2": the coordinator, from an "n2: " prefix
    directive: str | None = None  # a cluster directive line instead of statements


def nodes_of(text: str) -> str | None:
    """The ``# nodes: N`` header of a script (``None``: one node)."""
    first = text.split("\n", 1)[0]
    found = NODES_HEADER.match(first)
    return found.group(1) if found else None


SETTING_HEADER = re.compile(r"^# (dynamic_data_masking_enabled): (true|false)$")


def settings_of(text: str) -> dict[str, bool]:
    """The ``# <setting>: true|false`` headers of a script."""
    found: dict[str, bool] = {}
    for line in text.split("\n"):
        if not line.startswith("#"):
            break
        match = SETTING_HEADER.match(line)
        if match:
            found[match.group(1)] = match.group(2) == "true"
    return found


def auth_of(text: str) -> tuple[str, str] | None:
    """The ``# auth: <authenticator> <authorizer>`` header of a script (``None``: AllowAll)."""
    for line in text.split("\n"):
        if not line.startswith("#"):
            return None
        found = AUTH_HEADER.match(line)
        if found:
            return found.group(1), found.group(2)
    return None


def _starts_block(line: str) -> bool:
    if line.startswith((">", "!>", "#")) or DIRECTIVE.match(line):
        return True
    prefixed = NODE_PREFIX.match(line)
    return prefixed is not None and line[prefixed.end() :].startswith((">", "!>"))


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
        if DIRECTIVE.match(line):
            blocks.append(Block(comments, "", False, None, directive=line))
            comments = []
            i += 1
            continue
        node = None
        prefixed = NODE_PREFIX.match(line)
        if prefixed and (line[prefixed.end() :].startswith(">") or line[prefixed.end() :].startswith("!>")):
            node = prefixed.group(1)
            line = line[prefixed.end() :]
            lines[i] = line
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
                while i < len(lines) and not _starts_block(lines[i]):
                    out.append(lines[i])
                    i += 1
                expected = "\n".join(out).rstrip("\n")
            blocks.append(Block(comments, "\n".join(statement_lines), expect_error, expected, node))
            comments = []
            continue
        if line.strip():
            raise ValueError(f"line {i + 1}: expected '>', '!>', '#', '---' or a directive, got {line!r}")
        i += 1
    return blocks


def render(blocks: list[Block]) -> str:
    parts = []
    for block in blocks:
        lines = list(block.comments)
        if block.directive is not None:
            lines.append(block.directive)
            parts.append("\n".join(lines))
            continue
        marker = "!> " if block.expect_error else "> "
        lines.extend(marker + s for s in block.statements.split("\n"))
        if block.node is not None:
            lines[len(block.comments)] = f"{block.node}: {lines[len(block.comments)]}"
        if block.expected is not None:
            lines.append("---")
            lines.append(block.expected)
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.test"))
