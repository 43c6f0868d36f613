"""cqlkit's engine: a Cassandra-compatible database, as a library.

The engine never prints and never exits, and keeps no module-level mutable state, so several nodes can
live in one process and tests can run clusters side by side. The shell (``shell``) and the admin tools
(``admin``) use it through this facade.

The life of a statement
=======================

1. The shell reads input; ``engine.cql.splitter`` finds complete statements (``;``, comments, strings,
   ``$$…$$``, BATCH blocks). Shell commands (CONSISTENCY, COPY, …) go to the shell's command registry;
   CQL goes on.
2. Over the native protocol, ``engine.transport`` decodes the frame (v3/v4/v5) into a QUERY/PREPARE/
   EXECUTE/BATCH message and hands it to a node's ``ClientState``/``Session``. In-process,
   ``Session.execute`` is called directly.
3. ``engine.cql.parser`` (one lark grammar, ``engine/cql/grammar/cql.lark``, whose LALR tables are cached
   on disk) → frozen syntax-tree dataclasses with line/column. Errors → ``SyntaxException`` with
   Cassandra's message shape (``line 1:0 no viable alternative at input 'SELEC' ([SELEC] *...)``).
4. ``engine.cql3`` (statement preparation) checks the tree against ``engine.schema`` (restrictions, types,
   ALLOW FILTERING rules) and produces an executable statement. Prepared statements are cached by id.
5. The partition key → bytes → ``engine.dht.murmur3_partitioner`` token (Cassandra-exact, signed tail
   bytes).
6. ``engine.service.storage_proxy`` (the coordinator): ``engine.locator`` picks replicas (strategy over the
   token ring), ``engine.gms`` says who is alive, ``engine.db.consistency_level`` says how many must
   answer (``Unavailable`` if too few are alive), ``engine.net.messaging`` delivers to replicas; hints for
   down replicas, read repair on digest mismatch, timeouts → ``ReadTimeout``/``WriteTimeout``.
7. On each replica, ``engine.db`` applies the mutation (commitlog, then memtable) or reads: merge memtable
   + SSTables by timestamp, tombstones shadow, TTLs expire.
8. A ``ResultSet`` (columns with CQL types, rows, paging state, warnings, trace id) returns to the caller:
   encoded as a RESULT frame, or rendered by ``shell.output``.

Steps 1, 3, 4, 5, 7 and 8 exist today on a single node (step 6 is a one-node storage proxy);
docs/architecture.md says what exists and what each later piece will add.

The embedded API (``Cluster``, ``Session``, ``ResultSet``, ``PreparedStatement``, ``ConsistencyLevel``,
``BatchType``) is imported lazily, so tools that only need the parser (``engine.cql``) do not load the
database.
"""

from engine.errors import (
    AlreadyExists,
    AuthenticationError,
    CqlError,
    ErrorCode,
    InvalidRequest,
    ReadTimeout,
    SyntaxException,
    Unauthorized,
    Unavailable,
    WriteTimeout,
)

_LAZY = {
    "Cluster": "engine.cluster.session",
    "Session": "engine.cluster.session",
    "ResultSet": "engine.cluster.session",
    "PreparedStatement": "engine.cluster.session",
    "ConsistencyLevel": "engine.db.consistency_level",
    "BatchType": "engine.cql.ast",
    "DirectoryInUse": "engine.cluster.node",
    "NodeDescription": "engine.cluster.node",
    "ClusterLayoutError": "engine.cluster.layout",
    "NodeProbe": "engine.probe",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "AlreadyExists",
    "AuthenticationError",
    "BatchType",
    "Cluster",
    "ClusterLayoutError",
    "ConsistencyLevel",
    "CqlError",
    "ErrorCode",
    "InvalidRequest",
    "NodeDescription",
    "NodeProbe",
    "PreparedStatement",
    "ReadTimeout",
    "ResultSet",
    "Session",
    "SyntaxException",
    "Unauthorized",
    "Unavailable",
    "WriteTimeout",
]
