"""The gyms example as an application: "the gyms of a city by opening date", with cassandra-driver.

A seeded generator opens 600 gyms in twelve cities of three countries; the app asks for the first and
the most recently opened gyms of a city, the gyms opened since a date, and shows the query the model
refuses (a partial partition key) with Cassandra's message. It runs unchanged against Apache Cassandra.

    cqlkit serve --cluster /tmp/gyms --port 9042 &
    python examples/gyms/app.py --port 9042
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from cassandra import ConsistencyLevel, InvalidRequest
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, Session
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy

# Run as a script, its directory is on sys.path: the generator next to it imports as a module.
from generate import CITIES, generate


def create_schema(session: Session, keyspace: str) -> None:
    hosts = list(session.cluster.metadata.all_hosts())
    factor = min(3, len(hosts))
    session.execute(
        f"CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = "
        f"{{'class': 'NetworkTopologyStrategy', '{hosts[0].datacenter}': {factor}}}"
    )
    session.set_keyspace(keyspace)
    session.execute(
        "CREATE TABLE IF NOT EXISTS gyms_by_city (country_code text, state_province text, city text, "
        "gym_name text, opening_date timestamp, street text, "
        "PRIMARY KEY ((country_code, state_province, city), opening_date, gym_name)) "
        "WITH CLUSTERING ORDER BY (opening_date ASC, gym_name ASC)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The gyms example application (cassandra-driver).")
    parser.add_argument("--host", action="append", help="contact point (repeatable; default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=9042)
    parser.add_argument("--keyspace", default="fitness")
    parser.add_argument("--seed", type=int, default=11)
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
        insert = session.prepare(
            "INSERT INTO gyms_by_city (country_code, state_province, city, gym_name, opening_date, street) "
            "VALUES (?, ?, ?, ?, ?, ?)"
        )
        rows = generate(args.seed)
        execute_concurrent_with_args(session, insert, rows, concurrency=64, raise_on_first_error=True)
        print(f"Opened {len(rows)} gyms in {len(CITIES)} cities")

        city = ("us", "AZ", "Phoenix")
        first = session.prepare(
            "SELECT gym_name, opening_date FROM gyms_by_city "
            "WHERE country_code = ? AND state_province = ? AND city = ? LIMIT ?"
        )
        latest = session.prepare(
            "SELECT gym_name, opening_date FROM gyms_by_city "
            "WHERE country_code = ? AND state_province = ? AND city = ? ORDER BY opening_date DESC LIMIT ?"
        )
        print("The first gyms of Phoenix, AZ:")
        for row in session.execute(first, (*city, 3)):
            print(f"  {row.opening_date:%Y-%m-%d} {row.gym_name}")
        print("The most recently opened gyms of Phoenix, AZ:")
        for row in session.execute(latest, (*city, 3)):
            print(f"  {row.opening_date:%Y-%m-%d} {row.gym_name}")

        since = session.prepare(
            "SELECT count(*) FROM gyms_by_city "
            "WHERE country_code = ? AND state_province = ? AND city = ? AND opening_date >= ?"
        )
        print("Gyms opened since 2016:")
        for country, state, name in CITIES[:4]:
            count = (
                session.execute(since, (country, state, name, datetime(2016, 1, 1, tzinfo=UTC))).one().count
            )
            print(f"  {name}, {state}: {count}")

        # The whole partition key is needed: a state alone names no partition.
        try:
            session.execute(
                "SELECT gym_name FROM gyms_by_city WHERE country_code = 'us' AND state_province = 'AZ'"
            )
        except InvalidRequest as e:
            print(f"By state alone: {e}")
    finally:
        cluster.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
