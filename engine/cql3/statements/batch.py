"""BATCH: several modifications applied together, from a CQL ``BEGIN BATCH`` or a protocol BATCH message.

Both routes end here. A CQL batch's statements share one list of bound values; a protocol BATCH gives
each statement its own, so execution takes (statement, options) pairs.

* :func:`validate` is Cassandra's ``BatchStatement.validate``, in its order (global TTL, custom
  timestamps, counter and non-counter mixing, logged batches of counters, conditions across tables).
* :func:`execute`: without conditions, every statement's mutations are built, checked against the batch
  guards (``engine.cql3.statements.batch_limits``: size thresholds, unlogged batches across partitions,
  logged batches on gc_grace_seconds = 0 tables), then applied (counter updates one by one, because each
  reads the shard it advances); with conditions (Cassandra's CAS batch), all statements
  must touch one partition, every condition is checked under the node's LWT lock, and either all
  mutations apply (``[applied] = True``) or none do (``[applied] = False`` with the current values).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace

from engine.cql.ast import BatchType
from engine.cql3 import keys
from engine.cql3.statements import batch_limits, modification
from engine.cql3.statements.base import ExecutionContext
from engine.cql3.statements.modification import ModificationStatement
from engine.db.mutation import Mutation
from engine.db.rows import PartitionUpdate, merge_partitions
from engine.errors import InvalidRequest
from engine.schema.metadata import Schema
from engine.service.query_options import BoundValue, QueryOptions
from engine.service.results import ResultMessage, Void

Part = tuple[ModificationStatement, QueryOptions]


def validate(
    batch_type: BatchType, statements: Sequence[ModificationStatement], *, timestamp_set: bool, ttl_set: bool
) -> None:
    """Cassandra's ``BatchStatement.validate``, checks in its order."""
    if ttl_set:
        raise InvalidRequest("Global TTL on the BATCH statement is not supported.")
    has_conditions = any(s.is_conditional for s in statements)
    if timestamp_set:
        if has_conditions:
            raise InvalidRequest("Cannot provide custom timestamp for conditional BATCH")
        if batch_type is BatchType.COUNTER:
            raise InvalidRequest("Cannot provide custom timestamp for counter BATCH")
    has_counters = has_non_counters = False
    for statement in statements:
        if timestamp_set and statement.timestamp is not None:
            raise InvalidRequest("Timestamp must be set either on BATCH or individual statements")
        if statement.table_metadata.is_counter:
            has_counters = True
        else:
            has_non_counters = True
    if timestamp_set and has_counters:
        raise InvalidRequest("Cannot provide custom timestamp for a BATCH containing counters")
    if batch_type is BatchType.COUNTER and has_non_counters:
        raise InvalidRequest("Cannot include non-counter statement in a counter batch")
    if has_counters and has_non_counters:
        raise InvalidRequest("Counter and non-counter mutations cannot exist in the same batch")
    if batch_type is BatchType.LOGGED and has_counters:
        raise InvalidRequest("Cannot include a counter statement in a logged batch")
    if has_conditions and len({s.table_metadata.id for s in statements}) > 1:
        raise InvalidRequest("Batch with conditions cannot span multiple tables")


def execute(
    ctx: ExecutionContext, parts: Sequence[Part], options: QueryOptions, batch_type: BatchType
) -> ResultMessage:
    """Apply the batch; ``options`` carries the batch's consistency (each part has its own values).

    Every statement without its own ``USING TIMESTAMP`` writes at the batch's timestamp (the client's, or
    one taken from the node's clock for the whole batch), as Cassandra's ``BatchQueryOptions`` does.
    """

    def timed(timestamp: int) -> list[Part]:
        return [(s, o if o.timestamp == timestamp else o.with_values(o.values, timestamp)) for s, o in parts]

    statements = [statement for statement, _ in parts]
    return _execute(ctx, statements, [o.values for _, o in parts], timed, options, batch_type)


def execute_bound(
    ctx: ExecutionContext,
    children: Sequence[tuple[ModificationStatement, tuple[BoundValue, ...]]],
    options: QueryOptions,
    batch_type: BatchType,
) -> ResultMessage:
    """``execute`` for a protocol BATCH: each statement comes with its values, the rest of its options are
    the batch's (each child's options are made only when the batch is not built in one pass)."""

    def timed(timestamp: int) -> list[Part]:
        return [(statement, options.with_values(values, timestamp)) for statement, values in children]

    statements = [statement for statement, _ in children]
    return _execute(ctx, statements, [values for _, values in children], timed, options, batch_type)


def execute_protocol_batch(
    ctx: ExecutionContext,
    children: Sequence[tuple[ModificationStatement, tuple[BoundValue, ...]]],
    options: QueryOptions,
    batch_type: BatchType,
) -> ResultMessage:
    """A protocol BATCH (or a driver's ``BatchStatement``): each prepared child with its own values;
    validation and execution are the CQL BATCH's. It has no ``USING TIMESTAMP`` of its own (a client's
    default timestamp is not one: Cassandra's ``BatchStatement.validate`` looks at the statements'
    attributes only)."""
    ctx.warnings = []
    validate(batch_type, [statement for statement, _ in children], timestamp_set=False, ttl_set=False)
    return execute_bound(ctx, children, options, batch_type)


