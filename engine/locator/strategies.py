"""Building replication strategies from keyspace options, and validating options as CREATE/ALTER KEYSPACE do.

:func:`create_strategy` builds the strategy of a stored keyspace (options already validated when the
keyspace was created). :func:`validate_options` is the ``CREATE KEYSPACE`` / ``ALTER KEYSPACE`` path and
follows Cassandra 5.0 step by step, because the *first* failing check decides the message users see:

1. ``KeyspaceAttributes.validate``: no class → ``Missing replication strategy class``;
2. ``AbstractReplicationStrategy.getClass``: a short name gets ``org.apache.cassandra.locator.``; the
   removed ``OldNetworkTopologyStrategy`` and unknown classes are refused;
3. ``prepareOptions`` (:func:`prepare_options`): SimpleStrategy gets ``replication_factor`` from the previous
   options (ALTER) or ``default_keyspace_rf``; NetworkTopologyStrategy expands ``replication_factor`` into
   every known datacenter (CASSANDRA-14303), keeps an ALTER's other datacenters, and drops datacenters
   whose factor is ``"0"``. Cassandra calls this hook by reflection and *ignores its exceptions*, so an
   unparsable ``replication_factor`` given to NTS just disappears (and the keyspace then fails with
   "Configuration for at least one datacenter must be present" if nothing else is left): reproduced;
4. ``CreateKeyspaceStatement``: LocalStrategy is reserved (``InvalidRequest``);
5. the strategy constructor parses the factors (Java ``Integer.parseInt`` errors: ``For input string``);
6. ``validateExpectedOptions``: NTS needs a datacenter; ``Unrecognized strategy option {x} passed to
   SimpleStrategy for keyspace ks`` (for several, the first in the order given: Cassandra's order is its
   HashMap's, which we do not emulate); NTS's ``system_auth`` must name every datacenter;
7. ``validateOptions``: each factor parsed again, with the vnode check for transient replicas;
8. ``maybeWarnOnOptions``: the client warnings ("Your replication factor 3 for keyspace ks is higher than
   the number of nodes 1");
9. transient replicas with transient replication disabled (unreachable with cqlkit's fixed
   ``transient_replication_enabled: false``, as step 5 refuses them first: kept for fidelity).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from engine.errors import ConfigurationException, InvalidRequest
from engine.locator.everywhere_strategy import EverywhereStrategy
from engine.locator.local_strategy import LocalStrategy
from engine.locator.network_topology_strategy import NetworkTopologyStrategy
from engine.locator.replication_factor import ReplicationFactor
from engine.locator.replication_strategy import ReplicationStrategy
from engine.locator.simple_strategy import SimpleStrategy
from engine.locator.topology import Topology
from engine.schema.metadata import ReplicationParams

STRATEGY_PACKAGE = "org.apache.cassandra.locator."
REPLICATION_FACTOR = "replication_factor"

STRATEGIES: Mapping[str, type[ReplicationStrategy]] = MappingProxyType(
    {
        cls.class_name: cls
        for cls in (SimpleStrategy, NetworkTopologyStrategy, LocalStrategy, EverywhereStrategy)
    }
)


@dataclass(frozen=True, slots=True)
class ValidatedReplication:
    """The outcome of :func:`validate_options`: what to store, and the warnings to send the client."""

    strategy_class: str
    options: Mapping[str, str]
    warnings: tuple[str, ...] = field(default=())

    def as_params(self) -> ReplicationParams:
        return ReplicationParams(self.strategy_class, MappingProxyType(dict(self.options)))


def resolve_class(class_name: str | None) -> type[ReplicationStrategy]:
    """``AbstractReplicationStrategy.getClass``: the strategy class for a short or qualified name."""
    if class_name is None:
        raise ConfigurationException("Missing replication strategy class")
    full = class_name if "." in class_name else STRATEGY_PACKAGE + class_name
    if full == STRATEGY_PACKAGE + "OldNetworkTopologyStrategy":  # CASSANDRA-16301
        raise ConfigurationException(
            "The support for the OldNetworkTopologyStrategy has been removed in C* version 4.0. "
            "The keyspace strategy should be switch to NetworkTopologyStrategy"
        )
    try:
        return STRATEGIES[full]
    except KeyError:
        raise ConfigurationException(f"Unable to find replication strategy class '{full}'") from None


def create_strategy(
    replication: ReplicationParams | str,
    options: Mapping[str, str] | None = None,
    keyspace: str = "",
    *,
    local_endpoint: str = "",
) -> ReplicationStrategy:
    """The strategy for stored replication params (or a class name and options), without validation.

    ``local_endpoint`` is the node's own address, needed by LocalStrategy only.
    """
    if isinstance(replication, ReplicationParams):
        class_name, options = replication.strategy_class, replication.options
    else:
        class_name = replication
    cls = resolve_class(class_name)
    if cls is LocalStrategy:
        return LocalStrategy(keyspace, options or {}, local_endpoint=local_endpoint)
    return cls(keyspace, options or {})


def prepare_options(
    class_name: str,
    options: Mapping[str, str],
    previous_options: Mapping[str, str] | None = None,
    topology: Topology | None = None,
    *,
    default_rf: int = 1,
    num_tokens: int = 16,
    transient_replication_enabled: bool = False,
) -> dict[str, str]:
    """The strategy's ``prepareOptions`` hook: defaults and datacenter auto-expansion (see module doc)."""
    cls = resolve_class(class_name)
    prepared = dict(options)
    previous = dict(previous_options or {})
    if cls is SimpleStrategy:
        prepared.setdefault(REPLICATION_FACTOR, previous.get(REPLICATION_FACTOR, str(default_rf)))
    elif cls is NetworkTopologyStrategy:
        datacenters = topology.datacenters if topology is not None else ()
        # Cassandra ignores the hook's exceptions: the options stay as far as they got.
        with contextlib.suppress(ValueError):
            _prepare_nts(
                prepared, previous, datacenters, default_rf, num_tokens, transient_replication_enabled
            )
    return prepared


