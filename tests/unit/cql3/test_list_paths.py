"""List cell paths sort in list order: appends in the order written, prepends before what they precede,
however many lists the process has written before (the sequence inside a path never wraps)."""

from __future__ import annotations

from engine.cql3.cells import CellFactory


def test_elements_of_one_write_keep_their_order_after_thousands_of_lists() -> None:
    cells = CellFactory(1_700_000_000_000_000, 0, 0)
    for _ in range(3000):  # the sequence once wrapped every 512 lists of 2 elements
        appended = [cells.list_path() for _ in range(3)]
        assert appended == sorted(appended)
        prepended = [cells.list_path(prepend=True) for _ in range(3)]
        assert prepended == sorted(prepended, reverse=True)
        assert max(prepended) < min(appended)


def test_later_timestamps_sort_after_for_appends_and_before_for_prepends() -> None:
    early, late = CellFactory(1000, 0, 0), CellFactory(1001, 0, 0)
    late_append, early_append = late.list_path(), early.list_path()
    assert early_append < late_append
    late_prepend, early_prepend = late.list_path(prepend=True), early.list_path(prepend=True)
    assert late_prepend < early_prepend
