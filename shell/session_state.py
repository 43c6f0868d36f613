"""What a cqlsh session remembers between statements: the settings its special commands change.

One :class:`ShellState` lives as long as a shell (the REPL, one ``-e``/``-f`` run, or one ``SOURCE``d
file: cqlsh runs a sourced file in a sub-shell that starts from the defaults below, except that it
inherits tracing, color and the current keyspace). The statement runner (``shell.batch``) reads it for
every statement; the commands in ``shell.commands`` change it.

Defaults are cqlsh's: consistency ONE, serial consistency SERIAL, paging on with 100 rows per page,
expanded output and tracing off, at most 50 entries shown by HISTORY.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TextIO

from shell.output.script import OutputMode

DEFAULT_PAGE_SIZE = 100
DEFAULT_HISTORY_SHOWN = 50

#: levels CONSISTENCY accepts (cqlsh's ``<consistencyLevel>`` rule), in its order
CONSISTENCY_LEVELS = (
    "ANY",
    "ONE",
    "TWO",
    "THREE",
    "QUORUM",
    "ALL",
    "LOCAL_QUORUM",
    "EACH_QUORUM",
    "SERIAL",
    "LOCAL_SERIAL",
    "LOCAL_ONE",
    "NODE_LOCAL",
)
SERIAL_CONSISTENCY_LEVELS = ("SERIAL", "LOCAL_SERIAL")


class Expand(enum.Enum):
    """EXPAND: cqlsh's OFF (tables) and ON (a block per row), and cqlkit's AUTO (a block per row when the
    table would be wider than the terminal)."""

    OFF = "OFF"
    ON = "ON"
    AUTO = "AUTO"


@dataclass
class Capture:
    """``CAPTURE 'file'`` in effect: query output goes to ``file``, opened for append at ``path``."""

    path: str
    file: TextIO


@dataclass
class ShellState:
    consistency: str = "ONE"
    serial_consistency: str = "SERIAL"
    expand: Expand = Expand.OFF
    paging: bool = True
    page_size: int = DEFAULT_PAGE_SIZE
    tracing: bool = False
    color: bool = False
    """Color as chosen on the command line; while capturing, output is never colored (see :attr:`painting`)."""
    debug: bool = False
    username: str | None = None
    history_shown: int = DEFAULT_HISTORY_SHOWN
    capture: Capture | None = None
    cqlshrc: str | None = None
    """The cqlshrc file in use (COPY reads its ``[copy*]`` sections)."""
    max_trace_wait: float = 10.0
    """cqlshrc ``[tracing] max_trace_wait``: how long to wait for a statement's trace to complete."""
    elapsed: bool = False
    """cqlkit's ``ELAPSED ON``: each statement's client-side wall time after its result (kept by SOURCE)."""
    pager: bool = False
    """cqlkit's ``PAGER ON`` / ``--pager``: long results through ``$PAGER`` in the interactive shell."""
    mode: OutputMode = OutputMode.TABULAR
    """cqlkit's ``--mode``: cqlsh's tables, or rows only as CSV or JSON Lines (kept by SOURCE)."""

    @property
    def painting(self) -> bool:
        """Whether results and errors are colored now: cqlsh turns color off while capturing."""
        return self.color and self.capture is None

    @property
    def fetch_size(self) -> int | None:
        """Rows per page to ask the server for; None fetches everything at once (PAGING OFF)."""
        return self.page_size if self.paging else None

    def for_source(self) -> ShellState:
        """The state a ``SOURCE``d file starts with (cqlsh's sub-shell: defaults, tracing and color kept)."""
        return ShellState(
            tracing=self.tracing,
            color=self.painting,
            debug=self.debug,
            username=self.username,
            cqlshrc=self.cqlshrc,
            max_trace_wait=self.max_trace_wait,
            mode=self.mode,
            elapsed=self.elapsed,
        )

    def stop_capture(self) -> None:
        if self.capture is not None:
            self.capture.file.close()
            self.capture = None
