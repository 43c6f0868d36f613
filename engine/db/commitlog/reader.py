"""Reading segments back at start-up, and what replay does with damage it finds.

Replay reads segments in segment-id order, entries in file order, and yields ``(position, mutation)``
where ``position`` is the end of the entry (see ``format``). The node applies each mutation to its
memtables; a mutation whose position is covered by what an SSTable already holds may be skipped by the
caller (Cassandra filters on the SSTables' commitlog intervals; replaying regular writes twice is harmless
because reconciliation is idempotent, counters are not).

Damage policy
=============

A crash can leave the end of the log unfinished: a process killed mid-``write`` leaves a truncated entry;
a power loss can leave a length with no body, or zero-filled or stale blocks after the last synced byte.
The newest segment of a node that stopped without closing its commitlog is also preallocated (see
``segment``) and ends in zeros after its last entry: replay stops at the first zero length when
everything from there to the end of the file is zero, with no warning (the end of the written data, not
damage). Any other damage at the end is a **torn tail**, and is expected: replay logs a warning naming
the file and the offset of the first bad entry, yields everything before it, and succeeds. The file is not modified (the node deletes it
with ``CommitLog.recycle_after_replay`` once the replayed data is flushed). A torn tail is any of, in the
**last** segment only:

- fewer than 8 bytes left where an entry should start, or a truncated header in an otherwise empty file;
- a zero length followed by anything but zeros;
- a length whose CRC fails, or an entry that runs past the end of the file, or a body whose CRC fails —
  provided no valid entry follows it anywhere in the file (the rest is zeros or garbage).

Anything else is **corruption** and raises ``CommitLogReplayError`` naming the file and the offset, because
replaying past it would silently lose acknowledged writes in the middle of the log:

- a bad entry followed by at least one valid entry (a flipped bit in the middle of the segment);
- any damage in a segment that is not the last one (the commitlog fsyncs a segment completely before it
  writes the first byte of the next, so only the newest segment can be torn; Cassandra likewise
  tolerates truncation only in the last file it replays);
- an entry whose CRCs hold but whose body does not decode as a mutation (a bug or a foreign format);
- a bad header (wrong magic, CRC, version, or a segment id that disagrees with the file name), except a
  header cut short in the last segment, which is a torn tail.

"Valid entry" means a non-zero length whose CRC holds, a body that fits in the file, and a body CRC that
holds. Looking for one after a damaged entry starts just past the damaged entry when its length is
trustworthy (its CRC held), else one byte after its start, and scans byte by byte (zero-filled tails are
skipped at once). The scan runs only when damage is found.
"""

from __future__ import annotations

import enum
import logging
import struct
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.db.commitlog.errors import CommitLogError, CommitLogReplayError
from engine.db.commitlog.format import (
    ENTRY_OVERHEAD,
    FORMAT_VERSION,
    HEADER_SIZE,
    CommitLogPosition,
    SegmentFile,
    decode_header,
    list_segments,
)
from engine.db.mutation import Mutation
from engine.db.serialization import CorruptDataError

logger = logging.getLogger(__name__)

_FRAME = struct.Struct(">II")
_U32 = struct.Struct(">I")


class Damage(enum.Enum):
    """What is wrong with the entry at some offset."""

    SHORT_FRAME = "fewer than 8 bytes left for an entry's length and length CRC"
    END_MARKER = "zero length (end of written data)"
    LENGTH_CRC = "entry length CRC mismatch"
    TRUNCATED = "entry runs past the end of the file"
    BODY_CRC = "entry body CRC mismatch"


@dataclass(frozen=True, slots=True)
class _Bad:
    damage: Damage
    # Where a following valid entry could start, or None if none can (the damaged entry reaches the end).
    scan_from: int | None


def _frame_at(data: memoryview, offset: int) -> int | _Bad:
    """The end offset of the valid entry at ``offset``, or what is wrong with it."""
    size = len(data)
    if size - offset < 8:
        return _Bad(Damage.SHORT_FRAME, None)
    length, length_crc = _FRAME.unpack_from(data, offset)
    if length == 0 and length_crc == 0:
        return _Bad(Damage.END_MARKER, offset + 8)
    if zlib.crc32(data[offset : offset + 4]) != length_crc:
        return _Bad(Damage.LENGTH_CRC, offset + 1)
    end = offset + ENTRY_OVERHEAD + length
    if end > size:
        return _Bad(Damage.TRUNCATED, None)
    if zlib.crc32(data[offset + 8 : end - 4]) != _U32.unpack_from(data, end - 4)[0]:
        return _Bad(Damage.BODY_CRC, end)
    return end


