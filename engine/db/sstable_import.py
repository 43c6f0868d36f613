"""Loading SSTables from outside the table's life: ``nodetool import`` and ``nodetool refresh``.

A restore copies SSTables (from a snapshot, a backup, another node) either into the table directory
(``refresh``) or anywhere (``import <dir>...``). Loading them, as Cassandra's ``SSTableImporter`` does:

1. list the complete SSTables (TOC present) of each source directory — for the table directory itself,
   those that are not live;
2. open each (every small component's CRC32 checked) and, unless ``verify`` is off, verify it whole
   (Data.db against its Digest, every chunk CRC, the index, every partition). If one SSTable of a directory
   fails, **nothing of that directory is loaded**: it is reported as failed (with the reason in the log and
   in the result), as nodetool reports "Some directories failed to import";
3. give each SSTable a new generation of the table: its components are hard-linked (copied across file
   systems, or always with ``copy_data``) under the new names, TOC last so that a crash leaves nothing
   visible; the level is reset to 0 and the repaired mark cleared unless ``keep_level``/``keep_repaired``
   (Statistics.db is rewritten to a new file, never through a link that a snapshot shares);
4. make them live in one step, then remove the source files (unless ``copy_data``), TOC first.

A second import of the same files finds nothing left to load (they moved).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engine.db.sstable import (
    Component,
    Descriptor,
    SSTableDirectory,
    SSTableError,
    SSTableReader,
    component_paths,
    load_statistics,
    rewrite_statistics,
)
from engine.db.sstable.files import fsync_directory, remove_if_exists

if TYPE_CHECKING:
    from engine.db.column_family_store import ColumnFamilyStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """nodetool import's switches (``--keep-level``, ``--keep-repaired``, ``--no-verify``, ``--copy-data``)."""

    keep_level: bool = False
    keep_repaired: bool = False
    verify: bool = True
    copy_data: bool = False


DEFAULT_IMPORT = ImportOptions()


@dataclass(frozen=True, slots=True)
class ImportFailure:
    directory: Path
    sstable: str  # the SSTable that failed, e.g. ``nb-3-big``
    reason: str


@dataclass(frozen=True, slots=True)
class ImportResult:
    imported: tuple[Descriptor, ...]  # under their new generations
    failures: tuple[ImportFailure, ...]

    @property
    def failed_directories(self) -> tuple[Path, ...]:
        return tuple(dict.fromkeys(f.directory for f in self.failures))


def import_sstables(
    cfs: ColumnFamilyStore, directories: list[Path] | None, options: ImportOptions
) -> ImportResult:
    """Load the SSTables of ``directories`` (None: those copied into the table directory) into ``cfs``."""
    sources = [cfs.directory] if directories is None else [Path(d) for d in directories]
    live = {r.descriptor for r in cfs.view.sstables}
    failures: list[ImportFailure] = []
    accepted: list[Descriptor] = []
    for directory in sources:
        if not directory.is_dir():
            failures.append(ImportFailure(directory, "", f"{directory} is not a directory"))
            continue
        found = [d for d in SSTableDirectory(directory).list() if d not in live]
        problems = [f for d in found if (f := _check(d, options.verify)) is not None]
        if problems:
            for problem in problems:
                log.warning("Failed verifying sstable %s in directory %s: %s", problem.sstable, directory,
                            problem.reason)  # fmt: skip
            failures.extend(problems)
            continue
        accepted.extend(found)
    placed: list[tuple[Descriptor, Descriptor]] = []
    try:
        for source in accepted:
            placed.append((source, _place(cfs, source, options)))
        readers = tuple(SSTableReader.open(new, caches=cfs.caches) for _source, new in placed)
    except BaseException:
        for _source, new in placed:
            cfs.sstable_directory.delete(new)
        raise
    cfs.add_sstables(readers)
    if not options.copy_data:
        for source, _new in placed:
            _remove(source)
    for listener in cfs.flush_listeners:  # new SSTables: let the strategy see them
        listener(cfs)
    return ImportResult(tuple(new for _source, new in placed), tuple(failures))


def _check(descriptor: Descriptor, verify: bool) -> ImportFailure | None:
    try:
        with SSTableReader.open(descriptor) as reader:
            if verify:
                reader.verify()
    except (SSTableError, OSError) as error:
        return ImportFailure(descriptor.directory, descriptor.prefix, str(error))
    return None


def _place(cfs: ColumnFamilyStore, source: Descriptor, options: ImportOptions) -> Descriptor:
    """Link (or copy) ``source`` into the table directory under a new generation; TOC last."""
    target = cfs.sstable_directory.new_descriptor()
    sync = cfs.params.sync_sstables
    toc = source.filename(Component.TOC)
    files = [p for p in component_paths(source) if p != toc]
    for path in files:
        _transfer(path, target.directory / path.name.replace(source.prefix, target.prefix, 1), options)
    stats = load_statistics(source)
    changed = stats
    if not options.keep_level and stats.level:
        changed = dataclasses.replace(changed, level=0)
    if not options.keep_repaired and stats.repaired_at:
        changed = dataclasses.replace(changed, repaired_at=0)
    if changed is not stats:
        rewrite_statistics(target, changed, sync=sync)
    if sync:
        fsync_directory(target.directory)
    _transfer(toc, target.filename(Component.TOC), options)
    if sync:
        fsync_directory(target.directory)
    return target


def _transfer(source: Path, destination: Path, options: ImportOptions) -> None:
    if not options.copy_data:
        try:
            os.link(source, destination)
            return
        except OSError:
            pass  # another file system: copy
    shutil.copyfile(source, destination)


def _remove(descriptor: Descriptor) -> None:
    """Delete the source SSTable, TOC first (a crash then leaves no half SSTable visible)."""
    paths = component_paths(descriptor)
    toc = descriptor.filename(Component.TOC)
    remove_if_exists(toc)
    for path in paths:
        remove_if_exists(path)
