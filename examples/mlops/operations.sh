#!/usr/bin/env bash
# Operating the MLOps keyspace: monitoring with nodetool, a snapshot backup, losing a table's data,
# and restoring it from the snapshot. Every command is what you would type; the output is shown after
# a "$ command" line.
#
#   CQLKIT_HOME=/tmp/mlops-ops examples/mlops/operations.sh
#
# It works on the current cluster of $CQLKIT_HOME (clusters/CURRENT, else clusters/default), opened by
# each command in turn; stop a `cqlkit serve` of that cluster first. Every node restores its own
# snapshot, so it works for any number of nodes.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
home=${CQLKIT_HOME:-$HOME/.cqlkit}
name=$(cat "$home/clusters/CURRENT" 2>/dev/null || echo default)
cluster="$home/clusters/$name"

# Echo a command as typed (arguments with spaces in double quotes), run it, then a blank line.
say() {
    local line="\$" arg
    for arg in "$@"; do
        case $arg in *[[:space:]]*) line+=" \"$arg\"" ;; *) line+=" $arg" ;; esac
    done
    echo "$line"
}
show() {
    say "$@"
    "$@"
    echo
}

echo "# The tutorial's keyspace and data"
say cqlkit cqlsh -f examples/mlops/tutorial.cql ">" /dev/null
cqlkit cqlsh -f "$here/tutorial.cql" >/dev/null
echo

echo "# The generated data set (generate.py, seeded) as CSV, loaded with COPY FROM"
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
say python examples/mlops/generate.py --out DATA
python3 "$here/generate.py" --out "$data" | sed "s|$data|DATA|"
echo
for table in runs_by_experiment metrics_by_run run_summary; do
    columns=$(head -n 1 "$data/$table.csv" | tr -d '\r')
    say cqlkit cqlsh -e "COPY mlops.$table ($columns) FROM 'DATA/$table.csv' WITH HEADER = true"
    cqlkit cqlsh -e "COPY mlops.$table ($columns) FROM '$data/$table.csv' WITH HEADER = true"
    echo
done
show cqlkit nodetool status mlops

echo "# Memtables to SSTables, then the table's figures (a few of tablestats' lines)"
show cqlkit nodetool flush mlops
echo "\$ cqlkit nodetool tablestats mlops.metrics_by_run | grep -E 'Table:|SSTable count|partitions'"
cqlkit nodetool tablestats mlops.metrics_by_run | grep -E 'Table:|SSTable count|partitions'
echo
show cqlkit nodetool compactionstats

echo "# Backup: a snapshot is hard links to the SSTables of the moment, per node, per table"
show cqlkit nodetool snapshot -t backup-1 mlops

echo "# Losing data: TRUNCATE empties the table (Cassandra snapshots it first, as truncated-<time>-<table>)"
show cqlkit cqlsh -e "TRUNCATE mlops.run_summary; SELECT run_id, accuracy FROM mlops.run_summary;"

echo "# Restore, node by node: copy the snapshot's SSTables back into the table's directory while the"
echo "# node is stopped (Cassandra: then start it, or run nodetool refresh/import on a running node)"
for table in "$cluster"/node*/data/mlops/run_summary-*/; do
    echo "\$ cp ${table#"$home"/}snapshots/backup-1/nb-* ${table#"$home"/}"
    cp "$table"snapshots/backup-1/nb-* "$table"
done
echo
show cqlkit cqlsh -e "SELECT run_id, accuracy FROM mlops.run_summary;"

echo "# The snapshots are no longer needed: clear them all (both the backup and the truncation's)"
show cqlkit nodetool clearsnapshot --all mlops
show cqlkit nodetool listsnapshots
