"""The SSTables of one table directory: listing, generations, start-up cleanup and deletion.

A table directory (``data/<keyspace>/<table>-<table_id_hex>/``) holds the components of its SSTables
(see ``descriptor``) and a ``snapshots/`` subdirectory, which is not looked into here.

* ``list`` returns the complete SSTables: those whose TOC exists (the writer renames the TOC into place
  last, so a listed SSTable has all its components).
* ``next_generation`` hands out generations above every generation seen on disk, temporary files
  included, and above every one it handed out before (two writers of one table never collide).
* ``cleanup_incomplete`` (start-up, before anything writes) deletes temporary files and the components of
  generations without a TOC: the leftovers of writes a crash interrupted.
* ``delete`` removes the TOC first and syncs the directory, then the other components: a crash in between
  leaves an invisible SSTable for the next ``cleanup_incomplete``, never a visible one with files missing.
"""

from __future__ import annotations

import builtins
import threading
from pathlib import Path

from engine.db.sstable.descriptor import (
    ALL_COMPONENTS,
    Component,
    Descriptor,
    ParsedFilename,
    component_paths,
    parse_filename,
)
from engine.db.sstable.files import fsync_directory, remove_if_exists


class SSTableDirectory:
    """The SSTables of one table directory. ``next_generation`` is thread-safe."""

    def __init__(self, path: Path | str, *, version: str = "nb", format: str = "big") -> None:
        self.path = Path(path)
        self.version = version
        self.format = format
        self._lock = threading.Lock()
        self._last_generation = 0

    def list(self) -> builtins.list[Descriptor]:
        """The complete SSTables, by generation."""
        found = set()
        for parsed in self._parsed():
            if parsed.component is Component.TOC and not parsed.temporary:
                found.add(parsed.descriptor)
        return sorted(found, key=lambda d: d.generation)

    def next_generation(self) -> int:
        """A generation above every one in the directory and in its ``backups/`` (an incremental backup
        must never meet a second SSTable of the same name)."""
        with self._lock:
            parsed = [*self._parsed(), *self._parsed(self.path / "backups")]
            on_disk = max((p.descriptor.generation for p in parsed), default=0)
            self._last_generation = max(self._last_generation, on_disk) + 1
            return self._last_generation

    def new_descriptor(self) -> Descriptor:
        """A descriptor for a new SSTable in this directory."""
        return Descriptor(self.path, self.next_generation(), self.version, self.format)

    def cleanup_incomplete(self) -> builtins.list[Path]:
        """Delete temporary files and components of SSTables without a TOC; returns what was deleted."""
        complete = set(self.list())
        removed = []
        for path in sorted(self.path.iterdir()) if self.path.is_dir() else ():
            parsed = parse_filename(path)
            if parsed is None or not path.is_file():
                continue
            incomplete = parsed.temporary or parsed.descriptor not in complete
            if incomplete and remove_if_exists(path):
                removed.append(path)
        return removed

    def delete(self, descriptor: Descriptor, *, sync: bool = True) -> None:
        """Delete an SSTable: TOC first (made durable), then every other component."""
        listed = component_paths(descriptor)  # read before the TOC goes: it may name other components
        remove_if_exists(descriptor.filename(Component.TOC))
        if sync:
            fsync_directory(descriptor.directory)
        for path in {*listed, *(descriptor.filename(c) for c in ALL_COMPONENTS)}:
            remove_if_exists(path)

    def _parsed(self, path: Path | None = None) -> builtins.list[ParsedFilename]:
        path = self.path if path is None else path
        if not path.is_dir():
            return []
        return [p for p in map(parse_filename, path.iterdir()) if p is not None]
