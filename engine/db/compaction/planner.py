"""Planning entry points: the next background task, and major compaction.

``CompactionStrategyManager``'s part, as pure functions: it holds one strategy instance per repaired set
(repaired and unrepaired SSTables are never compacted together, so incremental repair's split stays
meaningful), asks the set with the most estimated pending work first, and takes the first task any set
offers. Disabled compaction (``'enabled': 'false'``) plans no background task, while a major compaction is
still allowed, as in Cassandra.
"""

from __future__ import annotations

from engine.db.compaction import leveled, size_tiered, time_window
from engine.db.compaction.common import GroupView
from engine.db.compaction.model import BackgroundPlan, CompactionTask, StrategyProgress, TableState
from engine.db.compaction.params import CompactionStrategyKind

# Holder order in CompactionStrategyManager: the repaired set before the unrepaired one on equal estimates.
_SETS = (True, False)


def plan_background(state: TableState) -> BackgroundPlan:
    """The next background compaction of ``state``'s table, if any, and the bookkeeping to carry on."""
    views = [GroupView(state, repaired) for repaired in _SETS]
    estimates = [_estimate(view) for view in views]
    progress = dict(state.progress)
    if state.params.enabled:
        # getNextBackgroundTask sorts the task suppliers by remaining tasks, descending (stable).
        for index in sorted(range(len(views)), key=lambda i: -estimates[i]):
            view = views[index]
            task, progress[view.repaired] = _plan(view)
            if task is not None:
                return BackgroundPlan(task, sum(estimates), progress)
    return BackgroundPlan(None, sum(estimates), progress)


def plan_major(state: TableState, *, split_output: bool = False) -> tuple[CompactionTask, ...]:
    """``nodetool compact``: one task per repaired set holding all its SSTables (``getMaximalTasks``).

    ``split_output`` (``-s``) splits STCS output into halving sizes; LCS and TWCS ignore it. A set with an
    SSTable still compacting gets no task: stop background compactions first, as Cassandra does.
    """
    tasks = []
    for repaired in _SETS:
        task = _maximal(GroupView(state, repaired), split_output)
        if task is not None:
            tasks.append(task)
    return tuple(tasks)


def _plan(view: GroupView) -> tuple[CompactionTask | None, StrategyProgress]:
    match view.params.strategy:
        case CompactionStrategyKind.SIZE_TIERED:
            return size_tiered.plan(view)
        case CompactionStrategyKind.LEVELED:
            return leveled.plan(view)
        case CompactionStrategyKind.TIME_WINDOW:
            return time_window.plan(view)


def _estimate(view: GroupView) -> int:
    match view.params.strategy:
        case CompactionStrategyKind.SIZE_TIERED:
            return size_tiered.estimate(view)
        case CompactionStrategyKind.LEVELED:
            return leveled.estimate(view)
        case CompactionStrategyKind.TIME_WINDOW:
            return time_window.estimate(view)


def _maximal(view: GroupView, split_output: bool) -> CompactionTask | None:
    match view.params.strategy:
        case CompactionStrategyKind.SIZE_TIERED:
            return size_tiered.maximal(view, split_output)
        case CompactionStrategyKind.LEVELED:
            return leveled.maximal(view, split_output)
        case CompactionStrategyKind.TIME_WINDOW:
            return time_window.maximal(view, split_output)
