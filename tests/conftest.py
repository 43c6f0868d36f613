"""Suite-wide options: ``--update-goldens`` rewrites the expected output of golden scripts; tests marked
``slow`` (the long fuzz, soak and crash runs) run only when asked for with ``-m slow``."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite tests/golden/**/*.test with the output the engine produces now (review the diff!)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "slow" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="long-running: run with -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
