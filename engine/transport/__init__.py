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

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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

#: the package's names and the module each lives in: imported on first use (PEP 562), so a client that
#: only needs the framing (``frame``, ``segment``: ``cqlkit cqlsh``'s native connection) does not load
#: the server, asyncio and the schema types
_EXPORTS = {
    "BatchChild": "handler",
    "BatchRequest": "handler",
    "BatchType": "handler",
    "ClientSession": "handler",
    "NativeServer": "server",
    "PreparedInfo": "handler",
    "RequestHandler": "handler",
    "SchemaChangeEvent": "events",
    "StatusChange": "events",
    "TopologyChange": "events",
}


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'engine.transport' has no attribute {name!r}")
    return getattr(importlib.import_module(f"engine.transport.{module}"), name)


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