def _next_valid_entry(raw: bytes, start: int) -> int | None:
    """The offset of the first valid entry at or after ``start``, if any."""
    size = len(raw)
    # A valid entry's length is non-zero, so it starts at or before the last non-zero byte.
    last_nonzero = len(raw.rstrip(b"\x00")) - 1
    data = memoryview(raw)
    for offset in range(start, min(size - ENTRY_OVERHEAD, last_nonzero) + 1):
        length, length_crc = _FRAME.unpack_from(raw, offset)
        if length == 0 or offset + ENTRY_OVERHEAD + length > size:
            continue
        if zlib.crc32(data[offset : offset + 4]) != length_crc:
            continue
        end = offset + 8 + length
        if zlib.crc32(data[offset + 8 : end]) == _U32.unpack_from(raw, end)[0]:
            return offset
    return None


def read_segment(segment: SegmentFile, *, last: bool) -> Iterator[tuple[CommitLogPosition, Mutation]]:
    """The entries of one segment, applying the damage policy; ``last`` says whether it is the newest."""
    path = segment.path
    if segment.version != FORMAT_VERSION:
        raise CommitLogReplayError(
            f"{path}: unsupported commitlog format version {segment.version} (cqlkit reads {FORMAT_VERSION})",
            path=path,
            offset=0,
        )
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CommitLogError(f"cannot read commitlog segment {path}: {error}") from error
    data = memoryview(raw)
    if len(raw) < HEADER_SIZE and last:
        logger.warning(
            "%s: torn commitlog tail at offset 0 (segment header cut short at %d bytes); nothing to replay",
            path,
            len(raw),
        )
        return
    try:
        segment_id = decode_header(data)
    except CorruptDataError as error:
        raise CommitLogReplayError(
            f"{path}: bad commitlog segment header: {error}", path=path, offset=error.offset
        ) from error
    if segment_id != segment.segment_id:
        raise CommitLogReplayError(
            f"{path}: bad commitlog segment header: segment id {segment_id} does not match the file name",
            path=path,
            offset=0,
        )
    offset = HEADER_SIZE
    replayed = 0
    while offset < len(raw):
        frame = _frame_at(data, offset)
        if isinstance(frame, _Bad):
            if last and frame.damage is Damage.END_MARKER and raw.count(b"\x00", offset) == len(raw) - offset:
                # The unwritten rest of a preallocated segment (the node stopped without closing it).
                logger.info(
                    "%s: end of the written data at offset %d, %d entries replayed", path, offset, replayed
                )
                return
            _check_tail(path, raw, offset, frame, last=last, replayed=replayed)
            return
        try:
            mutation = Mutation.deserialize(data[offset + 8 : frame - 4])
        except CorruptDataError as error:
            raise CommitLogReplayError(
                f"{path}: entry at offset {offset} has valid CRCs but is not a mutation ({error})",
                path=path,
                offset=offset,
            ) from error
        yield CommitLogPosition(segment_id, frame), mutation
        replayed += 1
        offset = frame


def _check_tail(path: Path, raw: bytes, offset: int, bad: _Bad, *, last: bool, replayed: int) -> None:
    """Warn about a torn tail, or raise if the damage at ``offset`` is corruption (module docstring)."""
    follower = None if bad.scan_from is None else _next_valid_entry(raw, bad.scan_from)
    if follower is not None:
        raise CommitLogReplayError(
            f"{path}: corrupt commitlog entry at offset {offset} ({bad.damage.value}), followed by a valid "
            f"entry at offset {follower}; refusing to replay past corruption in the middle of a segment",
            path=path,
            offset=offset,
        )
    if not last:
        raise CommitLogReplayError(
            f"{path}: corrupt commitlog entry at offset {offset} ({bad.damage.value}) in a segment that is "
            "not the last one; only the newest segment may end with a torn write",
            path=path,
            offset=offset,
        )
    logger.warning(
        "%s: torn commitlog tail at offset %d (%s): replayed the %d entries before it, ignoring the last %d "
        "bytes",
        path,
        offset,
        bad.damage.value,
        replayed,
        len(raw) - offset,
    )


def replay_segments(segments: Sequence[SegmentFile]) -> Iterator[tuple[CommitLogPosition, Mutation]]:
    """Every entry of ``segments`` (oldest first); the last one may end torn."""
    ordered = sorted(segments, key=lambda s: s.segment_id)
    for index, segment in enumerate(ordered):
        yield from read_segment(segment, last=index == len(ordered) - 1)


def replay(directory: Path | str) -> Iterator[tuple[CommitLogPosition, Mutation]]:
    """Every entry of every segment in ``directory``, in segment-id then offset order.

    Read-only: nothing is truncated or deleted. A node replays through ``CommitLog.replay`` instead, which
    covers exactly the segments that existed when the log was opened.
    """
    return replay_segments(list_segments(Path(directory)))
