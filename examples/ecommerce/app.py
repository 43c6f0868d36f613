"""The e-commerce example as an application: customers, products and "likes", with cassandra-driver.

A seeded generator makes 100 customers, 40 products and 1,500 likes. Each like is written to both
denormalized tables (customer_by_product and product_by_customer) in one logged batch, so either both
copies exist or neither. The app then answers the four questions of the model. It runs unchanged
against Apache Cassandra.

    cqlkit serve --cluster /tmp/shop --port 9042 &
    python examples/ecommerce/app.py --port 9042
"""

from __future__ import annotations

import argparse

from cassandra import ConsistencyLevel
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, Session
from cassandra.concurrent import execute_concurrent, execute_concurrent_with_args
from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy
from cassandra.query import BatchStatement, BatchType

# Run as a script, its directory is on sys.path: the generator next to it imports as a module.
from generate import generate

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS customer (customer_id int PRIMARY KEY, name text, email text)",
    "CREATE TABLE IF NOT EXISTS product (product_id int PRIMARY KEY, name text, price decimal)",
    "CREATE TABLE IF NOT EXISTS customer_by_product (product_id int, liked_on timestamp, customer_id int, "
    "customer_name text, PRIMARY KEY (product_id, liked_on, customer_id)) "
    "WITH CLUSTERING ORDER BY (liked_on DESC, customer_id ASC)",
    "CREATE TABLE IF NOT EXISTS product_by_customer (customer_id int, liked_on timestamp, product_id int, "
    "product_name text, PRIMARY KEY (customer_id, liked_on, product_id)) "
    "WITH CLUSTERING ORDER BY (liked_on DESC, product_id ASC)",
)


def create_schema(session: Session, keyspace: str) -> None:
    hosts = list(session.cluster.metadata.all_hosts())
    factor = min(3, len(hosts))
    session.execute(
        f"CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = "
        f"{{'class': 'NetworkTopologyStrategy', '{hosts[0].datacenter}': {factor}}}"
    )
    session.set_keyspace(keyspace)
    for statement in SCHEMA:
        session.execute(statement)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The e-commerce example application (cassandra-driver).")
    parser.add_argument("--host", action="append", help="contact point (repeatable; default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=9042)
    parser.add_argument("--keyspace", default="shop")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args(argv)
    profile = ExecutionProfile(
        load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy()),
        consistency_level=ConsistencyLevel.LOCAL_QUORUM,
    )
    cluster = Cluster(
        args.host or ["127.0.0.1"], port=args.port, execution_profiles={EXEC_PROFILE_DEFAULT: profile}
    )
    session = cluster.connect()
    try:
        create_schema(session, args.keyspace)
        customers, products, likes = generate(args.seed)
        add_customer = session.prepare("INSERT INTO customer (customer_id, name, email) VALUES (?, ?, ?)")
        add_product = session.prepare("INSERT INTO product (product_id, name, price) VALUES (?, ?, ?)")
        execute_concurrent_with_args(session, add_customer, customers, raise_on_first_error=True)
        execute_concurrent_with_args(session, add_product, products, raise_on_first_error=True)

        by_product = session.prepare(
            "INSERT INTO customer_by_product (product_id, liked_on, customer_id, customer_name) VALUES (?, ?, ?, ?)"
        )
        by_customer = session.prepare(
            "INSERT INTO product_by_customer (customer_id, liked_on, product_id, product_name) VALUES (?, ?, ?, ?)"
        )
        names = {c[0]: c[1] for c in customers}
        product_names = {p[0]: p[1] for p in products}
        batches = []
        for customer_id, product_id, liked_on in likes:
            # Logged: the batch log makes the two copies all-or-nothing across their two partitions.
            batch = BatchStatement(batch_type=BatchType.LOGGED)
            batch.add(by_product, (product_id, liked_on, customer_id, names[customer_id]))
            batch.add(by_customer, (customer_id, liked_on, product_id, product_names[product_id]))
            batches.append((batch, None))
        execute_concurrent(session, batches, concurrency=32, raise_on_first_error=True)
        print(
            f"{len(customers)} customers, {len(products)} products, {len(likes)} likes (each in two tables)"
        )

        customer = session.execute("SELECT * FROM customer WHERE customer_id = %s", (1,)).one()
        product = session.execute("SELECT * FROM product WHERE product_id = %s", (1,)).one()
        print(f"Customer 1: {customer.name} <{customer.email}>")
        print(f"Product 1: {product.name} at {product.price}")

        recent_likers = session.prepare(
            "SELECT customer_name, liked_on FROM customer_by_product WHERE product_id = ? LIMIT 10"
        )
        print(f"The ten customers who most recently liked {product.name}:")
        for row in session.execute(recent_likers, (1,)):
            print(f"  {row.liked_on:%Y-%m-%d %H:%M} {row.customer_name}")

        liked = session.prepare(
            "SELECT product_name, liked_on FROM product_by_customer WHERE customer_id = ? LIMIT 10"
        )
        print(f"The products {customer.name} liked most recently:")
        for row in session.execute(liked, (1,)):
            print(f"  {row.liked_on:%Y-%m-%d %H:%M} {row.product_name}")

        # The two copies agree: as many likes per product as per customer, summed over all partitions.
        count_product = session.prepare("SELECT count(*) FROM customer_by_product WHERE product_id = ?")
        count_customer = session.prepare("SELECT count(*) FROM product_by_customer WHERE customer_id = ?")
        per_product = sum(session.execute(count_product, (p[0],)).one().count for p in products)
        per_customer = sum(session.execute(count_customer, (c[0],)).one().count for c in customers)
        print(f"Likes counted by product: {per_product}, by customer: {per_customer}")
    finally:
        cluster.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
