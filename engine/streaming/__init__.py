"""Streaming: moving token ranges' data between nodes when the ring changes (bootstrap, decommission,
removenode). :mod:`engine.streaming.plan` decides what moves where; :mod:`engine.streaming.session` moves it."""

from engine.streaming.plan import (
    StreamPlanError,
    Transfer,
    bootstrap_transfers,
    check_decommission,
    leaving_transfers,
)
from engine.streaming.session import StreamFailed, StreamResult, StreamSession

__all__ = [
    "StreamFailed",
    "StreamPlanError",
    "StreamResult",
    "StreamSession",
    "Transfer",
    "bootstrap_transfers",
    "check_decommission",
    "leaving_transfers",
]
