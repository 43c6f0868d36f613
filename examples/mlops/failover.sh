#!/usr/bin/env bash
# A node of a three-node cluster goes down while the MLOps keyspace (RF 3) is written at QUORUM: what still
# works at QUORUM, ONE and ALL, what the node has on its own when it is back, and `nodetool repair`
# bringing it level with the others. Every command is what you would type; its output follows the
# "$ command" line (errors included, then the exit status when it is not 0).
#
#   CQLKIT_HOME=/tmp/mlops-failover examples/mlops/failover.sh
#
# It creates a cluster `mlops3` in $CQLKIT_HOME (a fresh directory: `cluster create` refuses a name that
# exists) and leaves it stopped. Arguments go to `cqlkit cluster create` (`--single-interface` where only
# 127.0.0.1 exists, as on macOS; `--native-port P` when 9042 is taken).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
home=${CQLKIT_HOME:-$HOME/.cqlkit}

# Echo a command as typed (arguments with spaces in double quotes).
say() {
    local line="\$" arg
    for arg in "$@"; do
        case $arg in *[[:space:]]*) line+=" \"$arg\"" ;; *) line+=" $arg" ;; esac
    done
    echo "$line"
}
# Echo a command, run it (errors on the same stream, as at a terminal), then a blank line.
show() {
    say "$@"
    local status=0
    "$@" 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then echo "(exit status $status)"; fi
    echo
}
# The query of one metric of run-001 (Q2 of the tutorial: a whole partition, latest step first).
metric() {
    echo "SELECT step, value FROM mlops.metrics_by_run
    WHERE experiment_id = 'churn' AND run_id = 'run-001' AND metric_name = '$1';"
}

# never leave a server behind, whatever fails
trap 'cqlkit cluster stop >/dev/null 2>&1 || true' EXIT

echo "# A cluster of three nodes (127.0.0.1-3), started in the background"
show cqlkit cluster create mlops3 -n 3 "$@"
show cqlkit cluster start
show cqlkit cluster status

echo "# The tutorial's schema, in a keyspace replicated on all three nodes (RF 3)"
show cqlkit cluster node1 cqlsh -e "CREATE KEYSPACE mlops WITH replication =
    {'class': 'NetworkTopologyStrategy', 'datacenter1': 3};"
say cqlkit cluster node1 cqlsh -f examples/mlops/schema.cql
cqlkit cluster node1 cqlsh -f "$here/schema.cql"
echo

echo "# The first steps of run-001, written at QUORUM (2 of the 3 replicas acknowledge)"
show cqlkit cluster node1 cqlsh -e "CONSISTENCY QUORUM;
INSERT INTO mlops.metrics_by_run (experiment_id, run_id, metric_name, step, epoch, value)
    VALUES ('churn', 'run-001', 'loss', 100, 1, 0.6931);
INSERT INTO mlops.metrics_by_run (experiment_id, run_id, metric_name, step, epoch, value)
    VALUES ('churn', 'run-001', 'loss', 200, 1, 0.5120);
INSERT INTO mlops.metrics_by_run (experiment_id, run_id, metric_name, step, epoch, value)
    VALUES ('churn', 'run-001', 'accuracy', 100, 1, 0.6140);
INSERT INTO mlops.metrics_by_run (experiment_id, run_id, metric_name, step, epoch, value)
    VALUES ('churn', 'run-001', 'accuracy', 200, 1, 0.7215);"

echo "# node3 goes down: its peers see it DN at once"
show cqlkit cluster node3 stop
show cqlkit nodetool status mlops

echo "# node1 coordinates the next writes. It would keep what node3 misses as hints and replay them once"
echo "# node3 is back; but hints are best effort (none past max_hint_window, 3 h; lost with node1's disk)."
echo "# To see what repair is for, node1 keeps none this time"
show cqlkit nodetool -h 127.0.0.1 disablehandoff
show cqlkit nodetool -h 127.0.0.1 statushandoff

echo "# Training goes on. QUORUM needs 2 live replicas of 3 and has them; ALL needs 3 and is refused:"
echo "# Unavailable, before anything is written (cqlsh reports it as the driver does, in NoHostAvailable)"
show cqlkit cluster node1 cqlsh -e "CONSISTENCY QUORUM;
INSERT INTO mlops.metrics_by_run (experiment_id, run_id, metric_name, step, epoch, value)
    VALUES ('churn', 'run-001', 'loss', 300, 2, 0.4208);
INSERT INTO mlops.metrics_by_run (experiment_id, run_id, metric_name, step, epoch, value)
    VALUES ('churn', 'run-001', 'loss', 400, 2, 0.3517);
INSERT INTO mlops.metrics_by_run (experiment_id, run_id, metric_name, step, epoch, value)
    VALUES ('churn', 'run-001', 'accuracy', 300, 2, 0.7902);
INSERT INTO mlops.metrics_by_run (experiment_id, run_id, metric_name, step, epoch, value)
    VALUES ('churn', 'run-001', 'accuracy', 400, 2, 0.8266);
CONSISTENCY ALL;
INSERT INTO mlops.metrics_by_run (experiment_id, run_id, metric_name, step, epoch, value)
    VALUES ('churn', 'run-001', 'loss', 500, 3, 0.3101);"

echo "# Reads through node1: ONE asks one replica (node1 itself), QUORUM two (node1 and node2): both"
echo "# answer with node3 down. ALL cannot."
show cqlkit cluster node1 cqlsh -e "CONSISTENCY ONE;
$(metric loss)
CONSISTENCY QUORUM;
$(metric loss)
CONSISTENCY ALL;
$(metric loss)"

echo "# node3 comes back; node1 kept no hints for it, so nothing replays"
show cqlkit cluster node3 start
show cqlkit nodetool status mlops

echo "# What node3 has on its own: at ONE through node3, node3 is the one replica asked (the closest is"
echo "# the coordinator itself). Steps 300 and 400 are missing."
show cqlkit cluster node3 cqlsh -e "CONSISTENCY ONE;
$(metric loss)
$(metric accuracy)"

echo "# QUORUM through node3 asks node3 and one other replica. Writes at QUORUM and reads at QUORUM"
echo "# overlap (2 + 2 > 3), so one of the two has every acknowledged write and the newest cell wins:"
echo "# all four steps. The replicas disagreed, so node3 was sent this partition before the answer"
echo "# (blocking read repair): loss is now complete on node3 alone, accuracy, never read at QUORUM, is not."
show cqlkit cluster node3 cqlsh -e "CONSISTENCY QUORUM;
$(metric loss)
CONSISTENCY ONE;
$(metric loss)
$(metric accuracy)"

echo "# Repair: node1 compares the Merkle trees of every range's three replicas and sends each replica"
echo "# the partitions where it differs"
show cqlkit nodetool repair mlops

echo "# node3 agrees: at ONE through node3 it has every step"
show cqlkit cluster node3 cqlsh -e "CONSISTENCY ONE;
$(metric accuracy)"

echo "# Hints back on for what comes next"
show cqlkit nodetool -h 127.0.0.1 enablehandoff

show cqlkit cluster stop
