"""Ring questions for the admin seam: ownership, token ranges and their replicas, replicas of a token.

Built on :mod:`engine.locator` from the endpoints :mod:`engine.probe.endpoint` describes: a
``TokenMetadata`` from their tokens, a ``Topology`` from their data centers and racks, and each keyspace's
replication strategy. The rules are ``StorageService``'s:

* **effective ownership** without a keyspace uses the first non-system keyspace when every non-system
  keyspace has the same replication, ``system_traces`` when there is none, and otherwise is meaningless
  (IllegalStateException: ``nodetool status`` then shows raw ownership and a note);
* a keyspace that does not exist is an IllegalArgumentException (``The keyspace ks, does not exist``);
* ``describering`` refuses unknown keyspaces (``No such keyspace: ks``) and LocalStrategy ones
  (``There is no ring for the keyspace: ks``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from engine.locator.ownership import LOCAL_STRATEGY_OWNERSHIP, effective_ownership, raw_ownership
from engine.locator.replication_strategy import ReplicationStrategy
from engine.locator.strategies import create_strategy
from engine.locator.token_metadata import TokenMetadata
from engine.locator.topology import Topology
from engine.probe.endpoint import EndpointDescription
from engine.probe.values import (
    EndpointDetails,
    Ownership,
    ProbeArgumentError,
    ProbeError,
    TokenRangeDescription,
)
from engine.schema.describe import is_system_keyspace
from engine.schema.metadata import Schema

SYSTEM_TRACES = "system_traces"
DIFFERING_REPLICATION = (
    "Non-system keyspaces don't have the same replication settings, effective ownership information "
    "is meaningless"
)


def token_metadata(endpoints: Sequence[EndpointDescription]) -> TokenMetadata:
    return TokenMetadata.from_tokens({e.address: e.tokens for e in endpoints if e.tokens})


def topology(endpoints: Sequence[EndpointDescription]) -> Topology:
    return Topology.of(
        {e.address: (e.data_center, e.rack) for e in endpoints}, {e.address: e.host_id for e in endpoints}
    )


def strategy(schema: Schema, keyspace: str, local: str = "") -> ReplicationStrategy:
    metadata = schema.keyspace(keyspace)
    if metadata is None:
        raise ProbeArgumentError(f"The keyspace {keyspace}, does not exist")
    return create_strategy(metadata.replication, keyspace=keyspace, local_endpoint=local)


def _ownership_keyspace(schema: Schema) -> str:
    user = [
        k for k in sorted(schema.keyspaces.values(), key=lambda k: k.name) if not is_system_keyspace(k.name)
    ]
    if not user:
        return SYSTEM_TRACES
    first = user[0].replication
    if any(k.replication != first for k in user[1:]):
        raise ProbeError(DIFFERING_REPLICATION)
    return user[0].name


def ownership(
    endpoints: Sequence[EndpointDescription], schema: Schema, keyspace: str | None, *, strict: bool = False
) -> Ownership:
    """Effective ownership for ``keyspace``; raw ownership with a note when it is meaningless (or a
    ``ProbeError`` with the note when ``strict``)."""
    tokens = token_metadata(endpoints)
    try:
        name = keyspace if keyspace is not None else _ownership_keyspace(schema)
        chosen = strategy(schema, name)
        try:
            fractions = effective_ownership(chosen, tokens, topology(endpoints))
        except ValueError:
            raise ProbeError(LOCAL_STRATEGY_OWNERSHIP) from None
        return Ownership(fractions, True)
    except ProbeArgumentError:
        raise
    except ProbeError as e:
        if strict:
            raise
        return Ownership(raw_ownership(tokens), False, str(e))


def describe_ring(
    endpoints: Sequence[EndpointDescription], schema: Schema, keyspace: str
) -> tuple[TokenRangeDescription, ...]:
    metadata = schema.keyspace(keyspace)
    if metadata is None:
        raise ProbeError(f"No such keyspace: {keyspace}")
    chosen = create_strategy(metadata.replication, keyspace=keyspace)
    if chosen.class_name.endswith(".LocalStrategy"):
        raise ProbeError(f"There is no ring for the keyspace: {keyspace}")
    ring = topology(endpoints)
    by_address = {e.address: e for e in endpoints}
    out = []
    for token_range, replicas in chosen.range_addresses(token_metadata(endpoints), ring).items():
        details = tuple(EndpointDetails(a, by_address[a].data_center, by_address[a].rack) for a in replicas)
        out.append(TokenRangeDescription(token_range.left, token_range.right, replicas, replicas, details))
    return tuple(out)


def replicas(
    endpoints: Sequence[EndpointDescription], schema: Schema, keyspace: str, token: int
) -> tuple[str, ...]:
    chosen = strategy(schema, keyspace, endpoints[0].address if endpoints else "")
    return chosen.natural_replicas(token, token_metadata(endpoints), topology(endpoints))


def local_ownership_test(
    endpoints: Sequence[EndpointDescription], schema: Schema, keyspace: str, local: str
) -> Callable[[int], bool]:
    """Whether ``local`` replicates a token of ``keyspace`` (what cleanup keeps)."""
    chosen = strategy(schema, keyspace, local)
    if not chosen.is_partitioned:
        return lambda token: True
    ranges = chosen.ranges_of(local, token_metadata(endpoints), topology(endpoints))
    return lambda token: any(r.contains(token) for r in ranges)
