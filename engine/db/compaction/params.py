"""Compaction options: the CQL ``compaction = {...}`` map, defaulted and validated as Cassandra 5.0 does it.

The option arrives as a map of strings (CQL turns literals into text: ``'min_threshold': 4`` arrives as
``'4'``). :func:`parse_compaction_options` follows Cassandra's path, ``CompactionParams.fromMap`` →
``create`` → ``validate``, and raises :class:`~engine.errors.ConfigurationException` with Cassandra's text
at the first problem, in Cassandra's order:

1. ``class`` is required; a name without a dot is looked up in ``org.apache.cassandra.db.compaction``
   (``CompactionParams.classFromName``), so both ``'LeveledCompactionStrategy'`` and the full class name work.
2. ``create``: ``enabled`` is read leniently (``Boolean.parseBoolean``), ``provide_overlapping_tombstones``
   must name a ``TombstoneOption`` in any case, and ``min_threshold``/``max_threshold`` get their defaults
   (4/32) when absent, because all three strategies accept them (``supportsThresholdParams``). That is why
   ``DESCRIBE TABLE`` shows them even when the user never wrote them.
3. ``validate``: the strategy's static ``validateOptions`` checks the options every strategy shares
   (``AbstractCompactionStrategy.validateOptions``), then its own, then the size-tiered bucket options (LCS
   size-tiers an overloaded L0 and TWCS size-tiers its newest window with them). Whatever is left is
   rejected as "not understood"; then the thresholds are checked.

The map is kept as the user wrote it (``CompactionParams.asMap``: ``'bucket_high': '2'`` stays ``'2'``);
:meth:`CompactionParams.to_cql_map` gives it back sorted, with the full class name, as ``DESCRIBE`` prints
it. The typed fields are what the planners use, parsed the way each strategy's constructor parses them
(``tombstone_threshold`` is a Java ``float``, so ``0.2`` is really 0.20000000298...).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeVar

from engine.db.compaction.java_lang import (
    LONG_MAX,
    JavaNumberFormatError,
    double_to_string,
    format_f,
    is_java_boolean,
    is_numeric,
    java_div,
    parse_boolean,
    parse_double,
    parse_float,
    parse_int,
    parse_long,
    to_float32,
)
from engine.errors import ConfigurationException

STRATEGY_PACKAGE = "org.apache.cassandra.db.compaction."
MIB = 1024 * 1024

DEFAULT_MIN_THRESHOLD = 4
DEFAULT_MAX_THRESHOLD = 32
DEFAULT_TOMBSTONE_THRESHOLD = 0.2
DEFAULT_TOMBSTONE_COMPACTION_INTERVAL = 86400
DEFAULT_MIN_SSTABLE_SIZE = 50 * MIB
DEFAULT_BUCKET_LOW = 0.5
DEFAULT_BUCKET_HIGH = 1.5
DEFAULT_SSTABLE_SIZE_IN_MB = 160
DEFAULT_FANOUT_SIZE = 10
DEFAULT_COMPACTION_WINDOW_SIZE = 1
DEFAULT_EXPIRED_SSTABLE_CHECK_FREQUENCY_SECONDS = 600

# The JVM system property TimeWindowCompactionStrategyOptions names when refusing the unsafe option.
ALLOW_UNSAFE_AGGRESSIVE_SSTABLE_EXPIRATION_PROPERTY = "cassandra.allow_unsafe_aggressive_sstable_expiration"

_T = TypeVar("_T")


class CompactionOption(enum.StrEnum):
    """The sub-option keys Cassandra 5.0 understands for the three strategies cqlkit implements."""

    CLASS = "class"
    ENABLED = "enabled"
    MIN_THRESHOLD = "min_threshold"
    MAX_THRESHOLD = "max_threshold"
    PROVIDE_OVERLAPPING_TOMBSTONES = "provide_overlapping_tombstones"
    TOMBSTONE_THRESHOLD = "tombstone_threshold"
    TOMBSTONE_COMPACTION_INTERVAL = "tombstone_compaction_interval"
    UNCHECKED_TOMBSTONE_COMPACTION = "unchecked_tombstone_compaction"
    LOG_ALL = "log_all"
    ONLY_PURGE_REPAIRED_TOMBSTONES = "only_purge_repaired_tombstones"
    MIN_SSTABLE_SIZE = "min_sstable_size"
    BUCKET_LOW = "bucket_low"
    BUCKET_HIGH = "bucket_high"
    SSTABLE_SIZE_IN_MB = "sstable_size_in_mb"
    FANOUT_SIZE = "fanout_size"
    SINGLE_SSTABLE_UPLEVEL = "single_sstable_uplevel"
    COMPACTION_WINDOW_UNIT = "compaction_window_unit"
    COMPACTION_WINDOW_SIZE = "compaction_window_size"
    TIMESTAMP_RESOLUTION = "timestamp_resolution"
    EXPIRED_SSTABLE_CHECK_FREQUENCY_SECONDS = "expired_sstable_check_frequency_seconds"
    UNSAFE_AGGRESSIVE_SSTABLE_EXPIRATION = "unsafe_aggressive_sstable_expiration"


class CompactionStrategyKind(enum.Enum):
    """A compaction strategy, by Cassandra's class simple name."""

    SIZE_TIERED = "SizeTieredCompactionStrategy"
    LEVELED = "LeveledCompactionStrategy"
    TIME_WINDOW = "TimeWindowCompactionStrategy"

    @property
    def short_name(self) -> str:
        return self.value

    @property
    def class_name(self) -> str:
        return STRATEGY_PACKAGE + self.value

    @classmethod
    def from_class_name(cls, name: str) -> CompactionStrategyKind:
        """Resolve a ``'class'`` value: a short name, or a fully qualified one."""
        # CompactionParams.classFromName; the message is FBUtilities.classForName's, naming the resolved class.
        full_name = name if "." in name else STRATEGY_PACKAGE + name
        for kind in cls:
            if kind.class_name == full_name:
                return kind
        if full_name == STRATEGY_PACKAGE + "UnifiedCompactionStrategy":
            # A real Cassandra 5.0 strategy, so "Unable to find" would be a lie.
            raise ConfigurationException(
                "Compaction strategy UnifiedCompactionStrategy is not supported by cqlkit; use "
                "SizeTieredCompactionStrategy, LeveledCompactionStrategy or TimeWindowCompactionStrategy"
            )
        raise ConfigurationException(f"Unable to find compaction strategy class '{full_name}'")