def _execute(
    ctx: ExecutionContext,
    statements: Sequence[ModificationStatement],
    values: Sequence[Sequence[BoundValue]],
    timed: Callable[[int], list[Part]],
    options: QueryOptions,
    batch_type: BatchType,
) -> ResultMessage:
    """The batch of ``statements``; ``timed(timestamp)`` gives each its options at the batch's timestamp."""
    timestamp = options.timestamp if options.timestamp is not None else ctx.next_timestamp()
    binds = []
    mutations = _plain_mutations(ctx, statements, values, timestamp, options)
    if mutations is None:
        parts = timed(timestamp)
        if any(statement.is_conditional for statement in statements):
            return _execute_conditional(ctx, parts, options)
        binds = [(s, o, ctx.bind_context(o)) for s, o in parts]
        mutations = [
            m for statement, part_options, bind in binds for m in statement.mutations(ctx, bind, part_options)
        ]
    tables_written = {s.table_metadata.id: s.table_metadata for s in statements}
    batch_limits.warn_low_gc_grace(batch_type, tables_written.values(), ctx.warnings)
    tables = ctx.catalog.schema.table_by_id
    batch_limits.verify_batch_size(mutations, tables, ctx.warnings)
    batch_limits.verify_batch_type(batch_type, mutations, tables, ctx.warnings)
    atomically = getattr(ctx.proxy, "mutate_atomically", None)  # a cluster's coordinator: the batchlog
    if batch_type is BatchType.LOGGED and atomically is not None:
        atomically(per_partition(mutations, ctx.catalog.schema), options.consistency)
    elif not any(table.is_counter for table in tables_written.values()):
        ctx.proxy.mutate(per_partition(mutations, ctx.catalog.schema), options.consistency)
    else:
        # A counter update is built from the shard it advances, so each is rebuilt and applied before the
        # next one reads it (the mutations above, built from the same shards, served the checks only).
        for statement, part_options, bind in binds:
            ctx.proxy.mutate(statement.mutations(ctx, bind, part_options), options.consistency)
    return ResultMessage(Void(), tuple(ctx.warnings))


def _plain_mutations(
    ctx: ExecutionContext,
    statements: Sequence[ModificationStatement],
    values: Sequence[Sequence[BoundValue]],
    timestamp: int,
    options: QueryOptions,
) -> list[Mutation] | None:
    """A batch of one plain prepared write run many times (``plain_write``), built in one pass; None for
    any other batch, or when its values need the general path."""
    if not statements:
        return None
    first = statements[0]
    plain = first.plain_write
    if plain is None or any(statement is not first for statement in statements):
        return None
    return plain.mutations(ctx, values, timestamp, options)


def per_partition(mutations: Sequence[Mutation], schema: Schema) -> Sequence[Mutation]:
    """One mutation per partition, each table's updates reconciled into one, as Cassandra's
    ``BatchStatement.getMutations`` collects a batch: a partition's rows reach the commitlog as one entry
    and the memtable in one apply (the same cells, reconciled by the same rules as applying them apart)."""
    grouped: dict[tuple[str, bytes], dict[uuid.UUID, list[PartitionUpdate]]] = {}
    for mutation in mutations:
        tables = grouped.setdefault((mutation.keyspace, mutation.key), {})
        for table_id, update in mutation.updates:
            tables.setdefault(table_id, []).append(update)
    if len(grouped) == len(mutations):
        return mutations  # one mutation per partition already
    merged = []
    for (keyspace, key), tables in grouped.items():
        updates = []
        for table_id, versions in tables.items():
            table = schema.table_by_id(table_id)
            if len(versions) == 1 or table is None:
                updates.extend((table_id, version) for version in versions)
            else:
                updates.append((table_id, merge_partitions(versions, keys.clustering_comparator(table))))
        merged.append(Mutation(keyspace, key, tuple(updates)))
    return merged


def _execute_conditional(
    ctx: ExecutionContext, parts: Sequence[Part], options: QueryOptions
) -> ResultMessage:
    binds = [(statement, part_options, ctx.bind_context(part_options)) for statement, part_options in parts]
    if len({statement.conditional_partition(bind) for statement, _, bind in binds}) > 1:
        raise InvalidRequest("Batch with conditions cannot span multiple partitions")
    table = parts[0][0].table_metadata
    cas = getattr(ctx.proxy, "cas", None)
    if cas is not None:  # a cluster's coordinator: Paxos across the partition's replicas

        def decide() -> tuple[list | None, ResultMessage]:
            for statement, part_options, bind in binds:
                if statement.is_conditional:
                    serial = replace(part_options, consistency=options.serial_consistency)
                    applied, failure = statement.check(ctx, bind, serial, in_batch=True)
                    if not applied:
                        return None, ResultMessage(failure)
            mutations = [m for s, o, b in binds for m in s.mutations(ctx, b, o)]
            return mutations, ResultMessage(modification.applied_result(table))

        key = binds[0][0].conditional_partition(binds[0][2])
        return cas(table.id, key, keys.token(key), options.serial_consistency, options.consistency, decide)
    with modification.LWT_LOCK:
        for statement, part_options, bind in binds:
            if statement.is_conditional:
                applied, failure = statement.check(ctx, bind, part_options, in_batch=True)
                if not applied:
                    return ResultMessage(failure)
        mutations = [
            m for statement, part_options, bind in binds for m in statement.mutations(ctx, bind, part_options)
        ]
        ctx.proxy.mutate(mutations, options.consistency)
    return ResultMessage(modification.applied_result(table))
