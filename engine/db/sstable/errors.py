"""Errors of the SSTable layer.

Every SSTable error is an :class:`SSTableError`, itself a :class:`~engine.errors.ServerError`: a client
whose read touches a damaged file sees a server error, as with Cassandra's ``CorruptSSTableException``.
:class:`CorruptSSTableError` names the file, the component and the offset where the damage was found, so an
operator can tell which SSTable to scrub or drop; callers higher up (compaction, reads) must not catch it
broadly and carry on, or they would return or rewrite data that is silently wrong.
"""

from __future__ import annotations

from pathlib import Path

from engine.errors import ServerError


class SSTableError(ServerError):
    """Root of the SSTable layer's errors: misuse of a writer, a missing or incomplete SSTable."""


class SSTableOrderError(SSTableError):
    """A partition appended out of token order (ties by unsigned key bytes), or twice."""


class CorruptSSTableError(SSTableError):
    """A component whose bytes fail their checksum or do not decode.

    ``offset`` is a byte offset in ``path`` unless ``detail`` says it is a position in the uncompressed
    data stream (a partition that fails to deserialize after its chunks passed their checksums).
    """

    def __init__(self, path: Path, offset: int, detail: str) -> None:
        super().__init__(f"Corrupted: {path} at offset {offset}: {detail}")
        self.path = path
        self.offset = offset
        self.detail = detail
