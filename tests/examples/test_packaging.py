"""The examples ship with the wheel: pyproject's data files cover every file under examples/."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_example_file_is_a_data_file() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    data_files = config["tool"]["setuptools"]["data-files"]
    shipped = {}
    for target, patterns in data_files.items():
        for pattern in patterns:
            for path in ROOT.glob(pattern):
                shipped[path.relative_to(ROOT).as_posix()] = target
    present = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "examples").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert sorted(present - shipped.keys()) == []
    # each file lands in share/cqlkit/<its directory>, where `cqlkit tutorial` looks
    assert all(target == "share/cqlkit/" + str(Path(path).parent) for path, target in shipped.items())
