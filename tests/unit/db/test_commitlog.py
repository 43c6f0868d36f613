"""The commitlog: framing and round trips, sync modes, the replay damage policy, segment lifecycle, and a
real-process SIGKILL crash test."""

from __future__ import annotations

import logging
import os
import queue
import random
import signal
import stat
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterable
from pathlib import Path
from types import MappingProxyType
from typing import IO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.db.commitlog import (
    CommitLog,
    CommitLogConfig,
    CommitLogError,
    CommitLogPosition,
    CommitLogReplayError,
    CommitLogSync,
    MutationTooLargeError,
    list_segments,
    replay,
)
from engine.db.commitlog.format import HEADER_SIZE, encode_entry, encode_header
from engine.db.mutation import Mutation
from engine.db.rows import Cell, LivenessInfo, PartitionUpdate, Row
from engine.errors import InvalidRequest

TABLE_A = uuid.UUID(int=0xA)
TABLE_B = uuid.UUID(int=0xB)
SMALL = CommitLogConfig(segment_size=4096)
CHILD = Path(__file__).with_name("commitlog_child.py")


def mutation(key: int, table: uuid.UUID = TABLE_A, size: int = 20) -> Mutation:
    encoded = str(key).encode()
    row = Row((), LivenessInfo(key), columns=MappingProxyType({"v": Cell(b"x" * size, key)}))
    return Mutation("ks", encoded, ((table, PartitionUpdate(encoded, 0, rows=(row,))),))


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FakeFsync:
    """Counts fsyncs of segment files and of directories; file fsyncs block while ``gate`` is clear.

    ``synced_size`` is the largest file size a *completed* fsync covered (the size when it was called).
    """

    def __init__(self, *, blocked: bool = False) -> None:
        self.lock = threading.Lock()
        self.files = 0
        self.directories = 0
        self.synced_size = 0
        self.gate = threading.Event()
        if not blocked:
            self.gate.set()

    def __call__(self, fd: int) -> None:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            with self.lock:
                self.directories += 1
            return
        assert self.gate.wait(30), "fsync gate never opened"
        with self.lock:
            self.files += 1
            self.synced_size = max(self.synced_size, info.st_size)


def no_fsync(fd: int) -> None:
    pass


def write_log(
    directory: Path, mutations: Iterable[Mutation], config: CommitLogConfig = SMALL
) -> list[CommitLogPosition]:
    with CommitLog(directory, config, fsync=no_fsync) as log:
        return [log.append(m) for m in mutations]


def only_segment(directory: Path) -> Path:
    (segment,) = list_segments(directory)
    return segment.path


def flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x40
    path.write_bytes(bytes(data))


# ------------------------------------------------------------------------------------- round trips


def test_round_trip_across_segments(tmp_path: Path) -> None:
    mutations = [mutation(i, TABLE_A if i % 3 else TABLE_B, size=i % 200) for i in range(400)]
    positions = write_log(tmp_path, mutations)
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    segments = list_segments(tmp_path)
    assert len(segments) > 5
    assert [s.segment_id for s in segments] == sorted({p.segment_id for p in positions})
    assert all(s.path.stat().st_size <= SMALL.segment_size for s in segments)
    assert list(replay(tmp_path)) == list(zip(positions, mutations, strict=True))


def test_positions_and_current_position(tmp_path: Path) -> None:
    with CommitLog(tmp_path, SMALL, fsync=no_fsync, wall_clock=lambda: 1000.0) as log:
        before = log.current_position()
        first = log.append(mutation(1))
        assert before < first == log.current_position()
        assert first == CommitLogPosition(1_000_000, HEADER_SIZE + len(encode_entry(mutation(1).serialize())))
        later = [log.append(mutation(i, size=300)) for i in range(40)]
        assert first < later[0] and later == sorted(later)
        assert later[-1] <= log.current_position()


def test_replay_after_clean_close_then_recycle(tmp_path: Path) -> None:
    mutations = [mutation(i, size=100) for i in range(100)]
    positions = write_log(tmp_path, mutations)
    old_ids = {s.segment_id for s in list_segments(tmp_path)}

    log = CommitLog(tmp_path, SMALL, fsync=no_fsync, wall_clock=lambda: 0.0)
    assert [p.name for p in log.segments_to_replay] == [s.path.name for s in list_segments(tmp_path)]
    with pytest.raises(CommitLogError, match="recycle_after_replay"):
        log.append(mutation(1000))
    assert list(log.replay()) == list(zip(positions, mutations, strict=True))
    assert log.recycle_after_replay() == len(old_ids)
    assert list_segments(tmp_path) == ()
    new = log.append(mutation(1000))
    assert new.segment_id > max(old_ids)  # the wall clock is behind: ids continue above the old ones
    log.close()
    assert list(replay(tmp_path)) == [(new, mutation(1000))]


