"""A message between nodes: a frozen envelope around an opaque payload.

The network never looks inside ``payload`` (a mutation, a read command, a gossip digest…: whatever frozen
value the sender's subsystem defines). ``id`` is unique per network and lets a reply name its request
(``in_reply_to``); ``created_at_ms`` is the network time the message was sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.net.verbs import RequestFailureReason, Verb


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    verb: Verb
    sender: str
    recipient: str
    payload: object = None
    created_at_ms: float = 0.0
    in_reply_to: int | None = None

    @property
    def is_response(self) -> bool:
        return self.in_reply_to is not None


@dataclass(frozen=True, slots=True)
class FailureResponse:
    """The payload of ``FAILURE_RSP``: why the replica could not serve the request."""

    reason: RequestFailureReason
    detail: str = ""
