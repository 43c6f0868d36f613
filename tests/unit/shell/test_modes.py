"""cqlkit's ``--mode csv|json`` (rows only, for scripts) and that ``--mode tabular`` is cqlsh's output."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cluster.node import Node
from engine.cql3.statements.base import ClientState
from shell.batch import run_statements
from shell.cli import main as cqlsh
from shell.connection.embedded import EmbeddedConnection
from shell.output.script import OutputMode
from shell.session_state import ShellState

SETUP = (
    "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
    'CREATE TYPE ks.address (street text, "Zip" int)',
    'CREATE TABLE ks.t (k int, c int, "Name" text, d double, f float, ts timestamp, m map<int, text>, '
    "b blob, l list<frozen<tuple<int, text>>>, s set<uuid>, dec decimal, dur duration, a frozen<address>, "
    "v vector<float, 2>, ok boolean, ip inet, dt date, tm time, big varint, PRIMARY KEY (k, c))",
    'INSERT INTO ks.t (k, c, "Name", d, f, ts, m, b, l, s, dec, dur, a, v, ok, ip, dt, tm, big) VALUES '
    "(1, 1, 'a,\"b\"\nline', 1.5, 1.1, '2024-01-31 12:30:00.123456+0000', {2: 'y', 1: 'x'}, 0xff00, "
    "[(1, 'q'), (2, 'r')], {5b6962dd-3f90-4c93-8f61-eabfa4a803e2}, 1.0E+3, 1h30m, "
    "{street: 'Main St', \"Zip\": 12345}, [0.5, -2.25], true, '127.0.0.1', '2024-01-31', '12:30:00.5', "
    "123456789012345678901234567890)",
    "INSERT INTO ks.t (k, c, d, f) VALUES (1, 2, 1e300, NaN)",
    "INSERT INTO ks.t (k, c) VALUES (2, 1)",
    "CREATE TABLE ks.e (k int PRIMARY KEY, v int)",
)


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("modes") / "cluster"
    node = Node(directory / "node1", cluster_name="modes")
    for statement in SETUP:
        node.query_processor.execute(statement, ClientState())
    node.close()
    return directory


@pytest.fixture(scope="module")
def connection(directory: Path) -> Iterator[EmbeddedConnection]:
    conn = EmbeddedConnection(directory)
    yield conn
    conn.close()


def run(connection: EmbeddedConnection, text: str, mode: OutputMode) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    state = ShellState(mode=mode)
    outcome = run_statements(text, connection, out, err, source="<stdin>", state=state)
    return out.getvalue(), err.getvalue(), outcome.exit_code


CSV = (
    "k,c,Name,a,b,big,d,dec,dt,dur,f,ip,l,m,ok,s,tm,ts,v\r\n"
    '1,1,"a,""b""\\nline","{street: \'Main St\', Zip: 12345}",0xff00,123456789012345678901234567890,1.5,'
    "1.0E+3,2024-01-31,1h30m,1.1,127.0.0.1,\"[(1, 'q'), (2, 'r')]\",\"{1: 'x', 2: 'y'}\",True,"
    '{5b6962dd-3f90-4c93-8f61-eabfa4a803e2},12:30:00.500000000,2024-01-31 12:30:00.123+0000,"[0.5, -2.25]"\r\n'
    "1,2,,,,,1e+300,,,,NaN,,,,,,,,\r\n"
    "2,1,,,,,,,,,,,,,,,,,\r\n"
)


def test_csv_is_a_header_and_rows_formatted_as_copy_to(connection: EmbeddedConnection) -> None:
    out, err, code = run(connection, "SELECT * FROM ks.t;", OutputMode.CSV)
    assert (err, code) == ("", 0)
    assert out == CSV


def test_csv_fields_are_what_copy_to_writes(connection: EmbeddedConnection, tmp_path: Path) -> None:
    """COPY TO (with HEADER, and RFC 4180 quoting) and --mode csv give the same fields for every row."""
    import csv

    exported = tmp_path / "t.csv"
    _, err, code = run(
        connection, f"COPY ks.t TO '{exported}' WITH HEADER = true AND ESCAPE = '\"';", OutputMode.TABULAR
    )
    assert (err, code) == ("", 0)
    from_copy = list(csv.reader(exported.open(newline="")))
    out, _, _ = run(connection, "SELECT * FROM ks.t;", OutputMode.CSV)
    assert list(csv.reader(io.StringIO(out, newline=""))) == from_copy


def test_csv_header_once_across_pages_and_for_an_empty_result(connection: EmbeddedConnection) -> None:
    out, err, code = run(
        connection,
        "PAGING 1; SELECT k, c FROM ks.t; SELECT * FROM ks.e; SELECT count(*) FROM ks.t;",
        OutputMode.CSV,
    )
    # the server's warning goes to stderr, PAGING's own message to stdout: only results change form
    assert (err, code) == ("\nWarnings :\nAggregation query used without partition key\n\n", 0)
    assert out == "Page size: 1\nk,c\r\n1,1\r\n1,2\r\n2,1\r\nk,v\r\ncount\r\n3\r\n"


def test_json_lines_are_what_select_json_returns(connection: EmbeddedConnection) -> None:
    out, err, code = run(connection, "SELECT * FROM ks.t;", OutputMode.JSON)
    assert (err, code) == ("", 0)
    assert out.splitlines()[2] == (
        '{"k": 2, "c": 1, "\\"Name\\"": null, "a": null, "b": null, "big": null, "d": null, "dec": null, '
        '"dt": null, "dur": null, "f": null, "ip": null, "l": null, "m": null, "ok": null, "s": null, '
        '"tm": null, "ts": null, "v": null}'
    )
    server, _, _ = run(connection, "SELECT JSON * FROM ks.t;", OutputMode.JSON)
    assert out.splitlines() == [json.loads(line)["[json]"] for line in server.splitlines()]
    first = json.loads(out.splitlines()[0])
    assert first["a"] == {"street": "Main St", '"Zip"': 12345}
    assert first["ts"] == "2024-01-31 12:30:00.123Z"
    assert first["m"] == {"1": "x", "2": "y"}
    assert json.loads(out.splitlines()[1])["f"] is None  # NaN: Cassandra's toJSONString gives null


def test_json_of_selected_expressions_and_an_lwt(connection: EmbeddedConnection) -> None:
    out, err, code = run(
        connection,
        'SELECT k, writetime(d) AS "When", toJson(m) FROM ks.t WHERE k = 2; '
        "INSERT INTO ks.e (k, v) VALUES (1, 1) IF NOT EXISTS; "
        "INSERT INTO ks.e (k, v) VALUES (1, 2) IF NOT EXISTS; SELECT * FROM ks.e WHERE k = 99;",
        OutputMode.JSON,
    )
    assert (err, code) == ("", 0)
    assert out == (
        '{"k": 2, "\\"When\\"": null, "system.tojson(m)": "null"}\n'
        '{"[applied]": true}\n'
        '{"[applied]": false, "k": 1, "v": 1}\n'
    )


def test_errors_and_warnings_go_to_stderr(connection: EmbeddedConnection) -> None:
    out, err, code = run(connection, "SELECT k FROM ks.t WHERE k = 2; SELECT * FROM ks.nope;", OutputMode.CSV)
    assert out == "k\r\n2\r\n"
    assert err == (
        '<stdin>:1:InvalidRequest: Error from server: code=2200 [Invalid query] message="table nope does not exist"\n'
    )
    assert code == 2


def test_command_line_mode(tmp_path: Path) -> None:
    directory = tmp_path / "cluster"
    node = Node(directory / "node1", cluster_name="modes")
    for statement in SETUP[:3]:
        node.query_processor.execute(statement, ClientState())
    node.query_processor.execute("INSERT INTO ks.t (k, c) VALUES (1, 1)", ClientState())
    node.query_processor.execute("INSERT INTO ks.t (k, c) VALUES (1, 2)", ClientState())
    node.close()

    def cli(*argv: str) -> tuple[str, str, int]:
        out, err = io.StringIO(), io.StringIO()
        status = cqlsh(["--cluster", str(directory), *argv], stdout=out, stderr=err)
        return out.getvalue(), err.getvalue(), status

    query = "SELECT k, c FROM ks.t WHERE k = 1"
    assert cli("--mode", "csv", "-e", query) == ("k,c\r\n1,1\r\n1,2\r\n", "", 0)
    assert cli("--mode", "json", "-C", "-e", query) == ('{"k": 1, "c": 1}\n{"k": 1, "c": 2}\n', "", 0)
    tabular = cli("-e", query)
    assert cli("--mode", "tabular", "-e", query) == tabular
    assert tabular[0] == "\n k | c\n---+---\n 1 | 1\n 1 | 2\n\n(2 rows)\n"
    with pytest.raises(SystemExit) as usage:
        cli("--mode", "xml", "-e", query)
    assert usage.value.code == 2
