"""Table snapshots: hard links of a table's SSTables under ``<table dir>/snapshots/<tag>/``.

A snapshot directory holds a hard link to every component of every live SSTable of the table (taken
after a flush, unless told to skip it), a ``manifest.json`` and a ``schema.cql`` that recreates the
table, as Cassandra writes them::

    manifest.json = {"files": ["nb-1-big-Data.db", ...], "created_at": "2026-11-22T03:00:00.000Z",
                     "expires_at": null, "ephemeral": false}

Hard links cost no space until compaction deletes the live files they share: nodetool's *true size*
counts only files no live SSTable still links (link count 1), *size on disk* counts every file.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

SNAPSHOTS = "snapshots"
MANIFEST = "manifest.json"
SCHEMA = "schema.cql"


class SnapshotError(Exception):
    """A snapshot that cannot be taken or cleared, with the reason nodetool prints."""


@dataclass(frozen=True, slots=True)
class SnapshotDetails:
    tag: str
    keyspace: str
    table: str
    directory: Path
    size_on_disk: int
    true_size: int
    created_at: datetime | None
    expires_at: datetime | None
    ephemeral: bool


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _parse_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def validate_tag(tag: str) -> None:
    if not tag:
        raise SnapshotError("You must supply a snapshot name.")
    if os.sep in tag or (os.altsep and os.altsep in tag) or tag in (".", ".."):
        raise SnapshotError(f"Snapshot name cannot contain {os.sep}")


def take(
    table_directory: Path,
    tag: str,
    files: Iterable[Path],
    schema_cql: str,
    *,
    now: datetime,
    ttl: timedelta | None = None,
    ephemeral: bool = False,
) -> Path:
    """Hard-link ``files`` (the components of the live SSTables) into a new snapshot ``tag``."""
    validate_tag(tag)
    target = table_directory / SNAPSHOTS / tag
    if target.exists():
        raise SnapshotError(f"Snapshot {tag} already exists.")
    target.mkdir(parents=True)
    names = []
    for path in files:
        os.link(path, target / path.name)
        names.append(path.name)
    manifest = {
        "files": sorted(names),
        "created_at": _iso(now),
        "expires_at": _iso(now + ttl) if ttl is not None else None,
        "ephemeral": ephemeral,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (target / SCHEMA).write_text(
        schema_cql if schema_cql.endswith("\n") else schema_cql + "\n", encoding="utf-8"
    )
    return target


def list_snapshots(table_directory: Path, keyspace: str, table: str) -> list[SnapshotDetails]:
    """The snapshots of one table, by tag."""
    root = table_directory / SNAPSHOTS
    if not root.is_dir():
        return []
    details = []
    for directory in sorted(p for p in root.iterdir() if p.is_dir()):
        size_on_disk = true_size = 0
        for path in directory.iterdir():
            stat = path.stat()
            size_on_disk += stat.st_size
            if stat.st_nlink == 1:
                true_size += stat.st_size
        manifest = _read_manifest(directory)
        details.append(
            SnapshotDetails(
                tag=directory.name,
                keyspace=keyspace,
                table=table,
                directory=directory,
                size_on_disk=size_on_disk,
                true_size=true_size,
                created_at=_parse_iso(manifest.get("created_at")),
                expires_at=_parse_iso(manifest.get("expires_at")),
                ephemeral=bool(manifest.get("ephemeral", False)),
            )
        )
    return details


def _read_manifest(directory: Path) -> dict[str, object]:
    try:
        loaded = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def clear(table_directory: Path, tag: str | None = None, *, older_than: datetime | None = None) -> list[str]:
    """Delete snapshot ``tag`` (all snapshots when None), or those created before ``older_than``.

    Returns the tags removed.
    """
    root = table_directory / SNAPSHOTS
    if not root.is_dir():
        return []
    removed = []
    for directory in sorted(p for p in root.iterdir() if p.is_dir()):
        if tag is not None and directory.name != tag:
            continue
        if older_than is not None:
            created = _parse_iso(_read_manifest(directory).get("created_at"))  # type: ignore[arg-type]
            if created is None or created >= older_than:
                continue
        shutil.rmtree(directory)
        removed.append(directory.name)
    if root.is_dir() and not any(root.iterdir()):
        root.rmdir()
    return removed


def expired(table_directory: Path, now: datetime) -> list[str]:
    """Tags of snapshots whose TTL has passed (the node clears them periodically)."""
    return [
        d.tag
        for d in list_snapshots(table_directory, "", "")
        if d.expires_at is not None and d.expires_at <= now
    ]
