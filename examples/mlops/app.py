"""The MLOps example as an application: a training-metrics service written with cassandra-driver.

It does what the MLOps guide's driver code does, corrected where the guide is wrong for Cassandra (see
README.md): connect and check the cluster's health, create the keyspace (replication chosen from the
cluster's size and data centre) and the tables of ``schema.cql``, log the generated training runs with
prepared statements and asynchronous, concurrent writes at ``LOCAL_QUORUM``, write run summaries
``USING TIMESTAMP``, register model versions with a lightweight transaction, and answer the model's
queries with paging. Nothing in it is specific to cqlkit: it runs unchanged against Apache Cassandra.

    cqlkit serve --cluster /tmp/mlops --port 9042 &
    python examples/mlops/app.py --port 9042
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cassandra import ConsistencyLevel
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, Session
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy
from cassandra.query import SimpleStatement

# Run as a script, its directory is on sys.path: the generator next to it imports as a module.
from generate import Dataset, generate

SCHEMA = Path(__file__).resolve().parent / "schema.cql"


def schema_statements() -> list[str]:
    """The table definitions of schema.cql (the keyspace is created here, with this cluster's replication)."""
    text = "\n".join(line for line in SCHEMA.read_text().splitlines() if not line.lstrip().startswith("--"))
    statements = [s.strip() for s in text.split(";") if s.strip()]
    return [s for s in statements if s.upper().startswith("CREATE TABLE")]


def check_cluster_health(cluster: Cluster) -> tuple[str, int]:
    """The guide's health check; a driver ``Host`` has ``is_up`` (there is no ``status`` attribute)."""
    metadata = cluster.metadata
    print(f"Cluster name: {metadata.cluster_name}")
    print(f"Partitioner: {metadata.partitioner}")
    hosts = sorted(metadata.all_hosts(), key=lambda h: h.address)
    for host in hosts:
        print(f"Host {host.address}: {'UP' if host.is_up else 'DOWN'} ({host.datacenter}/{host.rack})")
    return hosts[0].datacenter, len(hosts)


def create_schema(session: Session, keyspace: str, datacenter: str, nodes: int) -> None:
    # RF 3 as in production, but never more replicas than the data centre has nodes: with RF 3 on one
    # node every LOCAL_QUORUM request would fail with Unavailable.
    factor = min(3, nodes)
    session.execute(
        f"CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = "
        f"{{'class': 'NetworkTopologyStrategy', '{datacenter}': {factor}}}"
    )
    session.set_keyspace(keyspace)
    for statement in schema_statements():
        session.execute(statement)
    print(f"Keyspace {keyspace}: NetworkTopologyStrategy {{'{datacenter}': {factor}}}, tables:")
    for table in sorted(session.cluster.metadata.keyspaces[keyspace].tables):
        print(f"  {table}")


def load(session: Session, data: Dataset) -> None:
    """Write the generated runs, metric points and counters, the way a training job logs them."""
    insert_run = session.prepare(
        "INSERT INTO runs_by_experiment (experiment_id, started_at, run_id, model_name, params, status) "
        "VALUES (?, ?, ?, ?, ?, ?)"
    )
    insert_point = session.prepare(
        "INSERT INTO metrics_by_run (experiment_id, run_id, metric_name, step, epoch, value, recorded_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)"
    )
    count_run = session.prepare("UPDATE experiment_counters SET runs = runs + 1 WHERE experiment_id = ?")
    count_points = session.prepare(
        "UPDATE experiment_counters SET metric_points = metric_points + ? WHERE experiment_id = ?"
    )
    for statement in (insert_run, insert_point, count_run, count_points):
        statement.consistency_level = ConsistencyLevel.LOCAL_QUORUM

    # Asynchronous writes: send them all, then wait for each (a failure raises from result()).
    futures = [
        session.execute_async(
            insert_run, (r.experiment_id, r.started_at, r.run_id, r.model_name, r.params, r.status)
        )
        for r in data.runs
    ]
    futures += [session.execute_async(count_run, (r.experiment_id,)) for r in data.runs]
    for future in futures:
        future.result()

    # Many independent single-partition writes: concurrent execution, not a batch. A multi-partition
    # batch makes one coordinator hold everything; concurrency spreads the load over the replicas.
    results = execute_concurrent_with_args(
        session,
        insert_point,
        [
            (p.experiment_id, p.run_id, p.metric_name, p.step, p.epoch, p.value, p.recorded_at)
            for p in data.metrics
        ],
        concurrency=64,
    )
    failed = [result for success, result in results if not success]
    if failed:
        raise failed[0]
    points: dict[str, int] = {}
    for p in data.metrics:
        points[p.experiment_id] = points.get(p.experiment_id, 0) + 1
    for experiment, count in sorted(points.items()):
        session.execute(count_points, (count, experiment))
    print(f"Wrote {len(data.runs)} runs and {len(data.metrics)} metric points at LOCAL_QUORUM")


def write_summaries(session: Session, data: Dataset) -> None:
    """Summaries are written USING TIMESTAMP the time they were computed, so a stale retry never wins."""
    insert = session.prepare(
        "INSERT INTO run_summary (experiment_id, run_id, model_name, accuracy, loss, finished_at) "
        "VALUES (?, ?, ?, ?, ?, ?) USING TIMESTAMP ?"
    )
    insert.consistency_level = ConsistencyLevel.LOCAL_QUORUM
    for s in data.summaries:
        micros = int(s.finished_at.timestamp() * 1_000_000)
        session.execute(
            insert, (s.experiment_id, s.run_id, s.model_name, s.accuracy, s.loss, s.finished_at, micros)
        )
    # A late duplicate of the first summary, computed an hour earlier, arrives last: it does not apply.
    s = data.summaries[0]
    stale = int(s.finished_at.timestamp() * 1_000_000) - 3_600_000_000
    session.execute(insert, (s.experiment_id, s.run_id, s.model_name, 0.5, 0.9, s.finished_at, stale))
    row = session.execute(
        "SELECT accuracy, writetime(accuracy) AS written FROM run_summary WHERE experiment_id = %s AND run_id = %s",
        (s.experiment_id, s.run_id),
    ).one()
    print(f"Summary of {s.run_id} after a stale retry: accuracy {row.accuracy:.4f}, written at {row.written}")


def show_queries(session: Session, data: Dataset) -> None:
    read = ConsistencyLevel.LOCAL_QUORUM
    latest_runs = SimpleStatement(
        "SELECT started_at, run_id, status, params FROM runs_by_experiment WHERE experiment_id = %s LIMIT 3",
        consistency_level=read,
    )
    print("Q1 latest runs of churn:")
    for row in session.execute(latest_runs, ("churn",)):
        params = ", ".join(f"{k}={v}" for k, v in sorted(row.params.items()))
        print(f"  {row.started_at:%Y-%m-%d %H:%M} {row.run_id} {row.status:<8} {params}")

    latest_point = session.prepare(
        "SELECT step, value FROM metrics_by_run WHERE experiment_id = ? AND run_id = ? AND metric_name = ? LIMIT 1"
    )
    latest_point.consistency_level = read
    print("Q2 latest loss of each churn run:")
    for run in (r for r in data.runs if r.experiment_id == "churn"):
        row = session.execute(latest_point, ("churn", run.run_id, "loss")).one()
        print(f"  {run.run_id}: step {row.step} loss {row.value:.4f}")

    # Paging: the driver fetches 20 rows at a time and fetches the next page while we iterate.
    window = SimpleStatement(
        "SELECT step, value FROM metrics_by_run WHERE experiment_id = %s AND run_id = %s AND metric_name = %s "
        "AND step >= %s ORDER BY step ASC",
        consistency_level=read,
        fetch_size=20,
    )
    result = session.execute(window, ("churn", "run-001", "accuracy", 1000))
    pages, rows = 1, 0
    for _ in result.current_rows:
        rows += 1
    while result.has_more_pages:
        result.fetch_next_page()
        pages += 1
        rows += len(result.current_rows)
    print(f"Q2 accuracy of run-001 from step 1000: {rows} rows in {pages} pages of 20")

    # A web page of results resumes from a paging state handed back by the client.
    first = session.execute(window, ("churn", "run-001", "accuracy", 1000))
    page_one = [r.step for r in first.current_rows]
    resumed = session.execute(window, ("churn", "run-001", "accuracy", 1000), paging_state=first.paging_state)
    page_two = [r.step for r in resumed.current_rows]
    print(f"  page 1 steps {page_one[0]}..{page_one[-1]}, page 2 steps {page_two[0]}..{page_two[-1]}")

    stats = session.execute(
        "SELECT min(value) AS best, max(value) AS worst, avg(value) AS mean, count(*) AS points "
        "FROM metrics_by_run WHERE experiment_id = %s AND run_id = %s AND metric_name = %s",
        ("churn", "run-001", "loss"),
    ).one()
    print(
        f"  run-001 loss: best {stats.best:.4f} worst {stats.worst:.4f} "
        f"mean {stats.mean:.4f} over {stats.points} points"
    )

    print("Q3 finished runs of each experiment, best first:")
    summaries = session.prepare(
        "SELECT run_id, model_name, accuracy, loss FROM run_summary WHERE experiment_id = ?"
    )
    summaries.consistency_level = read
    for experiment in sorted({r.experiment_id for r in data.runs}):
        rows = sorted(session.execute(summaries, (experiment,)), key=lambda r: -r.accuracy)
        ranked = ", ".join(f"{r.run_id} {r.accuracy:.4f}" for r in rows)
        print(f"  {experiment}: {ranked}")


def register_models(session: Session) -> None:
    """Register each experiment's best run as the next model version; IF NOT EXISTS refuses a duplicate."""
    register = session.prepare(
        "INSERT INTO model_versions (model_name, version, run_id, artifact_uri, accuracy, stage, registered_at) "
        "VALUES (?, ?, ?, ?, ?, 'Staging', ?) IF NOT EXISTS"
    )
    register.consistency_level = ConsistencyLevel.LOCAL_QUORUM
    register.serial_consistency_level = ConsistencyLevel.LOCAL_SERIAL
    print("Q4 model registry:")
    for experiment in ("churn", "fraud", "recsys"):
        rows = list(session.execute("SELECT * FROM run_summary WHERE experiment_id = %s", (experiment,)))
        best = max(rows, key=lambda r: r.accuracy)
        model = f"{experiment}-{best.model_name}"
        uri = f"s3://models/{model}/1/model.bin"
        applied = session.execute(
            register, (model, 1, best.run_id, uri, best.accuracy, best.finished_at)
        ).one()
        print(f"  {model} v1 <- {best.run_id}: applied={applied.applied}")
    # A second trainer racing to register version 1 of churn loses: the existing row comes back.
    other = session.execute(register, ("churn-xgboost", 1, "run-003", "s3://elsewhere", 0.1, None)).one()
    print(f"  churn-xgboost v1 again: applied={other.applied}, kept {other.run_id}")
    latest = session.execute(
        "SELECT version, stage, artifact_uri FROM model_versions WHERE model_name = %s LIMIT 1",
        ("churn-xgboost",),
    ).one()
    print(f"  current churn-xgboost: v{latest.version} {latest.stage} {latest.artifact_uri}")


def show_counters(session: Session) -> None:
    print("Q5 counters:")
    for experiment in ("churn", "fraud", "recsys"):
        row = session.execute(
            "SELECT runs, metric_points FROM experiment_counters WHERE experiment_id = %s", (experiment,)
        ).one()
        print(f"  {experiment}: {row.runs} runs, {row.metric_points} metric points")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The MLOps example application (cassandra-driver).")
    parser.add_argument("--host", action="append", help="contact point (repeatable; default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=9042)
    parser.add_argument("--keyspace", default="mlops")
    parser.add_argument("--local-dc", help="the application's data centre (default: the contact point's)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)

    # The guide passes load_balancing_policy to Cluster(); drivers 3.x deprecate that for execution
    # profiles, which also carry the default consistency level of every statement.
    profile = ExecutionProfile(
        load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy(local_dc=args.local_dc)),
        consistency_level=ConsistencyLevel.LOCAL_QUORUM,
    )
    cluster = Cluster(
        args.host or ["127.0.0.1"], port=args.port, execution_profiles={EXEC_PROFILE_DEFAULT: profile}
    )
    # connect() without a keyspace: the guide's connect('mlops') fails before the keyspace exists.
    session = cluster.connect()
    try:
        datacenter, nodes = check_cluster_health(cluster)
        create_schema(session, args.keyspace, args.local_dc or datacenter, nodes)
        data = generate(args.seed)
        load(session, data)
        write_summaries(session, data)
        show_queries(session, data)
        register_models(session)
        show_counters(session)
    finally:
        cluster.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
