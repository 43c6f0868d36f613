"""How a coordinator waits for replicas: by driving a stepped network, or on a condition in real time.

A request handler (writes, reads) collects replies in callbacks that the network runs. What "waiting"
means depends on the network's mode (``engine.net.network``):

* **Stepped** (tests, golden scripts, the embedded shell on a multi-node cluster): nothing happens unless
  someone runs the event queue, and the waiting coordinator is the only one who can. It runs everything
  due now (``deliver_all``: with no injected latency every reachable replica answers at once), then
  moves virtual time forward in :data:`STEP_MS` steps, checking after each step, until the handler is
  done or the deadline passes. Time moves only as far as the request needs: a healthy request costs no
  virtual time; one waiting on a partitioned replica moves the clock to its timeout (2 s for a write),
  which also runs the gossip rounds, hint deliveries and request expiries due on the way.
* **Real time** (a serving cluster): the network's thread runs the callbacks; the coordinator's thread
  waits on the handler's condition variable until it is done or the deadline (wall clock) passes.

Either way the caller sees a synchronous ``execute``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from engine.net import Network

#: Virtual milliseconds a stepped wait advances at a time (replies are due at whole milliseconds).
STEP_MS = 1.0
#: Real time: how long past its timeout the caller waits for the network thread's expiry callbacks.
REAL_TIME_SLACK_MS = 50.0


def wait_until(
    network: Network, condition: threading.Condition, done: Callable[[], bool], timeout_ms: float
) -> bool:
    """Wait until ``done()`` (checked under ``condition``) or ``timeout_ms``; returns ``done()``.

    Callbacks that change what ``done`` reads must ``notify_all`` on ``condition`` (real-time mode).
    The timeout is inclusive: a timer due exactly at the deadline (a request's own expiry) runs first.
    """
    if network.is_stepped:
        deadline = network.now() + timeout_ms
        network.deliver_all()
        while not done():
            now = network.now()
            if now >= deadline:
                return False
            network.advance(min(STEP_MS, deadline - now))
        return True
    # A little past the deadline, so the request's own expiry on the network's thread is seen first.
    end = time.monotonic() + (timeout_ms + REAL_TIME_SLACK_MS) / 1000.0
    with condition:
        while not done():
            remaining = end - time.monotonic()
            if remaining <= 0:
                return done()
            condition.wait(remaining)
    return True
