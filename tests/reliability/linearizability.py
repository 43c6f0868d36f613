"""A linearizability checker for small histories of one register (Wing & Gong's search, with Knossos'
memoization of (linearized set, state) configurations).

A history is a list of :class:`Operation`: each was *invoked* at one moment and *completed* at a later
one, or never completed as far as the client knows (a timeout: ``completed is None``). Operations that
completed must all take effect, each at a single instant between its invocation and its completion, so
that the register's sequential semantics explain every observed outcome. An operation with an unknown
outcome may take effect at any instant after its invocation, or never.

Operations on the register (:class:`Kind`):

* ``READ``: ``result`` is the value read;
* ``WRITE``: sets ``value`` (``result`` unused);
* ``CAS``: compare-and-set ``expected`` -> ``value``; ``result`` is ``True`` when applied, else the
  current value it saw (Cassandra's ``[applied] = False`` answer carries the current value).

Times are any totally ordered numbers; ``a`` precedes ``b`` in real time when ``a.completed <
b.invoked``. The search linearizes, at each step, one pending operation that no other pending *completed*
operation precedes, and memoizes the configurations it has already explored, which keeps it fast on the
few hundred operations the cluster tests record.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Sequence
from dataclasses import dataclass

_UNSET = object()


class Kind(enum.Enum):
    READ = "read"
    WRITE = "write"
    CAS = "cas"


@dataclass(frozen=True, slots=True)
class Operation:
    kind: Kind
    invoked: float
    completed: float | None  # None: the outcome is unknown (a timeout)
    value: object = None  # WRITE / CAS: the value written
    expected: object = None  # CAS: the value compared with
    result: object = None  # READ: the value seen; CAS: True, or the current value when not applied
    process: str = ""  # who ran it (a coordinator), for reports

    @property
    def known(self) -> bool:
        return self.completed is not None


def step(state: object, op: Operation) -> tuple[bool, object]:
    """Apply ``op`` to the register in ``state``: whether its recorded outcome is possible, and the new
    state. An unknown-outcome operation (a timeout) is only ever applied as having succeeded: one that
    did not take effect is simply never linearized."""
    if op.kind is Kind.READ:
        return (not op.known or op.result == state), state
    if op.kind is Kind.WRITE:
        return True, op.value
    if not op.known:
        return state == op.expected, op.value
    if op.result is True:
        return state == op.expected, op.value
    return (state != op.expected and op.result == state), state


@dataclass(frozen=True, slots=True)
class Verdict:
    linearizable: bool
    order: tuple[int, ...] = ()  # indexes into the history, in linearization order (when linearizable)
    explored: int = 0  # configurations visited


def check(history: Sequence[Operation], initial: object = None) -> Verdict:
    """Whether ``history`` is linearizable for a register starting at ``initial``."""
    ops = [op for op in history if not (op.kind is Kind.READ and not op.known)]  # unknown reads: no effect
    index = [i for i, op in enumerate(history) if not (op.kind is Kind.READ and not op.known)]
    n = len(ops)
    required = 0
    for i, op in enumerate(ops):
        if op.known:
            required |= 1 << i
    inf = float("inf")
    invoked = [op.invoked for op in ops]
    completed = [inf if op.completed is None else op.completed for op in ops]
    seen: set[tuple[int, object]] = set()
    explored = 0
    order: list[int] = []
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 4 * n + 1000))

    def search(done: int, state: object) -> bool:
        nonlocal explored
        if done & required == required:
            return True
        key = (done, state)
        if key in seen:
            return False
        seen.add(key)
        explored += 1
        # the earliest completion among pending operations bounds which can go next
        horizon = min(completed[i] for i in range(n) if not done >> i & 1)
        for i in range(n):
            if done >> i & 1 or invoked[i] > horizon:
                continue
            possible, after = step(state, ops[i])
            if not possible:
                continue
            order.append(index[i])
            if search(done | 1 << i, after):
                return True
            order.pop()
        return False

    try:
        ok = search(0, initial)
    finally:
        sys.setrecursionlimit(limit)
    return Verdict(ok, tuple(order) if ok else (), explored)
