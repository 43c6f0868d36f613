"""Deterministic gyms for the gyms example: 600 gyms in twelve cities of three countries.

The same seed always gives the same rows (``random.Random(seed)``). ``app.py`` imports it; run it to
write the rows as CSV with a header line, ready for ``COPY fitness.gyms_by_city (country_code,
state_province, city, gym_name, opening_date, street) FROM 'gyms_by_city.csv' WITH HEADER = true``:

    python examples/gyms/generate.py --out /tmp/gyms-data [--seed 11]
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

COLUMNS = ("country_code", "state_province", "city", "gym_name", "opening_date", "street")
CITIES = (
    ("us", "AZ", "Phoenix"),
    ("us", "AZ", "Tucson"),
    ("us", "TX", "Austin"),
    ("us", "TX", "Houston"),
    ("us", "CO", "Denver"),
    ("us", "WA", "Seattle"),
    ("ca", "ON", "Toronto"),
    ("ca", "QC", "Montreal"),
    ("ca", "BC", "Vancouver"),
    ("de", "BE", "Berlin"),
    ("de", "BY", "Munich"),
    ("de", "HH", "Hamburg"),
)
GYMS = 600
PREFIXES = ("Iron", "Peak", "Urban", "Core", "Summit", "Pulse", "Forge", "Atlas", "Vital", "Titan")
SUFFIXES = ("Gym", "Fitness", "Strength", "Athletics", "Crossfit", "Club")
STREETS = ("Main St", "Oak Ave", "1st Ave", "Park Rd", "Lake Dr", "Hill St", "Market St", "River Rd")


def generate(seed: int = 11) -> list[tuple]:
    """(country_code, state_province, city, gym_name, opening_date, street) rows."""
    rng = random.Random(seed)
    first = datetime(2000, 1, 1, tzinfo=UTC)
    rows = []
    for number in range(1, GYMS + 1):
        country, state, city = rng.choice(CITIES)
        name = f"{rng.choice(PREFIXES)} {rng.choice(SUFFIXES)} #{number}"
        opened = first + timedelta(days=rng.randrange(0, 24 * 365))
        street = f"{rng.randrange(1, 999)} {rng.choice(STREETS)}"
        rows.append((country, state, city, name, opened, street))
    return rows


def write_csv(rows: list[tuple], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "gyms_by_city.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for *key, opened, street in rows:
            writer.writerow([*key, opened.strftime("%Y-%m-%d %H:%M:%S+0000"), street])
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="directory for the CSV file")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rows = generate(args.seed)
    print(f"{write_csv(rows, args.out)}: {len(rows)} rows")


if __name__ == "__main__":
    main()