def test_segment_ids_seeded_from_wall_clock_and_leftover_temp_files_removed(tmp_path: Path) -> None:
    leftover = tmp_path / "CommitLog-1-5.log.tmp"
    leftover.write_bytes(b"partial header")
    with CommitLog(tmp_path, SMALL, fsync=no_fsync, wall_clock=lambda: 1_700_000_000.5) as log:
        assert not leftover.exists()
        ids = [log.append(mutation(i, size=1000)).segment_id for i in range(10)]
    assert ids[0] == 1_700_000_000_500
    assert sorted(set(ids)) == list(range(ids[0], ids[-1] + 1))


def test_mutation_too_large_is_rejected(tmp_path: Path) -> None:
    with CommitLog(tmp_path, SMALL, fsync=no_fsync) as log:
        big = mutation(1, size=3000)
        size = len(big.serialize()) + 12
        with pytest.raises(MutationTooLargeError) as caught:
            log.append(big)
        assert isinstance(caught.value, InvalidRequest)
        assert str(caught.value) == f"Mutation of {size} bytes is too large for the maximum size of 2048"
        assert (caught.value.size, caught.value.max_size) == (size, 2048)
        assert log.stats().completed_tasks == 0
        # Exactly half a segment still fits.
        fits = mutation(2, size=2048 - (len(mutation(2, size=0).serialize()) + 12) - 1)
        assert len(fits.serialize()) + 12 <= 2048
        log.append(fits)


# -------------------------------------------------------------------------------------- sync modes


def test_periodic_append_does_not_fsync_until_sync(tmp_path: Path) -> None:
    fsync = FakeFsync()
    with CommitLog(tmp_path, fsync=fsync, clock=FakeClock()) as log:
        for i in range(10):
            log.append(mutation(i))
        assert (fsync.files, log.pending_tasks) == (0, 10)
        log.sync()
        assert (fsync.files, fsync.directories, log.pending_tasks) == (1, 1, 0)
        assert fsync.synced_size == only_segment(tmp_path).stat().st_size
        log.sync()  # nothing new: no fsync
        assert fsync.files == 1
        assert log.stats().syncs == 1


def test_periodic_sync_honours_injected_clock(tmp_path: Path) -> None:
    clock, fsync = FakeClock(), FakeFsync()
    config = CommitLogConfig(sync_period=10.0)
    with CommitLog(tmp_path, config, fsync=fsync, clock=clock) as log:
        log.append(mutation(1))
        clock.now = 9.99
        assert not log.sync_if_due()
        assert log.seconds_until_sync_due() == pytest.approx(0.01)
        clock.now = 10.0
        assert log.sync_if_due()
        assert (fsync.files, log.pending_tasks) == (1, 0)
        assert not log.sync_if_due()
        assert log.seconds_until_sync_due() == 10.0
        clock.now = 24.0  # 14 s behind: within 1.5 periods, appends still do not wait
        log.append(mutation(2))
        assert (fsync.files, log.pending_tasks) == (1, 1)
        clock.now = 25.5  # 15.5 s behind: the writer syncs rather than let the loss window grow
        log.append(mutation(3))
        assert (fsync.files, log.pending_tasks) == (2, 0)


def test_batch_append_returns_after_its_fsync(tmp_path: Path) -> None:
    fsync = FakeFsync()
    config = CommitLogConfig(sync=CommitLogSync.BATCH)
    with CommitLog(tmp_path, config, fsync=fsync) as log:
        for i in range(5):
            position = log.append(mutation(i))
            assert fsync.synced_size >= position.offset
        assert (fsync.files, log.pending_tasks) == (5, 0)


def test_batch_groups_concurrent_writers(tmp_path: Path) -> None:
    writers = 20
    fsync = FakeFsync(blocked=True)
    config = CommitLogConfig(sync=CommitLogSync.BATCH)
    covered: list[bool] = []
    with CommitLog(tmp_path, config, fsync=fsync) as log:

        def write(key: int) -> None:
            position = log.append(mutation(key))
            with fsync.lock:
                covered.append(fsync.synced_size >= position.offset)

        threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
        for thread in threads:
            thread.start()
        # Every writer has written its entry and is waiting; the first leader's fsync is blocked.
        assert log.wait_for(lambda s: s.completed_tasks == s.waiting_on_commit == writers, timeout=30)
        assert covered == []
        fsync.gate.set()
        for thread in threads:
            thread.join(timeout=30)
        assert covered == [True] * writers
        assert 1 <= fsync.files <= 2 < writers
        assert log.stats().pending_tasks == 0


