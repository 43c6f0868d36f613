"""What a nodetool command runs with: where it writes, the probe of the node it targets, global flags."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO


class CommandExit(Exception):
    """End the command with this exit status (its output already written)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class Context:
    out: TextIO
    err: TextIO
    open_probe: Callable[[], Any]
    print_port: bool = False
    _probe: Any = None

    @property
    def probe(self) -> Any:
        if self._probe is None:
            self._probe = self.open_probe()
        return self._probe

    def write(self, text: str) -> None:
        self.out.write(text)

    def line(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def address(self, endpoint: Any) -> str:
        """An endpoint as nodetool prints it: ``127.0.0.1``, or ``127.0.0.1:7000`` with ``-pp``."""
        return endpoint.address_and_port if self.print_port else endpoint.address
