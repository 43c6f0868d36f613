"""Deterministic training data for the MLOps example: experiments, runs, metric time series, summaries.

The same seed always gives the same rows (``random.Random(seed)``; no clock is read), so the output of
``app.py`` and the tests that pin it never change. Run it to write the rows as CSV files, one per table,
with a header line (the shape ``COPY <table> (<columns>) FROM '<file>' WITH HEADER = true`` reads):

    python examples/mlops/generate.py --out /tmp/mlops-data [--seed 42]

Three experiments of four runs each; every run logs ``loss`` and ``accuracy`` every 25 steps for 2,000
steps (80 points per metric per run, 1,920 metric rows in all). Loss decays exponentially towards a
floor that depends on the run's hyper-parameters, with seeded noise; accuracy follows it.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
from collections.abc import Iterator
from dataclasses import astuple, dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

EXPERIMENTS = ("churn", "fraud", "recsys")
MODELS = {"churn": "xgboost", "fraud": "lightgbm", "recsys": "two-tower"}
RUNS_PER_EXPERIMENT = 4
STEPS = 2000
LOG_EVERY = 25
STEPS_PER_EPOCH = 500
SECONDS_PER_STEP = 3
METRICS = ("loss", "accuracy")
FIRST_START = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Run:
    experiment_id: str
    started_at: datetime
    run_id: str
    model_name: str
    params: dict[str, str]
    status: str


@dataclass(frozen=True)
class MetricPoint:
    experiment_id: str
    run_id: str
    metric_name: str
    step: int
    epoch: int
    value: float
    recorded_at: datetime


@dataclass(frozen=True)
class Summary:
    experiment_id: str
    run_id: str
    model_name: str
    accuracy: float
    loss: float
    finished_at: datetime


@dataclass(frozen=True)
class Dataset:
    runs: tuple[Run, ...]
    metrics: tuple[MetricPoint, ...]
    summaries: tuple[Summary, ...]


def _curve(rng: random.Random, run: Run) -> Iterator[MetricPoint]:
    """Loss from ~0.69 (a coin flip's log loss) down to a floor set by the learning rate, plus noise."""
    rate = float(run.params["learning_rate"])
    floor = 0.12 + abs(math.log10(rate) + 2) * 0.08 + rng.uniform(0.0, 0.05)
    speed = 3.0 + rng.uniform(0.0, 2.0)
    for step in range(LOG_EVERY, STEPS + 1, LOG_EVERY):
        loss = floor + (0.69 - floor) * math.exp(-speed * step / STEPS) + rng.gauss(0.0, 0.004)
        accuracy = min(0.999, 1.0 - loss * 0.55 + rng.gauss(0.0, 0.003))
        recorded_at = run.started_at + timedelta(seconds=step * SECONDS_PER_STEP)
        epoch = (step - 1) // STEPS_PER_EPOCH + 1
        for name, value in (("loss", loss), ("accuracy", accuracy)):
            yield MetricPoint(run.experiment_id, run.run_id, name, step, epoch, round(value, 4), recorded_at)


def generate(seed: int = 42) -> Dataset:
    rng = random.Random(seed)
    runs: list[Run] = []
    metrics: list[MetricPoint] = []
    summaries: list[Summary] = []
    number = 0
    for e, experiment in enumerate(EXPERIMENTS):
        for r in range(RUNS_PER_EXPERIMENT):
            number += 1
            started_at = FIRST_START + timedelta(days=e * 7 + r, hours=rng.randrange(0, 12))
            params = {
                "learning_rate": rng.choice(("0.1", "0.03", "0.01", "0.003")),
                "batch_size": rng.choice(("64", "128", "256")),
            }
            # The last run of each experiment is still training: no summary yet.
            status = "RUNNING" if r == RUNS_PER_EXPERIMENT - 1 else "FINISHED"
            run = Run(experiment, started_at, f"run-{number:03d}", MODELS[experiment], params, status)
            runs.append(run)
            curve = list(_curve(rng, run))
            metrics.extend(curve)
            if status == "FINISHED":
                last_loss = next(p for p in reversed(curve) if p.metric_name == "loss")
                last_accuracy = next(p for p in reversed(curve) if p.metric_name == "accuracy")
                summaries.append(
                    Summary(
                        experiment,
                        run.run_id,
                        run.model_name,
                        last_accuracy.value,
                        last_loss.value,
                        last_loss.recorded_at,
                    )
                )
    return Dataset(tuple(runs), tuple(metrics), tuple(summaries))


def _csv_value(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S+0000")
    if isinstance(value, dict):  # a CQL map literal, as COPY reads it
        return "{" + ", ".join(f"'{k}': '{v}'" for k, v in sorted(value.items())) + "}"
    return str(value)


def write_csv(dataset: Dataset, directory: Path) -> dict[str, int]:
    """One CSV file per table; returns the number of rows written to each."""
    directory.mkdir(parents=True, exist_ok=True)
    tables = {
        "runs_by_experiment": (Run, dataset.runs),
        "metrics_by_run": (MetricPoint, dataset.metrics),
        "run_summary": (Summary, dataset.summaries),
    }
    counts = {}
    for table, (kind, rows) in tables.items():
        with open(directory / f"{table}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(f.name for f in fields(kind))
            for row in rows:
                writer.writerow(_csv_value(v) for v in astuple(row))
        counts[table] = len(rows)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="directory for the CSV files")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    for table, count in write_csv(generate(args.seed), args.out).items():
        print(f"{args.out / (table + '.csv')}: {count} rows")


if __name__ == "__main__":
    main()
