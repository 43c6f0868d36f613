"""EVENT messages (v4/v5 spec §4.2.6), pushed on stream -1 to connections that REGISTERed for them.

``TOPOLOGY_CHANGE`` (NEW_NODE / REMOVED_NODE) and ``STATUS_CHANGE`` (UP / DOWN) name a node by its
native address and port ([inet]); ``SCHEMA_CHANGE`` has the body of a Schema_change result.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.service.results import SchemaChange
from engine.transport.notation import write_inet, write_string
from engine.transport.results import schema_change_body


@dataclass(frozen=True, slots=True)
class TopologyChange:
    change: str  # NEW_NODE, REMOVED_NODE
    address: str
    port: int
    type: str = "TOPOLOGY_CHANGE"


@dataclass(frozen=True, slots=True)
class StatusChange:
    change: str  # UP, DOWN
    address: str
    port: int
    type: str = "STATUS_CHANGE"


@dataclass(frozen=True, slots=True)
class SchemaChangeEvent:
    change: SchemaChange
    type: str = "SCHEMA_CHANGE"


Event = TopologyChange | StatusChange | SchemaChangeEvent


def encode_event(event: Event) -> bytes:
    if isinstance(event, SchemaChangeEvent):
        return write_string(event.type) + schema_change_body(event.change)
    return write_string(event.type) + write_string(event.change) + write_inet(event.address, event.port)
