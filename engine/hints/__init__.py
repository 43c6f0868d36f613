"""Hinted handoff: writes kept by a coordinator for replicas that missed them (see :mod:`.service`)."""

from engine.hints.hint_file import CorruptHint, Hint
from engine.hints.service import MAX_HINT_WINDOW_MS, HintsService

__all__ = ["MAX_HINT_WINDOW_MS", "CorruptHint", "Hint", "HintsService"]
