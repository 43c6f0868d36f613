"""DESCRIBE results as cqlsh prints them (``cqlshmain.Shell.do_describe`` and its helpers).

Since Cassandra 4.0 the server answers DESCRIBE with rows; cqlsh prints them by the kind of DESCRIBE:

* ``KEYSPACES``: a blank line, the names in columns (``cmd.Cmd.columnize``, 80 characters), a blank line;
* ``TABLES``/``TYPES``/``FUNCTIONS``/``AGGREGATES``: per keyspace a blank line, a ``Keyspace <ks>`` header
  with a dashed rule (only when no keyspace is current), the names in columns; then a blank line;
* ``CLUSTER``: ``Cluster:``, ``Partitioner:``, ``Snitch:`` lines and the range ownership table;
* anything else: each ``create_statement`` between blank lines.

Errors print only the server message's text (cqlsh strips the ``Error from server ... message=`` part).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

_LIST_KINDS = ("columnfamilies", "tables", "types", "functions", "aggregates")


def describe_target(statement: str) -> str:
    """The word after DESCRIBE/DESC, lower-cased, as cqlsh dispatches on it ('' when absent)."""
    words = statement.split()
    if len(words) < 2:
        return ""
    word = words[1].lower().rstrip(";")
    if word == "full" and len(words) > 2:
        return "full"
    return word


def _columnize(names: Sequence[str]) -> str:
    out = io.StringIO()
    import cmd  # only DESCRIBE KEYSPACES/TABLES lays names out in columns

    cmd.Cmd(stdout=out).columnize(list(names), displaywidth=80)
    return out.getvalue()


def render_describe(target: str, rows: Sequence[Mapping[str, object]], current_keyspace: str | None) -> str:
    if target in _LIST_KINDS:
        return _list(rows, current_keyspace)
    if target == "keyspaces":
        return "\n" + _columnize([str(r["name"]) for r in rows]) + "\n"
    if target == "cluster":
        return _cluster(rows)
    parts = []
    for row in rows:
        parts.append("\n" + str(row["create_statement"]) + "\n")
    return "".join(parts)


def _list(rows: Sequence[Mapping[str, object]], current_keyspace: str | None) -> str:
    out = []
    keyspace: str | None = None
    names: list[str] = []

    def flush() -> None:
        out.append("\n")
        if current_keyspace is None:
            out.append(f"Keyspace {keyspace}\n")
            out.append("---------" + "-" * len(str(keyspace)) + "\n")
        out.append(_columnize(names))

    for row in rows:
        if row["keyspace_name"] != keyspace:
            if keyspace is not None:
                flush()
            keyspace = str(row["keyspace_name"])
            names = []
        names.append(str(row["name"]))
    if keyspace is not None:
        flush()
        out.append("\n")
    return "".join(out)


def _cluster(rows: Sequence[Mapping[str, object]]) -> str:
    out = []
    for row in rows:
        out.append(f"\nCluster: {row['cluster']}\n")
        out.append(f"Partitioner: {row['partitioner']}\n")
        out.append(f"Snitch: {row['snitch']}\n\n")
        ownership = row.get("range_ownership")
        if ownership is not None:
            out.append("Range ownership:\n")
            for token, hosts in dict(ownership).items():  # type: ignore[call-overload]
                out.append(f" {token:>39}  [{', '.join(hosts)}]\n")
            out.append("\n")
    return "".join(out)
