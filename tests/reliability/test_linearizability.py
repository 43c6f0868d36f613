"""The register linearizability checker on histories whose answer is known."""

from __future__ import annotations

import random

from tests.reliability.linearizability import Kind, Operation, check

R, W, C = Kind.READ, Kind.WRITE, Kind.CAS


def read(a: float, b: float | None, result: object) -> Operation:
    return Operation(R, a, b, result=result)


def write(a: float, b: float | None, value: object) -> Operation:
    return Operation(W, a, b, value=value)


def cas(a: float, b: float | None, expected: object, value: object, result: object) -> Operation:
    return Operation(C, a, b, value=value, expected=expected, result=result)


def test_sequential_history_is_linearizable_in_its_order() -> None:
    history = [write(0, 1, 1), read(2, 3, 1), cas(4, 5, 1, 2, True), read(6, 7, 2)]
    verdict = check(history, initial=0)
    assert verdict.linearizable
    assert verdict.order == (0, 1, 2, 3)


def test_stale_read_after_completed_write_is_not_linearizable() -> None:
    assert not check([write(0, 1, 1), read(2, 3, 0)], initial=0).linearizable


def test_concurrent_write_may_be_seen_or_not() -> None:
    assert check([write(0, 10, 1), read(2, 3, 0)], initial=0).linearizable
    assert check([write(0, 10, 1), read(2, 3, 1)], initial=0).linearizable


def test_reads_may_not_go_back_in_time_during_a_write() -> None:
    # both reads overlap the write, but once one has seen the new value the later one cannot see the old
    history = [write(0, 10, 1), read(1, 2, 1), read(3, 4, 0)]
    assert not check(history, initial=0).linearizable
    assert check([write(0, 10, 1), read(1, 2, 0), read(3, 4, 1)], initial=0).linearizable


def test_two_successful_cas_from_the_same_value_are_not_linearizable() -> None:
    history = [cas(0, 10, 0, 1, True), cas(1, 11, 0, 2, True)]
    assert not check(history, initial=0).linearizable
    # one of them failing, seeing the other's value, is fine
    assert check([cas(0, 10, 0, 1, True), cas(1, 11, 0, 2, 1)], initial=0).linearizable


def test_failed_cas_must_report_the_current_value() -> None:
    assert not check([cas(0, 1, 5, 6, 0)], initial=1).linearizable  # it saw 0, the register holds 1
    assert check([cas(0, 1, 5, 6, 1)], initial=1).linearizable
    assert not check([cas(0, 1, 1, 6, 1)], initial=1).linearizable  # 1 == expected: it had to apply


def test_unknown_outcome_may_take_effect_late_or_never() -> None:
    timed_out = cas(0, None, 0, 7, None)
    assert check([timed_out, read(5, 6, 0), read(7, 8, 7)], initial=0).linearizable  # applied late
    assert check([timed_out, read(5, 6, 0), read(7, 8, 0)], initial=0).linearizable  # never applied
    # but it cannot take effect before it was invoked, nor be undone
    assert not check([read(0, 1, 7), cas(2, None, 0, 7, None)], initial=0).linearizable
    assert not check([timed_out, read(5, 6, 7), read(7, 8, 0)], initial=0).linearizable


def test_unknown_cas_takes_effect_only_when_its_condition_holds() -> None:
    history = [write(0, 1, 3), cas(2, None, 0, 7, None), read(3, 4, 7)]
    assert not check(history, initial=0).linearizable


def test_unknown_reads_are_ignored() -> None:
    assert check([write(0, 1, 1), read(2, None, 42)], initial=0).linearizable


def test_a_long_concurrent_history_is_checked_quickly() -> None:
    # a correct register under a random concurrent schedule: every op takes effect at a random instant
    rng = random.Random(7)
    state, history = 0, []
    for t in range(300):
        a = t * 10.0
        b = a + rng.choice([5.0, 25.0, 55.0])
        kind = rng.choice([R, C, C])
        if kind is R:
            history.append(read(a, b, state))
        else:
            expected = state if rng.random() < 0.6 else state + 1
            new = t + 1
            if expected == state:
                history.append(cas(a, b if rng.random() < 0.9 else None, expected, new, True))
                state = new
            else:
                history.append(cas(a, b, expected, new, state))
    verdict = check(history, initial=0)
    assert verdict.linearizable
    assert verdict.explored < 100_000
    # corrupt one read: now no order explains it
    broken = list(history)
    i = next(i for i, op in enumerate(history) if op.kind is R and i > 150)
    broken[i] = read(history[i].invoked, history[i].completed, -1)
    assert not check(broken, initial=0).linearizable
