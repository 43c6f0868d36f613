"""Reading the CQL fixture corpus (format: tests/fixtures/cql/README.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "cql"
_EXPECTATION = re.compile(r"!! (-?\d+):(-?\d+) '(.*)'\Z")


@dataclass(frozen=True)
class Case:
    """One statement of the corpus, named file:index for test ids."""

    name: str
    text: str


@dataclass(frozen=True)
class BadCase:
    name: str
    text: str
    line: int
    column: int
    token: str


def _blocks(path: Path) -> list[str]:
    blocks = re.split(r"^---$", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return [b.strip("\n") for b in blocks if b.strip()]


def valid_cases() -> list[Case]:
    return [
        Case(f"{path.stem}:{i}", block)
        for path in sorted((CORPUS / "valid").glob("*.cql"))
        for i, block in enumerate(_blocks(path))
    ]


def invalid_cases() -> list[BadCase]:
    cases = []
    for path in sorted((CORPUS / "invalid").glob("*.cql")):
        for i, block in enumerate(_blocks(path)):
            head, _, text = block.partition("\n")
            m = _EXPECTATION.match(head.strip())
            if m is None:
                raise ValueError(f"{path.name} block {i}: first line must be `!! L:C 'TOKEN'`, not {head!r}")
            cases.append(BadCase(f"{path.stem}:{i}", text, int(m[1]), int(m[2]), m[3]))
    return cases
