"""``WITH`` properties of keyspaces and tables: parsed, defaulted and validated as Cassandra 5.0 does.

Property values arrive as constants or maps of constants; like Cassandra (``PropertyDefinitions``),
map values are kept as text (``'min_threshold': 4`` is stored as ``'4'``). Messages follow
``PropertyDefinitions``, ``KeyspaceAttributes``, ``TableAttributes`` and the replication strategies'
``validateOptions``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType

from engine.cql import ast
from engine.cql.ast.ddl import KeywordValue, Property
from engine.db.compaction.params import parse_compaction_options
from engine.errors import ConfigurationException, SyntaxException
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
    "incremental_backups",
    "max_index_interval",
    "memtable_flush_period_in_ms",
    "min_index_interval",
    "read_repair",
    "speculative_retry",
)


def _text(value: ast.Term | KeywordValue) -> str:
    if isinstance(value, KeywordValue):
        return value.keyword
    if isinstance(value, ast.Constant):
        return value.text
    raise SyntaxException(f"Invalid value {value.cql()}")


def _as_map(name: str, value: object) -> dict[str, str]:
    if not isinstance(value, ast.MapLiteral):
        raise SyntaxException(f"Invalid value for property '{name}'. It should be a map.")
    out: dict[str, str] = {}
    for k, v in value.entries:
        out[_text(k)] = _text(v)
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
    text = _text(value).lower()  # type: ignore[arg-type]
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise SyntaxException(
        f"Invalid boolean value {_text(value)} for '{name}'. Valid options are 'true', 'false'."
    )  # type: ignore[arg-type]


def _integer(name: str, value: object) -> int:
    text = _text(value)  # type: ignore[arg-type]
    try:
        return int(text)
    except ValueError:
        raise SyntaxException(f"Invalid integer value {text} for '{name}'") from None


def _double(name: str, value: object) -> float:
    text = _text(value)  # type: ignore[arg-type]
    try:
        return float(text)
    except ValueError:
        raise SyntaxException(f"Invalid double value {text} for '{name}'") from None


# ------------------------------------------------------------------------------------- keyspaces


def replication(options: Mapping[str, str], keyspace: str) -> ReplicationParams:
    opts = dict(options)
    class_name = opts.pop("class", None)
    if class_name is None:
        raise ConfigurationException("Missing replication strategy class")
    full = class_name if "." in class_name else _STRATEGY_PACKAGE + class_name
    if full not in _KNOWN_STRATEGIES:
        raise ConfigurationException(f"Unable to find replication strategy class '{full}'")
    name = full.rsplit(".", 1)[1]
    if full == SIMPLE_STRATEGY:
        rf = opts.get("replication_factor")
        if rf is None:
            raise ConfigurationException("SimpleStrategy requires a replication_factor strategy option.")
        _replication_factor(rf)
        unknown = sorted(set(opts) - {"replication_factor"})
        if unknown:
            raise ConfigurationException(
                f"Unrecognized strategy option {{{', '.join(unknown)}}} passed to {name} for keyspace {keyspace}"
            )
    else:
        for dc, rf in opts.items():
            if dc == "replication_factor":
                continue
            _replication_factor(rf)
    return ReplicationParams(full, MappingProxyType(opts))


def _replication_factor(text: str) -> int:
    try:
        rf = int(text)
    except ValueError:
        raise ConfigurationException(f"Replication factor must be numeric; found {text}") from None
    if rf < 0:
        raise ConfigurationException(f"Replication factor must be non-negative; found {text}")
    return rf


# ---------------------------------------------------------------------------------------- tables


def table_params(properties: tuple[Property, ...], base: TableParams | None = None) -> TableParams:
    """``base`` with the given options applied and validated (CREATE/ALTER TABLE ... WITH)."""
    base = base if base is not None else TableParams()
    found = collect(properties, TABLE_PROPERTIES)
    changes: dict[str, object] = {}
    for name, value in found.items():
        match name:
            case "comment" | "memtable" | "read_repair" | "speculative_retry" | "additional_write_policy":
                changes[name] = _text(value)  # type: ignore[arg-type]
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


def _validate(params: TableParams) -> None:
    # TableParams.validate
    if not 0 <= params.bloom_filter_fp_chance <= 1 or params.bloom_filter_fp_chance == 0:
        raise ConfigurationException(
            f"bloom_filter_fp_chance must be larger than 0.0 and less than or equal to 1.0 "
            f"(got {params.bloom_filter_fp_chance})"
        )
    if not 0.0 <= params.crc_check_chance <= 1.0:
        raise ConfigurationException(
            f"crc_check_chance must be larger than or equal to 0 and smaller than or equal to 1.0 "
            f"(got {params.crc_check_chance})"
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
            f"(got {params.max_index_interval})"
        )
    if params.memtable_flush_period_in_ms < 0:
        raise ConfigurationException(
            f"memtable_flush_period_in_ms must be greater than or equal to 0 (got {params.memtable_flush_period_in_ms})"
        )
