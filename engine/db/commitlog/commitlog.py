"""The commitlog of one node: appends, sync modes, segment lifecycle, and the start-up sequence.

**Appending.** ``append(mutation)`` frames the serialized mutation (see ``format``) and writes it to the
allocating segment under the log's lock, so positions are handed out in file order; it returns the
position at the end of the entry. When the entry does not fit, the allocating segment is fsynced and
closed and a new one (next id) takes over. A mutation whose entry is larger than half a segment could not
be relied on to fit and is refused with ``MutationTooLargeError`` (Cassandra's ``max_mutation_size``).

**Sync modes** (``commitlog_sync``):

- ``PERIODIC`` (default): ``append`` returns once the bytes are in the OS page cache (a killed process
  loses nothing; a power loss may lose the last period). A sync is due every ``sync_period`` seconds by the
  injected monotonic clock. If the last sync started more than 1.5 periods ago (Cassandra's
  ``periodic_commitlog_sync_lag_block``), writers wait for a sync — performing it themselves if nobody
  else is — so a stalled syncer bounds the loss window instead of letting it grow.
- ``BATCH``: ``append`` returns only after an fsync that covers its entry. Writers group: one of the
  waiting writers (the leader) fsyncs everything written so far while the others wait on a condition
  variable; when it finishes, every writer it covered returns, and if more arrived meanwhile, one of them
  leads the next fsync. So N concurrent writers cost far fewer than N fsyncs, with no syncer thread.
- ``GROUP``: like BATCH, but writers only wait; the syncer (``start()``, or a test calling ``sync()``)
  fsyncs once every ``group_window``.

**Steppable background work.** ``sync()`` fsyncs now; ``sync_if_due()`` fsyncs if the injected clock says
the period (or group window) has elapsed since the last sync started. Real nodes call ``start()``, which
runs a daemon thread calling ``sync_if_due`` and sleeping (real time) until the next one is due; ``stop()``
ends it. Tests call ``sync()``/``sync_if_due()`` with a fake clock and an injected ``fsync`` instead.
``wait_for(predicate)`` blocks (on the log's condition variable, not by polling) until the counters
satisfy a predicate — a hook for tests and for drain.

**Segment lifecycle.** Each segment records which tables (by id) have unflushed data in it (see
``segment``). A memtable flush calls ``discard_completed_segments(table_id, flushed_upto)``; segments that
are no longer allocating and have no dirty table left are deleted. They are not recycled (renamed and
reused): Cassandra dropped recycling in 2.2 (CASSANDRA-8771), and deleting keeps a segment's name, id and
contents in one-to-one correspondence. ``close()`` syncs, closes, and deletes the segments with nothing
dirty (after a drain nothing is left to replay).

**Start-up sequence.** Opening a commitlog on a directory never appends into existing segments: they are
remembered as *to replay*, and new segments get ids above theirs. The node then::

    log = CommitLog(node_dir / "commitlog", config)
    for position, mutation in log.replay():   # segments that existed at open, oldest first
        apply(mutation, position)              # to memtables
    flush_all_memtables()
    log.recycle_after_replay()                 # deletes the replayed segments, fsyncs the directory
    log.start()                                # background syncer; now accept writes

``append`` refuses to run while replayed segments are still present: a crash between writing a new
segment and deleting the replayed ones would leave a torn old segment in front of a newer one, which
replay must treat as corruption (see ``reader``). A crash anywhere before ``recycle_after_replay`` leaves
the old segments untouched, and the next start replays them again.

**Failures.** A failed write or fsync leaves the file in an unknown state (a partial entry, or pages the
kernel dropped), so the log stops: that call and every later one raise ``CommitLogError`` (Cassandra's
``commit_failure_policy: stop``).

**Threads.** Any number of threads may call ``append``; one lock guards the segment list and counters,
and fsyncs run outside it on a duplicate of the segment's file descriptor, so a segment switch or deletion
never closes a descriptor under a running fsync.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from engine.db.commitlog.errors import CommitLogError, MutationTooLargeError
from engine.db.commitlog.format import (
    ENTRY_OVERHEAD,
    HEADER_SIZE,
    NO_POSITION,
    TEMP_SUFFIX,
    CommitLogPosition,
    SegmentFile,
    list_segments,
)
from engine.db.commitlog.reader import replay_segments
from engine.db.commitlog.segment import Segment, SegmentInfo
from engine.db.mutation import Mutation

logger = logging.getLogger(__name__)

# CommitLogPosition(a, b) without the named tuple's Python-level __new__ (every write makes one).
_new_position = tuple.__new__

#: Cassandra's default ``commitlog_segment_size``.
DEFAULT_SEGMENT_SIZE = 32 * 1024 * 1024
# Cassandra blocks writers once the periodic sync lags this many periods behind.
_LAG_BLOCK_PERIODS = 1.5


class CommitLogSync(enum.Enum):
    """When an append is durable (``commitlog_sync``)."""

    PERIODIC = "periodic"
    BATCH = "batch"
    GROUP = "group"


@dataclass(frozen=True, slots=True)
class CommitLogConfig:
    """The commitlog part of the node configuration (cassandra.yaml names in comments)."""

    segment_size: int = DEFAULT_SEGMENT_SIZE  # commitlog_segment_size
    sync: CommitLogSync = CommitLogSync.PERIODIC  # commitlog_sync
    sync_period: float = 10.0  # commitlog_sync_period, seconds (PERIODIC)
    # commitlog_sync_group_window, seconds (GROUP); cassandra.yaml has no default, its example is 1000ms.
    group_window: float = 0.015

    def __post_init__(self) -> None:
        if self.segment_size < 4 * HEADER_SIZE:
            raise ValueError(f"commitlog_segment_size must be at least {4 * HEADER_SIZE} bytes")
        if self.sync_period <= 0 or self.group_window <= 0:
            raise ValueError("commitlog sync period and group window must be positive")

    @property
    def max_mutation_size(self) -> int:
        """The largest entry (body + framing) accepted: half a segment, as in Cassandra."""
        return self.segment_size // 2


DEFAULT_CONFIG = CommitLogConfig()


@dataclass(frozen=True, slots=True)
class CommitLogStats:
    """Counters for nodetool/metrics (Cassandra's ``CommitLogMetrics`` names in comments)."""

    completed_tasks: int  # CompletedTasks: entries appended since open
    pending_tasks: int  # PendingTasks: entries written but not yet fsynced
    waiting_on_commit: int  # WaitingOnCommit: appends blocked until an fsync covers them
    syncs: int  # fsyncs of segment data performed
    active_segments: int  # live segments written by this log (not those awaiting replay)
    total_size: int  # TotalCommitLogSize: bytes on disk, including segments awaiting replay


class CommitLog:
    """A node's commitlog in one directory. See the module docstring for the protocol."""

    def __init__(
        self,
        directory: Path | str,
        config: CommitLogConfig = DEFAULT_CONFIG,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        fsync: Callable[[int], None] = os.fsync,
    ) -> None:
        self.directory = Path(directory)
        self.config = config
        self._clock = clock
        self._fsync = fsync
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            for leftover in self.directory.glob(f"CommitLog-*.log{TEMP_SUFFIX}"):
                # A segment whose header was never completed holds no entries.
                logger.info("removing unfinished commitlog segment %s", leftover)
                leftover.unlink()
        except OSError as error:
            raise CommitLogError(f"cannot open commitlog directory {self.directory}: {error}") from error
        self._to_replay: tuple[SegmentFile, ...] = list_segments(self.directory)
        highest = max((s.segment_id for s in self._to_replay), default=-1)
        self._next_id = max(int(wall_clock() * 1000), highest + 1)

        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._observers = 0  # threads in wait_for: appends notify only when someone watches
        self._segments: list[Segment] = []  # live segments, oldest first; the last may be allocating
        self._active: Segment | None = None  # created on the first append
        self._synced = NO_POSITION
        self._last_sync = clock()  # clock reading when the last sync started
        self._sync_leader = False
        self._failure: str | None = None
        self._closing = False
        self._appended = 0
        self._appended_synced = 0
        self._waiting = 0
        self._syncs = 0
        self._thread: threading.Thread | None = None
        self._stop_event = threading.Event()

    # ------------------------------------------------------------------------------------ appending

    @property
    def max_mutation_size(self) -> int:
        return self.config.max_mutation_size

    def append(self, mutation: Mutation, body: bytes | None = None) -> CommitLogPosition:
        """Log ``mutation``; returns the position just past its entry once the sync mode allows.

        ``body`` is ``mutation.serialize()`` when the caller already has it (it is not computed twice).
        """
        if body is None:
            body = mutation.serialize()
        config = self.config
        size = len(body) + ENTRY_OVERHEAD
        if size > config.max_mutation_size:
            raise MutationTooLargeError(size, config.max_mutation_size)
        with self._lock:  # the condition's lock, taken directly (append is the hot path)
            if self._failure is not None or self._closing or self._to_replay:
                self._check_writable()
            segment = self._active
            if segment is None or segment.size + size > config.segment_size:
                segment = self._allocate(size)
            try:
                end = segment.write_entry(body)  # encode_entry(body), framed in place
            except OSError as error:
                raise self._fail(f"failed to write commitlog segment {segment.path}: {error}") from error
            dirty = segment.dirty
            for table_id, _ in mutation.updates:
                dirty[table_id] = end
            position = _new_position(CommitLogPosition, (segment.segment_id, end))
            self._appended += 1
            if self._observers:
                self._cond.notify_all()  # wake wait_for observers
            mode = config.sync
            if mode is CommitLogSync.PERIODIC:
                lagging = self._clock() - self._last_sync > _LAG_BLOCK_PERIODS * config.sync_period
                if not lagging:
                    return position
        self._await_sync(position, may_lead=mode is not CommitLogSync.GROUP)
        return position

    def _check_writable(self) -> None:
        self._raise_if_failed()
        if self._closing:
            raise CommitLogError(f"commitlog {self.directory} is closed")
        if self._to_replay:
            raise CommitLogError(
                f"commitlog {self.directory} still holds {len(self._to_replay)} segment(s) from before "
                "start-up: replay them and call recycle_after_replay() before appending"
            )

    def _raise_if_failed(self) -> None:
        if self._failure is not None:
            raise CommitLogError(self._failure)

    def _fail(self, message: str) -> CommitLogError:
        """Stop the log (lock held): this and every later call raise ``message``."""
        logger.error("%s; the commitlog stops accepting writes", message)
        self._failure = message
        self._cond.notify_all()
        return CommitLogError(message)

    def _allocate(self, entry_size: int) -> Segment:
        segment = self._active
        if segment is not None and segment.size + entry_size <= self.config.segment_size:
            return segment
        if segment is not None:
            self._retire(segment)
        segment_id = self._next_id
        self._next_id += 1
        try:
            segment = Segment.create(self.directory, segment_id, self.config.segment_size)
        except OSError as error:
            raise CommitLogError(f"cannot create commitlog segment in {self.directory}: {error}") from error
        self._segments.append(segment)
        self._active = segment
        return segment

    def _retire(self, segment: Segment) -> None:
        """Fsync and close a full segment (lock held) before anything goes to the next one.

        Syncing it completely first is what lets replay tolerate a torn write only in the newest segment.
        """
        try:
            segment.finish()  # cut to what was written: only the newest segment may end in zeros
            self._fsync(segment.fd)
            if not segment.directory_synced:
                self._fsync_directory()
                segment.directory_synced = True
        except OSError as error:
            raise self._fail(f"failed to sync commitlog segment {segment.path}: {error}") from error
        segment.close()
        self._active = None
        self._synced = max(self._synced, CommitLogPosition(segment.segment_id, segment.size))
        self._appended_synced = self._appended
        self._syncs += 1
        if not segment.dirty:
            self._segments.remove(segment)
            segment.delete()
        self._cond.notify_all()

    def _await_sync(self, position: CommitLogPosition, *, may_lead: bool) -> None:
        """Return once an fsync covers ``position``; lead the next fsync if allowed and nobody is."""
        with self._cond:
            self._waiting += 1
            self._cond.notify_all()
        try:
            while True:
                with self._cond:
                    while not self._covered(position) and (self._sync_leader or not may_lead):
                        self._cond.wait()
                    if self._covered(position):
                        return
                    self._sync_leader = True
                try:
                    self.sync()
                finally:
                    with self._cond:
                        self._sync_leader = False
                        self._cond.notify_all()
        finally:
            with self._cond:
                self._waiting -= 1
                self._cond.notify_all()

    def _covered(self, position: CommitLogPosition) -> bool:
        self._raise_if_failed()
        if position <= self._synced:
            return True
        if self._active is None and self._closing:
            raise CommitLogError(f"commitlog {self.directory} closed before {position} was synced")
        return False

    # -------------------------------------------------------------------------------------- syncing

    def sync(self) -> None:
        """Fsync everything appended so far, then wake the appends waiting for it."""
        with self._cond:
            self._raise_if_failed()
            started = self._clock()
            segment = self._active
            if segment is None or (
                CommitLogPosition(segment.segment_id, segment.size) <= self._synced
                and segment.directory_synced
            ):
                self._last_sync = max(self._last_sync, started)
                return
            target = CommitLogPosition(segment.segment_id, segment.size)
            appended = self._appended
            sync_directory = not segment.directory_synced
            # A duplicate descriptor: the segment may be retired (closed) while this fsync runs.
            fd = os.dup(segment.fd)
        try:
            try:
                self._fsync(fd)
                if sync_directory:
                    self._fsync_directory()
            finally:
                os.close(fd)
        except OSError as error:
            with self._cond:
                failure = self._fail(f"failed to sync commitlog segment {segment.path}: {error}")
            raise failure from error
        with self._cond:
            self._synced = max(self._synced, target)
            self._appended_synced = max(self._appended_synced, appended)
            if sync_directory:
                segment.directory_synced = True
            self._syncs += 1
            self._last_sync = max(self._last_sync, started)
            self._cond.notify_all()

    def _fsync_directory(self) -> None:
        # A new segment's directory entry must be durable too, or the file can vanish after a power loss.
        fd = os.open(self.directory, os.O_RDONLY)
        try:
            self._fsync(fd)
        finally:
            os.close(fd)

    @property
    def _interval(self) -> float:
        if self.config.sync is CommitLogSync.GROUP:
            return self.config.group_window
        return self.config.sync_period

    def seconds_until_sync_due(self) -> float:
        """How long (by the injected clock) until ``sync_if_due`` would sync; 0 if it is due."""
        with self._cond:
            return max(0.0, self._last_sync + self._interval - self._clock())

    def sync_if_due(self) -> bool:
        """Sync if a period (GROUP: a group window) has passed since the last sync started."""
        with self._cond:
            if self._closing or self._clock() - self._last_sync < self._interval:
                return False
        self.sync()
        return True

    def start(self) -> None:
        """Start the background syncer (PERIODIC and GROUP; BATCH writers sync themselves)."""
        with self._cond:
            if self._thread is not None or self.config.sync is CommitLogSync.BATCH or self._closing:
                return
            self._stop_event = threading.Event()
            self._thread = threading.Thread(
                target=self._run, args=(self._stop_event,), name="COMMIT-LOG-WRITER", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop the background syncer, if running, and wait for it to finish."""
        with self._cond:
            thread, self._thread = self._thread, None
            self._stop_event.set()
        if thread is not None:
            thread.join()

    def _run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.sync_if_due()
            except CommitLogError:
                return  # the log has failed and said why; appends report it
            # Real-time sleep, but the injected clock decides when the next sync is due.
            stop.wait(max(self.seconds_until_sync_due(), 0.001))

    # ---------------------------------------------------------------------------- segment lifecycle

    def current_position(self) -> CommitLogPosition:
        """A position after every entry written so far and before every later one."""
        with self._cond:
            if self._active is None:
                return CommitLogPosition(self._next_id, 0)
            return CommitLogPosition(self._active.segment_id, self._active.size)

    def discard_completed_segments(self, table_id: uuid.UUID, flushed_upto: CommitLogPosition) -> None:
        """Table ``table_id`` is flushed up to ``flushed_upto``; delete segments nothing needs any more."""
        with self._cond:
            for segment in self._segments:
                if segment.segment_id > flushed_upto.segment_id:
                    break
                whole = segment.segment_id < flushed_upto.segment_id
                segment.mark_clean(table_id, None if whole else flushed_upto.offset)
            unused = [s for s in self._segments if s is not self._active and not s.dirty]
            for segment in unused:
                self._segments.remove(segment)
            self._cond.notify_all()
        for segment in unused:
            segment.delete()

    def active_segments(self) -> tuple[SegmentInfo, ...]:
        """The live segments this log wrote, oldest first (Cassandra's ``getActiveSegmentNames``)."""
        with self._cond:
            return tuple(s.info(allocating=s is self._active) for s in self._segments)

    def on_disk_size(self) -> int:
        """Bytes of segment files on disk, including those awaiting replay."""
        with self._cond:
            return self._on_disk_size()

    def _on_disk_size(self) -> int:
        size = sum(s.size for s in self._segments)
        for pending in self._to_replay:
            with contextlib.suppress(OSError):  # deleted under us: it no longer takes space
                size += pending.path.stat().st_size
        return size

    @property
    def pending_tasks(self) -> int:
        """Entries written but not yet fsynced."""
        with self._cond:
            return self._appended - self._appended_synced

    def stats(self) -> CommitLogStats:
        with self._cond:
            return self._stats()

    def _stats(self) -> CommitLogStats:
        return CommitLogStats(
            completed_tasks=self._appended,
            pending_tasks=self._appended - self._appended_synced,
            waiting_on_commit=self._waiting,
            syncs=self._syncs,
            active_segments=len(self._segments),
            total_size=self._on_disk_size(),
        )

    def wait_for(self, predicate: Callable[[CommitLogStats], bool], timeout: float) -> bool:
        """Block until ``predicate(stats)`` holds (re-checked whenever a counter changes) or ``timeout``
        real seconds pass; returns whether it holds. The predicate runs under the log's lock: it must not
        call the log."""
        with self._cond:
            self._observers += 1
            try:
                return self._cond.wait_for(lambda: predicate(self._stats()), timeout)
            finally:
                self._observers -= 1

    # ------------------------------------------------------------------------------------- start-up

    @property
    def segments_to_replay(self) -> tuple[Path, ...]:
        """Segment files that existed when the log was opened and have not been recycled."""
        with self._cond:
            return tuple(s.path for s in self._to_replay)

    def replay(self) -> Iterator[tuple[CommitLogPosition, Mutation]]:
        """The entries of the segments that existed at open, in order (damage policy: ``reader``)."""
        with self._cond:
            segments = self._to_replay
        return replay_segments(segments)

    def recycle_after_replay(self) -> int:
        """Delete the replayed segments (once their data is flushed); returns how many there were."""
        with self._cond:
            replayed, self._to_replay = self._to_replay, ()
        if not replayed:
            return 0
        try:
            for segment in replayed:
                segment.path.unlink(missing_ok=True)
            # Make the deletions durable before new segments are written after them.
            self._fsync_directory()
        except OSError as error:
            raise CommitLogError(f"cannot delete replayed commitlog segments: {error}") from error
        logger.info("deleted %d replayed commitlog segment(s) in %s", len(replayed), self.directory)
        return len(replayed)

    # --------------------------------------------------------------------------------------- close

    def close(self) -> None:
        """Sync, close, and delete the segments with nothing dirty. Idempotent."""
        self.stop()
        with self._cond:
            if self._closing:
                return
            self._closing = True  # refuse new appends; those already written are synced below
            if self._active is not None and self._failure is None:
                try:
                    self._active.finish()  # cut to what was written, before the sync makes it durable
                except OSError as error:
                    raise self._fail(
                        f"failed to close commitlog segment {self._active.path}: {error}"
                    ) from error
        try:
            if self._failure is None:
                self.sync()
        finally:
            with self._cond:
                if self._active is not None:
                    self._active.close()
                    self._active = None
                unused = [s for s in self._segments if not s.dirty]
                for segment in unused:
                    self._segments.remove(segment)
                self._cond.notify_all()
            for segment in unused:
                segment.delete()

    def __enter__(self) -> CommitLog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
