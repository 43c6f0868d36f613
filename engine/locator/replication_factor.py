"""Replication factors as Cassandra parses them: ``"3"``, or ``"3/1"`` (3 replicas, 1 of them transient).

Cassandra's ``ReplicationFactor.fromString`` uses Java's ``Integer.parseInt``, so the errors a user sees
for a bad value are Java's: ``For input string: "abc"``. :func:`java_parse_int` reproduces
``Integer.parseInt``: an optional ``+``/``-`` sign then ASCII digits (no spaces, no underscores), within
32-bit range. The checks and their order are ``ReplicationFactor.validate``'s (Cassandra 5.0):

1. a transient part needs transient replication enabled: ``Transient replication is not enabled on this
   node`` (cqlkit never enables it, as Cassandra's default ``transient_replication_enabled: false``);
2. ``Replication factor must be non-negative, found -1``;
3. ``Transient replicas must be zero, or less than total replication factor. For 3/3``;
4. transient replicas need ``num_tokens: 1``: ``Transient nodes are not allowed with multiple tokens``.

The errors are raised as ``ValueError`` with Cassandra's text; the strategy layer turns them into
``ConfigurationException`` exactly where Cassandra does.
"""

from __future__ import annotations

from dataclasses import dataclass

_INT_MIN = -(2**31)
_INT_MAX = 2**31 - 1


def java_parse_int(text: str) -> int:
    """Java's ``Integer.parseInt(text)``, with its ``NumberFormatException`` message as a ``ValueError``."""
    error = ValueError(f'For input string: "{text}"')
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits or not all("0" <= c <= "9" for c in digits):
        raise error
    value = int(text)
    if not _INT_MIN <= value <= _INT_MAX:
        raise error
    return value


@dataclass(frozen=True, slots=True)
class ReplicationFactor:
    """All replicas (full + transient) and full replicas."""

    all_replicas: int
    full_replicas: int

    @property
    def transient_replicas(self) -> int:
        return self.all_replicas - self.full_replicas

    @property
    def has_transient_replicas(self) -> bool:
        return self.all_replicas != self.full_replicas

    @classmethod
    def full_only(cls, replicas: int) -> ReplicationFactor:
        validate(replicas, 0)
        return cls(replicas, replicas)

    @classmethod
    def parse(
        cls, text: str, *, transient_replication_enabled: bool = False, num_tokens: int = 16
    ) -> ReplicationFactor:
        """``ReplicationFactor.fromString``: ``"<replicas>"`` or ``"<replicas>/<transient>"``."""
        if "/" in text:
            parts = _java_split(text, "/")
            if len(parts) != 2:
                raise ValueError("Replication factor format is <replicas> or <replicas>/<transient>")
            total, transient = java_parse_int(parts[0]), java_parse_int(parts[1])
        else:
            total, transient = java_parse_int(text), 0
        validate(
            total,
            transient,
            transient_replication_enabled=transient_replication_enabled,
            num_tokens=num_tokens,
        )
        return cls(total, total - transient)

    def to_parseable_string(self) -> str:
        suffix = f"/{self.transient_replicas}" if self.has_transient_replicas else ""
        return f"{self.all_replicas}{suffix}"

    def __str__(self) -> str:
        return f"rf({self.to_parseable_string()})"


def validate(
    total: int, transient: int, *, transient_replication_enabled: bool = False, num_tokens: int = 16
) -> None:
    """``ReplicationFactor.validate``: the checks in Cassandra's order, with its messages."""
    if transient != 0 and not transient_replication_enabled:
        raise ValueError("Transient replication is not enabled on this node")
    if total < 0:
        raise ValueError(f"Replication factor must be non-negative, found {total}")
    if transient != 0 and transient >= total:
        raise ValueError(
            f"Transient replicas must be zero, or less than total replication factor. For {total}/{transient}"
        )
    if transient > 0 and num_tokens != 1:
        raise ValueError("Transient nodes are not allowed with multiple tokens")
    if transient < 0:
        raise ValueError(f"Amount of transient nodes should be strictly positive, but was: '{transient}'")


def _java_split(text: str, separator: str) -> list[str]:
    """Java's ``String.split``: trailing empty strings are dropped."""
    parts = text.split(separator)
    while parts and parts[-1] == "":
        parts.pop()
    return parts
