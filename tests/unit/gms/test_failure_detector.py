"""Phi accrual failure detection on a stepped clock."""

from __future__ import annotations

import math

import pytest

from engine.gms import PHI_FACTOR, FailureDetector


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def heartbeats(
    fd: FailureDetector, clock: Clock, endpoint: str, count: int, every_ms: float = 1000.0
) -> None:
    for _ in range(count):
        clock.now += every_ms
        fd.report(endpoint)
        fd.interpret(endpoint)


def test_phi_factor_and_threshold():
    assert pytest.approx(1 / math.log(10)) == PHI_FACTOR
    assert FailureDetector(Clock()).phi_convict_threshold == 8.0


def test_convicts_after_silence_and_recovers():
    clock = Clock()
    fd = FailureDetector(clock)
    convicted: list[tuple[str, float]] = []
    fd.register(lambda ep, phi: convicted.append((ep, phi)))
    heartbeats(fd, clock, "n2", 10)
    assert fd.is_alive("n2")
    # mean interval: the initial 2000 ms then nine 1000 ms intervals = 1100 ms;
    # conviction when 0.434 * silence / 1100 > 8, i.e. after 20.26 s of silence.
    assert fd.mean_interval("n2") == pytest.approx(1100.0)
    silent = 0
    while not convicted:
        clock.now += 1000
        silent += 1000
        fd.interpret("n2")
        assert silent <= 30_000
    assert silent == 21_000
    assert convicted[0][0] == "n2" and convicted[0][1] > 8
    assert not fd.is_alive("n2")
    # convicted once, not on every later round
    clock.now += 1000
    assert fd.interpret("n2") is False and len(convicted) == 1
    # a new heartbeat brings it back
    fd.report("n2")
    assert fd.is_alive("n2")


def test_unknown_endpoint_is_not_alive_and_not_convicted():
    fd = FailureDetector(Clock())
    assert not fd.is_alive("x")
    assert fd.interpret("x") is False
    assert fd.phi("x") == 0.0


def test_long_intervals_are_ignored():
    clock = Clock()
    fd = FailureDetector(clock)
    heartbeats(fd, clock, "n2", 3)
    clock.now += 1500  # <= 2000 ms: counted
    fd.report("n2")
    clock.now += 9000  # > max interval: ignored as an outlier
    fd.report("n2")
    assert fd.mean_interval("n2") == pytest.approx((2000 + 1000 + 1000 + 1500) / 4)


def test_local_pause_suppresses_conviction():
    clock = Clock()
    fd = FailureDetector(clock)
    convicted: list[str] = []
    fd.register(lambda ep, phi: convicted.append(ep))
    heartbeats(fd, clock, "n2", 5)
    clock.now += 60_000  # we were paused: interpret was not called for a minute
    assert fd.interpret("n2") is False
    clock.now += 4_000  # still within 5 s of the pause
    assert fd.interpret("n2") is False
    clock.now += 1_000
    assert fd.interpret("n2") is True
    assert convicted == ["n2"]


def test_force_conviction_and_remove():
    clock = Clock()
    fd = FailureDetector(clock)
    seen: list[float] = []
    fd.register(lambda ep, phi: seen.append(phi))
    heartbeats(fd, clock, "n3", 2)
    fd.force_conviction("n3")
    assert not fd.is_alive("n3") and seen == [math.inf]
    fd.remove("n3")
    assert not fd.is_alive("n3") and fd.phi("n3") == 0.0


def test_custom_threshold_convicts_sooner():
    clock = Clock()
    fd = FailureDetector(clock, phi_convict_threshold=1.5)
    heartbeats(fd, clock, "n2", 10)
    clock.now += 4000  # 0.434 * 4000 / 1100 = 1.58 > 1.5 (and under the 5 s local-pause guard)
    assert fd.interpret("n2") is True
