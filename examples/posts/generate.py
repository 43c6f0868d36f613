"""Deterministic posts for the posts example: five users, 200 posts each, roughly one every 1-3 days.

The same seed always gives the same rows (``random.Random(seed)``; post ids are version-1 timeuuids
made by the driver's ``uuid_from_time`` with a fixed node and clock sequence, so no clock is read).
``app.py`` imports it; run it to write the rows as CSV with a header line, ready for
``COPY social.posts_by_user (user_id, post_id, post_text, likes) FROM 'posts_by_user.csv' WITH HEADER = true``:

    python examples/posts/generate.py --out /tmp/posts-data [--seed 7]
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cassandra.util import uuid_from_time

COLUMNS = ("user_id", "post_id", "post_text", "likes")
USERS = ("anna", "ben", "chloe", "dmitri", "eve")
POSTS_PER_USER = 200
WORDS = ("coffee", "climbing", "paris", "new job", "cat", "sunset", "marathon", "book", "concert", "pasta")
FIRST_POST = datetime(2023, 1, 1, tzinfo=UTC)


def generate(seed: int = 7) -> list[tuple]:
    """(user_id, post_id, post_text, likes) rows; every user posts roughly every 1-3 days."""
    rng = random.Random(seed)
    rows = []
    for number, user in enumerate(USERS):
        moment = FIRST_POST + timedelta(hours=rng.randrange(0, 48))
        for _ in range(POSTS_PER_USER):
            moment += timedelta(minutes=rng.randrange(24 * 60, 3 * 24 * 60))
            post_id = uuid_from_time(moment, node=0x1000 + number, clock_seq=0)
            text = f"{rng.choice(WORDS)} and {rng.choice(WORDS)}"
            rows.append((user, post_id, text, rng.randrange(0, 500)))
    return rows


def write_csv(rows: list[tuple], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "posts_by_user.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="directory for the CSV file")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rows = generate(args.seed)
    print(f"{write_csv(rows, args.out)}: {len(rows)} rows")


if __name__ == "__main__":
    main()
