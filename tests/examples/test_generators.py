"""Every examples/*/generate.py writes the same CSV files on every run (seeded), ready for COPY FROM."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

EXPECTED = {
    "posts": {
        "posts_by_user.csv": (1000, "anna,3b6b5600-8b2e-11ed-8000-000000001000,marathon and coffee,37"),
    },
    "gyms": {
        "gyms_by_city.csv": (600, "ca,QC,Montreal,Vital Athletics #1,2020-04-07 00:00:00+0000,521 Park Rd"),
    },
    "ecommerce": {
        "customer.csv": (100, "1,Anna,anna@example.com"),
        "product.csv": (40, "1,Pepsi,10.73"),
        "customer_by_product.csv": (1500, "25,2024-07-09 08:02:32+0000,93,Chen 93"),
        "product_by_customer.csv": (1500, "93,2024-07-09 08:02:32+0000,25,Granola (3)"),
    },
    "mlops": {
        "runs_by_experiment.csv": (
            12,
            "churn,2024-03-01 19:00:00+0000,run-001,xgboost,"
            "\"{'batch_size': '64', 'learning_rate': '0.1'}\",FINISHED",
        ),
        "metrics_by_run.csv": (1920, "churn,run-001,loss,25,1,0.6719,2024-03-01 19:01:15+0000"),
        "run_summary.csv": (9, "churn,run-001,xgboost,0.8616,0.2523,2024-03-01 20:40:00+0000"),
    },
}


def test_every_example_has_a_generator() -> None:
    assert sorted(p.parent.name for p in (ROOT / "examples").glob("*/generate.py")) == sorted(EXPECTED)


@pytest.mark.parametrize("example", sorted(EXPECTED))
def test_generator_writes_the_same_csv_every_time(example: str, tmp_path: Path) -> None:
    outputs = []
    for run in ("a", "b"):
        out = tmp_path / run
        result = subprocess.run(
            [sys.executable, str(ROOT / "examples" / example / "generate.py"), "--out", str(out)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == "".join(
            f"{out / name}: {count} rows\n" for name, (count, _) in EXPECTED[example].items()
        )
        outputs.append({p.name: p.read_text() for p in sorted(out.iterdir())})
    assert outputs[0] == outputs[1]
    for name, (count, first) in EXPECTED[example].items():
        lines = outputs[0][name].splitlines()
        assert len(lines) == count + 1  # the header line, then the rows
        assert lines[1] == first
