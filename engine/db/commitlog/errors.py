"""Errors of the commitlog.

``CommitLogError`` is a ``ServerError``: a failed segment write or fsync surfaces to the client whose write
could not be logged as a server error, as in Cassandra (``FSWriteError`` under the default
``commit_failure_policy: stop``). ``CommitLogReplayError`` is raised at start-up for a segment that cannot
be replayed safely; its message names the file and the byte offset. ``MutationTooLargeError`` is the one
error a client causes: a mutation that could never fit in a segment.
"""

from __future__ import annotations

from pathlib import Path

from engine.errors import InvalidRequest, ServerError


class CommitLogError(ServerError):
    """The commitlog could not write, sync or open a segment; the message names the file."""


class CommitLogReplayError(CommitLogError):
    """A segment that cannot be replayed: a bad header, or corruption that is not a torn tail.

    ``path`` is the segment file; ``offset`` is the byte offset of the bad header or entry (0 for a header).
    """

    def __init__(self, message: str, *, path: Path, offset: int) -> None:
        super().__init__(message)
        self.path = path
        self.offset = offset


class MutationTooLargeError(InvalidRequest):
    """A mutation bigger than half a segment (Cassandra's ``max_mutation_size`` default).

    ``size`` counts the entry framing too (12 bytes), as Cassandra's check does; ``max_size`` is the limit.
    """

    def __init__(self, size: int, max_size: int) -> None:
        super().__init__(f"Mutation of {size} bytes is too large for the maximum size of {max_size}")
        self.size = size
        self.max_size = max_size
