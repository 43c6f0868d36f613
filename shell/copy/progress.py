"""COPY's progress and summary text, as cqlsh's ``copyutil`` prints it when not on a terminal.

While rows flow, at most every ``REPORTFREQUENCY`` seconds::

    Processed: 5000 rows; Rate:    4375 rows/s; Avg. rate:    4375 rows/s\\r\\r

(cqlsh ends the message with ``\\r`` and prints it with ``eol='\\r'``: two carriage returns, no newline;
the rate is the last period's, averaged with the previous rate). The summary's duration reads as
cqlsh's ``describe_interval`` writes it under Python 3, where ``int(seconds) / length`` is a true
division: under one second ``0.123 seconds``; from one second on every unit is named, e.g.
``0 day, 0 hour, 0 minute, and 2.345 seconds`` (the plural only above one unit). ``RATEFILE`` receives
each progress line followed by a newline. The clock is injectable, so tests see exact figures.

On a terminal cqlkit shows a live progress line instead (rich): rows so far, the current and average
rates, the time elapsed; the summary that follows is cqlsh's text.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.progress import Progress

Clock = Callable[[], float]


def describe_interval(seconds: float) -> str:
    parts: list[str] = []
    for length, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        count = int(seconds) / length
        if count > 0:
            parts.append("%d %s" % (count, unit))  # noqa: UP031 - %d truncates the float, as cqlsh
            if count > 1:
                parts[-1] += "s"
        seconds %= length
    words = "%.03f seconds" % seconds  # noqa: UP031
    if len(parts) > 1:
        return ", ".join(parts) + ", and " + words
    if len(parts) == 1:
        return parts[0] + " and " + words
    return words


class RateMeter:
    """Counts rows and reports the rate (cqlsh's ``RateMeter``)."""

    def __init__(
        self,
        out: TextIO | None,
        update_interval: float = 0.25,
        rate_file: str = "",
        clock: Clock = time.time,
    ) -> None:
        self.out = out
        self.update_interval = update_interval
        self.rate_file = rate_file
        self.clock = clock
        self.start_time = clock()
        self.last_checkpoint = self.start_time
        self.current_rate = 0.0
        self.current_records = 0
        self.total_records = 0
        self._live = _live_progress(out)
        self._task = self._live.add_task("COPY", total=None, rate=0.0) if self._live is not None else None
        if rate_file and os.path.isfile(rate_file):
            os.unlink(rate_file)

    def increment(self, count: int = 1) -> None:
        self.current_records += count
        if self.current_records == 0:
            return
        now = self.clock()
        if now - self.last_checkpoint >= self.update_interval:
            self._update(now)
            self._log()

    def _update(self, now: float) -> None:
        elapsed = now - self.last_checkpoint
        if elapsed >= 1e-09:
            rate = self.current_records / elapsed
            self.current_rate = rate if self.current_rate == 0.0 else (self.current_rate + rate) / 2.0
        self.last_checkpoint = now
        self.total_records += self.current_records
        self.current_records = 0

    def average_rate(self) -> float:
        elapsed = self.clock() - self.start_time
        return self.total_records / elapsed if elapsed >= 1e-09 else 0

    def _log(self) -> None:
        line = "Processed: %d rows; Rate: %7.0f rows/s; Avg. rate: %7.0f rows/s\r" % (  # noqa: UP031
            self.total_records,
            self.current_rate,
            self.average_rate(),
        )
        if self._live is not None:
            self._live.update(self._task, completed=self.total_records, rate=self.current_rate)
        elif self.out is not None:
            self.out.write(line + "\r")
            self.out.flush()
        if self.rate_file:
            with open(self.rate_file, "a", encoding="utf-8") as f:
                f.write(line + "\n")

    def finish(self) -> int:
        """The final report (cqlsh's ``get_total_records``), returning every row counted."""
        self._update(self.clock())
        self._log()
        if self._live is not None:
            self._live.stop()
            self._live = None
        return self.total_records


def _live_progress(out: TextIO | None) -> Progress | None:
    """A rich progress display when ``out`` is a terminal, started; None otherwise."""
    try:
        if out is None or not out.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(
        SpinnerColumn(),
        TextColumn("Processed: {task.completed:,.0f} rows"),
        TextColumn("Rate: {task.fields[rate]:,.0f} rows/s"),
        TimeElapsedColumn(),
        console=Console(file=out),
        transient=True,
    )
    progress.start()
    return progress