def _prepare_nts(
    options: dict[str, str],
    previous: dict[str, str],
    datacenters: tuple[str, ...],
    default_rf: int,
    num_tokens: int,
    transient_replication_enabled: bool,
) -> None:
    if not options:
        options.setdefault(REPLICATION_FACTOR, previous.get(REPLICATION_FACTOR, str(default_rf)))
    replication = options.pop(REPLICATION_FACTOR, None)
    if replication is None and not options:
        replication = previous.get(REPLICATION_FACTOR)  # ALTER from SimpleStrategy to NTS
    elif replication is not None:
        # An ALTER's auto-expansion keeps the datacenters it already had, for safety.
        for dc, value in previous.items():
            if dc != REPLICATION_FACTOR:
                options.setdefault(dc, value)
    if replication is not None:
        default = ReplicationFactor.parse(
            replication, transient_replication_enabled=transient_replication_enabled, num_tokens=num_tokens
        )
        for dc in datacenters:
            options.setdefault(dc, default.to_parseable_string())
    for dc in [dc for dc, value in options.items() if value == "0"]:
        del options[dc]


def validate_options(
    class_name: str | None,
    options: Mapping[str, str],
    keyspace: str,
    topology: Topology,
    *,
    default_rf: int = 1,
    previous_options: Mapping[str, str] | None = None,
    num_tokens: int = 16,
    transient_replication_enabled: bool = False,
) -> ValidatedReplication:
    """Validate ``CREATE/ALTER KEYSPACE``'s replication options (``class`` given separately).

    Raises ``ConfigurationException`` (or ``InvalidRequest`` for LocalStrategy) with Cassandra 5.0's
    message; returns the full class name, the prepared options to store, and client warnings.
    ``previous_options`` are the keyspace's current options on ALTER (same class or not).
    """
    cls = resolve_class(class_name)
    assert class_name is not None
    prepared = prepare_options(
        class_name,
        options,
        previous_options,
        topology,
        default_rf=default_rf,
        num_tokens=num_tokens,
        transient_replication_enabled=transient_replication_enabled,
    )
    if cls is LocalStrategy:
        raise InvalidRequest(
            "Unable to use given strategy class: LocalStrategy is reserved for internal use."
        )
    if cls in (SimpleStrategy, NetworkTopologyStrategy):
        strategy = cls(
            keyspace,
            prepared,
            transient_replication_enabled=transient_replication_enabled,
            num_tokens=num_tokens,
        )
    else:
        strategy = cls(keyspace, prepared)

    if isinstance(strategy, NetworkTopologyStrategy):
        strategy.validate_expected_options(topology)
    recognized = strategy.recognized_options(topology)
    if recognized is not None:
        for key in prepared:
            if key not in recognized:
                raise ConfigurationException(
                    f"Unrecognized strategy option {{{key}}} passed to {strategy.simple_name} for keyspace {keyspace}"
                )
    if isinstance(strategy, NetworkTopologyStrategy):
        strategy.validate_auth_keyspace(topology)

    strategy.validate_options(
        topology, num_tokens=num_tokens, transient_replication_enabled=transient_replication_enabled
    )
    warnings = strategy.warnings(topology)
    if strategy.replication_factor(topology).has_transient_replicas and not transient_replication_enabled:
        raise ConfigurationException("Transient replication is disabled. Enable in cassandra.yaml to use.")
    return ValidatedReplication(cls.class_name, MappingProxyType(prepared), warnings)
