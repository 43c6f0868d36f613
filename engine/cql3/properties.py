"""``WITH`` properties of keyspaces and tables: parsed, defaulted and validated as Cassandra 5.0 does.

Property values arrive as constants or maps of constants; like Cassandra (``PropertyDefinitions``),
map values are kept as text (``'min_threshold': 4`` is stored as ``'4'``). Messages follow
``PropertyDefinitions``, ``KeyspaceAttributes``, ``TableAttributes`` and the replication strategies'
``validateOptions``.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from types import MappingProxyType

from engine.cql import ast
from engine.cql.ast.ddl import KeywordValue, Property
from engine.db.compaction.params import parse_compaction_options
from engine.errors import ConfigurationException, InvalidRequest, SyntaxException
from engine.schema.metadata import (
    NETWORK_TOPOLOGY_STRATEGY,
    SIMPLE_STRATEGY,
    ReplicationParams,
    TableParams,
)

_STRATEGY_PACKAGE = "org.apache.cassandra.locator."
_KNOWN_STRATEGIES = {SIMPLE_STRATEGY, NETWORK_TOPOLOGY_STRATEGY}

KEYSPACE_PROPERTIES = ("replication", "durable_writes")
TABLE_PROPERTIES = (
    "additional_write_policy",
    "allow_auto_snapshot",
    "bloom_filter_fp_chance",
    "caching",
    "cdc",
    "comment",
    "compaction",
    "compression",
    "memtable",
    "crc_check_chance",
    "default_time_to_live",
    "extensions",
    "gc_grace_seconds",
    "id",
    "incremental_backups",
    "max_index_interval",
    "memtable_flush_period_in_ms",
    "min_index_interval",
    "read_repair",
    "speculative_retry",
)


def _text(value: ast.Term | KeywordValue, name: str = "") -> str:
    if isinstance(value, KeywordValue):
        return value.keyword
    if isinstance(value, ast.Constant):
        return value.text
    # PropertyDefinitions.getString
    raise SyntaxException(f"Invalid value for property '{name}'. It should be a string")


def _as_map(name: str, value: object) -> dict[str, str]:
    if not isinstance(value, ast.MapLiteral):
        raise SyntaxException(f"Invalid value for property '{name}'. It should be a map.")
    out: dict[str, str] = {}
    for k, v in value.entries:
        out[_text(k, name)] = _text(v, name)
    return out


def collect(properties: tuple[Property, ...], known: tuple[str, ...]) -> dict[str, object]:
    """The properties by name, refusing unknown and repeated ones (``PropertyDefinitions.validate``)."""
    found: dict[str, object] = {}
    for prop in properties:
        if prop.name in found:
            raise SyntaxException(f"Multiple definitions for property '{prop.name}'")
        if prop.name not in known:
            raise SyntaxException(f"Unknown property '{prop.name}'")
        found[prop.name] = prop.value
    return found


def _boolean(name: str, value: object) -> bool:
    """PropertyDefinitions.parseBoolean."""
    text = _text(value, name).lower()  # type: ignore[arg-type]
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise SyntaxException(
        f"Invalid boolean value {_text(value, name)} for '{name}'. Positive values can be '1', 'true' or 'yes'. "  # type: ignore[arg-type]
        "Negative values can be '0', 'false' or 'no'."
    )


def _integer(name: str, value: object) -> int:
    text = _text(value, name)  # type: ignore[arg-type]
    try:
        return int(text)
    except ValueError:
        raise SyntaxException(f"Invalid integer value {text} for '{name}'") from None


def _double(name: str, value: object) -> float:
    text = _text(value, name)  # type: ignore[arg-type]
    try:
        return float(text)
    except ValueError:
        raise SyntaxException(f"Invalid double value {text} for '{name}'") from None


# ------------------------------------------------------------------------------------- keyspaces


#: DatabaseDescriptor.getDefaultKeyspaceRF (``default_keyspace_rf``, 1 by default)
DEFAULT_KEYSPACE_RF = "1"


def strategy_class(class_name: str) -> str:
    """AbstractReplicationStrategy.getClass: a short name is in ``org.apache.cassandra.locator``."""
    full = class_name if "." in class_name else _STRATEGY_PACKAGE + class_name
    if full == _STRATEGY_PACKAGE + "OldNetworkTopologyStrategy":  # CASSANDRA-16301
        raise ConfigurationException(
            "The support for the OldNetworkTopologyStrategy has been removed in C* version 4.0. "
            "The keyspace strategy should be switch to NetworkTopologyStrategy"
        )
    if full == _STRATEGY_PACKAGE + "LocalStrategy":
        return full
    if full not in _KNOWN_STRATEGIES:
        raise ConfigurationException(f"Unable to find replication strategy class '{full}'")
    return full


def replication(
    options: Mapping[str, str], keyspace: str, previous: Mapping[str, str] | None = None
) -> ReplicationParams:
    """ReplicationParams.fromMapWithDefaults and the strategy's validation (SimpleStrategy,
    AbstractReplicationStrategy.validateReplicationStrategy), with their messages. ``options`` has a class."""
    opts = dict(options)
    full = strategy_class(opts.pop("class"))
    if full == _STRATEGY_PACKAGE + "LocalStrategy":
        raise InvalidRequest(
            "Unable to use given strategy class: LocalStrategy is reserved for internal use."
        )
    name = full.rsplit(".", 1)[1]
    if full == SIMPLE_STRATEGY:
        # SimpleStrategy.prepareOptions: the previous RF on ALTER, else default_keyspace_rf (4.1+)
        opts.setdefault("replication_factor", (previous or {}).get("replication_factor", DEFAULT_KEYSPACE_RF))
        _replication_factor(opts["replication_factor"])  # the strategy's constructor
        for option in opts:
            if option != "replication_factor":
                raise ConfigurationException(
                    f"Unrecognized strategy option {{{option}}} passed to {name} for keyspace {keyspace}"
                )
    else:
        # cqlkit does not check datacenter names against the cluster (NetworkTopologyStrategy.recognizedOptions)
        for dc, rf in opts.items():
            if dc == "replication_factor":
                continue
            _replication_factor(rf)
    return ReplicationParams(full, MappingProxyType(opts))


def _java_int(text: str) -> int:
    """Integer.parseInt, with its NumberFormatException message."""
    if re.fullmatch(r"[+-]?[0-9]+", text) and -(2**31) <= int(text) < 2**31:
        return int(text)
    raise ConfigurationException(f'For input string: "{text}"')


def _replication_factor(text: str) -> int:
    """ReplicationFactor.fromString and validate (transient replication is disabled in 5.0's default config)."""
    if "/" in text:
        parts = text.split("/")
        if len(parts) != 2:
            raise ConfigurationException("Replication factor format is <replicas> or <replicas>/<transient>")
        total, transient = _java_int(parts[0]), _java_int(parts[1])
        if transient != 0:
            raise ConfigurationException("Transient replication is not enabled on this node")
    else:
        total = _java_int(text)
    if total < 0:
        raise ConfigurationException(f"Replication factor must be non-negative, found {total}")
    return total


# ---------------------------------------------------------------------------------------- tables


def table_id(properties: tuple[Property, ...]) -> uuid.UUID | None:
    """TableAttributes.getId: ``WITH id = <uuid>``."""
    for prop in properties:
        if prop.name == "id":
            try:
                return uuid.UUID(_text(prop.value, "id"))  # type: ignore[arg-type]
            except ValueError:
                raise ConfigurationException("Invalid table id") from None
    return None


def table_params(properties: tuple[Property, ...], base: TableParams | None = None) -> TableParams:
    """``base`` with the given options applied and validated (CREATE/ALTER TABLE ... WITH)."""
    base = base if base is not None else TableParams()
    found = collect(properties, TABLE_PROPERTIES)
    changes: dict[str, object] = {}
    for name, value in found.items():
        match name:
            case "comment" | "memtable" | "read_repair" | "speculative_retry" | "additional_write_policy":
                changes[name] = _text(value, name)  # type: ignore[arg-type]
            case "allow_auto_snapshot" | "cdc" | "incremental_backups":
                changes[name] = _boolean(name, value)
            case "bloom_filter_fp_chance" | "crc_check_chance":
                changes[name] = _double(name, value)
            case "default_time_to_live" | "gc_grace_seconds" | "max_index_interval" | "min_index_interval":
                changes[name] = _integer(name, value)
            case "memtable_flush_period_in_ms":
                changes[name] = _integer(name, value)
            case "caching":
                caching = _as_map(name, value)
                changes[name] = MappingProxyType({**dict(base.caching), **caching})
            case "compaction":
                options = _as_map(name, value)
                parsed = parse_compaction_options(options)
                changes[name] = MappingProxyType(parsed.to_cql_map())
            case "compression":
                changes[name] = MappingProxyType(_compression(_as_map(name, value)))
            case "id":
                pass  # the table's id: build_table reads it (table_id)
            case "extensions":
                changes[name] = MappingProxyType({k: v.encode() for k, v in _as_map(name, value).items()})
    params = replace(base, **changes)  # type: ignore[arg-type]
    _validate(params)
    return params


def _compression(options: dict[str, str]) -> dict[str, str]:
    if options.get("enabled", "true").lower() == "false":
        return {"enabled": "false"}
    class_name = options.get("class", options.get("sstable_compression", "LZ4Compressor"))
    if "." not in class_name:
        class_name = "org.apache.cassandra.io.compress." + class_name
    out = {k: v for k, v in options.items() if k not in ("class", "sstable_compression", "enabled")}
    out.setdefault("chunk_length_in_kb", "16")
    out["class"] = class_name
    return dict(sorted(out.items()))


#: BloomCalculations.minSupportedBloomFilterFpChance (the last entry of its probability table)
MIN_BLOOM_FILTER_FP_CHANCE = 6.71e-05


def java_double(value: float) -> str:
    """Java's ``Double.toString``: scientific notation below 1e-3 and from 1e7 (``1.0E-7``)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        text = repr(float(value))
        return text if "e" not in text else f"{float(value):f}"
    sign, digits, exponent = Decimal(repr(float(value))).normalize().as_tuple()
    figures = "".join(map(str, digits))
    power = len(figures) - 1 + int(exponent)
    mantissa = figures[0] + "." + (figures[1:] or "0")
    return f"{'-' if sign else ''}{mantissa}E{power}"


def _validate(params: TableParams) -> None:
    """TableParams.validate (ConfigurationException)."""
    fp = params.bloom_filter_fp_chance
    if fp <= MIN_BLOOM_FILTER_FP_CHANCE or fp > 1:
        raise ConfigurationException(
            f"bloom_filter_fp_chance must be larger than {java_double(MIN_BLOOM_FILTER_FP_CHANCE)} and less "
            f"than or equal to 1.0 (got {java_double(fp)})"
        )
    if not 0.0 <= params.crc_check_chance <= 1.0:
        raise ConfigurationException(
            f"crc_check_chance must be larger than or equal to 0 and smaller than or equal to 1.0 "
            f"(got {java_double(params.crc_check_chance)})"
        )
    if params.default_time_to_live < 0:
        raise ConfigurationException(
            f"default_time_to_live must be greater than or equal to 0 (got {params.default_time_to_live})"
        )
    if params.default_time_to_live > 630720000:
        raise ConfigurationException(
            f"default_time_to_live must be less than or equal to 630720000 (got {params.default_time_to_live})"
        )
    if params.gc_grace_seconds < 0:
        raise ConfigurationException(
            f"gc_grace_seconds must be greater than or equal to 0 (got {params.gc_grace_seconds})"
        )
    if params.min_index_interval < 1:
        raise ConfigurationException(
            f"min_index_interval must be greater than or equal to 1 (got {params.min_index_interval})"
        )
    if params.max_index_interval < params.min_index_interval:
        raise ConfigurationException(
            f"max_index_interval must be greater than or equal to min_index_interval "
            f"({params.min_index_interval}) (got {params.max_index_interval})"
        )
    if params.memtable_flush_period_in_ms < 0:
        raise ConfigurationException(
            f"memtable_flush_period_in_ms must be greater than or equal to 0 (got {params.memtable_flush_period_in_ms})"
        )
