"""A table's storage at one instant (``TableView``): its memtables and SSTables, as one immutable value.

Writers (flush, compaction, truncate, import) build a new view and swap it in under the store's lock;
readers take the current reference and never block on them. A view precomputes what every read needs:
the memtables in the order reads ask them, the SSTables newest first (by max timestamp, the order slice
reads visit them in), and each SSTable's key range and bloom filter words for the point reads' probe loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.db.memtable import Memtable
from engine.db.sstable import SSTableReader


@dataclass(frozen=True, slots=True)
class TableView:
    memtable: Memtable
    flushing: tuple[Memtable, ...] = ()
    sstables: tuple[SSTableReader, ...] = ()
    compacting: frozenset[int] = field(default_factory=frozenset)
    #: ``sstables`` by decreasing max timestamp: the order partition reads visit them in.
    newest_first: tuple[SSTableReader, ...] = field(init=False, compare=False)
    #: What ``get`` tests before it touches an SSTable, per SSTable: (first token, last token, bloom
    #: filter words, word count, reader), when every SSTable has a bloom filter with ``probe_hashes``
    #: hash functions (else ``probes`` is empty and ``get`` asks each ``SSTableReader.get``).
    probes: tuple[tuple[int, int, Any, int, SSTableReader], ...] = field(init=False, compare=False)
    probe_hashes: int = field(init=False, compare=False)

    #: ``memtables``, computed once.
    all_memtables: tuple[Memtable, ...] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "all_memtables", (self.memtable, *self.flushing))
        ordered = sorted(self.sstables, key=lambda r: r.statistics.max_timestamp, reverse=True)
        object.__setattr__(self, "newest_first", tuple(ordered))
        hashes = {r.bloom.hash_count if r.bloom.word_count else 0 for r in self.sstables}
        uniform = len(hashes) == 1 and 0 not in hashes
        probes = tuple(
            (r.first[0], r.last[0], r.bloom.words, r.bloom.word_count, r) for r in self.sstables if uniform
        )
        object.__setattr__(self, "probes", probes)
        object.__setattr__(self, "probe_hashes", hashes.pop() if uniform else 0)

    @property
    def memtables(self) -> tuple[Memtable, ...]:
        return self.all_memtables