class TombstoneOption(enum.Enum):
    """``provide_overlapping_tombstones`` (``CompactionParams.TombstoneOption``)."""

    NONE = "NONE"
    ROW = "ROW"
    CELL = "CELL"


class WindowUnit(enum.Enum):
    """TWCS ``compaction_window_unit``: the ``TimeUnit`` names it accepts, valued in seconds."""

    MINUTES = 60
    HOURS = 3600
    DAYS = 86400

    @property
    def seconds(self) -> int:
        return self.value


class TimestampResolution(enum.Enum):
    """TWCS ``timestamp_resolution``: the unit of write timestamps, valued in ticks per second."""

    SECONDS = 1
    MILLISECONDS = 1_000
    MICROSECONDS = 1_000_000
    NANOSECONDS = 1_000_000_000

    def to_millis(self, timestamp: int) -> int:
        """``TimeUnit.MILLISECONDS.convert``: truncates toward zero, saturates at the long range."""
        if self.value >= 1_000:
            return java_div(timestamp, self.value // 1_000)
        millis = timestamp * 1_000
        return max(-LONG_MAX - 1, min(LONG_MAX, millis))


@dataclass(frozen=True)
class SizeTieredOptions:
    """STCS bucketing (``SizeTieredCompactionStrategyOptions``); also LCS's L0 and TWCS's newest window."""

    min_sstable_size: int = DEFAULT_MIN_SSTABLE_SIZE
    bucket_low: float = DEFAULT_BUCKET_LOW
    bucket_high: float = DEFAULT_BUCKET_HIGH


@dataclass(frozen=True)
class LeveledOptions:
    """LCS: target SSTable size, level fanout and metadata-only single-SSTable promotion."""

    sstable_size_in_mb: int = DEFAULT_SSTABLE_SIZE_IN_MB
    fanout_size: int = DEFAULT_FANOUT_SIZE
    single_sstable_uplevel: bool = False

    @property
    def max_sstable_bytes(self) -> int:
        return self.sstable_size_in_mb * MIB


@dataclass(frozen=True)
class TimeWindowOptions:
    """TWCS (``TimeWindowCompactionStrategyOptions``)."""

    window_unit: WindowUnit = WindowUnit.DAYS
    window_size: int = DEFAULT_COMPACTION_WINDOW_SIZE
    timestamp_resolution: TimestampResolution = TimestampResolution.MICROSECONDS
    expired_sstable_check_frequency_seconds: int = DEFAULT_EXPIRED_SSTABLE_CHECK_FREQUENCY_SECONDS
    unsafe_aggressive_sstable_expiration: bool = False


@dataclass(frozen=True)
class CompactionParams:
    """A table's validated compaction settings; build it with :func:`parse_compaction_options`."""

    strategy: CompactionStrategyKind = CompactionStrategyKind.SIZE_TIERED
    # The map as given, without 'class', plus the threshold defaults; sorted (key, value) pairs.
    option_items: tuple[tuple[str, str], ...] = (
        (CompactionOption.MAX_THRESHOLD.value, str(DEFAULT_MAX_THRESHOLD)),
        (CompactionOption.MIN_THRESHOLD.value, str(DEFAULT_MIN_THRESHOLD)),
    )
    enabled: bool = True
    provide_overlapping_tombstones: TombstoneOption = TombstoneOption.NONE
    min_threshold: int = DEFAULT_MIN_THRESHOLD
    max_threshold: int = DEFAULT_MAX_THRESHOLD
    tombstone_threshold: float = to_float32(DEFAULT_TOMBSTONE_THRESHOLD)
    tombstone_compaction_interval: int = DEFAULT_TOMBSTONE_COMPACTION_INTERVAL
    unchecked_tombstone_compaction: bool = False
    log_all: bool = False
    only_purge_repaired_tombstones: bool = False
    # TWCS turns single-SSTable tombstone compactions off unless asked for (see _tombstone_compactions_on).
    tombstone_compactions_enabled: bool = True
    size_tiered: SizeTieredOptions = field(default_factory=SizeTieredOptions)
    leveled: LeveledOptions = field(default_factory=LeveledOptions)
    time_window: TimeWindowOptions = field(default_factory=TimeWindowOptions)

    @classmethod
    def default(cls) -> CompactionParams:
        """A table created without a ``compaction`` option (``CompactionParams.DEFAULT``: STCS)."""
        return parse_compaction_options(
            {CompactionOption.CLASS.value: CompactionStrategyKind.SIZE_TIERED.value}
        )

    @property
    def options(self) -> Mapping[str, str]:
        """The sub-options as stored (no ``class``), Cassandra's ``CompactionParams.options()``."""
        return MappingProxyType(dict(self.option_items))

    def to_cql_map(self) -> dict[str, str]:
        """The map ``DESCRIBE TABLE`` prints: stored options plus the full class name, keys sorted."""
        # CompactionParams.asMap, printed through CqlBuilder.append(Map), which sorts with a TreeMap.
        entries = {**self.options, CompactionOption.CLASS.value: self.strategy.class_name}
        return {key: entries[key] for key in sorted(entries)}

    def to_cql(self) -> str:
        """The map as a CQL literal: ``{'class': '...', 'max_threshold': '32', 'min_threshold': '4'}``."""
        return "{" + ", ".join(f"{_quote(k)}: {_quote(v)}" for k, v in self.to_cql_map().items()) + "}"


def parse_compaction_options(
    mapping: Mapping[str, str], *, allow_unsafe_aggressive_sstable_expiration: bool = False
) -> CompactionParams:
    """Parse and validate a CQL ``compaction`` map; raises ``ConfigurationException`` as Cassandra does.

    ``allow_unsafe_aggressive_sstable_expiration`` stands for the JVM flag
    ``-Dcassandra.allow_unsafe_aggressive_sstable_expiration=true`` that TWCS requires before it accepts
    ``unsafe_aggressive_sstable_expiration: true``.
    """
    options = dict(mapping)
    class_name = options.pop(CompactionOption.CLASS, None)
    if class_name is None:
        raise ConfigurationException("Missing sub-option 'class' for the 'compaction' option")
    strategy = CompactionStrategyKind.from_class_name(class_name)

    # CompactionParams.create
    enabled = (
        parse_boolean(options[CompactionOption.ENABLED]) if CompactionOption.ENABLED in options else True
    )
    overlapping = options.get(
        CompactionOption.PROVIDE_OVERLAPPING_TOMBSTONES, TombstoneOption.NONE.value
    ).upper()
    if overlapping not in TombstoneOption.__members__:
        raise ConfigurationException(
            f"Invalid value {overlapping} for 'provide_overlapping_tombstones' compaction sub-option - must be "
            f"one of the following [{', '.join(TombstoneOption.__members__)}]."
        )
    options.setdefault(CompactionOption.MIN_THRESHOLD.value, str(DEFAULT_MIN_THRESHOLD))
    options.setdefault(CompactionOption.MAX_THRESHOLD.value, str(DEFAULT_MAX_THRESHOLD))

    # CompactionParams.validate: the strategy's validateOptions, then unknown options, then thresholds.
    unchecked = _validate_common(options)
    match strategy:
        case CompactionStrategyKind.SIZE_TIERED:
            _validate_size_tiered(options, unchecked)
        case CompactionStrategyKind.LEVELED:
            _validate_leveled(options, unchecked)
        case CompactionStrategyKind.TIME_WINDOW:
            _validate_time_window(options, unchecked, allow_unsafe_aggressive_sstable_expiration)
    for key in (CompactionOption.MIN_THRESHOLD, CompactionOption.MAX_THRESHOLD):
        unchecked.pop(key, None)
    if unchecked:
        # Java prints the HashMap's key set; its order is a hash order, ours is sorted.
        raise ConfigurationException(
            f"Properties specified [{', '.join(sorted(unchecked))}] are not understood by {strategy.short_name}"
        )
    min_threshold, max_threshold = _validate_thresholds(options)

    return CompactionParams(
        strategy=strategy,
        option_items=tuple(sorted(options.items())),
        enabled=enabled,
        provide_overlapping_tombstones=TombstoneOption[overlapping],
        min_threshold=min_threshold,
        max_threshold=max_threshold,
        tombstone_threshold=_value(
            options,
            CompactionOption.TOMBSTONE_THRESHOLD,
            parse_float,
            to_float32(DEFAULT_TOMBSTONE_THRESHOLD),
        ),
        tombstone_compaction_interval=_value(
            options,
            CompactionOption.TOMBSTONE_COMPACTION_INTERVAL,
            parse_long,
            DEFAULT_TOMBSTONE_COMPACTION_INTERVAL,
        ),
        unchecked_tombstone_compaction=parse_boolean(
            options.get(CompactionOption.UNCHECKED_TOMBSTONE_COMPACTION)
        ),
        log_all=parse_boolean(options.get(CompactionOption.LOG_ALL)),
        only_purge_repaired_tombstones=parse_boolean(
            options.get(CompactionOption.ONLY_PURGE_REPAIRED_TOMBSTONES)
        ),
        tombstone_compactions_enabled=_tombstone_compactions_on(strategy, options),
        size_tiered=SizeTieredOptions(
            min_sstable_size=_value(
                options, CompactionOption.MIN_SSTABLE_SIZE, parse_long, DEFAULT_MIN_SSTABLE_SIZE
            ),
            bucket_low=_value(options, CompactionOption.BUCKET_LOW, parse_double, DEFAULT_BUCKET_LOW),
            bucket_high=_value(options, CompactionOption.BUCKET_HIGH, parse_double, DEFAULT_BUCKET_HIGH),
        ),
        leveled=LeveledOptions(
            sstable_size_in_mb=_value(
                options, CompactionOption.SSTABLE_SIZE_IN_MB, parse_int, DEFAULT_SSTABLE_SIZE_IN_MB
            ),
            fanout_size=_value(options, CompactionOption.FANOUT_SIZE, parse_int, DEFAULT_FANOUT_SIZE),
            single_sstable_uplevel=parse_boolean(options.get(CompactionOption.SINGLE_SSTABLE_UPLEVEL)),
        ),
        time_window=TimeWindowOptions(
            window_unit=WindowUnit[
                options.get(CompactionOption.COMPACTION_WINDOW_UNIT, WindowUnit.DAYS.name)
            ],
            window_size=_value(
                options, CompactionOption.COMPACTION_WINDOW_SIZE, parse_int, DEFAULT_COMPACTION_WINDOW_SIZE
            ),
            timestamp_resolution=TimestampResolution[
                options.get(CompactionOption.TIMESTAMP_RESOLUTION, TimestampResolution.MICROSECONDS.name)
            ],
            expired_sstable_check_frequency_seconds=_value(
                options,
                CompactionOption.EXPIRED_SSTABLE_CHECK_FREQUENCY_SECONDS,
                parse_long,
                DEFAULT_EXPIRED_SSTABLE_CHECK_FREQUENCY_SECONDS,
            ),
            unsafe_aggressive_sstable_expiration=parse_boolean(
                options.get(CompactionOption.UNSAFE_AGGRESSIVE_SSTABLE_EXPIRATION)
            ),
        ),
    )


def _validate_common(options: Mapping[str, str]) -> dict[str, str]:
    """``AbstractCompactionStrategy.validateOptions``; returns the options it did not claim."""
    threshold = options.get(CompactionOption.TOMBSTONE_THRESHOLD)
    if threshold is not None:
        try:
            value = parse_float(threshold)
        except JavaNumberFormatError:
            # Cassandra says "int" here although the option is a float.
            raise ConfigurationException(
                f"{threshold} is not a parsable int (base10) for tombstone_threshold"
            ) from None
        if value < 0:
            raise ConfigurationException(
                f"tombstone_threshold must be greater than 0, but was {format_f(value)}"
            )
    interval = options.get(CompactionOption.TOMBSTONE_COMPACTION_INTERVAL)
    if interval is not None:
        seconds = _parse(interval, parse_long, CompactionOption.TOMBSTONE_COMPACTION_INTERVAL)
        if seconds < 0:
            raise ConfigurationException(
                f"tombstone_compaction_interval must be greater than 0, but was {seconds}"
            )
    unchecked_tombstones = options.get(CompactionOption.UNCHECKED_TOMBSTONE_COMPACTION)
    if unchecked_tombstones is not None and not is_java_boolean(unchecked_tombstones):
        raise ConfigurationException(
            f"'unchecked_tombstone_compaction' should be either 'true' or 'false', not '{unchecked_tombstones}'"
        )
    log_all = options.get(CompactionOption.LOG_ALL)
    if log_all is not None and not is_java_boolean(log_all):
        raise ConfigurationException(f"'log_all' should either be 'true' or 'false', not {log_all}")
    enabled = options.get(CompactionOption.ENABLED)
    if enabled is not None and not is_java_boolean(enabled):
        raise ConfigurationException(f"enabled should either be 'true' or 'false', not {enabled}")
    claimed = {
        CompactionOption.TOMBSTONE_THRESHOLD,
        CompactionOption.TOMBSTONE_COMPACTION_INTERVAL,
        CompactionOption.UNCHECKED_TOMBSTONE_COMPACTION,
        CompactionOption.LOG_ALL,
        CompactionOption.ENABLED,
        # Claimed without a check: read with the lenient Boolean.parseBoolean.
        CompactionOption.ONLY_PURGE_REPAIRED_TOMBSTONES,
        CompactionOption.PROVIDE_OVERLAPPING_TOMBSTONES,
    }
    return {key: value for key, value in options.items() if key not in claimed}


def _validate_size_tiered(options: Mapping[str, str], unchecked: dict[str, str]) -> None:
    """``SizeTieredCompactionStrategyOptions.validateOptions``."""
    text = options.get(CompactionOption.MIN_SSTABLE_SIZE)
    if text is not None:
        size = _parse(text, parse_long, CompactionOption.MIN_SSTABLE_SIZE)
        if size < 0:
            raise ConfigurationException(f"min_sstable_size must be non negative: {size}")
    low = _float_option(options, CompactionOption.BUCKET_LOW, DEFAULT_BUCKET_LOW)
    high = _float_option(options, CompactionOption.BUCKET_HIGH, DEFAULT_BUCKET_HIGH)
    if high <= low:
        raise ConfigurationException(
            f"bucket_high value ({double_to_string(high)}) is less than or equal to the bucket_low value "
            f"({double_to_string(low)})"
        )
    for key in (CompactionOption.MIN_SSTABLE_SIZE, CompactionOption.BUCKET_LOW, CompactionOption.BUCKET_HIGH):
        unchecked.pop(key, None)


def _validate_leveled(options: Mapping[str, str], unchecked: dict[str, str]) -> None:
    """``LeveledCompactionStrategy.validateOptions``."""
    size_text = options.get(CompactionOption.SSTABLE_SIZE_IN_MB, "1")
    size = _parse(size_text, parse_int, CompactionOption.SSTABLE_SIZE_IN_MB)
    if size < 1:
        raise ConfigurationException(f"sstable_size_in_mb must be larger than 0, but was {size}")
    fanout_text = options.get(CompactionOption.FANOUT_SIZE, str(DEFAULT_FANOUT_SIZE))
    try:
        fanout = parse_int(fanout_text)
    except JavaNumberFormatError:
        # Cassandra's message quotes the sstable_size_in_mb text here (its `size` variable), not fanout's.
        raise ConfigurationException(f"{size_text} is not a parsable int (base10) for fanout_size") from None
    if fanout < 1:
        raise ConfigurationException(f"fanout_size must be larger than 0, but was {fanout}")
    for key in (
        CompactionOption.SSTABLE_SIZE_IN_MB,
        CompactionOption.FANOUT_SIZE,
        CompactionOption.SINGLE_SSTABLE_UPLEVEL,
    ):
        unchecked.pop(key, None)
    _validate_size_tiered(options, unchecked)


def _validate_time_window(options: Mapping[str, str], unchecked: dict[str, str], allow_unsafe: bool) -> None:
    """``TimeWindowCompactionStrategyOptions.validateOptions``."""
    resolution = options.get(CompactionOption.TIMESTAMP_RESOLUTION)
    if resolution is not None and resolution not in TimestampResolution.__members__:
        raise ConfigurationException(f"{resolution} is not valid for timestamp_resolution")
    unit = options.get(CompactionOption.COMPACTION_WINDOW_UNIT)
    if unit is not None and unit not in WindowUnit.__members__:
        raise ConfigurationException(f"{unit} is not valid for compaction_window_unit")
    size_text = options.get(CompactionOption.COMPACTION_WINDOW_SIZE)
    if size_text is not None:
        size = _parse(size_text, parse_int, CompactionOption.COMPACTION_WINDOW_SIZE)
        if size < 1:
            raise ConfigurationException(f"{size} must be greater than 1 for compaction_window_size")
    frequency_text = options.get(CompactionOption.EXPIRED_SSTABLE_CHECK_FREQUENCY_SECONDS)
    if frequency_text is not None:
        frequency = _parse(
            frequency_text, parse_long, CompactionOption.EXPIRED_SSTABLE_CHECK_FREQUENCY_SECONDS
        )
        if frequency < 0:
            raise ConfigurationException(
                f"expired_sstable_check_frequency_seconds must not be negative, but was {frequency}"
            )
    unsafe = options.get(CompactionOption.UNSAFE_AGGRESSIVE_SSTABLE_EXPIRATION)
    if unsafe is not None:
        if not is_java_boolean(unsafe):
            raise ConfigurationException(
                f"unsafe_aggressive_sstable_expiration is not 'true' or 'false' ({unsafe})"
            )
        if parse_boolean(unsafe) and not allow_unsafe:
            raise ConfigurationException(
                "unsafe_aggressive_sstable_expiration is requested but not allowed, restart cassandra with "
                f"-D{ALLOW_UNSAFE_AGGRESSIVE_SSTABLE_EXPIRATION_PROPERTY}=true to allow it"
            )
    for key in (
        CompactionOption.COMPACTION_WINDOW_SIZE,
        CompactionOption.COMPACTION_WINDOW_UNIT,
        CompactionOption.TIMESTAMP_RESOLUTION,
        CompactionOption.EXPIRED_SSTABLE_CHECK_FREQUENCY_SECONDS,
        CompactionOption.UNSAFE_AGGRESSIVE_SSTABLE_EXPIRATION,
    ):
        unchecked.pop(key, None)
    _validate_size_tiered(options, unchecked)


def _validate_thresholds(options: Mapping[str, str]) -> tuple[int, int]:
    """The threshold checks at the end of ``CompactionParams.validate``."""
    values = []
    for key in (CompactionOption.MIN_THRESHOLD, CompactionOption.MAX_THRESHOLD):
        text = options[key]
        # StringUtils.isNumeric, so a sign is rejected too. A numeric text beyond the int range makes
        # Cassandra's Integer.parseInt throw an unchecked error; we report it as not an integer instead.
        if not is_numeric(text) or int(text) > 2**31 - 1:
            raise ConfigurationException(
                f"Invalid value {text} for '{key}' compaction sub-option - must be an integer"
            )
        values.append(int(text))
    min_threshold, max_threshold = values
    if min_threshold <= 0 or max_threshold <= 0:
        raise ConfigurationException(
            "Disabling compaction by setting compaction thresholds to 0 has been removed, set the compaction "
            "option 'enabled' to false instead."
        )
    if min_threshold <= 1:
        raise ConfigurationException(f"Min compaction threshold cannot be less than 2 (got {min_threshold})")
    if min_threshold > max_threshold:
        raise ConfigurationException(
            f"Min compaction threshold (got {min_threshold}) cannot be greater than max compaction threshold "
            f"(got {max_threshold})"
        )
    return min_threshold, max_threshold


def _tombstone_compactions_on(strategy: CompactionStrategyKind, options: Mapping[str, str]) -> bool:
    """TWCS disables single-SSTable tombstone compactions unless one of their options is set to non-false."""
    if strategy is not CompactionStrategyKind.TIME_WINDOW:
        return True
    # TimeWindowCompactionStrategy's constructor: the comparison with "false" is case-sensitive.
    keys = (
        CompactionOption.UNCHECKED_TOMBSTONE_COMPACTION,
        CompactionOption.TOMBSTONE_COMPACTION_INTERVAL,
        CompactionOption.TOMBSTONE_THRESHOLD,
    )
    return any(options.get(key) is not None and options[key] != "false" for key in keys)


def _parse(text: str, parser: Callable[[str], _T], key: CompactionOption) -> _T:
    try:
        return parser(text)
    except JavaNumberFormatError:
        raise ConfigurationException(f"{text} is not a parsable int (base10) for {key}") from None


def _float_option(options: Mapping[str, str], key: CompactionOption, default: float) -> float:
    text = options.get(key)
    if text is None:
        return default
    try:
        return parse_double(text)
    except JavaNumberFormatError:
        raise ConfigurationException(f"{text} is not a parsable float for {key}") from None


def _value(options: Mapping[str, str], key: CompactionOption, parser: Callable[[str], _T], default: _T) -> _T:
    """An already validated option, parsed as the strategy's constructor parses it, or its default."""
    text = options.get(key)
    return default if text is None else parser(text)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