def test_group_mode_writers_wait_for_the_syncer(tmp_path: Path) -> None:
    clock, fsync = FakeClock(), FakeFsync()
    config = CommitLogConfig(sync=CommitLogSync.GROUP, group_window=0.5)
    returned: list[CommitLogPosition] = []
    with CommitLog(tmp_path, config, fsync=fsync, clock=clock) as log:
        writer = threading.Thread(target=lambda: returned.append(log.append(mutation(1))))
        writer.start()
        assert log.wait_for(lambda s: s.waiting_on_commit == 1, timeout=30)
        assert not log.sync_if_due()
        assert returned == [] and fsync.files == 0
        clock.now = 0.5
        assert log.sync_if_due()
        writer.join(timeout=30)
        assert len(returned) == 1 and fsync.files == 1


def test_background_syncer_start_stop(tmp_path: Path) -> None:
    fsync = FakeFsync()
    config = CommitLogConfig(sync_period=0.001)
    with CommitLog(tmp_path, config, fsync=fsync) as log:
        log.start()
        log.append(mutation(1))
        assert log.wait_for(lambda s: s.pending_tasks == 0, timeout=30)
        log.stop()
        assert fsync.files >= 1


def test_segment_switch_fsyncs_the_full_segment(tmp_path: Path) -> None:
    fsync = FakeFsync()
    with CommitLog(tmp_path, SMALL, fsync=fsync, clock=FakeClock()) as log:
        positions = [log.append(mutation(i, size=500)) for i in range(20)]
        switches = len({p.segment_id for p in positions}) - 1
        assert switches >= 2 and fsync.files == switches
        assert log.pending_tasks == sum(p.segment_id == positions[-1].segment_id for p in positions)


def test_failed_fsync_stops_the_log(tmp_path: Path) -> None:
    def failing(fd: int) -> None:
        raise OSError(5, "Input/output error")

    log = CommitLog(tmp_path, CommitLogConfig(sync=CommitLogSync.BATCH), fsync=failing)
    with pytest.raises(CommitLogError, match=r"failed to sync commitlog segment .*Input/output error"):
        log.append(mutation(1))
    with pytest.raises(CommitLogError, match="Input/output error"):
        log.append(mutation(2))
    log.close()


def test_closed_log_refuses_appends(tmp_path: Path) -> None:
    log = CommitLog(tmp_path, fsync=no_fsync)
    log.append(mutation(1))
    log.close()
    log.close()
    with pytest.raises(CommitLogError, match="is closed"):
        log.append(mutation(2))


# -------------------------------------------------------------------------------- replay damage


def one_segment_log(directory: Path, count: int = 10) -> tuple[Path, list[CommitLogPosition]]:
    positions = write_log(directory, [mutation(i) for i in range(count)], CommitLogConfig())
    return only_segment(directory), positions


def entry_start(positions: list[CommitLogPosition], index: int) -> int:
    return HEADER_SIZE if index == 0 else positions[index - 1].offset


@pytest.mark.parametrize("keep", [1, 3, 7, 8, 12, -5, -1])
def test_torn_tail_is_dropped_with_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, keep: int
) -> None:
    path, positions = one_segment_log(tmp_path)
    last_start = entry_start(positions, len(positions) - 1)
    cut = last_start + keep if keep > 0 else positions[-1].offset + keep
    os.truncate(path, cut)
    with caplog.at_level(logging.WARNING, logger="engine.db.commitlog"):
        replayed = list(replay(tmp_path))
    assert [p for p, _ in replayed] == positions[:-1]
    (record,) = caplog.records
    assert str(path) in record.getMessage() and f"offset {last_start}" in record.getMessage()


@pytest.mark.parametrize("offset_in_entry", [0, 5, 8, 20, -1])
def test_corrupt_last_entry_is_a_torn_tail(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, offset_in_entry: int
) -> None:
    path, positions = one_segment_log(tmp_path)
    last_start = entry_start(positions, len(positions) - 1)
    where = last_start + offset_in_entry if offset_in_entry >= 0 else positions[-1].offset - 1
    flip(path, where)
    with caplog.at_level(logging.WARNING, logger="engine.db.commitlog"):
        assert [p for p, _ in replay(tmp_path)] == positions[:-1]
    assert f"offset {last_start}" in caplog.text and path.name in caplog.text


