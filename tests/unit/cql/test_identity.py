"""Identity fixtures: every valid statement parses, renders, and parses back to an equal tree."""

from __future__ import annotations

import pytest

from engine.cql import parse, render
from tests.unit.cql.corpus import Case, valid_cases

CASES = valid_cases()


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 300


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_round_trip(case: Case) -> None:
    statements = parse(case.text)
    assert len(statements) == 1, f"expected one statement in {case.text!r}"
    (statement,) = statements
    text = render(statement)
    again = parse(text)
    assert again == [statement], f"rendered as {text!r}"
    # Rendering is canonical: a second round renders the same text.
    assert render(again[0]) == text
