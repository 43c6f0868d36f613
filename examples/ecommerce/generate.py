"""Deterministic shop data for the e-commerce example: 100 customers, 40 products, 1,500 likes.

The same seed always gives the same rows (``random.Random(seed)``). ``app.py`` imports it; run it to
write CSV files with a header line, one per table (the likes appear in both "likes" tables, as the app
writes them), ready for ``COPY shop.<table> (<header>) FROM '<table>.csv' WITH HEADER = true``:

    python examples/ecommerce/generate.py --out /tmp/shop-data [--seed 3]
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

FIRST_NAMES = ("Anna", "Bob", "Chen", "Dara", "Emil", "Fatima", "Goran", "Hana", "Ivo", "Jun")
PRODUCTS = ("Pepsi", "Chips", "Coffee", "Tea", "Granola", "Olive oil", "Pasta", "Rice", "Salsa", "Honey")
CUSTOMERS = 100
PRODUCT_COUNT = 40
LIKES = 1500


def generate(seed: int = 3) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Customers (id, name, email), products (id, name, price) and likes (customer, product, liked_on)."""
    rng = random.Random(seed)
    customers = []
    for customer_id in range(1, CUSTOMERS + 1):
        name = FIRST_NAMES[(customer_id - 1) % len(FIRST_NAMES)]
        if customer_id > len(FIRST_NAMES):
            name = f"{name} {customer_id}"
        customers.append((customer_id, name, f"{name.lower().replace(' ', '.')}@example.com"))
    products = []
    for product_id in range(1, PRODUCT_COUNT + 1):
        name = PRODUCTS[(product_id - 1) % len(PRODUCTS)]
        if product_id > len(PRODUCTS):
            name = f"{name} ({(product_id - 1) // len(PRODUCTS) + 1})"
        products.append((product_id, name, Decimal(rng.randrange(99, 2999)) / 100))
    first = datetime(2024, 5, 1, tzinfo=UTC)
    likes = [
        (
            rng.randrange(1, CUSTOMERS + 1),
            rng.randrange(1, PRODUCT_COUNT + 1),
            first + timedelta(seconds=rng.randrange(0, 90 * 86400)),
        )
        for _ in range(LIKES)
    ]
    return customers, products, likes


def write_csv(seed: int, directory: Path) -> dict[str, int]:
    """One CSV file per table; returns the number of rows written to each."""
    customers, products, likes = generate(seed)
    names = {c[0]: c[1] for c in customers}
    product_names = {p[0]: p[1] for p in products}

    def stamp(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%d %H:%M:%S+0000")

    tables = {
        "customer": (("customer_id", "name", "email"), customers),
        "product": (("product_id", "name", "price"), products),
        "customer_by_product": (
            ("product_id", "liked_on", "customer_id", "customer_name"),
            [(p, stamp(at), c, names[c]) for c, p, at in likes],
        ),
        "product_by_customer": (
            ("customer_id", "liked_on", "product_id", "product_name"),
            [(c, stamp(at), p, product_names[p]) for c, p, at in likes],
        ),
    }
    directory.mkdir(parents=True, exist_ok=True)
    for table, (header, rows) in tables.items():
        with open(directory / f"{table}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
    return {table: len(rows) for table, (_, rows) in tables.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="directory for the CSV files")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    for table, count in write_csv(args.seed, args.out).items():
        print(f"{args.out / (table + '.csv')}: {count} rows")


if __name__ == "__main__":
    main()
