"""The commitlog: a node's write-ahead log of mutations, replayed at start-up to rebuild its memtables.

Every write a replica applies is first appended to the commitlog, then to a memtable; once a memtable is
flushed to an SSTable, the commitlog no longer needs the entries it covered. The pieces:

- ``format``: segment files (``CommitLog-<version>-<id>.log``), their header and entry framing, and
  ``CommitLogPosition`` (the end of an entry; positions are ordered).
- ``commitlog``: ``CommitLog`` — appending from many threads, the PERIODIC/BATCH/GROUP sync modes with a
  steppable syncer and injected clock and fsync, per-segment dirty tables and segment deletion, counters,
  and the start-up sequence (replay, flush, ``recycle_after_replay``).
- ``reader``: reading segments back (``replay(directory)``) and the damage policy: a torn tail of the last
  segment is dropped with a warning; corruption anywhere else raises ``CommitLogReplayError`` naming the
  file and offset.
- ``segment``: one segment file being written and its dirty-table bookkeeping.
- ``errors``: ``CommitLogError``, ``CommitLogReplayError``, ``MutationTooLargeError``.
"""

from engine.db.commitlog.commitlog import (
    DEFAULT_CONFIG,
    DEFAULT_SEGMENT_SIZE,
    CommitLog,
    CommitLogConfig,
    CommitLogStats,
    CommitLogSync,
)
from engine.db.commitlog.errors import CommitLogError, CommitLogReplayError, MutationTooLargeError
from engine.db.commitlog.format import NO_POSITION, CommitLogPosition, SegmentFile, list_segments
from engine.db.commitlog.reader import replay, replay_segments
from engine.db.commitlog.segment import SegmentInfo

__all__ = [
    "DEFAULT_CONFIG",
    "DEFAULT_SEGMENT_SIZE",
    "NO_POSITION",
    "CommitLog",
    "CommitLogConfig",
    "CommitLogError",
    "CommitLogPosition",
    "CommitLogReplayError",
    "CommitLogStats",
    "CommitLogSync",
    "MutationTooLargeError",
    "SegmentFile",
    "SegmentInfo",
    "list_segments",
    "replay",
    "replay_segments",
]
