"""Suite-wide options: ``--update-goldens`` rewrites the expected output of golden scripts."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite tests/golden/**/*.test with the output the engine produces now (review the diff!)",
    )
