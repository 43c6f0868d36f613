"""SSTables: the immutable, sorted files a table's memtables are flushed to and compaction rewrites.

An SSTable holds partitions in token order (ties by key bytes, unsigned), each in the partition format of
``engine.db.serialization``. Its files (components, named like Cassandra's ``nb-<generation>-big-*``):

=====================  =========================================================================  =========
component              holds                                                                       loaded
=====================  =========================================================================  =========
Data.db                the partitions, as one stream cut into LZ4 chunks, each with its CRC32      on demand
CompressionInfo.db     chunk length, stream lengths, where each chunk starts                      on open
Index.db               per partition: token, key, position and size in the stream, in blocks      on demand
Summary.db             the first key of every index block and where it starts; first/last key     on open
Filter.db              bloom filter over the partition keys                                        on open
Statistics.db          timestamps, deletion times, TTLs, counts, histograms, level, repaired_at    on open
Digest.crc32           CRC32 of Data.db, decimal text                                              verify
TOC.txt                the component list, written last: the SSTable exists iff it exists          on open
=====================  =========================================================================  =========

Every component but TOC and Digest is checksummed (CRC32 per chunk, per index block, or of the whole
small file); damage raises :class:`CorruptSSTableError` naming the file and offset. Byte layouts are in
the docstrings of ``compression``, ``index``, ``bloom`` and ``statistics``; the write protocol in
``writer``; the read path in ``reader``; naming in ``descriptor``; listing and cleanup in ``directory``.
"""

from engine.db.sstable.bloom import BloomFilter
from engine.db.sstable.descriptor import (
    ALL_COMPONENTS,
    Component,
    Descriptor,
    ParsedFilename,
    component_paths,
    parse_filename,
)
from engine.db.sstable.directory import SSTableDirectory
from engine.db.sstable.errors import CorruptSSTableError, SSTableError, SSTableOrderError
from engine.db.sstable.reader import BloomFilterStats, ScanBound, SSTableReader
from engine.db.sstable.statistics import (
    EstimatedHistogram,
    StatsMetadata,
    load_statistics,
    rewrite_statistics,
    with_level,
    with_repaired_at,
)
from engine.db.sstable.writer import SSTableWriter

__all__ = [
    "ALL_COMPONENTS",
    "BloomFilter",
    "BloomFilterStats",
    "Component",
    "CorruptSSTableError",
    "Descriptor",
    "EstimatedHistogram",
    "ParsedFilename",
    "SSTableDirectory",
    "SSTableError",
    "SSTableOrderError",
    "SSTableReader",
    "SSTableWriter",
    "ScanBound",
    "StatsMetadata",
    "component_paths",
    "load_statistics",
    "parse_filename",
    "rewrite_statistics",
    "with_level",
    "with_repaired_at",
]
