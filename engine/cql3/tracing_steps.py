"""The trace events a statement records as it runs (Cassandra's ``Tracing.trace`` texts).

Called by the query processor with the request's :class:`~engine.service.tracing.TraceState` just before
the statement executes. Each event names a step the statement is about to take, with Cassandra's wording:

* a SELECT of one partition: ``Executing single-partition query on <table>``; of a range:
  ``Computing ranges to query``;
* a write: ``Determining replicas for mutation``; on a node that is its own only replica, the local write
  path follows: ``Appending to commitlog``, then ``Adding to <table> memtable``.

Steps inside the coordinator of a multi-node cluster (messages to replicas, digest mismatches) are not
traced yet.
"""

from __future__ import annotations

from engine.cql3.statements.base import ExecutionContext, Prepared
from engine.cql3.statements.modification import ModificationStatement
from engine.cql3.statements.select import SelectStatement
from engine.service.storage_proxy import LocalStorageProxy
from engine.service.tracing import TraceState


def before(trace: TraceState, prepared: Prepared, ctx: ExecutionContext) -> None:
    if isinstance(prepared, SelectStatement):
        if prepared.restrictions.is_key_range:
            trace.trace("Computing ranges to query")
        else:
            trace.trace(f"Executing single-partition query on {prepared.table_metadata.name}")
        return
    tables = _written_tables(prepared)
    if not tables:
        return
    trace.trace("Determining replicas for mutation")
    if isinstance(getattr(ctx.proxy, "inner", ctx.proxy), LocalStorageProxy):  # a metered proxy wraps it
        trace.trace("Appending to commitlog")
        for table in tables:
            trace.trace(f"Adding to {table} memtable")


def _written_tables(prepared: Prepared) -> list[str]:
    if isinstance(prepared, ModificationStatement):
        return [prepared.table_metadata.name]
    parts = getattr(prepared, "parts", None)  # a BATCH: its modification statements
    if parts is None:
        return []
    return list(dict.fromkeys(p.table_metadata.name for p in parts if isinstance(p, ModificationStatement)))
