"""Anti-entropy repair: Merkle trees (``merkle_tree``), repair's messages (``messages``), its values
(``session``) and the repair service each node runs (``service``)."""

from engine.repair.merkle_tree import MerkleTree, difference
from engine.repair.service import RepairFailed, RepairService, duration_words
from engine.repair.session import (
    Mismatch,
    ProgressEvent,
    ProgressEventType,
    RepairOptions,
    RepairParallelism,
    RepairResult,
    SessionResult,
    format_range,
)

__all__ = [
    "MerkleTree",
    "Mismatch",
    "ProgressEvent",
    "ProgressEventType",
    "RepairFailed",
    "RepairOptions",
    "RepairParallelism",
    "RepairResult",
    "RepairService",
    "SessionResult",
    "difference",
    "duration_words",
    "format_range",
]
