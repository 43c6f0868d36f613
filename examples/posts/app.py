"""The posts example as an application: a social feed's "newest posts of a user", with cassandra-driver.

A seeded generator writes 1,000 posts of five users (deterministic timeuuids: the driver's
``uuid_from_time`` with a fixed node and clock sequence), then the app reads a feed page by page,
as a web API would, and a time window. It runs unchanged against Apache Cassandra.

    cqlkit serve --cluster /tmp/posts --port 9042 &
    python examples/posts/app.py --port 9042
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from cassandra import ConsistencyLevel
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, Session
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy
from cassandra.query import SimpleStatement
from cassandra.util import datetime_from_uuid1

# Run as a script, its directory is on sys.path: the generator next to it imports as a module.
from generate import USERS, generate


def create_schema(session: Session, keyspace: str) -> None:
    hosts = list(session.cluster.metadata.all_hosts())
    factor = min(3, len(hosts))
    session.execute(
        f"CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = "
        f"{{'class': 'NetworkTopologyStrategy', '{hosts[0].datacenter}': {factor}}}"
    )
    session.set_keyspace(keyspace)
    session.execute(
        "CREATE TABLE IF NOT EXISTS posts_by_user (user_id text, post_id timeuuid, post_text text, likes int, "
        "PRIMARY KEY (user_id, post_id)) WITH CLUSTERING ORDER BY (post_id DESC)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The posts example application (cassandra-driver).")
    parser.add_argument("--host", action="append", help="contact point (repeatable; default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=9042)
    parser.add_argument("--keyspace", default="social")
    parser.add_argument("--seed", type=int, default=7)
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
            "INSERT INTO posts_by_user (user_id, post_id, post_text, likes) VALUES (?, ?, ?, ?)"
        )
        rows = generate(args.seed)
        results = execute_concurrent_with_args(
            session, insert, rows, concurrency=64, raise_on_first_error=True
        )
        print(f"Wrote {sum(1 for ok, _ in results if ok)} posts of {len(USERS)} users")

        # The newest 5 posts of Anna: the head of her partition. Reads at ONE are enough for a feed.
        newest = session.prepare(
            "SELECT post_id, post_text, likes FROM posts_by_user WHERE user_id = ? LIMIT ?"
        )
        newest.consistency_level = ConsistencyLevel.LOCAL_ONE
        print("Newest posts of anna:")
        for row in session.execute(newest, ("anna", 5)):
            print(
                f"  {datetime_from_uuid1(row.post_id):%Y-%m-%d %H:%M} {row.post_text:<22} {row.likes:>3} likes"
            )

        # A feed API serves 50 posts per request and hands the client the paging state for "more".
        # (When the last page is exactly full, the server may not know that nothing follows: the next
        # request then returns no rows and no paging state. Only pages with rows are counted here.)
        feed = SimpleStatement("SELECT post_id FROM posts_by_user WHERE user_id = %s", fetch_size=50)
        state, pages, seen = None, 0, 0
        while True:
            page = session.execute(feed, ("anna",), paging_state=state)
            pages += 1 if page.current_rows else 0
            seen += len(page.current_rows)
            state = page.paging_state
            if state is None:
                break
        print(f"anna's whole feed: {seen} posts in {pages} pages of 50")

        # Posts in a time window: a slice of the clustering order between two timeuuid bounds.
        window = session.prepare(
            "SELECT post_text FROM posts_by_user WHERE user_id = ? "
            "AND post_id > minTimeuuid(?) AND post_id < maxTimeuuid(?)"
        )
        start, end = datetime(2023, 6, 1, tzinfo=UTC), datetime(2023, 7, 1, tzinfo=UTC)
        june = list(session.execute(window, ("anna", start, end)))
        print(f"anna posted {len(june)} times in June 2023, first: {june[-1].post_text!r}")

        count = session.execute("SELECT count(*) FROM posts_by_user WHERE user_id = %s", ("ben",)).one()
        print(f"ben has {count.count} posts")
    finally:
        cluster.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
