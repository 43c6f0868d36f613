"""Background work (flushes, compactions, periodic tasks) that tests can step.

Storage code never starts threads of its own: it submits work to a ``Stage``. A real node uses
``ThreadStage`` (a named worker thread per stage, like Cassandra's stages); tests use ``ManualStage``
and call ``run_pending()`` exactly when they want the work done, so nothing depends on timing.
Each stage counts its tasks the way ``nodetool tpstats`` reports them (active, pending, completed).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class StageStats:
    name: str
    active: int
    pending: int
    completed: int
    blocked: int = 0
    all_time_blocked: int = 0


class Stage(Protocol):
    name: str

    def submit(self, task: Callable[[], Any]) -> Future[Any]: ...

    def stats(self) -> StageStats: ...


class ManualStage:
    """Runs submitted work only when ``run_pending`` is called (tests)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._queue: list[tuple[Callable[[], Any], Future[Any]]] = []
        self._lock = threading.Lock()
        self._completed = 0

    def submit(self, task: Callable[[], Any]) -> Future[Any]:
        future: Future[Any] = Future()
        with self._lock:
            self._queue.append((task, future))
        return future

    def run_pending(self) -> int:
        """Run everything submitted so far (and anything those tasks submit); return how many ran."""
        ran = 0
        while True:
            with self._lock:
                if not self._queue:
                    return ran
                task, future = self._queue.pop(0)
            _run(task, future)
            ran += 1
            with self._lock:
                self._completed += 1

    def stats(self) -> StageStats:
        with self._lock:
            return StageStats(self.name, 0, len(self._queue), self._completed)


class ThreadStage:
    """One daemon worker thread running submitted work in order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._queue: queue.Queue[tuple[Callable[[], Any], Future[Any]] | None] = queue.Queue()
        self._lock = threading.Lock()
        self._active = 0
        self._completed = 0
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    def submit(self, task: Callable[[], Any]) -> Future[Any]:
        future: Future[Any] = Future()
        self._queue.put((task, future))
        return future

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            with self._lock:
                self._active += 1
            _run(*item)
            with self._lock:
                self._active -= 1
                self._completed += 1

    def shutdown(self, wait: bool = True) -> None:
        self._queue.put(None)
        if wait:
            self._thread.join()

    def stats(self) -> StageStats:
        with self._lock:
            return StageStats(self.name, self._active, self._queue.qsize(), self._completed)


def _run(task: Callable[[], Any], future: Future[Any]) -> None:
    if not future.set_running_or_notify_cancel():
        return
    try:
        future.set_result(task())
    except BaseException as error:  # the submitter sees it through the future
        future.set_exception(error)
