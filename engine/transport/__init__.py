"""The CQL native protocol (v3, v4, v5): what cassandra-driver, cqlsh and every other client speak.

Modules, bottom up: ``notation`` ([string], [bytes], [value]...), ``frame`` (headers, the stream
decoder), ``segment`` (v5's checksummed outer framing), ``compression`` (LZ4), ``datatypes`` (types
as [option]), ``messages`` (requests), ``results``/``error_codec``/``events`` (responses),
``connection`` (one connection's protocol state, no I/O), ``handler`` (the seam to a node),
``dispatch`` (a request on a session), ``server`` (asyncio listener + thread pool).

This package sits beside ``engine.cql3`` and never imports it: ``engine.cluster.server`` adapts a
node's query processor to :class:`~engine.transport.handler.RequestHandler`. Decisions are recorded
in ``docs/protocol.md``.
"""

from engine.transport.events import SchemaChangeEvent, StatusChange, TopologyChange
from engine.transport.handler import (
    BatchChild,
    BatchRequest,
    BatchType,
    ClientSession,
    PreparedInfo,
    RequestHandler,
)
from engine.transport.server import NativeServer

__all__ = [
    "BatchChild",
    "BatchRequest",
    "BatchType",
    "ClientSession",
    "NativeServer",
    "PreparedInfo",
    "RequestHandler",
    "SchemaChangeEvent",
    "StatusChange",
    "TopologyChange",
]
