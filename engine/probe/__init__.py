"""The admin seam (``nodetool``'s NodeProbe): questions and operations on a node, answered with frozen
dataclasses; the admin tools render them. See :mod:`engine.probe.node_probe`."""

from engine.probe.endpoint import EndpointDescription, NodeState, NodeStatus
from engine.probe.node_probe import NodeProbe
from engine.probe.values import (
    ActiveCompaction,
    AutoCompactionStatus,
    CacheReport,
    ClusterDescription,
    CompactionHistoryEntry,
    CompactionStats,
    EndpointDetails,
    NodeInfoReport,
    Ownership,
    Percentiles,
    ProbeArgumentError,
    ProbeError,
    RingEndpoint,
    SnapshotEntry,
    TableHistograms,
    TableStats,
    ThreadPoolStats,
    TokenRangeDescription,
)

__all__ = [
    "ActiveCompaction",
    "AutoCompactionStatus",
    "CacheReport",
    "ClusterDescription",
    "CompactionHistoryEntry",
    "CompactionStats",
    "EndpointDescription",
    "EndpointDetails",
    "NodeInfoReport",
    "NodeProbe",
    "NodeState",
    "NodeStatus",
    "Ownership",
    "Percentiles",
    "ProbeArgumentError",
    "ProbeError",
    "RingEndpoint",
    "SnapshotEntry",
    "TableHistograms",
    "TableStats",
    "ThreadPoolStats",
    "TokenRangeDescription",
]
