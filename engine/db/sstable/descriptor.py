"""Naming of SSTable files: a descriptor (directory, generation, version, format) and its components.

An SSTable is a set of files in a table directory (``data/<keyspace>/<table>-<table_id_hex>/``) that share
a prefix, named like Cassandra's "big" format::

    nb-<generation>-big-<Component>        e.g. nb-7-big-Data.db, nb-7-big-TOC.txt
    tmp-nb-<generation>-big-<Component>    the same file while it is being written

``nb`` is the format version and ``big`` the format name; the generation is a positive integer unique in
the directory, growing with each new SSTable (flush or compaction output). The components are the
:class:`Component` members. ``TOC.txt`` lists the component file suffixes, one per line, itself included;
it is written last, atomically, so **an SSTable exists iff its TOC exists** (see ``writer``). Files with a
``tmp-`` prefix, and components whose generation has no TOC, are leftovers of an interrupted write.

Nothing here touches the disk except :func:`component_paths`, which reads a TOC.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from pathlib import Path

#: Prefix of a component while its SSTable is being written.
TMP_PREFIX = "tmp-"

_NAME = re.compile(
    r"^(?P<tmp>tmp-)?(?P<version>[a-z]{2})-(?P<generation>[1-9][0-9]*)-(?P<format>[a-z]+)-(?P<component>.+)$"
)


class Component(enum.Enum):
    """One file of an SSTable; the value is the file-name suffix."""

    DATA = "Data.db"
    INDEX = "Index.db"
    SUMMARY = "Summary.db"
    FILTER = "Filter.db"
    STATISTICS = "Statistics.db"
    COMPRESSION_INFO = "CompressionInfo.db"
    DIGEST = "Digest.crc32"
    TOC = "TOC.txt"

    @classmethod
    def from_suffix(cls, suffix: str) -> Component | None:
        try:
            return cls(suffix)
        except ValueError:
            return None


#: Every component, in the order the TOC lists them (TOC last: it is written last).
ALL_COMPONENTS: tuple[Component, ...] = tuple(Component)


@dataclass(frozen=True, slots=True)
class Descriptor:
    """Identifies one SSTable: where it lives and its generation."""

    directory: Path
    generation: int
    version: str = "nb"
    format: str = "big"

    def __post_init__(self) -> None:
        if not isinstance(self.directory, Path):
            object.__setattr__(self, "directory", Path(self.directory))
        if self.generation < 1:
            raise ValueError(f"SSTable generation must be positive, got {self.generation}")

    @property
    def prefix(self) -> str:
        """The file-name prefix shared by the components, e.g. ``nb-7-big``."""
        return f"{self.version}-{self.generation}-{self.format}"

    def filename(self, component: Component) -> Path:
        return self.directory / f"{self.prefix}-{component.value}"

    def tmp_filename(self, component: Component) -> Path:
        return self.directory / f"{TMP_PREFIX}{self.prefix}-{component.value}"

    def __str__(self) -> str:
        return str(self.directory / self.prefix)


@dataclass(frozen=True, slots=True)
class ParsedFilename:
    """What a file name says: which SSTable, which component, and whether it is a temporary file."""

    descriptor: Descriptor
    component: Component | None  # None: a suffix this version does not know
    temporary: bool


def parse_filename(path: Path) -> ParsedFilename | None:
    """The SSTable a file belongs to, or None if its name is not an SSTable component's."""
    match = _NAME.match(path.name)
    if match is None:
        return None
    descriptor = Descriptor(path.parent, int(match["generation"]), match["version"], match["format"])
    return ParsedFilename(descriptor, Component.from_suffix(match["component"]), bool(match["tmp"]))


def component_paths(descriptor: Descriptor) -> list[Path]:
    """The files of a complete SSTable, TOC included: what a snapshot hard-links.

    The TOC is the authority (it may list fewer components than this version writes, for an SSTable written
    by another version); without a TOC, the component files that exist are listed.
    """
    toc = descriptor.filename(Component.TOC)
    try:
        names = toc.read_text(encoding="ascii").split()
    except FileNotFoundError:
        return [p for p in (descriptor.filename(c) for c in ALL_COMPONENTS) if p.exists()]
    paths = [descriptor.directory / f"{descriptor.prefix}-{name}" for name in names]
    return paths if toc in paths else [*paths, toc]