@pytest.mark.parametrize(
    "tail", [random.Random(7).randbytes(5000), b"\x00" * 3, b"\x00" * 4000 + b"\x01" + b"\x00" * 99]
)
def test_garbage_after_the_last_entry_is_a_torn_tail(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, tail: bytes
) -> None:
    path, positions = one_segment_log(tmp_path)
    with path.open("ab") as out:
        out.write(tail)
    with caplog.at_level(logging.WARNING, logger="engine.db.commitlog"):
        assert [p for p, _ in replay(tmp_path)] == positions
    assert f"offset {positions[-1].offset}" in caplog.text


def test_zeros_after_the_last_entry_are_the_end_of_a_preallocated_segment(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path, positions = one_segment_log(tmp_path)
    with path.open("ab") as out:
        out.write(b"\x00" * 5000)
    with caplog.at_level(logging.INFO, logger="engine.db.commitlog"):
        assert [p for p, _ in replay(tmp_path)] == positions
    (record,) = caplog.records
    assert record.levelno == logging.INFO
    assert (
        record.getMessage()
        == f"{path}: end of the written data at offset {positions[-1].offset}, 10 entries replayed"
    )


def test_zeros_after_the_last_entry_of_an_older_segment_are_an_error(tmp_path: Path) -> None:
    write_log(tmp_path, [mutation(i, size=300) for i in range(20)])
    first = list_segments(tmp_path)[0].path
    with first.open("ab") as out:
        out.write(b"\x00" * 100)
    with pytest.raises(CommitLogReplayError, match="not the last one"):
        list(replay(tmp_path))


def test_pages_released_from_the_mapping_keep_their_entries(tmp_path: Path) -> None:
    mutations = [mutation(i, size=3000) for i in range(1800)]  # ~5.4 MiB: past the first release
    with CommitLog(tmp_path, fsync=no_fsync) as log:
        positions = [log.append(m) for m in mutations]
        assert positions[-1].offset > 5 * 1024 * 1024
        # Read back while the segment is still mapped and being written: the page cache has every entry.
        assert list(replay(tmp_path)) == list(zip(positions, mutations, strict=True))
    assert list(replay(tmp_path)) == list(zip(positions, mutations, strict=True))


def test_segment_is_preallocated_while_written_and_cut_when_retired_or_closed(tmp_path: Path) -> None:
    fsync = FakeFsync()
    log = CommitLog(tmp_path, SMALL, fsync=fsync, clock=FakeClock())
    positions = [log.append(mutation(i, size=300)) for i in range(3)]
    (segment,) = list_segments(tmp_path)
    # Preallocated to the segment size; the entries are in the file (the mapping is the page cache).
    assert segment.path.stat().st_size == SMALL.segment_size
    raw = segment.path.read_bytes()
    assert raw[positions[-1].offset :] == bytes(SMALL.segment_size - positions[-1].offset)
    entries = b"".join(encode_entry(mutation(i, size=300).serialize()) for i in range(3))
    assert (
        raw[:HEADER_SIZE] == encode_header(segment.segment_id)
        and raw[HEADER_SIZE:][: len(entries)] == entries
    )
    assert [p for p, _ in replay(tmp_path)] == positions  # what a node killed now would replay
    # Filling the segment retires it: cut to its entries, then fsynced (the fsync saw the cut size).
    while log.current_position().segment_id == segment.segment_id:
        positions.append(log.append(mutation(len(positions), size=300)))
    last_in_first = [p for p in positions if p.segment_id == segment.segment_id][-1]
    assert segment.path.stat().st_size == last_in_first.offset
    assert fsync.files == 1 and fsync.synced_size == last_in_first.offset
    newest = list_segments(tmp_path)[-1].path
    assert newest.stat().st_size == SMALL.segment_size
    log.close()
    assert newest.stat().st_size == positions[-1].offset
    assert [p for p, _ in replay(tmp_path)] == positions


@pytest.mark.parametrize("offset_in_entry", [0, 3, 5, 8, 20, -1])
def test_corrupt_entry_in_the_middle_is_an_error(tmp_path: Path, offset_in_entry: int) -> None:
    path, positions = one_segment_log(tmp_path)
    start = entry_start(positions, 4)
    flip(path, start + offset_in_entry if offset_in_entry >= 0 else positions[4].offset - 1)
    with pytest.raises(CommitLogReplayError) as caught:
        list(replay(tmp_path))
    assert str(path) in str(caught.value) and f"offset {start}" in str(caught.value)
    assert (caught.value.path, caught.value.offset) == (path, start)


def test_damage_in_a_segment_that_is_not_the_last_is_an_error(tmp_path: Path) -> None:
    positions = write_log(tmp_path, [mutation(i, size=300) for i in range(20)])
    first = list_segments(tmp_path)[0].path
    last_in_first = [p for p in positions if p.segment_id == positions[0].segment_id][-1]
    os.truncate(first, last_in_first.offset - 2)
    with pytest.raises(CommitLogReplayError, match="not the last one") as caught:
        list(replay(tmp_path))
    assert str(first) in str(caught.value)


def test_entry_with_valid_crcs_that_is_not_a_mutation_is_an_error(tmp_path: Path) -> None:
    path, positions = one_segment_log(tmp_path)
    with path.open("ab") as out:
        out.write(encode_entry(b"\x05hello"))
    with pytest.raises(CommitLogReplayError, match=f"offset {positions[-1].offset} has valid CRCs"):
        list(replay(tmp_path))


@pytest.mark.parametrize(("offset", "field"), [(0, "magic"), (9, "CRC"), (22, "CRC")])
def test_corrupt_header_is_an_error(tmp_path: Path, offset: int, field: str) -> None:
    path, _ = one_segment_log(tmp_path)
    flip(path, offset)
    with pytest.raises(CommitLogReplayError, match=f"bad commitlog segment header.*{field}") as caught:
        list(replay(tmp_path))
    assert str(path) in str(caught.value)


def test_header_must_match_file_name(tmp_path: Path) -> None:
    path, _ = one_segment_log(tmp_path)
    path.rename(tmp_path / "CommitLog-1-42.log")
    with pytest.raises(CommitLogReplayError, match=r"CommitLog-1-42\.log.*does not match the file name"):
        list(replay(tmp_path))
    (tmp_path / "CommitLog-1-42.log").rename(tmp_path / "CommitLog-7-42.log")
    with pytest.raises(CommitLogReplayError, match=r"CommitLog-7-42\.log: unsupported .* version 7"):
        list(replay(tmp_path))


def test_short_header_is_torn_only_in_the_last_segment(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _, positions = one_segment_log(tmp_path)
    newest = tmp_path / f"CommitLog-1-{positions[0].segment_id + 1}.log"
    newest.write_bytes(b"CQLKIT")
    with caplog.at_level(logging.WARNING, logger="engine.db.commitlog"):
        assert [p for p, _ in replay(tmp_path)] == positions
    assert newest.name in caplog.text
    (tmp_path / f"CommitLog-1-{positions[0].segment_id + 2}.log").write_bytes(b"")
    with pytest.raises(CommitLogReplayError, match=newest.name):
        list(replay(tmp_path))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_damage_yields_a_prefix_or_an_error(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    """Whatever is cut or flipped, replay never yields data that was not written, nor skips an entry."""
    directory = tmp_path_factory.mktemp("damage")
    path, positions = one_segment_log(directory)
    written = list(zip(positions, [mutation(i) for i in range(len(positions))], strict=True))
    size = positions[-1].offset
    cut = data.draw(st.integers(HEADER_SIZE, size), label="cut")
    flips = data.draw(
        st.lists(st.integers(HEADER_SIZE, max(HEADER_SIZE, cut - 1)), max_size=3), label="flips"
    )
    os.truncate(path, cut)
    for offset in flips:
        if offset < cut:
            flip(path, offset)
    try:
        replayed = list(replay(directory))
    except CommitLogReplayError:
        assert flips, "a plain truncation is always a torn tail"
        return
    assert replayed == written[: len(replayed)]
    if not flips:
        assert replayed == [(p, m) for p, m in written if p.offset <= cut]


# ------------------------------------------------------------------------------ segment lifecycle


def test_discard_completed_segments_deletes_clean_segments(tmp_path: Path) -> None:
    log = CommitLog(tmp_path, SMALL, fsync=no_fsync, clock=FakeClock())
    a_positions = []
    while not a_positions or a_positions[-1].segment_id == a_positions[0].segment_id:
        a_positions.append(log.append(mutation(len(a_positions), TABLE_A, size=300)))
    segment_1 = a_positions[0].segment_id
    b_positions = [a_positions[-1]]  # A's last write opened segment 2; B fills the rest of it
    while b_positions[-1].segment_id == a_positions[-1].segment_id:
        b_positions.append(log.append(mutation(len(b_positions), TABLE_B, size=300)))
    segment_2, segment_3 = a_positions[-1].segment_id, b_positions[-1].segment_id
    on_disk = {s.segment_id for s in list_segments(tmp_path)}
    assert on_disk == {segment_1, segment_2, segment_3}
    dirty = {s.segment_id: s.dirty_tables for s in log.active_segments()}
    assert dirty == {segment_1: {TABLE_A}, segment_2: {TABLE_A, TABLE_B}, segment_3: {TABLE_B}}

    # A flushed up to its first segment only: segment 1 goes, segment 2 still holds A's last write.
    log.discard_completed_segments(TABLE_A, a_positions[-2])
    assert {s.segment_id for s in list_segments(tmp_path)} == {segment_2, segment_3}
    log.discard_completed_segments(TABLE_A, a_positions[-1])
    assert [s.dirty_tables for s in log.active_segments()] == [{TABLE_B}, {TABLE_B}]
    # B flushed up to before its last write in segment 2: segment 2 stays dirty.
    log.discard_completed_segments(TABLE_B, b_positions[-3])
    assert {s.segment_id for s in list_segments(tmp_path)} == {segment_2, segment_3}
    log.discard_completed_segments(TABLE_B, b_positions[-2])
    assert {s.segment_id for s in list_segments(tmp_path)} == {segment_3}
    # The allocating segment stays while it is being written, even when clean...
    log.discard_completed_segments(TABLE_B, log.current_position())
    (info,) = log.active_segments()
    assert (info.segment_id, info.allocating, info.dirty_tables) == (segment_3, True, frozenset())
    assert log.on_disk_size() == info.size == log.stats().total_size
    assert info.path.stat().st_size == SMALL.segment_size  # preallocated while it is written
    # ...and close() deletes it: nothing is left to replay.
    log.close()
    assert list_segments(tmp_path) == ()


def test_stats_and_on_disk_size(tmp_path: Path) -> None:
    write_log(tmp_path, [mutation(i, size=200) for i in range(30)])
    with CommitLog(tmp_path, SMALL, fsync=no_fsync) as log:
        on_disk = sum(s.path.stat().st_size for s in list_segments(tmp_path))
        assert log.on_disk_size() == on_disk
        list(log.replay())
        log.recycle_after_replay()
        for i in range(5):
            log.append(mutation(i))
        stats = log.stats()
        assert (stats.completed_tasks, stats.pending_tasks, stats.waiting_on_commit) == (5, 5, 0)
        assert stats.active_segments == 1 and stats.total_size == log.on_disk_size()


# ---------------------------------------------------------------------------------- crash (SIGKILL)


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def _keys_present(commitlog_dir: Path, data_dir: Path) -> set[int]:
    present = {int(m.key) for _, m in replay(commitlog_dir)}
    for flushed in data_dir.glob("flushed-*.txt"):
        present.update(int(line) for line in flushed.read_text().split())
    return present


def test_acknowledged_writes_survive_sigkill(tmp_path: Path) -> None:
    rng = random.Random(20240611)
    commitlog_dir, data_dir = tmp_path / "commitlog", tmp_path / "data"
    data_dir.mkdir()
    acknowledged: set[int] = set()
    for cycle in range(20):
        first_key = cycle * 1_000_000
        with (tmp_path / f"child-{cycle}.err").open("w") as errors:
            child = subprocess.Popen(
                [sys.executable, str(CHILD), str(commitlog_dir), str(data_dir), str(first_key)],
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
            )
        assert child.stdout is not None
        lines: queue.Queue[str | None] = queue.Queue()
        reader = threading.Thread(target=_pump, args=(child.stdout, lines), daemon=True)
        reader.start()
        kill_after = rng.randint(1, 300)
        try:
            for _ in range(kill_after):
                line = lines.get(timeout=60)
                assert line is not None, (tmp_path / f"child-{cycle}.err").read_text()
                acknowledged.add(int(line))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=60)
        reader.join(timeout=60)
        # Keys already in the pipe were acknowledged before the kill landed.
        while (line := lines.get_nowait()) is not None:
            acknowledged.add(int(line))
        child.stdout.close()
        assert child.returncode == -signal.SIGKILL
        missing = acknowledged - _keys_present(commitlog_dir, data_dir)
        assert not missing, f"cycle {cycle}: acknowledged keys lost: {sorted(missing)[:10]}"
    assert len(acknowledged) > 20
