"""The token ring: which endpoint owns which token, as one immutable snapshot (Cassandra's ``TokenMetadata``).

Each *normal* endpoint owns ``num_tokens`` tokens. Sorted, the tokens cut the ring into ranges; the range
ending at token ``t`` is ``(predecessor(t), t]`` and its *primary* replica is ``t``'s owner. A key with
token ``k`` belongs to the range of the first ring token ``>= k`` (wrapping to the first token), which
:meth:`TokenMetadata.first_token` finds by binary search, as Cassandra's ``TokenMetadata.firstToken``.

A snapshot never changes: adding, removing or moving an endpoint returns a new snapshot with a higher
``version`` (Cassandra's ``ringVersion``), so callers may cache per version. Besides the normal
endpoints, a snapshot records:

* **bootstrapping** endpoints and the tokens they will take (``BOOT`` in gossip). They own nothing yet;
  :func:`engine.locator.pending.pending_ranges` turns them into *pending* ranges that receive writes
  while they stream data in;
* **leaving** endpoints (``LEAVING``: decommission in progress). They still own their tokens; the ranges
  that will move away are pending for their future owners.

Moving an endpoint (``nodetool move``) is modelled as replacing its tokens in one step
(:meth:`with_normal_tokens`); Cassandra's two-phase MOVING state is not modelled.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from engine.dht.murmur3_partitioner import MAX_TOKEN, MIN_TOKEN
from engine.dht.range import TokenRange
from engine.locator.topology import endpoint_sort_key


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


def _check_token(token: int) -> None:
    if not isinstance(token, int) or not MIN_TOKEN <= token <= MAX_TOKEN:
        raise ValueError(f"invalid token {token!r}")


@dataclass(frozen=True, slots=True)
class TokenMetadata:
    """An immutable ring snapshot: sorted tokens → owning endpoint, plus bootstrapping/leaving endpoints."""

    sorted_tokens: tuple[int, ...] = ()
    owners: Mapping[int, str] = field(default_factory=lambda: _frozen({}))
    bootstrap_tokens: Mapping[int, str] = field(default_factory=lambda: _frozen({}))
    leaving: frozenset[str] = frozenset()
    version: int = 0

    @classmethod
    def from_tokens(cls, tokens_by_endpoint: Mapping[str, Iterable[int]]) -> TokenMetadata:
        """A ring of normal endpoints, from endpoint → its tokens."""
        owners: dict[int, str] = {}
        for endpoint, tokens in tokens_by_endpoint.items():
            for token in tokens:
                _check_token(token)
                if token in owners and owners[token] != endpoint:
                    raise ValueError(f"token {token} is owned by both {owners[token]} and {endpoint}")
                owners[token] = endpoint
        return cls(tuple(sorted(owners)), _frozen(owners))

    # ------------------------------------------------------------------------------------- ring queries

    def __len__(self) -> int:
        return len(self.sorted_tokens)

    @property
    def is_empty(self) -> bool:
        return not self.sorted_tokens

    @property
    def endpoints(self) -> tuple[str, ...]:
        """Endpoints owning tokens (normal and leaving), in address order."""
        return tuple(sorted(set(self.owners.values()), key=endpoint_sort_key))

    @property
    def bootstrapping_endpoints(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.bootstrap_tokens.values()), key=endpoint_sort_key))

    def is_member(self, endpoint: str) -> bool:
        return endpoint in self.owners.values()

    def tokens_of(self, endpoint: str) -> tuple[int, ...]:
        """The sorted tokens ``endpoint`` owns (empty if it owns none)."""
        return tuple(t for t in self.sorted_tokens if self.owners[t] == endpoint)

    def tokens_by_endpoint(self) -> Mapping[str, tuple[int, ...]]:
        out: dict[str, list[int]] = {}
        for token in self.sorted_tokens:
            out.setdefault(self.owners[token], []).append(token)
        return MappingProxyType({e: tuple(out[e]) for e in sorted(out, key=endpoint_sort_key)})

    def endpoint_of(self, token: int) -> str:
        """The owner of ring token ``token`` (a token of the ring, not any key token)."""
        try:
            return self.owners[token]
        except KeyError:
            raise KeyError(f"{token} is not a ring token") from None

    def first_token_index(self, token: int) -> int:
        """Index of the first ring token ``>= token``, wrapping to 0 past the last one."""
        if not self.sorted_tokens:
            raise ValueError("the ring is empty")
        index = bisect.bisect_left(self.sorted_tokens, token)
        return 0 if index == len(self.sorted_tokens) else index

    def first_token(self, token: int) -> int:
        """The ring token whose range contains ``token``."""
        return self.sorted_tokens[self.first_token_index(token)]

    def primary_endpoint_for(self, token: int) -> str:
        """The owner of the range containing the key token ``token``."""
        return self.owners[self.first_token(token)]

    def predecessor(self, token: int) -> int:
        """The ring token before ring token ``token`` (itself for a one-token ring)."""
        index = self._index_of(token)
        return self.sorted_tokens[index - 1]

    def successor(self, token: int) -> int:
        index = self._index_of(token)
        return self.sorted_tokens[(index + 1) % len(self.sorted_tokens)]

    def ring_iterator(self, start: int) -> Iterator[int]:
        """Every ring token once, clockwise, starting with :meth:`first_token` of ``start``."""
        if not self.sorted_tokens:
            return
        first = self.first_token_index(start)
        n = len(self.sorted_tokens)
        for i in range(n):
            yield self.sorted_tokens[(first + i) % n]

    def primary_range_for(self, token: int) -> TokenRange:
        """The range ending at ring token ``token``: ``(predecessor, token]`` (the full ring if alone)."""
        return TokenRange(self.predecessor(token), token)

    def primary_ranges(self, endpoint: str) -> tuple[TokenRange, ...]:
        """The ranges ``endpoint`` is the primary replica of (one per token it owns), in ring order."""
        return tuple(self.primary_range_for(t) for t in self.tokens_of(endpoint))

    def all_ranges(self) -> tuple[TokenRange, ...]:
        """One range per ring token, in ring order; together they cover the ring exactly once."""
        return tuple(self.primary_range_for(t) for t in self.sorted_tokens)

    def _index_of(self, token: int) -> int:
        index = bisect.bisect_left(self.sorted_tokens, token)
        if index == len(self.sorted_tokens) or self.sorted_tokens[index] != token:
            raise KeyError(f"{token} is not a ring token")
        return index

    # ------------------------------------------------------------------------------------- changes

    def with_normal_tokens(self, endpoint: str, tokens: Iterable[int]) -> TokenMetadata:
        """``endpoint`` joins (or moves to) exactly ``tokens``; it stops bootstrapping or leaving."""
        tokens = tuple(tokens)
        if not tokens:
            raise ValueError(f"{endpoint} needs at least one token")
        owners = {t: e for t, e in self.owners.items() if e != endpoint}
        for token in tokens:
            _check_token(token)
            if token in owners:
                raise ValueError(f"token {token} is already owned by {owners[token]}")
            owners[token] = endpoint
        bootstrap = {t: e for t, e in self.bootstrap_tokens.items() if e != endpoint}
        return self._evolve(owners, bootstrap, self.leaving - {endpoint})

    def without_endpoint(self, endpoint: str) -> TokenMetadata:
        """``endpoint`` leaves the ring (decommission finished, removenode, or an aborted bootstrap)."""
        owners = {t: e for t, e in self.owners.items() if e != endpoint}
        bootstrap = {t: e for t, e in self.bootstrap_tokens.items() if e != endpoint}
        return self._evolve(owners, bootstrap, self.leaving - {endpoint})

    def with_bootstrapping(self, endpoint: str, tokens: Iterable[int]) -> TokenMetadata:
        """``endpoint`` starts bootstrapping towards ``tokens`` (Cassandra refuses token collisions)."""
        if self.is_member(endpoint):
            raise ValueError(f"{endpoint} is already a member of the ring")
        bootstrap = {t: e for t, e in self.bootstrap_tokens.items() if e != endpoint}
        for token in tokens:
            _check_token(token)
            other = self.owners.get(token) or bootstrap.get(token)
            if other is not None:
                raise ValueError(f"Bootstrap Token collision between {other} and {endpoint} (token {token}")
            bootstrap[token] = endpoint
        return self._evolve(dict(self.owners), bootstrap, self.leaving)

    def with_leaving(self, endpoint: str) -> TokenMetadata:
        """``endpoint`` starts leaving (decommission); it keeps its tokens until :meth:`without_endpoint`."""
        if not self.is_member(endpoint):
            raise ValueError(f"{endpoint} is not a member of the ring")
        return self._evolve(dict(self.owners), dict(self.bootstrap_tokens), self.leaving | {endpoint})

    def bootstrap_tokens_of(self, endpoint: str) -> tuple[int, ...]:
        return tuple(sorted(t for t, e in self.bootstrap_tokens.items() if e == endpoint))

    def _evolve(
        self, owners: dict[int, str], bootstrap: dict[int, str], leaving: frozenset[str]
    ) -> TokenMetadata:
        return TokenMetadata(
            tuple(sorted(owners)), _frozen(owners), _frozen(bootstrap), frozenset(leaving), self.version + 1
        )
